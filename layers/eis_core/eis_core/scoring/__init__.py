"""Scoring: peer comparison, threshold rules, the scorer step, the agency's model, explanations, the run.

Import from the submodules (``eis_core.scoring.spec``, ``.service``, ...): the package itself imports
nothing, so reading a spec or a run report's key does not load scikit-learn and SciPy (seconds at startup).
"""
