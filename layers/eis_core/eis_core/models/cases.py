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


class AssignmentKind(StrEnum):
    ASSIGNED = "assigned"  # a person gave the case to a supervisor (POST /cases/{case_id}/assignment)
    TRANSFERRED = "transferred"  # the roster moved the officer to a new supervisor (the daily sweep)


class CaseAssignment(BaseModel):
    """One hand-off of a case to a supervisor: who gave it, to whom, when and why."""

    kind: AssignmentKind
    supervisor_id: str = Field(description="Officer id of the supervisor the case now belongs to")
    previous_supervisor_id: str | None = None
    at: datetime
    by: str = Field(description="Subject of the token that assigned it; 'notify' for a roster transfer")
    by_role: str
    reason: str = Field(min_length=1, max_length=2_000)


class DeferralTarget(StrEnum):
    CASE = "case"
    OFFICER = "officer"


class Deferral(BaseModel):
    """Notification deferred for a case or an officer: the chain of command is not told and does not see it.

    It stays in force until a risk manager ends it; on ``review_on`` the risk team is emailed once
    (``review_notified_on``) and the deferral shows as expired until they end or renew it.
    """

    target: DeferralTarget
    target_id: str = Field(description="The case id or the officer id")
    officer_id: str
    reason: str = Field(min_length=1, max_length=2_000)
    review_on: date
    deferred_at: datetime
    deferred_by: str
    deferred_by_role: str
    review_notified_on: date | None = None
    ended_at: datetime | None = None
    ended_by: str | None = None
    end_reason: str | None = None

    def expired(self, day: date) -> bool:
        """True from the review date on: the deferral waits for a risk manager's review."""
        return self.ended_at is None and day >= self.review_on


class InterventionOutcome(StrEnum):
    """How an intervention ended."""

    COMPLETED = "completed"
    PARTIALLY_COMPLETED = "partially_completed"
    DECLINED = "declined"
    NOT_COMPLETED = "not_completed"


class CheckIn(BaseModel):
    """One periodic check-in on an active intervention (the agency's ``checkin_days`` apart)."""

    checkin_id: str
    at: datetime
    by: str = Field(description="Subject (user id) of who checked in")
    by_role: str
    note: str = Field(min_length=1, max_length=4_000, description="How it is going; kept out of the audit log")
    next_due_on: date = Field(description="When the next check-in is due")


class Intervention(BaseModel):
    """Support planned on a case: a type from the agency's catalogue, who delivers it, and how it ended.

    Stored beside its case (like notes), one item each. ``next_checkin_due_on`` and ``monitor_until``
    are stamped when the intervention is planned, checked in on or completed, from the agency's policy
    at that time. ``revision`` counts stored changes: a write applies only to the revision it read.
    """

    intervention_id: str
    case_id: str
    type: str = Field(description="An id from the agency's intervention catalogue")
    owner: str | None = Field(default=None, description="Officer id of who delivers or follows it up")
    planned_on: date
    due_on: date
    started_on: date | None = None
    completed_on: date | None = None
    outcome: InterventionOutcome | None = None
    notes: str | None = Field(default=None, max_length=10_000, description="The plan; kept out of the audit log")
    outcome_notes: str | None = Field(default=None, max_length=10_000, description="How it went; not audited")
    checkins: list[CheckIn] = Field(default_factory=list, description="Oldest first")
    next_checkin_due_on: date | None = Field(default=None, description="None once the intervention has ended")
    monitor_until: date | None = Field(default=None, description="completed_on plus the monitoring period")
    created_at: datetime
    created_by: str
    created_by_role: str
    revision: int = Field(default=0, ge=0)

    @property
    def done(self) -> bool:
        return self.outcome is not None


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
    # The deadline sweep's last escalation of an overdue review (0: none yet), and the day it was sent.
    escalated_level: int = Field(default=0, ge=0)
    escalated_on: date | None = None
    # Hand-off (eis_core.cases.handoff): whoever the case was last handed to must acknowledge it.
    awaiting_acknowledgement_by: str | None = Field(
        default=None, description="Officer id of the supervisor who must acknowledge the hand-off"
    )
    acknowledged_by: str | None = Field(default=None, description="Officer id of who acknowledged the last hand-off")
    acknowledged_at: datetime | None = None
    roster_supervisor_id: str | None = Field(
        default=None, description="The officer's roster supervisor when the case was last handed off"
    )
    assignments: list[CaseAssignment] = Field(default_factory=list, description="Every hand-off, oldest first")
    interventions: list[Intervention] = Field(default_factory=list, description="Oldest first (stored apart)")
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

    def intervention(self, intervention_id: str) -> Intervention | None:
        return next((i for i in self.interventions if i.intervention_id == intervention_id), None)

    @property
    def monitoring_ends_on(self) -> date | None:
        """While in monitoring with every intervention ended: when monitoring ends (the last one's end + period)."""
        if self.status is not CaseStatus.MONITORING or not self.interventions:
            return None
        if not all(i.done and i.monitor_until for i in self.interventions):
            return None
        return max(i.monitor_until for i in self.interventions if i.monitor_until)
