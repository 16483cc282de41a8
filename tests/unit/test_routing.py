"""Who is told under each of the four response models: one table, read through ``route``."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from eis_core.models.alerts import AlertStatus
from eis_core.notify.routing import (
    Purpose,
    RoutedTo,
    escalation_level,
    escalation_step,
    ladder_above,
    last_level,
    route,
)
from eis_core.notify.service import DeadlineKind, DeadlineNotice, NotificationService
from eis_core.notify.templates import alert_deadline_email, new_evidence_email
from eis_core.settings import NotifyPolicy, RoutingPolicy
from eis_core.wiring import memory_adapters
from tests import builders
from tests.builders import officer

SGT = officer("S1", email="sgt@testville.example.gov", supervisor_id="L1")
TEAM = ("risk@testville.example.gov", "standards@testville.example.gov")
S, R1, R2 = SGT.email, *TEAM

C, B, D, CB = (
    RoutingPolicy.CENTRALIZED,
    RoutingPolicy.CENTRALIZED_REVIEW,
    RoutingPolicy.DECENTRALIZED,
    RoutingPolicy.CAPACITY_BUILDING,
)
A, REM, ESC, NEW = Purpose.ALERT, Purpose.REMINDER, Purpose.ESCALATION, Purpose.NEW_EVIDENCE
SUP, TM, BOTH = RoutedTo.SUPERVISOR, RoutedTo.RISK_TEAM, RoutedTo.SUPERVISOR_AND_RISK_TEAM

# model, purpose -> (to, copied, routed_to), with a supervisor and a risk team both present
TABLE = [
    (C, A, (R1, R2), (), TM),
    (C, REM, (R1, R2), (), TM),
    (C, ESC, (R1, R2), (), TM),
    (C, NEW, (R1, R2), (), TM),
    (B, A, (S,), (R1, R2), BOTH),
    (B, REM, (S,), (), SUP),
    (B, ESC, (S,), (R1, R2), BOTH),
    (B, NEW, (S,), (R1, R2), BOTH),
    (D, A, (S,), (), SUP),
    (D, REM, (S,), (), SUP),
    (D, ESC, (S,), (), SUP),
    (D, NEW, (S,), (), SUP),
    (CB, A, (S, R1, R2), (), BOTH),
    (CB, REM, (S, R1, R2), (), BOTH),
    (CB, ESC, (S, R1, R2), (), BOTH),
    (CB, NEW, (S, R1, R2), (), BOTH),
]


@pytest.mark.parametrize(("model", "purpose", "to", "copied", "routed_to"), TABLE)
def test_each_model_tells_the_sides_its_row_names(
    model: RoutingPolicy, purpose: Purpose, to: tuple[str, ...], copied: tuple[str, ...], routed_to: RoutedTo
) -> None:
    routed = route(model, purpose, chain=SGT, risk_team=TEAM)

    assert (routed.to, routed.copy, routed.routed_to) == (to, copied, routed_to)
    assert routed.recipients == [*to, *copied]


def test_the_table_covers_every_model_and_purpose() -> None:
    assert {(row[0], row[1]) for row in TABLE} == {(m, p) for m in RoutingPolicy for p in Purpose}


@pytest.mark.parametrize("model", list(RoutingPolicy))
@pytest.mark.parametrize("purpose", list(Purpose))
def test_each_side_stands_in_when_the_other_has_nobody(model: RoutingPolicy, purpose: Purpose) -> None:
    no_chain = route(model, purpose, chain=None, risk_team=TEAM)
    no_email = route(model, purpose, chain=officer("S9", supervisor_id=None), risk_team=TEAM)
    no_team = route(model, purpose, chain=SGT, risk_team=())
    nobody = route(model, purpose, chain=None, risk_team=())

    assert no_chain.recipients == no_email.recipients == [R1, R2]
    assert no_chain.routed_to is TM
    assert (no_team.recipients, no_team.routed_to) == ([S], SUP)
    assert nobody.recipients == []


@pytest.mark.parametrize(
    ("old", "model"),
    [
        ("chain_of_command", D),
        ("risk_team", C),
        ("chain_of_command_and_risk_team", CB),
        *[(m.value, m) for m in RoutingPolicy],
    ],
)
def test_earlier_routing_policy_values_are_read_as_the_model_they_meant(old: str, model: RoutingPolicy) -> None:
    assert RoutingPolicy(old) is model
    assert NotifyPolicy(sender_email="eis@testville.example.gov", routing_policy=old).routing_policy is model


# --- the escalation ladder -------------------------------------------------------------------------

ROSTER = {
    o.officer_id: o
    for o in [
        officer("C1", email="chief@testville.example.gov"),
        officer("K1", supervisor_id="C1"),  # a captain without email: skipped
        officer("L1", email="lt@testville.example.gov", supervisor_id="K1"),
        SGT,
        officer("A1", supervisor_id="S1"),
    ]
}


def test_the_ladder_climbs_reachable_supervisors_above_the_first() -> None:
    assert [o.officer_id for o in ladder_above(ROSTER, SGT, skip=["A1"])] == ["L1", "C1"]
    assert ladder_above(ROSTER, ROSTER["C1"]) == []
    assert ladder_above(ROSTER, None) == []


@pytest.mark.parametrize(
    ("days_overdue", "level", "reaches"),
    [
        (-2, 0, None),
        (0, 0, None),
        (6, 0, None),
        (7, 1, "L1"),
        (13, 1, "L1"),
        (14, 2, "C1"),
        (21, 3, "risk team"),
        (100, 3, "risk team"),
    ],
)
def test_escalation_climbs_one_rung_per_escalation_days_and_ends_at_the_risk_team(
    days_overdue: int, level: int, reaches: str | None
) -> None:
    rungs = ladder_above(ROSTER, SGT, skip=["A1"])
    last = last_level(D, rungs, has_risk_team=True)

    reached = escalation_level(days_overdue, 7, last)

    assert (last, reached) == (3, level)
    if level:
        step = escalation_step(D, rungs, reached)
        assert (step.supervisor.officer_id if step.supervisor else "risk team") == reaches
        assert step.final is (reaches == "risk team")


def test_without_a_risk_team_escalation_ends_at_the_top_and_centralized_has_one_level() -> None:
    rungs = ladder_above(ROSTER, SGT, skip=["A1"])

    assert escalation_level(100, 7, last_level(D, rungs, has_risk_team=False)) == 2
    assert last_level(C, rungs, has_risk_team=True) == 1
    assert escalation_step(C, rungs, 1).supervisor is None  # centralized: straight to the risk team


# --- notices and texts -----------------------------------------------------------------------------


def test_a_notice_is_once_per_day_for_reminders_and_once_per_level_for_escalations() -> None:
    reminder = DeadlineNotice(agency_id="t", case_id="c1", kind=DeadlineKind.REMINDER, day=date(2024, 6, 2))
    escalation = DeadlineNotice(agency_id="t", alert_id="a1", kind=DeadlineKind.ESCALATE, day=date(2024, 6, 2), level=2)

    assert (reminder.step, escalation.step) == ("2024-06-02", "level-2")
    assert escalation.model_dump()["step"] == "level-2"  # what the idempotency key reads
    with pytest.raises(ValueError, match="one case or one alert"):
        DeadlineNotice(agency_id="t", kind=DeadlineKind.REMINDER, day=date(2024, 6, 2))
    with pytest.raises(ValueError, match="level of 1"):
        DeadlineNotice(agency_id="t", case_id="c1", kind=DeadlineKind.ESCALATE, day=date(2024, 6, 2))


def test_the_new_evidence_and_alert_reminder_emails_name_ids_only() -> None:
    case = builders.case("case-9", "A1001")
    alert = builders.alert("A1001", alert_id="alert-abc123")

    subject, body = new_evidence_email(case, alert, portal_url="https://eis.example.gov/")
    reminder_subject, reminder_body = alert_deadline_email(
        alert, review_by=date(2024, 6, 15), day=date(2024, 6, 17), escalated=True, portal_url="https://eis.example.gov"
    )

    assert subject == "EIS case case-9: new evidence (warning alert)"
    assert "Alert:      alert-abc123" in body and "https://eis.example.gov/#/cases/case-9" in body
    assert reminder_subject == "EIS warning alert alert-abc123: review overdue by 2 days (escalated to you)"
    assert "https://eis.example.gov/#/alerts/alert-abc123" in reminder_body
    for text in (subject, body, reminder_subject, reminder_body):
        assert "A1001" not in text and "Uses of force" not in text


def test_the_in_memory_sweep_sends_each_level_once_even_without_idempotency_records() -> None:
    # Given an alert for A1 left without a case since 1 June (review by 15 June), chain S1 <- L1 <- C1
    built = memory_adapters("testville")
    built.records.put_records(list(ROSTER.values()), upload_id="u1")
    built.alerts.create_alert(builders.alert("A1", alert_id="alert-1", created_at=datetime(2024, 6, 1, tzinfo=UTC)))
    service = NotificationService(
        agency_id="testville",
        alerts=built.alerts,
        records=built.records,
        audit=built.audit,
        mailer=built.mailer,
        cases=built.cases,
        portal_url="https://eis.example.gov",
        review_days=14,
        risk_team_emails=TEAM,
    )

    # When the sweep runs twice on the day it is 7 days overdue, and once the day after
    first = service.sweep_deadlines(date(2024, 6, 22), request_id="r1")
    second = service.sweep_deadlines(date(2024, 6, 22), request_id="r2")
    after = service.sweep_deadlines(date(2024, 6, 23), request_id="r3")

    # Then the lieutenant is told once, and the reminders to the sergeant go on the next day
    assert (first.open_alerts, first.escalations, second.sent, second.already_sent) == (1, 1, 0, 1)
    assert (after.reminders, after.escalations) == (1, 0)
    sent = built.mailer.sent  # type: ignore[attr-defined]
    assert [email.to for email in sent] == [("lt@testville.example.gov",), (S,)]
    stored = built.alerts.get_alert("alert-1")
    assert stored is not None and (stored.escalated_level, stored.escalated_on) == (1, date(2024, 6, 22))
    assert stored.status is AlertStatus.NEW
