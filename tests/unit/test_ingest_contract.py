"""The upload contract: keys name a kind, columns come from the record models, ids are stable."""

from __future__ import annotations

import io

import pytest

from eis_core.errors import FileRejected
from eis_core.ingest.contract import classify_key, column_spec, kind_from_key, upload_id_for
from eis_core.ingest.mapping import AgencyMapping, KindMapping, identity_mapping
from eis_core.ingest.readers import FileFormat, FileType, Table, open_table
from eis_core.ingest.transform import resolve_header
from eis_core.models.records import RecordKind
from eis_core.models.uploads import RejectionCode, UploadMode

CSV = FileType(FileFormat.CSV)


def open_csv(body: bytes) -> Table:
    return open_table(lambda: io.BytesIO(body), CSV)


def uof_header(table: Table) -> list[str]:
    return resolve_header(table.header, identity_mapping("t"), RecordKind.USE_OF_FORCE, file_name="f.csv").dropped


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("incoming/roster/2025-06.csv", RecordKind.ROSTER),
        ("incoming/use_of_force/2025/q1 export.CSV", RecordKind.USE_OF_FORCE),
        ("incoming/Complaint/ia.csv", RecordKind.COMPLAINT),
    ],
)
def test_key_names_the_kind(key: str, kind: RecordKind) -> None:
    assert kind_from_key(key) is kind


def test_unknown_kind_lists_the_kinds_expected() -> None:
    with pytest.raises(FileRejected) as rejected:
        kind_from_key("incoming/x/file.csv")

    assert rejected.value.code == RejectionCode.UNKNOWN_KIND
    assert rejected.value.reason == (
        "unknown extract kind 'x': expected one of " + ", ".join(kind.value for kind in RecordKind)
    )


def test_allowlist_is_the_model_and_required_columns_are_its_required_fields() -> None:
    spec = column_spec(RecordKind.USE_OF_FORCE)

    assert {"source_record_id", "officer_id", "occurred_on", "known_on", "force_type"} == set(spec.required)
    assert "subject_injured" in spec.allowed and "subject_name" not in spec.allowed
    assert spec.is_event and not column_spec(RecordKind.ROSTER).is_event


def test_upload_id_is_stable_per_object_version() -> None:
    first = upload_id_for("incoming/roster/r.csv", etag="e1", version_id="v1")

    assert first == upload_id_for("incoming/roster/r.csv", etag="e1", version_id="v1")
    assert first != upload_id_for("incoming/roster/r.csv", etag="e2", version_id="v2")
    assert first != upload_id_for("incoming/roster/other.csv", etag="e1", version_id="v1")


def test_header_is_matched_ignoring_case_and_spaces_and_unknown_columns_are_dropped() -> None:
    body = b" Source_Record_ID ,officer_id,occurred_on,known_on,force_type,Subject Name,\n"

    header = resolve_header(open_csv(body).header, identity_mapping("t"), RecordKind.USE_OF_FORCE, file_name="f.csv")

    assert next(plan for plan in header.plans if plan.name == "source_record_id").position == 0
    assert header.dropped == ["Subject Name", "(unnamed column 7)"]


def test_a_column_given_twice_rejects_the_file() -> None:
    body = b"source_record_id,officer_id,occurred_on,known_on,force_type,officer_id\n"

    with pytest.raises(FileRejected) as rejected:
        uof_header(open_csv(body))

    assert rejected.value.code == RejectionCode.DUPLICATE_COLUMNS
    assert "officer_id" in rejected.value.reason


def test_malformed_csv_names_the_line() -> None:
    body = b'source_record_id,officer_id,occurred_on,known_on,force_type\nu-1,A1,2025-01-01,2025-01-01,"taser\n'
    rows = open_csv(body).rows

    with pytest.raises(FileRejected) as rejected:
        list(rows)

    assert rejected.value.code == RejectionCode.MALFORMED_CSV
    assert rejected.value.reason.startswith("line 2 ")


def test_lines_are_split_correctly_across_read_chunks() -> None:
    # Rows longer in total than one read chunk, with a multi-byte character straddling chunk edges
    rows = [f"u-{i},A1,2025-01-01,2025-01-01,taser,{'é' * 50}" for i in range(3000)]
    body = ("source_record_id,officer_id,occurred_on,known_on,force_type,note\n" + "\n".join(rows)).encode()

    parsed_rows = list(open_csv(body).rows)

    assert len(parsed_rows) == 3000
    assert parsed_rows[-1].line == 3001 and parsed_rows[-1].cells[0] == "u-2999"
    assert all(row.cells[5] == "é" * 50 for row in parsed_rows)


@pytest.mark.parametrize(
    ("key", "mode", "file"),
    [
        ("incoming/use_of_force/2025.csv", UploadMode.DELTA, FileType(FileFormat.CSV)),
        ("incoming/use_of_force/snapshot/all.csv.gz", UploadMode.SNAPSHOT, FileType(FileFormat.CSV, gzipped=True)),
        ("incoming/snapshot/use_of_force/all.jsonl", UploadMode.SNAPSHOT, FileType(FileFormat.JSONL)),
        ("incoming/use_of_force/x.ndjson.gz", UploadMode.DELTA, FileType(FileFormat.JSONL, gzipped=True)),
        ("incoming/use_of_force/x.XLSX", UploadMode.DELTA, FileType(FileFormat.XLSX)),
    ],
)
def test_key_names_mode_and_format(key: str, mode: UploadMode, file: FileType) -> None:
    target = classify_key(key)

    assert (target.kind, target.mode, target.file) == (RecordKind.USE_OF_FORCE, mode, file)


def test_a_file_outside_a_kind_folder_takes_the_kind_its_name_matches_in_the_mapping() -> None:
    mapping = AgencyMapping(
        agency_id="t",
        version=1,
        kinds={RecordKind.USE_OF_FORCE: KindMapping(kind=RecordKind.USE_OF_FORCE, file_patterns=["TRR_*.csv"])},
    )

    assert classify_key("incoming/TRR_2025-06.csv", mapping).kind is RecordKind.USE_OF_FORCE
    assert classify_key("incoming/snapshot/trr_all.csv", mapping).mode is UploadMode.SNAPSHOT
    with pytest.raises(FileRejected) as rejected:
        classify_key("incoming/payroll.csv", mapping)
    assert rejected.value.code == RejectionCode.UNKNOWN_KIND
