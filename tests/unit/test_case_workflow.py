"""The case workflow table, pure: every status x every target x every role, and what each move requires."""

from __future__ import annotations

import itertools

import pytest

from eis_core.cases.access import Role
from eis_core.cases.workflow import (
    TRANSITIONS,
    MissingFieldError,
    MoveRequest,
    TransitionNotAllowedError,
    check_move,
    next_moves,
)
from eis_core.errors import ForbiddenError
from eis_core.models.cases import Case, CaseStatus, CaseTransition, Disposition
from tests.builders import case

S = CaseStatus
D = Disposition
WORKERS = {Role.SUPERVISOR, Role.RISK_MANAGER, Role.ADMIN}
RISK_TEAM = {Role.RISK_MANAGER, Role.ADMIN}

# Written out here, not read from the table: this is the behaviour the table must have.
EXPECTED: dict[tuple[CaseStatus, CaseStatus], tuple[set[Role], set[Disposition]]] = {
    (S.OPEN, S.IN_REVIEW): (WORKERS, set()),
    (S.IN_REVIEW, S.INTERVENTION_PLANNED): (WORKERS, set()),
    (S.INTERVENTION_PLANNED, S.INTERVENTION_IN_PROGRESS): (WORKERS, set()),
    (S.INTERVENTION_IN_PROGRESS, S.MONITORING): (WORKERS, set()),
    (S.MONITORING, S.CLOSED): (WORKERS, {D.INTERVENTION_COMPLETED, D.REFERRED_OUTSIDE_EIS, D.OFFICER_SEPARATED}),
    (S.OPEN, S.CLOSED): (WORKERS, {D.REFERRED_OUTSIDE_EIS, D.OFFICER_SEPARATED}),
    (S.IN_REVIEW, S.CLOSED): (
        WORKERS,
        {D.NO_ACTION_NEEDED, D.FALSE_POSITIVE, D.REFERRED_OUTSIDE_EIS, D.OFFICER_SEPARATED},
    ),
    (S.INTERVENTION_PLANNED, S.CLOSED): (WORKERS, {D.REFERRED_OUTSIDE_EIS, D.OFFICER_SEPARATED}),
    (S.INTERVENTION_IN_PROGRESS, S.CLOSED): (WORKERS, {D.REFERRED_OUTSIDE_EIS, D.OFFICER_SEPARATED}),
    (S.INTERVENTION_PLANNED, S.IN_REVIEW): (WORKERS, set()),
    (S.MONITORING, S.INTERVENTION_IN_PROGRESS): (WORKERS, set()),
    (S.CLOSED, S.IN_REVIEW): (RISK_TEAM, set()),
}


def complete(source: CaseStatus, target: CaseStatus) -> MoveRequest:
    """A request with everything the move needs."""
    dispositions = EXPECTED.get((source, target), (set(), set()))[1]
    if not dispositions:
        return MoveRequest(target=target, reason="because")
    disposition = sorted(dispositions)[0]
    return MoveRequest(
        target=target,
        reason="because",
        disposition=disposition,
        referred_to="internal affairs" if disposition is D.REFERRED_OUTSIDE_EIS else None,
        disagreed_rules=("uof_90d",) if disposition is D.FALSE_POSITIVE else (),
    )


@pytest.mark.parametrize(("source", "target", "role"), list(itertools.product(CaseStatus, CaseStatus, Role)), ids=str)
def test_every_status_target_and_role(source: CaseStatus, target: CaseStatus, role: Role) -> None:
    request = complete(source, target)
    expected = EXPECTED.get((source, target))

    if role not in WORKERS:  # auditors and command staff work no cases
        with pytest.raises(ForbiddenError):
            check_move(source, request, {role}, alert_rules={"uof_90d"})
    elif expected is None:
        with pytest.raises(TransitionNotAllowedError) as refused:
            check_move(source, request, {role}, alert_rules={"uof_90d"})
        allowed = [t for (s, t), (roles, _) in EXPECTED.items() if s is source and role in roles]
        assert sorted(refused.value.allowed) == sorted(allowed)
        assert str(target) in str(refused.value)
    elif role not in expected[0]:
        with pytest.raises(ForbiddenError):
            check_move(source, request, {role}, alert_rules={"uof_90d"})
    else:
        row = check_move(source, request, {role}, alert_rules={"uof_90d"})
        assert (row.source, row.target) == (source, target)
        assert row.dispositions == expected[1]


def test_the_table_is_exactly_the_expected_moves() -> None:
    assert {(t.source, t.target): (set(t.roles), set(t.dispositions)) for t in TRANSITIONS} == EXPECTED
    assert all(Role.AUDITOR not in t.roles for t in TRANSITIONS)
    assert all(t.why for t in TRANSITIONS)


@pytest.mark.parametrize("status", list(CaseStatus), ids=str)
def test_next_moves_match_the_table_per_role(status: CaseStatus) -> None:
    for role in Role:
        expected = [t for (s, t), (roles, _) in EXPECTED.items() if s is status and role in roles]
        assert sorted(row.target for row in next_moves(status, {role})) == sorted(expected)
    both = {row.target for row in next_moves(S.CLOSED, {Role.SUPERVISOR, Role.RISK_MANAGER})}
    assert both == {S.IN_REVIEW}  # any one of the caller's roles is enough


def test_only_starting_a_review_goes_without_a_reason() -> None:
    assert check_move(S.OPEN, MoveRequest(target=S.IN_REVIEW), {Role.SUPERVISOR}).target is S.IN_REVIEW
    for (source, target), _ in EXPECTED.items():
        if (source, target) == (S.OPEN, S.IN_REVIEW):
            continue
        request = complete(source, target)
        without = MoveRequest(**{**request.__dict__, "reason": None})
        with pytest.raises(MissingFieldError) as missing:
            check_move(source, without, {Role.ADMIN}, alert_rules={"uof_90d"})
        assert missing.value.field == "reason"


def test_a_closure_needs_a_disposition_that_fits_the_stage() -> None:
    with pytest.raises(MissingFieldError) as missing:
        check_move(S.IN_REVIEW, MoveRequest(target=S.CLOSED, reason="done"), {Role.SUPERVISOR})
    assert missing.value.field == "disposition"
    assert "no_action_needed" in str(missing.value)

    with pytest.raises(MissingFieldError) as wrong:
        request = MoveRequest(target=S.CLOSED, reason="done", disposition=D.INTERVENTION_COMPLETED)
        check_move(S.IN_REVIEW, request, {Role.SUPERVISOR})
    assert wrong.value.field == "disposition"

    with pytest.raises(MissingFieldError) as not_a_closure:
        request = MoveRequest(target=S.INTERVENTION_PLANNED, reason="plan", disposition=D.NO_ACTION_NEEDED)
        check_move(S.IN_REVIEW, request, {Role.SUPERVISOR})
    assert not_a_closure.value.field == "disposition"


def test_a_false_positive_names_rules_or_factors_of_the_case_alerts() -> None:
    base = MoveRequest(target=S.CLOSED, reason="data error", disposition=D.FALSE_POSITIVE)
    rules, factors = {"uof_90d"}, {"uof_rate_90d"}

    with pytest.raises(MissingFieldError) as missing:
        check_move(S.IN_REVIEW, base, {Role.SUPERVISOR}, alert_rules=rules, alert_factors=factors)
    assert missing.value.field == "disagreed_rules"
    with pytest.raises(MissingFieldError) as unknown_rule:
        request = MoveRequest(**{**base.__dict__, "disagreed_rules": ("made_up",)})
        check_move(S.IN_REVIEW, request, {Role.SUPERVISOR}, alert_rules=rules, alert_factors=factors)
    assert unknown_rule.value.field == "disagreed_rules" and "made_up" in str(unknown_rule.value)
    with pytest.raises(MissingFieldError) as unknown_factor:
        request = MoveRequest(**{**base.__dict__, "disagreed_factors": ("made_up",)})
        check_move(S.IN_REVIEW, request, {Role.SUPERVISOR}, alert_rules=rules, alert_factors=factors)
    assert unknown_factor.value.field == "disagreed_factors"

    by_factor = MoveRequest(**{**base.__dict__, "disagreed_factors": ("uof_rate_90d",)})
    assert check_move(S.IN_REVIEW, by_factor, {Role.SUPERVISOR}, alert_rules=rules, alert_factors=factors)

    with pytest.raises(MissingFieldError) as not_false_positive:
        request = MoveRequest(target=S.CLOSED, reason="r", disposition=D.NO_ACTION_NEEDED, disagreed_rules=("uof_90d",))
        check_move(S.IN_REVIEW, request, {Role.SUPERVISOR}, alert_rules=rules)
    assert not_false_positive.value.field == "disagreed_rules"


def test_a_referral_names_where_to_and_only_a_referral_does() -> None:
    with pytest.raises(MissingFieldError) as missing:
        request = MoveRequest(target=S.CLOSED, reason="IA", disposition=D.REFERRED_OUTSIDE_EIS)
        check_move(S.IN_REVIEW, request, {Role.SUPERVISOR})
    assert missing.value.field == "referred_to"
    with pytest.raises(MissingFieldError) as stray:
        request = MoveRequest(target=S.CLOSED, reason="r", disposition=D.OFFICER_SEPARATED, referred_to="IA")
        check_move(S.IN_REVIEW, request, {Role.SUPERVISOR})
    assert stray.value.field == "referred_to"


def test_cases_stored_with_the_old_intervention_status_still_read() -> None:
    stored = case().model_dump(mode="json") | {"status": "intervention"}
    move = {"from_status": "in_review", "to_status": "intervention", "at": "2024-05-02T09:00:00Z"}
    stored["history"] = [move | {"by": "sub-1", "by_role": "supervisor"}]

    read = Case.model_validate(stored)

    assert read.status is S.INTERVENTION_IN_PROGRESS
    assert read.history[0].to_status is S.INTERVENTION_IN_PROGRESS
    assert isinstance(read.history[0], CaseTransition) and read.disposition is None
    assert check_move(read.status, complete(read.status, S.MONITORING), {Role.SUPERVISOR}).target is S.MONITORING
