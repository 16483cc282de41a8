"""Where the scoring and retraining jobs keep their outputs in the agency's artifacts bucket.

One place for the keys, free of pandas and scikit-learn, so the case API reads what the jobs write
without importing them (``eis_core.scoring`` imports both).
"""

from __future__ import annotations

from datetime import date

RUNS_PREFIX = "runs/"
REPORT_NAME = "report.json"
MODELS_PREFIX = "models/"
CURRENT_KEY = "models/current.json"
"""Points at the model daily scoring uses: ``{"model_id": ..., "artifact_sha256": ...}``."""
SPEC_KEY = "models/spec.json"
"""Optional agency-specific ``ModelSpec`` (JSON) the retraining job reads; defaults otherwise."""
PROMOTIONS_PREFIX = "promotions/"
"""Admins' explicit promotions, one object each (who, when, why); the case API writes only here and CURRENT_KEY."""


def report_key(as_of: date) -> str:
    """A scoring run's report."""
    return f"{RUNS_PREFIX}{as_of.isoformat()}/{REPORT_NAME}"


def run_date(key: str) -> date | None:
    """The run date a report key names; None for any other key under ``runs/``."""
    if not key.startswith(RUNS_PREFIX) or not key.endswith(f"/{REPORT_NAME}"):
        return None
    middle = key[len(RUNS_PREFIX) : -len(REPORT_NAME) - 1]
    try:
        return date.fromisoformat(middle)
    except ValueError:
        return None


def card_key(model_id: str) -> str:
    """Where a trained model's card is: what an auditor follows from an alert's ``trained_model_id``."""
    return f"{MODELS_PREFIX}{model_id}/card.json"


def artifact_key(model_id: str) -> str:
    return f"{MODELS_PREFIX}{model_id}/model.pkl"


def retrain_key(model_id: str) -> str:
    """The retraining job's report for the model it trained, with the promotion decision."""
    return f"{MODELS_PREFIX}{model_id}/retrain.json"


def promotion_key(model_id: str, at_iso: str) -> str:
    return f"{PROMOTIONS_PREFIX}{model_id}/{at_iso}.json"


BACKTESTS_PREFIX = "reports/backtests/"
"""The backtest job's reports, one folder per test year: ``report.json`` (figures) and ``report.md``."""


def backtest_key(test_year: int, name: str = "report.json") -> str:
    return f"{BACKTESTS_PREFIX}{test_year}/{name}"


def backtest_year_of(key: str) -> int | None:
    """The test year a backtest report key names; None for any other key."""
    if not key.startswith(BACKTESTS_PREFIX) or not key.endswith("/report.json"):
        return None
    middle = key[len(BACKTESTS_PREFIX) : -len("/report.json")]
    return int(middle) if middle.isdigit() and len(middle) == 4 else None
