"""Account-level pieces, deployed once per account and region before any agency stack there."""

from __future__ import annotations

from aws_cdk import Environment, RemovalPolicy, Stack, Tags
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from constructs import Construct

# AWS publishes exactly the permissions API Gateway needs to write execution logs.
API_GATEWAY_LOGS_POLICY = "service-role/AmazonAPIGatewayPushToCloudWatchLogs"


def platform_stack_name(account: str, region: str) -> str:
    return f"Eis-platform-{account}-{region}"


class EisPlatformStack(Stack):
    """API Gateway's CloudWatch Logs role: one setting per account and region, shared by every API there.

    Holds no agency data and grants no agency anything; it exists so that no agency stack owns (and,
    when offboarded, deletes) a setting the others depend on.
    """

    def __init__(self, scope: Construct, *, account: str, region: str) -> None:
        name = platform_stack_name(account, region)
        super().__init__(
            scope,
            name,
            env=Environment(account=account, region=region),
            description="EIS platform: account-level settings shared by the agency stacks of this account/region",
            termination_protection=True,
        )
        Tags.of(self).add("eis:system", "early-intervention")
        self.api_gateway_logs_role = iam.Role(
            self,
            "ApiGatewayLogsRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway writes REST API execution logs to CloudWatch Logs in this account/region",
            managed_policies=[iam.ManagedPolicy.from_aws_managed_policy_name(API_GATEWAY_LOGS_POLICY)],
        )
        self.api_gateway_account = apigw.CfnAccount(
            self, "ApiGatewayAccount", cloud_watch_role_arn=self.api_gateway_logs_role.role_arn
        )
        # Retained: deleting this stack must not silently switch off the agencies' API logging.
        self.api_gateway_logs_role.apply_removal_policy(RemovalPolicy.RETAIN)
        self.api_gateway_account.apply_removal_policy(RemovalPolicy.RETAIN)
