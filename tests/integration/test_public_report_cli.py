"""`eis report public` on moto: the agency's stored records to its public-reports bucket, as the local stack has it."""

from __future__ import annotations

import json
from datetime import date

import boto3

from eis_core.storage.schema import AgencyResources, Bucket
from eis_core.wiring import aws_adapters
from eis_tools.local.cli import main
from eis_tools.local.resources import LocalSettings
from tests import builders


def test_the_report_is_read_from_the_stack_and_written_under_public(
    settings: LocalSettings, resources: AgencyResources, capsys: object
) -> None:
    # Given an agency with 30 officers in two districts, uses of force in 2025 and one alert
    adapters = aws_adapters(settings)
    roster = [
        builders.officer(f"P{n}", last_name=f"Surname{n}", district="North" if n < 20 else "South") for n in range(30)
    ]
    forces = [builders.use_of_force(o.officer_id, date(2025, 1 + n % 12, 3)) for n, o in enumerate(roster * 2)]
    adapters.records.put_records([*roster, *forces], upload_id="u1")
    adapters.alerts.create_alert(builders.alert("P3", as_of=date(2025, 5, 1)))
    bucket = resources.bucket(Bucket.PUBLIC_REPORTS)
    s3 = boto3.client("s3")

    # When the year is reported, and a year without records
    region = ["--account", resources.account, "--region", resources.region, "--as-of", "2026-02-01"]
    assert main(["report", "public", "--agency", resources.agency_id, "--period", "2025", *region]) == 0
    assert main(["report", "public", "--agency", resources.agency_id, "--period", "2031-Q2", *region]) == 0

    # Then both are in the private, versioned public-reports bucket, under public/
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == [
        f"public/{period}/{name}"
        for period in ("2025", "2031-Q2")
        for name in ("dictionary.csv", "report.csv", "report.html", "report.json")
    ]
    report = json.loads(s3.get_object(Bucket=bucket, Key="public/2025/report.json")["Body"].read())
    [summary] = report["tables"]
    total = next(r for r in summary["rows"] if r["label"] == "All districts")
    assert total["cells"]["use_of_force"] == {"value": 60, "status": "published"}
    north = next(r for r in summary["rows"] if r["label"] == "North")
    assert north["cells"]["use_of_force"] == {"value": 40, "status": "published"}
    assert north["cells"]["officers_flagged"]["status"] == "suppressed"  # one alert: a small count
    empty = json.loads(s3.get_object(Bucket=bucket, Key="public/2031-Q2/report.json")["Body"].read())
    assert empty["status"] == "no_data" and empty["tables"] == []
    body = s3.get_object(Bucket=bucket, Key="public/2025/report.html")["Body"].read().decode()
    assert "Surname" not in body and "P3" not in body

    # And a re-run (suppressed around what the first run showed) is a new version of the same object
    assert main(["report", "public", "--agency", resources.agency_id, "--period", "2025", *region]) == 0
    versions = s3.list_object_versions(Bucket=bucket, Prefix="public/2025/report.json")["Versions"]
    assert len(versions) == 2
