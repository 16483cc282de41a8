"""Lists of alerts and cases, and the caller's queue: queries of listing indexes, a page at a time.

Every list reads index partitions in their sort order (alerts by creation, cases by review date) and
pages with an opaque cursor (``eis_core.storage.paging``); none scans a table. A supervisor's lists
keep only officers in their chain of command, filtered as the store reads, so a page may come back
short (even empty) with a cursor to continue.

The queue holds what the caller should act on: new alerts without a case, open cases by review date
(overdue first), and sections other parts of the workflow fill (check-ins due, hand-offs to
acknowledge) through ``QueueSource`` functions registered on the service.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from eis_core.models.alerts import Alert, AlertStatus
from eis_core.models.cases import LEGACY_STATUSES, Case, CaseStatus
from eis_core.storage.codec import sortable_time
from eis_core.storage.paging import DEFAULT_PAGE, MAX_PAGE, CaseFilter, CaseIndex, Merged, Page, PageKey, merge
from eis_core.storage.ports import AlertStore, CaseStore

OPEN_STATUSES = tuple(status for status in CaseStatus if status is not CaseStatus.CLOSED)


class QueueSection(StrEnum):
    """Queue sections filled by ``QueueSource`` functions (the workflow's check-ins and hand-offs)."""

    CHECKINS_DUE = "checkins_due"
    HANDOFFS_TO_ACKNOWLEDGE = "handoffs_to_acknowledge"


@dataclass(frozen=True)
class QueueEntry:
    """One thing to do on a case: a check-in due, a hand-off to acknowledge."""

    case_id: str
    officer_id: str
    due_on: date | None = None
    detail: str = ""  # e.g. the intervention a check-in is for; never free text about a person


@dataclass(frozen=True)
class QueueFor:
    """Whose queue a section is filled for."""

    scope: frozenset[str] | None
    """Officer ids in the caller's chain of command; None for callers who see every officer."""
    officer_id: str | None = None
    """The caller's own officer id (a supervisor's), for what is handed to them personally."""

    @property
    def sees_all(self) -> bool:
        return self.scope is None


QueueSource = Callable[[QueueFor, date, int], list[QueueEntry]]
"""(whose queue, today, at most how many) -> entries, soonest first."""


@dataclass(frozen=True)
class CaseQuery:
    status: CaseStatus | None = None
    supervisor_id: str | None = None
    officer_id: str | None = None
    overdue: bool | None = None

    def fingerprint(self) -> str:
        """Ties a cursor to its filters: a cursor from other filters is refused, not misread."""
        text = f"{self.status}|{self.supervisor_id}|{self.officer_id}|{self.overdue}"
        return hashlib.sha256(text.encode()).hexdigest()[:12]


@dataclass
class Queue:
    today: date
    alerts: Merged[Alert]
    cases: Merged[Case]
    sections: dict[QueueSection, list[QueueEntry]] = field(default_factory=dict)


def page_size(limit: int | None) -> int:
    return max(1, min(limit or DEFAULT_PAGE, MAX_PAGE))


def stored_statuses(statuses: Collection[CaseStatus]) -> list[str]:
    """The status values stored for ``statuses``, legacy values (read as one of them) included."""
    legacy = [old for old, now in LEGACY_STATUSES.items() if now in statuses]
    return [status.value for status in statuses] + legacy


class Listings:
    def __init__(self, *, alerts: AlertStore, cases: CaseStore) -> None:
        self._alerts = alerts
        self._cases = cases

    def alerts(
        self, scope: frozenset[str] | None, *, status: AlertStatus | None, limit: int | None, cursor: str | None
    ) -> Merged[Alert]:
        statuses = list(AlertStatus) if status is None else [AlertStatus(status)]

        def fetch(partition: str, start: PageKey | None, size: int) -> Page[Alert]:
            return self._alerts.alerts_page(AlertStatus(partition), limit=size, start=start, officer_ids=scope)

        return merge(
            f"alerts.{status or 'all'}",
            [each.value for each in statuses],
            fetch,
            lambda alert: sortable_time(alert.created_at),
            limit=page_size(limit),
            cursor=cursor,
        )

    def cases(
        self,
        scope: frozenset[str] | None,
        query: CaseQuery,
        *,
        today: date,
        limit: int | None,
        cursor: str | None,
        statuses: Collection[CaseStatus] = tuple(CaseStatus),
        listing: str = "cases",
    ) -> Merged[Case]:
        wanted = [query.status] if query.status is not None else list(statuses)
        where = CaseFilter(
            status=stored_statuses(wanted),
            supervisor_id=query.supervisor_id,
            officer_id=query.officer_id,
            due_before=today if query.overdue else None,
            due_from=today if query.overdue is False else None,
            officer_ids=scope,
        )
        if query.officer_id is not None:
            partitions = [f"{CaseIndex.OFFICER.value}:{query.officer_id}"]
        elif query.supervisor_id is not None:
            partitions = [f"{CaseIndex.SUPERVISOR.value}:{query.supervisor_id}"]
        else:
            partitions = [f"{CaseIndex.STATUS.value}:{value}" for value in stored_statuses(wanted)]

        def fetch(partition: str, start: PageKey | None, size: int) -> Page[Case]:
            index, _, value = partition.partition(":")
            return self._cases.cases_page(CaseIndex(index), value, limit=size, start=start, where=where)

        return merge(
            f"{listing}.{query.fingerprint()}",
            partitions,
            fetch,
            lambda case: case.review_due_on.isoformat(),
            limit=page_size(limit),
            cursor=cursor,
        )

    def queue(
        self,
        scope: frozenset[str] | None,
        *,
        today: date,
        limit: int | None,
        alerts_cursor: str | None,
        cases_cursor: str | None,
        sources: dict[QueueSection, QueueSource],
        officer_id: str | None = None,
    ) -> Queue:
        caller = QueueFor(scope, officer_id)
        return Queue(
            today=today,
            alerts=self.alerts(scope, status=AlertStatus.NEW, limit=limit, cursor=alerts_cursor),
            cases=self.cases(
                scope,
                CaseQuery(),
                today=today,
                limit=limit,
                cursor=cases_cursor,
                statuses=OPEN_STATUSES,
                listing="queue",
            ),
            sections={section: source(caller, today, page_size(limit)) for section, source in sources.items()},
        )
