"""Cold import of the case API handler against the dependencies it cannot avoid.

Each measurement is a fresh interpreter (``python -X importtime`` would add its own overhead, so the
import is timed with ``perf_counter`` inside the child). The case API must stay light: its cold start
is a person waiting in the portal. Prints the medians and their ratio; the goal is at most 1.15.

    .venv/bin/python tests/benchmarks/bench_cold_import.py --runs 9
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HANDLER = "import functions.cases_api.handler"
# What any Powertools REST handler with tracing and pydantic models imports anyway.
UNAVOIDABLE = "import boto3, aws_lambda_powertools.event_handler, aws_xray_sdk.core, pydantic"
TIMER = "import time; t = time.perf_counter(); {statement}; print(time.perf_counter() - t)"


def cold_import_seconds(statement: str) -> float:
    """Seconds to run ``statement`` in a fresh interpreter (bytecode already cached, as in a layer)."""
    result = subprocess.run(
        [sys.executable, "-c", TIMER.format(statement=statement)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "POWERTOOLS_TRACE_DISABLED": "1", "PYTHONPATH": str(ROOT)},
    )
    return float(result.stdout.strip().splitlines()[-1])


def median_ratio(runs: int) -> tuple[float, float, float]:
    cold_import_seconds(HANDLER)  # warm the bytecode caches once
    handler, base = [], []
    for _ in range(runs):  # interleaved, so machine load affects both alike
        handler.append(cold_import_seconds(HANDLER))
        base.append(cold_import_seconds(UNAVOIDABLE))
    h, b = statistics.median(handler), statistics.median(base)
    return h, b, h / b


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    h, b, ratio = median_ratio(args.runs)
    print(f"case API handler {h * 1000:.0f} ms, unavoidable dependencies {b * 1000:.0f} ms: ratio {ratio:.2f}")


if __name__ == "__main__":
    main()
