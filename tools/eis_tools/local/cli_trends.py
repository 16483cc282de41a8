"""``eis report trends``: the agency trends report as an HTML page, its CSV and JSON, from the local stack or Chicago.

Reads the agency's records, alerts and cases from the local stack's DynamoDB (as ``eis report efficacy``),
or with ``--chicago RAW`` exports the Chicago public records and ingests them through the normal ingest
service on in-memory stores first (``eis chicago ingest --memory``), then builds the report.
"""

from __future__ import annotations

import argparse
import functools
import itertools
import os
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eis_core.storage.schema import AgencyResources, Table

if TYPE_CHECKING:
    from eis_core.models.trends import TrendsReport
    from eis_core.storage.ports import AlertStore, CaseStore, RecordStore
    from eis_core.wiring import Adapters


def _stores(args: argparse.Namespace) -> tuple[RecordStore, AlertStore, CaseStore]:
    import boto3

    from eis_core.storage.dynamodb import DynamoAlertStore, DynamoCaseStore, DynamoRecordStore
    from eis_tools.local.stack import LOCAL_ACCOUNT, LOCAL_REGION

    resources = AgencyResources(
        agency_id=args.agency, account=args.account or LOCAL_ACCOUNT, region=args.region or LOCAL_REGION
    )
    options: dict[str, Any] = {"region_name": resources.region}
    endpoint = args.endpoint or os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        options["endpoint_url"] = endpoint
    client = boto3.session.Session().client("dynamodb", **options)
    return (
        DynamoRecordStore(client, resources.table(Table.RECORDS)),
        DynamoAlertStore(client, resources.table(Table.ALERTS)),
        DynamoCaseStore(client, resources.table(Table.CASES)),
    )


def _chicago_stores(
    raw: Path, since: int | None, *, score: int = 0, as_of: date
) -> tuple[RecordStore, AlertStore, CaseStore]:
    from eis_tools.local.cli_chicago import ingest_export, memory_uploader, store_mapping
    from eis_tools.sources import chicago

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="eis-chicago-") as folder:
        manifest = chicago.export_chicago(raw, Path(folder), since=since)
        with memory_uploader() as (upload, adapters):
            store_mapping(adapters)
            results = ingest_export(manifest, Path(folder), upload, adapters)
    accepted = sum(result.rows_accepted for result in results)
    print(f"Chicago: {accepted} records ingested (export and ingest {time.monotonic() - started:.0f}s)")
    if score:
        _score_monthly(adapters, as_of, score)
    return adapters.records, adapters.alerts, adapters.cases


def _fixed(at: datetime) -> datetime:
    return at


def _score_monthly(adapters: Adapters, as_of: date, months: int) -> None:
    """Score on the first of each of the ``months`` before ``as_of`` (foundation scorer), so alerts exist."""
    from eis_core.dates import add_months
    from eis_core.scoring.wiring import build_scoring_jobs
    from eis_tools.sources import chicago

    started = time.monotonic()
    first = date(as_of.year, as_of.month, 1)
    for back in range(months, 0, -1):
        day = add_months(first, -back)
        at = datetime(day.year, day.month, day.day, 6, tzinfo=UTC)
        jobs = build_scoring_jobs(adapters, agency_id=chicago.AGENCY_ID, clock=functools.partial(_fixed, at))
        summary = jobs.scoring.run(day)
        print(f"scored {day}: {summary.officers_scored} officers, {summary.alerts_created} alerts", flush=True)
    print(f"monthly scoring {time.monotonic() - started:.0f}s")


def _trends(args: argparse.Namespace) -> int:
    from eis_core.reports.trends import TrendsOptions, build_trends
    from eis_core.reports.trends_job import render_all

    as_of = date.fromisoformat(args.as_of) if args.as_of else datetime.now(UTC).date()
    if args.chicago:
        records, alerts, cases = _chicago_stores(Path(args.chicago), args.since, score=args.score_monthly, as_of=as_of)
        agency = "chicago-demo"
    else:
        records, alerts, cases = _stores(args)
        agency = args.agency
    started = time.monotonic()
    report = build_trends(
        records.iter_records(),
        agency_id=agency,
        as_of=as_of,
        generated_at=datetime.now(UTC),
        alerts=alerts.list_alerts(),
        cases=list(itertools.chain(cases.list_open_cases(), cases.closed_cases())),
        options=TrendsOptions(months=args.months, z_threshold=args.z),
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for fmt, body in render_all(report).items():
        path = out / f"trends-{agency}-{as_of.isoformat()}.{fmt.value}"
        path.write_bytes(body)
        print(f"wrote {path} ({len(body):,} bytes)")
    print(f"built in {time.monotonic() - started:.1f}s")
    print(summarise(report))
    return 0


def summarise(report: TrendsReport, *, top: int = 12) -> str:
    """The report's headline figures as text."""
    from eis_core.models.trends import Dimension

    agency = [row for row in report.series if row.dimension is Dimension.AGENCY]
    lines = [
        f"\nAgency {report.agency_id}, {report.months[0]} to {report.months[-1]} (records known before {report.as_of})",
        "exposures sent: " + ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in report.exposures_sent.items()),
        f"force {_total(agency, 'force')}, complaints {_total(agency, 'complaints')}, "
        f"injuries {_total(agency, 'injuries')}; officers on the roster per month "
        f"{min((r.officers for r in agency), default=0)}-{max((r.officers for r in agency), default=0)}",
        f"\n{'month':>8} {'officers':>8} {'force':>6} {'compl.':>6} {'injur.':>6} {'hours':>10} {'overtime':>9}",
    ]
    for r in agency:
        hours = "unknown" if r.hours is None else f"{r.hours:,.0f}"
        overtime = "unknown" if r.overtime_hours is None else f"{r.overtime_hours:,.0f}"
        lines.append(
            f"{r.month:>8} {r.officers:>8} {_text(r.force):>6} {_text(r.complaints):>6} {_text(r.injuries):>6} "
            f"{hours:>10} {overtime:>9}"
        )
    flagged = sorted(report.flagged, key=lambda d: -abs(d.z))
    lines.append(f"\n{len(flagged)} group-months depart from their season (|z| >= {report.z_threshold}); largest:")
    for d in flagged[:top]:
        lines.append(
            f"  {d.dimension.value:>8} {d.group[:28]:<28} {d.month} {d.measure:<34} {d.value:8.2f} "
            f"expected {d.expected:7.2f} sd {d.spread:6.2f} z {d.z:+6.1f}"
        )
    for s in report.spread:
        share = "unknown" if s.overtime_share_top_10pct is None else f"{100 * s.overtime_share_top_10pct:.0f}%"
        lines.append(f"spread {s.scope}: {s.officers} officers, overtime by the top 10%: {share}")
    alerts = sum(a.alerts for a in report.alerts)
    lines.append(f"alerts raised in the period: {alerts}")
    return "\n".join(lines)


def _text(value: int | None) -> str:
    return "unknown" if value is None else str(value)


def _total(rows: list[Any], name: str) -> str:
    values = [getattr(row, name) for row in rows]
    return "unknown" if any(v is None for v in values) else str(sum(values))


def add_trends_command(report_commands: Any) -> None:
    trends = report_commands.add_parser(
        "trends",
        help="monthly force, complaints, injuries, rates, hours and overtime by unit, shift and district, "
        "against their seasons; HTML page, CSV and JSON",
    )
    trends.add_argument("--agency", default="demo")
    trends.add_argument("--as-of", help="report date: the whole months before it (default today)")
    trends.add_argument("--months", type=int, default=12, help="months reported (default %(default)s)")
    trends.add_argument("--z", type=float, default=3.0, help="flag departures at |z| >= this (default %(default)s)")
    trends.add_argument("--out", default=".eis/reports", help="folder for the files (default %(default)s)")
    trends.add_argument("--chicago", metavar="RAW", help="export and ingest the Chicago records from RAW first")
    trends.add_argument("--since", type=int, help="with --chicago: only events from this year on")
    trends.add_argument(
        "--score-monthly",
        type=int,
        default=0,
        metavar="N",
        help="with --chicago: score on the first of each of the N months before --as-of, so alerts exist",
    )
    trends.add_argument("--endpoint", help="AWS endpoint (default $AWS_ENDPOINT_URL: the local stack)")
    trends.add_argument("--account", help="AWS account of the agency's stack (default the local one)")
    trends.add_argument("--region", help="AWS region of the agency's stack (default the local one)")
    trends.set_defaults(run=_trends)
