"""What rebuilding the frames snapshot costs per record: `python tests/benchmarks/bench_frames.py --officers 2000`.

Generates an agency, serialises its records as the records table stores them (JSON bodies), then
times parsing them back into validated records and building both scoring frames, and the snapshot
write and read. Rebuilding is what the ``curate`` job does once per change to the records; the daily
run then reads the snapshot. Reading the records table itself (a DynamoDB scan) is not included.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from eis_core.indicators.history import build_frames
from eis_core.indicators.snapshot import frames_from_bytes, frames_to_bytes
from eis_core.storage.codec import record_body, record_from_body
from eis_tools.local.cli_scoring import generated_records


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--officers", type=int, default=2000)
    args = parser.parse_args()
    generated = generated_records("bench", args.officers, 7, date(2014, 1, 1), date(2023, 12, 31))
    bodies = [(record.kind, record_body(record)) for record in generated]
    n = len(bodies)

    t0 = time.monotonic()
    records = [record_from_body(kind, body) for kind, body in bodies]
    parse = time.monotonic() - t0
    t0 = time.monotonic()
    events, history = build_frames(records)
    build = time.monotonic() - t0
    t0 = time.monotonic()
    blob = frames_to_bytes(events, history)
    write = time.monotonic() - t0
    t0 = time.monotonic()
    frames_from_bytes(blob)
    read = time.monotonic() - t0

    per_record = (parse + build) / n * 1e6
    print(f"{n:,} records: parse {parse:.1f}s + build frames {build:.1f}s = {per_record:.1f} µs a record")
    print(f"  -> rebuilding from 5,000,000 records: about {per_record * 5:.0f}s of CPU (scan not included)")
    print(f"snapshot: {len(blob) / 1e6:.1f} MB, written in {write:.2f}s, read in {read:.2f}s")


if __name__ == "__main__":
    main()
