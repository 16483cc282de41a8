"""Scores, alerts and their explanations."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

OPAQUE_ID_PREFIX = "alert-"
"""New alert ids start with this; ids stored before them (``2024-06-01-A1234``) never do."""


class AlertLevel(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


class AlertStatus(StrEnum):
    NEW = "new"
    CASE_OPENED = "case_opened"
    MERGED = "merged"  # the officer already had an open case; the evidence went to it
    DISMISSED = "dismissed"
    CASE_CLOSED = "case_closed"  # its case was closed (a reopening makes it case_opened again)


class RuleHit(BaseModel):
    """One threshold rule that fired, with the numbers behind it."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    description: str
    level: AlertLevel
    value: float
    threshold: float


class Factor(BaseModel):
    """One indicator that explains a score, compared with the officer's peers."""

    model_config = ConfigDict(frozen=True)

    indicator: str
    label: str
    officer_value: float
    peer_median: float
    peer_percentile: float = Field(ge=0, le=100)
    peer_group: str


class ModelIds(BaseModel):
    """What produced a score or alert: the scoring setup, and the trained model when one scored.

    ``scoring_config_id`` hashes the scorer and every setting that shapes scores and alerts;
    ``trained_model_id`` is the id of the trained model's card (``models/<id>/card.json`` in the
    agency's artifacts bucket), None when the peer-and-rule scorer ran without a trained model.
    ``model_id`` is the old name of ``scoring_config_id``, kept for one version (deprecated).
    Items stored before the split have only ``model_id``; they read back with it as their setup id.
    """

    scoring_config_id: str
    trained_model_id: str | None = None
    # The default is never kept (the validator copies scoring_config_id); it tells type checkers it is optional.
    model_id: str = Field(default="", description="Deprecated: the same value as scoring_config_id")

    @model_validator(mode="before")
    @classmethod
    def _either_name(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if "scoring_config_id" not in data and "model_id" in data:
                data = data | {"scoring_config_id": data["model_id"]}
            elif "model_id" not in data and "scoring_config_id" in data:
                data = data | {"model_id": data["scoring_config_id"]}
        return data


class OfficerScore(ModelIds):
    """One officer's score on one run."""

    model_config = ConfigDict(frozen=True)

    officer_id: str
    as_of: date
    run_id: str
    score: float
    level: AlertLevel | None = None
    peer_group: str
    rules: list[RuleHit] = Field(default_factory=list)
    factors: list[Factor] = Field(default_factory=list)
    in_population: bool | None = Field(
        default=None,
        description="In the model spec's population on the run date (False: scored for the record, never "
        "alerted); None on scores stored before the population was checked",
    )
    # For the officer snapshot; absent on scores stored before them.
    rank: int | None = Field(default=None, ge=1, description="Rank by score in the run, 1 = highest")
    officers_scored: int | None = Field(default=None, ge=0, description="How many officers the run scored")
    peer_level: str | None = Field(default=None, description="Keys of the peer group, e.g. rank+unit+shift")
    standings: dict[str, tuple[float | None, float | None]] = Field(
        default_factory=dict, description="Indicator -> (the officer's value, percentile among peers)"
    )


class AlertDismissal(BaseModel):
    """Why an alert was closed without a case: who (a risk manager or admin), when, and their reason."""

    model_config = ConfigDict(frozen=True)

    by: str = Field(description="Subject (user id) of the token that dismissed the alert")
    by_role: str
    at: datetime
    reason: str = Field(min_length=1, max_length=2_000)


class Alert(ModelIds):
    """A non-punitive prompt for a supervisor to review an officer's recent record."""

    alert_id: str
    officer_id: str
    as_of: date
    run_id: str
    created_at: datetime
    level: AlertLevel
    score: float
    rules: list[RuleHit] = Field(default_factory=list)
    factors: list[Factor] = Field(default_factory=list)
    explanation: str
    status: AlertStatus = AlertStatus.NEW
    case_id: str | None = None
    dismissal: AlertDismissal | None = Field(default=None, description="Set when the alert was dismissed")
    # The deadline sweep's last escalation of this alert while it waits for a case (0: none yet).
    escalated_level: int = Field(default=0, ge=0)
    escalated_on: date | None = None

    @staticmethod
    def legacy_id(officer_id: str, as_of: date) -> str:
        """The id alerts had before opaque ids: ``<as_of>-<officer id>``. Still read, never made for new alerts.

        It names the officer and the date, so it must not appear in an email; new alerts get an opaque
        id from ``eis_core.scoring.alert_ids.AlertIds``.
        """
        return f"{as_of.isoformat()}-{officer_id}"

    @staticmethod
    def make_id(officer_id: str, as_of: date) -> str:
        """Deprecated: the old name of ``legacy_id`` (new alerts get opaque ids from ``AlertIds``)."""
        return Alert.legacy_id(officer_id, as_of)

    @staticmethod
    def is_opaque_id(alert_id: str) -> bool:
        """True for ids that reveal neither officer nor date (``alert-`` and a keyed token)."""
        return alert_id.startswith(OPAQUE_ID_PREFIX)
