"""Cases: how supervisors work an alert from review to closure."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class CaseStatus(StrEnum):
    OPEN = "open"
    IN_REVIEW = "in_review"
    INTERVENTION = "intervention"
    MONITORING = "monitoring"
    CLOSED = "closed"


class Note(BaseModel):
    note_id: str
    case_id: str
    created_at: datetime
    author: str = Field(description="Subject (user id) of the author's token")
    author_role: str
    text: str = Field(min_length=1, max_length=10_000)


class Case(BaseModel):
    case_id: str
    officer_id: str
    alert_ids: list[str]
    status: CaseStatus = CaseStatus.OPEN
    opened_at: datetime
    opened_by: str
    supervisor_id: str | None = None
    review_due_on: date
    notes: list[Note] = Field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.status is not CaseStatus.CLOSED
