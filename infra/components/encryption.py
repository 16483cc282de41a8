"""The agency's customer-managed KMS keys: one encrypts every table, bucket, queue, topic and log group;
the audit key (HMAC) signs the audit chain and its checkpoints."""

from __future__ import annotations

from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

# Readers need to unwrap data keys; writers also create them. No wildcard actions (cdk-nag IAM5).
KMS_DECRYPT = ("kms:Decrypt", "kms:DescribeKey")
KMS_ENCRYPT = (*KMS_DECRYPT, "kms:Encrypt", "kms:GenerateDataKey")


class AgencyKey(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, prefix: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = kms.Key(
            self,
            "Key",
            alias=f"alias/{prefix}",
            description=f"{prefix}: encrypts this agency's officer data, audit trail and logs",
            enable_key_rotation=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        # CloudWatch Logs encrypts log groups with the key only for this account's log groups.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchLogsOfThisAccount",
                principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
                actions=[*KMS_ENCRYPT, "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKeyWithoutPlaintext"],
                resources=["*"],
                conditions={
                    "ArnLike": {
                        "kms:EncryptionContext:aws:logs:arn": stack.format_arn(
                            service="logs",
                            resource="log-group",
                            resource_name="*",
                            arn_format=ArnFormat.COLON_RESOURCE_NAME,
                        )
                    }
                },
            )
        )


# Who signs audit records (every function appends) and who checks them (the case API, the exporter).
KMS_AUDIT_SIGN = ("kms:GenerateMac",)
KMS_AUDIT_VERIFY = ("kms:VerifyMac",)


class AuditKey(Construct):
    """An HMAC_256 key that never leaves KMS: the audit chain's MACs and checkpoints are made with it.

    Someone who can write the audit table can recompute SHA-256 links but cannot make a MAC without
    ``kms:GenerateMac`` on this key, which only the functions hold. KMS cannot rotate HMAC keys
    automatically (only symmetric encryption keys), so rotation is off; it is retained, because
    deleting it would leave the whole trail unverifiable.
    """

    def __init__(self, scope: Construct, construct_id: str, *, alias: str, prefix: str) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "Key",
            alias=alias,
            description=f"{prefix}: signs the audit chain (HMAC); verification needs kms:VerifyMac",
            key_spec=kms.KeySpec.HMAC_256,
            key_usage=kms.KeyUsage.GENERATE_VERIFY_MAC,
            enable_key_rotation=False,
            removal_policy=RemovalPolicy.RETAIN,
        )
