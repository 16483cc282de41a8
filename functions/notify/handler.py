"""Notify: SQS (AlertCreated messages from the alerts topic, raw delivery) -> eis_core notification service.

Each message is processed on its own: a malformed or failing one is reported back as a batch item
failure (SQS retries it, then moves it to the dead-letter queue) and never blocks the others.
Re-deliveries are idempotent per alert: a Powertools idempotency record in the agency's idempotency
table says the alert was already notified, so no second email goes out.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

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
from aws_lambda_powertools.utilities.typing import LambdaContext

from eis_core.models.messages import AlertCreated
from eis_core.notify.service import NotificationService
from eis_core.settings import Settings
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


@functools.cache
def _service() -> Callable[..., dict[str, Any]]:
    """The notification service, wrapped so that each alert is notified at most once."""
    settings = Settings.from_env(os.environ)
    adapters = aws_adapters(settings)
    service = NotificationService(
        agency_id=settings.agency_id,
        alerts=adapters.alerts,
        records=adapters.records,
        audit=adapters.audit,
        mailer=adapters.mailer,
        portal_url=settings.portal_url,
        review_days=settings.review_days,
        risk_team_emails=settings.risk_team_emails,
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
    return notify_once


@tracer.capture_method
def _handle(record: SQSRecord) -> None:
    message = AlertCreated.model_validate_json(record.body)
    result = _service()(message=message)
    logger.info("alert notified", extra={"message_id": record.message_id, **result})
    metrics.add_metric(name="AlertsNotified", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    idempotency_config.register_lambda_context(context)
    metrics.add_metric(name="AlertMessagesReceived", unit=MetricUnit.Count, value=len(event.get("Records", [])))
    return process_partial_response(event=event, record_handler=_handle, processor=processor, context=context)
