"""Days to acknowledge and days to close a complaint: the one place these figures are computed.

A complaint (``complaint_id``) may hold several allegation records, one per officer and category. Its
dates are read across them: received on the earliest received date (``Complaint.received``: the
agency's ``received_on``, else the intake date ``known_on``), acknowledged on the earliest
``acknowledged_on``, and closed only when every allegation is closed (``Complaint.closed``: the
agency's ``closed_on``, else the finding's decision date), on the latest of those dates.

Days are calendar days (``days_to_acknowledge``, ``days_to_close``), as a complainant counts them;
the acknowledgment window is in business days (weekends and the agency's holidays skipped), as the
agency's policy states it. Only what was known on ``as_of`` counts: a date after it is not yet
reached, so a complaint acknowledged later is still unacknowledged as of that day.
"""

from __future__ import annotations

import statistics
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from eis_core.models.records import Complaint, Officer

DEFAULT_ACKNOWLEDGE_WITHIN = 5
"""Business days: Orange County's complaint about a complainant 'left waiting' asked for acknowledgment at once."""

UNKNOWN_UNIT = "(unknown)"


def is_business_day(day: date, holidays: Collection[date] = ()) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_business_days(start: date, days: int, holidays: Collection[date] = ()) -> date:
    """The ``days``-th business day after ``start`` (``start`` itself never counts)."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_business_day(day, holidays):
            left -= 1
    return day


def business_days_between(start: date, end: date, holidays: Collection[date] = ()) -> int:
    """Business days after ``start`` up to and including ``end`` (0 when ``end`` is not after ``start``)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_business_day(day, holidays)
    return count


@dataclass(frozen=True)
class ComplaintTiming:
    """One complaint's dates as known on ``as_of``, and the days each step took."""

    complaint_id: str
    officer_ids: tuple[str, ...]
    received_on: date
    acknowledged_on: date | None
    closed_on: date | None

    @property
    def days_to_acknowledge(self) -> int | None:
        return None if self.acknowledged_on is None else (self.acknowledged_on - self.received_on).days

    @property
    def days_to_close(self) -> int | None:
        return None if self.closed_on is None else (self.closed_on - self.received_on).days

    def acknowledge_by(self, within: int = DEFAULT_ACKNOWLEDGE_WITHIN, holidays: Collection[date] = ()) -> date:
        """The last day an acknowledgment is on time: ``within`` business days after it was received."""
        return add_business_days(self.received_on, within, holidays)

    def acknowledged_late(self, within: int = DEFAULT_ACKNOWLEDGE_WITHIN, holidays: Collection[date] = ()) -> bool:
        return self.acknowledged_on is not None and self.acknowledged_on > self.acknowledge_by(within, holidays)

    def overdue_on(self, day: date, within: int = DEFAULT_ACKNOWLEDGE_WITHIN, holidays: Collection[date] = ()) -> bool:
        """Still unacknowledged and open on ``day``, past the window: the intake unit should be chased."""
        return self.acknowledged_on is None and self.closed_on is None and day > self.acknowledge_by(within, holidays)


def _known(value: date | None, as_of: date | None) -> date | None:
    return None if value is None or (as_of is not None and value > as_of) else value


def complaint_timings(complaints: Iterable[Complaint], *, as_of: date | None = None) -> list[ComplaintTiming]:
    """Each complaint received by ``as_of`` (every one when None), its allegations read together, by id."""
    grouped: dict[str, list[Complaint]] = {}
    for record in complaints:
        if as_of is None or record.received <= as_of:
            grouped.setdefault(record.complaint_id, []).append(record)
    timings = []
    for complaint_id, records in sorted(grouped.items()):
        acknowledged = [d for r in records if (d := _known(r.acknowledged_on, as_of)) is not None]
        closed = [_known(r.closed, as_of) for r in records]
        timings.append(
            ComplaintTiming(
                complaint_id=complaint_id,
                officer_ids=tuple(sorted({r.officer_id for r in records})),
                received_on=min(r.received for r in records),
                acknowledged_on=min(acknowledged, default=None),
                closed_on=None if any(d is None for d in closed) else max(d for d in closed if d is not None),
            )
        )
    return timings


def days_to_close(complaints: Iterable[Complaint], *, as_of: date | None = None) -> dict[str, int]:
    """Days from received to closed of each complaint closed by ``as_of``, by complaint id."""
    return {
        t.complaint_id: days
        for t in complaint_timings(complaints, as_of=as_of)
        if (days := t.days_to_close) is not None
    }


def median_days(values: Iterable[int | None]) -> float | None:
    """The median of the known values; None (unknown, never 0) when there are none."""
    known = [value for value in values if value is not None]
    return float(statistics.median(known)) if known else None


@dataclass(frozen=True)
class TimelinessSummary:
    """Medians and counts for one group of complaints (the agency, or one unit)."""

    group: str
    complaints: int
    acknowledged: int
    acknowledged_late: int
    closed: int
    median_days_to_acknowledge: float | None
    median_days_to_close: float | None


def summarise(
    group: str,
    timings: Collection[ComplaintTiming],
    *,
    within: int = DEFAULT_ACKNOWLEDGE_WITHIN,
    holidays: Collection[date] = (),
) -> TimelinessSummary:
    return TimelinessSummary(
        group=group,
        complaints=len(timings),
        acknowledged=sum(t.acknowledged_on is not None for t in timings),
        acknowledged_late=sum(t.acknowledged_late(within, holidays) for t in timings),
        closed=sum(t.closed_on is not None for t in timings),
        median_days_to_acknowledge=median_days(t.days_to_acknowledge for t in timings),
        median_days_to_close=median_days(t.days_to_close for t in timings),
    )


def by_unit(
    timings: Iterable[ComplaintTiming],
    roster: Mapping[str, Officer],
    *,
    within: int = DEFAULT_ACKNOWLEDGE_WITHIN,
    holidays: Collection[date] = (),
) -> list[TimelinessSummary]:
    """One summary per unit of the officers complained about (a complaint about two units counts in each)."""
    grouped: dict[str, list[ComplaintTiming]] = {}
    for timing in timings:
        units = {roster[o].unit if o in roster else UNKNOWN_UNIT for o in timing.officer_ids}
        for unit in units:
            grouped.setdefault(unit, []).append(timing)
    return [summarise(unit, grouped[unit], within=within, holidays=holidays) for unit in sorted(grouped)]


def agency_timeliness(
    complaints: Iterable[Complaint],
    roster: Iterable[Officer],
    *,
    as_of: date,
    within: int = DEFAULT_ACKNOWLEDGE_WITHIN,
    holidays: Collection[date] = (),
) -> tuple[TimelinessSummary, list[TimelinessSummary]]:
    """The agency's summary and each unit's, of complaints received by ``as_of``."""
    timings = complaint_timings(complaints, as_of=as_of)
    officers = {officer.officer_id: officer for officer in roster}
    return (
        summarise("agency", timings, within=within, holidays=holidays),
        by_unit(timings, officers, within=within, holidays=holidays),
    )


def overdue_acknowledgments(
    timings: Iterable[ComplaintTiming],
    day: date,
    *,
    within: int = DEFAULT_ACKNOWLEDGE_WITHIN,
    holidays: Collection[date] = (),
) -> list[ComplaintTiming]:
    """Complaints still unacknowledged and open on ``day``, past the agency's window."""
    return [t for t in timings if t.overdue_on(day, within, holidays)]
