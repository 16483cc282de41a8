"""``eis complaints``: complaint timeliness (``eis_core.complaints``) on an agency's stack.

* ``eis complaints timeliness --agency ID [--as-of DATE]``: days to acknowledge and to close, medians for
  the agency and each unit, and how many acknowledgments were late.
* ``eis complaints letters --agency ID [--since DATE] --out DIR``: one acknowledgment letter per complaint
  from the agency's template (``config/letters/acknowledgment.txt`` or ``.html`` in its artifacts bucket),
  named by complaint number. Without ``--since``, a letter for each complaint not yet acknowledged. The
  letters carry no address: the intake unit merges the complainant's, by complaint number, outside the EIS.
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from eis_core.storage.schema import AgencyResources, Bucket, Table


def _stores(args: argparse.Namespace) -> tuple[Any, Any]:
    import boto3

    from eis_core.storage.dynamodb import DynamoRecordStore
    from eis_core.storage.s3 import S3ArtifactStore
    from eis_tools.local.stack import LOCAL_ACCOUNT, LOCAL_REGION

    resources = AgencyResources(
        agency_id=args.agency, account=args.account or LOCAL_ACCOUNT, region=args.region or LOCAL_REGION
    )
    options: dict[str, Any] = {"region_name": resources.region}
    endpoint = args.endpoint or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        options["endpoint_url"] = endpoint
    session = boto3.session.Session()
    records = DynamoRecordStore(session.client("dynamodb", **options), resources.table(Table.RECORDS))
    artifacts = S3ArtifactStore(session.client("s3", **options), resources.bucket(Bucket.ARTIFACTS))
    return records, artifacts


def _holidays(text: str | None) -> frozenset[date]:
    return frozenset(date.fromisoformat(part.strip()) for part in (text or "").split(",") if part.strip())


def _complaints(records: Any) -> list[Any]:
    from eis_core.models.records import Complaint, RecordKind

    return [r for r in records.iter_records(RecordKind.COMPLAINT) if isinstance(r, Complaint)]


def _format_days(value: float | None) -> str:
    return "unknown" if value is None else f"{value:.1f}"


def _timeliness(args: argparse.Namespace) -> int:
    from eis_core.complaints.timeliness import agency_timeliness

    records, _ = _stores(args)
    as_of = date.fromisoformat(args.as_of) if args.as_of else datetime.now(UTC).date()
    agency, units = agency_timeliness(
        _complaints(records), records.roster(), as_of=as_of, within=args.within, holidays=_holidays(args.holidays)
    )
    print(f"Complaint timeliness as of {as_of} (acknowledge within {args.within} business days)")
    print(f"{'group':<28} {'complaints':>10} {'ack':>6} {'late':>6} {'closed':>7} {'med ack':>8} {'med close':>10}")
    for row in (agency, *units):
        print(
            f"{row.group[:28]:<28} {row.complaints:>10} {row.acknowledged:>6} {row.acknowledged_late:>6} "
            f"{row.closed:>7} {_format_days(row.median_days_to_acknowledge):>8} "
            f"{_format_days(row.median_days_to_close):>10}"
        )
    print("Days are calendar days from received to acknowledged and to closed; 'unknown' where none is known.")
    return 0


def _letters(args: argparse.Namespace) -> int:
    from eis_core.complaints.letters import acknowledgment_letters, load_template
    from eis_core.complaints.timeliness import complaint_timings

    records, artifacts = _stores(args)
    today = date.fromisoformat(args.date) if args.date else datetime.now(UTC).date()
    since = date.fromisoformat(args.since) if args.since else None
    template = load_template(artifacts)
    letters = acknowledgment_letters(
        template,
        complaint_timings(_complaints(records), as_of=today),
        letter_date=today,
        agency_name=args.agency_name or args.agency,
        contact=args.contact or "",
        since=since,
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for letter in letters:
        (out / letter.file_name).write_text(letter.body, encoding="utf-8")
    chosen = f"received since {since}" if since else "not yet acknowledged"
    print(f"{len(letters)} acknowledgment letter(s) for complaints {chosen} written to {out} ({template.key})")
    return 0


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--agency", default="demo")
    parser.add_argument("--endpoint", help="AWS endpoint (default $AWS_ENDPOINT_URL: the local stack)")
    parser.add_argument("--account", help="AWS account of the agency's stack (default the local one)")
    parser.add_argument("--region", help="AWS region of the agency's stack (default the local one)")


def add_complaint_commands(commands: Any) -> None:
    complaints = commands.add_parser("complaints", help="complaint timeliness and acknowledgment letters")
    complaint_commands = complaints.add_subparsers(dest="complaints_command", required=True)
    timeliness = complaint_commands.add_parser(
        "timeliness", help="days to acknowledge and to close complaints, for the agency and each unit"
    )
    _common(timeliness)
    timeliness.add_argument("--as-of", help="report date (default today)")
    timeliness.add_argument("--within", type=int, default=5, help="acknowledgment window in business days")
    timeliness.add_argument("--holidays", help="comma-separated holidays (YYYY-MM-DD) that are not business days")
    timeliness.set_defaults(run=_timeliness)
    letters = complaint_commands.add_parser(
        "letters", help="acknowledgment letters from the agency's template, one file per complaint number"
    )
    _common(letters)
    letters.add_argument("--since", help="complaints received on or after this date (default: all unacknowledged)")
    letters.add_argument("--out", default=".eis/letters", help="folder for the letters (default %(default)s)")
    letters.add_argument("--agency-name", help="the agency's name for {{agency_name}} (default the agency id)")
    letters.add_argument("--contact", help="who complainants may contact, for {{contact}}")
    letters.add_argument("--date", help="the letters' date (default today)")
    letters.set_defaults(run=_letters)
