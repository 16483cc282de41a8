"""The case workflow: one table of the moves a case can make, who may make each, and what each requires.

Pure: no storage, no clock. The case service checks scope (a supervisor acts only in their chain of
command), asks ``check_move`` whether a move is allowed, then stores it conditionally.

    open -> in_review -> intervention_planned -> intervention_in_progress -> monitoring -> closed

Shortcuts and steps back are rows of ``TRANSITIONS`` like any other; each says why it exists. Auditors
make no move. Every move but starting a review needs a reason; a closure needs a disposition (which
dispositions depend on the stage: ``no_action_needed`` and ``false_positive`` only after a review and
before any intervention, ``intervention_completed`` only from monitoring). A ``false_positive`` names
the alert's rules or factors the reviewer disagrees with; ``referred_outside_eis`` names where to.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from eis_core.cases.access import Role
from eis_core.errors import ConflictError, ForbiddenError, ValidationFailed
from eis_core.models.cases import CaseStatus, Disposition, Intervention

S = CaseStatus
D = Disposition

WORKERS = frozenset({Role.SUPERVISOR, Role.RISK_MANAGER, Role.ADMIN})
"""Who works cases: supervisors (in their chain of command), risk managers and admins. Never auditors."""
RISK_TEAM = frozenset({Role.RISK_MANAGER, Role.ADMIN})

REASON = "reason"
DISPOSITION = "disposition"
REFERRED_TO = "referred_to"
DISAGREED = "disagreed_rules"  # or disagreed_factors: at least one of them
MAX_REASON = 2_000

_BEFORE_INTERVENTION = frozenset({D.NO_ACTION_NEEDED, D.FALSE_POSITIVE, D.REFERRED_OUTSIDE_EIS, D.OFFICER_SEPARATED})
_DURING_INTERVENTION = frozenset({D.REFERRED_OUTSIDE_EIS, D.OFFICER_SEPARATED})
_AFTER_MONITORING = frozenset({D.INTERVENTION_COMPLETED, D.REFERRED_OUTSIDE_EIS, D.OFFICER_SEPARATED})


@dataclass(frozen=True)
class Transition:
    """One allowed move. ``dispositions`` is non-empty exactly when the move closes the case."""

    source: CaseStatus
    target: CaseStatus
    roles: frozenset[Role]
    why: str
    needs_reason: bool = True
    dispositions: frozenset[Disposition] = frozenset()

    @property
    def requires(self) -> tuple[str, ...]:
        """The request fields this move cannot do without."""
        return ((REASON,) if self.needs_reason else ()) + ((DISPOSITION,) if self.dispositions else ())


TRANSITIONS: tuple[Transition, ...] = (
    # The path every case can take.
    Transition(S.OPEN, S.IN_REVIEW, WORKERS, "a supervisor starts reviewing the alert", needs_reason=False),
    Transition(S.IN_REVIEW, S.INTERVENTION_PLANNED, WORKERS, "the review found support or action is needed"),
    Transition(S.INTERVENTION_PLANNED, S.INTERVENTION_IN_PROGRESS, WORKERS, "the planned intervention has begun"),
    Transition(S.INTERVENTION_IN_PROGRESS, S.MONITORING, WORKERS, "the intervention is done; watch how it works"),
    Transition(S.MONITORING, S.CLOSED, WORKERS, "monitoring is over", dispositions=_AFTER_MONITORING),
    # Shortcuts a supervisor needs.
    Transition(
        S.OPEN,
        S.CLOSED,
        WORKERS,
        "nothing left to review: the officer left, or the matter went elsewhere",
        dispositions=_DURING_INTERVENTION,
    ),
    Transition(
        S.IN_REVIEW,
        S.CLOSED,
        WORKERS,
        "the review found nothing to act on, a false alert, or a matter for another process",
        dispositions=_BEFORE_INTERVENTION,
    ),
    Transition(
        S.INTERVENTION_PLANNED,
        S.CLOSED,
        WORKERS,
        "the officer left, or the matter went to another process",
        dispositions=_DURING_INTERVENTION,
    ),
    Transition(
        S.INTERVENTION_IN_PROGRESS,
        S.CLOSED,
        WORKERS,
        "the officer left, or the matter went to another process",
        dispositions=_DURING_INTERVENTION,
    ),
    # Steps back.
    Transition(S.INTERVENTION_PLANNED, S.IN_REVIEW, WORKERS, "the plan is withdrawn; review again"),
    Transition(S.MONITORING, S.INTERVENTION_IN_PROGRESS, WORKERS, "monitoring shows more support is needed"),
    # Reopening is the risk team's: a closed case comes back to review.
    Transition(S.CLOSED, S.IN_REVIEW, RISK_TEAM, "reopen a closed case (risk managers and admins)"),
)

_BY_MOVE: dict[tuple[CaseStatus, CaseStatus], Transition] = {(t.source, t.target): t for t in TRANSITIONS}
if len(_BY_MOVE) != len(TRANSITIONS):
    raise RuntimeError("the workflow table has two rows for one move")


class TransitionNotAllowedError(ConflictError):
    """The move is not in the table from the case's status; ``allowed`` lists those the caller may make."""

    def __init__(self, source: CaseStatus, target: CaseStatus, allowed: Sequence[CaseStatus]) -> None:
        listed = ", ".join(allowed) or "none"
        super().__init__(f"a case in {source} cannot move to {target}; from {source} you may move it to: {listed}")
        self.allowed = [str(status) for status in allowed]


class MissingFieldError(ValidationFailed):
    """A field the move requires is missing or does not fit the move; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class MoveRequest:
    """What the caller asks for, as the API received it (strings stripped, empty ones as None)."""

    target: CaseStatus
    reason: str | None = None
    disposition: Disposition | None = None
    referred_to: str | None = None
    disagreed_rules: tuple[str, ...] = ()
    disagreed_factors: tuple[str, ...] = ()


def transition(source: CaseStatus, target: CaseStatus) -> Transition | None:
    """The table's row for this move, if any."""
    return _BY_MOVE.get((source, target))


def next_moves(source: CaseStatus, roles: Collection[Role]) -> list[Transition]:
    """The moves a caller with ``roles`` may make from ``source``, in table order (scope aside)."""
    return [t for t in TRANSITIONS if t.source is source and not t.roles.isdisjoint(roles)]


def check_move(
    source: CaseStatus,
    request: MoveRequest,
    roles: Collection[Role],
    *,
    alert_rules: Collection[str] = (),
    alert_factors: Collection[str] = (),
) -> Transition:
    """The row that allows this move, or the error to answer.

    ForbiddenError (403) for a role that works no cases or may not make this move; TransitionNotAllowedError
    (409) for a move not in the table from ``source``; MissingFieldError (422) naming the first missing or
    unfitting field. ``alert_rules``/``alert_factors`` are the rule ids and indicators on the case's
    alerts: a false positive may only disagree with those.
    """
    if WORKERS.isdisjoint(roles):
        raise ForbiddenError("your role may read cases but not move them")
    row = transition(source, request.target)
    if row is None:
        raise TransitionNotAllowedError(source, request.target, [t.target for t in next_moves(source, roles)])
    if row.roles.isdisjoint(roles):
        allowed = " and ".join(sorted(row.roles))
        raise ForbiddenError(f"moving a case from {source} to {request.target} is for: {allowed}")
    if row.needs_reason and not request.reason:
        raise MissingFieldError(REASON, f"say why the case moves from {source} to {request.target}")
    if not row.dispositions:
        if request.disposition is not None:
            raise MissingFieldError(DISPOSITION, "only a closure takes a disposition")
        if request.disagreed_rules or request.disagreed_factors:
            raise MissingFieldError(DISAGREED, "only a false_positive closure names disagreed rules or factors")
        if request.referred_to:
            raise MissingFieldError(REFERRED_TO, "only a referred_outside_eis closure names where to")
        return row
    if request.disposition is None:
        listed = ", ".join(sorted(row.dispositions))
        raise MissingFieldError(DISPOSITION, f"closing from {source} needs one of: {listed}")
    if request.disposition not in row.dispositions:
        listed = ", ".join(sorted(row.dispositions))
        raise MissingFieldError(DISPOSITION, f"{request.disposition} does not close a case in {source}; use: {listed}")
    _check_disposition_fields(request, alert_rules=alert_rules, alert_factors=alert_factors)
    return row


def _check_disposition_fields(
    request: MoveRequest, *, alert_rules: Collection[str], alert_factors: Collection[str]
) -> None:
    false_positive = request.disposition is D.FALSE_POSITIVE
    if false_positive and not (request.disagreed_rules or request.disagreed_factors):
        raise MissingFieldError(
            DISAGREED, "a false_positive names the alert's rules (disagreed_rules) or factors (disagreed_factors)"
        )
    if not false_positive and (request.disagreed_rules or request.disagreed_factors):
        raise MissingFieldError(DISAGREED, "only a false_positive closure names disagreed rules or factors")
    unknown_rules = sorted(set(request.disagreed_rules) - set(alert_rules))
    if unknown_rules:
        raise MissingFieldError("disagreed_rules", f"not rules of this case's alerts: {', '.join(unknown_rules)}")
    unknown_factors = sorted(set(request.disagreed_factors) - set(alert_factors))
    if unknown_factors:
        raise MissingFieldError("disagreed_factors", f"not factors of this case's alerts: {', '.join(unknown_factors)}")
    referral = request.disposition is D.REFERRED_OUTSIDE_EIS
    if referral and not request.referred_to:
        raise MissingFieldError(REFERRED_TO, "name where the case was referred, e.g. internal affairs")
    if not referral and request.referred_to:
        raise MissingFieldError(REFERRED_TO, "only a referred_outside_eis closure names where to")


class InterventionsIncompleteError(ConflictError):
    """The case's interventions do not allow this move yet (409): none planned, or some without an outcome."""


def check_interventions(row: Transition, interventions: Sequence[Intervention]) -> None:
    """A case starts its intervention stage with at least one planned, and is monitored once every one has ended.

    Raises InterventionsIncompleteError (409) naming what is missing; closures and steps back are not checked.
    """
    if row.target is S.INTERVENTION_IN_PROGRESS and not interventions:
        raise InterventionsIncompleteError(
            f"a case moves to {row.target} once at least one intervention is planned on it "
            "(POST /cases/{case_id}/interventions)"
        )
    if row.target is S.MONITORING:
        if not interventions:
            raise InterventionsIncompleteError(f"a case moves to {row.target} after an intervention; none is planned")
        open_ones = [i.intervention_id for i in interventions if not i.done]
        if open_ones:
            raise InterventionsIncompleteError(
                f"a case moves to {row.target} once every intervention has an outcome; record one for: "
                + ", ".join(open_ones)
            )
