"""Notification service: tell the right person that an alert is waiting, and nothing more.

The email names no officer and describes no event: it carries the alert id, its level, the review
deadline and a portal link. Whoever reads it signs in to the portal, where access is checked and
audited. Routing: the first supervisor up the officer's chain of command who has an email address;
when there is none, the agency's risk team.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from eis_core.cases.access import RosterCache
from eis_core.errors import EISError, NotFoundError, ValidationFailed
from eis_core.models.alerts import Alert
from eis_core.models.audit import AuditEvent
from eis_core.models.messages import AlertCreated
from eis_core.models.records import Officer, OfficerStatus
from eis_core.storage.ports import AlertStore, AuditLog, Mailer, RecordStore

ACTOR = "notify"


class NoRecipientError(EISError):
    """Nobody can be told: no supervisor with an email up the chain, and no risk team configured."""


class RoutedTo(StrEnum):
    SUPERVISOR = "supervisor"
    RISK_TEAM = "risk_team"


@dataclass(frozen=True)
class Notification:
    """What was sent for one alert (ids and counts only: this ends up in logs and the audit trail)."""

    alert_id: str
    routed_to: RoutedTo
    recipients: int
    message_id: str


def route_recipients(
    roster: Iterable[Officer], officer_id: str, *, risk_team: Sequence[str]
) -> tuple[list[str], RoutedTo]:
    """The first active supervisor up the chain with an email; else the risk team."""
    by_id = {officer.officer_id: officer for officer in roster}
    officer = by_id.get(officer_id)
    supervisor_id = officer.supervisor_id if officer else None
    seen: set[str] = {officer_id}
    while supervisor_id and supervisor_id not in seen:  # a cycle in the roster must not loop forever
        seen.add(supervisor_id)
        supervisor = by_id.get(supervisor_id)
        if supervisor is None:
            break
        if supervisor.email and supervisor.status is not OfficerStatus.SEPARATED:
            return [supervisor.email], RoutedTo.SUPERVISOR
        supervisor_id = supervisor.supervisor_id
    return list(risk_team), RoutedTo.RISK_TEAM


def alert_email(alert: Alert, *, review_by: date, portal_url: str) -> tuple[str, str]:
    """Subject and plain-text body. Deliberately free of names and event details."""
    link = f"{portal_url.rstrip('/')}/alerts/{alert.alert_id}"
    subject = f"EIS {alert.level.value} alert {alert.alert_id}: please review by {review_by.isoformat()}"
    body = "\n".join(
        [
            "An Early Intervention System alert is waiting for your review.",
            "",
            f"Alert:      {alert.alert_id}",
            f"Level:      {alert.level.value}",
            f"Review by:  {review_by.isoformat()}",
            "",
            f"Open it in the EIS portal: {link}",
            "",
            "An alert is a non-punitive prompt to look at an officer's recent record and offer support.",
            "The details are in the portal only. Please do not forward this email.",
        ]
    )
    return subject, body + "\n"


class NotificationService:
    def __init__(
        self,
        *,
        agency_id: str,
        alerts: AlertStore,
        records: RecordStore,
        audit: AuditLog,
        mailer: Mailer,
        portal_url: str,
        review_days: int,
        risk_team_emails: Sequence[str] = (),
        roster_max_age_seconds: float = 300.0,
    ) -> None:
        self._agency_id = agency_id
        self._alerts = alerts
        self._roster = RosterCache(records, max_age_seconds=roster_max_age_seconds)
        self._audit = audit
        self._mailer = mailer
        self._portal_url = portal_url
        self._review_days = review_days
        self._risk_team = tuple(risk_team_emails)

    def alert_created(self, message: AlertCreated, *, request_id: str | None = None) -> Notification:
        """Email the alert's reviewer and audit it. Callers make re-deliveries idempotent."""
        if message.agency_id != self._agency_id:
            raise ValidationFailed(f"message is for agency {message.agency_id}, this is {self._agency_id}")
        alert = self._alerts.get_alert(message.alert_id)
        if alert is None:
            raise NotFoundError(f"alert {message.alert_id} not found")
        recipients, routed_to = route_recipients(
            self._roster.officers().values(), alert.officer_id, risk_team=self._risk_team
        )
        if not recipients:
            raise NoRecipientError(
                f"nobody to notify of alert {alert.alert_id}: no supervisor with an email up the chain "
                "and no risk team (set EIS_RISK_TEAM_EMAILS)"
            )
        review_by = alert.created_at.date() + timedelta(days=self._review_days)
        subject, body = alert_email(alert, review_by=review_by, portal_url=self._portal_url)
        message_id = self._mailer.send(to=recipients, subject=subject, body=body)
        self._audit.append(
            AuditEvent(
                actor=ACTOR,
                role="system",
                action="alert.notify",
                target_type="alert",
                target_id=alert.alert_id,
                agency_id=self._agency_id,
                request_id=request_id,
                detail={
                    "recipients": len(recipients),
                    "routed_to": routed_to.value,
                    "level": alert.level.value,
                    "review_by": review_by.isoformat(),
                    "message_id": message_id,
                },
            )
        )
        return Notification(alert.alert_id, routed_to, len(recipients), message_id)
