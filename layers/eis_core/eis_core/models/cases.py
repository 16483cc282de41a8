"""Cases: how supervisors work an alert from review to closure (the moves are in ``eis_core.cases.workflow``)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field, field_validator


class CaseStatus(StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    INTERVENTION_PLANNED = "intervention_planned"
    INTERVENTION_IN_PROGRESS = "intervention_in_progress"
    MONITORING = "monitoring"
    CLOSED = "closed"


LEGACY_STATUSES: dict[str, CaseStatus] = {"intervention": CaseStatus.INTERVENTION_IN_PROGRESS}
"""Status values stored by earlier versions, and what they read as now."""


def _read_status(value: Any) -> Any:
    return LEGACY_STATUSES.get(value, value) if isinstance(value, str) else value


class Disposition(StrEnum):
    """Why a case was closed."""

    INTERVENTION_COMPLETED = "intervention_completed"
    NO_ACTION_NEEDED = "no_action_needed"
    FALSE_POSITIVE = "false_positive"
    REFERRED_OUTSIDE_EIS = "referred_outside_eis"
    OFFICER_SEPARATED = "officer_separated"


class Note(BaseModel):
    note_id: str
    case_id: str
    created_at: datetime
    author: str = Field(description="Subject (user id) of the author's token")
    author_role: str
    text: str = Field(min_length=1, max_length=10_000)


class CaseTransition(BaseModel):
    """One move of a case: who, when, why, and for a closure the disposition."""

    from_status: CaseStatus
    to_status: CaseStatus
    at: datetime
    by: str = Field(description="Subject (user id) of the token that made the move")
    by_role: str
    reason: str | None = None
    disposition: Disposition | None = None
    referred_to: str | None = None
    disagreed_rules: list[str] = Field(default_factory=list)
    disagreed_factors: list[str] = Field(default_factory=list)

    @field_validator("from_status", "to_status", mode="before")
    @classmethod
    def _legacy(cls, value: Any) -> Any:
        return _read_status(value)


class Case(BaseModel):
    case_id: str
    officer_id: str
    alert_ids: list[str]
    status: CaseStatus = CaseStatus.OPEN
    opened_at: datetime
    opened_by: str
    supervisor_id: str | None = None
    review_due_on: date
    disposition: Disposition | None = Field(default=None, description="Set while closed; cleared by a reopening")
    history: list[CaseTransition] = Field(default_factory=list, description="Every move, oldest first")
    notes: list[Note] = Field(default_factory=list)
    version: int = Field(
        default=0, ge=0, description="Counts the writes to the case (notes included); conditional writes name it"
    )

    @field_validator("status", mode="before")
    @classmethod
    def _legacy(cls, value: Any) -> Any:
        return _read_status(value)

    @property
    def is_open(self) -> bool:
        return self.status is not CaseStatus.CLOSED
