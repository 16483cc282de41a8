"""DynamoDB tables and S3 buckets, built from the shared schema so tests and AWS cannot drift apart."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from eis_core.storage.schema import TABLE_SPECS, AgencyResources, Bucket, KeyAttr, Table

_ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}


def _attribute(key: KeyAttr | None) -> dynamodb.Attribute | None:
    return None if key is None else dynamodb.Attribute(name=key.name, type=_ATTRIBUTE_TYPES[key.type])


class AgencyTables(Construct):
    """One table per ``TABLE_SPECS`` entry: on-demand, PITR, agency key, deletion-protected, retained."""

    def __init__(self, scope: Construct, construct_id: str, *, resources: AgencyResources, key: kms.IKey) -> None:
        super().__init__(scope, construct_id)
        self.tables: dict[Table, dynamodb.Table] = {}
        for table, spec in TABLE_SPECS.items():
            construct = dynamodb.Table(
                self,
                table.name.title(),
                table_name=resources.table(table),
                partition_key=_attribute(spec.partition_key),
                sort_key=_attribute(spec.sort_key),
                billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
                encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
                encryption_key=key,
                point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                    point_in_time_recovery_enabled=True
                ),
                deletion_protection=True,
                removal_policy=RemovalPolicy.RETAIN,
                time_to_live_attribute=spec.ttl_attribute,
            )
            for index in spec.indexes:
                construct.add_global_secondary_index(
                    index_name=index.name,
                    partition_key=_attribute(index.partition_key),
                    sort_key=_attribute(index.sort_key),
                    projection_type=dynamodb.ProjectionType.ALL,
                )
            self.tables[table] = construct

    def index_arns(self, table: Table) -> list[str]:
        """Exact index ARNs (no ``index/*`` wildcard) for least-privilege query grants."""
        return [f"{self.tables[table].table_arn}/index/{index.name}" for index in TABLE_SPECS[table].indexes]


class AgencyBuckets(Construct):
    """The four data buckets (agency key, versioned, SSL-only, private) and their access-log bucket."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        resources: AgencyResources,
        key: kms.IKey,
        access_logs_bucket_name: str,
        log_retention_days: int,
        audit_retention_days: int,
        audit_lock_mode: str,
        expire_after_days: Mapping[Bucket, int],
    ) -> None:
        super().__init__(scope, construct_id)
        # S3 can deliver server access logs only to an SSE-S3 bucket, not to an SSE-KMS one.
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            bucket_name=access_logs_bucket_name,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            removal_policy=RemovalPolicy.RETAIN,
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=Duration.days(log_retention_days),
                    noncurrent_version_expiration=Duration.days(30),
                )
            ],
        )
        retention = Duration.days(audit_retention_days)
        self.buckets: dict[Bucket, s3.Bucket] = {}
        for bucket in Bucket:
            is_audit = bucket is Bucket.AUDIT
            self.buckets[bucket] = s3.Bucket(
                self,
                bucket.name.title(),
                bucket_name=resources.bucket(bucket),
                encryption=s3.BucketEncryption.KMS,
                encryption_key=key,
                bucket_key_enabled=True,
                block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
                enforce_ssl=True,
                minimum_tls_version=1.2,
                versioned=True,
                removal_policy=RemovalPolicy.RETAIN,
                server_access_logs_bucket=self.access_logs,
                server_access_logs_prefix=f"{bucket.value}/",
                lifecycle_rules=_expiry(expire_after_days.get(bucket)),
                # Audit exports are the tamper-evident copy: write once, undeletable until retention ends.
                object_lock_enabled=True if is_audit else None,
                object_lock_default_retention=(
                    (
                        s3.ObjectLockRetention.compliance(retention)
                        if audit_lock_mode == "COMPLIANCE"
                        else s3.ObjectLockRetention.governance(retention)
                    )
                    if is_audit
                    else None
                ),
            )


def _expiry(days: int | None) -> list[s3.LifecycleRule] | None:
    """Delete objects (and their old versions) once the agency's retention period is over."""
    if days is None:
        return None
    return [
        s3.LifecycleRule(
            id="retention",
            expiration=Duration.days(days),
            noncurrent_version_expiration=Duration.days(days),
            abort_incomplete_multipart_upload_after=Duration.days(7),
        )
    ]
