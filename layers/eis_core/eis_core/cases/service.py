"""The case service: supervisors review alerts, open cases and document them; every access is audited.

Access rules, in one place:
- the token must name this agency (else 403, audited as denied) and carry at least one EIS role;
- risk managers and admins see and change everything; auditors see everything and change nothing;
- supervisors see and change only alerts and cases of officers in their chain of command. Anything
  outside it is answered as not found, so that probing ids cannot reveal that an officer was flagged;
- the audit trail is for auditors and admins;
- upload reports and quarantined rows are for risk managers, admins and auditors (read-only): they
  describe the agency's data feeds, not a supervisor's officers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from eis_core.audit import ChainCheck, verify_page
from eis_core.audit.ahead import audited
from eis_core.cases import interventions as plans
from eis_core.cases.access import (
    CHANGE_ALL,
    CHANGE_ANY,
    READ_AUDIT,
    SEE_ALL,
    Caller,
    NotAuthenticatedError,
    Role,
    RosterCache,
    chain_of_command,
    describe_claims,
)
from eis_core.cases.etags import alert_etag, case_etag, check_if_match
from eis_core.cases.listing import CaseQuery, Listings, Queue, QueueSection, QueueSource
from eis_core.cases.snapshot import OfficerSnapshots, search_officers
from eis_core.cases.visibility import ActiveDeferrals, DeferredError, is_assigned_to
from eis_core.cases.workflow import MoveRequest, Transition, check_interventions, check_move
from eis_core.cases.workflow import next_moves as moves_from
from eis_core.errors import ConflictError, ForbiddenError, NotFoundError
from eis_core.models.alerts import Alert, AlertDismissal, AlertStatus
from eis_core.models.audit import AuditEvent, AuditOutcome, AuditRecord
from eis_core.models.cases import Case, CaseStatus, CaseTransition, Deferral, Intervention, Note
from eis_core.models.snapshot import OfficerPage, OfficerSnapshot
from eis_core.models.uploads import UploadReport
from eis_core.oversight.service import OversightService
from eis_core.settings import InterventionPolicy
from eis_core.storage.paging import Merged
from eis_core.storage.ports import AlertStore, ArtifactStore, AuditLog, CaseStore, RecordStore, ScoreStore
from eis_core.upload_reports import UploadReports

_Item = TypeVar("_Item", Alert, Case)
_T = TypeVar("_T")

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_AUDIT_PAGE = 1000
MAX_UPLOADS_PAGE = 200
FREE_TEXT_PARAMETERS = frozenset({"q"})
"""Query parameters that may hold names (officer search); their values stay out of the audit log."""
WITHHELD = "[withheld]"


class OpenCaseExistsError(ConflictError):
    """The officer already has an open case; new evidence belongs there."""

    def __init__(self, officer_id: str, case_id: str) -> None:
        super().__init__(f"officer {officer_id} already has an open case {case_id}; add notes to it instead")
        self.case_id = case_id


class OutOfScopeError(NotFoundError):
    """Exists, but not for this caller. Answered as not found; audited as denied."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _new_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class ApiCall:
    """One request as the audit log records it. ``route`` is the template, ``path`` the concrete path."""

    method: str
    route: str
    path: str
    status_code: int
    claims: Mapping[str, Any] | None
    request_id: str | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    error: BaseException | None = None


@dataclass(frozen=True)
class AuditTrail:
    records: list[AuditRecord]
    check: ChainCheck


class CaseService:
    def __init__(
        self,
        *,
        agency_id: str,
        alerts: AlertStore,
        cases: CaseStore,
        records: RecordStore,
        audit: AuditLog,
        review_days: int,
        uploads: UploadReports | None = None,
        roster_max_age_seconds: float = 300.0,
        clock: Callable[[], datetime] = _utcnow,
        new_id: Callable[[], str] = _new_id,
        oversight: OversightService | None = None,
        interventions: InterventionPolicy | None = None,
        scores: ScoreStore | None = None,
        artifacts: ArtifactStore | None = None,
    ) -> None:
        self._interventions = interventions or InterventionPolicy()
        self._agency_id = agency_id
        self._alerts = alerts
        self._cases = cases
        self._roster = RosterCache(records, max_age_seconds=roster_max_age_seconds)
        self._audit = audit
        self._review_days = review_days
        self._uploads = uploads
        self._clock = clock
        self._new_id = new_id
        self._oversight = oversight
        self._snapshots = (
            None
            if scores is None
            else OfficerSnapshots(
                records=records,
                scores=scores,
                alerts=alerts,
                cases=cases,
                artifacts=artifacts,
                today=lambda: self._clock().date(),
            )
        )
        self._listings = Listings(alerts=alerts, cases=cases)
        self._queue_sources: dict[QueueSection, QueueSource] = {}

    # --- identity -------------------------------------------------------------------------------

    def authenticate(
        self, claims: Mapping[str, Any] | None, *, method: str, wellness: bool = False, personal: bool = False
    ) -> Caller:
        """The caller behind a request, or NotAuthenticatedError (401) / ForbiddenError (403).

        ``wellness``: a wellness route, where the wellness coordinator may also change (acknowledge).
        ``personal``: a route about the caller's own portal state (their last visit), which every role writes.
        """
        caller = Caller.from_claims(claims)
        if caller.agency_id != self._agency_id:
            raise ForbiddenError("this token belongs to another agency")
        if not caller.roles:
            raise ForbiddenError("your account has no EIS role; ask an administrator for one")
        may_change = caller.any_of(CHANGE_ANY) or (wellness and Role.WELLNESS in caller.roles) or personal
        if method.upper() not in READ_METHODS and not may_change:
            raise ForbiddenError("your role may read but not change anything")
        return caller

    def record_request(self, call: ApiCall) -> AuditRecord:
        """Write the audit record every API call leaves, whatever its outcome."""
        actor, role, token_agency = describe_claims(call.claims)
        denied = call.status_code in (401, 403) or isinstance(
            call.error, NotAuthenticatedError | ForbiddenError | OutOfScopeError | DeferredError
        )
        if denied:
            outcome = AuditOutcome.DENIED
        elif call.status_code >= 400:
            outcome = AuditOutcome.FAILED
        else:
            outcome = AuditOutcome.SUCCESS
        detail: dict[str, Any] = {"status_code": call.status_code}
        if call.query:
            # Search terms are names people typed: the audit keeps that a search was made, not the terms.
            detail["query"] = {k: WITHHELD if k in FREE_TEXT_PARAMETERS else v for k, v in call.query.items()}
        if token_agency is not None and token_agency != self._agency_id:
            detail["token_agency_id"] = token_agency
        if isinstance(call.error, OutOfScopeError):
            detail["reason"] = "outside the caller's chain of command"
        if isinstance(call.error, DeferredError):
            detail["reason"] = "deferred: hidden from the chain of command"
        return self._audit.append(
            AuditEvent(
                actor=actor,
                role=role,
                action=f"api.{call.method.lower()}.{call.route}",
                target_type="api",
                target_id=call.path,
                outcome=outcome,
                agency_id=self._agency_id,
                request_id=call.request_id,
                detail=detail,
            )
        )

    # --- alerts ---------------------------------------------------------------------------------

    def list_alerts(self, caller: Caller, *, status: AlertStatus | None = None) -> list[Alert]:
        alerts = self._alerts.list_alerts(status)
        scope = self._scope(caller, change=False)
        if scope is None:
            return alerts
        deferred = ActiveDeferrals.of(self._cases.active_deferrals())
        return [a for a in alerts if a.officer_id in scope and not deferred.hides(a.officer_id, [a.case_id])]

    def get_alert(self, caller: Caller, alert_id: str) -> Alert:
        alert = self._alerts.get_alert(alert_id)
        if alert is None:
            raise NotFoundError(f"alert {alert_id} not found")
        self._check_scope(caller, alert.officer_id, change=False, what=f"alert {alert_id}")
        self._check_not_deferred(caller, alert.officer_id, [alert.case_id], what=f"alert {alert_id}")
        return alert

    def dismiss_alert(
        self, caller: Caller, alert_id: str, reason: str, *, request_id: str | None = None, if_match: str | None = None
    ) -> Alert:
        """Close a new alert without a case (risk managers and admins), recording who, when and why.

        ForbiddenError for other roles, NotFoundError, ConflictError when the alert has a case or was dismissed.
        """
        if not caller.any_of(CHANGE_ALL):
            raise ForbiddenError("only risk managers and administrators may dismiss an alert")
        alert = self._alerts.get_alert(alert_id)
        if alert is None:
            raise NotFoundError(f"alert {alert_id} not found")
        check_if_match(if_match, alert_etag(alert), f"alert {alert_id}")
        if alert.status is not AlertStatus.NEW or alert.case_id is not None:
            raise ConflictError(f"alert {alert_id} is {alert.status.value}; only a new alert can be dismissed")
        dismissal = AlertDismissal(by=caller.subject, by_role=caller.role, at=self._clock(), reason=reason)
        # The reason stays out of the audit log (it may describe personal circumstances); the alert keeps it.
        # Audited ahead of the change (eis_core.audit.ahead): no dismissal without its record.
        return audited(
            self._audit,
            AuditEvent(
                actor=caller.subject,
                role=caller.role,
                action="alert.dismiss",
                target_type="alert",
                target_id=alert_id,
                agency_id=self._agency_id,
                request_id=request_id,
                detail={"officer_id": alert.officer_id, "level": alert.level.value},
            ),
            lambda: self._alerts.dismiss(alert_id, dismissal),
        )

    # --- cases ----------------------------------------------------------------------------------

    def open_case(
        self, caller: Caller, alert_id: str, *, request_id: str | None = None, if_match: str | None = None
    ) -> Case:
        """Open a case from an alert; OpenCaseExistsError (409) when the officer already has one."""
        alert = self._alerts.get_alert(alert_id)
        if alert is None:
            raise NotFoundError(f"alert {alert_id} not found")
        self._check_scope(caller, alert.officer_id, change=True, what=f"alert {alert_id}")
        self._check_not_deferred(caller, alert.officer_id, [alert.case_id], what=f"alert {alert_id}")
        check_if_match(if_match, alert_etag(alert), f"alert {alert_id}")
        existing = self._cases.open_case_for(alert.officer_id)
        if existing is not None:
            if alert.status is AlertStatus.NEW and alert.alert_id in existing.alert_ids:
                # An earlier opening stored the case but not the alert's status: finish it, then name the case.
                self._alerts.set_status(alert.alert_id, AlertStatus.CASE_OPENED, case_id=existing.case_id)
            raise OpenCaseExistsError(alert.officer_id, existing.case_id)
        if alert.status is not AlertStatus.NEW:
            raise ConflictError(f"alert {alert_id} is {alert.status.value}; only new alerts open a case")
        now = self._clock()
        case = Case(
            case_id=self._new_id(),
            officer_id=alert.officer_id,
            alert_ids=[alert.alert_id],
            opened_at=now,
            opened_by=caller.subject,
            supervisor_id=self._supervisor_of(alert.officer_id),
            review_due_on=now.date() + timedelta(days=self._review_days),
        )

        def open_it() -> Case:
            try:
                self._cases.create_case(case)
            except ConflictError:
                # Another request opened one first: name it, as above.
                winner = self._cases.open_case_for(alert.officer_id)
                if winner is None:
                    raise
                raise OpenCaseExistsError(alert.officer_id, winner.case_id) from None
            self._alerts.set_status(alert.alert_id, AlertStatus.CASE_OPENED, case_id=case.case_id)
            return case

        detail = {"alert_id": alert.alert_id, "officer_id": alert.officer_id, "review_due_on": str(case.review_due_on)}
        return self._audited_change(caller, "case.open", case.case_id, request_id, detail, open_it)

    def get_case(self, caller: Caller, case_id: str) -> Case:
        case = self._cases.get_case(case_id)
        if case is None:
            raise NotFoundError(f"case {case_id} not found")
        self._check_case_scope(caller, case, change=False, what=f"case {case_id}")
        return case

    def add_note(
        self, caller: Caller, case_id: str, text: str, *, request_id: str | None = None, if_match: str | None = None
    ) -> Note:
        case = self._cases.get_case(case_id)
        if case is None:
            raise NotFoundError(f"case {case_id} not found")
        self._check_case_scope(caller, case, change=True, what=f"case {case_id}")
        expected = case.version if check_if_match(if_match, case_etag(case), f"case {case_id}") else None
        note = Note(
            note_id=self._new_id(),
            case_id=case_id,
            created_at=self._clock(),
            author=caller.subject,
            author_role=caller.role,
            text=text,
        )
        # The note text stays out of the audit log: it may describe personal circumstances.
        self._audited_change(
            caller,
            "case.note",
            case_id,
            request_id,
            {"note_id": note.note_id},
            lambda: self._cases.add_note(note, expected_version=expected),
        )
        return note

    def next_moves(self, caller: Caller, case: Case) -> list[Transition]:
        """The moves the caller may make next on a case they can read (none for read-only roles)."""
        scope = self._scope(caller, change=True)
        if scope is not None and case.officer_id not in scope and not is_assigned_to(caller, case):
            return []
        return moves_from(case.status, caller.roles)

    def move_case(
        self,
        caller: Caller,
        case_id: str,
        request: MoveRequest,
        *,
        request_id: str | None = None,
        if_match: str | None = None,
    ) -> Case:
        """Move a case along the workflow (``eis_core.cases.workflow``), recording who, when and why.

        NotFoundError (also outside a supervisor's chain), ForbiddenError, TransitionNotAllowedError and
        MissingFieldError from the table, ConflictError when another move got there first.
        """
        case = self._cases.get_case(case_id)
        if case is None:
            raise NotFoundError(f"case {case_id} not found")
        self._check_case_scope(caller, case, change=True, what=f"case {case_id}")
        expected = case.version if check_if_match(if_match, case_etag(case), f"case {case_id}") else None
        rules: set[str] = set()
        factors: set[str] = set()
        if request.disagreed_rules or request.disagreed_factors:
            for alert_id in case.alert_ids:
                alert = self._alerts.get_alert(alert_id)
                if alert is not None:
                    rules.update(hit.rule_id for hit in alert.rules)
                    factors.update(factor.indicator for factor in alert.factors)
        row = check_move(case.status, request, caller.roles, alert_rules=rules, alert_factors=factors)
        check_interventions(row, case.interventions)
        move = CaseTransition(
            from_status=row.source,
            to_status=row.target,
            at=self._clock(),
            by=caller.subject,
            by_role=caller.role,
            reason=request.reason,
            disposition=request.disposition,
            referred_to=request.referred_to,
            disagreed_rules=list(request.disagreed_rules),
            disagreed_factors=list(request.disagreed_factors),
        )
        # The reason and the referral stay out of the audit log (they may describe personal
        # circumstances); the case's history keeps them for those who may read the case.
        detail: dict[str, Any] = {"from": row.source.value, "to": row.target.value, "move": len(case.history) + 1}
        if move.disposition is not None:
            detail["disposition"] = move.disposition.value
        if move.disagreed_rules:
            detail["disagreed_rules"] = move.disagreed_rules
        if move.disagreed_factors:
            detail["disagreed_factors"] = move.disagreed_factors
        moved = self._audited_change(
            caller,
            "case.transition",
            case_id,
            request_id,
            detail,
            lambda: self._cases.transition_case(
                case_id, move, expected_moves=len(case.history), expected_version=expected
            ),
        )
        self._alerts_follow(moved, reopened=row.source is CaseStatus.CLOSED)
        return moved

    def _alerts_follow(self, case: Case, *, reopened: bool) -> None:
        """A closed case's alerts read case_closed (the sweep and the queue leave them); a reopening undoes it."""
        if case.is_open and not reopened:
            return
        status = AlertStatus.CASE_OPENED if case.is_open else AlertStatus.CASE_CLOSED
        for alert_id in case.alert_ids:
            alert = self._alerts.get_alert(alert_id)
            if alert is not None and alert.case_id == case.case_id and alert.status is not status:
                self._alerts.set_status(alert_id, status, case_id=case.case_id)

    def deferral_of(self, caller: Caller, case: Case) -> Deferral | None:
        """The deferral covering a case, for callers who may see deferrals (always None for supervisors)."""
        if not caller.any_of(SEE_ALL):
            return None
        return ActiveDeferrals.of(self._cases.active_deferrals()).covering(case.officer_id, [case.case_id])

    # --- lists and the queue ----------------------------------------------------------------------

    def list_alerts_page(
        self, caller: Caller, *, status: AlertStatus | None = None, limit: int | None = None, cursor: str | None = None
    ) -> Merged[Alert]:
        """One page of the alerts the caller may see, oldest first (``eis_core.cases.listing``)."""
        scope = self._scope(caller, change=False)
        page = self._listings.alerts(scope, status=status, limit=limit, cursor=cursor)
        return page if scope is None else self._without_deferred(page)

    def list_cases(
        self, caller: Caller, query: CaseQuery, *, limit: int | None = None, cursor: str | None = None
    ) -> Merged[Case]:
        """One page of the cases the caller may see, by review date (notes and history left out)."""
        scope = self._scope(caller, change=False)
        page = self._listings.cases(scope, query, today=self.today(), limit=limit, cursor=cursor)
        return page if scope is None else self._without_deferred(page)

    def queue(
        self,
        caller: Caller,
        *,
        limit: int | None = None,
        alerts_cursor: str | None = None,
        cases_cursor: str | None = None,
    ) -> Queue:
        """What the caller should act on: new alerts, open cases by review date (overdue first), and more."""
        scope = self._scope(caller, change=False)
        queue = self._listings.queue(
            scope,
            today=self.today(),
            limit=limit,
            alerts_cursor=alerts_cursor,
            cases_cursor=cases_cursor,
            sources=dict(self._queue_sources),
            officer_id=caller.officer_id,
        )
        if scope is None:
            return queue
        deferred = ActiveDeferrals.of(self._cases.active_deferrals())
        sections = {
            section: [entry for entry in entries if not deferred.hides(entry.officer_id, [entry.case_id])]
            for section, entries in queue.sections.items()
        }
        return replace(
            queue,
            alerts=self._without_deferred(queue.alerts),
            cases=self._without_deferred(queue.cases),
            sections=sections,
        )

    def _without_deferred(self, page: Merged[_Item]) -> Merged[_Item]:
        """A supervisor's page without deferred officers' and cases' items (the cursor stays the page's)."""
        deferred = ActiveDeferrals.of(self._cases.active_deferrals())
        kept = [item for item in page.items if not deferred.hides(item.officer_id, [item.case_id])]
        return Merged(kept, page.cursor)

    def register_queue_source(self, section: QueueSection, source: QueueSource) -> None:
        """Fill a queue section (check-ins due, hand-offs to acknowledge) from another part of the workflow."""
        self._queue_sources[section] = source

    def today(self) -> date:
        return self._clock().date()

    # --- interventions (the rules are in eis_core.cases.interventions) ----------------------------

    @property
    def intervention_policy(self) -> InterventionPolicy:
        return self._interventions

    def plan_intervention(
        self,
        caller: Caller,
        case_id: str,
        request: plans.PlanRequest,
        *,
        request_id: str | None = None,
        if_match: str | None = None,
    ) -> Intervention:
        """Plan an intervention from the agency's catalogue on a case in its intervention stage.

        NotFoundError (also outside a supervisor's chain), ForbiddenError for roles that work no cases,
        ConflictError (409) when the case is not in intervention_planned/in_progress/monitoring,
        UnknownInterventionTypeError and MissingFieldError (422) naming the field.
        """
        case = self._case_to_work(caller, case_id, if_match)
        intervention = plans.plan(
            case,
            request,
            policy=self._interventions,
            actor=plans.Actor(caller.subject, caller.role),
            now=self._clock(),
            new_id=self._new_id,
            known_officer=lambda officer_id: officer_id in self._roster.officers(),
        )
        # The plan's notes stay out of the audit log (they may describe personal circumstances).
        detail: dict[str, Any] = {
            "intervention_id": intervention.intervention_id,
            "type": intervention.type,
            "owner": intervention.owner,
            "planned_on": str(intervention.planned_on),
            "due_on": str(intervention.due_on),
        }
        self._audited_change(
            caller,
            "case.intervention.plan",
            case_id,
            request_id,
            detail,
            lambda: self._cases.add_intervention(intervention, statuses=plans.PLANNING_STATUSES),
        )
        return intervention

    def start_intervention(
        self,
        caller: Caller,
        case_id: str,
        intervention_id: str,
        started_on: date | None = None,
        *,
        request_id: str | None = None,
        if_match: str | None = None,
    ) -> Intervention:
        """Record that an intervention began (``started_on``, default today)."""
        case = self._case_to_work(caller, case_id, if_match)
        plans.check_changeable(case)
        stored = plans.find(case, intervention_id)
        changed = plans.start(stored, started_on, policy=self._interventions, today=self._clock().date())
        detail = {"intervention_id": intervention_id, "type": changed.type, "started_on": str(changed.started_on)}
        return self._audited_change(
            caller,
            "case.intervention.start",
            case_id,
            request_id,
            detail,
            lambda: self._save_intervention(changed, stored),
        )

    def complete_intervention(
        self,
        caller: Caller,
        case_id: str,
        intervention_id: str,
        request: plans.CompletionRequest,
        *,
        request_id: str | None = None,
        if_match: str | None = None,
    ) -> Intervention:
        """End an intervention with its outcome (completed, partially_completed, declined, not_completed)."""
        case = self._case_to_work(caller, case_id, if_match)
        plans.check_changeable(case)
        stored = plans.find(case, intervention_id)
        changed = plans.complete(stored, request, policy=self._interventions, today=self._clock().date())
        detail = {
            "intervention_id": intervention_id,
            "type": changed.type,
            "outcome": str(changed.outcome),
            "completed_on": str(changed.completed_on),
        }
        return self._audited_change(
            caller,
            "case.intervention.complete",
            case_id,
            request_id,
            detail,
            lambda: self._save_intervention(changed, stored),
        )

    def check_in(
        self,
        caller: Caller,
        case_id: str,
        intervention_id: str,
        note: str,
        *,
        request_id: str | None = None,
        if_match: str | None = None,
    ) -> Intervention:
        """Record a check-in on an intervention that has not ended; the next is due ``checkin_days`` later."""
        case = self._case_to_work(caller, case_id, if_match)
        plans.check_changeable(case)
        stored = plans.find(case, intervention_id)
        changed = plans.check_in(
            stored,
            note,
            policy=self._interventions,
            actor=plans.Actor(caller.subject, caller.role),
            now=self._clock(),
            checkin_id=self._new_id(),
        )
        # The check-in's note stays out of the audit log.
        detail = {
            "intervention_id": intervention_id,
            "type": changed.type,
            "checkin_id": changed.checkins[-1].checkin_id,
            "next_due_on": str(changed.next_checkin_due_on),
        }
        return self._audited_change(
            caller,
            "case.intervention.checkin",
            case_id,
            request_id,
            detail,
            lambda: self._save_intervention(changed, stored),
        )

    def _case_to_work(self, caller: Caller, case_id: str, if_match: str | None = None) -> Case:
        """The case an intervention write is for; PreconditionFailedError when ``If-Match`` names an older one.

        The case's ETag digests its interventions, so a tag read before any change to them (or to the
        case) is stale; the intervention's own revision makes the write itself conditional.
        """
        if not caller.any_of(CHANGE_ANY):
            raise ForbiddenError("your role may read cases but not work them")
        case = self._cases.get_case(case_id)
        if case is None:
            raise NotFoundError(f"case {case_id} not found")
        self._check_case_scope(caller, case, change=True, what=f"case {case_id}")
        check_if_match(if_match, case_etag(case), f"case {case_id}")
        return case

    def _save_intervention(self, changed: Intervention, stored: Intervention) -> Intervention:
        return self._cases.update_intervention(
            changed, expected_revision=stored.revision, statuses=plans.PLANNING_STATUSES
        )

    # --- officers -------------------------------------------------------------------------------

    def officer_snapshot(self, caller: Caller, officer_id: str) -> OfficerSnapshot:
        """One officer's page (``eis_core.cases.snapshot``); out of a supervisor's chain it is not found."""
        roster = self._roster.officers()
        officer = roster.get(officer_id)
        if officer is None or self._snapshots is None:
            raise NotFoundError(f"officer {officer_id} not found")
        self._check_scope(caller, officer_id, change=False, what=f"officer {officer_id}")
        self._check_not_deferred(caller, officer_id, [], what=f"officer {officer_id}")
        return self._snapshots.snapshot(officer, roster)

    def find_officers(self, caller: Caller, query: str, *, limit: int = 20, cursor: str | None = None) -> OfficerPage:
        """Officers whose badge or name matches ``query``, among those the caller may see."""
        roster = self._roster.officers()
        scope = self._scope(caller, change=False)
        visible = roster.values() if scope is None else [roster[o] for o in scope if o in roster]
        return search_officers(visible, query, limit=limit, cursor=cursor)

    # --- audit ----------------------------------------------------------------------------------

    def audit_trail(self, caller: Caller, *, since_seq: int = 0, limit: int = 100) -> AuditTrail:
        """Audit records after ``since_seq``, checked to chain onto the record before them."""
        if not caller.any_of(READ_AUDIT):
            raise ForbiddenError("only auditors and administrators may read the audit trail")
        limit = max(1, min(limit, MAX_AUDIT_PAGE))
        records, check = verify_page(self._audit, since_seq=since_seq, limit=limit)
        return AuditTrail(records, check)

    # --- uploads --------------------------------------------------------------------------------

    def list_uploads(self, caller: Caller, *, limit: int = 50) -> list[UploadReport]:
        """The most recent upload reports, newest first."""
        return self._upload_reports(caller).list(limit=max(1, min(limit, MAX_UPLOADS_PAGE)))

    def get_upload(self, caller: Caller, upload_id: str) -> UploadReport:
        """One upload's report; NotFoundError when no upload has this id."""
        return self._upload_reports(caller).get(upload_id)

    def quarantine_csv(self, caller: Caller, upload_id: str) -> bytes:
        """An upload's quarantined rows as ingest wrote them (personal details masked, formulas escaped)."""
        return self._upload_reports(caller).quarantine_csv(upload_id)

    def _upload_reports(self, caller: Caller) -> UploadReports:
        if not caller.any_of(SEE_ALL):
            raise ForbiddenError("only risk managers, administrators and auditors may read upload reports")
        if self._uploads is None:
            raise NotFoundError("upload reports are not available in this deployment")
        return self._uploads

    # --- oversight outputs ----------------------------------------------------------------------

    @property
    def oversight(self) -> OversightService:
        """Run reports, model cards and promotion (``eis_core.oversight.service``), checked per caller there."""
        if self._oversight is None:
            raise NotFoundError("run reports and models are not available in this deployment")
        return self._oversight

    # --- internals ------------------------------------------------------------------------------

    def _supervisor_of(self, officer_id: str) -> str | None:
        officer = self._roster.officers().get(officer_id)
        return officer.supervisor_id if officer else None

    def _scope(self, caller: Caller, *, change: bool) -> frozenset[str] | None:
        """Officer ids the caller may act on; None means every officer."""
        if caller.any_of(CHANGE_ALL if change else SEE_ALL):
            return None
        if caller.officer_id is None:
            return frozenset()  # a supervisor account not linked to the roster sees nobody
        return chain_of_command(self._roster.officers().values(), caller.officer_id)

    def _check_scope(self, caller: Caller, officer_id: str, *, change: bool, what: str) -> None:
        scope = self._scope(caller, change=change)
        if scope is not None and officer_id not in scope:
            raise OutOfScopeError(f"{what} not found")

    def _check_case_scope(self, caller: Caller, case: Case, *, change: bool, what: str) -> None:
        """A case's scope: the chain of command or the supervisor it is assigned to; never while deferred."""
        if not is_assigned_to(caller, case):
            self._check_scope(caller, case.officer_id, change=change, what=what)
        self._check_not_deferred(caller, case.officer_id, [case.case_id], what=what)

    def _check_not_deferred(self, caller: Caller, officer_id: str, case_ids: list[str | None], *, what: str) -> None:
        """DeferredError (404, audited as denied) for a supervisor when a deferral covers the item."""
        if caller.any_of(SEE_ALL):
            return
        if ActiveDeferrals.of(self._cases.active_deferrals()).hides(officer_id, case_ids):
            raise DeferredError(f"{what} not found")

    def _audited_change(  # noqa: PLR0917 -- _audit_change's arguments plus the change itself
        self,
        caller: Caller,
        action: str,
        case_id: str,
        request_id: str | None,
        detail: dict[str, Any],
        change: Callable[[], _T],
    ) -> _T:
        """Run ``change`` after its audit record is written (eis_core.audit.ahead): no change without one."""
        event = AuditEvent(
            actor=caller.subject,
            role=caller.role,
            action=action,
            target_type="case",
            target_id=case_id,
            agency_id=self._agency_id,
            request_id=request_id,
            detail=detail,
        )
        return audited(self._audit, event, change)
