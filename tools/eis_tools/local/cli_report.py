"""``eis report efficacy`` and ``eis report public``: oversight reports (``eis_core.reports``).

``efficacy``: the efficacy report of an agency's cases and records (``eis_core.reports.efficacy``).
``public``: the public aggregate report of a year or quarter (``eis_core.reports.public``), written to
the ``public/`` prefix of the agency's public-reports bucket (and to ``--out``, when given).
"""

from __future__ import annotations

import argparse
import os
from datetime import UTC, date, datetime
from typing import Any

from eis_core.storage.schema import AgencyResources, Bucket, Table
from eis_tools.local.cli_trends import add_trends_command


def _efficacy(args: argparse.Namespace) -> int:
    import boto3

    from eis_core.reports.efficacy import agency_efficacy, format_report
    from eis_core.storage.dynamodb import DynamoCaseStore, DynamoRecordStore
    from eis_tools.local.stack import LOCAL_ACCOUNT, LOCAL_REGION

    resources = AgencyResources(
        agency_id=args.agency, account=args.account or LOCAL_ACCOUNT, region=args.region or LOCAL_REGION
    )
    options: dict[str, Any] = {"region_name": resources.region}
    endpoint = args.endpoint or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        options["endpoint_url"] = endpoint
    client = boto3.session.Session().client("dynamodb", **options)
    as_of = date.fromisoformat(args.as_of) if args.as_of else datetime.now(UTC).date()
    report = agency_efficacy(
        DynamoCaseStore(client, resources.table(Table.CASES)),
        DynamoRecordStore(client, resources.table(Table.RECORDS)),
        as_of=as_of,
    )
    print(format_report(report))
    return 0


def _public(args: argparse.Namespace) -> int:
    from pathlib import Path

    from eis_core.reports.public import (
        Period,
        PublicInputs,
        load_inputs,
        public_reports,
        publish,
        published_documents,
    )
    from eis_core.storage.ports import ArtifactStore

    try:
        period = Period.parse(args.period)
    except ValueError as error:
        print(f"eis report public: {error}")
        return 2
    generated_on = date.fromisoformat(args.as_of) if args.as_of else datetime.now(UTC).date()
    store: ArtifactStore
    if args.chicago:
        # Three years back: complaints received earlier and decided in the period count as closed in it.
        inputs, store = _chicago_inputs(Path(args.chicago), since=period.year - 3)
        agency = args.agency if args.agency != "demo" else "chicago-demo"
    else:
        import boto3

        from eis_core.storage.dynamodb import DynamoAlertStore, DynamoCaseStore, DynamoRecordStore
        from eis_core.storage.s3 import S3ArtifactStore
        from eis_tools.local.stack import LOCAL_ACCOUNT, LOCAL_REGION

        agency = args.agency
        resources = AgencyResources(
            agency_id=agency, account=args.account or LOCAL_ACCOUNT, region=args.region or LOCAL_REGION
        )
        options: dict[str, Any] = {"region_name": resources.region}
        endpoint = args.endpoint or os.environ.get("AWS_ENDPOINT_URL")
        if endpoint:
            options["endpoint_url"] = endpoint
        session = boto3.session.Session()
        dynamodb = session.client("dynamodb", **options)
        inputs = load_inputs(
            DynamoRecordStore(dynamodb, resources.table(Table.RECORDS)),
            DynamoAlertStore(dynamodb, resources.table(Table.ALERTS)),
            DynamoCaseStore(dynamodb, resources.table(Table.CASES)),
        )
        store = S3ArtifactStore(session.client("s3", **options), resources.bucket(Bucket.PUBLIC_REPORTS))
    assert isinstance(inputs, PublicInputs)
    # Counts this year's earlier reports showed stay public: the new ones are suppressed around them.
    earlier = published_documents(store, period.year)
    family = public_reports(inputs, period.year, agency_id=agency, generated_on=generated_on, published=earlier)
    chosen = [period.label] + ([q.label for q in period.family()[1:]] if args.all_quarters else [])
    for label in chosen:
        report = family[label]
        keys = publish(report, store)
        print(format_public(report))
        print("\nwritten: " + ", ".join(keys) + "\n")
        if args.out:
            folder = Path(args.out) / report.period
            folder.mkdir(parents=True, exist_ok=True)
            for key in keys:
                (folder / key.rsplit("/", 1)[-1]).write_bytes(store.get_bytes(key))
            print(f"copied to {folder}\n")
    return 0


def _chicago_inputs(raw: Any, *, since: int) -> tuple[Any, Any]:
    """Chicago's records from ``since`` on, through the export and the ingest service on in-memory stores."""
    import tempfile
    from pathlib import Path

    from eis_core.reports.public import load_inputs
    from eis_core.storage.memory import InMemoryArtifactStore
    from eis_tools.local.cli_chicago import ingest_export, memory_uploader, print_reconciliation, store_mapping
    from eis_tools.sources import chicago

    with tempfile.TemporaryDirectory(prefix="eis-chicago-") as scratch:
        manifest = chicago.export_chicago(raw, Path(scratch), since=since)
        with memory_uploader() as (upload, adapters):
            store_mapping(adapters)
            print_reconciliation(ingest_export(manifest, Path(scratch), upload, adapters))
            return load_inputs(adapters.records, adapters.alerts, adapters.cases), InMemoryArtifactStore()


def format_public(report: Any) -> str:
    """The report as plain text: its message, then each table (S: suppressed)."""
    from eis_core.reports.public import SUPPRESSED

    lines = [f"Public report {report.period} for {report.agency_id} ({report.status})", report.message, *report.notes]
    shown = {SUPPRESSED: "S", "unknown": "unknown", "not_applicable": "n/a"}
    for table in report.tables:
        lines += ["", table.title]
        widths = [max(len(table.row_header), *(len(r.label) for r in table.rows))] + [
            max(10, len(c.column_id)) for c in table.columns
        ]
        lines.append(
            table.row_header.ljust(widths[0])
            + "".join(c.column_id.rjust(w + 1) for c, w in zip(table.columns, widths[1:], strict=True))
        )
        for row in table.rows:
            cells = [
                shown.get(row.cells[c.column_id].status) or f"{row.cells[c.column_id].value:g}" for c in table.columns
            ]
            lines.append(
                row.label.ljust(widths[0]) + "".join(v.rjust(w + 1) for v, w in zip(cells, widths[1:], strict=True))
            )
    return "\n".join(lines)


def add_report_commands(commands: Any) -> None:
    report = commands.add_parser("report", help="oversight reports")
    report_commands = report.add_subparsers(dest="report_command", required=True)
    efficacy = report_commands.add_parser(
        "efficacy",
        help="indicator event rates after each intervention type against before, beside cases closed without one",
    )
    efficacy.add_argument("--agency", default="demo")
    efficacy.add_argument("--as-of", help="report date (default today)")
    efficacy.add_argument("--endpoint", help="AWS endpoint (default $AWS_ENDPOINT_URL: the local stack)")
    efficacy.add_argument("--account", help="AWS account of the agency's stack (default the local one)")
    efficacy.add_argument("--region", help="AWS region of the agency's stack (default the local one)")
    efficacy.set_defaults(run=_efficacy)

    public = report_commands.add_parser(
        "public",
        help="the public aggregate report of a year or quarter (small counts suppressed), to the public-reports bucket",
    )
    public.add_argument("--agency", default="demo")
    public.add_argument("--period", required=True, help="a year (2025) or a quarter (2025-Q3)")
    public.add_argument("--as-of", help="the report's date (default today); a period not ended by then is provisional")
    public.add_argument("--out", help="also copy the files to this folder (<out>/<period>/)")
    public.add_argument(
        "--all-quarters",
        action="store_true",
        help="with a year: publish its four quarters too (always suppressed together with the year)",
    )
    public.add_argument(
        "--chicago",
        metavar="RAW",
        help="report on the Chicago records in RAW (e.g. ../shared/data-raw/chicago) from 3 years before the "
        "period on, exported and ingested on in-memory stores, instead of an agency's stack",
    )
    public.add_argument("--endpoint", help="AWS endpoint (default $AWS_ENDPOINT_URL: the local stack)")
    public.add_argument("--account", help="AWS account of the agency's stack (default the local one)")
    public.add_argument("--region", help="AWS region of the agency's stack (default the local one)")
    public.set_defaults(run=_public)
    add_trends_command(report_commands)
