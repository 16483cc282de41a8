"""Cold import of the case API handler against the dependencies it cannot avoid.

Each measurement is a fresh interpreter timing the import with ``perf_counter`` (``-X importtime``
adds overhead of its own); handler and baseline runs are interleaved so machine load hits both alike,
and the medians are compared. The case API must stay light: its cold start is a person waiting.

Three baselines: the packages as named (``import boto3, aws_lambda_powertools.event_handler,
aws_xray_sdk, pydantic``; pydantic 2 and the X-Ray package import lazily, so this loads little of
them); what a traced handler with pydantic models loads of them in fact (``aws_xray_sdk.core``,
``pydantic.BaseModel``); and every third-party import the handler makes, so that the ratio is the
cost of eis_core and the handler module themselves.

    .venv/bin/python tests/benchmarks/bench_cold_import.py --runs 15
    .venv/bin/python tests/benchmarks/bench_cold_import.py --root /tmp/eis-before   # another checkout
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HANDLER = "import functions.cases_api.handler"
BASELINES = {
    "as named": "import boto3, aws_lambda_powertools.event_handler, aws_xray_sdk, pydantic",
    "as loaded": "import boto3, aws_lambda_powertools.event_handler, aws_xray_sdk.core; from pydantic import BaseModel",
    # Every third-party import the handler makes (Powertools' logger, metrics, tracer and the
    # validating resolver with its parameter types): the difference is eis_core and the handler itself.
    "as used": (
        "import boto3, aws_xray_sdk.core; from pydantic import BaseModel, Field; "
        "from aws_lambda_powertools import Logger, Metrics, Tracer; "
        "from aws_lambda_powertools.event_handler import APIGatewayRestResolver; "
        "from aws_lambda_powertools.event_handler.openapi.params import Path, Query; "
        "APIGatewayRestResolver(enable_validation=True)"
    ),
}
TIMER = "import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"


def cold_import_seconds(statement: str, root: Path = ROOT) -> float:
    """Seconds to run ``statement`` in a fresh interpreter (bytecode already cached, as in a layer)."""
    env = dict(os.environ) | {
        "POWERTOOLS_TRACE_DISABLED": "1",
        "PYTHONPATH": os.pathsep.join([str(root), str(root / "layers" / "eis_core")]),
    }
    result = subprocess.run(
        [sys.executable, "-c", TIMER.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        cwd=root,
        env=env,
    )
    return float(result.stdout.strip().splitlines()[-1])


def measure(runs: int, root: Path = ROOT) -> dict[str, float]:
    """Median seconds of the handler's import and of each baseline."""
    for statement in (HANDLER, *BASELINES.values()):
        cold_import_seconds(statement, root)  # warm the bytecode caches once
    samples: dict[str, list[float]] = {"handler": [], **{name: [] for name in BASELINES}}
    for _ in range(runs):
        samples["handler"].append(cold_import_seconds(HANDLER, root))
        for name, statement in BASELINES.items():
            samples[name].append(cold_import_seconds(statement, root))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--root", type=Path, default=ROOT, help="checkout whose handler to import")
    args = parser.parse_args()
    medians = measure(args.runs, args.root)
    handler = medians["handler"]
    print(f"case API handler: {handler * 1000:.0f} ms (median of {args.runs})")
    for name in BASELINES:
        base = medians[name]
        print(f"unavoidable dependencies {name}: {base * 1000:.0f} ms, ratio {handler / base:.2f}")


if __name__ == "__main__":
    main()
