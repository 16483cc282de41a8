"""The inspecting pass maps rows a batch at a time (``RowMapper.values_of``, ``_RowChecker.check_many``): every
row must come out exactly as the row-by-row path (``values``, ``check``) makes it, good cells or bad, so the
accepted records, the quarantine reasons and their line numbers cannot change."""

from __future__ import annotations

import random
from datetime import date
from typing import Any

import pytest

from eis_core.ingest.mapping import identity_mapping, parse_mapping
from eis_core.ingest.readers import Row
from eis_core.ingest.service import _RowChecker
from eis_core.ingest.transform import RowMapper, resolve_header
from eis_core.models.records import RecordKind
from eis_core.models.uploads import RejectionCode
from eis_core.wiring import memory_adapters

from .ingest_helpers import AGENCY, ROSTER, UOF_HEADER, ingest, quarantine_rows, service_for

TODAY = date(2026, 1, 15)
ROSTER_HIRED = {"A100": date(2015, 3, 1), "A200": None, "A300": date(2024, 6, 1)}

COMPLAINT_MAPPING: dict[str, Any] = {
    "agency_id": AGENCY,
    "version": 7,
    "timezone": "America/Chicago",
    "date_formats": ["%m/%d/%Y", "%Y-%m-%dT%H:%M:%S%z"],
    "kinds": {
        "complaint": {
            "kind": "complaint",
            "known_on_from": "occurred_on",
            "source_record_id_from": ["CR_ID", "UID"],
            "fields": {
                "complaint_id": "CR_ID",
                "officer_id": "UID",
                "occurred_on": "INCIDENT_DATE",
                "category": {"column": "CAT", "values": {"01A": "excessive_force", "05B": "illegal_search"}},
                "finding": {"column": "FINDING_CD", "values": {"SU": "sustained", "NS": "not_sustained"}},
                "finding_decided_on": "CLOSED_DATE",
                "internal": {"column": "INTERNAL", "true_values": ["Y"], "false_values": ["N"], "default": "N"},
                "received_on": {"column": "RECEIVED", "default": "03/10/2020"},
                "acknowledged_on": {"column": "ACK_DATE", "default": "2020-03-20"},  # not in the file: a constant
            },
            "derived": {"closed_on": {"rule": "latest", "columns": ["CLOSED_DATE", "REVIEWED_DATE"]}},
        },
        "use_of_force": {
            "kind": "use_of_force",
            "fields": {
                "source_record_id": "TRR_ID",
                "officer_id": "UID",
                "occurred_on": {"column": "TRR_DATE", "date_format": "%Y-%m-%d"},
                "known_on": {"column": "REPORTED", "date_format": "%Y-%m-%d"},
                "force_type": {
                    "column": "ACTION",
                    "values": {"TASER": "taser", "HANDS": "physical"},
                    "default": "other",
                },
                "subject_injured": "SUBJ_HURT",
            },
            "derived": {
                "officer_injured": {
                    "rule": "prefix",
                    "column": "OFF_HURT",
                    "length": 1,
                    "values": {"Y": "yes", "N": "no"},
                }
            },
        },
    },
}
COMPLAINT_HEADER = ("CR_ID", "UID", "INCIDENT_DATE", "CAT", "FINDING_CD", "CLOSED_DATE", "INTERNAL", "RECEIVED",
                    "REVIEWED_DATE", "COMPLAINANT_NAME")  # fmt: skip
UOF_MAPPED_HEADER = ("TRR_ID", "UID", "TRR_DATE", "REPORTED", "ACTION", "SUBJ_HURT", "OFF_HURT", "SUBJECT")

# Each column's cells: two good ones first, then every kind of bad one (wrong format, unknown code, blank, future).
COMPLAINT_CELLS: dict[str, list[str]] = {
    "CR_ID": ["C1", " C3 ", "", "C1", "x" * 130],
    "UID": ["A100", " A200", "A300", "", "Z999", "bad id!"],
    "INCIDENT_DATE": ["03/04/2020", "2020-03-04", "2021-13-40", "", "03/04/2030", "2020-03-04T10:00:00-0600", "soon"],
    "CAT": ["01A", "05b", " 01a ", "", "99Z"],
    "FINDING_CD": ["SU", "NS", "", "??"],
    "CLOSED_DATE": ["05/06/2021", "06/07/2021", "", "01/01/2019", "31/31/2021"],
    "INTERNAL": ["Y", "N", "", "maybe"],
    "RECEIVED": ["03/05/2020", "", "02/01/2019", "nope"],
    "REVIEWED_DATE": ["", "07/08/2021", "bad"],
    "COMPLAINANT_NAME": ["Jane Roe", ""],
}
UOF_CELLS: dict[str, list[str]] = {
    "TRR_ID": ["t1", "t2", "t3", "", "t1"],
    "UID": ["A100", "A200", "A300", "NOPE", ""],
    "TRR_DATE": ["2020-01-05", "2020-01-06", "2024-07-01", "01/05/2020", "", "2027-01-01"],
    "REPORTED": ["2020-01-06", "2024-07-02", "2019-01-01", "", "Jan 6"],
    "ACTION": ["TASER", "hands", "KICK", ""],
    "SUBJ_HURT": ["true", "no", "", "perhaps"],
    "OFF_HURT": ["Yes", "N", "", "?"],
    "SUBJECT": ["Alex Poe", ""],
}
IDENTITY_CELLS: dict[str, list[str]] = {
    "source_record_id": ["u-1", "u-2", "u-3", "", " u-1"],
    "officer_id": ["A100", "A200", "A300", "Q1", ""],
    "occurred_on": ["2020-01-05", "2020-01-04", "2020-1-5", "", "2030-01-01", "05/01/2020"],
    "known_on": ["2020-01-06", "2020-01-07", "2019-12-31", "", "xx"],
    "force_type": ["taser", "physical", "Laser", ""],
}


def _rows(cells: dict[str, list[str]], count: int, seed: int) -> list[Row]:
    """Random rows from the cell pools (each pool's first two cells are good, and chosen most often); now and then
    a row one value short or one value long."""
    chooser = random.Random(seed)
    rows = []
    for index in range(count):
        values = [chooser.choice(pool[:2] if chooser.random() < 0.85 else pool) for pool in cells.values()]
        shape = chooser.random()
        if shape < 0.04:
            values = values[:-1]
        elif shape < 0.08:
            values.append(chooser.choice(["", " ", "extra"]))
        rows.append(Row(index + 2, tuple(values)))
    return rows


CASES = [
    (identity_mapping(AGENCY), RecordKind.USE_OF_FORCE, tuple(IDENTITY_CELLS), IDENTITY_CELLS),
    (parse_mapping(COMPLAINT_MAPPING), RecordKind.COMPLAINT, COMPLAINT_HEADER, COMPLAINT_CELLS),
    (parse_mapping(COMPLAINT_MAPPING), RecordKind.USE_OF_FORCE, UOF_MAPPED_HEADER, UOF_CELLS),
]


@pytest.mark.parametrize(("mapping", "kind", "header", "cells"), CASES, ids=["identity", "complaint", "uof"])
@pytest.mark.parametrize("seed", range(4))
def test_a_batch_maps_every_row_as_the_row_by_row_path_does(
    mapping: Any, kind: RecordKind, header: tuple[str, ...], cells: dict[str, list[str]], seed: int
) -> None:
    # Given rows with good and bad cells of every kind
    mapped = resolve_header(header, mapping, kind, file_name="f.csv")
    rows = _rows(cells, 400, seed)

    # When they are mapped a batch at a time and one by one
    batch = RowMapper(mapped).values_of(rows)
    single = RowMapper(mapped)

    # Then a row the batch maps has the very values the row-by-row path gives, and no problem there;
    # a row it leaves out is one the row-by-row path must explain (or one of the wrong width)
    assert len(batch) == len(rows)
    for row, data in zip(rows, batch, strict=True):
        values, problems = single.values(row)
        if data is None:
            assert problems or len(row.cells) != mapped.width, row
        else:
            assert (data, problems) == (values, []), row
            assert list(data) == list(values)  # same field order too
    assert any(data is None for data in batch) and any(data is not None for data in batch)


def _outcome(found: Any) -> Any:
    outcome, source_id = found
    if isinstance(outcome, list):
        return ("quarantined", [problem.model_dump() for problem in outcome], source_id)
    return ("accepted", type(outcome), outcome.model_dump(), source_id)


@pytest.mark.parametrize(("mapping", "kind", "header", "cells"), CASES, ids=["identity", "complaint", "uof"])
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("size", [1, 7, 512])
def test_checking_a_batch_accepts_and_quarantines_exactly_as_row_by_row(
    mapping: Any, kind: RecordKind, header: tuple[str, ...], cells: dict[str, list[str]], seed: int, size: int
) -> None:
    # Given rows with bad cells, duplicate ids, future dates, officers off the roster and hired too late
    mapped = resolve_header(header, mapping, kind, file_name="f.csv")
    rows = _rows(cells, 300, seed)
    by_batch = _RowChecker(kind, mapped, dict(ROSTER_HIRED), TODAY)
    by_row = _RowChecker(kind, mapped, dict(ROSTER_HIRED), TODAY)

    # When one checker takes them in batches and the other one at a time
    batched = [
        found for start in range(0, len(rows), size) for found in by_batch.check_many(rows[start : start + size])
    ]
    single = [by_row.check(row) for row in rows]

    # Then every row has the same verdict: the same record, or the same reasons on the same line and column
    assert [_outcome(found) for found in batched] == [_outcome(found) for found in single]
    assert by_batch.filled == by_row.filled
    assert by_batch.findings_dated == by_row.findings_dated
    verdicts = {_outcome(found)[0] for found in single}
    assert verdicts == {"accepted", "quarantined"}


def test_findings_dated_by_the_upload_are_counted_alike_in_batches() -> None:
    # Given a mapping that dates decided findings by the upload, and a kept decision date for one of them
    document = {**COMPLAINT_MAPPING, "kinds": {"complaint": {**COMPLAINT_MAPPING["kinds"]["complaint"]}}}
    document["kinds"]["complaint"]["finding_known_on"] = "upload_date"
    mapped = resolve_header(COMPLAINT_HEADER, parse_mapping(document), RecordKind.COMPLAINT, file_name="f.csv")
    rows = _rows({**COMPLAINT_CELLS, "CLOSED_DATE": ["", "05/06/2021", "31/31/2021"]}, 300, 11)  # often no date
    checkers = [_RowChecker(RecordKind.COMPLAINT, mapped, {}, TODAY) for _ in range(2)]
    for checker in checkers:
        checker.kept_decisions = {("C1-A100", "sustained"): date(2021, 1, 1)}

    # When one checks in batches and the other row by row
    batched = checkers[0].check_many(rows)
    single = [checkers[1].check(row) for row in rows]

    # Then the records (with their decision dates) and the count of dated findings agree
    assert [_outcome(found) for found in batched] == [_outcome(found) for found in single]
    assert checkers[0].findings_dated == checkers[1].findings_dated > 0


def test_rows_before_a_malformed_line_are_counted_in_the_rejected_files_report() -> None:
    # Given a roster, and 700 uses of force (more than one batch) with one bad row, then a broken line
    adapters = memory_adapters(AGENCY)
    service = service_for(adapters)
    ingest(service, adapters, "incoming/roster/r.csv", ROSTER)
    good = [f"u-{i},A100,2025-01-02,2025-01-03,taser" for i in range(700)]
    good[5] = "u-5,A100,2025-01-02,2025-01-03,laser"
    body = "\n".join([UOF_HEADER, *good, 'u-x,A100,"2025-01-02,2025-01-03,taser', "u-y,A100,2025-01-02"]) + "\n"

    # When it is ingested
    report = ingest(service, adapters, "incoming/use_of_force/u.csv", body)

    # Then the file is rejected whole, its report counting the 700 rows read before the broken line
    assert report.rejected and report.rejection_code == RejectionCode.MALFORMED_CSV
    assert (report.rows_read, report.rows_accepted, report.rows_quarantined) == (700, 699, 1)
    assert (report.inserted, report.replaced) == (0, 0)
    assert [row["line"] for row in quarantine_rows(adapters, report)] == ["7"]


def test_long_distinct_cells_are_not_remembered() -> None:
    # Given rows whose date cells are long and all different (a bad or hostile file)
    mapped = resolve_header(tuple(IDENTITY_CELLS), identity_mapping(AGENCY), RecordKind.USE_OF_FORCE, file_name="f")
    rows = [Row(n, (f"u-{n}", "A100", f"{n:0>100}", "2020-01-06", "taser")) for n in range(2, 1002)]
    mapper = RowMapper(mapped)

    # When they are mapped in batches
    found = [data for start in range(0, len(rows), 250) for data in mapper.values_of(rows[start : start + 250])]

    # Then each is left to the row-by-row path, which names the bad date, and the batch path kept none of them
    assert found == [None] * len(rows)
    assert RowMapper(mapped).values(rows[0])[1][0].reason.startswith("'00000")
    assert len(mapper._memos["occurred_on"]) == 0
