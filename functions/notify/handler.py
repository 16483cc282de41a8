"""Notify: two kinds of event -> eis_core notification service.

* SQS batches (``"Records"``: AlertCreated messages from the alerts topic, raw delivery). Each message
  is processed on its own: a malformed or failing one is reported back as a batch item failure (SQS
  retries it, then moves it to the dead-letter queue) and never blocks the others. Re-deliveries are
  idempotent per alert: a Powertools idempotency record in the agency's idempotency table says the
  alert was already notified, so no second email goes out.
* The daily review-deadline sweep (``"detail-type"``: EventBridge ``{"job": "deadline-sweep"}``, invoked
  asynchronously). The sweep's day is the UTC date of the event's time, so EventBridge's retries of
  one schedule sweep the same day. Each open case, and each alert still without a case, gets at most
  one reminder a day and each escalation level once (an idempotency record keyed by agency, case or
  alert, kind and day or level; the level reached is also stored on the case or alert); a failing one
  fails the invocation after the others were sent, and the retry sends only what is missing.
"""

from __future__ import annotations

import functools
import os
from typing import Any, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from eis_core.errors import ValidationFailed
from eis_core.models.messages import AlertCreated
from eis_core.models.wellness import WellnessCreated
from eis_core.notify.wiring import Notifier, build_notifier
from eis_core.settings import NotifySettings
from eis_core.wiring import aws_adapters

WELLNESS_TYPE = '"wellness.checkin_created"'
"""How a wellness check-in message reads in its JSON body (alert messages never contain it)."""
logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="EIS")  # explicit: a missing namespace would fail every invocation
processor = BatchProcessor(event_type=EventType.SQS)


class ScheduledJob(BaseModel):
    model_config = ConfigDict(extra="forbid")

    job: Literal["deadline-sweep"]


class ScheduledJobEvent(EventBridgeModel):
    detail: ScheduledJob


@functools.cache
def _service() -> Notifier:
    settings = NotifySettings.from_env(os.environ)  # cold start: a missing sender or portal URL fails here
    return build_notifier(settings, aws_adapters(settings))


@tracer.capture_method
def _handle(record: SQSRecord) -> None:
    if WELLNESS_TYPE in record.body:  # the score job's wellness step: its own message, its own recipients
        _handle_wellness(record)
        return
    message = AlertCreated.model_validate_json(record.body)
    result = _service().alert_created(message=message)
    logger.info("alert notified", extra={"message_id": record.message_id, **result})
    metrics.add_metric(name="AlertsNotified", unit=MetricUnit.Count, value=1)


def _handle_wellness(record: SQSRecord) -> None:
    checkin = WellnessCreated.model_validate_json(record.body)
    send = _service().wellness_created
    if send is None:
        raise ValidationFailed("this notifier sends no wellness check-ins")
    result = send(message=checkin)
    logger.info("wellness check-in notified", extra={"message_id": record.message_id, **result})
    metrics.add_metric(name="WellnessCheckInsNotified", unit=MetricUnit.Count, value=1)


def _sweep(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    job = parse(event=event, model=ScheduledJobEvent)
    day = job.time.date()
    logger.info("deadline sweep", extra={"day": day.isoformat(), "event_id": job.id})
    summary = _service().sweep(day, context.aws_request_id)
    metrics.add_metric(name="ReviewRemindersSent", unit=MetricUnit.Count, value=summary.reminders)
    metrics.add_metric(name="ReviewEscalationsSent", unit=MetricUnit.Count, value=summary.escalations)
    metrics.add_metric(name="CasesTransferred", unit=MetricUnit.Count, value=summary.transfers)
    metrics.add_metric(name="HandoffRemindersSent", unit=MetricUnit.Count, value=summary.handoff_reminders)
    metrics.add_metric(name="DeferralReviewsSent", unit=MetricUnit.Count, value=summary.deferral_reviews)
    metrics.add_metric(name="CheckInRemindersSent", unit=MetricUnit.Count, value=summary.checkins)
    metrics.add_metric(name="MonitoringEndPromptsSent", unit=MetricUnit.Count, value=summary.monitoring_ends)
    metrics.add_metric(name="ComplaintsChased", unit=MetricUnit.Count, value=summary.complaints_chased)
    metrics.add_metric(name="NewComplaintsTold", unit=MetricUnit.Count, value=summary.complaint_supervisors_told)
    result = {
        "day": day.isoformat(),
        "open_cases": summary.open_cases,
        "open_alerts": summary.open_alerts,
        "due": summary.due,
        "sent": summary.sent,
        "already_sent": summary.already_sent,
        "reminders": summary.reminders,
        "escalations": summary.escalations,
        "transfers": summary.transfers,
        "handoff_reminders": summary.handoff_reminders,
        "deferral_reviews": summary.deferral_reviews,
        "skipped": summary.skipped,
        "checkins": summary.checkins,
        "monitoring_ends": summary.monitoring_ends,
        "complaints_chased": summary.complaints_chased,
        "new_complaints_told": summary.complaint_supervisors_told,
        "complaint_notices_already_sent": summary.complaint_notices_already_sent,
    }
    logger.info("deadline sweep done", extra=result)
    return result


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse | dict[str, Any]:
    # Settings first: a missing one fails the invocation, not each message of the batch.
    _service().register_lambda_context(context)
    if "Records" in event:
        metrics.add_metric(name="AlertMessagesReceived", unit=MetricUnit.Count, value=len(event["Records"]))
        return process_partial_response(event=event, record_handler=_handle, processor=processor, context=context)
    if "detail-type" in event:
        return _sweep(event, context)
    raise ValidationFailed("not an SQS batch nor an EventBridge scheduled job; nothing was done")
