"""Upload reports are readable after the fact, through the CLI, from the agency's quarantine bucket."""

from __future__ import annotations

import boto3
import pytest

from eis_core.ingest import UploadedObject
from eis_core.ingest.wiring import aws_ingest
from eis_tools.local.cli import main
from eis_tools.local.resources import LocalAgency, LocalSettings

ROSTER = (
    "source_record_id,officer_id,first_name,last_name,rank,unit,hire_date\n"
    "r-1,A100,Pat,Doe,Police Officer,Patrol,2015-03-01\n"
    "r-2,A200,Sam,Roe,Sergeant,Patrol,not-a-date\n"
)


def test_a_report_and_its_quarantine_file_can_be_read_with_the_cli(
    settings: LocalSettings, moto_agency: LocalAgency, capsys: pytest.CaptureFixture[str]
) -> None:
    s3 = boto3.client("s3")
    put = s3.put_object(Bucket=settings.uploads_bucket, Key="incoming/roster/r.csv", Body=ROSTER.encode())
    upload = UploadedObject(
        bucket=settings.uploads_bucket, key="incoming/roster/r.csv", etag=put["ETag"], version_id=put.get("VersionId")
    )
    report = aws_ingest(settings, actor="test").ingest(upload)

    assert main(["upload", "report", report.upload_id, "--bucket", settings.quarantine_bucket]) == 0
    assert f'"upload_id": "{report.upload_id}"' in capsys.readouterr().out
    assert main(["upload", "report", report.upload_id, "--bucket", settings.quarantine_bucket, "--quarantine"]) == 0
    assert "3,hire_date,not-a-date," in capsys.readouterr().out
    assert main(["upload", "list", "--bucket", settings.quarantine_bucket]) == 0
    assert "1 accepted, 1 quarantined" in capsys.readouterr().out
    assert main(["upload", "report", "nope", "--bucket", settings.quarantine_bucket]) == 1
