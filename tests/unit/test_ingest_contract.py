"""The upload contract: keys name a kind, columns come from the record models, ids are stable."""

from __future__ import annotations

import io

import pytest

from eis_core.errors import FileRejected
from eis_core.ingest.contract import column_spec, kind_from_key, upload_id_for
from eis_core.ingest.csv_file import open_csv
from eis_core.models.records import RecordKind
from eis_core.models.uploads import RejectionCode


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

    header, _ = open_csv(io.BytesIO(body), column_spec(RecordKind.USE_OF_FORCE))

    assert header.positions["source_record_id"] == 0
    assert header.dropped == ["Subject Name", "(unnamed column 7)"]


def test_a_column_given_twice_rejects_the_file() -> None:
    body = b"source_record_id,officer_id,occurred_on,known_on,force_type,officer_id\n"

    with pytest.raises(FileRejected) as rejected:
        open_csv(io.BytesIO(body), column_spec(RecordKind.USE_OF_FORCE))

    assert rejected.value.code == RejectionCode.DUPLICATE_COLUMNS
    assert "officer_id" in rejected.value.reason


def test_malformed_csv_names_the_line() -> None:
    body = b'source_record_id,officer_id,occurred_on,known_on,force_type\nu-1,A1,2025-01-01,2025-01-01,"taser\n'
    _, rows = open_csv(io.BytesIO(body), column_spec(RecordKind.USE_OF_FORCE))

    with pytest.raises(FileRejected) as rejected:
        list(rows)

    assert rejected.value.code == RejectionCode.MALFORMED_CSV
    assert rejected.value.reason.startswith("line 2 ")


def test_lines_are_split_correctly_across_read_chunks() -> None:
    # Rows longer in total than one read chunk, with a multi-byte character straddling chunk edges
    rows = [f"u-{i},A1,2025-01-01,2025-01-01,taser,{'é' * 50}" for i in range(3000)]
    body = ("source_record_id,officer_id,occurred_on,known_on,force_type,note\n" + "\n".join(rows)).encode()

    _, parsed = open_csv(io.BytesIO(body), column_spec(RecordKind.USE_OF_FORCE))
    parsed_rows = list(parsed)

    assert len(parsed_rows) == 3000
    assert parsed_rows[-1].line == 3001 and parsed_rows[-1].cells[0] == "u-2999"
    assert all(row.cells[5] == "é" * 50 for row in parsed_rows)
