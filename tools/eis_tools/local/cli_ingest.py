"""`eis mapping ...` and `eis upload ...`: check an agency mapping locally, read upload reports."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from eis_core.models.records import RecordKind


def _load_mapping_file(path: str | None, agency: str) -> Any:
    from eis_core.ingest.mapping import identity_mapping, parse_mapping

    if path is None:
        return identity_mapping(agency)
    return parse_mapping(Path(path).read_bytes(), source=path)


def _mapping_check(args: argparse.Namespace) -> int:
    from eis_core.errors import ValidationFailed
    from eis_core.ingest.preview import preview_file

    try:
        mapping = _load_mapping_file(args.mapping, args.agency)
    except ValidationFailed as error:
        print(f"mapping: {error}", file=sys.stderr)
        return 2
    path = Path(args.file)
    kind = RecordKind(args.kind) if args.kind else mapping.kind_for_file(path.name)
    if kind is None:
        print(f"{path.name}: give --kind (no file_patterns in the mapping match this name)", file=sys.stderr)
        return 2
    preview = preview_file(path, mapping, kind=kind, rows=args.rows)
    print(f"{path.name}: {kind.value}, mapping version {preview.mapping_version}, encoding {preview.encoding}")
    if preview.rejection:
        print(f"REJECTED  {preview.rejection}")
        return 1
    for name, column in preview.columns.items():
        print(f"  {column:>28} -> {name}")
    print(f"  dropped (never read): {', '.join(preview.dropped) or 'none'}")
    for row in preview.rows:
        if row.record is not None:
            print(f"line {row.line}: ok {json.dumps(row.record, sort_keys=True)}")
        for problem in row.problems:
            shown = f" = '{problem.value}'" if problem.value else ""
            print(f"line {row.line}: QUARANTINED {problem.column}{shown}: {problem.reason}")
    good = sum(1 for row in preview.rows if row.record is not None)
    print(f"{good} of {len(preview.rows)} previewed rows valid (roster checks and file gates apply at upload)")
    return 0 if preview.ok else 1


def _mapping_schema(args: argparse.Namespace) -> int:
    from eis_core.ingest.mapping import mapping_json_schema

    print(json.dumps(mapping_json_schema(), indent=2))
    return 0


def _reports(args: argparse.Namespace) -> Any:
    import boto3

    from eis_core.storage.s3 import S3ArtifactStore
    from eis_core.upload_reports import UploadReports

    bucket = args.bucket or os.environ.get("EIS_QUARANTINE_BUCKET")
    if not bucket:
        raise SystemExit("give --bucket (the agency's quarantine bucket) or set EIS_QUARANTINE_BUCKET")
    return UploadReports(S3ArtifactStore(boto3.client("s3"), bucket))


def _upload_report(args: argparse.Namespace) -> int:
    from eis_core.errors import NotFoundError

    reports = _reports(args)
    try:
        if args.quarantine:
            sys.stdout.write(reports.quarantine_csv(args.upload_id).decode())
        else:
            print(reports.get(args.upload_id).model_dump_json(indent=2))
    except NotFoundError as error:
        print(str(error), file=sys.stderr)
        return 1
    return 0


def _upload_list(args: argparse.Namespace) -> int:
    for report in _reports(args).list(limit=args.limit):
        outcome = (
            f"REJECTED {report.rejection_code}"
            if report.rejected
            else (
                f"{report.rows_accepted} accepted, {report.rows_quarantined} quarantined, {report.retracted} retracted"
            )
        )
        print(f"{report.upload_id}  {report.started_at:%Y-%m-%d %H:%M}  {report.key}  {outcome}")
    return 0


def add_ingest_commands(subparsers: Any) -> None:
    """Adds `mapping check|schema` and `upload report|list` to the `eis` parser."""
    mapping = subparsers.add_parser("mapping", help="an agency's column/code mapping for its extracts")
    mapping_commands = mapping.add_subparsers(dest="mapping_command", required=True)
    check = mapping_commands.add_parser("check", help="preview a file mapped and validated; writes nothing")
    check.add_argument("file", help="a local extract (.csv, .csv.gz, .jsonl, .xlsx)")
    check.add_argument("--mapping", help="mapping JSON (default: the identity mapping, canonical columns)")
    check.add_argument("--kind", choices=[kind.value for kind in RecordKind], help="default: from file_patterns")
    check.add_argument("--rows", type=int, default=20, help="rows to preview (default %(default)s)")
    check.add_argument("--agency", default="demo", help="agency id for the identity mapping")
    check.set_defaults(run=_mapping_check)
    schema = mapping_commands.add_parser("schema", help="print the mapping document's JSON Schema")
    schema.set_defaults(run=_mapping_schema)

    upload = subparsers.add_parser("upload", help="reports of uploaded extracts")
    upload_commands = upload.add_subparsers(dest="upload_command", required=True)
    report = upload_commands.add_parser("report", help="print one upload's report (or its quarantine file)")
    report.add_argument("upload_id")
    report.add_argument("--bucket", help="quarantine bucket (default: $EIS_QUARANTINE_BUCKET)")
    report.add_argument("--quarantine", action="store_true", help="print the quarantine CSV instead")
    report.set_defaults(run=_upload_report)
    listing = upload_commands.add_parser("list", help="recent upload reports, newest first")
    listing.add_argument("--bucket", help="quarantine bucket (default: $EIS_QUARANTINE_BUCKET)")
    listing.add_argument("--limit", type=int, default=20)
    listing.set_defaults(run=_upload_list)
