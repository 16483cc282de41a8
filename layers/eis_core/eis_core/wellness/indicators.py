"""Wellness indicators per officer, as of a date, from the records the agency already sends.

Pure and as-of-date like every indicator: only records known strictly before ``as_of`` that happened
before it count. Plain Python (no pandas): a few records per officer-month, read once.

``None`` means *unknown*: the agency does not send the data behind an indicator, or not for this
officer or period. Unknown is never read as zero, so missing data can neither raise nor hide a signal.
Definitions, defaults and their sources: ``docs/wellness.md``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from eis_core.models.records import (
    Activity,
    ForceType,
    Injury,
    Leave,
    LeaveType,
    Officer,
    Record,
    Training,
    UseOfForce,
)
from eis_core.wellness.thresholds import WellnessThresholds

HOURS_PER_LEAVE_DAY = 8.0
REST_LEAVE = frozenset({LeaveType.VACATION, LeaveType.PERSONAL, LeaveType.OTHER})
"""Leave that is rest: not sick, not injury, not overtime."""
SICK_RECENT_DAYS = 90
SICK_BASELINE_DAYS = 360  # the 360 days before the recent 90, read as four 90-day periods
RUN_WINDOW_DAYS = 90
NIGHT_WINDOW_DAYS = 90
CRITICAL_WINDOW_DAYS = 90


@dataclass(frozen=True)
class WellnessIndicators:
    """One officer's wellness indicators; every ``None`` is unknown."""

    officer_id: str
    hours_7d: float | None = None
    hours_28d: float | None = None
    overtime_30d: float | None = None
    overtime_90d: float | None = None
    consecutive_days: int | None = None
    night_share: float | None = None
    days_since_rest_leave: int | None = None
    rest_leave_on_record: bool = True
    """False when no rest leave is on record: ``days_since_rest_leave`` then counts from the data's start."""
    sick_days_90d: float | None = None
    sick_baseline_90d: float | None = None
    training_overdue: tuple[str, ...] | None = None
    critical_incidents_90d: int | None = None
    activity_through: date | None = None


@dataclass
class _Officer:
    hire_date: date | None = None
    activity: list[Activity] = field(default_factory=list)
    leave: list[Leave] = field(default_factory=list)
    training: list[Training] = field(default_factory=list)
    critical: list[date] = field(default_factory=list)


@dataclass
class _Agency:
    """What the agency sends at all: an indicator whose source the agency never sends is unknown."""

    officers: dict[str, _Officer] = field(default_factory=lambda: defaultdict(_Officer))
    first_leave: date | None = None
    overtime_sent: bool = False
    training_sent: bool = False
    incidents_sent: bool = False


def _collect(records: Iterable[Record], as_of: date) -> _Agency:
    agency = _Agency()
    for record in records:
        if isinstance(record, Officer):
            agency.officers[record.officer_id].hire_date = record.hire_date
            continue
        if not (record.known_before(as_of) and record.occurred_on < as_of):
            continue
        person = agency.officers[record.officer_id]
        if isinstance(record, Activity):
            person.activity.append(record)
        elif isinstance(record, Leave):
            person.leave.append(record)
            if agency.first_leave is None or record.occurred_on < agency.first_leave:
                agency.first_leave = record.occurred_on
            agency.overtime_sent |= record.leave_type is LeaveType.OVERTIME
        elif isinstance(record, Training):
            person.training.append(record)
            agency.training_sent = True
        elif isinstance(record, UseOfForce):
            agency.incidents_sent = True
            if record.subject_injured or record.officer_injured or record.force_type is ForceType.FIREARM_DISCHARGED:
                person.critical.append(record.occurred_on)
        elif isinstance(record, Injury):
            agency.incidents_sent = True
            if record.on_duty:
                person.critical.append(record.occurred_on)
    return agency


def wellness_indicators(
    records: Iterable[Record], as_of: date, thresholds: WellnessThresholds | None = None
) -> dict[str, WellnessIndicators]:
    """Indicators of every officer on the roster as of ``as_of`` (hired before it), by officer id."""
    thresholds = thresholds or WellnessThresholds()
    agency = _collect(records, as_of)
    found: dict[str, WellnessIndicators] = {}
    for officer_id, person in agency.officers.items():
        if person.hire_date is None or person.hire_date >= as_of:
            continue
        found[officer_id] = _indicators(officer_id, person, agency, as_of, thresholds)
    return found


def _indicators(
    officer_id: str, person: _Officer, agency: _Agency, as_of: date, thresholds: WellnessThresholds
) -> WellnessIndicators:
    last = as_of - timedelta(days=1)
    hours = _hours(person.activity, last, thresholds.activity_stale_days)
    rest_days, on_record = _days_since_rest(person, agency, as_of)
    recent, baseline = _sick(person, agency, as_of)
    return WellnessIndicators(
        officer_id=officer_id,
        hours_7d=hours.get(7),
        hours_28d=hours.get(28),
        overtime_30d=_overtime(person, agency, last, 30),
        overtime_90d=_overtime(person, agency, last, 90),
        consecutive_days=_longest_run(person.activity, hours.through),
        night_share=_night_share(person.activity, hours.through),
        days_since_rest_leave=rest_days,
        rest_leave_on_record=on_record,
        sick_days_90d=recent,
        sick_baseline_90d=baseline,
        training_overdue=_training_overdue(person, agency, as_of, thresholds),
        critical_incidents_90d=(
            sum(1 for day in person.critical if (last - day).days < CRITICAL_WINDOW_DAYS)
            if agency.incidents_sent
            else None
        ),
        activity_through=hours.through,
    )


class _Hours(dict[int, float]):
    through: date | None = None


def _days(start: date, end: date) -> int:
    return (end - start).days + 1


def _hours(activity: list[Activity], last: date, stale_days: int) -> _Hours:
    """Hours in the latest 7 and 28 reported days, each period's hours spread evenly over its days.

    The window ends on the last day the officer's activity reports reach (``through``), so a monthly
    extract that arrives weeks after the month still counts. Unknown when the latest report is older
    than ``stale_days`` or the reports do not reach back to the window's first day.
    """
    found = _Hours()
    if not activity:
        return found
    through = min(max(record.period_end for record in activity), last)
    if (last - through).days > stale_days:
        return found
    found.through = through
    first = min(record.occurred_on for record in activity)
    for window in (7, 28):
        start = through - timedelta(days=window - 1)
        if first > start:
            continue
        total = 0.0
        for record in activity:
            overlap = _days(max(record.occurred_on, start), min(record.period_end, through))
            if overlap > 0:
                total += record.hours_worked * overlap / _days(record.occurred_on, record.period_end)
        found[window] = round(total, 1)
    return found


def _overtime(person: _Officer, agency: _Agency, last: date, window: int) -> float | None:
    if not agency.overtime_sent:
        return None
    return round(
        sum(
            leave.hours
            for leave in person.leave
            if leave.leave_type is LeaveType.OVERTIME and (last - leave.occurred_on).days < window
        ),
        1,
    )


def _longest_run(activity: list[Activity], through: date | None) -> int | None:
    """Longest run of days worked in a row in the 90 days up to ``through``, from day-level reports only."""
    if through is None:
        return None
    start = through - timedelta(days=RUN_WINDOW_DAYS - 1)
    worked = sorted(
        {
            record.occurred_on
            for record in activity
            if record.occurred_on == record.period_end and start <= record.occurred_on <= through
            if record.hours_worked > 0
        }
    )
    daily = any(r.occurred_on == r.period_end and start <= r.occurred_on <= through for r in activity)
    if not daily:
        return None  # period totals say nothing of days off
    longest = run = 0
    previous: date | None = None
    for day in worked:
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        longest = max(longest, run)
        previous = day
    return longest


def _night_share(activity: list[Activity], through: date | None) -> float | None:
    if through is None:
        return None
    start = through - timedelta(days=NIGHT_WINDOW_DAYS - 1)
    shifts = nights = 0
    for record in activity:
        if record.shifts is None or not start <= record.period_end <= through:
            continue
        shifts += record.shifts
        nights += record.night_shifts or 0
    return round(nights / shifts, 3) if shifts else None


def _leave_end(leave: Leave) -> date:
    return leave.occurred_on + timedelta(days=max(1, math.ceil(leave.hours / HOURS_PER_LEAVE_DAY)) - 1)


def _days_since_rest(person: _Officer, agency: _Agency, as_of: date) -> tuple[int | None, bool]:
    if agency.first_leave is None:
        return None, True  # the agency sends no leave at all
    rest = [_leave_end(leave) for leave in person.leave if leave.leave_type in REST_LEAVE]
    if rest:
        return max(0, (as_of - min(max(rest), as_of - timedelta(days=1))).days - 1), True
    since = max(agency.first_leave, person.hire_date or agency.first_leave)
    return max(0, (as_of - since).days - 1), False


def _sick(person: _Officer, agency: _Agency, as_of: date) -> tuple[float | None, float | None]:
    """Sick days in the last 90 days, and the officer's own average per 90 days over the 360 before.

    The baseline is unknown (so no pattern change can be read) unless the leave records and the
    officer's service both reach back the full 450 days.
    """
    if agency.first_leave is None:
        return None, None
    last = as_of - timedelta(days=1)
    recent = baseline = 0.0
    for leave in person.leave:
        if leave.leave_type is not LeaveType.SICK:
            continue
        age = (last - leave.occurred_on).days
        days = leave.hours / HOURS_PER_LEAVE_DAY
        if age < SICK_RECENT_DAYS:
            recent += days
        elif age < SICK_RECENT_DAYS + SICK_BASELINE_DAYS:
            baseline += days
    start = last - timedelta(days=SICK_RECENT_DAYS + SICK_BASELINE_DAYS - 1)
    covered = agency.first_leave <= start and person.hire_date is not None and person.hire_date <= start
    per_period = baseline * SICK_RECENT_DAYS / SICK_BASELINE_DAYS
    return round(recent, 1), (round(per_period, 2) if covered else None)


def _training_overdue(
    person: _Officer, agency: _Agency, as_of: date, thresholds: WellnessThresholds
) -> tuple[str, ...] | None:
    if not thresholds.mandated_training or not agency.training_sent:
        return None
    overdue = []
    for course, interval in sorted(thresholds.mandated_training.items()):
        allowed = timedelta(days=interval + thresholds.training_grace_days)
        passed = [t.occurred_on for t in person.training if t.passed and t.course.casefold() == course.casefold()]
        since = max(passed) if passed else person.hire_date
        if since is not None and as_of - since > allowed:
            overdue.append(course)
    return tuple(overdue)
