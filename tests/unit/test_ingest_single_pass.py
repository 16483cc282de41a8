"""Each row is read and validated once: the second pass writes what the first pass accepted."""

from __future__ import annotations

from typing import Any

import pytest

from eis_core.ingest import service as service_module
from eis_core.ingest import spill as spill_module
from eis_core.ingest.service import IngestService
from eis_core.models.records import RecordKind, UseOfForce
from eis_core.storage.ports import ByteStream
from eis_core.storage.uploads import ArtifactUploadReader
from eis_core.wiring import Adapters, memory_adapters

AGENCY = "testville"
ROSTER = "source_record_id,officer_id,first_name,last_name,rank,unit,hire_date\nr-1,A100,Pat,Doe,PO,Patrol,2015-03-01\n"
HEADER = "source_record_id,officer_id,occurred_on,known_on,force_type"


class _CountingUploads:
    def __init__(self, adapters: Adapters) -> None:
        self._reader = ArtifactUploadReader(adapters.uploads)
        self.opened: list[str] = []

    def open(self, key: str, *, version_id: str | None = None) -> ByteStream:
        self.opened.append(key)
        return self._reader.open(key, version_id=version_id)


def _service(adapters: Adapters, uploads: _CountingUploads, chunk_size: int) -> IngestService:
    return IngestService(
        agency_id=AGENCY,
        uploads=uploads,
        records=adapters.records,
        quarantine=adapters.quarantine,
        audit=adapters.audit,
        actor="test",
        chunk_size=chunk_size,
    )


@pytest.mark.parametrize("chunk_size", [2, 2000])  # spilled to disk, and held in memory
def test_each_row_is_read_and_checked_once_and_the_good_ones_stored(
    chunk_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a roster and 9 uses of force, one of them with a bad code
    adapters = memory_adapters(AGENCY)
    uploads = _CountingUploads(adapters)
    adapters.uploads.put_bytes("incoming/roster/r.csv", ROSTER.encode())
    _service(adapters, uploads, chunk_size).ingest_object(key="incoming/roster/r.csv")
    rows = [f"u-{i},A100,2025-01-0{i % 9 + 1},2025-01-10,{'taser' if i != 4 else 'laser'}" for i in range(9)]
    adapters.uploads.put_bytes("incoming/use_of_force/u.csv", "\n".join([HEADER, *rows]).encode())
    checked: list[Any] = []
    real_judge = service_module._RowChecker._judge  # every row's verdict, mapped in a batch or alone

    def counting_judge(self: Any, row: Any, *args: Any) -> Any:
        checked.append(row.line)
        return real_judge(self, row, *args)

    monkeypatch.setattr(service_module._RowChecker, "_judge", counting_judge)
    uploads.opened.clear()

    # When the file is ingested
    report = _service(adapters, uploads, chunk_size).ingest_object(key="incoming/use_of_force/u.csv")

    # Then the object was read once and each row checked once
    assert uploads.opened == ["incoming/use_of_force/u.csv"]
    assert checked == list(range(2, 11))
    # And the eight good rows are stored, in full
    assert (report.rows_accepted, report.rows_quarantined, report.inserted) == (8, 1, 8)
    stored = {
        record.source_record_id: record
        for record in adapters.records.iter_records(RecordKind.USE_OF_FORCE)
        if isinstance(record, UseOfForce)
    }
    assert sorted(stored) == [f"u-{i}" for i in range(9) if i != 4]
    assert stored["u-8"].occurred_on.isoformat() == "2025-01-09"
    assert stored["u-8"].force_type.value == "taser"


def test_a_file_refused_by_a_gate_writes_nothing_and_leaves_no_spill(monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a file whose rows are mostly bad (above the quarantine-rate gate), in chunks that spill
    adapters = memory_adapters(AGENCY)
    uploads = _CountingUploads(adapters)
    adapters.uploads.put_bytes("incoming/roster/r.csv", ROSTER.encode())
    _service(adapters, uploads, 2).ingest_object(key="incoming/roster/r.csv")
    rows = [f"u-{i},A100,2025-01-02,2025-01-03,{'taser' if i < 5 else 'laser'}" for i in range(40)]
    adapters.uploads.put_bytes("incoming/use_of_force/u.csv", "\n".join([HEADER, *rows]).encode())
    closed: list[bool] = []
    real_close = spill_module.AcceptedRecords.close

    def tracking_close(self: Any) -> None:
        closed.append(True)
        real_close(self)

    monkeypatch.setattr(spill_module.AcceptedRecords, "close", tracking_close)

    # When it is ingested
    report = _service(adapters, uploads, 2).ingest_object(key="incoming/use_of_force/u.csv")

    # Then it is rejected, nothing is stored, and the kept records were discarded
    assert report.rejected
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 0
    assert closed
