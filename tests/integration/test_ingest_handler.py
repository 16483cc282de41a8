"""The ingest function end to end on moto: a real S3 event in, records in DynamoDB, a report in S3."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from types import ModuleType
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest

from eis_core.audit import verify_log
from eis_core.audit.bounded import canonical, reference_matches
from eis_core.errors import StorageError, ValidationFailed
from eis_core.models.audit import MAX_AUDIT_EVENT_BYTES
from eis_core.models.records import Complaint, Officer, RecordKind
from eis_core.models.uploads import UploadReport
from eis_core.storage.schema import TABLE_SPECS, Bucket, Table
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalAgency, LocalSettings
from tests.conftest import EVENTS

FUNCTION_NAME = "eis-testville-ingest"

ROSTER = """\
source_record_id,officer_id,first_name,last_name,rank,unit,hire_date,home_address
r-1,A100,Pat,Doe,Police Officer,Patrol,2015-03-01,1 Private Lane
r-2,A200,Sam,Roe,Sergeant,Patrol,2012-07-15,2 Private Lane
r-3,A300,Kim,Poe,Police Officer,Gang Unit,2018-01-09,3 Private Lane
"""

USE_OF_FORCE = """\
source_record_id,officer_id,occurred_on,known_on,force_type,subject_injured,subject_name
u-1,A100,2025-04-02,2025-04-03,taser,yes,Civilian One
u-2,A200,2025-04-09,2025-04-09,physical,no,Civilian Two
u-3,Z999,2025-04-10,2025-04-11,baton,no,Civilian Three
u-4,A300,2025-13-01,2025-04-11,baton,no,Civilian Four
"""


@pytest.fixture
def handler(moto_agency: LocalAgency, monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """Given the ingest function's module, its composition root rebuilt inside this test's moto."""
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", FUNCTION_NAME)
    eis_logger = logging.getLogger("eis_core")
    saved = (eis_logger.handlers[:], eis_logger.propagate, eis_logger.level)
    from functions.ingest import handler as module

    # The module may have been imported first under another test's environment: fix its level here.
    function_level = module.logger.log_level
    module.logger.setLevel(logging.INFO)
    module._service.cache_clear()
    yield module
    module._service.cache_clear()
    module.logger.setLevel(function_level)
    # The handler points eis_core logs at its JSON output; give other tests the default logging back.
    eis_logger.handlers[:], eis_logger.propagate = saved[0], saved[1]
    eis_logger.setLevel(saved[2])


class _EveryField(logging.Handler):
    """Writes each record's message and every attribute, so a leaked value cannot hide in an extra field."""

    def __init__(self, buffer: io.StringIO) -> None:
        super().__init__(logging.DEBUG)
        self.buffer = buffer

    def emit(self, record: logging.LogRecord) -> None:
        self.buffer.write(f"{record.getMessage()} {record.__dict__}\n")


@pytest.fixture
def function_logs(handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """What the function logs: its own JSON output and, independently of how other tests left the
    logging configuration, every record of the ingest service's logger."""
    buffer = io.StringIO()
    monkeypatch.setattr(handler.logger.registered_handler, "stream", buffer)
    service_logger = logging.getLogger("eis_core.ingest.service")
    capture = _EveryField(buffer)
    service_logger.addHandler(capture)
    yield buffer
    service_logger.removeHandler(capture)


@pytest.fixture
def adapters(settings: LocalSettings) -> Adapters:
    return aws_adapters(settings)


def put_upload(agency: LocalAgency, key: str, body: str) -> Any:
    s3 = boto3.client("s3")
    return s3.put_object(Bucket=agency.resources.bucket(Bucket.UPLOADS), Key=key, Body=body.encode())


def s3_event(name: str, agency: LocalAgency, body: str) -> dict[str, Any]:
    """The stored event, pointed at this agency's bucket and at the object uploaded under its (decoded) key."""
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    s3 = event["Records"][0]["s3"]
    bucket = agency.resources.bucket(Bucket.UPLOADS)
    s3["bucket"]["name"], s3["bucket"]["arn"] = bucket, f"arn:aws:s3:::{bucket}"
    put = put_upload(agency, unquote_plus(s3["object"]["key"]), body)
    s3["object"].update(eTag=put["ETag"].strip('"'), versionId=put["VersionId"], size=len(body.encode()))
    return event


def invoke(handler: ModuleType, event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = handler.lambda_handler(event, LocalLambdaContext(function_name=FUNCTION_NAME))
    return result


def report_versions(agency: LocalAgency, prefix: str = "reports/") -> list[str]:
    listing = boto3.client("s3").list_object_versions(Bucket=agency.resources.bucket(Bucket.QUARANTINE), Prefix=prefix)
    return [version["Key"] for version in listing.get("Versions", [])]


def test_roster_and_use_of_force_uploads_are_ingested(
    handler: ModuleType, moto_agency: LocalAgency, adapters: Adapters, function_logs: io.StringIO
) -> None:
    # Given a roster, then a use-of-force extract with an unknown officer and an impossible date
    roster = invoke(handler, s3_event("s3_put_roster.json", moto_agency, ROSTER))
    force = invoke(handler, s3_event("s3_put_use_of_force.json", moto_agency, USE_OF_FORCE))

    # Then the officers and the good force reports are in DynamoDB
    assert adapters.records.count(RecordKind.ROSTER) == 3
    assert sorted(r.source_record_id for r in adapters.records.iter_records(RecordKind.USE_OF_FORCE)) == [
        "u-1",
        "u-2",
    ]
    # And each file has its report in the quarantine bucket
    [roster_summary], [force_summary] = roster["reports"], force["reports"]
    roster_report = UploadReport.model_validate(adapters.quarantine.get_json(roster_summary["report_key"]))
    assert (roster_report.rows_accepted, roster_report.dropped_columns) == (3, ["home_address"])
    report = UploadReport.model_validate(adapters.quarantine.get_json(force_summary["report_key"]))
    assert (report.kind, report.rows_read, report.rows_accepted, report.rows_quarantined) == (
        RecordKind.USE_OF_FORCE,
        4,
        2,
        2,
    )
    assert report.dropped_columns == ["subject_name"]
    assert report.version_id is not None and report.etag is not None
    # And the quarantine file names the lines and columns at fault
    assert report.quarantine_key is not None
    quarantine = adapters.quarantine.get_bytes(report.quarantine_key).decode().splitlines()
    assert [line.split(",")[:2] for line in quarantine] == [
        ["line", "column"],
        ["4", "officer_id"],
        ["5", "occurred_on"],
    ]
    # And civilian values are neither stored nor logged
    stored = " ".join(r.model_dump_json() for r in adapters.records.iter_records())
    logs = function_logs.getvalue()
    assert "upload ingested" in logs
    for civilian in ("Civilian", "Private Lane"):
        assert civilian not in stored and civilian not in logs
    # And the function's summary names each file and its outcome
    assert force_summary["key"] == "incoming/use_of_force/uof-2025-q2.csv"
    assert (force_summary["kind"], force_summary["rows_quarantined"]) == ("use_of_force", 2)


def test_the_same_event_delivered_twice_changes_nothing(
    handler: ModuleType, moto_agency: LocalAgency, adapters: Adapters
) -> None:
    # Given a roster ingested once
    event = s3_event("s3_put_roster.json", moto_agency, ROSTER)
    first = invoke(handler, event)
    audit_count = len(adapters.audit.records())

    # When S3 delivers the same event again
    second = invoke(handler, event)

    # Then the result is the same and nothing was written: records, reports, audit
    assert second == first
    assert adapters.records.count() == 3
    assert report_versions(moto_agency) == [first["reports"][0]["report_key"]]
    assert len(adapters.audit.records()) == audit_count == 2  # upload.apply, then upload.ingest


def test_url_encoded_key_with_spaces_is_read_from_its_decoded_name(
    handler: ModuleType, moto_agency: LocalAgency, adapters: Adapters
) -> None:
    result = invoke(handler, s3_event("s3_put_key_with_spaces.json", moto_agency, ROSTER))

    [summary] = result["reports"]
    report = UploadReport.model_validate(adapters.quarantine.get_json(summary["report_key"]))
    assert report.key == "incoming/roster/June 2025 roster (final).csv"
    assert not report.rejected and report.rows_accepted == 3


def test_rejected_file_is_reported_and_counted_but_is_not_a_lambda_error(
    handler: ModuleType,
    moto_agency: LocalAgency,
    adapters: Adapters,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Given a roster without the unit column
    body = "source_record_id,officer_id,first_name,last_name,rank,hire_date\nr-1,A100,Pat,Doe,PO,2010-01-01\n"

    # When it is ingested, the invocation succeeds
    result = invoke(handler, s3_event("s3_put_roster.json", moto_agency, body))

    # And the report says why, nothing is stored, and the FilesRejected metric is emitted
    [summary] = result["reports"]
    assert summary["rejected"] is True
    report = UploadReport.model_validate(adapters.quarantine.get_json(summary["report_key"]))
    assert report.rejection_reason is not None and "unit" in report.rejection_reason
    assert adapters.records.count() == 0
    [audit] = adapters.audit.records()
    assert audit.action == "upload.reject" and audit.actor == FUNCTION_NAME
    metrics = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any(doc.get("FilesRejected") == [1.0] or doc.get("FilesRejected") == 1.0 for doc in metrics)


def test_storage_failure_fails_the_invocation_and_the_retry_ingests(
    handler: ModuleType, moto_agency: LocalAgency, adapters: Adapters
) -> None:
    # Given the records table is unavailable
    dynamodb = boto3.client("dynamodb")
    records_table = moto_agency.resources.table(Table.RECORDS)
    dynamodb.delete_table(TableName=records_table)
    event = s3_event("s3_put_roster.json", moto_agency, ROSTER)

    # When the upload is ingested, the invocation fails so that S3 retries it
    with pytest.raises(StorageError):
        invoke(handler, event)

    # And when the table is back, the retried event is ingested rather than remembered as done
    dynamodb.create_table(**TABLE_SPECS[Table.RECORDS].create_table_kwargs(records_table))
    result = invoke(handler, event)
    assert result["reports"][0]["rows_accepted"] == 3
    assert adapters.records.count(RecordKind.ROSTER) == 3


def test_event_from_another_bucket_fails_loudly(handler: ModuleType, moto_agency: LocalAgency) -> None:
    # A trigger wired to the wrong bucket is a deployment mistake: it must reach the dead-letter queue.
    event = s3_event("s3_put_roster.json", moto_agency, ROSTER)
    event["Records"][0]["s3"]["bucket"]["name"] = "eis-othertown-uploads-123456789012-us-east-1"

    with pytest.raises(ValidationFailed, match="othertown"):
        invoke(handler, event)


def roster_event(agency: LocalAgency, key: str, body: str) -> dict[str, Any]:
    """The stored roster event, for an object uploaded under ``key``."""
    event = s3_event("s3_put_roster.json", agency, body)
    s3 = event["Records"][0]["s3"]
    put = put_upload(agency, key, body)
    s3["object"].update(key=key, eTag=put["ETag"].strip('"'), versionId=put["VersionId"], size=len(body.encode()))
    return event


def test_a_roster_snapshot_dropping_most_officers_waits_for_confirmation(
    handler: ModuleType, moto_agency: LocalAgency, adapters: Adapters
) -> None:
    invoke(handler, roster_event(moto_agency, "incoming/roster/snapshot/roster.csv", ROSTER))
    one_officer = "".join(ROSTER.splitlines(keepends=True)[:2])

    # When a roster snapshot keeps one of the three officers, and then a header-only one arrives
    held = invoke(handler, roster_event(moto_agency, "incoming/roster/snapshot/roster.csv", one_officer))
    empty = invoke(handler, roster_event(moto_agency, "incoming/roster/snapshot/roster.csv", ROSTER.splitlines()[0]))

    # Then neither is applied; the first is held with its counts, the second rejected as empty
    report = UploadReport.model_validate(adapters.quarantine.get_json(held["reports"][0]["report_key"]))
    assert (report.rejection_code, report.held_for_confirmation) == ("snapshot_needs_confirmation", True)
    assert (report.would_retract, report.stored_of_kind) == (2, 3)
    empty_report = UploadReport.model_validate(adapters.quarantine.get_json(empty["reports"][0]["report_key"]))
    assert empty_report.rejection_code == "empty_snapshot"
    assert adapters.records.count(RecordKind.ROSTER) == 3

    # When the agency uploads the same file under snapshot/confirmed/
    confirmed = invoke(handler, roster_event(moto_agency, "incoming/roster/snapshot/confirmed/r.csv", one_officer))

    # Then the two officers are retracted
    report = UploadReport.model_validate(adapters.quarantine.get_json(confirmed["reports"][0]["report_key"]))
    assert not report.rejected and (report.confirmed, report.retracted) == (True, 2)
    assert [o.officer_id for o in adapters.records.iter_records(RecordKind.ROSTER)] == ["A100"]


def test_an_upload_with_very_wide_headers_leaves_rows_and_a_bounded_audit_consistent(
    handler: ModuleType, moto_agency: LocalAgency, adapters: Adapters
) -> None:
    # Given a roster with 30,000 extra columns: listed whole, its dropped columns alone are about 630 KB,
    # over DynamoDB's 400 KB item limit (the audit write used to fail after the rows were stored)
    extra = [f"extra_column_{n:05d}" for n in range(30_000)]
    header, *rows = ROSTER.splitlines()
    padding = "," * len(extra)
    body = "\n".join([",".join([header, *extra]), *(row + padding for row in rows)]) + "\n"

    # When it is ingested
    result = invoke(handler, s3_event("s3_put_roster.json", moto_agency, body))

    # Then the rows are stored, and the audit holds what was applied and its outcome, each record small
    report = UploadReport.model_validate(adapters.quarantine.get_json(result["reports"][0]["report_key"]))
    assert not report.rejected and report.inserted == 3 and adapters.records.count(RecordKind.ROSTER) == 3
    assert set(extra) <= set(report.dropped_columns)
    unbounded = report.model_dump(mode="json", exclude={"upload_id", "agency_id", "started_at", "finished_at"})
    assert len(canonical(unbounded)) > 400_000
    applying, ingested = adapters.audit.records()
    assert (applying.action, ingested.action) == ("upload.apply", "upload.ingest")
    assert all(len(record.model_dump_json()) < MAX_AUDIT_EVENT_BYTES for record in (applying, ingested))
    # And the record keeps the columns' hash and where they are: the report object matches it
    kept = ingested.detail["dropped_columns"]
    assert (kept["moved_to"], kept["items"]) == (report.report_key, len(report.dropped_columns))
    assert reference_matches(kept, report.dropped_columns)
    assert verify_log(adapters.audit).ok


def test_headerless_exports_without_hire_or_decision_dates_are_ingested_by_mapping_alone(
    handler: ModuleType, moto_agency: LocalAgency, adapters: Adapters
) -> None:
    # Given a mapping for header-less exports: a roster with a title but no hire date, and complaints whose
    # year is only in the complaint number and whose findings have no decision date
    mapping = {
        "agency_id": moto_agency.resources.agency_id,
        "version": 5,
        "kinds": {
            "roster": {
                "kind": "roster",
                "header": False,
                "columns": ["ID", "FIRST", "LAST", "TITLE", "UNIT"],
                "source_record_id_from": ["ID"],
                "fields": {"officer_id": "ID", "first_name": "FIRST", "last_name": "LAST", "unit": "UNIT"},
                "derived": {
                    "rank": {
                        "rule": "prefix",
                        "column": "TITLE",
                        "separator": "-",
                        "values": {"PO": "Police Officer", "SGT": "Sergeant"},
                    }
                },
            },
            "complaint": {
                "kind": "complaint",
                "header": False,
                "columns": ["CR_NO", "ID", "FINDING"],
                "source_record_id_from": ["CR_NO", "ID"],
                "known_on_from": "occurred_on",
                "finding_known_on": "upload_date",
                "fields": {
                    "complaint_id": "CR_NO",
                    "officer_id": "ID",
                    "category": {"default": "other"},
                    "finding": {"column": "FINDING", "values": {"S": "sustained", "U": "unfounded"}},
                },
                "derived": {"occurred_on": {"rule": "year_of", "column": "CR_NO"}},
            },
        },
    }
    adapters.artifacts.put_json("config/mapping.json", mapping)
    roster_event = s3_event(
        "s3_put_roster.json", moto_agency, "A1,Pat,Doe,PO-PATROL,Patrol\nA2,Sam,Roe,SGT-GANG,Gang\n"
    )
    complaints = "2015-000123,A1,S\n2017-000456,A2,U\n"
    complaint_event = s3_event("s3_put_roster.json", moto_agency, complaints)
    complaint_s3 = complaint_event["Records"][0]["s3"]
    complaint_s3["object"]["key"] = "incoming/complaint/cr-export.txt"
    put = put_upload(moto_agency, "incoming/complaint/cr-export.txt", complaints)
    complaint_s3["object"].update(eTag=put["ETag"].strip('"'), versionId=put["VersionId"])

    # When both files arrive through the ingest function
    invoke(handler, roster_event)
    [summary] = invoke(handler, complaint_event)["reports"]

    # Then the officers are on the roster with no invented hire date, and the complaints are dated
    officers = [r for r in adapters.records.iter_records(RecordKind.ROSTER) if isinstance(r, Officer)]
    assert sorted((r.officer_id, r.rank, r.hire_date) for r in officers) == [
        ("A1", "Police Officer", None),
        ("A2", "Sergeant", None),
    ]
    records = {
        r.source_record_id: r for r in adapters.records.iter_records(RecordKind.COMPLAINT) if isinstance(r, Complaint)
    }
    assert sorted(records) == ["2015-000123-A1", "2017-000456-A2"]
    assert str(records["2015-000123-A1"].occurred_on) == "2015-01-01"
    report = UploadReport.model_validate(adapters.quarantine.get_json(summary["report_key"]))
    assert (report.rows_accepted, report.finding_known_on, report.findings_dated_by_mapping) == (2, "upload_date", 2)
