"""Accepted formats: CSV in UTF-8 (with or without BOM) or Windows-1252, gzip, JSON Lines, XLSX."""

from __future__ import annotations

import gzip
import io
import json
from datetime import datetime

import pytest
from openpyxl import Workbook

from eis_core.models.records import RecordKind
from eis_core.models.uploads import RejectionCode
from eis_core.wiring import Adapters, memory_adapters

from .ingest_helpers import AGENCY, ROSTER, UOF_HEADER, ingest, put_mapping, service_for, stored


@pytest.fixture
def adapters() -> Adapters:
    return memory_adapters(AGENCY)


def test_gzipped_csv_is_read(adapters: Adapters) -> None:
    report = ingest(service_for(adapters), adapters, "incoming/roster/roster.csv.gz", gzip.compress(ROSTER.encode()))

    assert (report.rejected, report.rows_accepted, report.compressed) == (False, 3, True)


def test_a_broken_gzip_file_is_rejected_whole(adapters: Adapters) -> None:
    body = gzip.compress(ROSTER.encode())[:-12]  # truncated: the end-of-stream marker is missing

    report = ingest(service_for(adapters), adapters, "incoming/roster/roster.csv.gz", body)

    assert report.rejected and report.rejection_code is RejectionCode.UNDECODABLE
    assert report.rejection_reason == (
        "the file is not valid gzip (Compressed file ended before the end-of-stream marker was reached)"
    )
    assert adapters.records.count() == 0


def test_json_lines_are_read_with_the_first_object_keys_as_header(adapters: Adapters) -> None:
    lines = [
        {
            "source_record_id": "u-1",
            "officer_id": "A1",
            "occurred_on": "2025-01-02",
            "known_on": "2025-01-03",
            "force_type": "taser",
            "subject_injured": True,
            "subject_name": "Jane Civilian",
        },
        {
            "source_record_id": "u-2",
            "officer_id": "A1",
            "occurred_on": "2025-01-02",
            "known_on": "2025-01-03",
            "force_type": "baton",
            "subject_injured": None,
            "subject_name": "John Civilian",
        },
    ]
    body = "\n".join(json.dumps(line) for line in lines) + "\n"

    report = ingest(service_for(adapters), adapters, "incoming/use_of_force/uof.jsonl", body)

    assert (report.rows_accepted, report.file_format, report.dropped_columns) == (2, "jsonl", ["subject_name"])
    records = stored(adapters, RecordKind.USE_OF_FORCE)
    assert records["u-1"].subject_injured is True and records["u-2"].subject_injured is False  # type: ignore[union-attr]


def test_a_json_line_that_is_not_an_object_rejects_the_file(adapters: Adapters) -> None:
    first = dict.fromkeys(UOF_HEADER.split(","), "x")
    body = json.dumps(first) + '\n["not", "an", "object"]\n'

    report = ingest(service_for(adapters), adapters, "incoming/use_of_force/uof.jsonl", body)

    assert report.rejected and report.rejection_code is RejectionCode.MALFORMED_CSV
    assert report.rejection_reason == "line 2 is not a JSON object: JSON Lines files hold one object per line"


def test_xlsx_first_sheet_is_read_with_real_date_cells(adapters: Adapters) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(UOF_HEADER.split(","))
    sheet.append(["u-1", "A1", datetime(2025, 1, 2), datetime(2025, 1, 3), "taser"])
    sheet.append([7, "A1", "2025-02-02", "2025-02-02", "baton"])  # a numeric id becomes "7", not "7.0"
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = ingest(service_for(adapters), adapters, "incoming/use_of_force/uof.xlsx", buffer.getvalue())

    assert (report.rejected, report.rows_accepted, report.file_format, report.encoding) == (False, 2, "xlsx", None)
    assert str(stored(adapters, RecordKind.USE_OF_FORCE)["u-1"].occurred_on) == "2025-01-02"  # type: ignore[union-attr]
    assert "7" in stored(adapters, RecordKind.USE_OF_FORCE)


def test_a_file_that_is_not_a_workbook_is_rejected(adapters: Adapters) -> None:
    report = ingest(service_for(adapters), adapters, "incoming/roster/roster.xlsx", ROSTER)

    assert report.rejected and report.rejection_code is RejectionCode.UNDECODABLE
    assert report.rejection_reason == "the file is not a readable XLSX workbook (BadZipFile)"


def test_a_fixed_encoding_in_the_mapping_is_not_second_guessed(adapters: Adapters) -> None:
    # Given a mapping that says the agency's files are UTF-8, and a Windows-1252 file
    put_mapping(adapters, {"agency_id": AGENCY, "version": 1, "encoding": "utf-8"})
    body = ROSTER.encode() + "r-4,A400,José,Ruiz,Police Officer,Patrol,2019-05-05\n".encode("cp1252")

    report = ingest(service_for(adapters), adapters, "incoming/roster/roster.csv", body)

    assert report.rejected and report.rejection_code is RejectionCode.UNDECODABLE
    assert (report.rejection_reason or "").startswith("line 5 is not valid UTF-8 text")


def test_utf8_with_bom_is_read_when_declared(adapters: Adapters) -> None:
    put_mapping(adapters, {"agency_id": AGENCY, "version": 1, "encoding": "utf-8-sig"})

    report = ingest(service_for(adapters), adapters, "incoming/roster/roster.csv", "\ufeff" + ROSTER)

    assert (report.rows_accepted, report.encoding) == (3, "utf-8")
