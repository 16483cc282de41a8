"""The daily sweep follows cases past their review: check-ins due, and a prompt to close when monitoring is over."""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto.backends import get_backend

from eis_core.models.audit import AuditRecord
from eis_core.models.cases import CaseStatus, CheckIn, Intervention, InterventionOutcome
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.notify import handler
from tests import builders
from tests.conftest import ACCOUNT, EVENTS, REGION
from tests.integration.test_deadline_sweep import LIEUTENANT, PORTAL, ROSTER, SERGEANT

WORKED = (CaseStatus.INTERVENTION_PLANNED, CaseStatus.INTERVENTION_IN_PROGRESS, CaseStatus.MONITORING)
SWEEP_DAY = date(2024, 6, 20)

CHECKIN_DUE = "case-checkin-due"  # A1001: coaching owned by L1, check-in due on the sweep day
MONITORED = "case-monitoring-over"  # A2002: every intervention ended, monitoring ends on the sweep day
CLOSED = "case-closed"  # A3003: a check-in long due, but the case is closed
LATER = "case-later"  # A4004: its check-in is due in five days


def _case(case_id: str, officer_id: str, status: CaseStatus) -> Any:
    # Every review date here is long past: past the review, review reminders stop.
    return builders.case(case_id, officer_id, supervisor_id="S1", status=status, review_due_on=date(2024, 5, 15))


def _intervention(case_id: str, **fields: Any) -> Intervention:
    return builders.intervention(f"intv-{case_id}", case_id, **fields)


@pytest.fixture
def adapters(settings: LocalSettings) -> Iterator[Adapters]:
    handler._service.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(ROSTER, upload_id="upload-roster")
    built.cases.create_case(_case(CHECKIN_DUE, "A1001", CaseStatus.INTERVENTION_IN_PROGRESS))
    built.cases.add_intervention(
        _intervention(CHECKIN_DUE, owner="L1", next_checkin_due_on=SWEEP_DAY, notes="Private plan."), statuses=WORKED
    )
    built.cases.create_case(_case(MONITORED, "A2002", CaseStatus.MONITORING))
    ended = _intervention(
        MONITORED,
        outcome=InterventionOutcome.COMPLETED,
        completed_on=date(2024, 3, 22),
        monitor_until=SWEEP_DAY,
        next_checkin_due_on=None,
    )
    built.cases.add_intervention(ended, statuses=WORKED)
    closed = _case(CLOSED, "A3003", CaseStatus.INTERVENTION_IN_PROGRESS)
    built.cases.create_case(closed)
    built.cases.add_intervention(_intervention(CLOSED, next_checkin_due_on=date(2024, 6, 1)), statuses=WORKED)
    builders.move_stored(built.cases, closed.case_id, CaseStatus.CLOSED)
    built.cases.create_case(_case(LATER, "A4004", CaseStatus.INTERVENTION_PLANNED))
    built.cases.add_intervention(_intervention(LATER, next_checkin_due_on=date(2024, 6, 25)), statuses=WORKED)
    yield built
    handler._service.cache_clear()


def sweep(day: date, request_id: str) -> dict[str, Any]:
    event = copy.deepcopy(json.loads((EVENTS / "eventbridge_deadline_sweep.json").read_text()))
    event["time"] = f"{day.isoformat()}T13:00:00Z"
    context = LocalLambdaContext(function_name="eis-testville-notify", aws_request_id=request_id)
    result: dict[str, Any] = handler.lambda_handler(event, context)
    return result


def sent_emails() -> list[Any]:
    return list(get_backend("ses")[ACCOUNT][REGION].sent_messages)


def follow_up_audits(adapters: Adapters) -> list[AuditRecord]:
    return [
        r
        for r in adapters.audit.records(since_seq=0, limit=1000)
        if r.action in ("case.checkin", "case.monitoring_end", "case.reminder", "case.escalate")
    ]


def test_a_check_in_due_reminds_owner_and_supervisor_and_monitoring_over_prompts_to_close(adapters: Adapters) -> None:
    result = sweep(SWEEP_DAY, "req-1")

    assert result == result | {"open_cases": 3, "due": 2, "sent": 2, "checkins": 1, "monitoring_ends": 1}
    assert result["reminders"] == result["escalations"] == 0  # reviewed cases are not chased for a review
    by_case = {case_id: [e for e in sent_emails() if case_id in e.subject] for case_id in (CHECKIN_DUE, MONITORED)}
    [checkin] = by_case[CHECKIN_DUE]
    [prompt] = by_case[MONITORED]
    assert checkin.destinations["ToAddresses"] == [LIEUTENANT, SERGEANT]  # the owner, then the case's supervisor
    assert "check-in due today (2024-06-20)" in checkin.subject
    assert f"{PORTAL}/#/cases/{CHECKIN_DUE}" in checkin.body
    assert prompt.destinations["ToAddresses"] == [SERGEANT]
    assert "please close it" in prompt.subject and "Monitoring ends:  2024-06-20" in prompt.body
    for email in (checkin, prompt):
        for officer in ROSTER:
            assert officer.last_name not in email.subject + email.body
    audits = {(r.action, r.target_id): r for r in follow_up_audits(adapters)}
    assert set(audits) == {("case.checkin", CHECKIN_DUE), ("case.monitoring_end", MONITORED)}
    assert audits[("case.checkin", CHECKIN_DUE)].detail == audits[("case.checkin", CHECKIN_DUE)].detail | {
        "due_on": "2024-06-20",
        "intervention_ids": [f"intv-{CHECKIN_DUE}"],
        "recipients": 2,
    }
    assert "Private plan." not in str([r.model_dump() for r in follow_up_audits(adapters)])


def test_each_due_date_is_followed_up_once_and_the_next_check_in_date_again(adapters: Adapters) -> None:
    sweep(SWEEP_DAY, "req-1")

    next_day = sweep(SWEEP_DAY + timedelta(days=1), "req-2")
    a_week_on = sweep(SWEEP_DAY + timedelta(days=7), "req-3")

    assert next_day == next_day | {"due": 2, "sent": 0, "already_sent": 2}
    # A week on, LATER's check-in (25 June) has come as well: only it is new.
    assert a_week_on == a_week_on | {"due": 3, "sent": 1, "already_sent": 2, "checkins": 1}
    assert len(sent_emails()) == 3
    assert "check-in overdue by 2 days (2024-06-25)" in sent_emails()[-1].subject  # swept two days late

    # The owner checks in on the 28th: the next check-in is due 30 days later, and reminded then, once.
    case = adapters.cases.get_case(CHECKIN_DUE)
    assert case is not None
    held = CheckIn(
        checkin_id="ck-1",
        at=datetime(2024, 6, 28, 10, tzinfo=UTC),
        by="sub-l1",
        by_role="supervisor",
        note="Going well.",
        next_due_on=date(2024, 7, 28),
    )
    stored = case.interventions[0]
    checked = stored.model_copy(update={"checkins": [held], "next_checkin_due_on": date(2024, 7, 28)})
    adapters.cases.update_intervention(checked, expected_revision=stored.revision, statuses=WORKED)

    before = sweep(date(2024, 7, 27), "req-4")
    on_the_day = sweep(date(2024, 7, 28), "req-5")

    assert (before["sent"], on_the_day["sent"], on_the_day["checkins"]) == (0, 1, 1)
    reminders = [r for r in follow_up_audits(adapters) if r.action == "case.checkin" and r.target_id == CHECKIN_DUE]
    assert [r.detail["due_on"] for r in reminders] == ["2024-06-20", "2024-07-28"]


def test_a_follow_up_is_remembered_longer_than_the_longest_check_in_period(
    adapters: Adapters, settings: LocalSettings
) -> None:
    sweep(SWEEP_DAY, "req-1")

    items = boto3.client("dynamodb").scan(TableName=settings.idempotency_table)["Items"]
    follow_ups = [item for item in items if item["id"]["S"].startswith("notify.follow_up")]

    assert len(follow_ups) == 2
    for item in follow_ups:
        assert int(item["expiration"]["N"]) - time.time() > 365 * 24 * 3600
