"""Notify: two kinds of event -> eis_core notification service.

* SQS batches (``"Records"``: AlertCreated messages from the alerts topic, raw delivery). Each message
  is processed on its own: a malformed or failing one is reported back as a batch item failure (SQS
  retries it, then moves it to the dead-letter queue) and never blocks the others. Re-deliveries are
  idempotent per alert: a Powertools idempotency record in the agency's idempotency table says the
  alert was already notified, so no second email goes out.
* The daily review-deadline sweep (``"detail-type"``: EventBridge ``{"job": "deadline-sweep"}``, invoked
  asynchronously). The sweep's day is the UTC date of the event's time, so EventBridge's retries of
  one schedule sweep the same day. Each case gets at most one reminder or escalation per day (an
  idempotency record keyed by agency, case, kind and day); a failing case fails the invocation after
  the others were sent, and the retry sends only what is missing.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from eis_core.errors import ValidationFailed
from eis_core.models.messages import AlertCreated
from eis_core.notify.service import DeadlineNotice, SweepSummary
from eis_core.notify.wiring import build_notification_service
from eis_core.settings import NotifySettings
from eis_core.wiring import aws_adapters

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="EIS")  # explicit: a missing namespace would fail every invocation
processor = BatchProcessor(event_type=EventType.SQS)

# Longer than SQS keeps a message (14 days at most): any re-delivery still finds the marker.
NOTIFIED_MARKER_SECONDS = 15 * 24 * 3600
idempotency_config = IdempotencyConfig(
    event_key_jmespath="[agency_id, alert_id]",
    expires_after_seconds=NOTIFIED_MARKER_SECONDS,
    raise_on_no_idempotency_key=True,
)
# A reminder is once per case and day; kept a little longer than the day so late retries still see it.
DEADLINE_MARKER_SECONDS = 3 * 24 * 3600
deadline_idempotency_config = IdempotencyConfig(
    event_key_jmespath="[agency_id, case_id, kind, day]",
    expires_after_seconds=DEADLINE_MARKER_SECONDS,
    raise_on_no_idempotency_key=True,
)


class ScheduledJob(BaseModel):
    model_config = ConfigDict(extra="forbid")

    job: Literal["deadline-sweep"]


class ScheduledJobEvent(EventBridgeModel):
    detail: ScheduledJob


@dataclass(frozen=True)
class _Notifier:
    """What the handler calls: each alert notified once; the sweep sending each notice once a day."""

    alert_created: Callable[..., dict[str, Any]]
    sweep: Callable[[date, str | None], SweepSummary]


@functools.cache
def _service() -> _Notifier:
    settings = NotifySettings.from_env(os.environ)  # cold start: a missing sender or portal URL fails here
    service = build_notification_service(
        aws_adapters(settings), agency_id=settings.agency_id, policy=settings, portal_url=settings.portal_url
    )
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table)

    def notify(message: AlertCreated) -> dict[str, Any]:
        notification = service.alert_created(message)
        return {
            "alert_id": notification.alert_id,
            "routed_to": notification.routed_to.value,
            "recipients": notification.recipients,
            "message_id": notification.message_id,
        }

    notify_once: Callable[..., dict[str, Any]] = idempotent_function(
        notify,
        data_keyword_argument="message",
        persistence_store=persistence,
        config=idempotency_config,
        key_prefix="notify.alert_created",
    )

    def send_notice(notice: DeadlineNotice) -> dict[str, object]:
        return service.send_deadline_notice(notice)

    send_notice_once: Callable[..., dict[str, object]] = idempotent_function(
        send_notice,
        data_keyword_argument="notice",
        # A layer of its own: a persistence layer keeps the first config it was used with.
        persistence_store=DynamoDBPersistenceLayer(table_name=settings.idempotency_table),
        config=deadline_idempotency_config,
        key_prefix="notify.deadline",
    )

    def sweep(day: date, request_id: str | None) -> SweepSummary:
        return service.sweep_deadlines(day, request_id=request_id, send=lambda notice: send_notice_once(notice=notice))

    return _Notifier(alert_created=notify_once, sweep=sweep)


@tracer.capture_method
def _handle(record: SQSRecord) -> None:
    message = AlertCreated.model_validate_json(record.body)
    result = _service().alert_created(message=message)
    logger.info("alert notified", extra={"message_id": record.message_id, **result})
    metrics.add_metric(name="AlertsNotified", unit=MetricUnit.Count, value=1)


def _sweep(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job = parse(event=event, model=ScheduledJobEvent)
    day = job.time.date()
    logger.info("deadline sweep", extra={"day": day.isoformat(), "event_id": job.id})
    summary = _service().sweep(day, context.aws_request_id)
    metrics.add_metric(name="ReviewRemindersSent", unit=MetricUnit.Count, value=summary.reminders)
    metrics.add_metric(name="ReviewEscalationsSent", unit=MetricUnit.Count, value=summary.escalations)
    result = {
        "day": day.isoformat(),
        "open_cases": summary.open_cases,
        "due": summary.due,
        "sent": summary.sent,
        "already_sent": summary.already_sent,
        "reminders": summary.reminders,
        "escalations": summary.escalations,
    }
    logger.info("deadline sweep done", extra=result)
    return result


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse | dict[str, Any]:
    _service()  # settings first: a missing one fails the invocation, not each message of the batch
    idempotency_config.register_lambda_context(context)
    deadline_idempotency_config.register_lambda_context(context)
    if "Records" in event:
        metrics.add_metric(name="AlertMessagesReceived", unit=MetricUnit.Count, value=len(event["Records"]))
        return process_partial_response(event=event, record_handler=_handle, processor=processor, context=context)
    if "detail-type" in event:
        return _sweep(event, context)
    raise ValidationFailed("not an SQS batch nor an EventBridge scheduled job; nothing was done")
