"""Notification service: tell the right person that an alert is waiting, and nothing more.

The email names no officer and describes no event: it carries the alert (or case) id, its level, the
review deadline and a portal link (the texts are in ``eis_core.notify.templates``). Whoever reads it
signs in to the portal, where access is checked and audited.

Routing follows the agency's routing policy (``EIS_ROUTING_POLICY``, ``eis_core.settings.RoutingPolicy``):
- ``chain_of_command``: the first active supervisor up the officer's chain who has an email address;
  when there is none, the agency's risk team;
- ``risk_team``: the risk team (the chain when no risk team is configured);
- ``chain_of_command_and_risk_team``: both.

Review deadlines (the daily sweep): every open case whose review date is at most two days away, or
passed, gets one reminder a day to its assigned supervisor (the first reachable one up from them).
From ``EIS_ESCALATION_DAYS`` past the date, the daily reminder becomes an escalation to the next
supervisor above, routed by the routing policy like an alert.

Follow-ups (the same sweep), once a case is past its review (``eis_core.notify.follow_up``): when an
intervention's check-in falls due, its owner and the case's supervisor are reminded once for that due
date; when monitoring is over, the case's supervisor is prompted once to close it. For these notices
``DeadlineNotice.day`` is the due date, not the sweep's day. Closed cases get nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from eis_core.cases.access import RosterCache
from eis_core.errors import EISError, NotFoundError, ValidationFailed
from eis_core.models.audit import AuditEvent
from eis_core.models.cases import Case
from eis_core.models.messages import AlertCreated
from eis_core.models.records import Officer, OfficerStatus
from eis_core.notify import follow_up, templates
from eis_core.settings import RoutingPolicy
from eis_core.storage.ports import AlertStore, AuditLog, CaseStore, Mailer, RecordStore

ACTOR = "notify"
REMINDER_WINDOW_DAYS = 2  # remind this many days before the review date, and every day after it


class NoRecipientError(EISError):
    """Nobody can be told: no supervisor with an email up the chain, and no risk team configured."""


class SweepIncompleteError(EISError):
    """Some cases could not be reminded; the others were. A retry sends only what is missing."""


class RoutedTo(StrEnum):
    SUPERVISOR = "supervisor"
    RISK_TEAM = "risk_team"
    SUPERVISOR_AND_RISK_TEAM = "supervisor_and_risk_team"


class DeadlineKind(StrEnum):
    REMINDER = "reminder"
    ESCALATE = "escalate"
    CHECKIN = "checkin"  # an intervention's check-in is due
    MONITORING_END = "monitoring_end"  # monitoring is over: prompt to close


FOLLOW_UP_KINDS = frozenset({DeadlineKind.CHECKIN, DeadlineKind.MONITORING_END})
"""Sent once per case and due date (``DeadlineNotice.day`` is that date), however many sweeps see it."""


class DeadlineNotice(BaseModel):
    """One reminder or escalation due for one case on one day: the unit sent at most once.

    ``request_id`` names the invocation that wants it sent; it is not part of the identity.
    """

    model_config = ConfigDict(frozen=True)

    agency_id: str
    case_id: str
    kind: DeadlineKind
    day: date
    request_id: str | None = None
    swept_on: date | None = None  # follow-ups: the sweep's day (not part of the identity either)


@dataclass(frozen=True)
class SweepSummary:
    """What one sweep did (ids and counts only)."""

    day: date
    open_cases: int
    due: int
    sent: int
    already_sent: int
    reminders: int
    escalations: int
    failed: list[str] = field(default_factory=list)
    closed_meanwhile: int = 0  # listed open (the index lags), closed when read: nothing sent
    checkins: int = 0  # check-in reminders sent
    monitoring_ends: int = 0  # prompts to close after monitoring sent
    no_longer_due: int = 0  # a check-in was recorded (or the case moved) between listing and sending


DeadlineSender = Callable[[DeadlineNotice], Mapping[str, object]]


@dataclass(frozen=True)
class Notification:
    """What was sent for one alert (ids and counts only: this ends up in logs and the audit trail)."""

    alert_id: str
    routed_to: RoutedTo
    recipients: int
    message_id: str


def first_reachable(by_id: Mapping[str, Officer], start_id: str | None, *, skip: Iterable[str] = ()) -> Officer | None:
    """``start_id`` or, failing that, the first supervisor above them: active (not separated), with an email."""
    seen: set[str] = set(skip)
    supervisor_id = start_id
    while supervisor_id and supervisor_id not in seen:  # a cycle in the roster must not loop forever
        seen.add(supervisor_id)
        supervisor = by_id.get(supervisor_id)
        if supervisor is None:
            return None
        if supervisor.email and supervisor.status is not OfficerStatus.SEPARATED:
            return supervisor
        supervisor_id = supervisor.supervisor_id
    return None


def by_routing_policy(
    supervisor: Officer | None, *, risk_team: Sequence[str], model: RoutingPolicy
) -> tuple[list[str], RoutedTo]:
    """Recipients under the agency's routing policy; each side stands in when the other has nobody."""
    chain = [supervisor.email] if supervisor is not None and supervisor.email else []
    team = list(risk_team)
    if model is RoutingPolicy.RISK_TEAM and team:
        return team, RoutedTo.RISK_TEAM
    if model is RoutingPolicy.CHAIN_OF_COMMAND_AND_RISK_TEAM and chain and team:
        return chain + [email for email in team if email not in chain], RoutedTo.SUPERVISOR_AND_RISK_TEAM
    if chain:
        return chain, RoutedTo.SUPERVISOR
    return team, RoutedTo.RISK_TEAM


def route_recipients(
    roster: Iterable[Officer],
    officer_id: str,
    *,
    risk_team: Sequence[str],
    model: RoutingPolicy = RoutingPolicy.CHAIN_OF_COMMAND,
) -> tuple[list[str], RoutedTo]:
    """The first active supervisor up the chain with an email, else the risk team (per the routing policy)."""
    by_id = {officer.officer_id: officer for officer in roster}
    officer = by_id.get(officer_id)
    supervisor = first_reachable(by_id, officer.supervisor_id if officer else None, skip=[officer_id])
    return by_routing_policy(supervisor, risk_team=risk_team, model=model)


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
        cases: CaseStore | None = None,
        routing_policy: RoutingPolicy = RoutingPolicy.CHAIN_OF_COMMAND,
        escalation_days: int = 7,
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
        self._cases = cases
        self._routing_policy = routing_policy
        self._escalation_days = escalation_days

    def alert_created(self, message: AlertCreated, *, request_id: str | None = None) -> Notification:
        """Email the alert's reviewer and audit it. Callers make re-deliveries idempotent."""
        if message.agency_id != self._agency_id:
            raise ValidationFailed(f"message is for agency {message.agency_id}, this is {self._agency_id}")
        alert = self._alerts.get_alert(message.alert_id)
        if alert is None:
            raise NotFoundError(f"alert {message.alert_id} not found")
        recipients, routed_to = route_recipients(
            self._roster.officers().values(), alert.officer_id, risk_team=self._risk_team, model=self._routing_policy
        )
        if not recipients:
            raise NoRecipientError(
                f"nobody to notify of alert {alert.alert_id}: no supervisor with an email up the chain "
                "and no risk team (set EIS_RISK_TEAM_EMAILS)"
            )
        review_by = alert.created_at.date() + timedelta(days=self._review_days)
        subject, body = templates.alert_email(alert, review_by=review_by, portal_url=self._portal_url)
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

    # --- review deadlines -----------------------------------------------------------------------

    def due_notices(self, day: date, *, request_id: str | None = None) -> tuple[int, list[DeadlineNotice]]:
        """Open cases, and the reminder or escalation each one is due on ``day`` (at most one per case)."""
        cases = self._case_store().list_open_cases()
        notices = [
            DeadlineNotice(agency_id=self._agency_id, case_id=case.case_id, kind=kind, day=day, request_id=request_id)
            for case in cases
            if case.is_open and (kind := self._deadline_kind(case, day)) is not None
        ]
        notices += self._follow_up_notices(cases, day, request_id)
        return len(cases), notices

    def _follow_up_notices(self, cases: Sequence[Case], day: date, request_id: str | None) -> list[DeadlineNotice]:
        """Check-ins due and monitoring over, for open cases past their review (each read with its interventions)."""
        notices: list[DeadlineNotice] = []
        for listed in cases:
            if listed.status not in follow_up.FOLLOW_UP_STATUSES:
                continue
            case = self._case_store().get_case(listed.case_id)
            if case is None or not case.is_open:
                continue
            due = _follow_up_due(case, day)
            if due is not None:
                kind, due_on = due
                notices.append(
                    DeadlineNotice(
                        agency_id=self._agency_id,
                        case_id=case.case_id,
                        kind=kind,
                        day=due_on,
                        request_id=request_id,
                        swept_on=day,
                    )
                )
        return notices

    def _deadline_kind(self, case: Case, day: date) -> DeadlineKind | None:
        if case.status in follow_up.FOLLOW_UP_STATUSES:
            return None  # reviewed: check-ins and the end of monitoring are followed up instead
        days_left = (case.review_due_on - day).days
        if days_left > REMINDER_WINDOW_DAYS:
            return None
        return DeadlineKind.ESCALATE if -days_left >= self._escalation_days else DeadlineKind.REMINDER

    def send_deadline_notice(self, notice: DeadlineNotice) -> dict[str, object]:
        """Email one reminder or escalation and audit it. Callers make it once per case, kind and day."""
        if notice.agency_id != self._agency_id:
            raise ValidationFailed(f"notice is for agency {notice.agency_id}, this is {self._agency_id}")
        case = self._case_store().get_case(notice.case_id)
        if case is None:
            raise NotFoundError(f"case {notice.case_id} not found")
        if not case.is_open:
            # The open-case listing is eventually consistent; this read is not. A closed case's
            # reminders and escalations stop: nothing is sent or audited.
            return {
                "case_id": case.case_id,
                "kind": notice.kind.value,
                "skipped": "closed",
                "request_id": notice.request_id,
            }
        if notice.kind in FOLLOW_UP_KINDS:
            return self._send_follow_up(case, notice)
        by_id = self._roster.officers()
        officer = by_id.get(case.officer_id)
        assigned = first_reachable(
            by_id, case.supervisor_id or (officer.supervisor_id if officer else None), skip=[case.officer_id]
        )
        detail: dict[str, object] = {"review_due_on": case.review_due_on.isoformat()}
        if notice.kind is DeadlineKind.ESCALATE:
            # Above whoever the reminders went to; without anyone there, the risk team.
            above = None
            if assigned is not None:
                above = first_reachable(by_id, assigned.supervisor_id, skip=[case.officer_id, assigned.officer_id])
            recipients, routed_to = by_routing_policy(above, risk_team=self._risk_team, model=self._routing_policy)
            if above is not None and routed_to is not RoutedTo.RISK_TEAM:
                detail["escalated_to"] = above.officer_id
        else:
            recipients, routed_to = by_routing_policy(
                assigned, risk_team=self._risk_team, model=RoutingPolicy.CHAIN_OF_COMMAND
            )
        if not recipients:
            raise NoRecipientError(
                f"nobody to send the {notice.kind.value} for case {case.case_id} to: no supervisor with an email "
                "up the chain and no risk team (set EIS_RISK_TEAM_EMAILS)"
            )
        subject, body = templates.deadline_email(
            case, day=notice.day, escalated=notice.kind is DeadlineKind.ESCALATE, portal_url=self._portal_url
        )
        message_id = self._mailer.send(to=recipients, subject=subject, body=body)
        days_overdue = max(0, (notice.day - case.review_due_on).days)
        detail |= {
            "day": notice.day.isoformat(),
            "days_overdue": days_overdue,
            "recipients": len(recipients),
            "routed_to": routed_to.value,
            "message_id": message_id,
        }
        self._audit.append(
            AuditEvent(
                actor=ACTOR,
                role="system",
                action=f"case.{notice.kind.value}",
                target_type="case",
                target_id=case.case_id,
                agency_id=self._agency_id,
                request_id=notice.request_id,
                detail=detail,
            )
        )
        return {
            "case_id": case.case_id,
            "kind": notice.kind.value,
            "routed_to": routed_to.value,
            "recipients": len(recipients),
            "message_id": message_id,
            "request_id": notice.request_id,
        }

    def _send_follow_up(self, case: Case, notice: DeadlineNotice) -> dict[str, object]:
        """A check-in reminder (owners and the case's supervisor) or a prompt to close (the supervisor)."""
        skipped: dict[str, object] = {
            "case_id": case.case_id,
            "kind": notice.kind.value,
            "request_id": notice.request_id,
        }
        by_id = self._roster.officers()
        officer = by_id.get(case.officer_id)
        assigned = first_reachable(
            by_id, case.supervisor_id or (officer.supervisor_id if officer else None), skip=[case.officer_id]
        )
        detail: dict[str, object] = {"due_on": notice.day.isoformat()}
        recipients: list[str] = []
        if notice.kind is DeadlineKind.CHECKIN:
            due = follow_up.checkins_due(case, notice.day)
            if not due:
                return skipped | {"skipped": "no_longer_due"}
            for intervention in due:  # the owners first, if they can be reached; never the officer
                owner = by_id.get(intervention.owner or "")
                if owner is None or owner.officer_id == case.officer_id or owner.status is OfficerStatus.SEPARATED:
                    continue
                if owner.email and owner.email not in recipients:
                    recipients.append(owner.email)
            subject, body = templates.checkin_email(
                case, due_on=notice.day, count=len(due), day=notice.swept_on or notice.day, portal_url=self._portal_url
            )
            detail["intervention_ids"] = [intervention.intervention_id for intervention in due]
        else:
            if follow_up.monitoring_over(case, notice.day) != notice.day:
                return skipped | {"skipped": "no_longer_due"}
            subject, body = templates.monitoring_end_email(case, ends_on=notice.day, portal_url=self._portal_url)
        if assigned is not None and assigned.email and assigned.email not in recipients:
            recipients.append(assigned.email)
        routed_to = RoutedTo.SUPERVISOR
        if not recipients:
            recipients, routed_to = list(self._risk_team), RoutedTo.RISK_TEAM
        if not recipients:
            raise NoRecipientError(
                f"nobody to send the {notice.kind.value} notice for case {case.case_id} to: no owner or supervisor "
                "with an email and no risk team (set EIS_RISK_TEAM_EMAILS)"
            )
        message_id = self._mailer.send(to=recipients, subject=subject, body=body)
        detail |= {"recipients": len(recipients), "routed_to": routed_to.value, "message_id": message_id}
        self._audit.append(
            AuditEvent(
                actor=ACTOR,
                role="system",
                action=f"case.{notice.kind.value}",
                target_type="case",
                target_id=case.case_id,
                agency_id=self._agency_id,
                request_id=notice.request_id,
                detail=detail,
            )
        )
        return {
            "case_id": case.case_id,
            "kind": notice.kind.value,
            "routed_to": routed_to.value,
            "recipients": len(recipients),
            "message_id": message_id,
            "request_id": notice.request_id,
        }

    def sweep_deadlines(
        self, day: date, *, request_id: str | None = None, send: DeadlineSender | None = None
    ) -> SweepSummary:
        """Send every reminder and escalation due on ``day``.

        ``send`` wraps ``send_deadline_notice`` to make it once per case, kind and day (the handler uses
        Powertools idempotency); a result from an earlier invocation counts as already sent. A case that
        fails does not stop the others; SweepIncompleteError names the failures after all were tried.
        """
        send = send or self.send_deadline_notice
        open_cases, notices = self.due_notices(day, request_id=request_id)
        sent = already = reminders = escalations = closed = checkins = monitoring_ends = gone = 0
        failed: list[str] = []
        for notice in notices:
            try:
                result = send(notice)
            except EISError as error:
                failed.append(f"{notice.case_id}: {error}")
                continue
            if result.get("skipped") == "closed":
                closed += 1
            elif result.get("skipped") == "no_longer_due":
                gone += 1
            elif result.get("request_id") == request_id:
                sent += 1
                reminders += notice.kind is DeadlineKind.REMINDER
                escalations += notice.kind is DeadlineKind.ESCALATE
                checkins += notice.kind is DeadlineKind.CHECKIN
                monitoring_ends += notice.kind is DeadlineKind.MONITORING_END
            else:
                already += 1
        summary = SweepSummary(
            day,
            open_cases,
            len(notices),
            sent,
            already,
            reminders,
            escalations,
            failed,
            closed_meanwhile=closed,
            checkins=checkins,
            monitoring_ends=monitoring_ends,
            no_longer_due=gone,
        )
        if failed:
            raise SweepIncompleteError(
                f"{len(failed)} of {len(notices)} deadline notices for {day} failed: " + "; ".join(failed)
            )
        return summary

    def _case_store(self) -> CaseStore:
        if self._cases is None:
            raise ValidationFailed("the notification service was built without a case store; pass cases=")
        return self._cases


def _follow_up_due(case: Case, day: date) -> tuple[DeadlineKind, date] | None:
    """The follow-up ``case`` is due on ``day`` (at most one) and the date it is for."""
    ends_on = follow_up.monitoring_over(case, day)
    if ends_on is not None:
        return DeadlineKind.MONITORING_END, ends_on
    due_on = follow_up.checkin_due_on(case, day)
    return (DeadlineKind.CHECKIN, due_on) if due_on is not None else None
