"""Per-agency mappings: an agency's own columns, codes and date formats become canonical records."""

from __future__ import annotations

from typing import Any

import pytest

from eis_core.errors import ValidationFailed
from eis_core.ingest.mapping import MAPPING_KEY, identity_mapping, load_mapping, parse_mapping
from eis_core.models.records import Complaint, Finding, RecordKind
from eis_core.models.uploads import RejectionCode
from eis_core.wiring import Adapters, memory_adapters

from .ingest_helpers import AGENCY, ROSTER, ingest, put_mapping, quarantine_rows, service_for, stored

COMPLAINT_MAPPING: dict[str, Any] = {
    "agency_id": AGENCY,
    "version": 3,
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
                "occurred_on": "Incident Date",
                "category": {"column": "CAT", "values": {"01A": "excessive_force"}, "default": "other"},
                "finding": {"column": "FINDING_CD", "values": {"SU": "sustained", "NS": "not_sustained"}},
                "finding_decided_on": "CLOSED_DATE",
                "internal": {"column": "INTERNAL", "true_values": ["Y"], "false_values": ["N"]},
            },
        }
    },
}
HEADER = "CR_ID,UID,INCIDENT_DATE,CAT,FINDING_CD,CLOSED_DATE,INTERNAL,COMPLAINANT_NAME"


@pytest.fixture
def adapters() -> Adapters:
    adapters = memory_adapters(AGENCY)
    ingest(service_for(adapters), adapters, "incoming/roster/roster.csv", ROSTER)
    put_mapping(adapters, COMPLAINT_MAPPING)
    return adapters


def test_agency_columns_codes_and_dates_become_a_canonical_record(adapters: Adapters) -> None:
    # Given the agency's complaint export in its own column names, codes and US dates
    body = f"{HEADER}\n100,A100,01/02/2025,01a,su,03/04/2025,Y,Jane Roe\n"

    # When it is ingested under the agency's mapping
    report = ingest(service_for(adapters), adapters, "incoming/complaint/cr.csv", body)

    # Then the record is canonical, and the report names the mapping version and the dropped column
    record = stored(adapters, RecordKind.COMPLAINT)["100-A100"]
    assert isinstance(record, Complaint)
    assert (record.complaint_id, record.officer_id, str(record.occurred_on), str(record.known_on)) == (
        "100",
        "A100",
        "2025-01-02",
        "2025-01-02",
    )
    assert (record.category.value, record.finding, str(record.finding_decided_on), record.internal) == (
        "excessive_force",
        Finding.SUSTAINED,
        "2025-03-04",
        True,
    )
    assert (report.mapping_version, report.dropped_columns, report.rows_accepted) == (3, ["COMPLAINANT_NAME"], 1)


def test_an_unmapped_code_quarantines_the_row_naming_the_mapping_setting_to_fix(adapters: Adapters) -> None:
    body = f"{HEADER}\n101,A200,01/02/2025,01A,XX,03/04/2025,N,John Doe\n"

    report = ingest(service_for(adapters), adapters, "incoming/complaint/cr.csv", body)

    [row] = quarantine_rows(adapters, report)
    assert (row["line"], row["column"], row["value"]) == ("2", "FINDING_CD", "XX")
    assert row["reason"] == (
        "code 'XX' has no mapping for finding: add it to kinds.complaint.fields.finding.values "
        "(mapping version 3), or set a default"
    )


def test_an_unmapped_code_takes_the_default_when_one_is_set(adapters: Adapters) -> None:
    body = f"{HEADER}\n101,A200,01/02/2025,99Z,NS,03/04/2025,N,John Doe\n"

    ingest(service_for(adapters), adapters, "incoming/complaint/cr.csv", body)

    assert stored(adapters, RecordKind.COMPLAINT)["101-A200"].category.value == "other"  # type: ignore[union-attr]


def test_aware_date_times_are_converted_into_the_agency_time_zone(adapters: Adapters) -> None:
    # 03:00 UTC on 2 January is still 1 January in Chicago
    body = f"{HEADER}\n102,A200,2025-01-02T03:00:00+0000,01A,,,N,x\n"

    ingest(service_for(adapters), adapters, "incoming/complaint/cr.csv", body)

    assert str(stored(adapters, RecordKind.COMPLAINT)["102-A200"].occurred_on) == "2025-01-01"  # type: ignore[union-attr]


def test_a_date_in_the_wrong_format_is_quarantined_naming_the_formats(adapters: Adapters) -> None:
    body = f"{HEADER}\n103,A200,2025/01/02,01A,,,N,x\n"

    report = ingest(service_for(adapters), adapters, "incoming/complaint/cr.csv", body)

    [row] = quarantine_rows(adapters, report)
    assert (row["column"], row["reason"]) == (
        "INCIDENT_DATE",
        "'2025/01/02' is not a date in the format %m/%d/%Y or %Y-%m-%dT%H:%M:%S%z",
    )


def test_a_finding_decided_before_the_incident_is_quarantined(adapters: Adapters) -> None:
    body = f"{HEADER}\n104,A200,01/02/2025,01A,NS,12/04/2024,N,x\n"

    report = ingest(service_for(adapters), adapters, "incoming/complaint/cr.csv", body)

    [row] = quarantine_rows(adapters, report)
    assert (row["column"], row["value"], row["reason"]) == (
        "CLOSED_DATE",
        "12/04/2024",
        "finding_decided_on is before occurred_on",
    )


def test_a_mapped_column_missing_from_the_file_rejects_it_naming_file_column_and_fix(adapters: Adapters) -> None:
    body = "CR_ID,UID,CAT,FINDING_CD\n100,A100,01A,SU\n"

    report = ingest(service_for(adapters), adapters, "incoming/complaint/cr.csv", body)

    assert report.rejected and report.rejection_code is RejectionCode.MISSING_COLUMNS
    assert report.rejection_reason == (
        "incoming/complaint/cr.csv: missing required column(s) for complaint: 'Incident Date' (for occurred_on): "
        "add it to the export or change kinds.complaint.fields.occurred_on (mapping version 3)"
    )
    assert adapters.records.count(RecordKind.COMPLAINT) == 0


def test_an_invalid_stored_mapping_rejects_every_file_naming_the_mapping_file(adapters: Adapters) -> None:
    put_mapping(adapters, {**COMPLAINT_MAPPING, "timezone": "Chicago"})

    report = ingest(service_for(adapters), adapters, "incoming/roster/r2.csv", ROSTER)

    assert report.rejected and report.rejection_code is RejectionCode.INVALID_MAPPING
    assert report.rejection_reason == (
        f"{MAPPING_KEY}: invalid mapping: timezone: unknown time zone 'Chicago' "
        "(use an IANA name such as 'America/Chicago')"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"kinds": {"complaint": {"kind": "complaint", "fields": {"findng": "F"}}}},
            "kinds.complaint: fields.findng: 'findng' is not a field of complaint (fields: source_record_id, "
            "officer_id, occurred_on, known_on, complaint_id, category, finding, finding_decided_on, internal, "
            "received_on, acknowledged_on, closed_on)",
        ),
        (
            {
                "kinds": {
                    "complaint": {"kind": "complaint", "fields": {"finding": {"column": "F", "values": {"SU": "yes"}}}}
                }
            },
            "kinds.complaint: fields.finding.values: 'SU' -> 'yes' is not a finding value (one of pending, "
            "sustained, not_sustained, unfounded, exonerated, no_finding)",
        ),
        (
            {"kinds": {"roster": {"kind": "complaint"}}},
            "(top level): kinds.roster: its `kind` says 'complaint'; make them the same",
        ),
        (
            {"kinds": {"complaint": {"kind": "complaint", "fields": {"finding": {"values": {"SU": "sustained"}}}}}},
            "kinds.complaint.fields.finding: give a `column` to read from, or a `default` value",
        ),
        (
            {"kinds": {"roster": {"kind": "roster", "known_on_from": "hire_date"}}},
            "kinds.roster: known_on_from: roster records have no known_on",
        ),
        (
            {"agency_id": "other"},
            "agency_id is 'other' but this is agency 'testville': upload the mapping written for this agency",
        ),
    ],
)
def test_mapping_mistakes_are_named_with_their_fix(change: dict[str, Any], message: str) -> None:
    store = memory_adapters(AGENCY).artifacts
    store.put_json(MAPPING_KEY, {"agency_id": AGENCY, "version": 1, **change})

    with pytest.raises(ValidationFailed) as failed:
        load_mapping(store, AGENCY)

    assert str(failed.value).removeprefix(f"{MAPPING_KEY}: ").removeprefix("invalid mapping: ") == message


def test_not_json_is_named_with_its_position() -> None:
    with pytest.raises(ValidationFailed) as failed:
        parse_mapping(b'{"agency_id": ', source="m.json")

    assert str(failed.value) == "m.json: not valid JSON (line 1, column 15: Expecting value)"


def test_no_stored_mapping_means_the_identity_mapping() -> None:
    store = memory_adapters(AGENCY).artifacts

    assert load_mapping(store, AGENCY) == identity_mapping(AGENCY)
    assert identity_mapping(AGENCY).is_identity
