"""Development tooling: the local runtime and the ``eis`` CLI, the agency generator, source exporters, backtests.

Nothing here ships in a Lambda layer and no handler imports it (ruff's TID251 enforces the direction).
"""
