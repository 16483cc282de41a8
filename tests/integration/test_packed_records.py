"""``put_packed`` (what the ingest writes with) stores exactly what ``put_records`` stores: both adapters."""

from __future__ import annotations

from datetime import date

import pytest

from eis_core.models.records import Complaint, Record, RecordKind, UseOfForce
from eis_core.storage.codec import RECORD_CODECS, content_hash
from eis_core.storage.ports import RecordStore, RecordVersion
from eis_core.wiring import aws_adapters, memory_adapters
from eis_tools.local.resources import LocalSettings
from tests import builders

AGENCY = "testville"


@pytest.fixture(params=["memory", "aws"])
def pair(request: pytest.FixtureRequest) -> tuple[RecordStore, RecordStore]:
    """A store written with put_records and one written with put_packed (on moto: one table, other ids)."""
    if request.param == "memory":
        return memory_adapters(AGENCY).records, memory_adapters(AGENCY).records
    settings: LocalSettings = request.getfixturevalue("settings")  # moto is active for the whole test
    store = aws_adapters(settings).records
    return store, store


def uof(source_id: str, force_type: str = "taser") -> UseOfForce:
    return builders.use_of_force(
        "A1", date(2024, 1, 5), known=date(2024, 1, 6), source_record_id=source_id, force_type=force_type
    )


def packed(records: list[Record]) -> list[tuple[object, ...]]:
    return [RECORD_CODECS[record.kind].pack(record) for record in records]


def versions(store: RecordStore, kind: RecordKind, source_id: str) -> list[tuple[object, ...]]:
    def shown(version: RecordVersion) -> tuple[object, ...]:
        dump = version.record.model_dump(mode="json")
        dump.pop("source_record_id")
        return (dump, version.record.model_fields_set, version.version, version.upload_id, version.retracted_by)

    return [shown(version) for version in store.history(kind, source_id)]


def test_packed_writes_count_and_keep_versions_as_record_writes_do(pair: tuple[RecordStore, RecordStore]) -> None:
    by_records, by_packed = pair
    # Given the same uploads of uses of force, written as records (ids R-) and packed (ids P-)
    uploads: list[list[str | tuple[str, str]]] = [
        ["1", "2", "3"],  # all new
        ["1", ("2", "baton"), "4", "4"],  # one unchanged, one corrected, one new sent twice
        [("2", "baton"), "3"],  # unchanged
    ]
    summaries = []
    for number, upload in enumerate(uploads):
        batch = [(item, "taser") if isinstance(item, str) else item for item in upload]
        plain = by_records.put_records([uof(f"R-{i}", t) for i, t in batch], upload_id=f"u{number}")
        fast = by_packed.put_packed(
            RecordKind.USE_OF_FORCE, packed([uof(f"P-{i}", t) for i, t in batch]), upload_id=f"u{number}"
        )
        summaries.append((plain, fast))

    # Then every upload counts the same both ways
    assert [plain for plain, _ in summaries] == [fast for _, fast in summaries]
    assert [(s.inserted, s.replaced, s.unchanged) for s, _ in summaries] == [(3, 0, 0), (1, 1, 2), (0, 0, 2)]
    # And the same versions are stored, with the same content hashes, history and uploads
    for i in ("1", "2", "3", "4"):
        assert versions(by_packed, RecordKind.USE_OF_FORCE, f"P-{i}") == versions(
            by_records, RecordKind.USE_OF_FORCE, f"R-{i}"
        )
    stored = {r.source_record_id: r for r in by_packed.iter_records(RecordKind.USE_OF_FORCE)}
    assert isinstance(stored["P-2"], UseOfForce) and stored["P-2"].force_type.value == "baton"
    assert content_hash(stored["P-2"]) == content_hash(uof("P-2", "baton"))


def test_a_packed_record_sent_again_after_its_retraction_is_restored(pair: tuple[RecordStore, RecordStore]) -> None:
    _, store = pair
    # Given a complaint written packed, then retracted by a snapshot that lacked it
    complaint = Complaint.model_validate(
        {
            "source_record_id": "C-1",
            "officer_id": "A1",
            "occurred_on": "2024-01-05",
            "known_on": "2024-01-06",
            "complaint_id": "CR-1",
            "category": "verbal_abuse",
        }
    )
    store.put_packed(RecordKind.COMPLAINT, packed([complaint]), upload_id="u1")
    assert store.retract_missing(RecordKind.COMPLAINT, set(), upload_id="snap") == 1
    assert store.count(RecordKind.COMPLAINT) == 0

    # When it is sent again, unchanged
    again = store.put_packed(RecordKind.COMPLAINT, packed([complaint]), upload_id="u2")

    # Then it is current again, as the same record
    assert (again.inserted, again.replaced, again.unchanged) == (0, 1, 0)
    assert list(store.iter_records(RecordKind.COMPLAINT)) == [complaint]
    assert [v.retracted_by for v in store.history(RecordKind.COMPLAINT, "C-1")] == ["snap", None]


def test_a_record_written_packed_is_unchanged_when_sent_as_a_record(pair: tuple[RecordStore, RecordStore]) -> None:
    _, store = pair
    store.put_packed(RecordKind.USE_OF_FORCE, packed([uof("X-1")]), upload_id="u1")

    again = store.put_records([uof("X-1")], upload_id="u2")

    assert (again.inserted, again.replaced, again.unchanged) == (0, 0, 1)
