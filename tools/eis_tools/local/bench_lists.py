"""Latency of the list routes (``GET /queue``, ``GET /alerts``) in process, on moto, for a generated agency.

    .venv/bin/python -m eis_tools.local.bench_lists --officers 1000 --requests 200

The case API handler is invoked in process with API Gateway events, as the tests do; moto stands in
for DynamoDB, so the numbers compare code paths (queries, pages, filters), not AWS latency.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from eis_core.models.alerts import Alert, AlertLevel, AlertStatus
from eis_core.models.cases import Case
from eis_core.storage.schema import AgencyResources
from eis_core.wiring import aws_adapters
from eis_tools.generate.agency import generate_agency
from eis_tools.generate.config import GeneratorConfig
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings, create_agency_resources

EVENT = Path(__file__).resolve().parents[3] / "tests" / "events" / "apigw_list_alerts.json"


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def report(line: str) -> None:
    """Results on stderr: stdout carries the handler's metric lines."""
    print(line, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--alerts-per-officer", type=int, default=3)
    parser.add_argument("--paths", nargs="+", default=["/queue", "/alerts"])
    args = parser.parse_args(argv)
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_REGION": "us-east-1",
            "POWERTOOLS_TRACE_DISABLED": "1",
            "POWERTOOLS_METRICS_NAMESPACE": "EIS",
            "POWERTOOLS_SERVICE_NAME": "eis-bench",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    rng = random.Random(7)  # noqa: S311 - reproducible data, not a secret
    with mock_aws():
        resources = AgencyResources(agency_id="testville", account="123456789012", region="us-east-1")
        agency = create_agency_resources(
            boto3.Session(region_name="us-east-1"), resources, sender_email="eis@testville.example.gov"
        )
        os.environ.update(agency.environment())
        adapters = aws_adapters(LocalSettings.from_env(os.environ))
        config = GeneratorConfig(
            agency_id="testville", officers=args.officers, start=date(2024, 1, 1), end=date(2025, 6, 30)
        )
        officers = generate_agency(config).officers
        adapters.records.put_records(officers, upload_id="bench-roster")
        today = datetime.now(UTC).date()
        opened = 0
        for officer in officers:
            for run in range(args.alerts_per_officer):
                day = date(2025, 1 + run, 1)
                alert = Alert(
                    alert_id=Alert.legacy_id(officer.officer_id, day),
                    officer_id=officer.officer_id,
                    as_of=day,
                    run_id=f"run-{day}",
                    scoring_config_id="bench",
                    created_at=datetime(day.year, day.month, day.day, 6, tzinfo=UTC),
                    level=AlertLevel.WARNING,
                    score=rng.random(),
                    explanation="Generated for a benchmark.",
                    status=rng.choice([AlertStatus.NEW, AlertStatus.MERGED, AlertStatus.DISMISSED]),
                )
                adapters.alerts.create_alert(alert)
            if rng.random() < 0.3:
                opened += 1
                adapters.cases.create_case(
                    Case(
                        case_id=f"case-{officer.officer_id}",
                        officer_id=officer.officer_id,
                        alert_ids=[],
                        opened_at=datetime.now(UTC),
                        opened_by="bench",
                        supervisor_id=officer.supervisor_id,
                        review_due_on=today + timedelta(days=rng.randint(-20, 20)),
                    )
                )
        supervisors = {o.supervisor_id for o in officers if o.supervisor_id}
        sergeant = next(o for o in officers if o.officer_id in supervisors and o.rank.lower().startswith("serg"))
        from functions.cases_api import handler

        base = json.loads(EVENT.read_text())
        callers = {
            "risk manager": {},
            f"sergeant {sergeant.officer_id}": {
                "custom:officer_id": sergeant.officer_id,
                "cognito:groups": "supervisor",
            },
        }
        report(f"{len(officers)} officers, {len(officers) * args.alerts_per_officer} alerts, {opened} open cases")
        for path in args.paths:
            for who, claims in callers.items():
                samples: list[float] = []
                for _ in range(args.requests):
                    event = copy.deepcopy(base)
                    event |= {"path": path, "pathParameters": {"proxy": path.lstrip("/")}}
                    event["requestContext"]["authorizer"]["claims"].update(claims)
                    started = time.perf_counter()
                    response: dict[str, Any] = handler.lambda_handler(event, LocalLambdaContext(function_name="bench"))
                    samples.append((time.perf_counter() - started) * 1000)
                    assert response["statusCode"] == 200, response["body"]
                report(
                    f"GET {path:7} {who:18} p50 {statistics.median(samples):7.1f} ms"
                    f"  p99 {_percentile(samples, 0.99):7.1f} ms  ({args.requests} requests)"
                )


if __name__ == "__main__":
    main()
