"""The daily review-deadline sweep on moto: an EventBridge job in, reminders and escalations out, once a day."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import pytest
from moto.backends import get_backend
from pydantic import ValidationError

from eis_core.errors import ValidationFailed
from eis_core.models.audit import AuditRecord
from eis_core.models.cases import Case, CaseStatus, CaseTransition, Disposition, Note
from eis_core.notify.service import DeadlineKind, DeadlineNotice, SweepIncompleteError
from eis_core.notify.wiring import build_notification_service
from eis_core.settings import NotifyPolicy
from eis_core.wiring import Adapters, aws_adapters, memory_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.notify import handler
from tests.builders import case, move_stored
from tests.builders import officer as _officer
from tests.conftest import ACCOUNT, EVENTS, REGION

SWEEP_DAY = date(2024, 6, 20)  # the "time" of tests/events/eventbridge_deadline_sweep.json
PORTAL = "http://127.0.0.1:8080"
CHIEF, LIEUTENANT, SERGEANT = (
    "chief@testville.example.gov",
    "lt.one@testville.example.gov",
    "sgt.one@testville.example.gov",
)
RISK_TEAM = "risk@testville.example.gov"


# Every case here is supervised by S1 unless it says otherwise.
_case = partial(case, supervisor_id="S1")


ROSTER = [
    _officer("C1", "Casey", "Chiefton", None, CHIEF),
    _officer("L1", "Lee", "Lieutenant", "C1", LIEUTENANT),
    _officer("S1", "Sam", "Sergeant", "L1", SERGEANT),
    _officer("A1001", "Jordan", "Whitfield", "S1"),
    _officer("A2002", "Morgan", "Castellano", "S1"),
    _officer("A3003", "Riley", "Okonkwo", "S1"),
    _officer("A4004", "Avery", "Lindqvist", "S1"),
    _officer("A5005", "Quinn", "Abernathy", "S1"),
]


DUE_SOON = "case-due-soon"  # due in two days: a reminder
OVERDUE = "case-overdue"  # three days late: still a reminder
ESCALATED = "case-escalated"  # seven days late (EIS_ESCALATION_DAYS default): escalated above S1
NOT_YET = "case-not-yet"  # ten days ahead: nothing
CLOSED = "case-closed"  # late but closed: nothing


@pytest.fixture
def adapters(settings: LocalSettings) -> Iterator[Adapters]:
    """Given a chain C1 <- L1 <- S1 <- officers, and cases with review dates around the sweep day."""
    handler._service.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(ROSTER, upload_id="upload-roster")
    built.cases.create_case(_case(DUE_SOON, "A1001", review_due_on=date(2024, 6, 22)))
    built.cases.create_case(_case(OVERDUE, "A2002", review_due_on=date(2024, 6, 17)))
    built.cases.create_case(_case(ESCALATED, "A3003", review_due_on=date(2024, 6, 13)))
    built.cases.create_case(_case(NOT_YET, "A4004", review_due_on=date(2024, 6, 30)))
    closed = _case(CLOSED, "A5005", review_due_on=date(2024, 6, 1))
    built.cases.create_case(closed)
    move_stored(built.cases, closed.case_id, CaseStatus.CLOSED)
    yield built
    handler._service.cache_clear()


def sent_emails() -> list[Any]:
    return list(get_backend("ses")[ACCOUNT][REGION].sent_messages)


def sweep(*, day: date | None = None, request_id: str = "req-1") -> dict[str, Any]:
    event = copy.deepcopy(json.loads((EVENTS / "eventbridge_deadline_sweep.json").read_text()))
    if day is not None:
        event["time"] = f"{day.isoformat()}T13:00:00Z"
    context = LocalLambdaContext(function_name="eis-testville-notify", aws_request_id=request_id)
    result: dict[str, Any] = handler.lambda_handler(event, context)
    return result


def emails_by_case() -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for email in sent_emails():
        case_id = next(c for c in (DUE_SOON, OVERDUE, ESCALATED, NOT_YET, CLOSED) if c in email.subject)
        found.setdefault(case_id, []).append(email)
    return found


def deadline_audits(adapters: Adapters) -> list[AuditRecord]:
    return [
        r for r in adapters.audit.records(since_seq=0, limit=1000) if r.action in ("case.reminder", "case.escalate")
    ]


def test_due_and_overdue_cases_are_reminded_and_long_overdue_ones_escalated(adapters: Adapters) -> None:
    result = sweep()

    assert result == result | {"day": "2024-06-20", "open_cases": 4, "due": 3, "sent": 3, "reminders": 2}
    by_case = emails_by_case()
    assert set(by_case) == {DUE_SOON, OVERDUE, ESCALATED}
    assert [e.destinations["ToAddresses"] for e in by_case[DUE_SOON]] == [[SERGEANT]]
    assert [e.destinations["ToAddresses"] for e in by_case[OVERDUE]] == [[SERGEANT]]
    assert [e.destinations["ToAddresses"] for e in by_case[ESCALATED]] == [[LIEUTENANT]]  # the next one up
    assert "due in 2 days" in by_case[DUE_SOON][0].subject
    assert "overdue by 3 days" in by_case[OVERDUE][0].body
    assert "escalated" in by_case[ESCALATED][0].subject
    audits = {(r.action, r.target_id): r for r in deadline_audits(adapters)}
    assert set(audits) == {("case.reminder", DUE_SOON), ("case.reminder", OVERDUE), ("case.escalate", ESCALATED)}
    escalation = audits[("case.escalate", ESCALATED)]
    assert escalation.detail == escalation.detail | {"escalated_to": "L1", "days_overdue": 7, "recipients": 1}
    assert escalation.request_id == "req-1"


def test_emails_carry_the_case_date_and_link_but_no_personal_details(adapters: Adapters) -> None:
    sweep()

    for case_id, emails in emails_by_case().items():
        [email] = emails
        assert f"{PORTAL}/#/cases/{case_id}" in email.body
        text = email.subject + email.body
        for officer in ROSTER:
            for detail in (officer.first_name, officer.last_name):
                assert detail not in text
        for officer_id in ("A1001", "A2002", "A3003"):
            assert officer_id not in text
    assert "Review by:  2024-06-13" in emails_by_case()[ESCALATED][0].body


def test_a_second_invocation_the_same_day_sends_nothing_and_the_next_day_sends_again(adapters: Adapters) -> None:
    sweep(request_id="req-1")

    again = sweep(request_id="req-2")  # EventBridge's retry, or a manual re-run

    assert again == again | {"due": 3, "sent": 0, "already_sent": 3, "reminders": 0, "escalations": 0}
    assert len(sent_emails()) == 3
    assert len(deadline_audits(adapters)) == 3

    next_day = sweep(day=date(2024, 6, 21), request_id="req-3")

    assert next_day["sent"] == 3
    assert len(sent_emails()) == 6


def test_escalation_days_come_from_the_environment(adapters: Adapters, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIS_ESCALATION_DAYS", "3")
    handler._service.cache_clear()

    result = sweep()

    assert result["escalations"] == 2
    assert [e.destinations["ToAddresses"] for e in emails_by_case()[OVERDUE]] == [[LIEUTENANT]]


@pytest.mark.parametrize(
    ("model", "recipients", "reminded"),
    [
        ("risk_team", [RISK_TEAM], [RISK_TEAM]),  # read as centralized: the chain is not told
        ("centralized", [RISK_TEAM], [RISK_TEAM]),
        ("centralized_review", [LIEUTENANT, RISK_TEAM], [SERGEANT]),  # the risk team copied on escalations
        ("decentralized", [LIEUTENANT], [SERGEANT]),
        ("chain_of_command_and_risk_team", [LIEUTENANT, RISK_TEAM], [SERGEANT, RISK_TEAM]),  # capacity_building
    ],
)
def test_escalations_follow_the_agency_routing_policy(
    adapters: Adapters, monkeypatch: pytest.MonkeyPatch, model: str, recipients: list[str], reminded: list[str]
) -> None:
    monkeypatch.setenv("EIS_ROUTING_POLICY", model)
    monkeypatch.setenv("EIS_RISK_TEAM_EMAILS", RISK_TEAM)
    handler._service.cache_clear()

    sweep()

    by_case = emails_by_case()
    assert [e.destinations["ToAddresses"] for e in by_case[ESCALATED]] == [recipients]
    assert [e.destinations["ToAddresses"] for e in by_case[DUE_SOON]] == [reminded]


def test_escalation_above_the_top_of_the_chain_goes_to_the_risk_team(
    adapters: Adapters, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a late case assigned to the chief: nobody is above them.
    adapters.cases.create_case(_case("case-chief", "L1", review_due_on=date(2024, 6, 1), supervisor_id="C1"))
    monkeypatch.setenv("EIS_RISK_TEAM_EMAILS", RISK_TEAM)
    handler._service.cache_clear()

    sweep()

    [email] = [e for e in sent_emails() if "case-chief" in e.subject]
    assert email.destinations["ToAddresses"] == [RISK_TEAM]


def test_a_case_nobody_can_be_told_about_fails_loudly_after_the_others_and_the_retry_sends_only_it(
    adapters: Adapters, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a late case whose officer has no supervisor on the roster, and no risk team configured.
    adapters.records.put_records([_officer("A6006", "Dana", "Orphan", None)], upload_id="upload-roster-2")
    adapters.cases.create_case(_case("case-orphan", "A6006", review_due_on=date(2024, 6, 19), supervisor_id=None))

    with pytest.raises(SweepIncompleteError, match=r"case-orphan.*EIS_RISK_TEAM_EMAILS"):
        sweep(request_id="req-1")
    assert len(sent_emails()) == 3  # the others went out

    monkeypatch.setenv("EIS_RISK_TEAM_EMAILS", RISK_TEAM)
    handler._service.cache_clear()
    retry = sweep(request_id="req-2")

    assert retry == retry | {"sent": 1, "already_sent": 3}
    assert [e.destinations["ToAddresses"] for e in sent_emails()[3:]] == [[RISK_TEAM]]


def test_an_unknown_scheduled_job_or_event_shape_is_refused(adapters: Adapters) -> None:
    event = json.loads((EVENTS / "eventbridge_deadline_sweep.json").read_text())
    event["detail"] = {"job": "audit-export"}  # meant for the score function
    context = LocalLambdaContext(function_name="eis-testville-notify")

    with pytest.raises(ValidationError):
        handler.lambda_handler(event, context)
    with pytest.raises(ValidationFailed, match="nothing was done"):
        handler.lambda_handler({"hello": "world"}, context)
    assert sent_emails() == []


@pytest.fixture(params=["memory", "aws"])
def any_adapters(request: pytest.FixtureRequest) -> Adapters:
    if request.param == "memory":
        return memory_adapters("testville")
    settings: LocalSettings = request.getfixturevalue("settings")
    return aws_adapters(settings)


def test_open_cases_are_listed_without_closed_ones_or_notes(any_adapters: Adapters) -> None:
    cases = any_adapters.cases
    cases.create_case(_case("case-b", "A2002", review_due_on=date(2024, 6, 1)))
    cases.create_case(_case("case-a", "A1001", review_due_on=date(2024, 6, 2)))
    closed = _case("case-c", "A3003", review_due_on=date(2024, 6, 3))
    cases.create_case(closed)
    move_stored(cases, closed.case_id, CaseStatus.CLOSED)
    cases.add_note(
        Note(
            note_id="n1",
            case_id="case-a",
            created_at=datetime(2024, 6, 1, tzinfo=UTC),
            author="sub-s1",
            author_role="supervisor",
            text="Met with the officer.",
        )
    )

    listed = cases.list_open_cases()

    assert [(c.case_id, c.review_due_on, c.notes) for c in listed] == [
        ("case-a", date(2024, 6, 2), []),
        ("case-b", date(2024, 6, 1), []),
    ]


def _close(adapters: Adapters, case_id: str) -> None:
    move = CaseTransition(
        from_status=CaseStatus.OPEN,
        to_status=CaseStatus.CLOSED,
        at=datetime(2024, 6, 19, tzinfo=UTC),
        by="sub-s1",
        by_role="supervisor",
        reason="Officer retired.",
        disposition=Disposition.OFFICER_SEPARATED,
    )
    adapters.cases.transition_case(case_id, move, expected_moves=0)


def test_a_case_closed_through_the_workflow_gets_no_reminder_or_escalation(adapters: Adapters) -> None:
    _close(adapters, DUE_SOON)
    _close(adapters, ESCALATED)

    result = sweep()

    assert result == result | {"open_cases": 2, "due": 1, "sent": 1, "reminders": 1, "escalations": 0}
    assert set(emails_by_case()) == {OVERDUE}
    assert {r.target_id for r in deadline_audits(adapters)} == {OVERDUE}


class _LaggingIndex:
    """A case store whose open-case listing still shows cases closed a moment ago (as a GSI may)."""

    def __init__(self, inner: Any, listed: list[Case]) -> None:
        self._inner = inner
        self._listed = listed

    def list_open_cases(self) -> list[Case]:
        return self._listed

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_case_closed_after_the_listing_is_skipped_not_emailed() -> None:
    built = memory_adapters("testville")
    built.records.put_records(ROSTER, upload_id="upload-roster")
    late = _case(OVERDUE, "A2002", review_due_on=date(2024, 6, 17))
    built.cases.create_case(late)
    _close(built, OVERDUE)
    lagging = dataclasses.replace(built, cases=_LaggingIndex(built.cases, [late]))
    service = build_notification_service(
        lagging,
        agency_id="testville",
        policy=NotifyPolicy(sender_email="eis@testville.example.gov", risk_team_emails=(RISK_TEAM,)),
        portal_url=PORTAL,
    )

    summary = service.sweep_deadlines(SWEEP_DAY, request_id="req-1")
    direct = service.send_deadline_notice(
        DeadlineNotice(agency_id="testville", case_id=OVERDUE, kind=DeadlineKind.ESCALATE, day=SWEEP_DAY, level=1)
    )

    assert (summary.open_cases, summary.due, summary.sent, summary.closed_meanwhile) == (1, 1, 0, 1)
    assert direct["skipped"] == "closed"
    assert built.mailer.sent == []  # type: ignore[attr-defined]
    assert [r.action for r in built.audit.records(since_seq=0, limit=100)] == []
