"""Wellness indicators: what they count, and that missing data reads as unknown, never as zero."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from eis_core.indicators import INDICATORS
from eis_core.indicators.history import FEATURES
from eis_core.models.records import Activity, ForceType, Injury, Leave, LeaveType, Record, Training, UseOfForce
from eis_core.wellness.checkins import signals
from eis_core.wellness.indicators import wellness_indicators
from eis_core.wellness.thresholds import SIGNALS, WellnessThresholds
from tests.builders import next_id, officer

AS_OF = date(2025, 6, 1)
LAST = AS_OF - timedelta(days=1)


def _day(days_ago: int) -> date:
    return AS_OF - timedelta(days=days_ago)


def shift(officer_id: str, days_ago: int, hours: float = 10.0, *, night: bool = False) -> Activity:
    on = _day(days_ago)
    return Activity(
        source_record_id=next_id("a"),
        officer_id=officer_id,
        occurred_on=on,
        known_on=on,
        period_end=on,
        hours_worked=hours,
        shifts=1,
        night_shifts=1 if night else 0,
    )


def month(officer_id: str, first: date, last: date, hours: float) -> Activity:
    return Activity(
        source_record_id=next_id("m"),
        officer_id=officer_id,
        occurred_on=first,
        known_on=last + timedelta(days=5),
        period_end=last,
        hours_worked=hours,
    )


def leave(officer_id: str, days_ago: int, kind: LeaveType, hours: float = 8.0) -> Leave:
    on = _day(days_ago)
    return Leave(
        source_record_id=next_id("l"), officer_id=officer_id, occurred_on=on, known_on=on, leave_type=kind, hours=hours
    )


def indicators(records: list[Record], thresholds: WellnessThresholds | None = None):  # type: ignore[no-untyped-def]
    roster = [officer("A1", hire_date=date(2015, 1, 1)), officer("B2", hire_date=date(2015, 1, 1))]
    return wellness_indicators([*roster, *records], AS_OF, thresholds)


def test_hours_and_a_run_of_days_come_from_daily_activity() -> None:
    # Given 12 ten-hour days in a row ending yesterday (one at night), after a day off
    records: list[Record] = [shift("A1", days_ago, night=days_ago == 3) for days_ago in range(1, 13)]
    records += [shift("A1", days_ago) for days_ago in range(14, 40) if days_ago % 5]  # a day off in five before

    found = indicators(records)["A1"]

    assert found.hours_7d == 70.0
    assert found.hours_28d == 240.0  # 24 days worked of the 28
    assert found.consecutive_days == 12
    assert found.night_share == pytest.approx(1 / 33, abs=0.001)
    assert found.activity_through == LAST


def test_monthly_totals_spread_over_their_days_and_say_nothing_of_days_off() -> None:
    # Given only monthly activity (a 31-day May of 248 hours, reported in early June)
    may = month("A1", date(2025, 5, 1), date(2025, 5, 31), 248.0)
    april = month("A1", date(2025, 4, 1), date(2025, 4, 30), 240.0)

    found = indicators([may, april])["A1"]

    assert found.hours_28d == pytest.approx(28 * 8.0)
    assert found.hours_7d == pytest.approx(56.0)
    assert found.consecutive_days is None  # unknown, not zero: months do not show days off
    assert found.night_share is None  # no shift counts sent


def test_without_activity_or_leave_every_workload_indicator_is_unknown_never_zero() -> None:
    # Given officer B2 with no records at all, in an agency that sends no leave, training or incidents
    found = indicators([shift("A1", 1)])["B2"]

    assert (found.hours_7d, found.hours_28d, found.consecutive_days, found.night_share) == (None,) * 4
    assert (found.overtime_30d, found.overtime_90d, found.days_since_rest_leave) == (None, None, None)
    assert (found.sick_days_90d, found.training_overdue, found.critical_incidents_90d) == (None, None, None)
    assert signals(found, WellnessThresholds(min_signals=1)) == []


def test_stale_activity_is_unknown_rather_than_read_as_no_work() -> None:
    old = month("A1", date(2024, 12, 1), date(2024, 12, 31), 173.0)

    assert indicators([old])["A1"].hours_28d is None


def test_overtime_counts_where_the_agency_sends_it_and_zero_is_then_a_real_zero() -> None:
    records: list[Record] = [leave("A1", 5, LeaveType.OVERTIME, 30.0), leave("A1", 60, LeaveType.OVERTIME, 50.0)]

    found = indicators(records)

    assert (found["A1"].overtime_30d, found["A1"].overtime_90d) == (30.0, 80.0)
    assert (found["B2"].overtime_30d, found["B2"].overtime_90d) == (0.0, 0.0)


def test_days_since_rest_leave_counts_from_the_end_of_the_last_vacation() -> None:
    # Given a 5-day vacation (40 hours) starting 100 days ago for A1, and no rest leave ever for B2
    records: list[Record] = [
        leave("A1", 100, LeaveType.VACATION, 40.0),
        leave("A1", 10, LeaveType.SICK),
        leave("B2", 400, LeaveType.SICK),
    ]

    found = indicators(records)

    assert (found["A1"].days_since_rest_leave, found["A1"].rest_leave_on_record) == (95, True)
    # B2: at least since the agency's leave data begins (400 days ago)
    assert (found["B2"].days_since_rest_leave, found["B2"].rest_leave_on_record) == (399, False)
    assert "at least 399 days" in signals(found["B2"], WellnessThresholds(min_signals=1))[0].sentence


def test_sick_leave_is_read_against_the_officers_own_baseline() -> None:
    # Given A1 usually takes 1 sick day a quarter, then 5 in the last 90 days; the data reach back 500 days
    records: list[Record] = [leave("A1", days_ago, LeaveType.SICK) for days_ago in (120, 210, 300, 390)]
    records += [leave("A1", days_ago, LeaveType.SICK) for days_ago in (5, 20, 40, 41, 60)]
    records += [leave("B2", 500, LeaveType.VACATION)]

    found = indicators(records)["A1"]
    hits = signals(found, WellnessThresholds(min_signals=1))

    assert (found.sick_days_90d, found.sick_baseline_90d) == (5.0, 1.0)
    assert [hit.indicator for hit in hits if hit.indicator == "sick_pattern"] == ["sick_pattern"]
    assert next(h for h in hits if h.indicator == "sick_pattern").threshold == 4.0  # max(2 x 1, 1 + 3)


def test_a_baseline_the_records_do_not_cover_is_unknown() -> None:
    records: list[Record] = [leave("A1", days_ago, LeaveType.SICK) for days_ago in (5, 20, 40, 41, 60)]

    found = indicators(records)["A1"]

    assert found.sick_days_90d == 5.0
    assert found.sick_baseline_90d is None
    assert "sick_pattern" not in [hit.indicator for hit in signals(found, WellnessThresholds(min_signals=1))]


def test_mandated_training_overdue_and_critical_incidents_in_90_days() -> None:
    thresholds = WellnessThresholds(mandated_training={"Firearms qualification": 365}, min_signals=1)
    on = _day(500)
    records: list[Record] = [
        Training(source_record_id="t1", officer_id="A1", occurred_on=on, known_on=on, course="Firearms Qualification"),
        Training(source_record_id="t2", officer_id="B2", occurred_on=_day(30), known_on=_day(30), course="Firearms "
                 "qualification"),
        UseOfForce(source_record_id="f1", officer_id="A1", occurred_on=_day(10), known_on=_day(10),
                   force_type=ForceType.PHYSICAL, officer_injured=True),
        UseOfForce(source_record_id="f2", officer_id="A1", occurred_on=_day(20), known_on=_day(20),
                   force_type=ForceType.FIREARM_DISCHARGED),
        UseOfForce(source_record_id="f3", officer_id="A1", occurred_on=_day(30), known_on=_day(30),
                   force_type=ForceType.PHYSICAL),
        Injury(source_record_id="i1", officer_id="A1", occurred_on=_day(200), known_on=_day(200), injury_type="x"),
    ]  # fmt: skip

    found = indicators(records, thresholds)

    assert found["A1"].training_overdue == ("Firearms qualification",)
    assert found["B2"].training_overdue == ()
    assert found["A1"].critical_incidents_90d == 2  # injury and discharge count; plain force and old injury do not
    assert found["B2"].critical_incidents_90d == 0
    assert {hit.indicator for hit in signals(found["A1"], thresholds)} == {"training_overdue", "critical_incidents_90d"}


def test_records_known_on_or_after_the_date_never_count() -> None:
    late = Leave(
        source_record_id="late",
        officer_id="A1",
        occurred_on=_day(3),
        known_on=AS_OF,
        leave_type=LeaveType.OVERTIME,
        hours=90.0,
    )
    found = indicators([late, leave("B2", 3, LeaveType.OVERTIME, 1.0)])

    assert found["A1"].overtime_30d == 0.0


def test_an_agency_can_turn_a_signal_off_and_wellness_never_feeds_the_risk_model() -> None:
    records: list[Record] = [leave("A1", 5, LeaveType.OVERTIME, 90.0)]
    found = indicators(records)["A1"]

    assert [h.indicator for h in signals(found, WellnessThresholds(min_signals=1))] == ["overtime_30d"]
    assert signals(found, WellnessThresholds(min_signals=1, disabled=("overtime_30d",))) == []
    # Not inputs of the risk model: no wellness indicator is a model feature or a rule/peer indicator
    assert not set(SIGNALS) & (set(FEATURES) | set(INDICATORS))
    assert not {name for name in FEATURES if "overtime" in name or "sick" in name or "hours" in name}


def test_an_unknown_signal_name_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown signals: overtime"):
        WellnessThresholds(disabled=("overtime",))
