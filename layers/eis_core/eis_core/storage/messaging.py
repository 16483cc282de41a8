"""Mailer on SES and Publisher on SNS."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from eis_core.errors import StorageError, ValidationFailed

if TYPE_CHECKING:
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sns import SNSClient

# SNS rejects subjects over 100 characters or with line breaks.
_SNS_SUBJECT_MAX = 100


class SesMailer:
    def __init__(self, client: SESClient, sender: str) -> None:
        self._ses = client
        self.sender = sender

    def send(self, *, to: Sequence[str], subject: str, body: str) -> str:
        if not to:
            raise ValidationFailed("an email needs at least one recipient")
        if not self.sender:
            raise ValidationFailed("no sender address configured (EIS_SENDER_EMAIL)")
        try:
            response = self._ses.send_email(
                Source=self.sender,
                Destination={"ToAddresses": list(to)},
                Message={
                    "Subject": {"Data": subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
                },
            )
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "error")
            raise StorageError(f"SES {code} sending from {self.sender}: {error}") from error
        return response["MessageId"]


class SnsPublisher:
    def __init__(self, client: SNSClient, topic_arn: str) -> None:
        self._sns = client
        self.topic_arn = topic_arn

    def publish(self, message: dict[str, Any], *, subject: str) -> str:
        if not self.topic_arn:
            raise ValidationFailed("no topic configured (EIS_ALERTS_TOPIC_ARN)")
        clean_subject = " ".join(subject.split())[:_SNS_SUBJECT_MAX] or "EIS"
        try:
            response = self._sns.publish(TopicArn=self.topic_arn, Message=json.dumps(message), Subject=clean_subject)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "error")
            raise StorageError(f"SNS {code} publishing to {self.topic_arn}: {error}") from error
        return response["MessageId"]
