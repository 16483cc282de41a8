"""Command staff's view: overdue cases by unit, and alert volume and outcomes by month.

Read only, aggregates only, computed on request from the listing indexes; no table is scanned and
every listing reads at most ``MAX_PAGES`` pages of ``PAGE_SIZE`` items (each page itself reads at
most ``paging.READ_BUDGET`` index items):

- **Open cases** come from the status listing index (``by_status_due``), one partition per open
  status. An officer has one open case at most, so these listings are as long as the roster at worst.
  A case is overdue when its review date has passed; its unit is its officer's on the current roster.
- **Alerts** raised in the period come from the status index (``by_status``), one partition per
  alert status, with a key condition ``created_at >= period start``: old alerts are never read. The
  period is the current month and the ``months - 1`` before it (``MAX_MONTHS`` at most); an alert
  counts in the month (UTC) it was created.
- **Dispositions**: an alert whose case was closed takes the case's disposition from the closed-case
  index (``closed``) read from the same start: a case closed on an alert of the period closed after
  the alert was raised, so it is in that listing.

When a listing stops at its bound, the answer says so (``truncated``, ``truncated_listings``): the
figures are then lower bounds. Command staff (who may not see deferrals) get counts without the
deferred cases and alerts; risk managers, admins and auditors get everything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TypeVar

from eis_core.cases.access import READ_TRENDS, SEE_ALL, Caller, RosterCache
from eis_core.cases.listing import OPEN_STATUSES, stored_statuses
from eis_core.cases.visibility import ActiveDeferrals
from eis_core.errors import ForbiddenError, ValidationFailed
from eis_core.models.alerts import Alert, AlertStatus
from eis_core.models.cases import Case, Disposition
from eis_core.models.command import AlertMonthOut, CommandOverviewOut, UnitOverdueOut
from eis_core.storage.paging import MAX_PAGE, CaseIndex, Page, PageKey
from eis_core.storage.ports import AlertStore, CaseStore, RecordStore

T = TypeVar("T")

MAX_MONTHS = 24
DEFAULT_MONTHS = 12
PAGE_SIZE = MAX_PAGE
MAX_PAGES = 10
"""Pages read per listing at most: 2,000 items per listing (e.g. dismissed alerts of the period)."""
NOT_ON_ROSTER = "Not on the roster"
READ_COMMAND = READ_TRENDS
"""Command staff, risk managers, admins and auditors: the same readers as the agency trends report."""


def month_start(day: date, months_back: int) -> date:
    """The first day of the month ``months_back`` months before ``day``'s month."""
    index = day.year * 12 + (day.month - 1) - months_back
    return date(index // 12, index % 12 + 1, 1)


@dataclass
class _Reads:
    """Pages read so far, and which listings stopped at their bound."""

    pages: int = 0
    truncated: list[str] = field(default_factory=list)

    def all_of(self, listing: str, fetch: Callable[[PageKey | None], Page[T]]) -> list[T]:
        items: list[T] = []
        start: PageKey | None = None
        for _ in range(MAX_PAGES):
            page = fetch(start)
            self.pages += 1
            items.extend(page.items)
            start = page.next
            if start is None:
                return items
        self.truncated.append(listing)
        return items


class CommandView:
    def __init__(self, *, alerts: AlertStore, cases: CaseStore, records: RecordStore) -> None:
        self._alerts = alerts
        self._cases = cases
        self._roster = RosterCache(records)

    def overview(self, caller: Caller, *, today: date, months: int = DEFAULT_MONTHS) -> CommandOverviewOut:
        """Overdue cases by unit and alert months; ForbiddenError for supervisors and other roles."""
        if not caller.any_of(READ_COMMAND):
            raise ForbiddenError("only command staff, risk managers, administrators and auditors may read this view")
        if not 1 <= months <= MAX_MONTHS:
            raise ValidationFailed(f"months must be 1 to {MAX_MONTHS}")
        reads = _Reads()
        hide_deferred = not caller.any_of(SEE_ALL)
        deferred = ActiveDeferrals.of(self._cases.active_deferrals() if hide_deferred else ())
        open_cases = [
            case
            for status in stored_statuses(OPEN_STATUSES)
            for case in reads.all_of(f"open_cases.{status}", self._open_cases(status))
            if deferred.covering(case.officer_id, [case.case_id]) is None
        ]
        period_from = month_start(today, months - 1)
        since = datetime(period_from.year, period_from.month, period_from.day, tzinfo=UTC)
        alerts = [
            alert
            for status in AlertStatus
            for alert in reads.all_of(f"alerts.{status.value}", self._alerts_raised(status, since))
            if deferred.covering(alert.officer_id, [alert.case_id]) is None
        ]
        closed = reads.all_of(
            "closed_cases",
            lambda start: self._cases.closed_cases_page(closed_from=since, limit=PAGE_SIZE, start=start),
        )
        return CommandOverviewOut(
            today=today,
            period_from=period_from,
            months=months,
            units=self._units(open_cases, today),
            alert_months=_alert_months(
                alerts, closed, [month_start(today, back) for back in range(months - 1, -1, -1)]
            ),
            pages_read=reads.pages,
            truncated=bool(reads.truncated),
            truncated_listings=reads.truncated,
            deferred_hidden=hide_deferred,
        )

    def _open_cases(self, status: str) -> Callable[[PageKey | None], Page[Case]]:
        return lambda start: self._cases.cases_page(CaseIndex.STATUS, status, limit=PAGE_SIZE, start=start)

    def _alerts_raised(self, status: AlertStatus, since: datetime) -> Callable[[PageKey | None], Page[Alert]]:
        return lambda start: self._alerts.alerts_page(status, created_from=since, limit=PAGE_SIZE, start=start)

    def _units(self, open_cases: Iterable[Case], today: date) -> list[UnitOverdueOut]:
        roster = self._roster.officers()
        by_unit: dict[str, list[int]] = {}
        for case in open_cases:
            officer = roster.get(case.officer_id)
            unit = officer.unit if officer is not None else NOT_ON_ROSTER
            by_unit.setdefault(unit, []).append((today - case.review_due_on).days)
        rows = [_unit_row(unit, days) for unit, days in by_unit.items()]
        return sorted(rows, key=lambda row: (-row.overdue, -(row.most_days_overdue or 0), row.unit))


def _unit_row(unit: str, days_past_due: list[int]) -> UnitOverdueOut:
    late = [days for days in days_past_due if days > 0]
    return UnitOverdueOut(
        unit=unit,
        open_cases=len(days_past_due),
        overdue=len(late),
        overdue_1_to_7_days=sum(days <= 7 for days in late),
        overdue_8_to_30_days=sum(7 < days <= 30 for days in late),
        overdue_over_30_days=sum(days > 30 for days in late),
        most_days_overdue=max(late, default=None),
    )


def _alert_months(alerts: list[Alert], closed: list[Case], months: list[date]) -> list[AlertMonthOut]:
    disposition_of: dict[str, Disposition | None] = {}
    for case in closed:
        disposition_of[case.case_id] = case.disposition
    by_month: dict[str, list[Alert]] = {}
    for alert in alerts:
        by_month.setdefault(alert.created_at.astimezone(UTC).strftime("%Y-%m"), []).append(alert)
    rows = []
    for first in months:
        key = first.strftime("%Y-%m")
        raised = by_month.get(key, [])
        status = Counter(alert.status for alert in raised)
        dispositions = Counter(
            disposition_of.get(alert.case_id or "") for alert in raised if alert.status is AlertStatus.CASE_CLOSED
        )
        rows.append(
            AlertMonthOut(
                month=key,
                raised=len(raised),
                awaiting_review=status[AlertStatus.NEW],
                dismissed=status[AlertStatus.DISMISSED],
                case_open=status[AlertStatus.CASE_OPENED] + status[AlertStatus.MERGED],
                case_closed=status[AlertStatus.CASE_CLOSED],
                closed_by_disposition={each: dispositions[each] for each in Disposition},
                closed_disposition_unknown=dispositions[None],
            )
        )
    return rows
