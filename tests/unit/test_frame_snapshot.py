"""The frames snapshot: reused while the records are unchanged, never trusted once they change."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from eis_core.indicators.snapshot import POINTER_KEY, SNAPSHOT_KEY, FrameSnapshots
from eis_core.models.records import Record, RecordKind
from eis_core.storage.memory import InMemoryRecordStore
from eis_core.wiring import memory_adapters
from tests.builders import officer, use_of_force


def test_a_fresh_snapshot_is_reused_and_gives_the_same_frames() -> None:
    adapters = memory_adapters("testville")
    adapters.records.put_records(
        [
            officer("A1"),
            use_of_force("A1", date(2024, 3, 1)),
            use_of_force("A1", date(2024, 3, 2)),
        ],
        upload_id="u1",
    )
    snapshots = FrameSnapshots(adapters.records, adapters.artifacts)

    built = snapshots.load()
    reused = snapshots.load()

    assert (built.source, reused.source) == ("records", "snapshot")
    assert reused.history.size == built.history.size == 2
    assert list(reused.events.officer_ids) == list(built.events.officer_ids) == ["A1"]
    assert adapters.artifacts.get_json(POINTER_KEY)["history_events"] == 2


def test_an_altered_snapshot_is_rebuilt_from_the_records_not_loaded() -> None:
    adapters = memory_adapters("testville")
    adapters.records.put_records([officer("A1"), use_of_force("A1", date(2024, 3, 1))], upload_id="u1")
    snapshots = FrameSnapshots(adapters.records, adapters.artifacts)
    snapshots.rebuild()
    # Given someone replaced the snapshot object (its hash no longer matches the pointer)
    adapters.artifacts.put_bytes(SNAPSHOT_KEY, b"not our frames")

    frames = snapshots.load()

    assert frames.source == "records" and frames.history.size == 1


def test_a_snapshot_built_by_other_frame_code_is_rebuilt() -> None:
    adapters = memory_adapters("testville")
    adapters.records.put_records([officer("A1"), use_of_force("A1", date(2024, 3, 1))], upload_id="u1")
    snapshots = FrameSnapshots(adapters.records, adapters.artifacts)
    snapshots.rebuild()
    # Given the pointer says an earlier release of the frame code built the snapshot
    pointer = adapters.artifacts.get_json(POINTER_KEY)
    adapters.artifacts.put_json(POINTER_KEY, pointer | {"builder_version": "an-earlier-release"})

    frames = snapshots.load()

    assert frames.source == "records"
    assert adapters.artifacts.get_json(POINTER_KEY)["builder_version"] == pointer["builder_version"]


class UploadDuringScan(InMemoryRecordStore):
    """An upload lands while the snapshot is being built (after its first page was read)."""

    def __init__(self, late: list[Record]) -> None:
        super().__init__()
        self._late = late

    def iter_records(self, kind: RecordKind | None = None, *, include_retracted: bool = False) -> Iterator[Record]:
        records = list(super().iter_records(kind, include_retracted=include_retracted))
        if self._late:
            self.put_records(self._late, upload_id="late")
            self._late = []
        yield from records


def test_an_upload_during_the_build_makes_the_next_load_rebuild() -> None:
    adapters = memory_adapters("testville")
    records = UploadDuringScan(late=[use_of_force("A1", date(2024, 3, 9))])
    records.put_records([officer("A1"), use_of_force("A1", date(2024, 3, 1))], upload_id="u1")
    snapshots = FrameSnapshots(records, adapters.artifacts)

    during = snapshots.rebuild()
    after = snapshots.load()

    assert during.history.size == 1  # built without the late record
    assert after.source == "records" and after.history.size == 2
