"""Each portal user's last visit to their queue, so "what changed since your last visit" survives the session.

Any signed-in user of the agency keeps a marker of their own (their token's subject): an auditor or a
commander who reads the queue has one too, and writing it changes nothing of the agency's. The marker
holds ids and statuses only; recording it is audited with counts, never the ids' contents or free text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from eis_core.audit.ahead import audited
from eis_core.cases.access import Caller
from eis_core.models.audit import AuditEvent
from eis_core.models.visits import LastVisit, LastVisitIn
from eis_core.storage.ports import AuditLog, VisitStore

ACTION = "user.last_visit.record"


class VisitService:
    def __init__(
        self,
        *,
        agency_id: str,
        store: VisitStore,
        audit: AuditLog,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._agency_id = agency_id
        self._store = store
        self._audit = audit
        self._clock = clock

    def last_visit(self, caller: Caller) -> LastVisit | None:
        """The caller's own marker; None before their first recorded visit."""
        return self._store.last_visit(caller.subject)

    def record_visit(self, caller: Caller, seen: LastVisitIn, *, request_id: str | None = None) -> LastVisit:
        """Replace the caller's marker with what their queue shows now, stamped with the server's clock."""
        visit = LastVisit(
            subject=caller.subject,
            visited_at=self._clock(),
            alert_ids=tuple(dict.fromkeys(seen.alert_ids)),
            cases={case.case_id: case.status for case in seen.cases},
        )
        event = AuditEvent(
            actor=caller.subject,
            role=caller.role,
            action=ACTION,
            target_type="user",
            target_id=caller.subject,
            agency_id=self._agency_id,
            request_id=request_id,
            detail={"alerts": len(visit.alert_ids), "cases": len(visit.cases)},
        )
        audited(self._audit, event, lambda: self._store.put_last_visit(visit))
        return visit
