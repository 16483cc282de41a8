"""The daily sweep's complaint duties (called from ``NotificationService.sweep_deadlines``).

- **Acknowledgment chase**: a complaint still unacknowledged and open after the agency's window
  (``acknowledge_within_business_days``, default 5; weekends and the agency's ``holidays`` skipped) is
  reported to the agency's intake contact (``intake_email``), once per complaint. Without an intake
  contact nothing is chased. Complaints whose window ended more than ``CHASE_LOOKBACK_DAYS`` ago are not
  chased (the once-marker outlives that, so none is chased twice).
- **New complaint**: a complaint about an officer received within ``NEW_COMPLAINT_LOOKBACK_DAYS`` tells
  the officer's first reachable supervisor, once per complaint and officer, with a link to the officer
  in the portal. A deferred officer's supervisor is not told (the audit says it was withheld).

Each notice is once per complaint (and officer): the notify function wraps ``send`` in a Powertools
idempotency record (``eis_core.notify.wiring``), so a later sweep, a retried sweep or a re-sent extract
sends nothing again. The figures come from ``eis_core.complaints.timeliness``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from eis_core.cases.access import RosterCache
from eis_core.cases.visibility import ActiveDeferrals
from eis_core.complaints.timeliness import business_days_between, complaint_timings
from eis_core.errors import EISError, ValidationFailed
from eis_core.models.audit import AuditEvent
from eis_core.notify import complaint_templates
from eis_core.notify.routing import first_reachable
from eis_core.storage.ports import AuditLog, Mailer, RecordStore

ACTOR = "notify"
NEW_COMPLAINT_LOOKBACK_DAYS = 14
"""A complaint received this many days before the sweep (or since) is new; older ones were told already."""
CHASE_LOOKBACK_DAYS = 365
"""Complaints whose acknowledgment window ended longer ago than this are not chased."""


class ComplaintNoticeKind(StrEnum):
    ACK_OVERDUE = "ack_overdue"
    NEW_COMPLAINT = "new_complaint"


class ComplaintNotice(BaseModel):
    """One complaint email. Its identity (sent once) is agency, kind, complaint and officer; the rest is content."""

    model_config = ConfigDict(frozen=True)

    agency_id: str
    kind: ComplaintNoticeKind
    complaint_id: str
    officer_id: str = ""  # new complaints: the officer complained about; the chase names no officer
    received_on: date
    acknowledge_by: date | None = None
    day: date
    request_id: str | None = None


ComplaintSender = Callable[[ComplaintNotice], Mapping[str, object]]


@dataclass
class ComplaintSweepResult:
    """What the complaint part of one sweep did (counts and failures)."""

    chased: int = 0
    supervisors_told: int = 0
    already_sent: int = 0
    skipped: int = 0
    failed: list[str] = field(default_factory=list)


class ComplaintSweep:
    def __init__(
        self,
        *,
        agency_id: str,
        records: RecordStore,
        roster: RosterCache,
        audit: AuditLog,
        mailer: Mailer,
        portal_url: str,
        intake_email: str = "",
        within: int = 5,
        holidays: Collection[date] = (),
        deferrals: Callable[[], ActiveDeferrals] | None = None,
    ) -> None:
        self._agency_id = agency_id
        self._records = records
        self._roster = roster
        self._audit = audit
        self._mailer = mailer
        self._portal_url = portal_url
        self._intake_email = intake_email
        self._within = within
        self._holidays = frozenset(holidays)
        self._deferrals = deferrals

    def notices(self, day: date, *, request_id: str | None = None) -> list[ComplaintNotice]:
        """Every complaint notice due on ``day``: chases first, then new complaints."""
        complaints = self._records.complaints()  # a listing of complaints, never a scan of the records
        notices: list[ComplaintNotice] = []
        if self._intake_email:
            earliest = day - timedelta(days=CHASE_LOOKBACK_DAYS)
            for timing in complaint_timings(complaints, as_of=day):
                if timing.acknowledged_on is not None or timing.closed_on is not None:
                    continue
                due = timing.acknowledge_by(self._within, self._holidays)
                if earliest <= due < day:  # ``ComplaintTiming.overdue_on``
                    notices.append(
                        ComplaintNotice(
                            agency_id=self._agency_id,
                            kind=ComplaintNoticeKind.ACK_OVERDUE,
                            complaint_id=timing.complaint_id,
                            received_on=timing.received_on,
                            acknowledge_by=due,
                            day=day,
                            request_id=request_id,
                        )
                    )
        since = day - timedelta(days=NEW_COMPLAINT_LOOKBACK_DAYS)
        received: dict[tuple[str, str], date] = {}
        for record in complaints:
            if since <= record.received <= day and record.known_on <= day:
                key = (record.complaint_id, record.officer_id)
                received[key] = min(received.get(key, record.received), record.received)
        notices += [
            ComplaintNotice(
                agency_id=self._agency_id,
                kind=ComplaintNoticeKind.NEW_COMPLAINT,
                complaint_id=complaint_id,
                officer_id=officer_id,
                received_on=received_on,
                day=day,
                request_id=request_id,
            )
            for (complaint_id, officer_id), received_on in sorted(received.items())
        ]
        return notices

    def send(self, notice: ComplaintNotice) -> dict[str, object]:
        """Email one complaint notice and audit it. Callers make it once per complaint (and officer)."""
        if notice.agency_id != self._agency_id:
            raise ValidationFailed(f"notice is for agency {notice.agency_id}, this is {self._agency_id}")
        if notice.kind is ComplaintNoticeKind.ACK_OVERDUE:
            return self._chase(notice)
        return self._tell_supervisor(notice)

    def _chase(self, notice: ComplaintNotice) -> dict[str, object]:
        if not self._intake_email:
            raise ValidationFailed("no intake contact to chase (set intake_email in the agency's settings)")
        due = notice.acknowledge_by or notice.day
        waiting = business_days_between(notice.received_on, notice.day, self._holidays)
        subject, body = complaint_templates.overdue_email(
            complaint_number=notice.complaint_id,
            received_on=notice.received_on,
            acknowledge_by=due,
            within=self._within,
            waiting=waiting,
        )
        message_id = self._mailer.send(to=[self._intake_email], subject=subject, body=body)
        detail: dict[str, object] = {
            "received_on": notice.received_on.isoformat(),
            "acknowledge_by": due.isoformat(),
            "business_days_waiting": waiting,
            "recipients": 1,
            "routed_to": "intake",
            "message_id": message_id,
        }
        self._append("complaint.ack_overdue", notice, detail)
        return {
            "complaint_id": notice.complaint_id,
            "kind": notice.kind.value,
            "request_id": notice.request_id,
        } | detail

    def _tell_supervisor(self, notice: ComplaintNotice) -> dict[str, object]:
        result: dict[str, object] = {
            "complaint_id": notice.complaint_id,
            "kind": notice.kind.value,
            "request_id": notice.request_id,
        }
        deferred = self._deferrals() if self._deferrals is not None else None
        if deferred is not None and deferred.hides(notice.officer_id):
            self._append(
                "complaint.new", notice, {"officer_id": notice.officer_id, "recipients": 0, "routed_to": "withheld"}
            )
            return result | {"skipped": "deferred"}
        by_id = self._roster.officers()
        officer = by_id.get(notice.officer_id)
        supervisor = first_reachable(by_id, officer.supervisor_id if officer else None, skip=[notice.officer_id])
        if supervisor is None or not supervisor.email:
            self._append(
                "complaint.new", notice, {"officer_id": notice.officer_id, "recipients": 0, "routed_to": "nobody"}
            )
            return result | {"skipped": "no_supervisor"}
        subject, body = complaint_templates.new_complaint_email(
            complaint_number=notice.complaint_id,
            received_on=notice.received_on,
            officer_id=notice.officer_id,
            portal_url=self._portal_url,
        )
        message_id = self._mailer.send(to=[supervisor.email], subject=subject, body=body)
        detail: dict[str, object] = {
            "officer_id": notice.officer_id,
            "supervisor_id": supervisor.officer_id,
            "recipients": 1,
            "routed_to": "supervisor",
            "message_id": message_id,
        }
        self._append("complaint.new", notice, detail)
        return result | detail

    def run(self, day: date, *, request_id: str | None, send: ComplaintSender | None = None) -> ComplaintSweepResult:
        """Send every complaint notice due on ``day``; a failing one is named and the others still go."""
        send = send or self.send
        result = ComplaintSweepResult()
        for notice in self.notices(day, request_id=request_id):
            try:
                outcome = send(notice)
            except EISError as error:
                result.failed.append(f"complaint {notice.complaint_id} ({notice.kind.value}): {error}")
                continue
            if outcome.get("skipped"):
                result.skipped += 1
            elif outcome.get("request_id") != request_id:
                result.already_sent += 1
            elif notice.kind is ComplaintNoticeKind.ACK_OVERDUE:
                result.chased += 1
            else:
                result.supervisors_told += 1
        return result

    def _append(self, action: str, notice: ComplaintNotice, detail: dict[str, object]) -> None:
        self._audit.append(
            AuditEvent(
                actor=ACTOR,
                role="system",
                action=action,
                target_type="complaint",
                target_id=notice.complaint_id,
                agency_id=self._agency_id,
                request_id=notice.request_id,
                detail={"day": notice.day.isoformat(), **detail},
            )
        )
