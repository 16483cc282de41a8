"""Memory each case-API request leaves behind on the local stack, per route, measured with tracemalloc.

    .venv/bin/python tests/benchmarks/bench_request_memory.py --requests 200 --officers 200
    .venv/bin/python tests/benchmarks/bench_request_memory.py --routes alerts --top 15   # where it goes

Starts the local stack in this process (moto's server on 127.0.0.1, as ``eis demo`` does), stores a
generated agency's roster and alerts, and invokes the case API handler in process with API Gateway
events. For each route: warm up, take a tracemalloc snapshot, send N requests, collect garbage, take
another, and report the bytes retained per request and the allocation sites that grew most.
Every request writes an audit item into moto, so about the size of one audit item per request is
expected; anything more grows without bound in a long-running local stack.
"""

from __future__ import annotations

import argparse
import copy
import gc
import json
import sys
import tracemalloc
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # tests.builders
EVENT = ROOT / "tests" / "events" / "apigw_list_alerts.json"


def report(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def seed(officers: int) -> list[str]:
    """A roster of ``officers`` under one sergeant, with one new alert each; returns the officer ids."""
    import os

    from eis_core.wiring import aws_adapters
    from eis_tools.local.resources import LocalSettings
    from tests import builders

    adapters = aws_adapters(LocalSettings.from_env(os.environ))
    roster = [builders.officer("S1", supervisor_id=None)] + [
        builders.officer(f"A{n:04d}", supervisor_id="S1") for n in range(officers)
    ]
    adapters.records.put_records(roster, upload_id="bench-roster")
    for officer in roster[1:]:
        adapters.alerts.create_alert(builders.alert(officer.officer_id, as_of=date(2025, 1, 1)))
    return [o.officer_id for o in roster[1:]]


def requester(handler: Any, path: str) -> Callable[[], int]:
    from eis_tools.local.lambda_context import LocalLambdaContext

    base = json.loads(EVENT.read_text())
    base |= {"path": path, "pathParameters": {"proxy": path.lstrip("/")}}
    context = LocalLambdaContext(function_name="bench")

    def send() -> int:
        response = handler.lambda_handler(copy.deepcopy(base), context)
        return int(response["statusCode"])

    return send


def retained_per_request(send: Callable[[], int], *, requests: int, warmup: int, top: int) -> float:
    for _ in range(warmup):
        send()
    gc.collect()
    before = tracemalloc.take_snapshot()
    for _ in range(requests):
        send()
    gc.collect()
    after = tracemalloc.take_snapshot()
    filters = [tracemalloc.Filter(False, tracemalloc.__file__)]
    diff = after.filter_traces(filters).compare_to(before.filter_traces(filters), "traceback")
    grown = sum(d.size_diff for d in diff)
    for stat in diff[:top]:
        report(f"  {stat.size_diff / requests:+9.0f} B/req  {stat.count_diff / requests:+6.1f} blocks/req")
        for line in stat.traceback.format(limit=6)[-12:]:
            report(f"      {line}")
    return grown / requests


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--officers", type=int, default=50)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--routes", nargs="+", default=["alerts", "queue", "officer", "missing"])
    parser.add_argument("--top", type=int, default=0, help="print the N allocation sites that grew most")
    parser.add_argument("--frames", type=int, default=25, help="traceback depth tracemalloc keeps")
    parser.add_argument(
        "--moto-tracking", action="store_true", help="let moto record every model instance (the leak, for comparison)"
    )
    args = parser.parse_args(argv)

    from eis_tools.local.runtime import cold_start
    from eis_tools.local.stack import local_stack

    with local_stack("testville"):
        if args.moto_tracking:
            from eis_tools.local.moto_memory import restore_tracking

            restore_tracking()
        ids = seed(args.officers)
        import functions.cases_api.handler as handler

        cold_start(handler)
        paths = {"alerts": "/alerts", "queue": "/queue", "officer": f"/officers/{ids[0]}", "missing": "/nowhere"}
        tracemalloc.start(args.frames)
        for route in args.routes:
            send = requester(handler, paths[route])
            status = send()
            per_request = retained_per_request(send, requests=args.requests, warmup=args.warmup, top=args.top)
            report(
                f"GET {paths[route]:22} -> {status}: {per_request / 1024:7.1f} KB retained per request"
                f" ({args.requests} requests)"
            )
        tracemalloc.stop()


if __name__ == "__main__":
    main()
