"""Chicago's public records as agency `chicago-demo`, through the ingest function on moto, reconciled.

A sample (officers whose latest unit is District 007, events from 2012 on) is exported the way
Chicago's records system would, each extract is PUT into the uploads bucket and S3's event is
delivered to the ingest handler, with the Chicago mapping stored where ingest reads it.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import ModuleType

import boto3
import pandas as pd
import pytest
from moto import mock_aws

from eis_core.ingest.contract import UPLOAD_PREFIX
from eis_core.models.records import AllegationCategory, Complaint, Finding, RecordKind, UseOfForce
from eis_core.models.uploads import UploadReport
from eis_core.storage.schema import AgencyResources, Bucket, Table
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.cli_chicago import Uploader, ingest_export, store_mapping
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalAgency, LocalSettings, create_agency_resources
from eis_tools.local.runtime import s3_put_event
from eis_tools.sources import chicago
from tests.conftest import ACCOUNT, CHICAGO, REGION

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(
        not (CHICAGO / chicago.RAW_FILES["accused"]).exists(),
        reason=f"the CPDP 2018 release is not at {CHICAGO} (see shared/data-raw/chicago/README.md)",
    ),
]

SAMPLE_UNITS = ["007"]
SAMPLE_SINCE = 2012
FUNCTION_NAME = "eis-chicago-demo-ingest"
FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    "POWERTOOLS_TRACE_DISABLED": "1",
    "POWERTOOLS_METRICS_NAMESPACE": "EIS",
    "POWERTOOLS_SERVICE_NAME": "eis-test",
    "POWERTOOLS_LOG_LEVEL": "WARNING",
}

# Every reason a sample row may be quarantined for: data-quality problems in the public release.
EXPECTED_REASONS = (
    "a value is required (the cell is empty)",  # no closed date on discipline, no member action
    "is before the officer's hire date",
    "known_on is before occurred_on",  # a lawsuit incident after its filing year
    "separation_date is before hire_date",
)


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[chicago.ExportManifest, Path]:
    folder = tmp_path_factory.mktemp("chicago-demo")
    manifest = chicago.export_chicago(CHICAGO, folder, since=SAMPLE_SINCE, units=SAMPLE_UNITS)
    return manifest, folder


@dataclass(frozen=True)
class Ingested:
    """What the sample's run left behind: the reconciliations and what the stores hold."""

    reconciliations: list[chicago.Reconciliation]
    complaints: dict[str, Complaint]
    force_reports: list[UseOfForce]
    records_table_dump: str


def upload_through_handler(handler: ModuleType, agency: LocalAgency, adapters: Adapters) -> Uploader:
    """PUT the extract where an agency would and deliver S3's event to the ingest function."""
    s3 = boto3.client("s3")
    bucket = agency.resources.bucket(Bucket.UPLOADS)

    def upload(path: Path, kind: RecordKind) -> UploadReport:
        key = f"{UPLOAD_PREFIX}{kind.value}/{path.name}"
        body = path.read_bytes()
        put = s3.put_object(Bucket=bucket, Key=key, Body=body)
        event = s3_put_event(
            bucket=bucket, key=key, size=len(body), etag=put["ETag"], version_id=put["VersionId"], region=REGION
        )
        [summary] = handler.lambda_handler(event, LocalLambdaContext(function_name=FUNCTION_NAME))["reports"]
        return UploadReport.model_validate(adapters.quarantine.get_json(summary["report_key"]))

    return upload


@pytest.fixture(scope="module")
def ingested(export: tuple[chicago.ExportManifest, Path]) -> Iterator[Ingested]:
    """Given the sample exported and each extract uploaded through the ingest function on moto, once."""
    manifest, folder = export
    resources = AgencyResources(agency_id=chicago.AGENCY_ID, account=ACCOUNT, region=REGION)
    eis_logger = logging.getLogger("eis_core")
    saved = (eis_logger.handlers[:], eis_logger.propagate, eis_logger.level)
    with pytest.MonkeyPatch.context() as env, mock_aws():
        # Module scope runs before the autouse per-test guard: the same fake credentials, set here.
        for name, value in FAKE_AWS_ENV.items():
            env.setenv(name, value)
        for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_USE_FIPS_ENDPOINT"):
            env.delenv(name, raising=False)
        env.setenv("AWS_LAMBDA_FUNCTION_NAME", FUNCTION_NAME)
        from functions.ingest import handler  # after the environment: Powertools reads it on import

        agency = create_agency_resources(
            boto3.Session(region_name=REGION), resources, sender_email="eis-noreply@chicago-demo.example.gov"
        )
        for name, value in agency.environment().items():
            env.setenv(name, value)
        adapters = aws_adapters(LocalSettings.from_env(os.environ))
        handler._service.cache_clear()
        try:
            store_mapping(adapters)
            reconciliations = ingest_export(
                manifest, folder, upload_through_handler(handler, agency, adapters), adapters
            )
            complaints = {
                r.source_record_id: r
                for r in adapters.records.iter_records(RecordKind.COMPLAINT)
                if isinstance(r, Complaint)
            }
            force = [r for r in adapters.records.iter_records(RecordKind.USE_OF_FORCE) if isinstance(r, UseOfForce)]
            paginator = boto3.client("dynamodb").get_paginator("scan")
            dump = json.dumps([page["Items"] for page in paginator.paginate(TableName=resources.table(Table.RECORDS))])
        finally:
            handler._service.cache_clear()
            eis_logger.handlers[:], eis_logger.propagate = saved[0], saved[1]
            eis_logger.setLevel(saved[2])
    yield Ingested(reconciliations, complaints, force, dump)


def test_every_exported_row_is_accepted_or_quarantined_and_every_raw_row_is_accounted_for(
    ingested: Ingested,
) -> None:
    assert [r.kind for r in ingested.reconciliations] == list(chicago.EXPORT_KINDS)
    for result in ingested.reconciliations:
        # Then no file is rejected, and raw rows = exported + skipped; exported = read = accepted + quarantined
        assert not result.rejected, f"{result.kind}: {result.rejection_reason}"
        assert result.source_rows == result.exported_rows + sum(result.skipped.values())
        assert result.exported_rows == result.rows_read == result.rows_accepted + result.rows_quarantined
        assert result.rows_accepted > 0
        assert result.balanced


def test_rows_are_quarantined_only_for_the_known_data_quality_problems(ingested: Ingested) -> None:
    unexpected = {
        f"{result.kind.value}: {reason}"
        for result in ingested.reconciliations
        for reason in result.quarantine_reasons
        if not any(expected in reason for expected in EXPECTED_REASONS)
    }
    assert not unexpected
    # Complaints whose dates the export corrected (counted in its manifest) are ingested, not quarantined.
    complaints = next(r for r in ingested.reconciliations if r.kind is RecordKind.COMPLAINT)
    assert complaints.repaired.get(chicago.CLOSED_WITHOUT_FINDING, 0) > 0
    assert not any("finding_decided_on" in reason for reason in complaints.quarantine_reasons)


def test_civilian_columns_are_dropped_by_name_and_none_of_their_values_is_stored(
    ingested: Ingested, export: tuple[chicago.ExportManifest, Path]
) -> None:
    for result in ingested.reconciliations:
        assert set(chicago.CIVILIAN_COLUMNS[result.kind]) <= set(result.dropped_columns)
        assert result.civilian_columns_kept == []
    # And no plaintiff name or complaint street reaches the records table
    manifest, folder = export
    lawsuits = pd.read_csv(folder / manifest.kinds[RecordKind.LAWSUIT].file, dtype=str, keep_default_na=False)
    complaints = pd.read_csv(folder / manifest.kinds[RecordKind.COMPLAINT].file, dtype=str, keep_default_na=False)
    civilian_values = {v for v in [*lawsuits.plantiff, *complaints.add2] if len(v.strip()) > 6}
    assert civilian_values
    assert not [value for value in civilian_values if value.strip() in ingested.records_table_dump]


def test_a_sustained_finding_is_sustained_from_its_closed_date_and_force_is_classified(
    ingested: Ingested, export: tuple[chicago.ExportManifest, Path]
) -> None:
    manifest, folder = export
    rows = pd.read_csv(folder / manifest.kinds[RecordKind.COMPLAINT].file, dtype=str, keep_default_na=False)
    sustained = rows[rows.final_finding.eq("SU") & rows.closed_date.ne("") & rows.complaint_code.ne("")]
    complaints = ingested.complaints
    stored = [
        complaints[f"{row.cr_id}-{row.UID}"] for row in sustained.itertuples() if f"{row.cr_id}-{row.UID}" in complaints
    ]
    assert stored
    assert all(record.finding is Finding.SUSTAINED for record in stored)
    first = stored[0]
    source = sustained[(sustained.cr_id + "-" + sustained.UID) == first.source_record_id].iloc[0]
    assert first.finding_decided_on == date.fromisoformat(source.closed_date)
    assert first.known_on == date.fromisoformat(source.complaint_date)
    # Before its closed date the finding is still pending, as the agency knew it then
    assert first.finding_as_of(first.finding_decided_on) is Finding.PENDING
    # And excessive-force allegations (CR category family 05) are identified as such
    force_codes = rows[rows.complaint_code.str.startswith("05A")]
    force = [complaints[f"{r.cr_id}-{r.UID}"] for r in force_codes.itertuples() if f"{r.cr_id}-{r.UID}" in complaints]
    assert force and all(record.category is AllegationCategory.EXCESSIVE_FORCE for record in force)
    # And a TRR's subject injury flag is carried
    reports = ingested.force_reports
    assert any(r.subject_injured for r in reports) and not all(r.subject_injured for r in reports)
