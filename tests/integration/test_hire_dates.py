"""``RecordStore.hire_dates`` (what the ingest checks events against) is what the stored roster says: both stores."""

from __future__ import annotations

from datetime import date

import pytest

from eis_core.models.records import Officer, RecordKind
from eis_core.storage.codec import RECORD_CODECS
from eis_core.storage.ports import RecordStore
from eis_core.wiring import aws_adapters, memory_adapters
from eis_tools.local.resources import LocalSettings
from tests import builders

AGENCY = "testville"


@pytest.fixture(params=["memory", "aws"])
def store(request: pytest.FixtureRequest) -> RecordStore:
    if request.param == "memory":
        return memory_adapters(AGENCY).records
    settings: LocalSettings = request.getfixturevalue("settings")  # moto is active for the whole test
    return aws_adapters(settings).records


def from_records(store: RecordStore) -> dict[str, date | None]:
    """The ingest's lookup as it was built before the port method: every current officer record rebuilt."""
    return {
        record.officer_id: record.hire_date
        for record in store.iter_records(RecordKind.ROSTER)
        if isinstance(record, Officer)
    }


def test_hire_dates_follow_corrections_retractions_and_unknown_dates(store: RecordStore) -> None:
    # Given a roster with an unknown hire date, written packed (as the ingest writes) and as records
    first = [
        builders.officer("A1", hire_date=date(2015, 1, 1)),
        builders.officer("A2", hire_date=None),
        builders.officer("A3", hire_date=date(2019, 6, 30)),
    ]
    store.put_packed(RecordKind.ROSTER, [RECORD_CODECS[RecordKind.ROSTER].pack(o) for o in first], upload_id="u1")
    # And a complaint, which is no officer
    store.put_records([builders.complaint("A1", date(2020, 1, 1), source_record_id="c-1")], upload_id="u1")
    # When A1's hire date is corrected, A3 is retracted by a snapshot that lacks it, and A4 joins
    store.put_records([builders.officer("A1", hire_date=date(2014, 3, 2))], upload_id="u2")
    store.retract_missing(RecordKind.ROSTER, {"roster-A1", "roster-A2"}, upload_id="u3")
    store.put_records([builders.officer("A4", hire_date=date(2021, 2, 1))], upload_id="u4")

    # Then the lookup holds the current officers with their current hire dates, and nothing else
    expected = {"A1": date(2014, 3, 2), "A2": None, "A4": date(2021, 2, 1)}
    assert store.hire_dates() == expected
    assert from_records(store) == expected


def test_an_empty_roster_gives_no_hire_dates(store: RecordStore) -> None:
    # Given only events stored (no roster uploaded yet: the ingest then checks no officer)
    store.put_records([builders.complaint("A1", date(2020, 1, 1), source_record_id="c-1")], upload_id="u1")
    # Then there are no hire dates
    assert store.hire_dates() == {}
