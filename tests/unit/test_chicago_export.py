"""The Chicago export's joins on tiny hand-made tables shaped like the CPDP release."""

from __future__ import annotations

import gzip
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from eis_core.ingest.mapping import parse_mapping
from eis_core.models.records import RecordKind
from eis_core.models.uploads import UploadReport
from eis_tools.sources import chicago


def frame(rows: list[dict[str, str]], columns: list[str] | None = None) -> pd.DataFrame:
    """A raw table as read_raw gives it: text, '' for empty, every column the export reads."""
    table = pd.DataFrame(rows, dtype=str)
    for column in columns or []:
        if column not in table:
            table[column] = ""
    return table.fillna("")


PROFILES = frame(
    [
        {
            "UID": "1",
            "first_name": "A",
            "last_name": "ONE",
            "appointed_date": "1990-01-02",
            "current_unit": "9.0",
            "cleaned_rank": "POLICE OFFICER",
            "birth_year": "1965.0",
            "current_status": "1.0",
            "resignation_date": "",
        },
        {
            "UID": "2",
            "first_name": "B",
            "last_name": "TWO",
            "appointed_date": "",
            "current_unit": "",
            "cleaned_rank": "",
            "birth_year": "",
            "current_status": "0.0",
            "resignation_date": "2001-01-01",
        },
        {
            "UID": "3",
            "first_name": "C",
            "last_name": "THREE",
            "appointed_date": "1980-05-05",
            "current_unit": "",
            "cleaned_rank": "",
            "birth_year": "",
            "current_status": "0.0",
            "resignation_date": "1999-03-01",
        },
    ],
    chicago._COLUMNS["profiles"],
)
SALARY = frame(
    [
        {"UID": "1.0", "year": "2015.0", "cleaned_rank": "POLICE OFFICER"},
        {"UID": "1.0", "year": "2016.0", "cleaned_rank": "SERGEANT"},
    ]
)
UNIT_HISTORY = frame(
    [
        {"UID": "1", "unit": "7.0", "unit_start_date": "1995-01-01"},
        {"UID": "1", "unit": "12.0", "unit_start_date": "2010-06-01"},
    ]
)
UNIT_REFERENCE = frame(
    [
        {
            "current_unit": "12",
            chicago._UNIT_NAME_2017: "DISTRICT 012",
            chicago._UNIT_NAME_2016: "",
            chicago._UNIT_ACTIVE_2016: "Y",
        },
        {
            "current_unit": "12",
            chicago._UNIT_NAME_2017: "",
            chicago._UNIT_NAME_2016: "OLD NAME",
            chicago._UNIT_ACTIVE_2016: "N",
        },
    ]
)


def test_roster_takes_the_latest_payroll_rank_and_unit_and_skips_officers_without_appointed_date() -> None:
    # Given an officer promoted in 2016 and moved to unit 12, one with no appointed date, one with nothing
    extract = chicago.roster_extract(PROFILES, SALARY, UNIT_HISTORY, UNIT_REFERENCE)

    # Then the first is a sergeant in unit 012, the third keeps empty rank/unit for the mapping's default
    rows = extract.frame.set_index("UID")
    assert list(rows.loc["1", ["cleaned_rank", "unit", "unit_description", "birth_year", "current_status"]]) == [
        "SERGEANT",
        "012",
        "DISTRICT 012",
        "1965",
        "1",
    ]
    assert list(rows.loc["3", ["cleaned_rank", "unit"]]) == ["", ""]
    # And the officer without an appointed date is counted, not exported
    assert "2" not in rows.index
    assert dict(extract.skipped) == {chicago.MISSING_APPOINTED: 1}
    extract.check(RecordKind.ROSTER)


def test_roster_since_drops_officers_separated_earlier() -> None:
    extract = chicago.roster_extract(PROFILES, SALARY, UNIT_HISTORY, UNIT_REFERENCE, since=2000)
    assert extract.frame.UID.tolist() == ["1"]
    assert dict(extract.skipped) == {chicago.MISSING_APPOINTED: 1, "separated before 2000": 1}


ACCUSED = frame(
    [
        {
            "UID": "1.0",
            "cr_id": "100",
            "complaint_category": "EXCESSIVE FORCE",
            "complaint_code": "05A",
            "final_finding": "SU",
            "final_outcome": "10 DAY SUSPENSION",
        },
        {
            "UID": "3.0",
            "cr_id": "100",
            "complaint_category": "EXCESSIVE FORCE",
            "complaint_code": "05A",
            "final_finding": "SU",
            "final_outcome": "NO ACTION TAKEN",
        },
        {
            "UID": "1.0",
            "cr_id": "200",
            "complaint_category": "VERBAL ABUSE",
            "complaint_code": "01A",
            "final_finding": "NS",
            "final_outcome": "No Action Taken",
        },
    ]
)
COMPLAINTS = frame(
    [
        {
            "cr_id": "100",
            "incident_date": "2012-01-01",
            "complaint_date": "2012-01-03",
            "closed_date": "2013-02-01",
            "add1": "1",
            "add2": "MAIN ST",
            "beat": "1234",
            "city": "CHICAGO",
        },
        {
            "cr_id": "200",
            "incident_date": "2009-05-05",
            "complaint_date": "2009-05-06",
            "closed_date": "",
            "add1": "",
            "add2": "",
            "beat": "",
            "city": "",
        },
    ]
)


def test_complaints_are_one_row_per_allegation_with_their_complaints_dates() -> None:
    extract = chicago.complaint_extract(ACCUSED, COMPLAINTS)

    rows = extract.frame
    assert len(rows) == 3
    first = rows.iloc[0]
    assert (first.UID, first.final_finding, first.complaint_date, first.closed_date) == (
        "1",
        "SU",
        "2012-01-03",
        "2013-02-01",
    )
    # The civilian address columns travel with the export, for ingest to drop
    assert set(chicago.CIVILIAN_COLUMNS[RecordKind.COMPLAINT]) <= set(rows.columns)


def test_complaints_since_and_sample_are_counted_as_skipped() -> None:
    extract = chicago.complaint_extract(ACCUSED, COMPLAINTS, since=2010, officers={"1"})
    assert extract.frame.cr_id.tolist() == ["100"]
    assert dict(extract.skipped) == {chicago.OUTSIDE_SAMPLE: 1, "before 2010": 1}
    extract.check(RecordKind.COMPLAINT)


def test_discipline_keeps_sustained_allegations_with_a_penalty_dated_by_the_closed_date() -> None:
    extract = chicago.discipline_extract(ACCUSED, COMPLAINTS)

    assert extract.frame[["UID", "final_outcome", "suspension_days", "closed_date"]].values.tolist() == [
        ["1", "10 DAY SUSPENSION", "10", "2013-02-01"]
    ]
    assert dict(extract.skipped) == {chicago.NOT_SUSTAINED: 1, chicago.NO_PENALTY: 1}


def test_use_of_force_joins_report_date_subject_injury_and_the_most_serious_member_action() -> None:
    officers = frame(
        [
            {"trr_id": "7", "UID": "1.0", "injured": "No", "unit": "12", "rank": "POLICE OFFICER"},
            {"trr_id": "8", "UID": "", "injured": "No", "unit": "12", "rank": "POLICE OFFICER"},
        ]
    )
    main = frame(
        [
            {"trr_id": "7", "trr_date": "2014-03-03", "block": "17XX", "street": "MAIN", "beat": "1"},
            {"trr_id": "8", "trr_date": "2014-03-04", "block": "", "street": "", "beat": ""},
        ]
    )
    subjects = frame(
        [
            {
                "trr_id": "7",
                "gender": "MALE",
                "race": "WHITE",
                "age": "30",
                "armed": "No",
                "injured": "Yes",
                "alleged_injury": "Yes",
            },
        ]
    )
    actions = frame(
        [
            {
                "trr_id": "7",
                "person": "Member Action",
                "action": "VERBAL COMMANDS",
                "force_type": "Verbal Commands",
                "action_sub_category": "1.0",
            },
            {
                "trr_id": "7",
                "person": "Member Action",
                "action": "OTHER (SPECIFY)",
                "force_type": "Taser",
                "action_sub_category": "5.3",
            },
            {
                "trr_id": "7",
                "person": "Member Action",
                "action": "TASER (PROBE DISCHARGE)",
                "force_type": "Taser",
                "action_sub_category": "5.3",
            },
            {
                "trr_id": "7",
                "person": "Subject Action",
                "action": "SHOT AT MEMBER",
                "force_type": "",
                "action_sub_category": "6.0",
            },
        ]
    )

    extract = chicago.use_of_force_extract(officers, main, subjects, chicago.most_serious_actions(actions))

    # Then the report's officer carries its date, the subject's injury and the taser discharge
    [row] = extract.frame.to_dict("records")
    assert (row["UID"], row["trr_date"], row["subject_injured"], row["injured"], row["member_action"]) == (
        "1",
        "2014-03-03",
        "Yes",
        "No",
        "TASER (PROBE DISCHARGE)",
    )
    assert row["subject_race"] == "WHITE"  # a civilian column, for ingest to drop
    assert dict(extract.skipped) == {chicago.MISSING_UID: 1}


def test_lawsuits_are_known_by_the_end_of_their_filing_year_with_the_amount_as_a_number() -> None:
    settlements = frame(
        [
            {
                "case_id": "14-CV-4800",
                "UID": "1.0",
                "complaint": "False arrest",
                "incident_date": "2013-06-22",
                "location": "Not specified",
                "plantiff": "A Person",
                "settlement": "$35,000",
            },
            {
                "case_id": "97-CV-1",
                "UID": "1.0",
                "complaint": "Excessive force",
                "incident_date": "1996-01-01",
                "location": "",
                "plantiff": "",
                "settlement": "$1,000",
            },
            {
                "case_id": "15-CV-1",
                "UID": "",
                "complaint": "Excessive force",
                "incident_date": "2014-01-01",
                "location": "",
                "plantiff": "",
                "settlement": "$1",
            },
        ]
    )
    extract = chicago.lawsuit_extract(settlements)
    assert extract.frame[["case_filed_by", "settlement"]].values.tolist() == [
        ["2014-12-31", "35000"],
        ["1997-12-31", "1000"],
    ]
    assert dict(extract.skipped) == {chicago.MISSING_UID: 1}


def test_the_chicago_mapping_is_a_valid_agency_mapping_for_every_exported_kind() -> None:
    mapping = parse_mapping(chicago.MAPPING_PATH.read_text())
    assert mapping.agency_id == chicago.AGENCY_ID
    assert set(mapping.kinds) == set(chicago.EXPORT_KINDS)
    finding = mapping.for_kind(RecordKind.COMPLAINT).source_for("finding")
    assert finding.code_table()["su"] == "sustained"
    category = mapping.for_kind(RecordKind.COMPLAINT).source_for("category")
    assert category.code_table()["05a"] == "excessive_force"


@pytest.mark.parametrize("compress", [True, False])
def test_written_extracts_are_deterministic(tmp_path: Path, compress: bool) -> None:
    # Same extract, same bytes: a re-upload of an unchanged export is recognised as the same object
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        folder.mkdir()
        chicago._write(ACCUSED, folder / "x", compress=compress)
    assert (first / "x").read_bytes() == (second / "x").read_bytes()
    body = (first / "x").read_bytes()
    text = gzip.decompress(body).decode() if compress else body.decode()
    assert text.splitlines()[0] == ",".join(ACCUSED.columns)


def test_quarantine_reasons_count_like_problems_together_without_their_values() -> None:
    quarantine = (
        b"line,column,value,reason\n"
        b"2,incident_date,2013-04-13,occurred_on 2013-04-13 is before the officer's hire date 2014-09-29\n"
        b"3,incident_date,2001-01-01,occurred_on 2001-01-01 is before the officer's hire date 2002-02-02\n"
        b"4,complaint_code,XYZ,code 'XYZ' has no mapping for category\n"
    )
    assert chicago.quarantine_reasons(quarantine) == {
        "incident_date: occurred_on <date> is before the officer's hire date <date>": 2,
        "complaint_code: code '…' has no mapping for category": 1,
    }


def _report(**counts: object) -> UploadReport:
    now = datetime(2025, 1, 1, tzinfo=UTC)
    fields: dict[str, Any] = {
        "upload_id": "u",
        "agency_id": chicago.AGENCY_ID,
        "key": "incoming/lawsuit/x.csv.gz",
        "report_key": "reports/u.json",
        "started_at": now,
        "finished_at": now,
        "duration_ms": 1,
    }
    return UploadReport.model_validate(fields | counts)


def test_reconciliation_balances_only_when_every_row_is_accounted_for_and_civilian_columns_dropped() -> None:
    export = chicago.KindExport(
        kind=RecordKind.LAWSUIT,
        file="x.csv.gz",
        source_table="settlements",
        source_rows=10,
        exported_rows=8,
        skipped={chicago.MISSING_UID: 2},
        civilian_columns=["plantiff"],
    )
    good = _report(rows_read=8, rows_accepted=7, rows_quarantined=1, dropped_columns=["plantiff"])
    assert chicago.reconcile(export, good, Counter()).balanced
    # A civilian column kept, or a row lost between export and report, is not balanced
    kept = _report(rows_read=8, rows_accepted=7, rows_quarantined=1, dropped_columns=[])
    assert chicago.reconcile(export, kept, Counter()).civilian_columns_kept == ["plantiff"]
    assert not chicago.reconcile(export, kept, Counter()).balanced
    short = _report(rows_read=7, rows_accepted=7, rows_quarantined=0, dropped_columns=["plantiff"])
    assert not chicago.reconcile(export, short, Counter()).balanced


def test_complaint_dates_are_made_consistent_without_inventing_a_finding() -> None:
    rows = pd.DataFrame(
        {
            "final_finding": ["", "SU", "NS", "UN"],
            "incident_date": ["2012-01-05", "2012-01-05", "2012-03-01", "2012-01-05"],
            "complaint_date": ["2012-01-06", "2012-01-06", "2012-02-01", "2012-02-01"],
            "closed_date": ["2012-06-01", "", "2012-05-01", "2012-01-20"],
        }
    )
    repaired: Counter[str] = Counter()
    fixed = chicago.repair_complaint_dates(rows, repaired)
    # closed without a finding -> pending with no decision date; a finding without a date -> pending
    assert list(fixed.closed_date[:2]) == ["", ""] and list(fixed.final_finding[:2]) == ["", ""]
    # a complaint received before its incident -> the incident takes the complaint's date
    assert fixed.incident_date[2] == "2012-02-01"
    # closed before it was received -> closed on the day it was received; the finding itself is untouched
    assert (fixed.closed_date[3], fixed.final_finding[3]) == ("2012-02-01", "UN")
    assert repaired == Counter(
        {
            chicago.CLOSED_WITHOUT_FINDING: 1,
            chicago.FINDING_WITHOUT_CLOSED_DATE: 1,
            chicago.COMPLAINT_BEFORE_INCIDENT: 1,
            chicago.CLOSED_BEFORE_COMPLAINT: 1,
        }
    )
