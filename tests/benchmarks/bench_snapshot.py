"""Latency of GET /officers/{id} in process: `python tests/benchmarks/bench_snapshot.py --officers 300 --calls 200`.

Generates an agency (``eis_tools.generate``), loads it into moto's DynamoDB and S3 in this process,
runs a few monthly scoring runs, then calls the case API handler for random officers as a risk
manager and reports p50/p99 of the whole handler call (authentication, snapshot reads, audit append).
moto answers far slower than DynamoDB per request, so the numbers bound the work, not AWS latency.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import boto3
from moto import mock_aws

from eis_core.scoring.wiring import build_scoring_jobs
from eis_core.storage.schema import AgencyResources
from eis_core.wiring import aws_adapters
from eis_tools.generate import GeneratorConfig, generate_agency
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings, create_agency_resources

EVENT = os.path.join(os.path.dirname(__file__), "..", "events", "apigw_list_alerts.json")


def _fixed(moment: datetime) -> datetime:
    return moment


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--officers", type=int, default=300)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--runs", type=int, default=4)
    args = parser.parse_args()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_METRICS_DISABLED": "1",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
    }.items():
        os.environ[name] = value
    today = datetime.now(UTC).date()
    with mock_aws():
        resources = AgencyResources(agency_id="bench", account="123456789012", region="us-east-1")
        agency = create_agency_resources(
            boto3.Session(region_name="us-east-1"), resources, sender_email="eis@bench.example.gov"
        )
        os.environ.update(agency.environment())
        adapters = aws_adapters(LocalSettings.from_env(os.environ))
        started = time.perf_counter()
        generated = generate_agency(
            GeneratorConfig(agency_id="bench", officers=args.officers, start=date(today.year - 6, 1, 1), end=today)
        )
        records = [record for kind_records in generated.records.values() for record in kind_records]
        adapters.records.put_records(records, upload_id="bench")
        print(f"loaded {len(records)} records in {time.perf_counter() - started:.1f} s")
        for back in range(args.runs - 1, -1, -1):
            month = today.year * 12 + today.month - 1 - back
            as_of = date(month // 12, month % 12 + 1, 1)
            at = datetime(as_of.year, as_of.month, as_of.day, 6, tzinfo=UTC)
            build_scoring_jobs(adapters, agency_id="bench", clock=partial(_fixed, at)).scoring.run(as_of)
        print(f"scored {args.runs} runs; {time.perf_counter() - started:.1f} s so far")

        from functions.cases_api import handler

        template = json.loads(Path(EVENT).read_text())
        template["queryStringParameters"] = template["multiValueQueryStringParameters"] = None
        template["requestContext"]["authorizer"]["claims"]["custom:agency_id"] = "bench"
        officer_ids = [officer.officer_id for officer in generated.officers]
        rng = random.Random(1)
        context = LocalLambdaContext(function_name="eis-bench-cases-api")
        timings: list[float] = []
        sizes: list[int] = []
        for _ in range(args.calls + 5):
            officer_id = rng.choice(officer_ids)
            event = json.loads(json.dumps(template))
            event["path"] = f"/officers/{officer_id}"
            event["pathParameters"] = {"proxy": event["path"].lstrip("/")}
            begin = time.perf_counter()
            response = handler.lambda_handler(event, context)
            timings.append(time.perf_counter() - begin)
            assert response["statusCode"] == 200, response["body"]
            sizes.append(len(response["body"]))
        timings = sorted(timings[5:])  # the first calls warm the roster and peer-statistics caches
        p50 = statistics.median(timings) * 1000
        p99 = timings[min(len(timings) - 1, round(0.99 * len(timings)) - 1)] * 1000
        print(
            f"GET /officers/{{id}} x{len(timings)}: p50 {p50:.1f} ms, p99 {p99:.1f} ms, "
            f"median body {statistics.median(sizes) / 1024:.1f} KiB"
        )


if __name__ == "__main__":
    main()
