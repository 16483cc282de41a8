"""Bad workload input is quarantined with its reason: more than 24 hours a day, negative overtime."""

from __future__ import annotations

import pytest

from eis_core.ingest.service import IngestService
from eis_core.models.records import RecordKind
from eis_core.wiring import Adapters, memory_adapters
from tests.unit.ingest_helpers import AGENCY, ROSTER, ingest, quarantine_rows, service_for, stored


@pytest.fixture
def adapters() -> Adapters:
    return memory_adapters(AGENCY)


@pytest.fixture
def service(adapters: Adapters) -> IngestService:
    built = service_for(adapters)
    ingest(built, adapters, "incoming/roster/roster.csv", ROSTER)
    return built


def test_activity_over_24_hours_a_day_is_quarantined_with_the_reason(
    service: IngestService, adapters: Adapters
) -> None:
    # Given a day with 30 hours worked, a week with 170 (over 7 x 24 = 168), and good rows
    body = "\n".join(
        [
            "source_record_id,officer_id,occurred_on,known_on,period_end,hours_worked,shifts,night_shifts",
            "a-1,A100,2025-05-01,2025-05-02,2025-05-01,10,1,0",
            "a-2,A100,2025-05-02,2025-05-03,2025-05-02,30,1,0",
            "a-3,A200,2025-05-01,2025-05-09,2025-05-07,170,7,2",
            "a-4,A200,2025-05-08,2025-05-16,2025-05-14,60,5,5",
            "a-5,A300,2025-05-01,2025-06-05,2025-05-31,200,20,4",
        ]
    )

    report = ingest(service, adapters, "incoming/activity/may.csv", body)

    assert sorted(stored(adapters, RecordKind.ACTIVITY)) == ["a-1", "a-4", "a-5"]
    rows = quarantine_rows(adapters, report)
    assert [(r["line"], r["column"]) for r in rows] == [("3", "hours_worked"), ("4", "hours_worked")]
    assert rows[0]["reason"] == "hours_worked 30 is more than 24 hours a day over the 1-day period"
    assert rows[1]["reason"] == "hours_worked 170 is more than 24 hours a day over the 7-day period"


def test_negative_overtime_is_quarantined_with_the_reason(service: IngestService, adapters: Adapters) -> None:
    body = "\n".join(
        [
            "source_record_id,officer_id,occurred_on,known_on,leave_type,hours",
            "l-1,A100,2025-05-01,2025-05-02,overtime,6",
            "l-2,A100,2025-05-02,2025-05-03,overtime,-4",
            "l-3,A200,2025-05-02,2025-05-03,vacation,8",
            "l-4,A300,2025-05-02,2025-05-03,overtime,2.5",
        ]
    )

    report = ingest(service, adapters, "incoming/leave/may.csv", body)

    assert sorted(stored(adapters, RecordKind.LEAVE)) == ["l-1", "l-3", "l-4"]
    [row] = quarantine_rows(adapters, report)
    assert (row["line"], row["column"], row["value"]) == ("3", "hours", "'-4")  # quoted against CSV formulas
    assert row["reason"] == "hours -4 is negative: overtime hours cannot be below zero"
