"""The supervisors' portal in AWS: its built files in a private, encrypted bucket, served by the agency's
own API (same origin as the case API, no CloudFront: GovCloud has none), with the local stack's headers.

- ``GET /`` and ``GET /index.html`` -> the bucket's ``index.html``; ``GET /assets/{path+}`` -> ``assets/...``
  and ``GET /assets/media/{path+}`` -> ``assets/media/...`` (content-hashed files, cached for a year).
  Each is an API Gateway S3 integration (``AwsIntegration``) with a role that may only read that
  bucket (and decrypt with the agency key through S3). These are the API's only methods without the
  Cognito authorizer: the sign-in page must load before anyone is signed in, and they hold no data.
- ``GET /config.json`` -> a MOCK integration answering the sign-in settings (client id, the user pool
  domain's authorize, token and revoke endpoints), so nothing but the built files is uploaded.
- Every answer carries ``eis_core.portal_headers`` (the local gateway's headers, plus the Cognito
  domain in ``connect-src`` for the token endpoint); ``Cache-Control`` is ``portal_headers.cache_control``
  of the path: ``no-store`` on ``index.html`` and ``config.json``, ``no-cache`` on the unhashed bundles,
  ``max-age=31536000, immutable`` on ``assets/media/``. Content-Type is the object's own (set on
  upload). The API sends every byte as is (``binaryMediaTypes */*``), so fonts survive;
  the case API reads bodies through Powertools' ``decoded_body``.
- ``cdk deploy`` publishes ``portal/dist`` into the bucket (infra.components.portal_publish).
"""

from __future__ import annotations

import json

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from eis_core.portal_headers import (
    ASSET_CACHE,
    HASHED_ASSET_CACHE,
    HASHED_ASSETS,
    PAGE_CACHE,
    portal_security_headers,
)

BINARY_MEDIA_TYPES = ["*/*"]
"""API Gateway passes every body through unchanged (fonts are binary); see the module docstring."""


def static_value(value: str) -> str:
    """An API Gateway static header value: single-quoted, inner quotes escaped (CSP has 'self')."""
    return "'" + value.replace("'", "\\'") + "'"


class PortalSite(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: apigw.RestApi,
        bucket_name: str,
        key: kms.IKey,
        access_logs: s3.IBucket,
        client_id: str,
        auth_base_url: str,
        idle_minutes: int = 30,
    ) -> None:
        super().__init__(scope, construct_id)
        self.bucket = s3.Bucket(
            self,
            "Files",
            bucket_name=bucket_name,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=key,
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            versioned=True,
            removal_policy=RemovalPolicy.RETAIN,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="portal/",
            lifecycle_rules=[s3.LifecycleRule(id="old-builds", noncurrent_version_expiration=Duration.days(90))],
        )
        self.role = iam.Role(
            self,
            "ReadRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="API Gateway reads the portal's built files (nothing else)",
        )
        # One customer-managed policy, exactly what serving needs: read objects of this bucket, decrypt them
        # with the agency key (only through S3 in this region).
        self.policy = iam.ManagedPolicy(
            self,
            "ReadPolicy",
            roles=[self.role],
            statements=[
                iam.PolicyStatement(actions=["s3:GetObject"], resources=[self.bucket.arn_for_objects("*")]),
                iam.PolicyStatement(
                    actions=["kms:Decrypt"],
                    resources=[key.key_arn],
                    conditions={"StringEquals": {"kms:ViaService": f"s3.{Stack.of(self).region}.amazonaws.com"}},
                ),
            ],
        )
        self.headers = portal_security_headers(auth_base_url)

        index = self._s3_integration("index.html", PAGE_CACHE)
        files = self._s3_integration("assets/{path}", ASSET_CACHE, path_param="path")
        media = self._s3_integration(HASHED_ASSETS + "{path}", HASHED_ASSET_CACHE, path_param="path")
        config = self._config_integration(client_id, auth_base_url, idle_minutes)
        assets = api.root.add_resource("assets")
        self.methods = [
            self._public(api.root, index),
            self._public(api.root.add_resource("index.html"), index),
            self._public(assets.add_resource("{path+}"), files, path_param="path"),
            # Fonts, icons and images are named by content hash: a browser keeps them a year unasked.
            self._public(assets.add_resource("media").add_resource("{path+}"), media, path_param="path"),
            self._public(api.root.add_resource("config.json"), config),
        ]

    def _responses(self, cache: str, content_type: str | None) -> dict[str, str]:
        values = {f"method.response.header.{name}": static_value(value) for name, value in self.headers.items()}
        values["method.response.header.Cache-Control"] = static_value(cache)
        values["method.response.header.Content-Type"] = (
            static_value(content_type) if content_type else "integration.response.header.Content-Type"
        )
        return values

    def _s3_integration(self, key: str, cache: str, *, path_param: str | None = None) -> apigw.AwsIntegration:
        return apigw.AwsIntegration(
            service="s3",
            integration_http_method="GET",
            path=f"{self.bucket.bucket_name}/{key}",
            options=apigw.IntegrationOptions(
                credentials_role=self.role,
                request_parameters=(
                    {f"integration.request.path.{path_param}": f"method.request.path.{path_param}"}
                    if path_param
                    else None
                ),
                integration_responses=[
                    apigw.IntegrationResponse(status_code="200", response_parameters=self._responses(cache, None)),
                    # Without s3:ListBucket a missing key is 403 from S3; both are "not found" here.
                    apigw.IntegrationResponse(
                        status_code="404",
                        selection_pattern="4\\d\\d",
                        response_parameters=self._responses(PAGE_CACHE, "text/plain; charset=utf-8"),
                        response_templates={"application/json": "Not found"},
                    ),
                    apigw.IntegrationResponse(
                        status_code="502",
                        selection_pattern="5\\d\\d",
                        response_parameters=self._responses(PAGE_CACHE, "text/plain; charset=utf-8"),
                        response_templates={"application/json": "The portal's files are not available"},
                    ),
                ],
            ),
        )

    def _config_integration(self, client_id: str, auth_base_url: str, idle_minutes: int) -> apigw.MockIntegration:
        body = json.dumps(
            {
                "client_id": "CLIENT_ID",
                "authorize_url": f"{auth_base_url}/oauth2/authorize",
                "token_url": f"{auth_base_url}/oauth2/token",
                "revoke_url": f"{auth_base_url}/oauth2/revoke",
                "logout_url": f"{auth_base_url}/logout",
                "idle_minutes": idle_minutes,
            }
        ).replace("CLIENT_ID", client_id)  # a deploy-time token: CDK joins it into the template
        return apigw.MockIntegration(
            request_templates={"application/json": '{"statusCode": 200}'},
            passthrough_behavior=apigw.PassthroughBehavior.NEVER,
            integration_responses=[
                apigw.IntegrationResponse(
                    status_code="200",
                    response_parameters=self._responses(PAGE_CACHE, "application/json"),
                    response_templates={"application/json": body},
                )
            ],
        )

    def _public(
        self, resource: apigw.IResource, integration: apigw.Integration, *, path_param: str | None = None
    ) -> apigw.Method:
        """A GET without the authorizer (the files are the sign-in page itself) that declares its headers."""
        declared = {f"method.response.header.{name}": True for name in (*self.headers, "Cache-Control", "Content-Type")}
        codes = ("200", "404", "502") if isinstance(integration, apigw.AwsIntegration) else ("200",)
        method = resource.add_method(
            "GET",
            integration,
            request_parameters={f"method.request.path.{path_param}": True} if path_param else None,
            method_responses=[apigw.MethodResponse(status_code=code, response_parameters=declared) for code in codes],
        )
        return _unauthenticated(method)


def _unauthenticated(method: apigw.Method) -> apigw.Method:
    """Take the API's default Cognito authorizer off a portal file method (CDK cannot say NONE over a default)."""
    cfn = method.node.default_child
    assert isinstance(cfn, apigw.CfnMethod)
    cfn.add_property_override("AuthorizationType", "NONE")
    cfn.add_property_deletion_override("AuthorizerId")
    return method
