"""Hand-off and deferral: who a case belongs to, that they took it on, and when the chain must not know.

Assignment (``POST /cases/{case_id}/assignment``): risk managers and admins give an open case to any
active supervisor on the roster (someone with at least one officer reporting to them). A supervisor
may hand a case they can work to a supervisor below them in their own chain of command (or take it
themselves), never sideways or upwards: passing a case up or across is the risk team's call. A reason
is required; the case keeps it, the audit record keeps only ids.

Acknowledgement (``POST /cases/{case_id}/acknowledgement``): every hand-off, by a person or by a roster
transfer (the daily sweep, ``eis_core.notify.service``), waits for the new supervisor to acknowledge it;
only that supervisor may. The assigned supervisor reads and works the case even when the officer is
outside their chain of command.

Transfer on a roster change is found by the daily sweep, not by ingest: the sweep compares each open
case with the roster every day, so it also catches changes made by a retraction, a hand fix or an
upload whose function failed half way, and ingest stays free of case rules.

Deferral (``POST /cases/{case_id}/deferral``, ``POST /officers/{officer_id}/deferral``, and
``.../deferral/end``): risk managers and admins; the rules are in ``eis_core.cases.visibility``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from eis_core.audit.ahead import audited
from eis_core.cases.access import CHANGE_ALL, SEE_ALL, Caller, RosterCache, chain_of_command
from eis_core.cases.etags import case_etag, check_if_match
from eis_core.cases.service import OutOfScopeError
from eis_core.cases.visibility import ActiveDeferrals, DeferredError, is_assigned_to
from eis_core.cases.workflow import MAX_REASON, MissingFieldError
from eis_core.errors import ConflictError, ForbiddenError, NotFoundError
from eis_core.models.audit import AuditEvent
from eis_core.models.cases import AssignmentKind, Case, CaseAssignment, Deferral, DeferralTarget
from eis_core.models.records import Officer, OfficerStatus
from eis_core.storage.ports import AuditLog, CaseStore, RecordStore

_T = TypeVar("_T")

MAX_DEFERRAL_DAYS = 366
"""A deferral's review date is at most a year ahead: a longer one must be renewed, and so reviewed."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def supervisors(roster: Iterable[Officer]) -> frozenset[str]:
    """Officer ids that someone on the roster reports to."""
    return frozenset(officer.supervisor_id for officer in roster if officer.supervisor_id)


def check_assignee(by_id: dict[str, Officer], supervisor_id: str, case: Case) -> Officer:
    """The roster entry of a valid new supervisor for ``case``, or MissingFieldError (422) saying why not."""
    officer = by_id.get(supervisor_id)
    if officer is None:
        raise MissingFieldError("supervisor_id", f"{supervisor_id} is not on the roster")
    if officer.status is not OfficerStatus.ACTIVE:
        raise MissingFieldError("supervisor_id", f"{supervisor_id} is not active ({officer.status.value})")
    if supervisor_id == case.officer_id:
        raise MissingFieldError("supervisor_id", "a case cannot be assigned to the officer it is about")
    if supervisor_id not in supervisors(by_id.values()):
        raise MissingFieldError("supervisor_id", f"{supervisor_id} supervises nobody on the roster")
    return officer


def transfer_target(case: Case, by_id: dict[str, Officer]) -> str | None:
    """The officer's new roster supervisor when the roster moved them since the case was last handed off.

    Compared with the supervisor the roster showed at the last hand-off (for cases never handed off,
    the supervisor the case was opened with), so a risk manager's assignment is not undone by the sweep
    while the roster stays as it was. None when nothing changed, the officer has no supervisor now, or
    the new supervisor already has the case.
    """
    officer = by_id.get(case.officer_id)
    if officer is None or officer.supervisor_id is None:
        return None
    followed = case.roster_supervisor_id if case.assignments else case.supervisor_id
    if officer.supervisor_id in (followed, case.supervisor_id):
        return None
    return officer.supervisor_id


def _reason(text: str | None, what: str) -> str:
    reason = (text or "").strip()
    if not reason:
        raise MissingFieldError("reason", f"say why {what}")
    if len(reason) > MAX_REASON:
        raise MissingFieldError("reason", f"at most {MAX_REASON} characters")
    return reason


class HandoffService:
    """Assignment, acknowledgement and deferral of cases, with the same access rules as ``CaseService``."""

    def __init__(
        self,
        *,
        agency_id: str,
        cases: CaseStore,
        records: RecordStore,
        audit: AuditLog,
        roster_max_age_seconds: float = 300.0,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._agency_id = agency_id
        self._cases = cases
        self._roster = RosterCache(records, max_age_seconds=roster_max_age_seconds)
        self._audit = audit
        self._clock = clock

    # --- assignment -----------------------------------------------------------------------------

    def assign_case(
        self,
        caller: Caller,
        case_id: str,
        supervisor_id: str,
        reason: str | None,
        *,
        request_id: str | None = None,
        if_match: str | None = None,
    ) -> Case:
        """Hand an open case to a supervisor, who must acknowledge it. See the module docstring for who may."""
        case = self._visible_case(caller, case_id, change=True)
        check_if_match(if_match, case_etag(case), f"case {case_id}")
        why = _reason(reason, "the case changes hands")
        if not case.is_open:
            raise ConflictError(f"case {case_id} is closed; reopen it before assigning it")
        by_id = self._roster.officers()
        check_assignee(by_id, supervisor_id, case)
        if not caller.any_of(CHANGE_ALL):
            own = caller.officer_id
            below = chain_of_command(by_id.values(), own) if own else frozenset()
            if supervisor_id != own and supervisor_id not in below:
                raise ForbiddenError(
                    "a supervisor hands a case only to a supervisor below them; ask a risk manager otherwise"
                )
        if supervisor_id == case.supervisor_id:
            raise ConflictError(f"case {case_id} is already assigned to {supervisor_id}")
        officer = by_id.get(case.officer_id)
        assignment = CaseAssignment(
            kind=AssignmentKind.ASSIGNED,
            supervisor_id=supervisor_id,
            previous_supervisor_id=case.supervisor_id,
            at=self._clock(),
            by=caller.subject,
            by_role=caller.role,
            reason=why,
        )
        # The reason stays on the case (it may describe personal circumstances), not in the audit log.
        return self._audited_change(
            caller,
            "case.assign",
            "case",
            case_id,
            request_id=request_id,
            detail={"supervisor_id": supervisor_id, "previous_supervisor_id": case.supervisor_id, "kind": "assigned"},
            change=lambda: self._cases.assign_case(
                case_id,
                assignment,
                expected_supervisor_id=case.supervisor_id,
                roster_supervisor_id=officer.supervisor_id if officer else None,
            ),
        )

    def acknowledge_case(
        self, caller: Caller, case_id: str, *, request_id: str | None = None, if_match: str | None = None
    ) -> Case:
        """The supervisor a case was handed to confirms they took it on; nobody else may."""
        case = self._visible_case(caller, case_id, change=True)
        check_if_match(if_match, case_etag(case), f"case {case_id}")
        if case.awaiting_acknowledgement_by is None:
            raise ConflictError(f"case {case_id} has no hand-off waiting to be acknowledged")
        if caller.officer_id != case.awaiting_acknowledgement_by:
            raise ForbiddenError("only the supervisor the case was handed to acknowledges it")
        supervisor_id = caller.officer_id
        return self._audited_change(
            caller,
            "case.acknowledge",
            "case",
            case_id,
            request_id=request_id,
            detail={"supervisor_id": supervisor_id},
            change=lambda: self._cases.acknowledge_case(case_id, supervisor_id=supervisor_id, at=self._clock()),
        )

    # --- deferral -------------------------------------------------------------------------------

    def defer_case(
        self,
        caller: Caller,
        case_id: str,
        reason: str | None,
        review_on: date,
        *,
        request_id: str | None = None,
        if_match: str | None = None,
    ) -> tuple[Case, Deferral]:
        self._require_risk_team(caller, "defer a case")
        case = self._cases.get_case(case_id)
        if case is None:
            raise NotFoundError(f"case {case_id} not found")
        check_if_match(if_match, case_etag(case), f"case {case_id}")
        if not case.is_open:
            raise ConflictError(f"case {case_id} is closed; nothing is sent for it")
        deferral = self._defer(caller, DeferralTarget.CASE, case_id, case.officer_id, reason, review_on, request_id)
        return case, deferral

    def defer_officer(
        self, caller: Caller, officer_id: str, reason: str | None, review_on: date, *, request_id: str | None = None
    ) -> Deferral:
        self._require_risk_team(caller, "defer an officer")
        if officer_id not in self._roster.officers():
            raise NotFoundError(f"officer {officer_id} not found on the roster")
        return self._defer(caller, DeferralTarget.OFFICER, officer_id, officer_id, reason, review_on, request_id)

    def end_deferral(
        self,
        caller: Caller,
        target: DeferralTarget,
        target_id: str,
        reason: str | None,
        *,
        request_id: str | None = None,
    ) -> Deferral:
        """End a deferral (early, or after its review): the chain is notified and sees the item again."""
        self._require_risk_team(caller, "end a deferral")
        why = _reason(reason, "the deferral ends")
        current = self._cases.get_deferral(target, target_id)
        if current is None:
            raise NotFoundError(f"{target.value} {target_id} has no active deferral")
        detail = {"officer_id": current.officer_id, "review_on": current.review_on.isoformat()}
        return self._audited_change(
            caller,
            f"{target.value}.deferral_end",
            target.value,
            target_id,
            request_id=request_id,
            detail=detail,
            change=lambda: self._cases.end_deferral(target, target_id, at=self._clock(), by=caller.subject, reason=why),
        )

    def list_deferrals(self, caller: Caller) -> list[Deferral]:
        """Active deferrals, expired ones first (risk managers, admins and auditors)."""
        if not caller.any_of(SEE_ALL):
            raise ForbiddenError("only risk managers, administrators and auditors see deferrals")
        today = self.today()
        deferrals = self._cases.active_deferrals()
        return sorted(deferrals, key=lambda d: (not d.expired(today), d.review_on, d.target.value, d.target_id))

    def officer_deferral(self, caller: Caller, officer_id: str) -> Deferral:
        if not caller.any_of(SEE_ALL):
            raise ForbiddenError("only risk managers, administrators and auditors see deferrals")
        deferral = self._cases.get_deferral(DeferralTarget.OFFICER, officer_id)
        if deferral is None:
            raise NotFoundError(f"officer {officer_id} has no active deferral")
        return deferral

    def today(self) -> date:
        return self._clock().date()

    # --- internals ------------------------------------------------------------------------------

    def _defer(  # noqa: PLR0917 -- one private helper of the two defer routes
        self,
        caller: Caller,
        target: DeferralTarget,
        target_id: str,
        officer_id: str,
        reason: str | None,
        review_on: date,
        request_id: str | None,
    ) -> Deferral:
        why = _reason(reason, "notification is deferred")
        now = self._clock()
        if review_on <= now.date():
            raise MissingFieldError("review_on", "the review date must be after today")
        if review_on > now.date() + timedelta(days=MAX_DEFERRAL_DAYS):
            raise MissingFieldError("review_on", f"at most {MAX_DEFERRAL_DAYS} days ahead; renew it to extend")
        renewed = self._cases.get_deferral(target, target_id) is not None
        deferral = Deferral(
            target=target,
            target_id=target_id,
            officer_id=officer_id,
            reason=why,
            review_on=review_on,
            deferred_at=now,
            deferred_by=caller.subject,
            deferred_by_role=caller.role,
        )
        detail: dict[str, Any] = {"officer_id": officer_id, "review_on": review_on.isoformat(), "renewed": renewed}
        self._audited_change(
            caller,
            f"{target.value}.defer",
            target.value,
            target_id,
            request_id=request_id,
            detail=detail,
            change=lambda: self._cases.put_deferral(deferral),
        )
        return deferral

    @staticmethod
    def _require_risk_team(caller: Caller, what: str) -> None:
        if not caller.any_of(CHANGE_ALL):
            raise ForbiddenError(f"only risk managers and administrators {what}")

    def _visible_case(self, caller: Caller, case_id: str, *, change: bool) -> Case:
        """The case, or NotFoundError: missing, outside a supervisor's reach, or deferred from them."""
        case = self._cases.get_case(case_id)
        if case is None:
            raise NotFoundError(f"case {case_id} not found")
        if caller.any_of(CHANGE_ALL if change else SEE_ALL):
            return case
        if not is_assigned_to(caller, case):
            scope = chain_of_command(self._roster.officers().values(), caller.officer_id) if caller.officer_id else ()
            if case.officer_id not in scope:
                raise OutOfScopeError(f"case {case_id} not found")
        if ActiveDeferrals.of(self._cases.active_deferrals()).hides(case.officer_id, [case.case_id]):
            raise DeferredError(f"case {case_id} not found")
        return case

    def _audited_change(
        self,
        caller: Caller,
        action: str,
        target_type: str,
        target_id: str,
        *,
        request_id: str | None,
        detail: dict[str, Any],
        change: Callable[[], _T],
    ) -> _T:
        """Run ``change`` after its audit record is written (eis_core.audit.ahead): no change without one."""
        event = AuditEvent(
            actor=caller.subject,
            role=caller.role,
            action=action,
            target_type=target_type,
            target_id=target_id,
            agency_id=self._agency_id,
            request_id=request_id,
            detail=detail,
        )
        return audited(self._audit, event, change)
