"""Per-agency Cognito user pool: invited users only, MFA required, agency and officer ids fixed at creation."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from eis_core.storage.schema import AgencyResources

# Who may do what is decided by the case API from these groups (RBAC); precedence resolves overlaps.
GROUPS: dict[str, str] = {
    "admin": "Manages users and agency settings",
    "risk_manager": "Sees every alert and case, assigns reviewers",
    "supervisor": "Reviews and works the cases of officers in their chain of command",
    "auditor": "Reads cases and the audit trail, changes nothing",
    "command": "Command staff: reads the agency's aggregate trend reports, no officer's alerts or cases",
}
CUSTOM_ATTRIBUTES = ("agency_id", "officer_id")


class AgencyUserPool(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, resources: AgencyResources, portal_url: str | None = None
    ) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "Users",
            user_pool_name=resources.user_pool,
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True, username=False),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            mfa=cognito.Mfa.REQUIRED,
            # Authenticator apps only: SMS is phishable and needs an SNS role.
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=14,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            # Immutable: a user can never move themselves to another agency or officer.
            custom_attributes={
                "agency_id": cognito.StringAttribute(min_len=3, max_len=24, mutable=False),
                "officer_id": cognito.StringAttribute(min_len=1, max_len=64, mutable=False),
            },
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for precedence, (group, description) in enumerate(GROUPS.items()):
            cognito.UserPoolGroup(
                self,
                f"Group-{group}",
                user_pool=self.user_pool,
                group_name=group,
                description=description,
                precedence=precedence,
            )
        self.portal_client = self.user_pool.add_client(
            "Portal",
            user_pool_client_name=f"{resources.prefix}-portal",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            # The portal signs in with the authorization code flow and PKCE (a public client, no secret)
            # through the pool's domain, where MFA is required as for every sign-in.
            disable_o_auth=portal_url is None,
            o_auth=(
                cognito.OAuthSettings(
                    flows=cognito.OAuthFlows(authorization_code_grant=True),
                    scopes=[cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
                    callback_urls=[portal_url],
                    logout_urls=[portal_url],
                )
                if portal_url is not None
                else None
            ),
            prevent_user_existence_errors=True,
            enable_token_revocation=True,
            # A shift, not a week: a lost laptop stops working by the next shift.
            access_token_validity=Duration.minutes(15),
            id_token_validity=Duration.minutes(15),
            refresh_token_validity=Duration.hours(12),
            read_attributes=cognito.ClientAttributes()
            .with_standard_attributes(email=True, email_verified=True, given_name=True, family_name=True)
            .with_custom_attributes(*CUSTOM_ATTRIBUTES),
            write_attributes=cognito.ClientAttributes().with_standard_attributes(given_name=True, family_name=True),
        )

        # The hosted sign-in (authorize, token, revoke and logout endpoints) under the pool's own prefix
        # domain; FIPS endpoints in GovCloud.
        self.domain = self.user_pool.add_domain(
            "Domain",
            cognito_domain=cognito.CognitoDomainOptions(domain_prefix=f"{resources.prefix}-{resources.account}"),
        )
        self.auth_base_url = self.domain.base_url(fips=resources.region.startswith("us-gov-"))
