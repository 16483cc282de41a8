"""`eis chicago export|ingest`: the Chicago public records as agency `chicago-demo`, through the normal upload path.

``export`` plays Chicago's records-system export (``eis_tools.sources.chicago``). ``ingest`` exports,
starts the local stack, stores the agency's mapping where ingest reads it, PUTs each extract into
the uploads bucket and delivers S3's event to the ingest handler, exactly as for any agency; then it
prints each upload report reconciled against the export manifest.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eis_core.models.records import RecordKind
from eis_core.models.uploads import UploadReport

if TYPE_CHECKING:
    from eis_core.wiring import Adapters
    from eis_tools.sources import chicago

DEFAULT_RAW = Path("../shared/data-raw/chicago")

Uploader = Callable[[Path, RecordKind], UploadReport]


def _parse_units(text: str | None) -> list[str] | None:
    return [unit.strip() for unit in text.split(",") if unit.strip()] if text else None


def _export(args: argparse.Namespace) -> int:
    from eis_tools.sources import chicago

    started = time.monotonic()
    manifest = chicago.export_chicago(
        Path(args.raw), Path(args.out), since=args.since, units=_parse_units(args.units), compress=not args.plain
    )
    for export in manifest.kinds.values():
        skipped = ", ".join(f"{count} {reason}" for reason, count in export.skipped.items()) or "none"
        print(
            f"{export.kind.value:>13}  {export.exported_rows:>7} of {export.source_rows:>7} {export.source_table} rows"
            f"  -> {Path(args.out) / export.file}  (skipped: {skipped})"
        )
    print(f"manifest: {Path(args.out) / chicago.MANIFEST_NAME}  ({time.monotonic() - started:.1f}s)")
    return 0


def mapping_document() -> dict[str, Any]:
    from eis_tools.sources import chicago

    document: dict[str, Any] = json.loads(chicago.MAPPING_PATH.read_text())
    return document


def store_mapping(adapters: Adapters) -> None:
    """Put the Chicago mapping and model spec where the ingest and retraining jobs read the agency's own."""
    from eis_core.ingest.mapping import MAPPING_KEY, parse_mapping
    from eis_core.oversight.keys import SPEC_KEY  # not scoring.store: that imports scikit-learn
    from eis_core.scoring.spec import packaged_spec
    from eis_tools.sources import chicago

    document = mapping_document()
    parse_mapping(document, source=str(chicago.MAPPING_PATH))  # a bad mapping fails here, not row by row
    adapters.artifacts.put_json(MAPPING_KEY, document)
    adapters.artifacts.put_json(SPEC_KEY, packaged_spec(chicago.AGENCY_ID).model_dump(mode="json"))


def ingest_export(
    manifest: chicago.ExportManifest, folder: Path, upload: Uploader, adapters: Adapters
) -> list[chicago.Reconciliation]:
    """Upload every extract (roster first) and reconcile each report with the manifest."""
    from eis_tools.sources import chicago

    results = []
    for kind in chicago.EXPORT_KINDS:
        export = manifest.kinds[kind]
        report = upload(folder / export.file, kind)
        reasons: Counter[str] = Counter()
        if report.quarantine_key is not None:
            reasons = chicago.quarantine_reasons(adapters.quarantine.get_bytes(report.quarantine_key))
        results.append(chicago.reconcile(export, report, reasons))
    return results


@contextmanager
def local_stack_uploader() -> Iterator[tuple[Uploader, Adapters]]:
    """The local stack on moto's server: S3 PUT, S3 event, the ingest handler."""
    import os

    from eis_core.settings import IngestSettings
    from eis_core.wiring import aws_adapters
    from eis_tools.local.runtime import LocalRuntime
    from eis_tools.local.stack import local_stack
    from eis_tools.sources import chicago

    with local_stack(chicago.AGENCY_ID) as stack:
        adapters = aws_adapters(IngestSettings.from_env(os.environ), stack.session)
        runtime = LocalRuntime(stack)

        def upload(path: Path, kind: RecordKind) -> UploadReport:
            [summary] = runtime.upload(path, kind)["reports"]
            return UploadReport.model_validate(adapters.quarantine.get_json(summary["report_key"]))

        yield upload, adapters


@contextmanager
def memory_uploader() -> Iterator[tuple[Uploader, Adapters]]:
    """The same ingest service on in-memory stores: for timing full runs without the HTTP hop to moto."""
    import hashlib

    from eis_core.ingest.contract import UPLOAD_PREFIX
    from eis_core.ingest.wiring import ingest_service
    from eis_core.wiring import memory_adapters
    from eis_tools.sources import chicago

    adapters = memory_adapters(chicago.AGENCY_ID)
    service = ingest_service(adapters, agency_id=chicago.AGENCY_ID, actor="eis-chicago-cli")

    def upload(path: Path, kind: RecordKind) -> UploadReport:
        key = f"{UPLOAD_PREFIX}{kind.value}/{path.name}"
        body = path.read_bytes()
        adapters.uploads.put_bytes(key, body)
        return service.ingest_object(key=key, etag=hashlib.md5(body, usedforsecurity=False).hexdigest())

    yield upload, adapters


def print_reconciliation(results: list[chicago.Reconciliation]) -> bool:
    print(
        f"\n{'kind':>13} {'source':>8} {'skipped':>8} {'exported':>8} {'read':>8} {'accepted':>8} "
        f"{'quarant.':>8}  balanced"
    )
    for r in results:
        print(
            f"{r.kind.value:>13} {r.source_rows:>8} {sum(r.skipped.values()):>8} {r.exported_rows:>8} "
            f"{r.rows_read:>8} {r.rows_accepted:>8} {r.rows_quarantined:>8}  {'yes' if r.balanced else 'NO'}"
        )
    for r in results:
        print(f"\n{r.kind.value} ({r.source_table}):")
        if r.rejected:
            print(f"  REJECTED: {r.rejection_reason}")
        for reason, count in r.skipped.items():
            print(f"  skipped by the export  {count:>7}  {reason}")
        for reason, count in r.repaired.items():
            print(f"  corrected by the export {count:>6}  {reason}")
        for reason, count in r.quarantine_reasons.items():
            print(f"  quarantined            {count:>7}  {reason}")
        print(f"  dropped columns: {', '.join(r.dropped_columns) or 'none'}")
        if r.civilian_columns_kept:
            print(f"  CIVILIAN COLUMNS NOT DROPPED: {', '.join(r.civilian_columns_kept)}")
    return all(r.balanced for r in results)


def _ingest(args: argparse.Namespace) -> int:
    from eis_tools.sources import chicago

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="eis-chicago-") as scratch:
        folder = Path(args.out) if args.out else Path(scratch)
        # Gzip only for extracts kept (--out), as an agency uploads them; compressing files read back at once
        # would only cost both sides time (about 1.5 s).
        manifest = chicago.export_chicago(
            Path(args.raw), folder, since=args.since, units=_parse_units(args.units), compress=bool(args.out)
        )
        exported = time.monotonic()
        print(f"Exported {sum(k.exported_rows for k in manifest.kinds.values())} rows in {exported - started:.1f}s")
        stack = memory_uploader() if args.memory else local_stack_uploader()
        where = "in-memory stores" if args.memory else "the local stack (moto server)"
        print(f"Ingesting as agency '{chicago.AGENCY_ID}' on {where} ...", flush=True)
        with stack as (upload, adapters):
            store_mapping(adapters)
            results = ingest_export(manifest, folder, upload, adapters)
        ok = print_reconciliation(results)
    print(f"\nexport {exported - started:.1f}s, ingest {time.monotonic() - exported:.1f}s")
    return 0 if ok else 1


def add_chicago_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """`eis chicago export` and `eis chicago ingest`."""
    group = commands.add_parser("chicago", help="the Chicago public records as agency 'chicago-demo'")
    sub = group.add_subparsers(dest="chicago_command", required=True)

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--raw", default=str(DEFAULT_RAW), help="the CPDP 2018 release (default %(default)s)")
        parser.add_argument("--since", type=int, help="only events from this year on (and officers serving then)")
        parser.add_argument("--units", help="only officers whose latest unit is one of these, e.g. 7,12")

    export = sub.add_parser("export", help="join the raw tables into chicago-demo's extracts and a manifest")
    common(export)
    export.add_argument("--out", required=True, help="folder for the extracts and manifest.json")
    export.add_argument("--plain", action="store_true", help="write .csv instead of .csv.gz")
    export.set_defaults(run=_export)

    ingest = sub.add_parser("ingest", help="export, then upload each extract through the ingest function")
    common(ingest)
    ingest.add_argument("--out", help="keep the extracts in this folder (default: a temporary folder)")
    ingest.add_argument(
        "--memory", action="store_true", help="run the ingest service on in-memory stores instead of the moto server"
    )
    ingest.set_defaults(run=_ingest)
