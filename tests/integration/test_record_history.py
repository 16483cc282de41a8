"""Corrections keep history and snapshots retract, never delete: the in-memory and DynamoDB stores agree."""

from __future__ import annotations

import pytest

from eis_core.models.records import RecordKind
from eis_core.storage.ports import RecordStore
from eis_core.wiring import aws_adapters, memory_adapters
from eis_tools.local.resources import LocalSettings
from tests.builders import use_of_force


@pytest.fixture(params=["memory", "aws"])
def store(request: pytest.FixtureRequest) -> RecordStore:
    if request.param == "memory":
        return memory_adapters("testville").records
    settings: LocalSettings = request.getfixturevalue("settings")
    return aws_adapters(settings).records


def test_a_correction_replaces_the_record_and_keeps_the_earlier_version(store: RecordStore) -> None:
    # Given a record stored from one upload
    store.put_records([use_of_force(source_record_id="F1", force_type="taser")], upload_id="u1")
    # When a later upload re-sends it with a corrected force type, twice
    first = store.put_records([use_of_force(source_record_id="F1", force_type="baton")], upload_id="u2")
    store.put_records([use_of_force(source_record_id="F1", force_type="physical")], upload_id="u3")
    # Then only the latest version is current, and every earlier one is history in order
    assert first.replaced == 1
    assert [r.force_type for r in store.iter_records(RecordKind.USE_OF_FORCE)] == ["physical"]  # type: ignore[union-attr]
    versions = store.history(RecordKind.USE_OF_FORCE, "F1")
    assert [(v.version, v.upload_id, v.current) for v in versions] == [
        (1, "u1", False),
        (2, "u2", False),
        (3, "u3", True),
    ]
    assert [v.record.force_type for v in versions] == ["taser", "baton", "physical"]  # type: ignore[union-attr]
    assert store.count(RecordKind.USE_OF_FORCE) == 1


def test_resending_an_identical_record_adds_no_version(store: RecordStore) -> None:
    store.put_records([use_of_force(source_record_id="F1")], upload_id="u1")
    summary = store.put_records([use_of_force(source_record_id="F1")], upload_id="u2")
    assert summary.unchanged == 1
    assert [v.version for v in store.history(RecordKind.USE_OF_FORCE, "F1")] == [1]


def test_history_of_an_unknown_record_is_empty(store: RecordStore) -> None:
    assert store.history(RecordKind.USE_OF_FORCE, "nope") == []


def test_retracted_records_are_hidden_but_kept_and_restored_when_sent_again(store: RecordStore) -> None:
    # Given three records of one kind and one of another
    store.put_records(
        [use_of_force(source_record_id=source_id) for source_id in ("F1", "F2", "F3")],
        upload_id="u1",
    )
    # When a snapshot holds only F1 and F3
    retracted = store.retract_missing(RecordKind.USE_OF_FORCE, {"F1", "F3"}, upload_id="snap")
    # Then F2 is retracted: hidden by default, still stored, and its history says by which upload
    assert retracted == 1
    assert sorted(r.source_record_id for r in store.iter_records(RecordKind.USE_OF_FORCE)) == ["F1", "F3"]
    assert store.count(RecordKind.USE_OF_FORCE) == 2
    everything = store.iter_records(RecordKind.USE_OF_FORCE, include_retracted=True)
    assert sorted(r.source_record_id for r in everything) == ["F1", "F2", "F3"]
    assert store.history(RecordKind.USE_OF_FORCE, "F2")[-1].retracted_by == "snap"
    # And retracting again changes nothing
    assert store.retract_missing(RecordKind.USE_OF_FORCE, {"F1", "F3"}, upload_id="snap") == 0
    # When F2 is sent again, it is restored
    assert store.put_records([use_of_force(source_record_id="F2")], upload_id="u3").replaced == 1
    assert store.count(RecordKind.USE_OF_FORCE) == 3
    assert store.history(RecordKind.USE_OF_FORCE, "F2")[-1].retracted_by is None


def test_history_items_never_appear_as_records(store: RecordStore) -> None:
    store.put_records([use_of_force(source_record_id="F1", force_type="taser")], upload_id="u1")
    store.put_records([use_of_force(source_record_id="F1", force_type="baton")], upload_id="u2")
    assert len(list(store.iter_records())) == 1
    assert store.count() == 1
