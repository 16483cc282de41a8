"""Notification service: tell the right person that an alert is waiting, and nothing more.

The email names no officer and describes no event: it carries the alert (or case) id, its level, the
review deadline and a portal link (the texts are in ``eis_core.notify.templates``). Whoever reads it
signs in to the portal, where access is checked and audited.

Who is told follows the agency's response model (``EIS_ROUTING_POLICY``, ``eis_core.settings.RoutingPolicy``:
``centralized``, ``centralized_review``, ``decentralized``, ``capacity_building``); the one table that
decides it is ``eis_core.notify.routing.ROUTES``. A new alert goes to the officer's first reachable
supervisor (and/or the risk team). A later alert merged into the officer's open case tells the case's
supervisor that the case has new evidence.

Review deadlines (the daily sweep): every open case, and every alert still waiting for a case (status
new, review date = created + ``EIS_REVIEW_DAYS``), whose review date is at most two days away or passed
gets one reminder a day, to the case's supervisor (the alert's: the officer's first reachable one).
From ``EIS_ESCALATION_DAYS`` past the date the review escalates one rung up the chain per
``EIS_ESCALATION_DAYS`` (level 1 the supervisor above, level 2 the next, ...), ending at the risk team;
each level is sent once (the level reached is stored on the case or alert), and on the other days the
reminders go on. Closed cases, dismissed alerts and alerts with a case get nothing.

Follow-ups (the same sweep), once a case is past its review (``eis_core.notify.follow_up``): when an
intervention's check-in falls due, its owner and the case's supervisor are reminded once for that due
date; when monitoring is over, the case's supervisor is prompted once to close it. For these notices
``DeadlineNotice.day`` is the due date, not the sweep's day. Deferred cases get none of these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, computed_field, model_validator

from eis_core.cases.access import RosterCache
from eis_core.errors import EISError, NotFoundError, ValidationFailed
from eis_core.models.alerts import Alert, AlertStatus
from eis_core.models.audit import AuditEvent
from eis_core.models.cases import Case
from eis_core.models.messages import AlertCreated
from eis_core.models.records import Officer, OfficerStatus
from eis_core.notify import follow_up, templates
from eis_core.notify.complaints import ComplaintSender, ComplaintSweep
from eis_core.notify.handoff import HandoffSweep
from eis_core.notify.routing import (
    Purpose,
    RoutedTo,
    escalation_level,
    escalation_step,
    first_reachable,
    ladder_above,
    last_level,
    route,
)
from eis_core.settings import ComplaintPolicy, RoutingPolicy
from eis_core.storage.ports import AlertStore, AuditLog, CaseStore, Mailer, RecordStore

ACTOR = "notify"
REMINDER_WINDOW_DAYS = 2  # remind this many days before the review date, and every day after it


class NoRecipientError(EISError):
    """Nobody can be told: no supervisor with an email up the chain, and no risk team configured."""


class SweepIncompleteError(EISError):
    """Some cases could not be reminded; the others were. A retry sends only what is missing."""


class DeadlineKind(StrEnum):
    REMINDER = "reminder"
    ESCALATE = "escalate"
    HANDOFF = "handoff"  # the supervisor a case was handed to has not acknowledged it
    CHECKIN = "checkin"  # an intervention's check-in is due
    MONITORING_END = "monitoring_end"  # monitoring is over: prompt to close


FOLLOW_UP_KINDS = frozenset({DeadlineKind.CHECKIN, DeadlineKind.MONITORING_END})
"""Sent once per case and due date (``DeadlineNotice.day`` is that date), however many sweeps see it."""


class DeadlineNotice(BaseModel):
    """One reminder or escalation due for one case (or one alert waiting for a case): the unit sent once.

    Its identity is ``step``: a reminder is once per day, an escalation once per level.
    ``request_id`` names the invocation that wants it sent; it is not part of the identity.
    """

    model_config = ConfigDict(frozen=True)

    agency_id: str
    case_id: str | None = None
    alert_id: str | None = None
    kind: DeadlineKind
    day: date
    level: int = 0  # escalations: 1 = the supervisor above the reminders' recipient, ...
    request_id: str | None = None
    swept_on: date | None = None  # follow-ups: the sweep's day (not part of the identity either)

    @model_validator(mode="after")
    def _one_target(self) -> DeadlineNotice:
        if (self.case_id is None) == (self.alert_id is None):
            raise ValueError("a deadline notice is for one case or one alert")
        if self.kind is DeadlineKind.ESCALATE and self.level < 1:
            raise ValueError("an escalation has a level of 1 or more")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def step(self) -> str:
        """What makes it once: the day for a reminder, the level for an escalation."""
        return f"level-{self.level}" if self.kind is DeadlineKind.ESCALATE else self.day.isoformat()

    @property
    def target(self) -> str:
        return self.case_id or self.alert_id or ""


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
    open_alerts: int = 0  # alerts waiting for a case (status new), chased like cases
    transfers: int = 0  # open cases moved to the officer's new roster supervisor
    handoff_reminders: int = 0
    deferral_reviews: int = 0  # emails to the risk team about deferrals due for review
    skipped: int = 0  # deferred or acknowledged when read: nothing sent
    checkins: int = 0  # check-in reminders sent
    monitoring_ends: int = 0  # prompts to close after monitoring sent
    no_longer_due: int = 0  # a check-in was recorded (or the case moved) between listing and sending
    complaints_chased: int = 0  # complaints past the acknowledgment window reported to the intake contact
    complaint_supervisors_told: int = 0  # supervisors told of a new complaint about their officer
    complaint_notices_already_sent: int = 0


@dataclass(frozen=True)
class _Waiting:
    """A review the sweep chases: an open case, or an alert still without a case."""

    target_type: Literal["case", "alert"]
    case: Case | None
    alert: Alert | None
    review_due_on: date
    escalated_level: int
    escalated_on: date | None
    first: Officer | None  # who the reminders go to (the chain side)
    rungs: list[Officer]  # the reachable supervisors above ``first``, nearest first

    @property
    def case_id(self) -> str | None:
        return self.case.case_id if self.case is not None else None

    @property
    def alert_id(self) -> str | None:
        return self.alert.alert_id if self.alert is not None else None


DeadlineSender = Callable[[DeadlineNotice], Mapping[str, object]]


@dataclass(frozen=True)
class Notification:
    """What was sent for one alert (ids and counts only: this ends up in logs and the audit trail)."""

    alert_id: str
    routed_to: RoutedTo
    recipients: int
    message_id: str


def by_routing_policy(
    supervisor: Officer | None, *, risk_team: Sequence[str], model: RoutingPolicy
) -> tuple[list[str], RoutedTo]:
    """Recipients of a new alert under the agency's response model (``eis_core.notify.routing.route``)."""
    routed = route(model, Purpose.ALERT, chain=supervisor, risk_team=risk_team)
    return routed.recipients, routed.routed_to


def route_recipients(
    roster: Iterable[Officer],
    officer_id: str,
    *,
    risk_team: Sequence[str],
    model: RoutingPolicy = RoutingPolicy.DECENTRALIZED,
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
        routing_policy: RoutingPolicy = RoutingPolicy.DECENTRALIZED,
        escalation_days: int = 7,
        roster_max_age_seconds: float = 300.0,
        handoff_remind_days: int = 2,
        complaint_policy: ComplaintPolicy | None = None,
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
        policy = complaint_policy or ComplaintPolicy()
        handoff = self._handoff
        self._complaints = ComplaintSweep(
            agency_id=agency_id,
            records=records,
            roster=self._roster,
            audit=audit,
            mailer=mailer,
            portal_url=portal_url,
            intake_email=policy.intake_email,
            within=policy.acknowledge_within_business_days,
            holidays=policy.holidays,
            deferrals=handoff.deferrals if handoff is not None else None,
        )

    def alert_created(self, message: AlertCreated, *, request_id: str | None = None) -> Notification:
        """Email the alert's reviewer and audit it. Callers make re-deliveries idempotent.

        An alert merged into the officer's open case is new evidence on that case: the case's supervisor
        is told instead (``new_evidence``).
        """
        if message.agency_id != self._agency_id:
            raise ValidationFailed(f"message is for agency {message.agency_id}, this is {self._agency_id}")
        alert = self._alerts.get_alert(message.alert_id)
        if alert is None:
            raise NotFoundError(f"alert {message.alert_id} not found")
        if alert.status is AlertStatus.MERGED and alert.case_id is not None:
            return self.new_evidence(alert, request_id=request_id)
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
        review_by = self._alert_review_by(alert)
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

    def new_evidence(self, alert: Alert, *, request_id: str | None = None) -> Notification:
        """Tell the supervisor of the case a later alert was merged into (routed by the response model)."""
        case = self._case_store().get_case(alert.case_id or "")
        if case is None:
            raise NotFoundError(f"case {alert.case_id} of merged alert {alert.alert_id} not found")
        by_id = self._roster.officers()
        supervisor = self._case_supervisor(by_id, case)
        routed = route(self._routing_policy, Purpose.NEW_EVIDENCE, chain=supervisor, risk_team=self._risk_team)
        if not routed.recipients:
            raise NoRecipientError(
                f"nobody to tell of new evidence on case {case.case_id}: no supervisor with an email up the "
                "chain and no risk team (set EIS_RISK_TEAM_EMAILS)"
            )
        subject, body = templates.new_evidence_email(case, alert, portal_url=self._portal_url)
        message_id = self._mailer.send(to=routed.recipients, subject=subject, body=body)
        self._audit.append(
            AuditEvent(
                actor=ACTOR,
                role="system",
                action="case.new_evidence",
                target_type="case",
                target_id=case.case_id,
                agency_id=self._agency_id,
                request_id=request_id,
                detail={
                    "alert_id": alert.alert_id,
                    "recipients": len(routed.recipients),
                    "routed_to": routed.routed_to.value,
                    "level": alert.level.value,
                    "message_id": message_id,
                },
            )
        )
        return Notification(alert.alert_id, routed.routed_to, len(routed.recipients), message_id)

    # --- review deadlines -----------------------------------------------------------------------

    def due_notices(self, day: date, *, request_id: str | None = None) -> tuple[int, list[DeadlineNotice]]:
        """Open cases, and the reminder or escalation each one is due on ``day`` (at most one per case)."""
        cases = self._case_store().list_open_cases()
        by_id = self._roster.officers()
        # Deferred cases (and every case of a deferred officer) send nothing to the chain of command.
        handoff = self._handoff
        deferred = handoff.deferrals() if handoff is not None else None
        cases_due = [c for c in cases if deferred is None or not deferred.hides(c.officer_id, [c.case_id])]
        notices = [
            notice
            for case in cases_due
            if case.is_open and (notice := self._due(self._waiting_case(by_id, case), day, request_id)) is not None
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
        notices += self._follow_up_notices(cases_due, day, request_id)
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

    def due_alert_notices(self, day: date, *, request_id: str | None = None) -> tuple[int, list[DeadlineNotice]]:
        """Alerts still waiting for a case (status new), and the reminder or escalation each is due on ``day``."""
        alerts = self._alerts.list_alerts(AlertStatus.NEW)
        by_id = self._roster.officers()
        deferred = self._handoff.deferrals() if self._handoff is not None else None
        notices = [
            notice
            for alert in alerts
            if alert.status is AlertStatus.NEW
            and (deferred is None or not deferred.hides(alert.officer_id, [alert.case_id]))
            and (notice := self._due(self._waiting_alert(by_id, alert), day, request_id)) is not None
        ]
        return len(alerts), notices

    def _due(self, waiting: _Waiting, day: date, request_id: str | None) -> DeadlineNotice | None:
        if waiting.case is not None and waiting.case.status in follow_up.FOLLOW_UP_STATUSES:
            return None  # reviewed: check-ins and the end of monitoring are followed up instead
        days_left = (waiting.review_due_on - day).days
        if days_left > REMINDER_WINDOW_DAYS:
            return None
        last = last_level(self._routing_policy, waiting.rungs, has_risk_team=bool(self._risk_team))
        level = escalation_level(-days_left, self._escalation_days, last)
        # A new level is sent once; on the day it was sent a second sweep names it again (and finds it sent),
        # so that day never gets a reminder as well. On the other days the reminders go on.
        escalate = level >= 1 and (
            level > waiting.escalated_level or (level == waiting.escalated_level and waiting.escalated_on == day)
        )
        return DeadlineNotice(
            agency_id=self._agency_id,
            case_id=waiting.case_id,
            alert_id=waiting.alert_id,
            kind=DeadlineKind.ESCALATE if escalate else DeadlineKind.REMINDER,
            day=day,
            level=level if escalate else 0,
            request_id=request_id,
        )

    def send_deadline_notice(self, notice: DeadlineNotice) -> dict[str, object]:
        """Email one reminder or escalation and audit it. Callers make it once per case (or alert) and step."""
        if notice.agency_id != self._agency_id:
            raise ValidationFailed(f"notice is for agency {notice.agency_id}, this is {self._agency_id}")
        by_id = self._roster.officers()
        waiting: _Waiting
        if notice.case_id is not None:
            case = self._case_store().get_case(notice.case_id)
            if case is None:
                raise NotFoundError(f"case {notice.case_id} not found")
            # The open-case listing is eventually consistent; this read is not. A closed case's
            # reminders and escalations stop: nothing is sent or audited.
            if not case.is_open:
                return self._skipped(notice, "closed")
            skipped = self._skip_reason(case, notice)
            if skipped is not None:
                return self._skipped(notice, skipped)
            if notice.kind in FOLLOW_UP_KINDS:
                return self._send_follow_up(case, notice)
            waiting = self._waiting_case(by_id, case)
        else:
            alert = self._alerts.get_alert(notice.target)
            if alert is None:
                raise NotFoundError(f"alert {notice.target} not found")
            if alert.status is not AlertStatus.NEW:  # a case was opened, or it was dismissed
                return self._skipped(notice, "closed")
            waiting = self._waiting_alert(by_id, alert)
        detail: dict[str, object] = {"review_due_on": waiting.review_due_on.isoformat()}
        if notice.kind is DeadlineKind.HANDOFF:
            # To the supervisor the case waits for (or the first reachable one above them).
            assert waiting.case is not None
            waited = first_reachable(by_id, waiting.case.awaiting_acknowledgement_by, skip=[waiting.case.officer_id])
            routed = route(RoutingPolicy.DECENTRALIZED, Purpose.REMINDER, chain=waited, risk_team=self._risk_team)
            detail["awaiting_acknowledgement_by"] = waiting.case.awaiting_acknowledgement_by
        elif notice.kind is DeadlineKind.ESCALATE:
            if waiting.escalated_level >= notice.level:
                return self._skipped(notice, "already_sent")
            step = escalation_step(self._routing_policy, waiting.rungs, notice.level)
            routed = route(self._routing_policy, Purpose.ESCALATION, chain=step.supervisor, risk_team=self._risk_team)
            detail["level"] = notice.level
            if step.supervisor is not None and routed.routed_to is not RoutedTo.RISK_TEAM:
                detail["escalated_to"] = step.supervisor.officer_id
        else:
            routed = route(self._routing_policy, Purpose.REMINDER, chain=waiting.first, risk_team=self._risk_team)
        recipients, routed_to = routed.recipients, routed.routed_to
        if not recipients:
            raise NoRecipientError(
                f"nobody to send the {notice.kind.value} for {waiting.target_type} {notice.target} to: no supervisor "
                "with an email up the chain and no risk team (set EIS_RISK_TEAM_EMAILS)"
            )
        escalated = notice.kind is DeadlineKind.ESCALATE
        if notice.kind is DeadlineKind.HANDOFF and self._handoff is not None and waiting.case is not None:
            subject, body = self._handoff.handoff_email(waiting.case, notice.day)
        elif waiting.case is not None:
            subject, body = templates.deadline_email(
                waiting.case, day=notice.day, escalated=escalated, portal_url=self._portal_url
            )
        else:
            assert waiting.alert is not None
            subject, body = templates.alert_deadline_email(
                waiting.alert,
                review_by=waiting.review_due_on,
                day=notice.day,
                escalated=escalated,
                portal_url=self._portal_url,
            )
        message_id = self._mailer.send(to=recipients, subject=subject, body=body)
        days_overdue = max(0, (notice.day - waiting.review_due_on).days)
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
                action=f"{waiting.target_type}.{notice.kind.value}",
                target_type=waiting.target_type,
                target_id=notice.target,
                agency_id=self._agency_id,
                request_id=notice.request_id,
                detail=detail,
            )
        )
        if escalated:  # stored last: a crash before this re-sends the level rather than never sending it
            if notice.case_id is not None:
                self._case_store().record_escalation(notice.case_id, notice.level, notice.day)
            else:
                self._alerts.record_escalation(notice.target, notice.level, notice.day)
        return {
            waiting.target_type + "_id": notice.target,
            "kind": notice.kind.value,
            "level": notice.level,
            "routed_to": routed_to.value,
            "recipients": len(recipients),
            "message_id": message_id,
            "request_id": notice.request_id,
        }

    @staticmethod
    def _skipped(notice: DeadlineNotice, why: str) -> dict[str, object]:
        return {
            ("case_id" if notice.case_id is not None else "alert_id"): notice.target,
            "kind": notice.kind.value,
            "skipped": why,
            "request_id": notice.request_id,
        }

    def _case_supervisor(self, by_id: Mapping[str, Officer], case: Case) -> Officer | None:
        officer = by_id.get(case.officer_id)
        return first_reachable(
            by_id, case.supervisor_id or (officer.supervisor_id if officer else None), skip=[case.officer_id]
        )

    def _waiting_case(self, by_id: Mapping[str, Officer], case: Case) -> _Waiting:
        first = self._case_supervisor(by_id, case)
        return _Waiting(
            target_type="case",
            case=case,
            alert=None,
            review_due_on=case.review_due_on,
            escalated_level=case.escalated_level,
            escalated_on=case.escalated_on,
            first=first,
            rungs=ladder_above(by_id, first, skip=[case.officer_id]),
        )

    def _waiting_alert(self, by_id: Mapping[str, Officer], alert: Alert) -> _Waiting:
        officer = by_id.get(alert.officer_id)
        first = first_reachable(by_id, officer.supervisor_id if officer else None, skip=[alert.officer_id])
        return _Waiting(
            target_type="alert",
            case=None,
            alert=alert,
            review_due_on=self._alert_review_by(alert),
            escalated_level=alert.escalated_level,
            escalated_on=alert.escalated_on,
            first=first,
            rungs=ladder_above(by_id, first, skip=[alert.officer_id]),
        )

    def _alert_review_by(self, alert: Alert) -> date:
        return alert.created_at.date() + timedelta(days=self._review_days)

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

    @property
    def complaints(self) -> ComplaintSweep:
        """The sweep's complaint duties: acknowledgment chases and new-complaint notices."""
        return self._complaints

    def sweep_deadlines(
        self,
        day: date,
        *,
        request_id: str | None = None,
        send: DeadlineSender | None = None,
        send_complaint: ComplaintSender | None = None,
    ) -> SweepSummary:
        """Send every reminder and escalation due on ``day``.

        ``send`` wraps ``send_deadline_notice`` to make it once per case (or alert) and step (the handler uses
        Powertools idempotency); a result from an earlier invocation counts as already sent. A case that
        fails does not stop the others; SweepIncompleteError names the failures after all were tried.
        """
        send = send or self.send_deadline_notice
        transfers, failed = (
            (0, []) if self._handoff is None else self._handoff.transfer_cases(day, request_id=request_id)
        )
        open_cases, notices = self.due_notices(day, request_id=request_id)
        open_alerts, alert_notices = self.due_alert_notices(day, request_id=request_id)
        notices += alert_notices
        sent = already = reminders = escalations = closed = handoffs = skipped = 0
        checkins = monitoring_ends = gone = 0
        for notice in notices:
            try:
                result = send(notice)
            except EISError as error:
                failed.append(f"{notice.target}: {error}")
                continue
            if result.get("skipped") == "closed":
                closed += 1
            elif result.get("skipped") == "already_sent":
                already += 1
            elif result.get("skipped") == "no_longer_due":
                gone += 1
            elif result.get("skipped"):
                skipped += 1
            elif result.get("request_id") == request_id:
                sent += 1
                reminders += notice.kind is DeadlineKind.REMINDER
                escalations += notice.kind is DeadlineKind.ESCALATE
                handoffs += notice.kind is DeadlineKind.HANDOFF
                checkins += notice.kind is DeadlineKind.CHECKIN
                monitoring_ends += notice.kind is DeadlineKind.MONITORING_END
            else:
                already += 1
        reviews, review_failures = (
            (0, []) if self._handoff is None else self._handoff.review_deferrals(day, request_id=request_id)
        )
        failed += review_failures
        complaints = self._complaints.run(day, request_id=request_id, send=send_complaint)
        failed += complaints.failed
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
            open_alerts=open_alerts,
            transfers=transfers,
            handoff_reminders=handoffs,
            deferral_reviews=reviews,
            skipped=skipped,
            checkins=checkins,
            monitoring_ends=monitoring_ends,
            no_longer_due=gone,
            complaints_chased=complaints.chased,
            complaint_supervisors_told=complaints.supervisors_told,
            complaint_notices_already_sent=complaints.already_sent,
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


def _follow_up_due(case: Case, day: date) -> tuple[DeadlineKind, date] | None:
    """The follow-up ``case`` is due on ``day`` (at most one) and the date it is for."""
    ends_on = follow_up.monitoring_over(case, day)
    if ends_on is not None:
        return DeadlineKind.MONITORING_END, ends_on
    due_on = follow_up.checkin_due_on(case, day)
    return (DeadlineKind.CHECKIN, due_on) if due_on is not None else None
