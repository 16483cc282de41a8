"""Escalation on moto, through the notify handler: one rung per escalation_days, each once, ending at the risk team.

Also: an alert left without a case is chased like a case, and a later alert merged into an open case
tells the case's supervisor that the case has new evidence.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from moto.backends import get_backend

from eis_core.models.alerts import AlertDismissal, AlertStatus
from eis_core.models.audit import AuditRecord
from eis_core.models.cases import CaseStatus
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.notify import handler
from tests import builders
from tests.builders import officer
from tests.conftest import ACCOUNT, EVENTS, REGION

CHIEF, LIEUTENANT, SERGEANT = (
    "chief@testville.example.gov",
    "lt.one@testville.example.gov",
    "sgt.one@testville.example.gov",
)
RISK_TEAM = "risk@testville.example.gov"
ROSTER = [
    officer("C1", "Casey", "Chiefton", None, CHIEF),
    officer("L1", "Lee", "Lieutenant", "C1", LIEUTENANT),
    officer("S1", "Sam", "Sergeant", "L1", SERGEANT),
    officer("A1001", "Jordan", "Whitfield", "S1"),
    officer("A2002", "Morgan", "Castellano", "S1"),
]
CASE = "case-late"  # A1001's case, review due 1 June 2024
ALERT = "alert-waiting0001"  # A2002's alert of 1 June 2024, no case: review due 15 June (14 days)


@pytest.fixture
def adapters(settings: LocalSettings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Adapters]:
    """Given the chain C1 <- L1 <- S1 <- officers, a risk team, and escalation every 7 days (the default)."""
    monkeypatch.setenv("EIS_RISK_TEAM_EMAILS", RISK_TEAM)
    handler._service.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(ROSTER, upload_id="upload-roster")
    yield built
    handler._service.cache_clear()


def sent_emails() -> list[Any]:
    return list(get_backend("ses")[ACCOUNT][REGION].sent_messages)


def sweep(day: date, request_id: str) -> dict[str, Any]:
    event = copy.deepcopy(json.loads((EVENTS / "eventbridge_deadline_sweep.json").read_text()))
    event["time"] = f"{day.isoformat()}T13:00:00Z"
    context = LocalLambdaContext(function_name="eis-testville-notify", aws_request_id=request_id)
    result: dict[str, Any] = handler.lambda_handler(event, context)
    return result


def sweep_twice(day: date) -> list[dict[str, Any]]:
    """The schedule's run and a second one the same day (a retry, or a manual re-run)."""
    return [sweep(day, f"{day}-a"), sweep(day, f"{day}-b")]


def audits(adapters: Adapters, *actions: str) -> list[AuditRecord]:
    return [r for r in adapters.audit.records(since_seq=0, limit=1000) if r.action in actions]


def test_escalation_climbs_two_levels_then_ends_at_the_risk_team_each_step_once(adapters: Adapters) -> None:
    # Given a case of A1001 supervised by S1, due on 1 June
    adapters.cases.create_case(builders.case(CASE, "A1001", supervisor_id="S1", review_due_on=date(2024, 6, 1)))

    # When the sweep runs twice a day, on the day each level is reached and on days between
    days = [date(2024, 6, d) for d in (8, 9, 15, 16, 22, 23, 29)]
    results = {day: sweep_twice(day) for day in days}

    # Then level 1 (the lieutenant), level 2 (the chief) and level 3 (the risk team) are each told once
    escalations = [e for e in sent_emails() if "escalated" in e.subject]
    assert [e.destinations["ToAddresses"] for e in escalations] == [[LIEUTENANT], [CHIEF], [RISK_TEAM]]
    records = audits(adapters, "case.escalate")
    assert [(r.detail["level"], r.detail.get("escalated_to"), r.detail["day"]) for r in records] == [
        (1, "L1", "2024-06-08"),
        (2, "C1", "2024-06-15"),
        (3, None, "2024-06-22"),
    ]
    # and the second run of each day sends nothing
    assert all(second["sent"] == 0 and second["already_sent"] == first["due"] for first, second in results.values())
    # and on the days between (and after the risk team) the sergeant keeps getting reminders, once a day
    reminders = [e for e in sent_emails() if "escalated" not in e.subject]
    assert [e.destinations["ToAddresses"] for e in reminders] == [[SERGEANT]] * 4
    assert [r.detail["day"] for r in audits(adapters, "case.reminder")] == [
        "2024-06-09",
        "2024-06-16",
        "2024-06-23",
        "2024-06-29",
    ]
    stored = adapters.cases.get_case(CASE)
    assert stored is not None and (stored.escalated_level, stored.escalated_on) == (3, date(2024, 6, 22))


def test_a_closed_case_gets_no_further_escalation(adapters: Adapters) -> None:
    adapters.cases.create_case(builders.case(CASE, "A1001", supervisor_id="S1", review_due_on=date(2024, 6, 1)))
    sweep(date(2024, 6, 8), "r1")
    stored = adapters.cases.get_case(CASE)
    assert stored is not None
    builders.move_stored(adapters.cases, stored.case_id, CaseStatus.CLOSED)

    result = sweep(date(2024, 6, 15), "r2")

    assert (result["open_cases"], result["sent"]) == (0, 0)
    assert len(sent_emails()) == 1


def test_an_alert_without_a_case_is_reminded_escalated_and_stops_when_dismissed(adapters: Adapters) -> None:
    # Given A2002's alert, created 1 June and still new (no case): review by 15 June
    adapters.alerts.create_alert(
        builders.alert("A2002", alert_id=ALERT, created_at=datetime(2024, 6, 1, 6, tzinfo=UTC))
    )

    early = sweep(date(2024, 6, 12), "r0")  # three days ahead: nothing yet
    reminder = sweep(date(2024, 6, 13), "r1")  # two days ahead: a reminder to the sergeant
    escalation = sweep_twice(date(2024, 6, 22))  # seven days late: the lieutenant, once

    assert (early["open_alerts"], early["sent"]) == (1, 0)
    assert (reminder["sent"], reminder["reminders"]) == (1, 1)
    assert [(r["escalations"], r["already_sent"]) for r in escalation] == [(1, 0), (0, 1)]
    first, second = sent_emails()
    assert first.destinations["ToAddresses"] == [SERGEANT]
    assert first.subject == f"EIS warning alert {ALERT}: review due in 2 days (2024-06-15)"
    assert second.destinations["ToAddresses"] == [LIEUTENANT] and "escalated" in second.subject
    assert f"http://127.0.0.1:8080/#/alerts/{ALERT}" in second.body
    for text in (first.body, second.body):
        assert "A2002" not in text and "Castellano" not in text
    assert [(r.target_type, r.target_id) for r in audits(adapters, "alert.reminder", "alert.escalate")] == [
        ("alert", ALERT),
        ("alert", ALERT),
    ]

    # When a risk manager dismisses it, the chase stops
    adapters.alerts.dismiss(
        ALERT, AlertDismissal(by="sub-risk", by_role="risk_manager", at=datetime(2024, 6, 23, tzinfo=UTC), reason="x")
    )
    after = sweep(date(2024, 6, 29), "r3")

    assert (after["open_alerts"], after["sent"]) == (0, 0)
    assert len(sent_emails()) == 2


def test_an_alert_whose_case_was_opened_is_no_longer_chased(adapters: Adapters) -> None:
    adapters.alerts.create_alert(
        builders.alert("A2002", alert_id=ALERT, created_at=datetime(2024, 6, 1, 6, tzinfo=UTC))
    )
    adapters.alerts.set_status(ALERT, AlertStatus.CASE_OPENED, case_id="case-new")

    result = sweep(date(2024, 6, 22), "r1")

    assert (result["open_alerts"], result["sent"]) == (0, 0)
    assert sent_emails() == []


def test_a_merged_alert_tells_the_cases_supervisor_of_new_evidence(adapters: Adapters) -> None:
    # Given A1001's open case supervised by S1, and a later alert scoring merged into it
    adapters.cases.create_case(builders.case(CASE, "A1001", supervisor_id="S1", review_due_on=date(2024, 6, 20)))
    merged = builders.alert("A1001", alert_id="alert-merged0001", status=AlertStatus.MERGED, case_id=CASE)
    adapters.alerts.create_alert(merged)
    adapters.cases.add_alert(CASE, merged.alert_id)

    # When its AlertCreated message reaches the notifier (and is delivered twice)
    event = copy.deepcopy(json.loads((EVENTS / "sqs_alert_created.json").read_text()))
    for record in event["Records"]:
        record["body"] = record["body"].replace("2024-06-01-A1001", merged.alert_id)
    context = LocalLambdaContext(function_name="eis-testville-notify")
    results = [handler.lambda_handler(copy.deepcopy(event), context) for _ in range(2)]

    # Then the case's sergeant is told once that the case has new evidence (no new-alert email)
    assert results == [{"batchItemFailures": []}] * 2
    [email] = sent_emails()
    assert email.destinations["ToAddresses"] == [SERGEANT]
    assert email.subject == f"EIS case {CASE}: new evidence (warning alert)"
    assert f"http://127.0.0.1:8080/#/cases/{CASE}" in email.body and merged.alert_id in email.body
    [record] = audits(adapters, "case.new_evidence")
    assert (record.target_type, record.target_id, record.detail["alert_id"]) == ("case", CASE, merged.alert_id)
    assert audits(adapters, "alert.notify") == []
