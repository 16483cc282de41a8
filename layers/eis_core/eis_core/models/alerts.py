"""Scores, alerts and their explanations."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class AlertLevel(StrEnum):
    WARNING = "warning"
    CRITICAL = "critical"


class AlertStatus(StrEnum):
    NEW = "new"
    CASE_OPENED = "case_opened"
    MERGED = "merged"  # the officer already had an open case; the evidence went to it
    DISMISSED = "dismissed"


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


class OfficerScore(BaseModel):
    """One officer's score on one run."""

    model_config = ConfigDict(frozen=True)

    officer_id: str
    as_of: date
    run_id: str
    model_id: str
    score: float
    level: AlertLevel | None = None
    peer_group: str
    rules: list[RuleHit] = Field(default_factory=list)
    factors: list[Factor] = Field(default_factory=list)


class Alert(BaseModel):
    """A non-punitive prompt for a supervisor to review an officer's recent record."""

    alert_id: str
    officer_id: str
    as_of: date
    run_id: str
    model_id: str
    created_at: datetime
    level: AlertLevel
    score: float
    rules: list[RuleHit] = Field(default_factory=list)
    factors: list[Factor] = Field(default_factory=list)
    explanation: str
    status: AlertStatus = AlertStatus.NEW
    case_id: str | None = None

    @staticmethod
    def make_id(officer_id: str, as_of: date) -> str:
        """Deterministic: re-running the same scoring date produces the same alert, not a second one."""
        return f"{as_of.isoformat()}-{officer_id}"
