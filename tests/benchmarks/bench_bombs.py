"""Decompression bombs and padded files through the real IngestService: how long and how much memory each
takes to be rejected under the default read limits (``eis_core.ingest.readers.ReadLimits``).

Run:  .venv/bin/python tests/benchmarks/bench_bombs.py [--only NAME]

Each bomb is built in memory at the scale a tester reported, then ingested in its own child process
(memory adapters), so the peak RSS printed is that process's own: "base" is the RSS with the bomb built
and the service imported, "peak" the maximum while ingesting. Not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import zlib
from collections.abc import Callable

UOF_HEADER = b"source_record_id,officer_id,occurred_on,known_on,force_type\n"


def _deflate(pieces: int, piece: bytes, head: bytes = UOF_HEADER) -> bytes:
    """A gzip of ``head`` then ``piece`` repeated, compressed piece by piece (never held expanded)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip container
    out = [compressor.compress(head)]
    out += [compressor.compress(piece) for _ in range(pieces)]
    out.append(compressor.flush())
    return b"".join(out)


MIB = 1 << 20


def bombs() -> dict[str, Callable[[], tuple[str, bytes, int]]]:
    """name -> a builder of (key, compressed bytes, expanded bytes)."""
    mib = MIB
    return {
        # The tester's: a 190 KB gzip expanding to one 200 MB line.
        "one_huge_line": lambda: ("incoming/use_of_force/line.csv.gz", _deflate(200, b"a" * mib, b""), 200 * mib),
        # The tester's: 19 KB of gzip holding about 19 million blank lines after the header.
        "blank_lines": lambda: ("incoming/use_of_force/blank.csv.gz", _deflate(19, b"\n" * mib), 19 * mib),
        # Blank CSV rows (cells but no values), which a blank-line count must see too.
        "empty_cell_rows": lambda: (
            "incoming/use_of_force/cells.csv.gz",
            _deflate(19, b",,,,\n" * (mib // 5)),
            19 * mib,
        ),
        # Valid-looking rows, all alike, 500 MB from under 1 MB: the expansion ratio stops it.
        "high_ratio": lambda: (
            "incoming/use_of_force/ratio.csv.gz",
            _deflate(500, b"u-1,A100,2025-01-02,2025-01-03,taser\n" * (mib // 37)),
            500 * mib,
        ),
    }


def run_one(name: str) -> dict[str, object]:
    from eis_core.ingest.service import IngestService  # noqa: F401 - imported before the base RSS
    from eis_core.ingest.wiring import ingest_service
    from eis_core.wiring import memory_adapters

    key, body, expanded = bombs()[name]()
    adapters = memory_adapters("bench")
    adapters.uploads.put_bytes(key, body)
    service = ingest_service(adapters, agency_id="bench", actor="bench")
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    report = service.ingest_object(key=key, etag="e", version_id="v")
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "bomb": name,
        "compressed_kb": round(len(body) / 1024, 1),
        "expands_to_mb": expanded >> 20,
        "code": report.rejection_code.value if report.rejection_code else None,
        "applied": report.inserted + report.replaced + report.retracted,
        "seconds": round(seconds, 3),
        "base_rss_mb": round(base / 1024),
        "peak_rss_mb": round(peak / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--only", choices=sorted(bombs()), default=None)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_one(args.child)))
        return
    names = [args.only] if args.only else list(bombs())
    print(f"{'bomb':<16} {'gzip KB':>8} {'expands MB':>10} {'code':<16} {'applied':>7} {'seconds':>8} {'peak MB':>8}")
    for name in names:
        out = subprocess.run(
            [sys.executable, __file__, "--child", name], check=True, capture_output=True, text=True
        ).stdout
        row = json.loads(out.strip().splitlines()[-1])
        print(
            f"{row['bomb']:<16} {row['compressed_kb']:>8} {row['expands_to_mb']:>10} {row['code']!s:<16} "
            f"{row['applied']:>7} {row['seconds']:>8} {row['peak_rss_mb']:>4} (base {row['base_rss_mb']})"
        )


if __name__ == "__main__":
    main()
