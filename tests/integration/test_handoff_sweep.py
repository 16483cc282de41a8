"""The daily sweep's hand-off and deferral duties on moto: transfers, acknowledgement reminders, silence, reviews."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from eis_core.models.audit import AuditRecord
from eis_core.models.cases import Deferral, DeferralTarget
from eis_core.notify.service import SweepIncompleteError
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.resources import LocalSettings
from functions.notify import handler
from tests.builders import alert, case
from tests.builders import officer as _officer
from tests.integration.test_deadline_sweep import sent_emails, sweep
from tests.integration.test_notify import ALERT_ID, deliver

DAY = date(2024, 6, 20)
LIEUTENANT, SERGEANT_ONE, SERGEANT_THREE = (
    "lt.one@testville.example.gov",
    "sgt.one@testville.example.gov",
    "sgt.three@testville.example.gov",
)
RISK_TEAM = "risk@testville.example.gov"

ROSTER = [
    _officer("L1", "Lee", "Lieutenant", None, LIEUTENANT),
    _officer("S1", "Sam", "Sergeant", "L1", SERGEANT_ONE),
    _officer("S3", "Ash", "Sergeant", "L1", SERGEANT_THREE),
    _officer("A1001", "Jordan", "Whitfield", "S1"),
    _officer("A2002", "Morgan", "Castellano", "S1"),
]


@pytest.fixture
def adapters(settings: LocalSettings) -> Iterator[Adapters]:
    """Given L1 <- S1, S3 and S1's officers A1001 and A2002."""
    handler._service.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(ROSTER, upload_id="upload-roster")
    yield built
    handler._service.cache_clear()


def deferral(target: DeferralTarget, target_id: str, officer_id: str, review_on: date) -> Deferral:
    return Deferral(
        target=target,
        target_id=target_id,
        officer_id=officer_id,
        reason="A criminal investigation is under way.",
        review_on=review_on,
        deferred_at=datetime(2024, 6, 1, 9, 0, tzinfo=UTC),
        deferred_by="sub-risk",
        deferred_by_role="risk_manager",
    )


def audits(adapters: Adapters, *actions: str) -> list[AuditRecord]:
    return [r for r in adapters.audit.records(since_seq=0, limit=1000) if r.action in actions]


def recipients() -> list[list[str]]:
    return [email.destinations["ToAddresses"] for email in sent_emails()]


def sweep_on(day: date, request_id: str | None = None) -> dict[str, Any]:
    return sweep(day=day, request_id=request_id or f"sweep-{day}")


def test_a_roster_change_moves_the_case_and_the_new_supervisor_is_chased_once_a_day(adapters: Adapters) -> None:
    # Given S1's case for A1001 (review far off), then a roster upload that puts A1001 under S3
    adapters.cases.create_case(case("case-move", "A1001", supervisor_id="S1", review_due_on=DAY + timedelta(days=30)))
    adapters.records.put_records([_officer("A1001", "Jordan", "Whitfield", "S3")], upload_id="upload-roster-2")

    # When the sweep runs that day
    first = sweep_on(DAY)

    # Then the case is S3's, waiting for S3 to acknowledge it; nobody is emailed yet
    assert first == first | {"transfers": 1, "sent": 0}
    moved = adapters.cases.get_case("case-move")
    assert moved is not None
    assert (moved.supervisor_id, moved.awaiting_acknowledgement_by) == ("S3", "S3")
    assert (moved.assignments[-1].kind.value, moved.assignments[-1].by) == ("transferred", "notify")
    [transfer] = audits(adapters, "case.transfer")
    assert (transfer.actor, transfer.role) == ("notify", "system")
    assert transfer.detail == transfer.detail | {"supervisor_id": "S3", "previous_supervisor_id": "S1"}
    assert sent_emails() == []

    # One day on: still nothing (EIS_HANDOFF_REMIND_DAYS defaults to 2); two days on: S3 is reminded, once
    assert sweep_on(DAY + timedelta(days=1))["sent"] == 0
    assert sweep_on(DAY + timedelta(days=2))["handoff_reminders"] == 1
    retry = sweep_on(DAY + timedelta(days=2), request_id="sweep-retry")
    assert retry == retry | {"sent": 0, "already_sent": 1}
    assert sweep_on(DAY + timedelta(days=3))["handoff_reminders"] == 1
    assert recipients() == [[SERGEANT_THREE], [SERGEANT_THREE]]
    [email, _] = sent_emails()
    assert "case-move" in email.subject and "acknowledge" in email.subject
    assert "Jordan" not in email.body and "A1001" not in email.body
    assert len(audits(adapters, "case.handoff")) == 2
    assert len(audits(adapters, "case.transfer")) == 1  # the case is not moved again

    # When S3 acknowledges, the reminders stop
    adapters.cases.acknowledge_case("case-move", supervisor_id="S3", at=datetime(2024, 6, 23, 10, 0, tzinfo=UTC))
    assert sweep_on(DAY + timedelta(days=4))["sent"] == 0
    assert len(sent_emails()) == 2


def test_a_case_assigned_by_hand_is_not_moved_back_while_the_roster_stays_the_same(adapters: Adapters) -> None:
    # Given S1's case handed to S3 by a risk manager (the roster still shows S1)
    from eis_core.models.cases import AssignmentKind, CaseAssignment

    adapters.cases.create_case(case("case-kept", "A1001", supervisor_id="S1", review_due_on=DAY + timedelta(days=30)))
    adapters.cases.assign_case(
        "case-kept",
        CaseAssignment(
            kind=AssignmentKind.ASSIGNED,
            supervisor_id="S3",
            previous_supervisor_id="S1",
            at=datetime(2024, 6, 19, 9, 0, tzinfo=UTC),
            by="sub-risk",
            by_role="risk_manager",
            reason="S1 on leave.",
        ),
        expected_supervisor_id="S1",
        roster_supervisor_id="S1",
    )

    result = sweep_on(DAY)

    assert result["transfers"] == 0
    kept = adapters.cases.get_case("case-kept")
    assert kept is not None and kept.supervisor_id == "S3"


def test_no_email_reaches_the_chain_while_a_case_or_officer_is_deferred(
    adapters: Adapters, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an overdue case deferred on its own, and a deferred officer with a new alert and a due case
    adapters.cases.create_case(
        case("case-deferred", "A1001", supervisor_id="S1", review_due_on=DAY - timedelta(days=9))
    )
    adapters.cases.create_case(case("case-officer", "A2002", supervisor_id="S1", review_due_on=DAY + timedelta(days=1)))
    adapters.cases.put_deferral(deferral(DeferralTarget.CASE, "case-deferred", "A1001", DAY + timedelta(days=60)))
    adapters.cases.put_deferral(deferral(DeferralTarget.OFFICER, "A2002", "A2002", DAY + timedelta(days=60)))
    adapters.alerts.create_alert(alert("A2002", alert_id=ALERT_ID))

    # When the sweep runs and the alert is delivered (no risk team configured)
    result = sweep_on(DAY)
    delivered = deliver("sqs_alert_created.json")

    # Then nobody is emailed: not the sergeant, not the lieutenant above
    assert result == result | {"open_cases": 2, "due": 0, "sent": 0}
    assert delivered == {"batchItemFailures": []}
    assert sent_emails() == []
    [withheld] = audits(adapters, "alert.notify")
    assert withheld.detail == withheld.detail | {"recipients": 0, "routed_to": "withheld", "deferred": True}
    assert audits(adapters, "case.reminder", "case.escalate") == []

    # And with a risk team configured, the alert goes to the risk team only
    monkeypatch.setenv("EIS_RISK_TEAM_EMAILS", RISK_TEAM)
    handler._service.cache_clear()
    other = "alert-qm3n7c2wz5hx4rd6tjy2fb7e"
    adapters.alerts.create_alert(alert("A2002", alert_id=other, as_of=date(2024, 6, 2)))
    deliver("sqs_alert_created.json", alert_id=other)
    assert recipients() == [[RISK_TEAM]]


def test_an_expired_deferral_emails_the_risk_team_once_and_stays_in_force(
    adapters: Adapters, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EIS_RISK_TEAM_EMAILS", RISK_TEAM)
    adapters.cases.create_case(
        case("case-deferred", "A1001", supervisor_id="S1", review_due_on=DAY - timedelta(days=9))
    )
    adapters.cases.put_deferral(deferral(DeferralTarget.CASE, "case-deferred", "A1001", DAY))
    adapters.cases.put_deferral(deferral(DeferralTarget.OFFICER, "A2002", "A2002", DAY + timedelta(days=1)))

    before = sweep_on(DAY - timedelta(days=1))
    on_the_day = sweep_on(DAY)
    next_day = sweep_on(DAY + timedelta(days=1))
    after = sweep_on(DAY + timedelta(days=2))

    assert (before["deferral_reviews"], on_the_day["deferral_reviews"]) == (0, 1)
    assert (next_day["deferral_reviews"], after["deferral_reviews"]) == (1, 0)  # the officer's, then nothing
    assert recipients() == [[RISK_TEAM], [RISK_TEAM]]  # never the chain: the case is still deferred
    case_email, officer_email = sent_emails()
    assert "case-deferred" in case_email.body and "review" in case_email.subject
    assert "A2002" not in officer_email.body and "Morgan" not in officer_email.body
    reviews = audits(adapters, "deferral.review_due")
    assert [(r.target_type, r.target_id) for r in reviews] == [("case", "case-deferred"), ("officer", "A2002")]
    stored = adapters.cases.get_deferral(DeferralTarget.CASE, "case-deferred")
    assert stored is not None and stored.review_notified_on == DAY and stored.ended_at is None


def test_an_expired_deferral_without_a_risk_team_fails_the_sweep_naming_the_setting(adapters: Adapters) -> None:
    adapters.cases.put_deferral(deferral(DeferralTarget.OFFICER, "A2002", "A2002", DAY))

    with pytest.raises(SweepIncompleteError, match="EIS_RISK_TEAM_EMAILS"):
        sweep_on(DAY)

    assert sent_emails() == []
