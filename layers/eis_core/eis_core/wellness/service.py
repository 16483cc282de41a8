"""Who reads and acknowledges wellness check-ins (the case API's wellness routes).

- The wellness coordinator (role ``wellness``) lists, reads and acknowledges every check-in.
- The officer's direct supervisor reads their report's check-ins only when the agency opted in
  (``EIS_WELLNESS_NOTIFY_SUPERVISOR``) and the check-in was made while it was on; their list holds
  those alone. Any other check-in answers 404 to a supervisor (audited as denied), as does every
  check-in when the agency has not opted in (their list is empty).
- Nobody else: risk managers, auditors and admins get 403 on every wellness route. Check-ins are
  support, not oversight: the wider chain and the risk team never see them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from eis_core.cases.access import Caller, Role
from eis_core.cases.service import OutOfScopeError
from eis_core.errors import ForbiddenError
from eis_core.models.audit import AuditEvent
from eis_core.models.wellness import CheckInStatus, WellnessCheckIn
from eis_core.storage.ports import AuditLog, WellnessStore

NOT_FOR_YOUR_ROLE = "wellness check-ins are for the agency's wellness coordinator"


def _utcnow() -> datetime:
    return datetime.now(UTC)


class WellnessService:
    def __init__(
        self,
        *,
        agency_id: str,
        store: WellnessStore,
        audit: AuditLog,
        supervisor_opt_in: bool = False,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._agency_id = agency_id
        self._store = store
        self._audit = audit
        self._opt_in = supervisor_opt_in
        self._clock = clock

    def _is_coordinator(self, caller: Caller) -> bool:
        return Role.WELLNESS in caller.roles

    def _supervises(self, caller: Caller, checkin: WellnessCheckIn) -> bool:
        return (
            self._opt_in
            and Role.SUPERVISOR in caller.roles
            and checkin.supervisor_included
            and caller.officer_id is not None
            and checkin.supervisor_id == caller.officer_id
        )

    def _check_role(self, caller: Caller) -> None:
        if not (self._is_coordinator(caller) or Role.SUPERVISOR in caller.roles):
            raise ForbiddenError(NOT_FOR_YOUR_ROLE)

    def list_checkins(self, caller: Caller) -> list[WellnessCheckIn]:
        self._check_role(caller)
        checkins = self._store.list_checkins()
        if self._is_coordinator(caller):
            return checkins
        return [checkin for checkin in checkins if self._supervises(caller, checkin)]

    def get_checkin(self, caller: Caller, checkin_id: str) -> WellnessCheckIn:
        self._check_role(caller)
        checkin = self._store.get_checkin(checkin_id)
        if checkin is None or not (self._is_coordinator(caller) or self._supervises(caller, checkin)):
            raise OutOfScopeError(f"wellness check-in {checkin_id} not found")
        return checkin

    def acknowledge(self, caller: Caller, checkin_id: str, *, request_id: str | None = None) -> WellnessCheckIn:
        """The coordinator has reached out (or decided how to): the check-in leaves the open list."""
        if not self._is_coordinator(caller):
            if Role.SUPERVISOR in caller.roles:
                self.get_checkin(caller, checkin_id)  # 404 where they may not read it
            raise ForbiddenError("only the wellness coordinator acknowledges a check-in")
        checkin = self.get_checkin(caller, checkin_id)
        if checkin.status is CheckInStatus.ACKNOWLEDGED:
            return checkin  # a retried request changes nothing
        updated = self._store.update_checkin(
            checkin.model_copy(
                update={
                    "status": CheckInStatus.ACKNOWLEDGED,
                    "acknowledged_by": caller.subject,
                    "acknowledged_at": self._clock(),
                }
            ),
            expected_revision=checkin.revision,
        )
        self._audit.append(
            AuditEvent(
                actor=caller.subject,
                role=caller.role,
                action="wellness.checkin_acknowledged",
                target_type="wellness_checkin",
                target_id=checkin_id,
                agency_id=self._agency_id,
                request_id=request_id,
            )
        )
        return updated
