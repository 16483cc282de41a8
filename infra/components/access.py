"""Least-privilege grants written out, so each function's policy reads like its job description.

CDK's ``grant_*`` helpers add wildcard actions (``s3:GetObject*``, ``kms:ReEncrypt*``); these name
exact actions and, for tables, exact index ARNs. Object-key wildcards (``bucket/prefix/*``) remain
and are acknowledged in ``infra/nag_acknowledgments.py``.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs

from infra.components.encryption import KMS_AUDIT_SIGN, KMS_AUDIT_VERIFY, KMS_DECRYPT, KMS_ENCRYPT

TABLE_READ = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:Scan",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)
TABLE_WRITE = ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem")
# The audit trail is append-only: find the chain head, add the next link; never update or delete.
AUDIT_APPEND = ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:ConditionCheckItem")
QUEUE_CONSUME = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
    "sqs:GetQueueUrl",
)


class Access:
    """Grants written into one function's managed policy, all against the agency's single key."""

    def __init__(self, policy: iam.ManagedPolicy, key: kms.IKey) -> None:
        self._policy = policy
        self._key = key
        self._kms_granted: set[str] = set()

    def _allow(self, actions: Sequence[str], resources: Sequence[str]) -> None:
        self._policy.add_statements(iam.PolicyStatement(actions=list(actions), resources=list(resources)))

    def _key_use(self, *, encrypt: bool) -> None:
        actions = KMS_ENCRYPT if encrypt else KMS_DECRYPT
        missing = [a for a in actions if a not in self._kms_granted]
        if missing:
            self._allow(missing, [self._key.key_arn])
            self._kms_granted.update(missing)

    # --- S3 ---
    def read_objects(self, bucket: s3.IBucket, prefix: str = "") -> Access:
        self._allow(["s3:GetObject", "s3:GetObjectVersion"], [bucket.arn_for_objects(f"{prefix}*")])
        # ListBucket turns a missing key into 404 instead of 403, so "not found" reads as such.
        self._policy.add_statements(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[bucket.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}} if prefix else None,
            )
        )
        self._key_use(encrypt=False)
        return self

    def write_objects(self, bucket: s3.IBucket, prefix: str = "") -> Access:
        self._allow(["s3:PutObject"], [bucket.arn_for_objects(f"{prefix}*")])
        self._key_use(encrypt=True)
        return self

    # --- DynamoDB ---
    def read_items(self, table: dynamodb.ITable, index_arns: Sequence[str] = ()) -> Access:
        self._allow(TABLE_READ, [table.table_arn, *index_arns])
        self._key_use(encrypt=False)
        return self

    def write_items(self, table: dynamodb.ITable, *, delete: bool = False) -> Access:
        self._allow([*TABLE_WRITE, *(["dynamodb:DeleteItem"] if delete else [])], [table.table_arn])
        self._key_use(encrypt=True)
        return self

    def read_write_items(
        self, table: dynamodb.ITable, index_arns: Sequence[str] = (), *, delete: bool = False
    ) -> Access:
        return self.read_items(table, index_arns).write_items(table, delete=delete)

    def append_audit(self, table: dynamodb.ITable, audit_key: kms.IKey, sequence_partition: str) -> Access:
        """Append to the keyed chain: sign with the audit key; take tickets from the sequence counter.

        UpdateItem (the counter's atomic ADD) is allowed on the counter's partition only, so records
        themselves still cannot be updated.
        """
        self._allow(AUDIT_APPEND, [table.table_arn])
        self._policy.add_statements(
            iam.PolicyStatement(
                actions=["dynamodb:UpdateItem"],
                resources=[table.table_arn],
                conditions={"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": [sequence_partition]}},
            )
        )
        self._allow(KMS_AUDIT_SIGN, [audit_key.key_arn])
        self._key_use(encrypt=True)
        return self

    def verify_audit(self, audit_key: kms.IKey) -> Access:
        """Check the chain's MACs and checkpoints (reading the table is granted separately)."""
        self._allow(KMS_AUDIT_VERIFY, [audit_key.key_arn])
        return self

    # --- messaging ---
    def publish(self, topic: sns.ITopic) -> Access:
        self._allow(["sns:Publish"], [topic.topic_arn])
        self._key_use(encrypt=True)
        return self

    def consume(self, queue: sqs.IQueue) -> Access:
        self._allow(QUEUE_CONSUME, [queue.queue_arn])
        self._key_use(encrypt=False)
        return self

    def send_email(self, identity_arn: str) -> Access:
        self._allow(["ses:SendEmail", "ses:SendRawEmail"], [identity_arn])
        return self
