"""The officer snapshot and officer search: response models of ``GET /officers/{id}`` and ``GET /officers``.

Unlike the alert and case responses, these carry the officer's name: a supervisor opens the snapshot
to see who the officer is (Orange County's one page). They never carry contact details,
demographics, or anything about civilians (events show date, kind, category and finding only).
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from eis_core.models.alerts import AlertLevel, AlertStatus
from eis_core.models.cases import CaseStatus, Disposition
from eis_core.models.records import OfficerStatus, RecordKind


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class PersonOut(_Out):
    officer_id: str
    name: str


class CurrentScoreOut(_Out):
    """The officer's newest score and where it placed them in that run."""

    as_of: date
    run_id: str
    score: float
    level: AlertLevel | None = Field(description="Set when the run flagged the officer")
    rank: int | None = Field(description="Rank by score among the officers of the run (1 = highest)")
    officers_scored: int | None = Field(description="How many officers the run scored")
    peer_group: str
    peer_level: str | None = Field(description="The keys the peer group uses, e.g. rank+unit+shift")
    peer_group_size: int | None


class IndicatorStandingOut(_Out):
    """One indicator of the newest run: the officer's value against the peer group's quartiles."""

    indicator: str
    label: str
    higher_is_worse: bool
    value: float | None = Field(description="Null when unknown (e.g. no activity records)")
    peer_p25: float | None
    peer_median: float | None
    peer_p75: float | None
    percentile: float | None = Field(description="Mid-rank percentile among peers (ties count half)")


class ScorePointOut(_Out):
    as_of: date
    score: float
    level: AlertLevel | None
    rank: int | None
    officers_scored: int | None


class TimelineMonthOut(_Out):
    month: str = Field(description="YYYY-MM", pattern=r"^\d{4}-\d{2}$")
    counts: dict[RecordKind, int] = Field(description="Events that happened in the month, by kind (zeros left out)")


class EventOut(_Out):
    """An event as the snapshot shows it: no narrative, no civilian or subject detail."""

    date: date
    kind: RecordKind
    category: str | None = Field(description="Force type, allegation, incident type, award, course, ...")
    finding: str | None = Field(description="Complaint finding, lawsuit status, training result, ...")


class AlertSummaryOut(_Out):
    alert_id: str
    as_of: date
    created_at: datetime
    level: AlertLevel
    score: float
    status: AlertStatus
    case_id: str | None


class CaseSummaryOut(_Out):
    case_id: str
    status: CaseStatus
    disposition: Disposition | None
    opened_at: datetime
    closed_at: datetime | None = Field(description="When the case was last closed; null while open")
    supervisor_id: str | None
    alert_ids: list[str]


class CommendationOut(_Out):
    date: date
    award_type: str


class TrainingOut(_Out):
    date: date
    course: str
    hours: float
    passed: bool


class OfficerSnapshot(_Out):
    """One officer on one page: who, how they compare with peers, what happened, what was done."""

    officer_id: str
    badge: str = Field(description="The agency's officer (badge or employee) number")
    name: str
    rank: str
    unit: str
    district: str | None
    shift: str | None
    status: OfficerStatus
    supervisor: PersonOut | None
    hire_date: date | None = Field(description="Null when the agency's roster has no hire date")
    tenure_years: float | None = Field(
        description="Years from hire date to today (or to separation); null when the hire date is unknown"
    )
    generated_on: date
    current_score: CurrentScoreOut | None = Field(description="Null when no scoring run scored the officer")
    indicators: list[IndicatorStandingOut] = Field(description="From the newest run's scores and peer statistics")
    score_history: list[ScorePointOut] = Field(description="One point per scoring run, last 24 months, oldest first")
    timeline: list[TimelineMonthOut] = Field(description="Every month of the last 5 years, oldest first")
    recent_events: list[EventOut] = Field(description="The latest 50 events of the last 5 years, newest first")
    alerts: list[AlertSummaryOut] = Field(description="Newest first")
    cases: list[CaseSummaryOut] = Field(description="Newest first")
    commendations: list[CommendationOut] = Field(description="Last 5 years, newest first")
    training: list[TrainingOut] = Field(description="Last 5 years, newest first")


class OfficerSummaryOut(_Out):
    officer_id: str
    badge: str
    name: str
    rank: str
    unit: str
    shift: str | None
    status: OfficerStatus


class OfficerPage(_Out):
    officers: list[OfficerSummaryOut] = Field(description="By last name, first name, officer id")
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null at the end")
