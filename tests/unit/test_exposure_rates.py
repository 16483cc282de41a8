"""Exposure-adjusted rates: force and complaints per 100 arrests, per 1,000 calls and per 1,000 hours worked."""

from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd
import pytest

from eis_core.indicators import indicators_as_of
from eis_core.indicators.catalogue import INDICATORS, RATE_INDICATORS
from eis_core.indicators.events import EventFrame
from eis_core.models.records import Activity, Record
from eis_core.scoring.peers import PeerConfig
from eis_core.scoring.pipeline import ScoringConfig, run_pipeline
from tests.builders import AS_OF, ago, complaint, next_id, officer, use_of_force

force = partial(use_of_force, force_type="physical")


def activity(officer_id: str, days_ago: int, *, hours: float = 0.0, arrests: int = 0, calls: int = 0) -> Activity:
    return Activity(
        source_record_id=next_id(),
        officer_id=officer_id,
        occurred_on=ago(days_ago + 300),  # a long period: at most 24 hours a day
        known_on=ago(days_ago - 1),
        period_end=ago(days_ago),
        arrests=arrests,
        calls_for_service=calls,
        hours_worked=hours,
    )


def rates(records: list[Record], as_of: date = AS_OF) -> pd.DataFrame:
    return indicators_as_of(records, as_of)[list(RATE_INDICATORS)]


def test_each_rate_is_events_per_unit_of_the_exposure_the_agency_sent() -> None:
    # Given an officer with 2 uses of force and 1 complaint over 40 arrests, 500 calls and 1,600 hours
    records: list[Record] = [
        officer("A1"),
        force("A1", 20),
        force("A1", 25),
        complaint("A1", 40),
        activity("A1", 60, hours=1600, arrests=40, calls=500),
    ]

    # When indicators are computed
    row = rates(records).loc["A1"]

    # Then each rate reads per 100 arrests, per 1,000 calls and per 1,000 hours
    assert row["force_per_100_arrests_365d"] == pytest.approx(5.0)
    assert row["complaint_per_100_arrests_365d"] == pytest.approx(2.5)
    assert row["force_per_1000_calls_365d"] == pytest.approx(4.0)
    assert row["complaint_per_1000_calls_365d"] == pytest.approx(2.0)
    assert row["force_per_1000_hours_365d"] == pytest.approx(1.25)
    assert row["complaint_per_1000_hours_365d"] == pytest.approx(0.625)


def test_missing_exposure_is_unknown_never_zero_or_infinite() -> None:
    # Given an officer with force and no activity record, and one whose agency sends hours but not calls or arrests
    records: list[Record] = [
        officer("NOACT"),
        force("NOACT", 10),
        officer("HOURS"),
        force("HOURS", 10),
        activity("HOURS", 40, hours=800),
    ]

    result = rates(records)

    # Then every rate without its exposure is unknown (NaN), never 0 and never infinity
    assert result.loc["NOACT"].isna().all()
    assert result.loc["HOURS", "force_per_1000_hours_365d"] == pytest.approx(1.25)
    assert pd.isna(result.loc["HOURS", "force_per_100_arrests_365d"])  # type: ignore[arg-type]
    assert pd.isna(result.loc["HOURS", "force_per_1000_calls_365d"])  # type: ignore[arg-type]


def test_a_high_rate_against_peers_is_explained_in_words_with_its_exposure() -> None:
    # Given twelve officers working 1,000 hours with one use of force each, and one with six in 500 hours
    records: list[Record] = []
    for n in range(12):
        records += [officer(f"P{n:02d}", unit="Patrol"), force(f"P{n:02d}", 30), activity(f"P{n:02d}", 40, hours=1000)]
    records += [officer("HIGH", unit="Patrol"), activity("HIGH", 40, hours=500)]
    records += [force("HIGH", 10 + day) for day in range(6)]

    # When the foundation pipeline scores them
    result = run_pipeline(EventFrame.from_records(records), AS_OF, ScoringConfig(peers=PeerConfig(keys=("unit",))))

    # Then the flagged officer's factors and explanation name the rate per 1,000 hours and the peer median
    flag = next(f for f in result.flagged if f.officer_id == "HIGH")
    indicators = [factor.indicator for factor in flag.factors]
    assert "force_per_1000_hours_365d" in indicators
    assert "12 use-of-force reports per 1,000 hours worked in the last 365 days (peer median 1" in flag.explanation
    # And the officer snapshot's peer statistics carry every rate
    assert result.peer_stats is not None
    assert {info.name for info in result.peer_stats.indicators} >= set(RATE_INDICATORS)


def test_every_rate_has_a_sentence() -> None:
    assert INDICATORS["complaint_per_1000_calls_365d"].describe(2) == (
        "2 complaints per 1,000 calls for service in the last 365 days"
    )
