"""Ingest benchmark: a generated N-row use_of_force extract through the real IngestService.

Run:  .venv/bin/python tests/benchmarks/bench_ingest.py [--rows 1000000] [--store memory|null] [--gzip]
      [--dynamodb-rows 20000] [--file PATH [--plain]]

Prints rows per second and peak memory. The file is generated in a child process, so the parent's
peak RSS is the ingest's own. ``--store null`` discards records after validation and hashing, which is
what the Lambda itself holds when the store is DynamoDB (the memory figure to size the function by);
``--store memory`` keeps every record in the in-memory store (more memory, same code path).
``--dynamodb-rows`` also ingests a subset through the DynamoDB adapter on moto (in process), whose rate
is moto's, not DynamoDB's: it shows the adapter path works at volume, not what AWS would do.

Side by side with a bare ``pandas.read_csv`` of the same file (whole processes, alternating A B A B so
a noisy machine affects both alike; compare user + sys seconds and the maximum resident set size):

    .venv/bin/python tests/benchmarks/bench_ingest.py --rows 1000000 --generate /tmp/uof-1m.csv
    for i in 1 2 3; do
      /usr/bin/time -v .venv/bin/python tests/benchmarks/bench_ingest.py --file /tmp/uof-1m.csv
      /usr/bin/time -v .venv/bin/python tests/benchmarks/bench_ingest.py --file /tmp/uof-1m.csv --plain
    done

Not collected by pytest (no ``test_`` prefix).
"""

from __future__ import annotations

import argparse
import gzip
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

OFFICERS = 2000


def generate(path: Path, rows: int, *, compress: bool) -> None:
    """A realistic extract, fast: numpy columns written by pandas, with a civilian column to drop."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(7)
    occurred = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 6 * 365, rows), unit="D")
    known = occurred + pd.to_timedelta(rng.integers(0, 30, rows), unit="D")
    frame = pd.DataFrame(
        {
            "source_record_id": np.char.add("uof-", np.arange(rows).astype(str)),
            "officer_id": np.char.add("P", rng.integers(0, OFFICERS, rows).astype(str)),
            "occurred_on": occurred.strftime("%Y-%m-%d"),
            "known_on": known.strftime("%Y-%m-%d"),
            "force_type": rng.choice(["physical", "takedown", "taser", "oc_spray", "baton"], rows),
            "subject_injured": rng.choice(["true", "false"], rows),
            "officer_injured": rng.choice(["yes", "no"], rows),
            "subject_name": rng.choice(["Jane Roe", "John Doe", "Alex Poe"], rows),
        }
    )
    if compress:
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=1) as handle:
            frame.to_csv(handle, index=False)
    else:
        frame.to_csv(path, index=False)


class FileUploads:
    """An UploadReader over a local folder: streams the file as S3 would."""

    def __init__(self, folder: Path, path: Path | None = None) -> None:
        self._folder = folder
        self._path = path  # every key reads this file, when given

    def open(self, key: str, *, version_id: str | None = None) -> Any:
        return (self._path or self._folder / key).open("rb")


class NullRecordStore:
    """Counts records (hashed, as the real adapters need them) and keeps none."""

    def __init__(self) -> None:
        from eis_core.storage.codec import content_hash

        self._hash = content_hash
        self.written = 0

    def put_records(self, records: Sequence[Any], *, upload_id: str) -> Any:
        from eis_core.storage.ports import WriteSummary

        for record in records:
            self._hash(record)
        self.written += len(records)
        return WriteSummary(inserted=len(records))

    def put_packed(self, kind: Any, rows: Sequence[Any], *, upload_id: str) -> Any:
        """Rows the ingest packed: hashed already, when kept (``RecordCodec.pack``)."""
        from eis_core.storage.ports import WriteSummary

        self.written += len(rows)
        return WriteSummary(inserted=len(rows))

    def iter_records(self, kind: Any = None, *, include_retracted: bool = False) -> Any:
        from eis_core.models.records import RecordKind

        return iter(ROSTER) if kind is RecordKind.ROSTER else iter(())

    def hire_dates(self) -> Any:
        return {officer.officer_id: officer.hire_date for officer in ROSTER}

    def count(self, kind: Any = None) -> int:
        return self.written

    def history(self, kind: Any, source_record_id: str) -> list[Any]:
        return []

    def retract_missing(self, kind: Any, present: Any, *, upload_id: str) -> int:
        return 0

    def count_missing(self, kind: Any, present: Any) -> tuple[int, int]:
        return 0, 0


ROSTER: list[Any] = []


def roster() -> list[Any]:
    from datetime import date

    from eis_core.models.records import Officer

    return [
        Officer(
            source_record_id=f"r-{i}",
            officer_id=f"P{i}",
            first_name="Pat",
            last_name="Doe",
            rank="Officer",
            unit="Patrol",
            hire_date=date(2010, 1, 1),
        )
        for i in range(OFFICERS)
    ]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run(folder: Path, key: str, store: Any, *, path: Path | None = None) -> tuple[Any, float]:
    from eis_core.ingest.service import IngestService
    from eis_core.storage.memory import InMemoryArtifactStore, InMemoryAuditLog

    service = IngestService(
        agency_id="bench",
        uploads=FileUploads(folder, path),
        records=store,
        quarantine=InMemoryArtifactStore(),
        audit=InMemoryAuditLog("bench"),
        actor="bench",
    )
    started = time.perf_counter()
    report = service.ingest_object(key=key, etag="e", version_id="v1")
    return report, time.perf_counter() - started


def dynamodb_rate(folder: Path, key: str, rows: int) -> tuple[int, float]:
    """The first ``rows`` rows through the DynamoDB adapter on moto (in process)."""
    import os

    import boto3
    from moto import mock_aws

    from eis_core.settings import IngestSettings
    from eis_core.storage.schema import AgencyResources
    from eis_core.wiring import aws_adapters
    from eis_tools.local.resources import create_agency_resources

    for name, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        os.environ.setdefault(name, value)
    subset = folder / "subset" / key
    subset.parent.mkdir(parents=True, exist_ok=True)
    with (folder / key).open("rb") as source, subset.open("wb") as target:
        for number, line in enumerate(source):
            if number > rows:
                break
            target.write(line)
    with mock_aws():
        resources = AgencyResources(agency_id="bench", account="123456789012", region="us-east-1")
        agency = create_agency_resources(
            boto3.Session(region_name="us-east-1"), resources, sender_email="bench@example.gov"
        )
        settings = IngestSettings.from_env(agency.environment())
        adapters = aws_adapters(settings)
        adapters.records.put_records(roster(), upload_id="roster")
        report, seconds = run(folder / "subset", key, adapters.records)
        return report.rows_accepted, seconds


def plain(path: Path) -> int:
    """The yardstick: every cell of the extract as text, as ``pandas.read_csv`` reads it."""
    import pandas as pd

    started = time.perf_counter()
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    seconds = time.perf_counter() - started
    print(f"pandas.read_csv: {len(frame):,} rows in {seconds:.1f}s, peak RSS {peak_rss_mb():.0f} MB")
    return 0


def ingest_file(path: Path, store_name: str) -> int:
    """An extract already on disk through the ingest service, as one whole process (for side-by-side runs)."""
    from eis_core.storage.memory import InMemoryRecordStore

    ROSTER.extend(roster())
    store: Any = NullRecordStore() if store_name == "null" else InMemoryRecordStore()
    if store_name == "memory":
        store.put_records(ROSTER, upload_id="roster")
    key = "incoming/use_of_force/" + path.name
    report, seconds = run(path.parent, key, store, path=path)
    print(
        f"store={store_name}: {report.rows_read:,} rows read, {report.rows_accepted:,} accepted, "
        f"{report.rows_quarantined:,} quarantined in {seconds:.1f}s, peak RSS {peak_rss_mb():.0f} MB"
    )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--store", choices=["memory", "null"], default="memory")
    parser.add_argument("--gzip", action="store_true", help="upload a .csv.gz")
    parser.add_argument("--dynamodb-rows", type=int, default=0, help="also time this many rows on moto DynamoDB")
    parser.add_argument("--generate", metavar="PATH", help="only write the --rows extract to PATH and exit")
    parser.add_argument("--file", type=Path, help="ingest this extract (from --generate) instead of a new one")
    parser.add_argument("--plain", action="store_true", help="with --file: only pandas.read_csv it (the yardstick)")
    args = parser.parse_args()
    if args.generate:
        generate(Path(args.generate), args.rows, compress=args.gzip)
        return 0
    if args.plain:
        return plain(args.file)
    if args.file:
        return ingest_file(args.file, args.store)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        key = "incoming/use_of_force/bench.csv" + (".gz" if args.gzip else "")
        path = folder / key
        path.parent.mkdir(parents=True)
        started = time.perf_counter()
        generate_cmd = [sys.executable, __file__, "--rows", str(args.rows), "--generate", str(path)]
        subprocess.run(generate_cmd + (["--gzip"] if args.gzip else []), check=True)
        print(
            f"generated {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f}s"
        )

        from eis_core.storage.memory import InMemoryRecordStore

        ROSTER.extend(roster())
        store: Any = NullRecordStore() if args.store == "null" else InMemoryRecordStore()
        if args.store == "memory":
            store.put_records(ROSTER, upload_id="roster")
        baseline = peak_rss_mb()
        cpu_started = time.process_time()
        report, seconds = run(folder, key, store)
        cpu_seconds = time.process_time() - cpu_started
        print(
            f"store={args.store}: {report.rows_read:,} rows read, {report.rows_accepted:,} accepted, "
            f"{report.rows_quarantined:,} quarantined, rejected={report.rejected}, "
            f"dropped={report.dropped_columns}"
        )
        print(
            f"  {seconds:.1f}s  ->  {report.rows_read / seconds:,.0f} rows/s, {cpu_seconds:.1f} CPU seconds "
            "(validate once, keep the accepted records, then apply them; CPU time is steadier on a busy machine)"
        )
        print(f"  peak RSS {peak_rss_mb():.0f} MB (interpreter and imports before ingest: {baseline:.0f} MB)")
        if args.dynamodb_rows:
            accepted, dynamo_seconds = dynamodb_rate(folder, key, args.dynamodb_rows)
            print(
                f"  moto DynamoDB subset: {accepted:,} rows in {dynamo_seconds:.1f}s -> "
                f"{accepted / dynamo_seconds:,.0f} rows/s (moto in process; AWS is not this)"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
