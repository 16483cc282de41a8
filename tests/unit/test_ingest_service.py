"""IngestService on in-memory adapters: what an agency sees after uploading a file."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

import pytest

from eis_core.errors import StorageError
from eis_core.ingest.service import IngestService
from eis_core.ingest.wiring import ingest_service
from eis_core.models.audit import AuditOutcome
from eis_core.models.records import Officer, Record, RecordKind, UseOfForce
from eis_core.models.uploads import RejectionCode, UploadReport
from eis_core.storage.memory import InMemoryArtifactStore, InMemoryRecordStore
from eis_core.storage.ports import WriteSummary
from eis_core.storage.uploads import ArtifactUploadReader
from eis_core.wiring import Adapters, memory_adapters

AGENCY = "testville"
ACTOR = "eis-testville-ingest"

ROSTER = """\
source_record_id,officer_id,first_name,last_name,rank,unit,hire_date
r-1,A100,Pat,Doe,Police Officer,Patrol,2015-03-01
r-2,A200,Sam,Roe,Sergeant,Patrol,2012-07-15
r-3,A300,Kim,Poe,Police Officer,Gang Unit,2018-01-09
"""

UOF_HEADER = "source_record_id,officer_id,occurred_on,known_on,force_type"


@pytest.fixture
def adapters() -> Adapters:
    return memory_adapters(AGENCY)


@pytest.fixture
def service(adapters: Adapters) -> IngestService:
    return ingest_service(adapters, agency_id=AGENCY, actor=ACTOR)


def upload(adapters: Adapters, key: str, body: str | bytes) -> None:
    adapters.uploads.put_bytes(key, body.encode() if isinstance(body, str) else body)


def ingest(service: IngestService, adapters: Adapters, key: str, body: str | bytes) -> UploadReport:
    upload(adapters, key, body)
    return service.ingest_object(key=key, etag="etag-1", version_id="v1")


def quarantine_rows(adapters: Adapters, report: UploadReport) -> list[dict[str, str]]:
    assert report.quarantine_key is not None
    text = adapters.quarantine.get_bytes(report.quarantine_key).decode()
    return list(csv.DictReader(io.StringIO(text)))


def stored(adapters: Adapters, kind: RecordKind) -> dict[str, Record]:
    return {record.source_record_id: record for record in adapters.records.iter_records(kind)}


def test_good_roster_is_stored_with_a_report_and_audited_before_and_after(
    service: IngestService, adapters: Adapters
) -> None:
    # Given a well-formed roster  When it is ingested
    report = ingest(service, adapters, "incoming/roster/2025-06.csv", ROSTER)

    # Then every officer is stored
    officers = stored(adapters, RecordKind.ROSTER)
    assert sorted(officers) == ["r-1", "r-2", "r-3"]
    assert isinstance(officers["r-3"], Officer) and officers["r-3"].unit == "Gang Unit"
    # And the report counts them and is saved in the quarantine bucket
    assert (report.kind, report.rows_read, report.rows_accepted, report.rows_quarantined) == (
        RecordKind.ROSTER,
        3,
        3,
        0,
    )
    assert (report.inserted, report.replaced, report.unchanged) == (3, 0, 0)
    assert not report.rejected and report.quarantine_key is None
    assert report.report_key == f"reports/{report.upload_id}.json"
    saved = UploadReport.model_validate(adapters.quarantine.get_json(report.report_key))
    assert saved.rows_accepted == 3 and saved.etag == "etag-1" and saved.version_id == "v1"
    assert list(adapters.quarantine.keys("quarantine/")) == []
    # And the audit says what was about to be applied before any row was, then who ingested what
    [applying, audit] = adapters.audit.records()
    assert (applying.action, applying.target_id, applying.detail["rows_to_apply"]) == (
        "upload.apply",
        report.upload_id,
        3,
    )
    assert (audit.action, audit.outcome, audit.actor, audit.target_id) == (
        "upload.ingest",
        AuditOutcome.SUCCESS,
        ACTOR,
        report.upload_id,
    )
    assert audit.detail["rows_accepted"] == 3 and audit.detail["key"] == "incoming/roster/2025-06.csv"


def test_bad_rows_are_quarantined_with_line_and_reason_and_good_rows_stored(
    service: IngestService, adapters: Adapters
) -> None:
    # Given a use-of-force file where line 3 has no officer id and line 5 an unparseable date
    body = "\n".join(
        [
            UOF_HEADER,
            "u-1,A100,2025-01-02,2025-01-03,taser",
            "u-2,,2025-01-02,2025-01-03,physical",
            "u-3,A200,2025-02-02,2025-02-02,baton",
            "u-4,A300,02/31/2025,2025-03-01,physical",
            "u-5,A300,2025-03-01,2025-03-01,oc_spray",
        ]
    )

    # When it is ingested
    report = ingest(service, adapters, "incoming/use_of_force/2025-q1.csv", body)

    # Then the good rows are stored and the bad ones are not
    assert sorted(stored(adapters, RecordKind.USE_OF_FORCE)) == ["u-1", "u-3", "u-5"]
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (5, 3, 2)
    # And the quarantine file says where and why, in the file's own line numbers
    rows = quarantine_rows(adapters, report)
    assert [(r["line"], r["column"]) for r in rows] == [("3", "officer_id"), ("5", "occurred_on")]
    assert rows[0]["reason"] == "a value is required (the cell is empty)"
    assert rows[1]["reason"] == "'02/31/2025' is not a date in the format %Y-%m-%d"
    assert (rows[0]["value"], rows[1]["value"]) == ("", "02/31/2025")
    assert report.quarantine_key == f"quarantine/{report.upload_id}.csv"


def test_a_row_breaking_a_cross_field_rule_is_quarantined_for_the_whole_row(
    service: IngestService, adapters: Adapters
) -> None:
    body = f"{UOF_HEADER}\nu-1,A100,2025-01-05,2025-01-02,taser\n"

    report = ingest(service, adapters, "incoming/use_of_force/x.csv", body)

    [row] = quarantine_rows(adapters, report)
    assert (row["line"], row["column"], row["value"]) == ("2", "known_on", "2025-01-02")
    assert row["reason"] == "known_on is before occurred_on"


def test_unknown_kind_is_rejected_whole(service: IngestService, adapters: Adapters) -> None:
    # Given a file in a folder that names no extract kind
    report = ingest(service, adapters, "incoming/payroll/2025.csv", ROSTER)

    # Then nothing is stored, and the report and audit say why
    assert adapters.records.count() == 0
    assert report.rejected and report.rejection_code is RejectionCode.UNKNOWN_KIND
    assert report.rejection_reason is not None
    assert report.rejection_reason.startswith("unknown extract kind 'payroll': expected one of roster, ")
    assert "use_of_force" in report.rejection_reason
    saved = adapters.quarantine.get_json(report.report_key)
    assert saved["rejected"] is True and saved["rejection_code"] == "unknown_kind"
    [audit] = adapters.audit.records()
    assert (audit.action, audit.outcome) == ("upload.reject", AuditOutcome.FAILED)
    assert audit.detail["rejection_code"] == "unknown_kind"


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("roster.csv", RejectionCode.UNKNOWN_KIND),
        ("other/roster/file.csv", RejectionCode.UNKNOWN_KIND),
        ("incoming/roster/file.pdf", RejectionCode.UNSUPPORTED_FORMAT),
        ("incoming/roster/file.xlsx.gz", RejectionCode.UNSUPPORTED_FORMAT),
    ],
)
def test_keys_outside_the_contract_are_rejected(
    service: IngestService, adapters: Adapters, key: str, code: RejectionCode
) -> None:
    report = ingest(service, adapters, key, ROSTER)

    assert report.rejected and report.rejection_code is code
    assert adapters.records.count() == 0


def test_missing_required_column_is_rejected_naming_it(service: IngestService, adapters: Adapters) -> None:
    # Given a roster without the unit column
    body = "source_record_id,officer_id,first_name,last_name,rank,hire_date\nr-1,A100,Pat,Doe,PO,2010-01-01\n"

    report = ingest(service, adapters, "incoming/roster/no-unit.csv", body)

    assert report.rejected and report.rejection_code is RejectionCode.MISSING_COLUMNS
    assert "unit" in (report.rejection_reason or "")
    assert "first_name" not in (report.rejection_reason or "")
    assert adapters.records.count() == 0


@pytest.mark.parametrize("body", [b"", b"\n\n", b"\xef\xbb\xbf"])
def test_empty_file_is_rejected(service: IngestService, adapters: Adapters, body: bytes) -> None:
    report = ingest(service, adapters, "incoming/roster/empty.csv", body)

    assert report.rejected and report.rejection_code is RejectionCode.EMPTY_FILE
    assert "header" in (report.rejection_reason or "")


def test_windows_1252_export_is_detected_and_read(service: IngestService, adapters: Adapters) -> None:
    # Given a roster exported as Windows-1252, whose only non-ASCII name is on the last line
    body = ROSTER.encode() + "r-4,A400,José,Ruiz,Police Officer,Patrol,2019-05-05\n".encode("cp1252")

    report = ingest(service, adapters, "incoming/roster/latin1.csv", body)

    # Then it is read as Windows-1252 and the name survives intact
    assert not report.rejected and report.encoding == "cp1252"
    assert stored(adapters, RecordKind.ROSTER)["r-4"].first_name == "José"  # type: ignore[union-attr]


def test_undecodable_byte_on_the_last_line_rejects_the_file_before_anything_is_stored(
    service: IngestService, adapters: Adapters
) -> None:
    # Given a roster whose last line has a byte that is neither UTF-8 nor Windows-1252 (0x81)
    body = ROSTER.encode() + b"r-4,A400,Jos\x81,Ruiz,Police Officer,Patrol,2019-05-05\n"

    report = ingest(service, adapters, "incoming/roster/broken.csv", body)

    # Then the whole file is rejected, naming the line and the encodings tried
    assert report.rejected and report.rejection_code is RejectionCode.UNDECODABLE
    assert report.rejection_reason == (
        "line 5 is not valid UTF-8 or Windows-1252 text: save the file as UTF-8 "
        "(in a spreadsheet, 'CSV UTF-8') or set the mapping's encoding"
    )
    assert adapters.records.count() == 0


def test_byte_order_mark_and_crlf_line_ends_are_tolerated(service: IngestService, adapters: Adapters) -> None:
    body = "\ufeff" + ROSTER.replace("\n", "\r\n")

    report = ingest(service, adapters, "incoming/roster/excel.csv", body.encode())

    assert not report.rejected and report.rows_accepted == 3


def test_line_numbers_count_physical_lines_when_a_quoted_cell_spans_two(
    service: IngestService, adapters: Adapters
) -> None:
    # Given a quoted unit name holding a line break on lines 2-3, so the bad row starts on line 4
    body = (
        "source_record_id,officer_id,first_name,last_name,rank,unit,hire_date\n"
        'r-1,A100,Pat,Doe,PO,"Patrol\nNorth",2015-03-01\n'
        "r-2,A200,Sam,Roe,PO,Patrol,not-a-date\n"
    )

    report = ingest(service, adapters, "incoming/roster/multi.csv", body)

    assert report.rows_accepted == 1
    assert [(r["line"], r["column"]) for r in quarantine_rows(adapters, report)] == [("4", "hire_date")]


def test_civilian_columns_are_dropped_reported_and_never_stored_or_logged(
    service: IngestService,
    adapters: Adapters,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a complaint extract carrying complainant details, one row of it invalid
    body = (
        "source_record_id,complaint_id,officer_id,occurred_on,known_on,category,complainant_name,subject_address\n"
        "c-1,C-9,A100,2025-01-02,2025-01-04,verbal_abuse,Jane Q Civilian,12 Elm Street\n"
        "c-2,C-9,A200,2025-01-02,2025-01-04,not-a-category,John X Witness,99 Oak Avenue\n"
    )
    eis_logger = logging.getLogger("eis_core")
    eis_logger.addHandler(caplog.handler)  # eis_core logs may not propagate once a handler configured them
    try:
        with caplog.at_level(logging.DEBUG):
            report = ingest(service, adapters, "incoming/complaint/ia-export.csv", body)
    finally:
        eis_logger.removeHandler(caplog.handler)

    # Then the civilian columns are named in the report as dropped
    assert report.dropped_columns == ["complainant_name", "subject_address"]
    assert (report.rows_accepted, report.rows_quarantined) == (1, 1)
    # And their values are nowhere: not in stored records, reports, quarantine file, audit or logs
    assert caplog.records, "the ingest should have logged its outcome"
    logged = " ".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records) + capsys.readouterr().out
    stored_text = " ".join(r.model_dump_json() for r in adapters.records.iter_records())
    files = [adapters.quarantine.get_bytes(key).decode() for key in list(adapters.quarantine.keys(""))]
    written = " ".join(files) + str([a.detail for a in adapters.audit.records()])
    for civilian in ("Jane Q Civilian", "12 Elm Street", "John X Witness", "99 Oak Avenue"):
        assert civilian not in stored_text
        assert civilian not in written
        assert civilian not in logged
    assert "not-a-category" not in logged  # bad cells go to the quarantine file only
    assert quarantine_rows(adapters, report)[0]["value"] == "not-a-category"


def test_duplicate_source_record_id_keeps_the_first_and_quarantines_the_second(
    service: IngestService, adapters: Adapters
) -> None:
    body = "\n".join(
        [
            UOF_HEADER,
            "u-1,A100,2025-01-02,2025-01-03,taser",
            "u-2,A100,2025-01-05,2025-01-05,physical",
            "u-1,A100,2025-01-09,2025-01-09,baton",
        ]
    )

    report = ingest(service, adapters, "incoming/use_of_force/dupes.csv", body)

    kept = stored(adapters, RecordKind.USE_OF_FORCE)["u-1"]
    assert isinstance(kept, UseOfForce) and kept.force_type.value == "taser"
    [row] = quarantine_rows(adapters, report)
    assert (row["line"], row["column"]) == ("4", "source_record_id")
    assert "line 2" in row["reason"]


def test_officer_not_on_the_stored_roster_is_quarantined(service: IngestService, adapters: Adapters) -> None:
    # Given a stored roster of A100, A200 and A300
    ingest(service, adapters, "incoming/roster/r.csv", ROSTER)

    # When force reports name A100 and the unknown Z999
    body = f"{UOF_HEADER}\nu-1,A100,2025-01-02,2025-01-03,taser\nu-2,Z999,2025-01-02,2025-01-03,taser\n"
    report = ingest(service, adapters, "incoming/use_of_force/f.csv", body)

    # Then only A100's is stored and Z999's is reported
    assert sorted(stored(adapters, RecordKind.USE_OF_FORCE)) == ["u-1"]
    [row] = quarantine_rows(adapters, report)
    assert (row["line"], row["column"]) == ("3", "officer_id")
    assert "roster" in row["reason"]


def test_officer_ids_are_not_checked_before_any_roster_is_stored(service: IngestService, adapters: Adapters) -> None:
    body = f"{UOF_HEADER}\nu-2,Z999,2025-01-02,2025-01-03,taser\n"

    report = ingest(service, adapters, "incoming/use_of_force/f.csv", body)

    assert report.rows_accepted == 1 and report.rows_quarantined == 0


def test_the_same_object_ingested_again_reports_its_records_unchanged(
    service: IngestService, adapters: Adapters
) -> None:
    first = ingest(service, adapters, "incoming/roster/r.csv", ROSTER)
    again = service.ingest_object(key="incoming/roster/r.csv", etag="etag-1", version_id="v1")

    assert again.upload_id == first.upload_id
    assert (again.inserted, again.replaced, again.unchanged) == (0, 0, 3)
    assert adapters.records.count() == 3
    assert list(adapters.quarantine.keys("reports/")) == [first.report_key]


def test_a_changed_record_in_a_new_version_replaces_the_old_one(service: IngestService, adapters: Adapters) -> None:
    ingest(service, adapters, "incoming/roster/r.csv", ROSTER)
    upload(adapters, "incoming/roster/r.csv", ROSTER.replace("Gang Unit", "Traffic"))

    report = service.ingest_object(key="incoming/roster/r.csv", etag="etag-2", version_id="v2")

    assert (report.inserted, report.replaced, report.unchanged) == (0, 1, 2)
    officer = stored(adapters, RecordKind.ROSTER)["r-3"]
    assert isinstance(officer, Officer) and officer.unit == "Traffic"
    assert len(list(adapters.quarantine.keys("reports/"))) == 2


class _RecordingStore:
    """A record store that remembers the size of every write, or fails them."""

    def __init__(self, *, fail: bool = False) -> None:
        self.inner = InMemoryRecordStore()
        self.batch_sizes: list[int] = []
        self.fail = fail

    def put_records(self, records: Sequence[Record], *, upload_id: str) -> WriteSummary:
        if self.fail:
            raise StorageError("DynamoDB is unavailable")
        self.batch_sizes.append(len(records))
        return self.inner.put_records(records, upload_id=upload_id)

    def put_packed(self, kind: RecordKind, rows: Sequence[tuple[Any, ...]], *, upload_id: str) -> WriteSummary:
        if self.fail:
            raise StorageError("DynamoDB is unavailable")
        self.batch_sizes.append(len(rows))
        return self.inner.put_packed(kind, rows, upload_id=upload_id)

    def iter_records(self, kind: RecordKind | None = None) -> Iterator[Record]:
        return self.inner.iter_records(kind)

    def hire_dates(self) -> dict[str, date | None]:
        return self.inner.hire_dates()

    def count(self, kind: RecordKind | None = None) -> int:
        return self.inner.count(kind)


def _service_with(adapters: Adapters, records: _RecordingStore, *, chunk_size: int = 2000) -> IngestService:
    return IngestService(
        agency_id=AGENCY,
        uploads=ArtifactUploadReader(adapters.uploads),
        records=records,  # type: ignore[arg-type]  # implements the part of RecordStore ingest calls
        quarantine=adapters.quarantine,
        audit=adapters.audit,
        actor=ACTOR,
        chunk_size=chunk_size,
    )


def test_records_are_written_in_bounded_chunks(adapters: Adapters) -> None:
    rows = [f"u-{i},A100,2025-01-02,2025-01-03,taser" for i in range(7)]
    records = _RecordingStore()
    upload(adapters, "incoming/use_of_force/big.csv", "\n".join([UOF_HEADER, *rows]))

    report = _service_with(adapters, records, chunk_size=3).ingest_object(key="incoming/use_of_force/big.csv")

    assert records.batch_sizes == [3, 3, 1]
    assert report.inserted == 7


def test_storage_failure_raises_for_a_retry_and_is_audited_as_failed(adapters: Adapters) -> None:
    upload(adapters, "incoming/roster/r.csv", ROSTER)
    service = _service_with(adapters, _RecordingStore(fail=True))

    with pytest.raises(StorageError):
        service.ingest_object(key="incoming/roster/r.csv", etag="e", version_id="v")

    # The rows were about to be applied (audited first); the failure names that record
    [applying, audit] = adapters.audit.records()
    assert applying.action == "upload.apply"
    assert (audit.action, audit.outcome) == ("upload.ingest", AuditOutcome.FAILED)
    assert audit.detail["error_type"] == "StorageError" and audit.detail["applying_seq"] == applying.seq


def test_object_deleted_before_it_is_read_is_rejected(service: IngestService, adapters: Adapters) -> None:
    report = service.ingest_object(key="incoming/roster/gone.csv", etag="e", version_id="v")

    assert report.rejected and report.rejection_code is RejectionCode.OBJECT_MISSING


def test_in_memory_uploads_are_artifact_stores() -> None:
    # The reader serves any ArtifactStore, so the CLI can stage uploads the same way.
    store = InMemoryArtifactStore()
    store.put_bytes("k", b"abc")

    assert ArtifactUploadReader(store).open("k").read() == b"abc"
