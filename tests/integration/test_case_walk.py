"""One case worked from its alert to closure over the case API, in process on moto, with every kind of step
the issue names: assignment, a roster transfer the new supervisor must acknowledge, a stale If-Match that
changes nothing, an intervention with a check-in, monitoring, closure, and a sweep that then stays quiet.
Each step is asserted as a user would see it (the answer, the queue) and as an auditor would (the audit log).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from moto.backends import get_backend

from eis_core.models.alerts import AlertStatus
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.cases_api import handler
from tests import builders
from tests.builders import officer
from tests.conftest import ACCOUNT, EVENTS, REGION
from tests.integration.test_cases_api import _sweep_day

AGENCY = {"custom:agency_id": "testville"}
RISK_MANAGER = AGENCY | {"sub": "sub-risk", "cognito:groups": "risk_manager"}
SERGEANT = {
    name: AGENCY | {"sub": f"sub-{name.lower()}", "custom:officer_id": name, "cognito:groups": "supervisor"}
    for name in ("S1", "S2", "S3")
}
ROSTER = [
    officer("L1", "Lee", "Lieutenant", None, "lt.one@testville.example.gov"),
    officer("S1", "Sam", "Sergeant", "L1", "sgt.one@testville.example.gov"),
    officer("S2", "Sky", "Sergeant", "L1", "sgt.two@testville.example.gov"),
    officer("S3", "Ash", "Sergeant", "L1", "sgt.three@testville.example.gov"),
    officer("A1001", "Jordan", "Whitfield", "S1"),
    officer("A2002", "Morgan", "Castellano", "S2"),
    officer("A3003", "Robin", "Okafor", "S3"),
]
ALERT = builders.alert("A1001")
PERSONAL = "Coaching agreed after the officer's family bereavement."  # never in the audit log


@pytest.fixture
def adapters(settings: LocalSettings) -> Iterator[Adapters]:
    """Given L1 <- S1, S2, S3, one officer under each, and a new alert for S1's officer A1001."""
    handler._service.cache_clear()
    handler._idempotent_posts.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(ROSTER, upload_id="upload-roster")
    built.alerts.create_alert(ALERT)
    yield built
    handler._service.cache_clear()
    handler._idempotent_posts.cache_clear()


def send(
    method: str,
    path: str,
    claims: dict[str, str],
    body: Any = None,
    *,
    if_match: str | None = None,
    idempotency_key: str | None = None,
) -> tuple[int, Any, str | None]:
    """One request as ``claims``; returns status, JSON body and the ETag header."""
    event = copy.deepcopy(json.loads((EVENTS / "apigw_move_case.json").read_text()))
    event |= {"httpMethod": method, "path": path, "pathParameters": {"proxy": path.lstrip("/")}}
    event["requestContext"]["authorizer"]["claims"] = claims
    event["body"] = None if body is None else json.dumps(body)
    for name, value in (("If-Match", if_match), ("Idempotency-Key", idempotency_key)):
        if value is not None:
            event["headers"][name] = value
            event["multiValueHeaders"][name] = [value]
    response = handler.lambda_handler(event, LocalLambdaContext(function_name="eis-testville-cases-api"))
    etag = (response.get("multiValueHeaders") or {}).get("ETag", [None])[-1]
    return response["statusCode"], json.loads(response["body"] or "null"), etag


def ok(answer: tuple[int, Any, str | None], status: int = 200) -> tuple[Any, str | None]:
    assert answer[0] == status, answer[1]
    return answer[1], answer[2]


def queue_of(claims: dict[str, str]) -> dict[str, Any]:
    body, _ = ok(send("GET", "/queue", claims))
    assert isinstance(body, dict)
    return body


def changes(adapters: Adapters, case_id: str) -> list[str]:
    """The change records of one case, in order (request records left out)."""
    return [r.action for r in adapters.audit.records(since_seq=0, limit=10_000) if r.target_id == case_id]


def emails() -> int:
    return len(get_backend("ses")[ACCOUNT][REGION].sent_messages)


def test_one_case_is_worked_from_alert_to_closure_through_every_kind_of_step(adapters: Adapters) -> None:
    today = datetime.now(UTC).date()

    # When S1 opens a case from the alert, it is S1's and the alert reads case_opened
    opened, _ = ok(send("POST", f"/alerts/{ALERT.alert_id}/case", SERGEANT["S1"]), 201)
    case_id = opened["case_id"]
    path = f"/cases/{case_id}"
    assert (opened["status"], opened["supervisor_id"]) == ("open", "S1")
    assert queue_of(SERGEANT["S1"])["alerts"]["alerts"] == []
    ok(send("POST", f"{path}/transitions", SERGEANT["S1"], {"to": "in_review"}))

    # A risk manager assigns it to S2, who sees it waiting in their queue and acknowledges it
    assigned, _ = ok(send("POST", f"{path}/assignment", RISK_MANAGER, {"supervisor_id": "S2", "reason": PERSONAL}))
    assert (assigned["supervisor_id"], assigned["awaiting_acknowledgement_by"]) == ("S2", "S2")
    assert [e["case_id"] for e in queue_of(SERGEANT["S2"])["handoffs_to_acknowledge"]] == [case_id]
    assert queue_of(SERGEANT["S3"])["handoffs_to_acknowledge"] == []
    assert send("POST", f"{path}/acknowledgement", SERGEANT["S3"])[0] in (403, 404)  # not S3's to acknowledge
    ok(send("POST", f"{path}/acknowledgement", SERGEANT["S2"]))
    assert queue_of(SERGEANT["S2"])["handoffs_to_acknowledge"] == []

    # The roster moves A1001 under S3: the daily sweep hands the case to S3, who must acknowledge it
    adapters.records.put_records([officer("A1001", "Jordan", "Whitfield", "S3")], upload_id="upload-roster-2")
    swept = _sweep_day(today)
    assert swept["transfers"] == 1
    case, _ = ok(send("GET", path, RISK_MANAGER))
    assert (case["supervisor_id"], case["awaiting_acknowledgement_by"]) == ("S3", "S3")
    [waiting] = queue_of(SERGEANT["S3"])["handoffs_to_acknowledge"]
    assert (waiting["case_id"], waiting["officer_id"], waiting["due_on"]) == (case_id, "A1001", today.isoformat())
    assert [e["case_id"] for e in queue_of(RISK_MANAGER)["handoffs_to_acknowledge"]] == [case_id]
    ok(send("POST", f"{path}/acknowledgement", SERGEANT["S3"]))
    assert queue_of(SERGEANT["S3"])["handoffs_to_acknowledge"] == []

    # S3 and the risk manager read the case (same ETag); the risk manager adds a note first
    _, stale = ok(send("GET", path, SERGEANT["S3"]))
    assert stale is not None
    ok(send("POST", f"{path}/notes", RISK_MANAGER, {"text": "Spoke with S3."}, if_match=stale), 201)
    before, current = ok(send("GET", path, SERGEANT["S3"]))
    records_before = changes(adapters, case_id)

    # S3's writes with the stale ETag answer 412 and change nothing
    plan_move = {"to": "intervention_planned", "reason": PERSONAL}
    assert send("POST", f"{path}/transitions", SERGEANT["S3"], plan_move, if_match=stale)[0] == 412
    assert (
        send("POST", f"{path}/interventions", SERGEANT["S3"], {"type": "coaching_mentoring"}, if_match=stale)[0] == 412
    )
    after, unchanged = ok(send("GET", path, SERGEANT["S3"]))
    assert (after, unchanged) == (before, current)
    assert changes(adapters, case_id) == records_before

    # With the current ETag S3 plans coaching, begun five weeks ago, so its first check-in is overdue
    _, etag = ok(send("POST", f"{path}/transitions", SERGEANT["S3"], plan_move, if_match=current))
    planned, etag = ok(
        send(
            "POST",
            f"{path}/interventions",
            SERGEANT["S3"],
            {"type": "coaching_mentoring", "notes": PERSONAL},
            if_match=etag,
        ),
        201,
    )
    iid = planned["intervention_id"]
    began = (today - timedelta(days=35)).isoformat()
    _, etag = ok(
        send("POST", f"{path}/interventions/{iid}/start", SERGEANT["S3"], {"started_on": began}, if_match=etag)
    )
    assert etag is not None
    [due] = queue_of(SERGEANT["S3"])["checkins_due"]
    assert (due["case_id"], due["detail"], due["due_on"]) == (case_id, iid, (today - timedelta(days=5)).isoformat())
    assert queue_of(SERGEANT["S1"])["checkins_due"] == []  # no longer S1's officer
    ok(send("POST", f"{path}/transitions", SERGEANT["S3"], {"to": "intervention_in_progress", "reason": PERSONAL}))
    checked, _ = ok(send("POST", f"{path}/interventions/{iid}/checkins", SERGEANT["S3"], {"note": PERSONAL}), 201)
    assert checked["next_checkin_due_on"] == (today + timedelta(days=30)).isoformat()
    assert queue_of(SERGEANT["S3"])["checkins_due"] == []

    # The coaching ends, the case is monitored, then closed with a disposition
    ok(send("POST", f"{path}/interventions/{iid}/completion", SERGEANT["S3"], {"outcome": "completed"}))
    ok(send("POST", f"{path}/transitions", SERGEANT["S3"], {"to": "monitoring", "reason": PERSONAL}))
    closing = {"to": "closed", "reason": PERSONAL, "disposition": "intervention_completed"}
    closed, _ = ok(send("POST", f"{path}/transitions", SERGEANT["S3"], closing))
    assert (closed["status"], closed["disposition"]) == ("closed", "intervention_completed")
    stored_alert = adapters.alerts.get_alert(ALERT.alert_id)
    assert stored_alert is not None and stored_alert.status is AlertStatus.CASE_CLOSED

    # Then the sweep sends nothing further for it, whatever the day, and its queues are empty
    sent_before = emails()
    for later in (today, today + timedelta(days=31), today + timedelta(days=400)):
        after_closure = _sweep_day(later)
        assert after_closure == after_closure | {"sent": 0, "transfers": 0}
    assert emails() == sent_before
    for claims in (SERGEANT["S3"], RISK_MANAGER):
        queue = queue_of(claims)
        assert queue["cases"]["cases"] == [] and queue["checkins_due"] == [] and queue["handoffs_to_acknowledge"] == []

    # And every step left its change record, in order, none holding the free text
    assert changes(adapters, case_id) == [
        "case.open",
        "case.transition",
        "case.assign",
        "case.acknowledge",
        "case.transfer",
        "case.acknowledge",
        "case.note",
        "case.transition",
        "case.intervention.plan",
        "case.intervention.start",
        "case.transition",
        "case.intervention.checkin",
        "case.intervention.complete",
        "case.transition",
        "case.transition",
    ]
    trail = adapters.audit.records(since_seq=0, limit=10_000)
    assert all(PERSONAL not in json.dumps(r.detail) for r in trail)
    moves = [r.detail["to"] for r in trail if r.target_id == case_id and r.action == "case.transition"]
    assert moves == ["in_review", "intervention_planned", "intervention_in_progress", "monitoring", "closed"]
    refused = [r for r in trail if r.action.startswith("api.post.") and r.detail.get("status_code") == 412]
    assert len(refused) == 2
    assert date.fromisoformat(closed["history"][-1]["at"][:10]) == today
