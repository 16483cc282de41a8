"""Every cdk-nag finding this project accepts (AwsSolutions, NIST 800-53 rev 5, HIPAA Security), with why.

Reviewed as one module: adding a line here is a security decision. Each acknowledgment sits on the
one resource that raises it (never a stack or the app), and AwsSolutions IAM findings name the exact
wildcard (``Rule[finding]``), so a new wildcard or a new resource still fails the synth.
``tests/infrastructure/test_nag.py`` checks that every entry here still matches a real finding.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, CfnResource, Stack, Validations
from constructs import IConstruct

from eis_core.ingest.contract import UPLOAD_PREFIX
from eis_core.models.peers import PEER_STATS_PREFIX
from eis_core.models.trends import TRENDS_PREFIX
from eis_core.oversight.keys import CURRENT_KEY, MODELS_PREFIX, PROMOTIONS_PREFIX, RUNS_PREFIX
from eis_core.storage.schema import Bucket
from infra.platform import EisPlatformStack
from infra.stack import EisAgencyStack

_XRAY = "X-Ray PutTraceSegments/PutTelemetryRecords support no resource-level permissions (Resource '*')."
_OBJECT_KEYS = "Object keys are generated at run time; access is limited to this one bucket (and prefix)."
_RUNTIME = "python3.13 is the runtime the layers are built and tested for; moving is a deliberate upgrade."
_NO_VPC = (
    "The functions reach only AWS APIs (DynamoDB, S3, SNS, SQS, SES, KMS) over TLS with IAM-scoped roles and no "
    "network resources; a VPC would add NAT/endpoints without narrowing what they can reach."
)
_SINGLE_REGION = (
    "Data stays in the agency's chosen region by design (residency); durability comes from S3's multi-AZ "
    "storage, versioning, Object Lock on the audit bucket and AWS Backup of the tables."
)
_NO_CACHE = (
    "Responses are per user (RBAC, chain of command) and hold personnel data; a stage cache could serve one "
    "user's answer to another, so caching stays off."
)
_NO_CLIENT_CERT = (
    "Client certificates authenticate API Gateway to HTTP backends; the only integration is AWS_PROXY to Lambda, "
    "invoked over AWS's signed internal path, so no certificate applies."
)
_SYNC_DLQ = (
    "Invoked synchronously by API Gateway only: the caller gets the error; a dead-letter queue would never "
    "receive anything. Errors raise an alarm instead."
)
_LOGS_BUCKET_SSE_S3 = (
    "S3 delivers server access logs only to buckets with SSE-S3 (AES256) default encryption, not SSE-KMS; "
    "the bucket holds request metadata, not officer data."
)
_CDK_NOTIFICATIONS = "CDK-managed custom resource that only sets the uploads bucket's notification at deploy time."
_PUBLISH_RUNTIME = (
    "CDK's BucketDeployment handler (aws-cdk-lib) fixes its runtime, python3.13; it moves when aws-cdk-lib is "
    "upgraded, and it runs only during cdk deploy."
)
_PUBLISH_NO_VPC = (
    "Runs only during cdk deploy and reaches only S3 (the build asset, the portal bucket) and KMS through S3, "
    "over TLS with a role limited to those; a VPC would need S3 endpoints without narrowing what it reaches."
)
_PUBLISH_DLQ = (
    "Invoked by CloudFormation for the portal's custom resources, which waits for each answer and fails the "
    "deploy on an error; a dead-letter queue would never receive anything."
)
_PUBLISH_CONCURRENCY = (
    "Runs only while CloudFormation deploys this stack, once per portal deployment resource; reserved "
    "concurrency would take account capacity from the agency's functions for a function idle between deploys."
)
_NIST = "NIST.800.53.R5"
_HIPAA = "HIPAA.Security"


def _ack(construct: IConstruct, rule: str, reason: str) -> None:
    Validations.of(construct).acknowledge(Acknowledgment(id=rule, reason=reason))


def _nist_and_hipaa(construct: IConstruct, rule: str, reason: str) -> None:
    """NIST 800-53 rev 5 and HIPAA Security share most rule names; the reason is the same for both."""
    _ack(construct, f"{_NIST}-{rule}", reason)
    _ack(construct, f"{_HIPAA}-{rule}", reason)


def _logical_id(construct: IConstruct) -> str:
    stack = Stack.of(construct)
    resource = construct.node.default_child if not isinstance(construct, CfnResource) else construct
    assert isinstance(resource, CfnResource)
    return str(stack.resolve(stack.get_logical_id(resource)))


def _objects(bucket: IConstruct, prefix: str = "") -> str:
    """The finding IAM5 reports for ``bucket.arn_for_objects(prefix + '*')``."""
    return f"AwsSolutions-IAM5[Resource::<{_logical_id(bucket)}.Arn>/{prefix}*]"


def _managed(policy: str) -> str:
    return f"AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/{policy}]"


def acknowledge(stack: EisAgencyStack) -> None:
    """Apply the acknowledgments to one agency stack."""
    buckets = stack.buckets.buckets

    object_grants = {
        stack.ingest: [
            _objects(buckets[Bucket.UPLOADS], UPLOAD_PREFIX),
            _objects(buckets[Bucket.QUARANTINE]),
            _objects(buckets[Bucket.QUARANTINE], "ledger/"),
            _objects(buckets[Bucket.ARTIFACTS], "config/"),
        ],
        stack.score: [_objects(buckets[Bucket.ARTIFACTS]), _objects(buckets[Bucket.AUDIT])],
        stack.notify: [],
        stack.cases_api: [
            _objects(buckets[Bucket.QUARANTINE], "reports/"),
            _objects(buckets[Bucket.QUARANTINE], "quarantine/"),
            _objects(buckets[Bucket.ARTIFACTS], RUNS_PREFIX),
            _objects(buckets[Bucket.ARTIFACTS], MODELS_PREFIX),
            _objects(buckets[Bucket.ARTIFACTS], PROMOTIONS_PREFIX),
            _objects(buckets[Bucket.ARTIFACTS], CURRENT_KEY),
            _objects(buckets[Bucket.ARTIFACTS], PEER_STATS_PREFIX),
            _objects(buckets[Bucket.ARTIFACTS], TRENDS_PREFIX),
        ],
    }
    for function, findings in object_grants.items():
        for finding in findings:
            _ack(function.policy, finding, _OBJECT_KEYS)
        _ack(function.policy, "AwsSolutions-IAM5[Resource::*]", _XRAY)
        _ack(function.function, "AwsSolutions-L1", _RUNTIME)
        _nist_and_hipaa(function.function, "LambdaInsideVPC", _NO_VPC)
    _nist_and_hipaa(stack.cases_api.function, "LambdaDLQ", _SYNC_DLQ)

    stage = stack.api.api.deployment_stage
    _nist_and_hipaa(stage, "APIGWCacheEnabledAndEncrypted", _NO_CACHE)
    _nist_and_hipaa(stage, "APIGWSSLEnabled", _NO_CLIENT_CERT)

    _ack(stack.portal.policy, _objects(stack.portal.bucket), "The portal's built files: any key of this one bucket.")
    publish = stack.portal_publish
    _ack(publish.policy, _objects(stack.portal.bucket), "The portal's build: the sync uploads and prunes any key.")
    _ack(publish.handler, "AwsSolutions-L1", _PUBLISH_RUNTIME)
    _nist_and_hipaa(publish.handler, "LambdaInsideVPC", _PUBLISH_NO_VPC)
    _nist_and_hipaa(publish.handler, "LambdaDLQ", _PUBLISH_DLQ)
    _nist_and_hipaa(publish.handler, "LambdaConcurrency", _PUBLISH_CONCURRENCY)
    for bucket in [stack.buckets.access_logs, *buckets.values(), stack.portal.bucket]:
        _nist_and_hipaa(bucket, "S3BucketReplicationEnabled", _SINGLE_REGION)
    _nist_and_hipaa(stack.buckets.access_logs, "S3DefaultEncryptionKMS", _LOGS_BUCKET_SSE_S3)

    _ack(
        stack.backup.plan.node.find_child("Tables").node.find_child("Role"),
        _managed("service-role/AWSBackupServiceRolePolicyForBackup"),
        "AWS Backup's documented service role policy; it is attached to a role only AWS Backup can assume.",
    )

    # CDK's singleton that applies the S3 -> Lambda notification (a custom resource Lambda).
    notifications = stack.node.try_find_child("BucketNotificationsHandler050a0587b7544547bf325f094a3db834")
    if notifications is not None:
        _ack(notifications, _managed("service-role/AWSLambdaBasicExecutionRole"), _CDK_NOTIFICATIONS)
    handler_policy = buckets[Bucket.UPLOADS].node.try_find_child("Notifications")
    if handler_policy is not None:
        _nist_and_hipaa(
            handler_policy,
            "IAMNoInlinePolicy",
            _CDK_NOTIFICATIONS + " Its one statement allows s3:PutBucketNotification on the uploads bucket.",
        )


def acknowledge_platform(stack: EisPlatformStack) -> None:
    _ack(
        stack.api_gateway_logs_role,
        _managed("service-role/AmazonAPIGatewayPushToCloudWatchLogs"),
        "AWS-managed policy for API Gateway's account-wide CloudWatch Logs role; no narrower option exists.",
    )
