"""Create one agency's resources on an AWS-compatible endpoint from the shared schema.

Used by the local runtime (moto server) and by the tests (moto's in-process mock); the CDK stack
builds the same names and key schemas from ``eis_core.storage.schema``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from eis_core.settings import (
    FUNCTION_SETTINGS,
    CasesApiSettings,
    NotifySettings,
    ScoreSettings,
    function_settings,
)
from eis_core.storage.schema import TABLE_SPECS, AgencyResources, Bucket

LOCAL_PORTAL_URL = "http://127.0.0.1:8080"


class LocalSettings(ScoreSettings, NotifySettings, CasesApiSettings):  # type: ignore[misc]  # pydantic-mypy: generated model_construct differs per base
    """Every function's settings at once, as the local runtime's single process (and the tests) have them."""


@dataclass(frozen=True)
class LocalAgency:
    """Handles to what was created, including the values that only exist after creation (ARNs)."""

    resources: AgencyResources
    alerts_topic_arn: str
    notify_queue_url: str
    sender_email: str
    audit_key_id: str
    operations_topic_arn: str = ""

    def function_environment(self, function: str, *, portal_url: str = LOCAL_PORTAL_URL) -> dict[str, str]:
        """What ``function`` reads, built from its settings model as the CDK stack builds it."""
        values = {
            "alerts_topic_arn": self.alerts_topic_arn,
            "sender_email": self.sender_email,
            "audit_key_id": self.audit_key_id,
            "operations_topic_arn": self.operations_topic_arn,
        }
        values["portal_url"] = portal_url
        return function_settings(FUNCTION_SETTINGS[function], self.resources, values).to_env()

    def environment(self, *, portal_url: str = LOCAL_PORTAL_URL) -> dict[str, str]:
        """Every function's variables at once: locally, all handlers run in one process."""
        env: dict[str, str] = {}
        for function in FUNCTION_SETTINGS:
            env |= self.function_environment(function, portal_url=portal_url)
        return env


def create_agency_resources(session: Any, resources: AgencyResources, *, sender_email: str) -> LocalAgency:
    """Create tables, buckets, the alert topic with its notify queue, and the SES sender identity."""
    dynamodb = session.client("dynamodb")
    for table, spec in TABLE_SPECS.items():
        dynamodb.create_table(**spec.create_table_kwargs(resources.table(table)))
        if spec.ttl_attribute:
            dynamodb.update_time_to_live(
                TableName=resources.table(table),
                TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
            )

    s3 = session.client("s3")
    for bucket in Bucket:
        name = resources.bucket(bucket)
        options: dict[str, Any] = {"Bucket": name}
        if resources.region != "us-east-1":
            options["CreateBucketConfiguration"] = {"LocationConstraint": resources.region}
        if bucket is Bucket.AUDIT:
            # As deployed: the audit archive cannot be overwritten or deleted before its retention ends.
            options["ObjectLockEnabledForBucket"] = True
        s3.create_bucket(**options)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        if bucket is Bucket.AUDIT:
            s3.put_object_lock_configuration(
                Bucket=name,
                ObjectLockConfiguration={
                    "ObjectLockEnabled": "Enabled",
                    "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 1}},
                },
            )

    sns = session.client("sns")
    sqs = session.client("sqs")
    topic_arn = sns.create_topic(Name=resources.alerts_topic)["TopicArn"]
    queue_url = sqs.create_queue(QueueName=resources.notify_queue)["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.set_queue_attributes(
        QueueUrl=queue_url,
        Attributes={
            "Policy": json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "sns.amazonaws.com"},
                            "Action": "sqs:SendMessage",
                            "Resource": queue_arn,
                            "Condition": {"ArnEquals": {"aws:SourceArn": topic_arn}},
                        }
                    ],
                }
            )
        },
    )
    sns.subscribe(
        TopicArn=topic_arn,
        Protocol="sqs",
        Endpoint=queue_arn,
        Attributes={"RawMessageDelivery": "true"},
    )

    session.client("ses").verify_email_identity(EmailAddress=sender_email)
    operations_arn = sns.create_topic(Name=resources.operations_topic)["TopicArn"]
    return LocalAgency(
        resources, topic_arn, queue_url, sender_email, create_audit_key(session, resources), operations_arn
    )


def create_audit_key(session: Any, resources: AgencyResources) -> str:
    """The agency's audit MAC key (KMS HMAC_256, as the stack creates it); returns its alias."""
    kms = session.client("kms")
    key_id = kms.create_key(
        KeySpec="HMAC_256",
        KeyUsage="GENERATE_VERIFY_MAC",
        Description=f"{resources.prefix}: signs the audit chain",
    )["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName=resources.audit_key_alias, TargetKeyId=key_id)
    return resources.audit_key_alias
