"""The case API: a regional REST API proxying to cases_api, every method behind the agency's user pool.

Browsers send CORS preflights without a token, so OPTIONS methods are the only unauthenticated ones,
answered by API Gateway itself (MOCK integration) and never reaching the function.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from infra.components.functions import encrypted_log_group

STAGE_NAME = "v1"


class CasesApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api_name: str,
        handler: lambda_.IFunction,
        user_pool: cognito.IUserPool,
        key: kms.IKey,
        allowed_origin: str,
        rate_limit: float,
        burst_limit: int,
        log_retention_days: int,
    ) -> None:
        super().__init__(scope, construct_id)
        access_logs = encrypted_log_group(
            self, "AccessLogs", name=f"/eis/apigateway/{api_name}", key=key, retention_days=log_retention_days
        )
        self.authorizer = apigw.CognitoUserPoolsAuthorizer(
            self, "Authorizer", cognito_user_pools=[user_pool], authorizer_name=f"{api_name}-users"
        )
        self.api = apigw.RestApi(
            self,
            "Api",
            rest_api_name=api_name,
            description="EIS case API (alerts, officer snapshots, cases, interventions, audit)",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # The portal's files are served by this API too (infra.components.portal): every body passes
            # through unchanged, fonts included; the case API decodes request bodies itself.
            binary_media_types=["*/*"],
            # Execution logs (errors only, never bodies: they hold personnel data) use the account-level role
            # that the platform stack sets; an agency stack never owns that account-wide setting.
            cloud_watch_role=False,
            deploy_options=apigw.StageOptions(
                stage_name=STAGE_NAME,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=False,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
                throttling_rate_limit=rate_limit,
                throttling_burst_limit=burst_limit,
            ),
            default_cors_preflight_options=apigw.CorsOptions(
                allow_origins=[allowed_origin],
                allow_methods=apigw.Cors.ALL_METHODS,
                allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key"],
                max_age=Duration.hours(1),
            ),
            default_method_options=apigw.MethodOptions(
                authorizer=self.authorizer,
                authorization_type=apigw.AuthorizationType.COGNITO,
            ),
        )
        # Body schemas live in the function (pydantic); this validator enforces declared parameters.
        validator = self.api.add_request_validator(
            "Validator", validate_request_parameters=True, validate_request_body=True
        )
        integration = apigw.LambdaIntegration(handler, proxy=True)
        self.api.root.add_method("ANY", integration, request_validator=validator)
        self.api.root.add_proxy(
            default_integration=integration,
            any_method=True,
            default_method_options=apigw.MethodOptions(
                authorizer=self.authorizer,
                authorization_type=apigw.AuthorizationType.COGNITO,
                request_validator=validator,
            ),
        )
        # Errors raised by API Gateway itself (401 from the authorizer, 429 throttling) must carry CORS
        # headers too, or the portal sees an opaque network error instead of "sign in again".
        for response_type in (apigw.ResponseType.DEFAULT_4_XX, apigw.ResponseType.DEFAULT_5_XX):
            self.api.add_gateway_response(
                f"Cors{response_type.response_type}",
                type=response_type,
                response_headers={"Access-Control-Allow-Origin": f"'{allowed_origin}'"},
            )
        self.web_acl = _web_acl(self, api_name=api_name)
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self.api.deployment_stage.stage_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )
        self.waf_logs = _waf_logging(self, web_acl=self.web_acl, api_name=api_name, key=key, days=log_retention_days)


def _managed_rule(name: str, priority: int, *, count_only: tuple[str, ...] = ()) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS",
                name=name,
                rule_action_overrides=[
                    wafv2.CfnWebACL.RuleActionOverrideProperty(
                        name=rule, action_to_use=wafv2.CfnWebACL.RuleActionProperty(count={})
                    )
                    for rule in count_only
                ]
                or None,
            )
        ),
        visibility_config=_visibility(name),
    )


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=False
    )


def _web_acl(scope: Construct, *, api_name: str) -> wafv2.CfnWebACL:
    return wafv2.CfnWebACL(
        scope,
        "WebAcl",
        name=f"{api_name}-waf",
        scope="REGIONAL",
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        visibility_config=_visibility(f"{api_name}-waf"),
        rules=[
            # Case notes can be long narratives: count, rather than block, bodies over 8 KB.
            _managed_rule("AWSManagedRulesCommonRuleSet", 0, count_only=("SizeRestrictions_BODY",)),
            _managed_rule("AWSManagedRulesKnownBadInputsRuleSet", 1),
            wafv2.CfnWebACL.RuleProperty(
                name="RateLimitPerClient",
                priority=2,
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                statement=wafv2.CfnWebACL.StatementProperty(
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(limit=1000, aggregate_key_type="IP")
                ),
                visibility_config=_visibility("RateLimitPerClient"),
            ),
        ],
    )


def _waf_logging(
    scope: Construct, *, web_acl: wafv2.CfnWebACL, api_name: str, key: kms.IKey, days: int
) -> wafv2.CfnLoggingConfiguration:
    """Every request WAF sees, to a log group on the agency key, with the bearer token redacted."""
    # WAF delivers only to log groups whose name starts with "aws-waf-logs-".
    name = f"aws-waf-logs-{api_name}"
    encrypted_log_group(scope, "WafLogs", name=name, key=key, retention_days=days)
    # WAF wants the log group ARN without the ":*" suffix that LogGroup.log_group_arn carries.
    arn = Stack.of(scope).format_arn(
        service="logs", resource="log-group", resource_name=name, arn_format=ArnFormat.COLON_RESOURCE_NAME
    )
    logging = wafv2.CfnLoggingConfiguration(
        scope,
        "WafLogging",
        resource_arn=web_acl.attr_arn,
        log_destination_configs=[arn],
        redacted_fields=[
            wafv2.CfnLoggingConfiguration.FieldToMatchProperty(single_header={"Name": "authorization"}),
        ],
    )
    logging.node.add_dependency(scope.node.find_child("WafLogs"))
    return logging
