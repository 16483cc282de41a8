"""Deliver AWS events to the handlers in process, as S3, EventBridge and SQS would in the cloud.

moto stores the objects, tables and messages but does not invoke Lambda; this module builds the same
event JSON AWS sends and calls the same handler functions Lambda runs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

from eis_core.ingest.contract import UPLOAD_PREFIX
from eis_core.models.records import RecordKind
from eis_core.storage.schema import Bucket
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.stack import LocalStack


def s3_put_event(*, bucket: str, key: str, size: int, etag: str, version_id: str | None, region: str) -> dict[str, Any]:
    """An S3 ObjectCreated:Put notification; the key is URL-encoded as S3 sends it."""
    obj: dict[str, Any] = {
        "key": quote_plus(key, safe="/"),
        "size": size,
        "eTag": etag.strip('"'),
        "sequencer": uuid.uuid4().hex[:18].upper(),
    }
    if version_id:
        obj["versionId"] = version_id
    return {
        "Records": [
            {
                "eventVersion": "2.1",
                "eventSource": "aws:s3",
                "awsRegion": region,
                "eventTime": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "eventName": "ObjectCreated:Put",
                "userIdentity": {"principalId": "AWS:LOCALUPLOADER"},
                "requestParameters": {"sourceIPAddress": "127.0.0.1"},
                "responseElements": {"x-amz-request-id": uuid.uuid4().hex[:16].upper(), "x-amz-id-2": "local"},
                "s3": {
                    "s3SchemaVersion": "1.0",
                    "configurationId": "eis-ingest",
                    "bucket": {
                        "name": bucket,
                        "ownerIdentity": {"principalId": "LOCAL"},
                        "arn": f"arn:aws:s3:::{bucket}",
                    },
                    "object": obj,
                },
            }
        ]
    }


def scheduled_event(*, as_of: date | None, account: str, region: str, rule: str) -> dict[str, Any]:
    """An EventBridge scheduled event; ``detail.as_of`` asks for an on-demand run for that date."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{account}:rule/{rule}"],
        "detail": {"as_of": as_of.isoformat()} if as_of else {},
    }


def sqs_event(messages: list[dict[str, Any]], *, queue_arn: str, region: str) -> dict[str, Any]:
    """The SQS event Lambda's event source mapping builds from received messages."""
    return {
        "Records": [
            {
                "messageId": m["MessageId"],
                "receiptHandle": m["ReceiptHandle"],
                "body": m["Body"],
                "attributes": m.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": m["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for m in messages
        ]
    }


@dataclass(frozen=True)
class SentEmail:
    to: list[str]
    subject: str
    body: str


def cold_start(handler_module: Any) -> Any:
    """Drop everything a handler module cached (settings, services, clients), as a new Lambda execution
    environment would: a cache left from another agency's settings would send requests to its tables."""
    for value in vars(handler_module).values():
        if getattr(value, "__module__", None) == handler_module.__name__ and callable(
            getattr(value, "cache_clear", None)
        ):
            value.cache_clear()
    return handler_module


class LocalRuntime:
    """Runs the pipeline on a local stack: upload -> ingest -> score -> notify."""

    def __init__(self, stack: LocalStack) -> None:
        import functions.ingest.handler
        import functions.notify.handler
        import functions.score.handler

        self.stack = stack
        self._ingest = cold_start(functions.ingest.handler)
        self._score = cold_start(functions.score.handler)
        self._notify = cold_start(functions.notify.handler)
        self._s3 = stack.session.client("s3")
        self._sqs = stack.session.client("sqs")

    def _context(self, purpose: str) -> LocalLambdaContext:
        resources = self.stack.resources
        return LocalLambdaContext(
            function_name=resources.function(purpose), region=resources.region, account=resources.account
        )

    def upload(self, path: Path, kind: RecordKind) -> dict[str, Any]:
        """PUT an extract where an agency would, then deliver S3's event to the ingest function."""
        bucket = self.stack.resources.bucket(Bucket.UPLOADS)
        key = f"{UPLOAD_PREFIX}{kind.value}/{path.name}"
        body = path.read_bytes()
        put = self._s3.put_object(Bucket=bucket, Key=key, Body=body)
        event = s3_put_event(
            bucket=bucket,
            key=key,
            size=len(body),
            etag=put["ETag"],
            version_id=put.get("VersionId"),
            region=self.stack.resources.region,
        )
        result: dict[str, Any] = self._ingest.lambda_handler(event, self._context("ingest"))
        return result

    def score(self, as_of: date | None) -> dict[str, Any]:
        resources = self.stack.resources
        event = scheduled_event(
            as_of=as_of, account=resources.account, region=resources.region, rule=resources.function("score-daily")
        )
        result: dict[str, Any] = self._score.lambda_handler(event, self._context("score"))
        return result

    def run_job(self, function: str, job: str, *, as_of: date | None = None) -> dict[str, Any]:
        """A scheduled job (``{"job": ...}`` in an EIS schedule's event), as the stack's rules send it."""
        resources = self.stack.resources
        event = scheduled_event(as_of=as_of, account=resources.account, region=resources.region, rule=job)
        event |= {
            "detail-type": "EIS scheduled job",
            "source": "eis.schedule",
            "detail": event["detail"] | {"job": job},
        }
        handler = {"score": self._score, "notify": self._notify}[function]
        result: dict[str, Any] = handler.lambda_handler(event, self._context(function))
        return result

    def deliver_notifications(self) -> int:
        """Poll the notify queue like Lambda's event source mapping; delete what the handler accepted."""
        queue_url = self.stack.agency.notify_queue_url
        queue_arn = self._sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        delivered = 0
        while True:
            messages = self._sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, AttributeNames=["All"], WaitTimeSeconds=0
            ).get("Messages", [])
            if not messages:
                return delivered
            event = sqs_event(messages, queue_arn=queue_arn, region=self.stack.resources.region)
            result = self._notify.lambda_handler(event, self._context("notify")) or {}
            failed = {item["itemIdentifier"] for item in result.get("batchItemFailures", [])}
            done = [m for m in messages if m["MessageId"] not in failed]
            if done:
                self._sqs.delete_message_batch(
                    QueueUrl=queue_url,
                    Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done)],
                )
            delivered += len(done)
            if failed:
                # Failed messages become visible again after the queue's visibility timeout (then the DLQ).
                return delivered

    def sent_emails(self) -> list[SentEmail]:
        """Emails SES accepted, read from moto's SES backend (the local stack's mail capture)."""
        from moto.backends import get_backend

        ses = get_backend("ses")[self.stack.resources.account][self.stack.resources.region]
        return [SentEmail(list(m.destinations.get("ToAddresses", [])), m.subject, m.body) for m in ses.sent_messages]
