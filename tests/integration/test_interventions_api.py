"""Interventions on a case through the case API (moto, handler in process): plan, start, check in, end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from moto.backends import get_backend

from eis_core.models.alerts import AlertLevel
from eis_core.models.audit import AuditOutcome, AuditRecord
from eis_core.settings import DEFAULT_INTERVENTION_CATALOGUE
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.resources import LocalSettings
from functions.cases_api import handler
from tests.conftest import ACCOUNT, REGION
from tests.integration.test_cases_api import (
    AUDITOR,
    RISK_MANAGER,
    ROSTER,
    SUPERVISOR_S2,
    _alert,
    _claims,
    _sweep_day,
    audit_records,
    call,
    move,
)

PLAN_NOTES = "Weekly coaching with Sgt. One after the officer's divorce."  # personal: never in the audit log
CHECKIN_NOTE = "Two sessions held; the officer finds them useful."


@pytest.fixture
def adapters(settings: LocalSettings) -> Iterator[Adapters]:
    """Given a roster (A1001 reports to S1) and a new alert for A1001."""
    handler._service.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(ROSTER, upload_id="upload-roster")
    built.alerts.create_alert(_alert("A1001", AlertLevel.WARNING))
    yield built
    handler._service.cache_clear()


def today() -> date:
    return datetime.now(UTC).date()


def post(path: str, body: Any, claims: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """A POST as S1 (the default token of the stored event) or as ``claims``."""
    return call("apigw_move_case.json", path=path, body=body, replace_claims=_claims(claims) if claims else None)


def get_case(case_id: str) -> dict[str, Any]:
    status, body = call("apigw_get_case.json", path=f"/cases/{case_id}")
    assert status == 200
    return body


def reviewed_case(*, to: str = "intervention_planned") -> str:
    """A1001's case, opened and reviewed by S1, and moved on to ``to``."""
    _, opened = call("apigw_open_case.json")
    case_id: str = opened["case_id"]
    assert move(case_id, {"to": "in_review"})[0] == 200
    if to != "in_review":
        assert move(case_id, {"to": "intervention_planned", "reason": "Support is needed."})[0] == 200
    return case_id


def plan(case_id: str, body: dict[str, Any] | None = None, claims: dict[str, str] | None = None) -> tuple[int, Any]:
    return post(f"/cases/{case_id}/interventions", body or {"type": "coaching_mentoring"}, claims)


def of(case_id: str, intervention_id: str, action: str) -> str:
    return f"/cases/{case_id}/interventions/{intervention_id}/{action}"


def changes(adapters: Adapters, prefix: str = "case.intervention.") -> list[AuditRecord]:
    return [r for r in audit_records(adapters) if r.action.startswith(prefix)]


def test_a_planned_intervention_is_on_the_case_with_its_first_check_in_due_and_audited_without_notes(
    adapters: Adapters,
) -> None:
    case_id = reviewed_case()

    status, planned = plan(case_id, {"type": "coaching_mentoring", "notes": PLAN_NOTES, "due_on": "2099-01-31"})

    assert status == 201
    assert planned | {"intervention_id": None, "created_at": None} == {
        "intervention_id": None,
        "case_id": case_id,
        "type": "coaching_mentoring",
        "owner": "S1",  # the case's supervisor, by default
        "planned_on": today().isoformat(),
        "due_on": "2099-01-31",
        "started_on": None,
        "completed_on": None,
        "outcome": None,
        "notes": PLAN_NOTES,
        "outcome_notes": None,
        "checkins": [],
        "next_checkin_due_on": (today() + timedelta(days=30)).isoformat(),
        "created_at": None,
        "created_by": "9a0b1c2d-3e4f-4a5b-8c6d-sergeant0001",
    }
    shown = get_case(case_id)
    assert shown["interventions"] == [planned]
    assert shown["monitoring_ends_on"] is None
    [record] = changes(adapters)
    assert (record.action, record.target_id) == ("case.intervention.plan", case_id)
    assert record.detail | {"intervention_id": None} == {
        "intervention_id": None,
        "type": "coaching_mentoring",
        "owner": "S1",
        "planned_on": today().isoformat(),
        "due_on": "2099-01-31",
    }
    assert PLAN_NOTES not in str([r.model_dump() for r in audit_records(adapters)])


def test_an_unknown_type_is_422_listing_the_agencys_catalogue(adapters: Adapters) -> None:
    case_id = reviewed_case()

    status, body = plan(case_id, {"type": "fitness_for_duty"})

    assert status == 422
    assert body["field"] == "type" and "fitness_for_duty" in body["message"]
    assert body["intervention_types"] == list(DEFAULT_INTERVENTION_CATALOGUE)
    assert "wellness_referral" in body["message"]
    assert get_case(case_id)["interventions"] == []


def test_the_catalogue_is_the_agencys_own(adapters: Adapters, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EIS_INTERVENTION_CATALOGUE", "peer_support,chaplain_referral")
    monkeypatch.setenv("EIS_CHECKIN_DAYS", "14")
    handler._settings.cache_clear()
    handler._service.cache_clear()
    try:
        case_id = reviewed_case()

        refused, body = plan(case_id, {"type": "coaching_mentoring"})
        accepted, planned = plan(case_id, {"type": "chaplain_referral"})
    finally:
        handler._settings.cache_clear()

    assert (refused, body["intervention_types"]) == (422, ["peer_support", "chaplain_referral"])
    assert accepted == 201
    assert planned["next_checkin_due_on"] == (today() + timedelta(days=14)).isoformat()


@pytest.mark.parametrize("stage", ["open", "in_review"])
def test_interventions_are_planned_only_once_the_review_found_support_is_needed(adapters: Adapters, stage: str) -> None:
    if stage == "open":
        _, opened = call("apigw_open_case.json")
        case_id = opened["case_id"]
    else:
        case_id = reviewed_case(to="in_review")

    status, body = plan(case_id)

    assert status == 409
    assert stage in body["message"] and "intervention_planned" in body["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"type": "training", "owner": "Z9999"}, "owner"),
        ({"type": "training", "planned_on": "2024-06-10", "due_on": "2024-06-01"}, "due_on"),
        ({"type": "Training!"}, "type"),
        ({"type": "training", "colour": "red"}, "colour"),
    ],
)
def test_a_plan_with_a_bad_field_is_422_naming_it(adapters: Adapters, body: dict[str, Any], field: str) -> None:
    case_id = reviewed_case()

    status, answer = plan(case_id, body)

    assert status == 422 and field in answer["message"]
    assert get_case(case_id)["interventions"] == []


def test_the_case_moves_on_only_with_a_planned_intervention_and_to_monitoring_only_when_each_has_ended(
    adapters: Adapters,
) -> None:
    case_id = reviewed_case()

    early, body = move(case_id, {"to": "intervention_in_progress", "reason": "Started."})
    assert (early, "at least one intervention" in body["message"]) == (409, True)

    _, first = plan(case_id, {"type": "training"})
    _, second = plan(case_id, {"type": "peer_support", "owner": "L1"})
    assert move(case_id, {"to": "intervention_in_progress", "reason": "Started."})[0] == 200
    post(of(case_id, first["intervention_id"], "completion"), {"outcome": "completed"})

    waiting, body = move(case_id, {"to": "monitoring", "reason": "Training done."})
    assert waiting == 409
    assert second["intervention_id"] in body["message"] and first["intervention_id"] not in body["message"]

    ended = (today() - timedelta(days=3)).isoformat()
    post(of(case_id, second["intervention_id"], "completion"), {"outcome": "declined", "completed_on": ended})
    status, monitored = move(case_id, {"to": "monitoring", "reason": "Both ended."})

    assert status == 200
    # Monitoring runs the agency's 90 days from the last intervention's end (training ended today).
    assert monitored["monitoring_ends_on"] == (today() + timedelta(days=90)).isoformat()
    assert [i["outcome"] for i in monitored["interventions"]] == ["completed", "declined"]
    assert [i["next_checkin_due_on"] for i in monitored["interventions"]] == [None, None]


def test_starting_checking_in_and_ending_an_intervention(adapters: Adapters) -> None:
    case_id = reviewed_case()
    _, planned = plan(case_id, {"type": "coaching_mentoring"})
    iid = planned["intervention_id"]
    started_on = (today() - timedelta(days=10)).isoformat()

    started = post(of(case_id, iid, "start"), {"started_on": started_on})
    again = post(of(case_id, iid, "start"), {})
    checked_in = post(of(case_id, iid, "checkins"), {"note": CHECKIN_NOTE})

    assert started[0] == 200 and started[1]["started_on"] == started_on
    assert started[1]["next_checkin_due_on"] == (today() + timedelta(days=20)).isoformat()  # 30 days from the start
    assert again[0] == 409 and "started" in again[1]["message"]
    status, intervention = checked_in
    assert status == 201
    [checkin] = intervention["checkins"]
    assert (checkin["note"], checkin["by_role"]) == (CHECKIN_NOTE, "supervisor")
    assert checkin["next_due_on"] == intervention["next_checkin_due_on"] == (today() + timedelta(days=30)).isoformat()

    no_outcome = post(of(case_id, iid, "completion"), {"completed_on": today().isoformat()})
    future = post(of(case_id, iid, "completion"), {"outcome": "completed", "completed_on": "2999-01-01"})
    before_start = post(of(case_id, iid, "completion"), {"outcome": "completed", "completed_on": "2000-01-01"})
    done = post(of(case_id, iid, "completion"), {"outcome": "partially_completed", "outcome_notes": "Half done."})
    late_checkin = post(of(case_id, iid, "checkins"), {"note": "One more."})
    twice = post(of(case_id, iid, "completion"), {"outcome": "completed"})

    assert no_outcome[0] == 422 and "outcome" in no_outcome[1]["message"]
    assert (future[0], future[1]["field"]) == (422, "completed_on")
    assert (before_start[0], before_start[1]["field"]) == (422, "completed_on")
    assert done[0] == 200
    assert done[1] | {"checkins": None} == done[1] | {
        "outcome": "partially_completed",
        "completed_on": today().isoformat(),
        "outcome_notes": "Half done.",
        "next_checkin_due_on": None,
        "checkins": None,
    }
    assert late_checkin[0] == 409 and twice[0] == 409
    actions = [(r.action, r.detail.get("outcome")) for r in changes(adapters)]
    assert actions == [
        ("case.intervention.plan", None),
        ("case.intervention.start", None),
        ("case.intervention.checkin", None),
        ("case.intervention.complete", "partially_completed"),
    ]
    logged = str([r.model_dump() for r in audit_records(adapters)])
    assert CHECKIN_NOTE not in logged and "Half done." not in logged


def test_who_may_work_interventions(adapters: Adapters) -> None:
    case_id = reviewed_case()
    _, planned = plan(case_id)
    iid = planned["intervention_id"]
    other_agency = {"sub": "sub-x", "cognito:groups": "admin", "custom:agency_id": "shelbyville"}

    out_of_chain = plan(case_id, claims=SUPERVISOR_S2)
    out_of_chain_checkin = post(of(case_id, iid, "checkins"), {"note": "x"}, SUPERVISOR_S2)
    auditor = plan(case_id, claims=AUDITOR)
    foreign = call(
        "apigw_move_case.json",
        path=f"/cases/{case_id}/interventions",
        body={"type": "training"},
        replace_claims=other_agency,
    )
    risk_manager = plan(case_id, {"type": "training"}, RISK_MANAGER)
    missing = post(of(case_id, "no-such-intervention", "checkins"), {"note": "x"})

    assert (out_of_chain[0], out_of_chain_checkin[0]) == (404, 404)
    assert (auditor[0], foreign[0]) == (403, 403)
    assert risk_manager[0] == 201 and risk_manager[1]["created_by"] == "sub-risk"
    assert missing[0] == 404
    assert [i["type"] for i in get_case(case_id)["interventions"]] == ["coaching_mentoring", "training"]
    requests = [r for r in audit_records(adapters) if r.action.startswith("api.post./cases/{case_id}/interventions")]
    outcomes = [r.outcome for r in requests]
    assert outcomes.count(AuditOutcome.DENIED) == 4  # out of chain (twice), auditor, other agency


def emails() -> list[Any]:
    return list(get_backend("ses")[ACCOUNT][REGION].sent_messages)


def test_a_case_is_worked_through_an_intervention_to_closure_and_the_sweep_follows_it_then_stops(
    adapters: Adapters,
) -> None:
    sergeant = "sgt.one@testville.example.gov"
    # Given S1 reviews A1001's alert and plans coaching (S1 owns it, as the case's supervisor).
    case_id = reviewed_case()
    _, planned = plan(case_id, {"type": "coaching_mentoring", "notes": PLAN_NOTES})
    iid = planned["intervention_id"]
    assert post(of(case_id, iid, "start"), {})[0] == 200
    assert move(case_id, {"to": "intervention_in_progress", "reason": "Coaching has begun."})[0] == 200
    # A check-in; the next one is due in 30 days, and the sweep reminds S1 on that day.
    _, checked = post(of(case_id, iid, "checkins"), {"note": CHECKIN_NOTE})
    next_checkin = date.fromisoformat(checked["next_checkin_due_on"])
    assert next_checkin == today() + timedelta(days=30)

    assert _sweep_day(next_checkin - timedelta(days=1))["sent"] == 0
    reminded = _sweep_day(next_checkin)

    assert reminded == reminded | {"sent": 1, "checkins": 1, "reminders": 0, "escalations": 0}
    [reminder] = emails()
    assert reminder.destinations["ToAddresses"] == [sergeant] and case_id in reminder.subject

    # The coaching ends; the case is monitored for the agency's 90 days from then.
    assert post(of(case_id, iid, "completion"), {"outcome": "completed"})[0] == 200
    status, monitored = move(case_id, {"to": "monitoring", "reason": "Coaching completed."})
    assert status == 200
    ends_on = date.fromisoformat(monitored["monitoring_ends_on"])
    assert ends_on == today() + timedelta(days=90)

    assert _sweep_day(ends_on - timedelta(days=1))["sent"] == 0
    prompted = _sweep_day(ends_on)

    assert prompted == prompted | {"sent": 1, "monitoring_ends": 1, "checkins": 0}
    prompt = emails()[-1]
    assert prompt.destinations["ToAddresses"] == [sergeant]
    assert case_id in prompt.subject and "please close it" in prompt.subject

    # S1 closes the case; from then on the sweep sends nothing for it, whatever the day.
    closing = {"to": "closed", "reason": "No further incidents.", "disposition": "intervention_completed"}
    status, closed = move(case_id, closing)
    assert (status, closed["status"], closed["monitoring_ends_on"]) == (200, "closed", None)
    for later in (ends_on, ends_on + timedelta(days=1), ends_on + timedelta(days=400)):
        after = _sweep_day(later)
        assert after == after | {"open_cases": 0, "due": 0, "sent": 0}
    assert len(emails()) == 2
    followed = [r.action for r in audit_records(adapters) if r.target_id == case_id and r.actor == "notify"]
    assert followed == ["case.checkin", "case.monitoring_end"]
    assert [m["to_status"] for m in closed["history"]] == [
        "in_review",
        "intervention_planned",
        "intervention_in_progress",
        "monitoring",
        "closed",
    ]
    assert closed["interventions"][0]["outcome"] == "completed"
