"""Indicators as of a date: windows, the knowledge gate, findings, population and exposure."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

import pandas as pd
import pytest

from eis_core.indicators import INDICATORS, EventFrame, compute_indicators, indicators_as_of
from eis_core.models.records import (
    Activity,
    Finding,
    Leave,
    LeaveType,
    Record,
    VehicleIncident,
    VehicleIncidentType,
)
from tests.builders import AS_OF, ago, complaint, next_id, officer, use_of_force

# Force here is physical; complaints are the builders' pending verbal-abuse complaints.
force = partial(use_of_force, force_type="physical")


def frame(records: list[Record], as_of: date = AS_OF) -> pd.DataFrame:
    return indicators_as_of(records, as_of)


def test_windows_end_the_day_before_as_of_and_include_their_first_day() -> None:
    # Given force on the day before, 90 and 91 days before, and on the scoring date itself
    records: list[Record] = [officer("A1"), force("A1", 1), force("A1", 90), force("A1", 91), force("A1", 0)]

    # When indicators are computed
    row = frame(records).loc["A1"]

    # Then the 90-day window holds days 1..90, the 180/365-day windows also day 91, never day 0
    assert row["force_90d"] == 2
    assert row["force_180d"] == 3
    assert row["force_365d"] == 3
    assert row["days_since_force"] == 1


def test_a_record_known_on_or_after_as_of_is_invisible() -> None:
    # Given a use of force that happened 10 days ago but was only reported on the scoring date
    records: list[Record] = [officer("A1"), force("A1", 10, known=0), force("A1", 20, known=1)]

    # Then only the one known before the date counts
    assert frame(records).loc["A1", "force_90d"] == 1


def test_future_known_complaint_never_changes_any_indicator() -> None:
    # Given an officer's history, and the same history plus a complaint about last month known only later
    history: list[Record] = [officer("A1"), officer("B2"), force("A1", 5), complaint("A1", 40), complaint("B2", 100)]
    future = complaint("A1", 30, known=-3, finding=Finding.SUSTAINED, decided=-10)

    # When indicators are computed as of the same date with and without it
    before = frame(history)
    after = frame([*history, future])

    # Then every value is identical (and it does count once the date moves past its knowledge date)
    pd.testing.assert_frame_equal(before, after)
    assert frame([*history, future], AS_OF + timedelta(days=5)).loc["A1", "complaint_90d"] == 2


def test_sustained_counts_only_once_the_finding_is_decided_before_as_of() -> None:
    # Given two complaints sustained, one decided last week and one decided on the scoring date
    records: list[Record] = [
        officer("A1"),
        complaint("A1", 100, finding=Finding.SUSTAINED, decided=7),
        complaint("A1", 50, finding=Finding.SUSTAINED, decided=0),
        complaint("A1", 60, finding=Finding.UNFOUNDED, decided=20),
    ]

    # Then only the first is sustained as of the date, while all three count as complaints
    row = frame(records).loc["A1"]
    assert row["complaint_sustained_365d"] == 1
    assert row["complaint_180d"] == 3


def test_allegations_of_one_complaint_count_as_one_complaint() -> None:
    # Given one complaint with three allegations, and a second complaint
    records: list[Record] = [
        officer("A1"),
        *(complaint("A1", 30, complaint_id="C-1") for _ in range(3)),
        complaint("A1", 60, complaint_id="C-2"),
    ]

    # Then the officer has two complaints
    assert frame(records).loc["A1", "complaint_90d"] == 2


def test_force_with_injury_accidents_pursuits_and_sick_leave_days() -> None:
    records: list[Record] = [
        officer("A1"),
        force("A1", 3, subject_injured=True),
        force("A1", 4),
        VehicleIncident(
            source_record_id=next_id(),
            officer_id="A1",
            occurred_on=ago(10),
            known_on=ago(9),
            incident_type=VehicleIncidentType.ACCIDENT,
            preventable=True,
        ),
        VehicleIncident(
            source_record_id=next_id(),
            officer_id="A1",
            occurred_on=ago(11),
            known_on=ago(9),
            incident_type=VehicleIncidentType.ACCIDENT,
            preventable=False,
        ),
        VehicleIncident(
            source_record_id=next_id(),
            officer_id="A1",
            occurred_on=ago(12),
            known_on=ago(12),
            incident_type=VehicleIncidentType.PURSUIT,
        ),
        *(
            Leave(
                source_record_id=next_id(), officer_id="A1", occurred_on=ago(d), known_on=ago(d), leave_type=t, hours=h
            )
            for d, t, h in ((5, LeaveType.SICK, 8), (6, LeaveType.SICK, 12), (7, LeaveType.VACATION, 8))
        ),
    ]

    row = frame(records).loc["A1"]

    assert row["force_subject_injured_90d"] == 1
    assert row["accident_90d"] == 2
    assert row["accident_preventable_90d"] == 1
    assert row["pursuit_90d"] == 1
    assert row["sick_leave_days_90d"] == pytest.approx(2.5)  # (8 + 12) hours / 8, vacation excluded
    # Combination: 2 force + 1 preventable accident + 1 pursuit
    assert row["incidents_180d"] == 4


def test_trend_compares_the_last_180_days_with_the_180_before() -> None:
    records: list[Record] = [officer("A1"), force("A1", 10), force("A1", 170), complaint("A1", 100), force("A1", 200)]

    row = frame(records).loc["A1"]

    assert row["incidents_180d"] == 3
    assert row["incidents_prev_180d"] == 1
    assert row["incidents_trend"] == 2


def test_population_is_the_roster_as_of_the_date_with_zeros_for_quiet_officers() -> None:
    # Given a quiet officer, one hired on the date, one separated the day before, and events of a stranger
    records: list[Record] = [
        officer("QUIET"),
        officer("NEW", hire_date=AS_OF),
        officer("GONE", hire_date=date(2010, 1, 1), separation_date=ago(1)),
        officer("LASTDAY", hire_date=date(2010, 1, 1), separation_date=AS_OF),
        force("STRANGER", 5),
    ]

    result = frame(records)

    assert sorted(result.index) == ["LASTDAY", "QUIET"]
    assert list(result.columns) == list(INDICATORS)
    assert result.loc["QUIET", "force_365d"] == 0
    assert pd.isna(result.loc["QUIET", "days_since_force"])  # type: ignore[arg-type]  # pandas-stubs: a scalar cell


def test_exposure_comes_from_activity_and_is_unknown_without_it() -> None:
    records: list[Record] = [
        officer("A1"),
        officer("B2"),
        force("A1", 20),
        force("A1", 25),
        Activity(
            source_record_id=next_id(),
            officer_id="A1",
            occurred_on=ago(60),
            known_on=ago(29),
            period_end=ago(30),
            arrests=40,
            hours_worked=160,
        ),
    ]

    result = frame(records)

    assert result.loc["A1", "hours_worked_365d"] == 160
    assert result.loc["A1", "arrests_365d"] == 40
    assert result.loc["A1", "force_per_100_arrests_365d"] == pytest.approx(5.0)
    assert pd.isna(result.loc["B2", "hours_worked_365d"])  # type: ignore[arg-type]  # pandas-stubs: a scalar cell


def test_one_event_frame_serves_many_dates_like_fresh_computations() -> None:
    # Given records, built once into an event frame
    records: list[Record] = [officer("A1"), force("A1", 10), complaint("A1", 50, known=5)]
    events = EventFrame.from_records(records)

    # Then every date gives what a fresh computation from the records gives
    for as_of in (AS_OF, AS_OF - timedelta(days=7), AS_OF + timedelta(days=100)):
        pd.testing.assert_frame_equal(compute_indicators(events, as_of), indicators_as_of(records, as_of))
    assert compute_indicators(events, AS_OF - timedelta(days=7)).loc["A1", "complaint_90d"] == 0
