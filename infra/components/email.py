"""The SES identity the notifier sends from; verification happens once per agency after deploy."""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_ses as ses
from constructs import Construct


class SenderIdentity(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, sender_email: str) -> None:
        super().__init__(scope, construct_id)
        self.sender_email = sender_email
        self.identity = ses.EmailIdentity(self, "Identity", identity=ses.Identity.email(sender_email))
        self.identity_arn = Stack.of(self).format_arn(
            service="ses",
            resource="identity",
            resource_name=sender_email,
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
