"""Mappings for real exports: header-less files, derived fields, unknown hire dates, undated findings."""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pytest

from eis_core.errors import ValidationFailed
from eis_core.indicators.events import EventFrame
from eis_core.indicators.history import HistoryFrame, PopulationRule, history_features, population
from eis_core.ingest.mapping import parse_mapping
from eis_core.models.records import Complaint, Officer, Record, RecordKind
from eis_core.models.uploads import RejectionCode
from eis_core.wiring import Adapters, memory_adapters

from .ingest_helpers import AGENCY, NOW, ROSTER, ingest, put_mapping, quarantine_rows, service_for, stored

HEADERLESS_COMPLAINTS: dict[str, Any] = {
    "agency_id": AGENCY,
    "version": 7,
    "date_formats": ["%m/%d/%Y"],
    "kinds": {
        "complaint": {
            "kind": "complaint",
            "header": False,
            "columns": ["CR_NO", "UID", "CAT", "FINDING", "CLOSED"],
            "source_record_id_from": ["CR_NO", "UID"],
            "known_on_from": "occurred_on",
            "finding_known_on": "upload_date",
            "fields": {
                "complaint_id": "CR_NO",
                "officer_id": "UID",
                "category": {"column": "CAT", "values": {"01A": "excessive_force"}, "default": "other"},
                "finding": {"column": "FINDING", "values": {"SU": "sustained", "NS": "not_sustained", "": "pending"}},
                "finding_decided_on": "CLOSED",
            },
            "derived": {"occurred_on": {"rule": "year_of", "column": "CR_NO", "pattern": "^(\\d{4})-"}},
        }
    },
}


@pytest.fixture
def adapters() -> Adapters:
    adapters = memory_adapters(AGENCY)
    ingest(service_for(adapters), adapters, "incoming/roster/roster.csv", ROSTER)
    return adapters


def _mapping_error(kind: dict[str, Any]) -> str:
    with pytest.raises(ValidationFailed) as raised:
        parse_mapping({"agency_id": AGENCY, "version": 1, "kinds": {kind["kind"]: kind}})
    return str(raised.value)


# ------------------------------------------------------------------------------- header-less files


def test_a_headerless_export_is_read_with_the_mappings_column_names(adapters: Adapters) -> None:
    # Given complaints with no header line: the year is only in the complaint number, one finding has no date
    put_mapping(adapters, HEADERLESS_COMPLAINTS)
    body = "2019-000123,A100,01A,SU,03/04/2020\n2021-000456,A200,05B,NS,\n"

    # When they are ingested
    report = ingest(service_for(adapters), adapters, "incoming/complaint/cr.csv", body)

    # Then the first line is data, not a header; occurred_on comes from the number's year
    assert not report.rejected and report.rows_accepted == 2
    records = stored(adapters, RecordKind.COMPLAINT)
    first, second = records["2019-000123-A100"], records["2021-000456-A200"]
    assert isinstance(first, Complaint) and isinstance(second, Complaint)
    assert (first.occurred_on, first.known_on, first.finding_decided_on) == (
        date(2019, 1, 1),
        date(2019, 1, 1),
        date(2020, 3, 4),
    )
    # And the undated finding is known only from the upload date, which the report records
    assert second.finding_decided_on == NOW.date()
    assert (report.finding_known_on, report.findings_dated_by_mapping) == ("upload_date", 1)
    assert any("finding_known_on" in warning for warning in report.warnings)


def test_a_headerless_row_of_another_width_rejects_the_file(adapters: Adapters) -> None:
    put_mapping(adapters, HEADERLESS_COMPLAINTS)
    body = "2019-000123,A100,01A,SU,03/04/2020\n2021-000456,A200,05B,NS\n"

    report = ingest(service_for(adapters), adapters, "incoming/complaint/cr.csv", body)

    assert report.rejected and report.rejection_code is RejectionCode.COLUMN_COUNT
    assert "line 2 has 4 values" in (report.rejection_reason or "")
    assert "columns" in (report.rejection_reason or "")
    assert stored(adapters, RecordKind.COMPLAINT) == {}


def test_a_headerless_file_under_a_mapping_that_expects_a_header_names_the_header_setting(
    adapters: Adapters,
) -> None:
    # Given a mapping without `header: false` and a file whose first line is data
    kind = {k: v for k, v in HEADERLESS_COMPLAINTS["kinds"]["complaint"].items() if k not in ("header", "columns")}
    put_mapping(adapters, {**HEADERLESS_COMPLAINTS, "kinds": {"complaint": kind}})
    body = "2019-000123,A100,01A,SU,03/04/2020\n"

    report = ingest(service_for(adapters), adapters, "incoming/complaint/cr.csv", body)

    # Then the error points at the setting at fault, not only at missing columns
    assert report.rejected and report.rejection_code is RejectionCode.MISSING_COLUMNS
    reason = report.rejection_reason or ""
    assert "looks like data" in reason
    assert "kinds.complaint.header to false" in reason and "kinds.complaint.columns" in reason


def test_header_false_without_columns_is_a_mapping_error_naming_columns() -> None:
    message = _mapping_error({"kind": "complaint", "header": False})
    assert "columns: a file without a header line (header: false) needs `columns`" in message


def test_columns_without_header_false_is_a_mapping_error() -> None:
    message = _mapping_error({"kind": "complaint", "columns": ["A", "B"]})
    assert "add `header: false`" in message


# ---------------------------------------------------------------------------------- derived fields


def test_the_later_of_two_dates_and_a_rank_from_a_prefix(adapters: Adapters) -> None:
    # Given a roster whose rank is the prefix of a title and whose hire date is the later of two columns
    put_mapping(
        adapters,
        {
            "agency_id": AGENCY,
            "version": 2,
            "kinds": {
                "roster": {
                    "kind": "roster",
                    "fields": {"unit": "UNIT"},
                    "derived": {
                        "rank": {"rule": "prefix", "column": "TITLE", "separator": "-", "values": {"SGT": "Sergeant"}},
                        "hire_date": {"rule": "latest", "columns": ["APPOINTED", "REHIRED"]},
                    },
                }
            },
        },
    )
    body = (
        "source_record_id,officer_id,first_name,last_name,TITLE,UNIT,APPOINTED,REHIRED\n"
        "r-9,A900,Lee,Fox,SGT-PATROL,Patrol,2001-05-01,2010-02-03\n"
        "r-8,A800,Ann,Cho,LT-PATROL,Patrol,2003-05-01,\n"
    )

    report = ingest(service_for(adapters), adapters, "incoming/roster/roster.csv", body)

    # Then the mapped prefix becomes the rank; the unmapped one quarantines its row, naming the setting
    roster = stored(adapters, RecordKind.ROSTER)
    officer = roster["r-9"]
    assert isinstance(officer, Officer)
    assert (officer.rank, officer.hire_date) == ("Sergeant", date(2010, 2, 3))
    assert report.rows_quarantined == 1
    (problem,) = quarantine_rows(adapters, report)
    assert "prefix 'LT'" in problem["reason"] and "kinds.roster.derived.rank.values" in problem["reason"]


def test_an_id_without_a_year_quarantines_the_row_naming_the_pattern(adapters: Adapters) -> None:
    put_mapping(adapters, HEADERLESS_COMPLAINTS)
    body = "X-000123,A100,01A,SU,03/04/2020\n2019-000124,A100,01A,SU,03/04/2020\n"

    report = ingest(service_for(adapters), adapters, "incoming/complaint/cr.csv", body)

    assert (report.rows_accepted, report.rows_quarantined) == (1, 1)
    (problem,) = quarantine_rows(adapters, report)
    assert "holds no year" in problem["reason"] and "derived.occurred_on.pattern" in problem["reason"]


@pytest.mark.parametrize(
    ("derived", "expected"),
    [
        ({"occurred_on": {"rule": "year_of"}}, "rule year_of needs `column`"),
        ({"occurred_on": {"rule": "latest", "column": "A"}}, "rule latest needs `columns`"),
        ({"occurred_on": {"rule": "year_of", "column": "A", "pattern": "\\d{4}"}}, "`pattern` needs a group"),
        ({"occurred_on": {"rule": "year_of", "column": "A", "pattern": "(("}}, "`pattern` is not a regular"),
        ({"category": {"rule": "year_of", "column": "A"}}, "derived.category: rule year_of makes a date"),
        ({"category": {"rule": "prefix", "column": "A"}}, "exactly one of `separator` or `length`"),
        (
            {"category": {"rule": "prefix", "column": "A", "length": 2, "values": {"XF": "force"}}},
            "derived.category.values: 'XF' -> 'force' is not a category value",
        ),
        ({"nickname": {"rule": "year_of", "column": "A"}}, "derived.nickname: 'nickname' is not a field"),
        ({"occurred_on": {"rule": "eval", "column": "A"}}, "kinds.complaint.derived.occurred_on.rule"),
    ],
)
def test_a_bad_derived_field_is_a_mapping_error_naming_the_setting(derived: dict[str, Any], expected: str) -> None:
    assert expected in _mapping_error({"kind": "complaint", "derived": derived})


def test_finding_known_on_is_for_complaints_and_names_a_date() -> None:
    assert "only complaints have findings" in _mapping_error({"kind": "injury", "finding_known_on": "upload_date"})
    message = _mapping_error({"kind": "complaint", "finding_known_on": "category"})
    assert "finding_known_on: 'category' is not one of upload_date" in message


def test_finding_known_on_a_field_uses_that_date(adapters: Adapters) -> None:
    mapping = {
        "agency_id": AGENCY,
        "version": 4,
        "kinds": {"complaint": {"kind": "complaint", "finding_known_on": "known_on"}},
    }
    put_mapping(adapters, mapping)
    body = (
        "source_record_id,complaint_id,officer_id,occurred_on,known_on,category,finding\n"
        "c-1,C1,A100,2020-01-01,2020-06-01,excessive_force,sustained\n"
    )

    report = ingest(service_for(adapters), adapters, "incoming/complaint/c.csv", body)

    record = stored(adapters, RecordKind.COMPLAINT)["c-1"]
    assert isinstance(record, Complaint) and record.finding_decided_on == date(2020, 6, 1)
    assert (report.finding_known_on, report.findings_dated_by_mapping) == ("known_on", 1)


def test_without_finding_known_on_an_undated_finding_is_still_quarantined(adapters: Adapters) -> None:
    body = (
        "source_record_id,complaint_id,officer_id,occurred_on,known_on,category,finding\n"
        "c-1,C1,A100,2020-01-01,2020-06-01,excessive_force,sustained\n"
    )

    report = ingest(service_for(adapters), adapters, "incoming/complaint/c.csv", body)

    assert report.rows_quarantined == 1 and report.finding_known_on is None
    (problem,) = quarantine_rows(adapters, report)
    assert "set kinds.complaint.finding_known_on to 'upload_date'" in problem["reason"]


# ------------------------------------------------------------------------------ unknown hire dates


def _officer(officer_id: str, hire: date | None) -> Officer:
    return Officer(
        source_record_id=f"r-{officer_id}",
        officer_id=officer_id,
        first_name="A",
        last_name="B",
        rank="Police Officer",
        unit="Patrol",
        hire_date=hire,
    )


def test_a_roster_without_hire_dates_is_loaded_and_tenure_stays_unknown(adapters: Adapters) -> None:
    # Given a roster export with no hire date column at all
    body = "source_record_id,officer_id,first_name,last_name,rank,unit\nr-7,A700,Jo,Ray,Police Officer,Patrol\n"

    report = ingest(service_for(adapters), adapters, "incoming/roster/no-hire.csv", body)

    # Then it is accepted and no hire date is invented
    assert not report.rejected and report.rows_accepted == 1
    officer = stored(adapters, RecordKind.ROSTER)["r-7"]
    assert isinstance(officer, Officer) and officer.hire_date is None
    # And an event of that officer on any date passes the roster check
    events = "source_record_id,officer_id,occurred_on,known_on,force_type\nu-1,A700,1990-01-01,1990-01-01,taser\n"
    assert ingest(service_for(adapters), adapters, "incoming/use_of_force/u.csv", events).rows_accepted == 1


def test_an_unknown_hire_date_is_on_the_roster_from_the_start_with_unknown_tenure() -> None:
    officers = [_officer("K1", date(2015, 1, 1)), _officer("U1", None)]
    as_of = date(2020, 1, 1)

    assert officers[1].on_roster(date(1950, 1, 1))
    frame = HistoryFrame.from_records(officers)
    assert set(population(frame, as_of)) == {"K1", "U1"}
    assert set(EventFrame.from_records(officers).roster_as_of(as_of).index) == {"K1", "U1"}
    # Tenure is unknown (NaN), never zero; a minimum tenure leaves the unknown out
    tenure = history_features(frame, as_of, ["K1", "U1"])["tenure_years"]
    assert tenure["K1"] == pytest.approx(5.0, abs=0.01) and np.isnan(tenure["U1"])
    assert set(population(frame, as_of, PopulationRule(min_tenure_days=365))) == {"K1"}


def test_a_finding_dated_by_the_upload_keeps_its_first_date_on_later_uploads(adapters: Adapters) -> None:
    # Given an undated sustained finding first uploaded on NOW
    put_mapping(adapters, HEADERLESS_COMPLAINTS)
    body = "2019-000123,A100,01A,SU,\n"
    ingest(service_for(adapters), adapters, "incoming/complaint/cr.csv", body)

    # When the same export is uploaded again a month later
    later = NOW.replace(month=2)
    report = ingest(service_for(adapters, now=later), adapters, "incoming/complaint/cr.csv", body)

    # Then the finding is still known from the first upload's date: the record is unchanged
    record = stored(adapters, RecordKind.COMPLAINT)["2019-000123-A100"]
    assert isinstance(record, Complaint) and record.finding_decided_on == NOW.date()
    assert report.unchanged == 1


def test_a_minimum_tenure_leaves_out_officers_without_a_hire_date_and_the_run_report_says_so() -> None:
    from eis_core.scoring.service import report_key
    from eis_core.scoring.spec import ModelSpec
    from eis_core.scoring.store import SPEC_KEY
    from eis_core.scoring.wiring import build_scoring_jobs
    from tests.builders import AS_OF, officer, use_of_force

    # Given a roster where one officer (NEW) has no hire date, and a spec asking for a year of tenure
    adapters = memory_adapters(AGENCY)
    records: list[Record] = [officer(f"P{i}") for i in range(5)]
    records.append(officer("NEW", hire_date=None))
    records += [use_of_force("NEW", d, force_type="takedown") for d in (5, 20, 41, 70)]
    adapters.records.put_records(records, upload_id="u1")
    spec = ModelSpec(population=PopulationRule(min_tenure_days=365))
    adapters.artifacts.put_json(SPEC_KEY, spec.model_dump(mode="json"))

    # When the daily run scores the agency
    build_scoring_jobs(adapters, agency_id=AGENCY, clock=lambda: NOW).scoring.run(AS_OF)

    # Then NEW is outside the population, never alerted, and the run report says why
    report = adapters.artifacts.get_json(report_key(AS_OF))
    population = report["population"]
    assert (population["in_population"], population["outside_unknown_tenure"]) == (5, 1)
    assert "no hire date" in population["note"]
    assert "NEW" not in {alert.officer_id for alert in adapters.alerts.list_alerts()}


def test_an_officer_snapshot_shows_unknown_tenure_not_zero() -> None:
    from eis_core.cases.snapshot import tenure_years

    assert tenure_years(_officer("U1", None), date(2025, 1, 1)) is None
    assert tenure_years(_officer("K1", date(2015, 1, 1)), date(2025, 1, 1)) == 10.0
