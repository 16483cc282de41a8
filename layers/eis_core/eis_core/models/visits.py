"""A portal user's last visit to their queue: what they saw, so the next visit can say what changed.

Kept per user (the token's subject) on the server, so "what changed since your last visit" survives
signing out, the idle lock and another workstation. It holds ids and statuses only, never free text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from eis_core.models.cases import CaseStatus

MAX_SEEN = 500
"""Alerts and cases one marker remembers at most (the portal's queue asks for 100 of each)."""

SeenId = Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:#-]+$")]


class LastVisit(BaseModel):
    """The stored marker: when the user last looked at their queue, and the alerts and cases it held."""

    model_config = ConfigDict(frozen=True)

    subject: str
    visited_at: datetime
    alert_ids: tuple[str, ...] = ()
    cases: Mapping[str, CaseStatus] = Field(default_factory=dict)


# --- API models (GET and PUT /me/last-visit) ------------------------------------------------------


class SeenCase(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    case_id: SeenId
    status: CaseStatus


class LastVisitIn(BaseModel):
    """What the queue showed the user just now: the new alerts and the open cases (ids and statuses)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alert_ids: list[SeenId] = Field(default_factory=list, max_length=MAX_SEEN)
    cases: list[SeenCase] = Field(default_factory=list, max_length=MAX_SEEN)


class LastVisitOut(BaseModel):
    """The caller's last recorded visit to their queue; visited_at is null before the first."""

    model_config = ConfigDict(frozen=True)

    visited_at: datetime | None = Field(description="When the caller last recorded a visit; null: never")
    alert_ids: list[str] = Field(description="The new alerts their queue showed then")
    cases: list[SeenCase] = Field(description="The open cases their queue showed then, with their status")

    @classmethod
    def from_domain(cls, visit: LastVisit | None) -> LastVisitOut:
        if visit is None:
            return cls(visited_at=None, alert_ids=[], cases=[])
        return cls(
            visited_at=visit.visited_at,
            alert_ids=list(visit.alert_ids),
            cases=[SeenCase(case_id=case_id, status=status) for case_id, status in visit.cases.items()],
        )
