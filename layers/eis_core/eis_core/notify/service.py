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
from eis_core.notify import templates
from eis_core.notify.handoff import HandoffSweep
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
    WITHHELD = "withheld"  # deferred from the chain of command, and no risk team to tell


class DeadlineKind(StrEnum):
    REMINDER = "reminder"
    ESCALATE = "escalate"
    HANDOFF = "handoff"  # the supervisor a case was handed to has not acknowledged it


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
    transfers: int = 0  # open cases moved to the officer's new roster supervisor
    handoff_reminders: int = 0
    deferral_reviews: int = 0  # emails to the risk team about deferrals due for review
    skipped: int = 0  # deferred or acknowledged when read: nothing sent


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
        handoff_remind_days: int = 2,
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
        self._handoff = (
            None
            if cases is None
            else HandoffSweep(
                agency_id=agency_id,
                cases=cases,
                roster=self._roster,
                audit=audit,
                mailer=mailer,
                portal_url=portal_url,
                risk_team=self._risk_team,
                remind_after_days=handoff_remind_days,
            )
        )

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
        deferred = self._handoff is not None and self._handoff.officer_deferral(alert.officer_id, alert.case_id)
        if deferred:
            # Deferred: the chain of command hears nothing; the risk team, who deferred it, does.
            recipients, routed_to = list(self._risk_team), RoutedTo.RISK_TEAM
            if not recipients:
                return self._withhold(alert.alert_id, alert.level.value, request_id)
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
                }
                | ({"deferred": True} if deferred else {}),
            )
        )
        return Notification(alert.alert_id, routed_to, len(recipients), message_id)

    def _withhold(self, alert_id: str, level: str, request_id: str | None) -> Notification:
        """A deferred officer's alert with no risk team configured: nobody is emailed; the audit says so."""
        self._audit.append(
            AuditEvent(
                actor=ACTOR,
                role="system",
                action="alert.notify",
                target_type="alert",
                target_id=alert_id,
                agency_id=self._agency_id,
                request_id=request_id,
                detail={"recipients": 0, "routed_to": RoutedTo.WITHHELD.value, "level": level, "deferred": True},
            )
        )
        return Notification(alert_id, RoutedTo.WITHHELD, 0, "")

    # --- review deadlines -----------------------------------------------------------------------

    def due_notices(self, day: date, *, request_id: str | None = None) -> tuple[int, list[DeadlineNotice]]:
        """Open cases, and the reminder or escalation each one is due on ``day`` (at most one per case)."""
        cases = self._case_store().list_open_cases()
        # Deferred cases (and every case of a deferred officer) send nothing to the chain of command.
        handoff = self._handoff
        deferred = handoff.deferrals() if handoff is not None else None
        cases_due = [c for c in cases if deferred is None or not deferred.hides(c.officer_id, [c.case_id])]
        notices = [
            DeadlineNotice(agency_id=self._agency_id, case_id=case.case_id, kind=kind, day=day, request_id=request_id)
            for case in cases_due
            if case.is_open and (kind := self._deadline_kind(case, day)) is not None
        ]
        if handoff is not None:
            notices += [
                DeadlineNotice(
                    agency_id=self._agency_id,
                    case_id=case.case_id,
                    kind=DeadlineKind.HANDOFF,
                    day=day,
                    request_id=request_id,
                )
                for case in cases_due
                if case.is_open and handoff.handoff_due(case, day)
            ]
        return len(cases), notices

    def _deadline_kind(self, case: Case, day: date) -> DeadlineKind | None:
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
        skipped = self._skip_reason(case, notice)
        if skipped is not None:
            return {
                "case_id": case.case_id,
                "kind": notice.kind.value,
                "skipped": skipped,
                "request_id": notice.request_id,
            }
        by_id = self._roster.officers()
        officer = by_id.get(case.officer_id)
        assigned = first_reachable(
            by_id, case.supervisor_id or (officer.supervisor_id if officer else None), skip=[case.officer_id]
        )
        detail: dict[str, object] = {"review_due_on": case.review_due_on.isoformat()}
        if notice.kind is DeadlineKind.HANDOFF:
            # To the supervisor the case waits for (or the first reachable one above them).
            waited = first_reachable(by_id, case.awaiting_acknowledgement_by, skip=[case.officer_id])
            recipients, routed_to = by_routing_policy(
                waited, risk_team=self._risk_team, model=RoutingPolicy.CHAIN_OF_COMMAND
            )
            detail["awaiting_acknowledgement_by"] = case.awaiting_acknowledgement_by
        elif notice.kind is DeadlineKind.ESCALATE:
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
        if notice.kind is DeadlineKind.HANDOFF and self._handoff is not None:
            subject, body = self._handoff.handoff_email(case, notice.day)
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

    def sweep_deadlines(
        self, day: date, *, request_id: str | None = None, send: DeadlineSender | None = None
    ) -> SweepSummary:
        """Send every reminder and escalation due on ``day``.

        ``send`` wraps ``send_deadline_notice`` to make it once per case, kind and day (the handler uses
        Powertools idempotency); a result from an earlier invocation counts as already sent. A case that
        fails does not stop the others; SweepIncompleteError names the failures after all were tried.
        """
        send = send or self.send_deadline_notice
        transfers, failed = (
            (0, []) if self._handoff is None else self._handoff.transfer_cases(day, request_id=request_id)
        )
        open_cases, notices = self.due_notices(day, request_id=request_id)
        sent = already = reminders = escalations = closed = handoffs = skipped = 0
        for notice in notices:
            try:
                result = send(notice)
            except EISError as error:
                failed.append(f"{notice.case_id}: {error}")
                continue
            if result.get("skipped") == "closed":
                closed += 1
            elif result.get("skipped"):
                skipped += 1
            elif result.get("request_id") == request_id:
                sent += 1
                reminders += notice.kind is DeadlineKind.REMINDER
                escalations += notice.kind is DeadlineKind.ESCALATE
                handoffs += notice.kind is DeadlineKind.HANDOFF
            else:
                already += 1
        reviews, review_failures = (
            (0, []) if self._handoff is None else self._handoff.review_deferrals(day, request_id=request_id)
        )
        failed += review_failures
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
            transfers=transfers,
            handoff_reminders=handoffs,
            deferral_reviews=reviews,
            skipped=skipped,
        )
        if failed:
            raise SweepIncompleteError(
                f"{len(failed)} of {len(notices)} deadline notices for {day} failed: " + "; ".join(failed)
            )
        return summary

    def _skip_reason(self, case: Case, notice: DeadlineNotice) -> str | None:
        """Why a listed notice is not sent after all: deferred meanwhile, or the hand-off was acknowledged."""
        if self._handoff is None:
            return None
        if self._handoff.deferral_for(case) is not None:
            return "deferred"
        if notice.kind is DeadlineKind.HANDOFF and case.awaiting_acknowledgement_by is None:
            return "acknowledged"
        return None

    def _case_store(self) -> CaseStore:
        if self._cases is None:
            raise ValidationFailed("the notification service was built without a case store; pass cases=")
        return self._cases
