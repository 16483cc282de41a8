"""Interventions on a case: planning one from the agency's catalogue, starting it, checking in, ending it.

Pure: no storage, no clock. The case service checks scope and the case's status, calls these to build
the changed intervention, then stores it conditionally (``CaseStore.update_intervention``).

Dates are stamped here from the agency's ``InterventionPolicy`` so that the notifier reads dates, not
policy: every intervention not yet ended has a check-in due ``checkin_days`` after it was planned,
started or last checked in on; an ended one is monitored until ``completed_on + monitoring_days``.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from eis_core.cases.workflow import MissingFieldError
from eis_core.errors import ConflictError, NotFoundError
from eis_core.models.cases import Case, CaseStatus, CheckIn, Intervention, InterventionOutcome
from eis_core.settings import InterventionPolicy

S = CaseStatus

PLANNING_STATUSES = frozenset({S.INTERVENTION_PLANNED, S.INTERVENTION_IN_PROGRESS, S.MONITORING})
"""Where a case's interventions may be planned, started, checked in on and ended."""
MAX_INTERVENTIONS = 20
"""Per case: each is an item of its own, but a case page shows them all."""
MAX_CHECKINS = 60
"""Per intervention: five years of monthly check-ins; keeps its item well under DynamoDB's 400 KB."""


class UnknownInterventionTypeError(MissingFieldError):
    """The type is not in the agency's catalogue (422); ``catalogue`` lists those that are."""

    def __init__(self, given: str, catalogue: Collection[str]) -> None:
        self.catalogue = list(catalogue)
        listed = ", ".join(self.catalogue)
        super().__init__("type", f"{given!r} is not in this agency's catalogue; use one of: {listed}")


class InterventionNotFoundError(NotFoundError):
    def __init__(self, case_id: str, intervention_id: str) -> None:
        super().__init__(f"intervention {intervention_id} not found on case {case_id}")


@dataclass(frozen=True)
class Actor:
    """Who makes the change, as the audit log and the case record name them."""

    subject: str
    role: str


@dataclass(frozen=True)
class PlanRequest:
    type: str
    owner: str | None = None
    planned_on: date | None = None
    due_on: date | None = None
    notes: str | None = None


@dataclass(frozen=True)
class CompletionRequest:
    outcome: InterventionOutcome
    completed_on: date | None = None
    outcome_notes: str | None = None


def check_changeable(case: Case) -> None:
    """ConflictError (409) unless the case is at a stage where interventions are worked."""
    if case.status not in PLANNING_STATUSES:
        stages = ", ".join(sorted(PLANNING_STATUSES))
        raise ConflictError(
            f"case {case.case_id} is {case.status.value}; interventions are planned and worked while a case is "
            f"{stages} (move it to intervention_planned first)"
        )


def find(case: Case, intervention_id: str) -> Intervention:
    found = case.intervention(intervention_id)
    if found is None:
        raise InterventionNotFoundError(case.case_id, intervention_id)
    return found


def _not_after(field: str, value: date, today: date) -> None:
    if value > today:
        raise MissingFieldError(field, f"{value} is in the future; record it on or after the day")


def _open(intervention: Intervention, doing: str) -> None:
    if intervention.done:
        raise ConflictError(
            f"intervention {intervention.intervention_id} has ended ({intervention.outcome}); cannot {doing}"
        )


def plan(
    case: Case,
    request: PlanRequest,
    *,
    policy: InterventionPolicy,
    actor: Actor,
    now: datetime,
    new_id: Callable[[], str],
    known_officer: Callable[[str], bool],
) -> Intervention:
    """A new intervention on ``case``: type from the catalogue, owner on the roster (default: the case's supervisor)."""
    check_changeable(case)
    if request.type not in policy.intervention_catalogue:
        raise UnknownInterventionTypeError(request.type, policy.intervention_catalogue)
    if len(case.interventions) >= MAX_INTERVENTIONS:
        raise ConflictError(f"case {case.case_id} already has {MAX_INTERVENTIONS} interventions; the limit")
    owner = request.owner or case.supervisor_id
    if request.owner and not known_officer(request.owner):
        raise MissingFieldError("owner", f"officer {request.owner} is not on the roster")
    planned_on = request.planned_on or now.date()
    due_on = request.due_on or planned_on + timedelta(days=policy.checkin_days)
    if due_on < planned_on:
        raise MissingFieldError("due_on", f"{due_on} is before the planned date {planned_on}")
    return Intervention(
        intervention_id=new_id(),
        case_id=case.case_id,
        type=request.type,
        owner=owner,
        planned_on=planned_on,
        due_on=due_on,
        notes=request.notes,
        next_checkin_due_on=planned_on + timedelta(days=policy.checkin_days),
        created_at=now,
        created_by=actor.subject,
        created_by_role=actor.role,
    )


def start(
    intervention: Intervention, started_on: date | None, *, policy: InterventionPolicy, today: date
) -> Intervention:
    """Record that the intervention began; the next check-in counts from then unless one was already held."""
    _open(intervention, "start it")
    if intervention.started_on is not None:
        raise ConflictError(f"intervention {intervention.intervention_id} started on {intervention.started_on}")
    started = started_on or today
    _not_after("started_on", started, today)
    next_due = intervention.next_checkin_due_on
    if not intervention.checkins:
        next_due = started + timedelta(days=policy.checkin_days)
    return intervention.model_copy(update={"started_on": started, "next_checkin_due_on": next_due})


def complete(
    intervention: Intervention, request: CompletionRequest, *, policy: InterventionPolicy, today: date
) -> Intervention:
    """End the intervention with its outcome; check-ins stop and its monitoring period is stamped."""
    _open(intervention, "end it again")
    completed_on = request.completed_on or today
    _not_after("completed_on", completed_on, today)
    if intervention.started_on is not None and completed_on < intervention.started_on:
        raise MissingFieldError("completed_on", f"{completed_on} is before it started ({intervention.started_on})")
    return intervention.model_copy(
        update={
            "outcome": request.outcome,
            "completed_on": completed_on,
            "outcome_notes": request.outcome_notes,
            "next_checkin_due_on": None,
            "monitor_until": completed_on + timedelta(days=policy.monitoring_days),
        }
    )


def check_in(
    intervention: Intervention,
    note: str,
    *,
    policy: InterventionPolicy,
    actor: Actor,
    now: datetime,
    checkin_id: str,
) -> Intervention:
    """A check-in held now; the next one is due ``checkin_days`` later."""
    _open(intervention, "check in on it")
    if len(intervention.checkins) >= MAX_CHECKINS:
        raise ConflictError(
            f"intervention {intervention.intervention_id} has {MAX_CHECKINS} check-ins, the limit; "
            "end it and plan a new one"
        )
    next_due = now.date() + timedelta(days=policy.checkin_days)
    checkin = CheckIn(
        checkin_id=checkin_id, at=now, by=actor.subject, by_role=actor.role, note=note, next_due_on=next_due
    )
    return intervention.model_copy(
        update={"checkins": [*intervention.checkins, checkin], "next_checkin_due_on": next_due}, deep=True
    )
