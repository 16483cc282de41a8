"""API models of the case lists and the caller's queue (``GET /cases``, ``GET /queue``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from eis_core.cases.listing import Queue, QueueEntry, QueueSection
from eis_core.models.api import AlertList
from eis_core.models.cases import Case, CaseStatus

NEXT_CURSOR = "Pass as cursor for the next page; null on the last page (a page may be short, even empty)"


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class CaseSummaryOut(_Out):
    """A case in a list: no notes or history (``GET /cases/{case_id}`` has them)."""

    case_id: str
    officer_id: str
    status: CaseStatus
    supervisor_id: str | None
    opened_at: datetime
    review_due_on: date
    overdue: bool = Field(description="The review date has passed and the case is open")
    alert_ids: list[str]

    @classmethod
    def from_domain(cls, case: Case, today: date) -> CaseSummaryOut:
        return cls(
            case_id=case.case_id,
            officer_id=case.officer_id,
            status=case.status,
            supervisor_id=case.supervisor_id,
            opened_at=case.opened_at,
            review_due_on=case.review_due_on,
            overdue=case.is_open and case.review_due_on < today,
            alert_ids=list(case.alert_ids),
        )


class CaseList(_Out):
    cases: list[CaseSummaryOut]
    count: int
    next_cursor: str | None = Field(default=None, description=NEXT_CURSOR)

    @classmethod
    def from_domain(cls, cases: Sequence[Case], *, today: date, next_cursor: str | None) -> CaseList:
        listed = [CaseSummaryOut.from_domain(case, today) for case in cases]
        return cls(cases=listed, count=len(listed), next_cursor=next_cursor)


class QueueEntryOut(_Out):
    case_id: str
    officer_id: str
    due_on: date | None
    detail: str

    @classmethod
    def from_domain(cls, entry: QueueEntry) -> QueueEntryOut:
        return cls(case_id=entry.case_id, officer_id=entry.officer_id, due_on=entry.due_on, detail=entry.detail)


class QueueOut(_Out):
    """What the caller should act on, in the caller's scope."""

    today: date
    alerts: AlertList = Field(description="New alerts without a case, oldest first (next page: alerts_cursor)")
    cases: CaseList = Field(description="Open cases by review date, overdue first (next page: cases_cursor)")
    overdue_cases: int = Field(description="Overdue cases on this page")
    checkins_due: list[QueueEntryOut] = Field(description="Intervention check-ins due, soonest first")
    handoffs_to_acknowledge: list[QueueEntryOut] = Field(description="Transferred cases the caller must acknowledge")

    @classmethod
    def from_domain(cls, queue: Queue) -> QueueOut:
        cases = CaseList.from_domain(queue.cases.items, today=queue.today, next_cursor=queue.cases.cursor)
        return cls(
            today=queue.today,
            alerts=AlertList.from_domain(queue.alerts.items, queue.alerts.cursor),
            cases=cases,
            overdue_cases=sum(1 for case in cases.cases if case.overdue),
            checkins_due=[QueueEntryOut.from_domain(e) for e in queue.sections.get(QueueSection.CHECKINS_DUE, [])],
            handoffs_to_acknowledge=[
                QueueEntryOut.from_domain(e) for e in queue.sections.get(QueueSection.HANDOFFS_TO_ACKNOWLEDGE, [])
            ],
        )
