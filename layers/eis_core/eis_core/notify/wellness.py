"""Wellness check-in emails: to the wellness coordinator, and the direct supervisor only where opted in.

Never to the risk team, never up the chain, whatever the agency's routing policy for alerts. Like
every EIS email it names no officer and describes no event: the check-in id and a portal link, where
access is checked and audited. The wording is supportive: a check-in is not an alert.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from string import Template

from eis_core.cases.access import RosterCache
from eis_core.errors import NotFoundError, ValidationFailed
from eis_core.models.audit import AuditEvent
from eis_core.models.wellness import WellnessCreated
from eis_core.storage.ports import AuditLog, Mailer, RecordStore, WellnessStore

ACTOR = "notify"

SUBJECT = Template("EIS wellness check-in $checkin_id: an officer may welcome support")
BODY = Template("""\
An officer's recent workload (hours, overtime, rest or recent critical incidents) suggests it may be a
good time to check in and offer support.

This is not a risk alert and carries no score or judgement of conduct. Please read the check-in in the
portal and reach out as your agency's wellness programme sets out:

  $link
""")


@dataclass(frozen=True)
class WellnessNotice:
    checkin_id: str
    recipients: int
    supervisor_included: bool
    message_id: str | None


class WellnessNotifier:
    def __init__(
        self,
        *,
        agency_id: str,
        store: WellnessStore,
        records: RecordStore,
        audit: AuditLog,
        mailer: Mailer,
        portal_url: str,
        coordinator_emails: Sequence[str],
        notify_supervisor: bool,
    ) -> None:
        self._agency_id = agency_id
        self._store = store
        self._roster = RosterCache(records)
        self._audit = audit
        self._mailer = mailer
        self._portal_url = portal_url.rstrip("/")
        self._coordinators = tuple(coordinator_emails)
        self._notify_supervisor = notify_supervisor

    def recipients(self, checkin_id: str) -> tuple[list[str], bool]:
        """The coordinator(s), plus the direct supervisor when the agency opted in (now and at creation)."""
        checkin = self._store.get_checkin(checkin_id)
        if checkin is None:
            raise NotFoundError(f"wellness check-in {checkin_id} not found")
        to = list(self._coordinators)
        included = False
        if self._notify_supervisor and checkin.supervisor_included and checkin.supervisor_id:
            supervisor = self._roster.officers().get(checkin.supervisor_id)
            if supervisor is not None and supervisor.email and supervisor.email not in to:
                to.append(supervisor.email)
                included = True
        return to, included

    def checkin_created(self, message: WellnessCreated, *, request_id: str | None = None) -> WellnessNotice:
        if message.agency_id != self._agency_id:
            raise ValidationFailed(f"message is for agency {message.agency_id}, this is {self._agency_id}")
        to, included = self.recipients(message.checkin_id)
        message_id = None
        if to:
            subject = SUBJECT.substitute(checkin_id=message.checkin_id)
            body = BODY.substitute(link=f"{self._portal_url}/#/wellness/{message.checkin_id}")
            message_id = self._mailer.send(to=to, subject=subject, body=body)
        self._audit.append(
            AuditEvent(
                actor=ACTOR,
                role="system",
                action="wellness.notify",
                target_type="wellness_checkin",
                target_id=message.checkin_id,
                agency_id=self._agency_id,
                request_id=request_id,
                # Nobody configured: the check-in waits in the coordinator's portal list; the audit says so.
                detail={"recipients": len(to), "supervisor_included": included, "message_id": message_id},
            )
        )
        return WellnessNotice(message.checkin_id, len(to), included, message_id)
