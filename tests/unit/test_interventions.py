"""Interventions as pure rules: planning from the catalogue, dates stamped from the policy, the workflow's
checks before a case moves on, what the sweep follows up, and the follow-up emails pinned word for word."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from eis_core.cases import interventions as plans
from eis_core.cases.access import Role
from eis_core.cases.workflow import (
    InterventionsIncompleteError,
    MissingFieldError,
    MoveRequest,
    check_interventions,
    check_move,
)
from eis_core.errors import ConflictError
from eis_core.models.cases import Case, CaseStatus, Intervention, InterventionOutcome
from eis_core.notify import follow_up
from eis_core.notify.templates import checkin_email, monitoring_end_email
from eis_core.settings import InterventionPolicy
from tests.builders import case, intervention

POLICY = InterventionPolicy(checkin_days=30, monitoring_days=90)
NOW = datetime(2024, 6, 3, 14, 0, tzinfo=UTC)
TODAY = NOW.date()
ACTOR = plans.Actor("sub-s1", "supervisor")
ROSTER = {"S1", "L1", "A1001"}
S = CaseStatus


def planned_case(status: CaseStatus = S.INTERVENTION_PLANNED, *interventions: Intervention) -> Case:
    return case("case-1", "A1001", status=status, supervisor_id="S1", interventions=list(interventions))


def plan(request: plans.PlanRequest, on: Case | None = None, policy: InterventionPolicy = POLICY) -> Intervention:
    return plans.plan(
        on or planned_case(),
        request,
        policy=policy,
        actor=ACTOR,
        now=NOW,
        new_id=lambda: "intv-1",
        known_officer=lambda officer_id: officer_id in ROSTER,
    )


def ended(intervention_id: str = "intv-1", *, on: date = date(2024, 6, 1)) -> Intervention:
    return intervention(
        intervention_id, outcome=InterventionOutcome.COMPLETED, completed_on=on, monitor_until=date(2024, 8, 30)
    )


# --- planning --------------------------------------------------------------------------------------


def test_a_plan_defaults_to_today_the_cases_supervisor_and_one_check_in_period() -> None:
    planned = plan(plans.PlanRequest(type="peer_support", notes="Pair with Officer B."))

    assert (planned.type, planned.owner, planned.planned_on) == ("peer_support", "S1", TODAY)
    assert planned.due_on == planned.next_checkin_due_on == date(2024, 7, 3)
    assert (planned.created_by, planned.created_by_role, planned.revision) == ("sub-s1", "supervisor", 0)


def test_an_unknown_type_names_the_catalogue() -> None:
    with pytest.raises(plans.UnknownInterventionTypeError) as raised:
        plan(plans.PlanRequest(type="suspension"))

    assert raised.value.field == "type"
    assert raised.value.catalogue == list(POLICY.intervention_catalogue)
    assert "suspension" in str(raised.value) and "coaching_mentoring" in str(raised.value)


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (plans.PlanRequest(type="training", owner="Z9"), "owner"),
        (plans.PlanRequest(type="training", planned_on=date(2024, 7, 1), due_on=date(2024, 6, 30)), "due_on"),
    ],
)
def test_a_plan_with_a_bad_field_names_it(request_: plans.PlanRequest, field: str) -> None:
    with pytest.raises(MissingFieldError) as raised:
        plan(request_)
    assert raised.value.field == field


@pytest.mark.parametrize("status", [S.OPEN, S.IN_REVIEW, S.CLOSED])
def test_interventions_are_planned_only_at_the_intervention_stage(status: CaseStatus) -> None:
    with pytest.raises(ConflictError, match=status.value):
        plan(plans.PlanRequest(type="training"), on=planned_case(status))


def test_a_case_holds_a_bounded_number_of_interventions() -> None:
    full = planned_case(S.INTERVENTION_PLANNED, *(intervention(f"i{n}") for n in range(plans.MAX_INTERVENTIONS)))

    with pytest.raises(ConflictError, match="limit"):
        plan(plans.PlanRequest(type="training"), on=full)


# --- working one -----------------------------------------------------------------------------------


def test_starting_moves_the_next_check_in_to_one_period_after_the_start() -> None:
    started = plans.start(intervention(), date(2024, 5, 20), policy=POLICY, today=TODAY)

    assert (started.started_on, started.next_checkin_due_on) == (date(2024, 5, 20), date(2024, 6, 19))
    with pytest.raises(ConflictError, match="started"):
        plans.start(started, None, policy=POLICY, today=TODAY)
    with pytest.raises(MissingFieldError, match="future"):
        plans.start(intervention(), date(2024, 6, 4), policy=POLICY, today=TODAY)


def test_a_check_in_is_recorded_and_the_next_falls_due_one_period_later() -> None:
    checked = plans.check_in(intervention(), "Going well.", policy=POLICY, actor=ACTOR, now=NOW, checkin_id="ck-1")

    [held] = checked.checkins
    assert (held.checkin_id, held.at, held.by, held.note) == ("ck-1", NOW, "sub-s1", "Going well.")
    assert held.next_due_on == checked.next_checkin_due_on == date(2024, 7, 3)


def test_ending_stops_check_ins_and_stamps_the_monitoring_period() -> None:
    done = plans.complete(
        intervention(started_on=date(2024, 5, 10)),
        plans.CompletionRequest(outcome=InterventionOutcome.DECLINED, completed_on=date(2024, 6, 1)),
        policy=POLICY,
        today=TODAY,
    )

    assert (done.outcome, done.completed_on, done.next_checkin_due_on) == ("declined", date(2024, 6, 1), None)
    assert done.monitor_until == date(2024, 8, 30)
    with pytest.raises(ConflictError, match="ended"):
        plans.check_in(done, "x", policy=POLICY, actor=ACTOR, now=NOW, checkin_id="ck-2")
    with pytest.raises(ConflictError, match="ended"):
        plans.complete(done, plans.CompletionRequest(outcome=InterventionOutcome.COMPLETED), policy=POLICY, today=TODAY)
    with pytest.raises(MissingFieldError, match="before it started"):
        plans.complete(
            intervention(started_on=date(2024, 5, 10)),
            plans.CompletionRequest(outcome=InterventionOutcome.COMPLETED, completed_on=date(2024, 5, 1)),
            policy=POLICY,
            today=TODAY,
        )


# --- the workflow's checks -------------------------------------------------------------------------


def test_the_intervention_stage_starts_with_one_planned_and_monitoring_waits_for_every_outcome() -> None:
    to_progress = check_move(S.INTERVENTION_PLANNED, MoveRequest(S.INTERVENTION_IN_PROGRESS, "go"), [Role.SUPERVISOR])
    to_monitoring = check_move(S.INTERVENTION_IN_PROGRESS, MoveRequest(S.MONITORING, "done"), [Role.SUPERVISOR])
    back = check_move(S.INTERVENTION_PLANNED, MoveRequest(S.IN_REVIEW, "withdrawn"), [Role.SUPERVISOR])

    with pytest.raises(InterventionsIncompleteError, match="at least one intervention"):
        check_interventions(to_progress, [])
    check_interventions(to_progress, [intervention()])
    with pytest.raises(InterventionsIncompleteError, match="intv-open"):
        check_interventions(to_monitoring, [ended("intv-done"), intervention("intv-open")])
    with pytest.raises(InterventionsIncompleteError, match="none is planned"):
        check_interventions(to_monitoring, [])
    check_interventions(to_monitoring, [ended()])
    check_interventions(back, [])  # steps back and closures are not held up


# --- what the sweep follows up ---------------------------------------------------------------------


def test_check_ins_due_are_those_of_interventions_not_ended_whose_date_has_come() -> None:
    due = intervention("due", next_checkin_due_on=date(2024, 6, 1))
    later = intervention("later", next_checkin_due_on=date(2024, 6, 10))
    done = ended("done")
    working = planned_case(S.INTERVENTION_IN_PROGRESS, due, later, done)

    assert [i.intervention_id for i in follow_up.checkins_due(working, TODAY)] == ["due"]
    assert follow_up.checkin_due_on(working, TODAY) == date(2024, 6, 1)
    assert follow_up.checkin_due_on(working, date(2024, 6, 12)) == date(2024, 6, 10)  # the newest date has come
    assert follow_up.checkins_due(planned_case(S.CLOSED, due), TODAY) == []
    assert follow_up.checkins_due(planned_case(S.IN_REVIEW, due), TODAY) == []


def test_monitoring_is_over_once_every_intervention_ended_and_the_last_ones_period_ran_out() -> None:
    first = ended("first").model_copy(update={"monitor_until": date(2024, 8, 1)})
    last = ended("last").model_copy(update={"monitor_until": date(2024, 8, 30)})
    monitored = planned_case(S.MONITORING, first, last)

    assert monitored.monitoring_ends_on == date(2024, 8, 30)
    assert follow_up.monitoring_over(monitored, date(2024, 8, 29)) is None
    assert follow_up.monitoring_over(monitored, date(2024, 9, 2)) == date(2024, 8, 30)
    assert planned_case(S.MONITORING, last, intervention("open")).monitoring_ends_on is None
    assert planned_case(S.CLOSED, last).monitoring_ends_on is None


CHECKIN_BODY = """\
An Early Intervention System case you follow has an intervention check-in due.

Case:           case-7
Check-in due:   2024-06-20 (overdue by 2 days)
Interventions:  2 waiting for a check-in

Record the check-in in the EIS portal: https://eis.testville.example.gov/#/cases/case-7

A case is a non-punitive prompt to look at an officer's recent record and offer support.
The details are in the portal only. Please do not forward this email.
"""

MONITORING_END_BODY = """\
The monitoring period of an Early Intervention System case assigned to you is over.

Case:             case-7
Monitoring ends:  2024-08-30

Every intervention on the case has ended. Please look at the case in the EIS portal and close it,
or move it back to intervention_in_progress if more support is needed: https://eis.testville.example.gov/#/cases/case-7

A case is a non-punitive prompt to look at an officer's recent record and offer support.
The details are in the portal only. Please do not forward this email.
"""


def test_the_follow_up_emails_word_for_word() -> None:
    subject, body = checkin_email(
        case("case-7"),
        due_on=date(2024, 6, 20),
        count=2,
        day=date(2024, 6, 22),
        portal_url="https://eis.testville.example.gov/",
    )
    assert subject == "EIS case case-7: intervention check-in overdue by 2 days (2024-06-20)"
    assert body == CHECKIN_BODY

    subject, body = monitoring_end_email(
        case("case-7"), ends_on=date(2024, 8, 30), portal_url="https://eis.testville.example.gov"
    )
    assert subject == "EIS case case-7: monitoring over (2024-08-30); please close it or continue support"
    assert body == MONITORING_END_BODY
