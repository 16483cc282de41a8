"""The portal's address: ``portal_origin``'s host as a regional custom domain of the agency's API (optional).

GovCloud's API Gateway has regional custom domains only (no edge-optimized, which would need CloudFront).
With ``portal_certificate_arn`` set (an ACM certificate for the host, issued or imported in the stack's
region), the stack creates the domain with TLS 1.2 and maps its root to the API's stage, so the portal is
at ``https://<host>/`` (the Cognito callback). DNS stays the agency's: point the host at the domain's
regional name (a CNAME, or a Route 53 alias), which the stack prints as an output.
"""

from __future__ import annotations

from aws_cdk import CfnOutput
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_certificatemanager as acm
from constructs import Construct


class PortalDomain(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, api: apigw.RestApi, host: str, certificate_arn: str
    ) -> None:
        super().__init__(scope, construct_id)
        self.domain = apigw.DomainName(
            self,
            "Domain",
            domain_name=host,
            certificate=acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn),
            endpoint_type=apigw.EndpointType.REGIONAL,
            security_policy=apigw.SecurityPolicy.TLS_1_2,
        )
        # Base path (none) -> the stage: the portal and the case API at the domain's root.
        self.mapping = self.domain.add_base_path_mapping(api, stage=api.deployment_stage)
        CfnOutput(
            self,
            "DnsTarget",
            value=self.domain.domain_name_alias_domain_name,
            description=f"Point {host} at this name (CNAME, or a Route 53 alias in the hosted zone of the output "
            "DnsHostedZone)",
        )
        CfnOutput(self, "DnsHostedZone", value=self.domain.domain_name_alias_hosted_zone_id)
