"""Lambda functions: own role, KMS-encrypted log group, X-Ray, reserved concurrency, optional async DLQ.

Also the shared layers. Each function's code asset is its folder under ``functions/``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from aws_cdk import CfnResource, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.components.encryption import KMS_ENCRYPT
from infra.components.messaging import encrypted_queue

RUNTIME = lambda_.Runtime.PYTHON_3_13
# x86_64: the layers are built from manylinux x86_64 wheels (see infra/layer.py).
ARCHITECTURE = lambda_.Architecture.X86_64
HANDLER = "handler.lambda_handler"
# Tracing writes: X-Ray has no resource-level permissions for these.
XRAY_WRITE = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
ASSET_EXCLUDES = ["__pycache__", "**/__pycache__", "*.pyc", "tests"]

_RETENTION = {
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


def encrypted_log_group(
    scope: Construct, construct_id: str, *, name: str, key: kms.IKey, retention_days: int
) -> logs.LogGroup:
    return logs.LogGroup(
        scope,
        construct_id,
        log_group_name=name,
        encryption_key=key,
        retention=_RETENTION[retention_days],
        removal_policy=RemovalPolicy.RETAIN,
    )


def depends_on_policy(function: lambda_.Function, policy: iam.ManagedPolicy) -> None:
    """DependsOn exactly the policy: CDK also lists the role, which the function's GetAtt already orders."""
    cfn_function = function.node.default_child
    cfn_policy = policy.node.default_child
    assert isinstance(cfn_function, CfnResource) and isinstance(cfn_policy, CfnResource)
    cfn_function.add_override("DependsOn", [cfn_policy.logical_id])


class AgencyLayers(Construct):
    """One layer version per built layer folder (``build/layers/<name>``)."""

    def __init__(self, scope: Construct, construct_id: str, *, prefix: str, layer_dirs: Mapping[str, Path]) -> None:
        super().__init__(scope, construct_id)
        self.layers: dict[str, lambda_.LayerVersion] = {
            name: lambda_.LayerVersion(
                self,
                name,
                layer_version_name=f"{prefix}-{name.replace('_', '-')}",
                # Layer folders are build output: their __pycache__ is deliberate 3.13 bytecode.
                code=lambda_.Code.from_asset(str(path)),
                compatible_runtimes=[RUNTIME],
                compatible_architectures=[ARCHITECTURE],
                description=f"EIS {name} layer",
            )
            for name, path in layer_dirs.items()
        }

    def select(self, names: Sequence[str]) -> list[lambda_.ILayerVersion]:
        return [self.layers[name] for name in names]


class EisFunction(Construct):
    """A function with nothing granted but writing its own logs; callers add least-privilege grants."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        function_name: str,
        code_dir: Path,
        key: kms.IKey,
        layers: Sequence[lambda_.ILayerVersion],
        environment: Mapping[str, str],
        memory_size: int,
        timeout: Duration,
        reserved_concurrency: int,
        log_retention_days: int,
        description: str,
        invoked_async: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = encrypted_log_group(
            self, "Logs", name=f"/aws/lambda/{function_name}", key=key, retention_days=log_retention_days
        )
        # Own role instead of AWSLambdaBasicExecutionRole: logs to this one group only (cdk-nag IAM4).
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Execution role of {function_name}",
        )
        # Every permission sits in one customer-managed policy written out here and in ``Access`` (NIST/HIPAA
        # IAMNoInlinePolicy). The function gets an immutable view of the role, so no L2 helper can slip in
        # a grant of its own: what the policy lists is all the function can do.
        self.policy = iam.ManagedPolicy(
            self,
            "Policy",
            managed_policy_name=function_name,
            description=f"Everything {function_name} may do",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(
                    actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                    resources=[self.log_group.log_group_arn],
                ),
                iam.PolicyStatement(actions=list(XRAY_WRITE), resources=["*"]),
            ],
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=function_name,
            description=description,
            code=lambda_.Code.from_asset(str(code_dir), exclude=ASSET_EXCLUDES),
            handler=HANDLER,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            memory_size=memory_size,
            timeout=timeout,
            layers=list(layers),
            environment=dict(environment),
            environment_encryption=key,
            role=self.role.without_policy_updates(),
            log_group=self.log_group,
            tracing=lambda_.Tracing.ACTIVE,
            reserved_concurrent_executions=reserved_concurrency,
        )
        # Lambda checks the role's permissions (dead-letter target, queue) when the function is created, so it
        # waits for the policy. The role itself is already ordered by the GetAtt (cfn-lint W3005).
        depends_on_policy(self.function, self.policy)
        self.dead_letters: sqs.Queue | None = None
        if invoked_async:
            self._add_async_dead_letters(key)

    def _add_async_dead_letters(self, key: kms.IKey) -> None:
        """Failed async events (after Lambda's retries) land here instead of vanishing.

        Wired on the L1 with an explicit grant: the L2 option grants ``kms:GenerateDataKey*`` style
        wildcards on the key.
        """
        self.dead_letters = encrypted_queue(self, "DeadLetters", key=key)
        self.policy.add_statements(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[self.dead_letters.queue_arn]),
            iam.PolicyStatement(actions=list(KMS_ENCRYPT), resources=[key.key_arn]),
        )
        cfn = self.function.node.default_child
        assert isinstance(cfn, lambda_.CfnFunction)
        cfn.dead_letter_config = lambda_.CfnFunction.DeadLetterConfigProperty(target_arn=self.dead_letters.queue_arn)
        self.function.configure_async_invoke(retry_attempts=2, max_event_age=Duration.hours(6))
