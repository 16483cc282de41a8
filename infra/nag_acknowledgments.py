"""Every cdk-nag (AwsSolutions) finding this project accepts, each on the narrowest construct, with why.

Reviewed as one module: adding a line here is a security decision. cdk-nag 3 matches each finding
exactly (``Rule[finding]``), so a new wildcard or a new resource shows up as an error at synth.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct

from eis_core.ingest.contract import UPLOAD_PREFIX
from eis_core.storage.schema import Bucket
from infra.stack import EisAgencyStack

_XRAY = "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (Resource '*')."


def _ack(construct: IConstruct, rule: str, reason: str) -> None:
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))


def _logical_id(construct: IConstruct) -> str:
    stack = Stack.of(construct)
    resource = construct.node.default_child if not isinstance(construct, CfnResource) else construct
    assert isinstance(resource, CfnResource)
    return str(stack.resolve(stack.get_logical_id(resource)))


def _objects(bucket: IConstruct, prefix: str = "") -> str:
    """The finding IAM5 reports for ``bucket.arn_for_objects(prefix + '*')``."""
    return f"AwsSolutions-IAM5[Resource::<{_logical_id(bucket)}.Arn>/{prefix}*]"


def acknowledge(stack: EisAgencyStack) -> None:
    """Apply the acknowledgments to one agency stack."""
    buckets = stack.buckets.buckets

    # Object-level S3 access is per key; the wildcard is the key (under a prefix where one exists).
    object_grants = {
        stack.ingest: [_objects(buckets[Bucket.UPLOADS], UPLOAD_PREFIX), _objects(buckets[Bucket.QUARANTINE])],
        stack.score: [_objects(buckets[Bucket.ARTIFACTS])],
        stack.notify: [],
        stack.cases_api: [],
    }
    for function, findings in object_grants.items():
        policy = function.role.node.find_child("DefaultPolicy")
        for finding in findings:
            _ack(policy, finding, "Object keys are generated at run time; access is limited to this bucket/prefix.")
        _ack(policy, "AwsSolutions-IAM5[Resource::*]", _XRAY)
        _ack(
            function.function,
            "AwsSolutions-L1",
            "python3.13 is the runtime the layers are built and tested for; moving is a deliberate upgrade.",
        )

    # CDK's singleton that applies the S3 -> Lambda notification (a custom resource Lambda).
    notifications = stack.node.try_find_child("BucketNotificationsHandler050a0587b7544547bf325f094a3db834")
    if notifications is not None:
        _ack(
            notifications,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
            "CDK-managed custom resource that only sets the uploads bucket's notification at deploy time.",
        )

    # The account-level role API Gateway uses to write execution logs; AWS publishes this exact policy.
    api_role = stack.api.api.node.try_find_child("CloudWatchRole")
    if api_role is not None:
        _ack(
            api_role,
            "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]",
            "AWS-managed policy for API Gateway's account-wide CloudWatch Logs role; no narrower option exists.",
        )
