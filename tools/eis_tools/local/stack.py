"""The embedded default: one agency's stack on moto's server at 127.0.0.1.

Starts ``ThreadedMotoServer``, points boto3 at it through ``AWS_ENDPOINT_URL`` (so the handlers run
unchanged), creates the agency's resources from the shared schema and a Cognito user pool whose
tokens are real RS256 JWTs, verifiable against the pool's JWKS exactly as API Gateway's Cognito
authorizer does. Not imported by any handler.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3

from eis_core.storage.schema import AgencyResources
from eis_tools.local.resources import LocalAgency, create_agency_resources

LOCAL_ACCOUNT = "123456789012"  # moto's default account
LOCAL_REGION = "us-east-1"
ROLES = ("supervisor", "risk_manager", "auditor", "admin", "command", "wellness")


@dataclass(frozen=True)
class LocalUser:
    username: str
    role: str
    officer_id: str | None
    id_token: str
    password: str = field(default="", repr=False)  # for the portal's sign-in form on the local stack


@dataclass
class LocalStack:
    """A running local stack for one agency."""

    endpoint: str
    agency: LocalAgency
    user_pool_id: str
    client_id: str
    session: Any
    users: dict[str, LocalUser] = field(default_factory=dict)

    @property
    def resources(self) -> AgencyResources:
        return self.agency.resources

    @property
    def jwks_url(self) -> str:
        return f"{self.endpoint}/{self.user_pool_id}/.well-known/jwks.json"

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{self.resources.region}.amazonaws.com/{self.user_pool_id}"

    def add_user(
        self, username: str, *, role: str, officer_id: str | None = None, email: str | None = None
    ) -> LocalUser:
        """Create a user in the agency's pool, put it in its role's group, and sign it in for a token."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}: expected one of {', '.join(ROLES)}")
        cognito = self.session.client("cognito-idp")
        attributes = [
            {"Name": "email", "Value": email or f"{username}@{self.resources.agency_id}.example.gov"},
            {"Name": "custom:agency_id", "Value": self.resources.agency_id},
        ]
        if officer_id:
            attributes.append({"Name": "custom:officer_id", "Value": officer_id})
        cognito.admin_create_user(
            UserPoolId=self.user_pool_id, Username=username, UserAttributes=attributes, MessageAction="SUPPRESS"
        )
        # The prefix meets the pool's policy (upper, lower, digit, symbol) whatever the random part holds:
        # token_urlsafe alone sometimes has no digit, and the sign-in then failed now and again.
        password = "Eis-7" + secrets.token_urlsafe(18)
        cognito.admin_set_user_password(
            UserPoolId=self.user_pool_id, Username=username, Password=password, Permanent=True
        )
        cognito.admin_add_user_to_group(UserPoolId=self.user_pool_id, Username=username, GroupName=role)
        auth = cognito.admin_initiate_auth(
            UserPoolId=self.user_pool_id,
            ClientId=self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": password},
        )
        user = LocalUser(username, role, officer_id, auth["AuthenticationResult"]["IdToken"], password)
        self.users[username] = user
        return user


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _create_user_pool(session: Any, resources: AgencyResources) -> tuple[str, str]:
    cognito = session.client("cognito-idp")
    pool_id = cognito.create_user_pool(
        PoolName=resources.user_pool,
        MfaConfiguration="OFF",  # the deployed pool requires MFA; moto cannot complete an MFA challenge
        AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
        Schema=[
            {"Name": "agency_id", "AttributeDataType": "String", "Mutable": False},
            {"Name": "officer_id", "AttributeDataType": "String", "Mutable": False},
        ],
    )["UserPool"]["Id"]
    for role in ROLES:
        cognito.create_group(GroupName=role, UserPoolId=pool_id)
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=f"{resources.prefix}-portal",
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ReadAttributes=["email", "custom:agency_id", "custom:officer_id"],
    )["UserPoolClient"]["ClientId"]
    return pool_id, client_id


@contextmanager
def local_stack(agency_id: str, *, sender_email: str | None = None, port: int | None = None) -> Iterator[LocalStack]:
    """Run moto's server, create the agency, and point this process's AWS clients at it.

    moto answers one request at a time per table (``moto_locks``), as DynamoDB applies each atomically.
    """
    from eis_tools.local.moto_locks import LockedMotoServer  # local-only dependency (moto)

    port = port or _free_port()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's server would log every request
    server = LockedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    local_env = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": LOCAL_REGION,
        "AWS_REGION": LOCAL_REGION,
        "POWERTOOLS_TRACE_DISABLED": "1",
        "POWERTOOLS_METRICS_NAMESPACE": "EIS",
        "POWERTOOLS_METRICS_DISABLED": "true",  # EMF lines would flood the console; CloudWatch reads them in AWS
        "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
    }
    resources = AgencyResources(agency_id=agency_id, account=LOCAL_ACCOUNT, region=LOCAL_REGION)
    saved = dict(os.environ)
    for name in ("AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_USE_FIPS_ENDPOINT"):
        os.environ.pop(name, None)
    os.environ.update(local_env)
    try:
        session = boto3.session.Session(region_name=LOCAL_REGION)
        agency = create_agency_resources(
            session, resources, sender_email=sender_email or f"eis-noreply@{agency_id}.example.gov"
        )
        # The handlers run in this process and read their configuration from the environment, as in Lambda.
        os.environ.update(agency.environment())
        pool_id, client_id = _create_user_pool(session, resources)
        yield LocalStack(endpoint, agency, pool_id, client_id, session)
    finally:
        server.stop()
        os.environ.clear()
        os.environ.update(saved)
