"""``eis audit verify``: check an agency's audit table and its locked exports; non-zero names the first bad record."""

from __future__ import annotations

import argparse
import os
from typing import Any

from eis_core.storage.schema import AgencyResources, Bucket, Table


def verify_agency(resources: AgencyResources, *, endpoint: str | None = None, key_id: str | None = None) -> Any:
    """``eis_core.audit.archive.verify_audit`` on an agency's audit table, locked bucket and audit key."""
    import boto3

    from eis_core.audit.archive import verify_audit
    from eis_core.storage.dynamodb import DynamoAuditLog
    from eis_core.storage.kms import KmsAuditKey
    from eis_core.storage.s3 import S3ArtifactStore

    options: dict[str, Any] = {"region_name": resources.region}
    if endpoint:
        options["endpoint_url"] = endpoint
    session = boto3.session.Session()
    log = DynamoAuditLog(
        session.client("dynamodb", **options),
        resources.table(Table.AUDIT),
        chain=resources.agency_id,
        key=KmsAuditKey(session.client("kms", **options), key_id or resources.audit_key_alias),
    )
    archive = S3ArtifactStore(session.client("s3", **options), resources.bucket(Bucket.AUDIT))
    return verify_audit(log, archive, resources.agency_id)


def _verify(args: argparse.Namespace) -> int:
    from eis_tools.local.stack import LOCAL_ACCOUNT, LOCAL_REGION

    resources = AgencyResources(
        agency_id=args.agency, account=args.account or LOCAL_ACCOUNT, region=args.region or LOCAL_REGION
    )
    endpoint = args.endpoint or os.environ.get("AWS_ENDPOINT_URL")
    result = verify_agency(resources, endpoint=endpoint, key_id=args.key_id)
    summary = (
        f"{result.table_records} records in the table, {result.locked_records} in {result.segments} locked "
        f"segments, {result.checkpoints} locked checkpoints"
    )
    if result.ok:
        print(f"audit trail of {resources.agency_id} verified: {summary}")
        return 0
    print(f"audit trail of {resources.agency_id} FAILED at record {result.broken_seq}: {result.reason}")
    for problem in sorted(result.problems, key=lambda p: p.broken_seq or 0)[1:]:
        print(f"  also: record {problem.broken_seq}: {problem.reason}")
    print(f"  ({summary})")
    return 1


def add_audit_commands(commands: Any) -> None:
    audit = commands.add_parser("audit", help="the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    verify = audit_commands.add_parser(
        "verify",
        help="check the audit table's keyed chain and its exports in the Object-Lock bucket",
        description=(
            "Every record present, unaltered and in order, every locked segment intact and chained, every "
            "checkpoint signed and matched. Exits 1 naming the first bad sequence number."
        ),
    )
    verify.add_argument("--agency", default="demo")
    verify.add_argument("--account", help="the agency's AWS account (default: the local stack's)")
    verify.add_argument("--region", help="the agency's region (default: the local stack's)")
    verify.add_argument("--endpoint", help="AWS endpoint URL (default: AWS_ENDPOINT_URL, e.g. the local stack)")
    verify.add_argument("--key-id", help="the audit key (default: the agency's alias, alias/eis-<agency>-audit)")
    verify.set_defaults(run=_verify)
