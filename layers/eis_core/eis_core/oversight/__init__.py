"""Oversight outputs: reviewers' feedback counted for the model, promotion of retrained models, and
reading run reports and model cards back for the case API. Pandas-free (see ``ruff.toml``)."""
