"""``eis report efficacy``: the efficacy report of an agency's cases and records (``eis_core.reports.efficacy``)."""

from __future__ import annotations

import argparse
import os
from datetime import UTC, date, datetime
from typing import Any

from eis_core.storage.schema import AgencyResources, Table
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
    add_trends_command(report_commands)
