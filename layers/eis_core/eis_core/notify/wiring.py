"""Composition of the notification service: one factory for the notify handler and the tests."""

from __future__ import annotations

from eis_core.notify.service import NotificationService
from eis_core.settings import NotifyPolicy
from eis_core.wiring import Adapters


def build_notification_service(
    adapters: Adapters, *, agency_id: str, policy: NotifyPolicy, portal_url: str
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
    )
