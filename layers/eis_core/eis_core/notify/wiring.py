"""Composition of the notifier: the service (``build_notification_service``) and, for the notify
function, each alert and each deadline notice sent once (``build_notifier``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from eis_core.notify.complaints import CHASE_LOOKBACK_DAYS, ComplaintNotice
from eis_core.notify.service import FOLLOW_UP_KINDS, DeadlineNotice, NotificationService, SweepSummary
from eis_core.notify.wellness import WellnessNotifier
from eis_core.settings import ComplaintPolicy, NotifyPolicy, NotifySettings
from eis_core.wiring import Adapters

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from eis_core.models.messages import AlertCreated
    from eis_core.models.wellness import WellnessCreated

# Longer than SQS keeps a message (14 days at most): any re-delivery still finds the marker.
NOTIFIED_MARKER_SECONDS = 15 * 24 * 3600
# A reminder is once per case (or alert) and day, an escalation once per level (also stored on the case or
# alert); kept a little longer than the day so late retries still see it.
DEADLINE_MARKER_SECONDS = 3 * 24 * 3600
# A check-in reminder or a prompt to close is once per case and due date, however long it stays due: the
# marker outlives the longest check-in period (365 days), so a date is followed up once, not every 3 days.
FOLLOW_UP_MARKER_SECONDS = 400 * 24 * 3600
# A complaint's notice is once per complaint: the marker outlives the window in which the sweep would send it
# (a chase: CHASE_LOOKBACK_DAYS after the acknowledgment was due; a new complaint: NEW_COMPLAINT_LOOKBACK_DAYS).
COMPLAINT_MARKER_SECONDS = (CHASE_LOOKBACK_DAYS + 35) * 24 * 3600


def build_notification_service(
    adapters: Adapters,
    *,
    agency_id: str,
    policy: NotifyPolicy,
    portal_url: str,
    complaint_policy: ComplaintPolicy | None = None,
) -> NotificationService:
    """Alert emails and deadline notices, routed by the agency's policy, sent through ``adapters.mailer``."""
    return NotificationService(
        agency_id=agency_id,
        alerts=adapters.alerts,
        records=adapters.records,
        audit=adapters.audit,
        mailer=adapters.mailer,
        portal_url=portal_url,
        review_days=policy.review_days,
        risk_team_emails=policy.risk_team_emails,
        cases=adapters.cases,
        routing_policy=policy.routing_policy,
        escalation_days=policy.escalation_days,
        handoff_remind_days=policy.handoff_remind_days,
        complaint_policy=complaint_policy if complaint_policy is not None else _complaint_policy(policy),
    )


def _complaint_policy(policy: NotifyPolicy) -> ComplaintPolicy | None:
    """The notify function's settings carry both parts: its complaint policy comes with them."""
    return policy if isinstance(policy, ComplaintPolicy) else None


@dataclass(frozen=True)
class Notifier:
    """What the notify handler calls: each alert notified once; the sweep sending each notice once a day.

    Re-deliveries are recognised by Powertools idempotency records in the agency's idempotency table.
    """

    alert_created: Callable[..., dict[str, Any]]  # alert_created(message=AlertCreated)
    sweep: Callable[[date, str | None], SweepSummary]
    idempotency: tuple[IdempotencyConfig, ...]
    wellness_created: Callable[..., dict[str, Any]] | None = None  # wellness_created(message=WellnessCreated)

    def register_lambda_context(self, context: LambdaContext) -> None:
        """Lets an in-progress marker expire with the invocation's remaining time."""
        for config in self.idempotency:
            config.register_lambda_context(context)


def build_notifier(settings: NotifySettings, adapters: Adapters) -> Notifier:
    from aws_lambda_powertools.utilities.idempotency import (
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    service = build_notification_service(
        adapters, agency_id=settings.agency_id, policy=settings, portal_url=settings.portal_url
    )
    notified = IdempotencyConfig(
        event_key_jmespath="[agency_id, alert_id]",
        expires_after_seconds=NOTIFIED_MARKER_SECONDS,
        raise_on_no_idempotency_key=True,
    )
    noticed = IdempotencyConfig(
        # A reminder is once per day, an escalation once per level (``DeadlineNotice.step``).
        event_key_jmespath="[agency_id, case_id, alert_id, kind, step]",
        expires_after_seconds=DEADLINE_MARKER_SECONDS,
        raise_on_no_idempotency_key=True,
    )

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
        persistence_store=DynamoDBPersistenceLayer(table_name=settings.idempotency_table),
        config=notified,
        key_prefix="notify.alert_created",
    )

    def send_notice(notice: DeadlineNotice) -> dict[str, object]:
        return service.send_deadline_notice(notice)

    send_notice_once: Callable[..., dict[str, object]] = idempotent_function(
        send_notice,
        data_keyword_argument="notice",
        # A layer of its own: a persistence layer keeps the first config it was used with.
        persistence_store=DynamoDBPersistenceLayer(table_name=settings.idempotency_table),
        config=noticed,
        key_prefix="notify.deadline",
    )

    followed_up = IdempotencyConfig(
        event_key_jmespath="[agency_id, case_id, kind, day]",
        expires_after_seconds=FOLLOW_UP_MARKER_SECONDS,
        raise_on_no_idempotency_key=True,
    )
    send_follow_up_once: Callable[..., dict[str, object]] = idempotent_function(
        send_notice,
        data_keyword_argument="notice",
        persistence_store=DynamoDBPersistenceLayer(table_name=settings.idempotency_table),
        config=followed_up,
        key_prefix="notify.follow_up",
    )

    def send_once(notice: DeadlineNotice) -> dict[str, object]:
        if notice.kind in FOLLOW_UP_KINDS:
            return send_follow_up_once(notice=notice)
        return send_notice_once(notice=notice)

    complained = IdempotencyConfig(
        # Once per complaint (and officer, for a new complaint's notice), however many sweeps see it.
        event_key_jmespath="[agency_id, kind, complaint_id, officer_id]",
        expires_after_seconds=COMPLAINT_MARKER_SECONDS,
        raise_on_no_idempotency_key=True,
    )

    def send_complaint(notice: ComplaintNotice) -> dict[str, object]:
        return service.complaints.send(notice)

    send_complaint_once: Callable[..., dict[str, object]] = idempotent_function(
        send_complaint,
        data_keyword_argument="notice",
        persistence_store=DynamoDBPersistenceLayer(table_name=settings.idempotency_table),
        config=complained,
        key_prefix="notify.complaint",
    )

    def complaint_once(notice: ComplaintNotice) -> dict[str, object]:
        return send_complaint_once(notice=notice)

    def sweep(day: date, request_id: str | None) -> SweepSummary:
        return service.sweep_deadlines(day, request_id=request_id, send=send_once, send_complaint=complaint_once)

    wellness_notified = IdempotencyConfig(
        event_key_jmespath="[agency_id, checkin_id]",
        expires_after_seconds=NOTIFIED_MARKER_SECONDS,
        raise_on_no_idempotency_key=True,
    )
    wellness = build_wellness_notifier(settings, adapters)

    def notify_wellness(message: WellnessCreated) -> dict[str, Any]:
        notice = wellness.checkin_created(message)
        return {"checkin_id": notice.checkin_id, "recipients": notice.recipients, "message_id": notice.message_id}

    notify_wellness_once: Callable[..., dict[str, Any]] = idempotent_function(
        notify_wellness,
        data_keyword_argument="message",
        persistence_store=DynamoDBPersistenceLayer(table_name=settings.idempotency_table),
        config=wellness_notified,
        key_prefix="notify.wellness_created",
    )
    return Notifier(
        alert_created=notify_once,
        sweep=sweep,
        idempotency=(notified, noticed, followed_up, complained, wellness_notified),
        wellness_created=notify_wellness_once,
    )


def build_wellness_notifier(settings: NotifySettings, adapters: Adapters) -> WellnessNotifier:
    """Wellness check-in emails: the coordinator, and the direct supervisor only where the agency opts in."""
    return WellnessNotifier(
        agency_id=settings.agency_id,
        store=adapters.wellness,
        records=adapters.records,
        audit=adapters.audit,
        mailer=adapters.mailer,
        portal_url=settings.portal_url,
        coordinator_emails=settings.wellness_coordinator_emails,
        notify_supervisor=settings.wellness_notify_supervisor,
    )
