"""Every route of the case API against every kind of caller: who is let through, who is refused, who is told
"not found".

One table below says, for each documented route, what each caller gets: ``ok`` (past access control:
a 2xx, or a 4xx about the request itself such as 409 or 422), ``403`` (refused), or ``hid`` (404 answered
because the item is outside the caller's chain of command or deferred, and audited as denied). A route
added to the OpenAPI document without a row here fails the test, so no route escapes the check.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from eis_core.models.alerts import AlertLevel
from eis_core.models.audit import AuditOutcome
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.cases_api import handler
from tests.conftest import EVENTS
from tests.integration.test_cases_api import ALERT_A, ALERT_B, ROSTER, _alert
from tests.integration.test_wellness_api import checkin as wellness_checkin

OPENAPI = Path(__file__).resolve().parents[2] / "functions" / "cases_api" / "openapi.json"

AGENCY = {"custom:agency_id": "testville"}
CALLERS: dict[str, dict[str, str]] = {
    # Order matters within a route: the ones refused go first, so a change made by an allowed caller
    # cannot hide a refusal (each route starts from fresh tables).
    "other_agency": {"sub": "sub-x", "custom:agency_id": "elsewhere", "cognito:groups": "risk_manager,admin"},
    "auditor": AGENCY | {"sub": "sub-auditor", "cognito:groups": "auditor"},
    "supervisor_out_of_chain": AGENCY | {"sub": "sub-s2", "custom:officer_id": "S2", "cognito:groups": "supervisor"},
    "supervisor_in_chain": AGENCY | {"sub": "sub-s1", "custom:officer_id": "S1", "cognito:groups": "supervisor"},
    "risk_manager": AGENCY | {"sub": "sub-rm", "cognito:groups": "risk_manager"},
    "admin": AGENCY | {"sub": "sub-admin", "cognito:groups": "admin"},
}
ORDER = ["supervisor_in_chain", "supervisor_out_of_chain", "risk_manager", "auditor", "admin"]


@dataclass(frozen=True)
class Row:
    """What each caller gets, in ORDER; the other agency always gets 403."""

    expected: str
    body: dict[str, Any] | None = None
    query: dict[str, str] | None = None

    def by_caller(self) -> dict[str, str]:
        return dict(zip(ORDER, self.expected.split(), strict=True)) | {"other_agency": "403"}


SUPPORT = "Coaching agreed after the review."
REVIEW_ON = (date.today() + timedelta(days=30)).isoformat()  # a deferral's review is at most 366 days ahead
# (method, OpenAPI path) -> what in-chain, out-of-chain, risk manager, auditor and admin get.
TABLE: dict[tuple[str, str], Row] = {
    ("GET", "/alerts"): Row("ok ok ok ok ok"),
    ("GET", "/alerts/{alert_id}"): Row("ok hid ok ok ok"),
    ("POST", "/alerts/{alert_id}/case"): Row("ok hid ok 403 ok"),
    ("POST", "/alerts/{alert_id}/dismissal"): Row("403 403 ok 403 ok", {"reason": "Duplicate of a reviewed alert."}),
    ("GET", "/cases"): Row("ok ok ok ok ok"),
    ("GET", "/queue"): Row("ok ok ok ok ok"),
    ("GET", "/cases/{case_id}"): Row("ok hid ok ok ok"),
    ("POST", "/cases/{case_id}/notes"): Row("ok hid ok 403 ok", {"text": "Spoke with the officer."}),
    ("POST", "/cases/{case_id}/transitions"): Row("ok hid ok 403 ok", {"to": "in_review"}),
    ("POST", "/cases/{case_id}/interventions"): Row("ok hid ok 403 ok", {"type": "peer_support"}),
    ("POST", "/cases/{case_id}/interventions/{intervention_id}/start"): Row("ok hid ok 403 ok", {}),
    ("POST", "/cases/{case_id}/interventions/{intervention_id}/checkins"): Row(
        "ok hid ok 403 ok", {"note": "Going well."}
    ),
    ("POST", "/cases/{case_id}/interventions/{intervention_id}/completion"): Row(
        "ok hid ok 403 ok", {"outcome": "completed"}
    ),
    ("POST", "/cases/{case_id}/assignment"): Row("ok hid ok 403 ok", {"supervisor_id": "S1", "reason": SUPPORT}),
    ("POST", "/cases/{case_id}/acknowledgement"): Row("ok hid ok 403 ok"),
    ("POST", "/cases/{case_id}/deferral"): Row(
        "403 403 ok 403 ok", {"reason": "Criminal investigation.", "review_on": REVIEW_ON}
    ),
    ("POST", "/cases/{case_id}/deferral/end"): Row("403 403 ok 403 ok", {"reason": "Investigation closed."}),
    ("GET", "/officers"): Row("ok ok ok ok ok", query={"q": "Whit"}),
    ("GET", "/officers/{officer_id}"): Row("ok hid ok ok ok"),
    ("GET", "/officers/{officer_id}/deferral"): Row("403 403 ok ok ok"),
    ("POST", "/officers/{officer_id}/deferral"): Row(
        "403 403 ok 403 ok", {"reason": "Criminal investigation.", "review_on": REVIEW_ON}
    ),
    ("POST", "/officers/{officer_id}/deferral/end"): Row("403 403 ok 403 ok", {"reason": "Investigation closed."}),
    ("GET", "/deferrals"): Row("403 403 ok ok ok"),
    ("GET", "/audit"): Row("403 403 403 ok ok"),
    ("GET", "/uploads"): Row("403 403 ok ok ok"),
    ("GET", "/uploads/{upload_id}"): Row("403 403 ok ok ok"),
    ("GET", "/uploads/{upload_id}/quarantine"): Row("403 403 ok ok ok"),
    ("GET", "/reports/runs"): Row("403 403 ok ok ok"),
    ("GET", "/reports/runs/{as_of}"): Row("403 403 ok ok ok"),
    ("GET", "/reports/backtests"): Row("403 403 ok ok ok"),
    ("GET", "/reports/backtests/{test_year}"): Row("403 403 ok ok ok"),
    ("GET", "/reports/trends"): Row("403 403 ok ok ok"),
    ("GET", "/reports/command"): Row("403 403 ok ok ok"),
    ("GET", "/models/current"): Row("403 403 ok ok ok"),
    ("GET", "/models/{trained_model_id}"): Row("403 403 ok ok ok"),
    ("POST", "/models/{trained_model_id}/promotion"): Row("403 403 403 403 ok", {"reason": "Reviewed the card."}),
    # Wellness check-ins: the wellness coordinator's (tests/integration/test_wellness_api.py); supervisors see
    # none without the agency's opt-in, and the risk team, auditors and admins are refused.
    ("GET", "/wellness/checkins"): Row("ok ok 403 403 403"),
    ("GET", "/wellness/checkins/{checkin_id}"): Row("hid hid 403 403 403"),
    ("POST", "/wellness/checkins/{checkin_id}/acknowledge"): Row("hid hid 403 403 403"),
    # The caller's own last visit to the queue: every role keeps one, for themselves (read-only roles too).
    ("GET", "/me/last-visit"): Row("ok ok ok ok ok"),
    ("PUT", "/me/last-visit"): Row("ok ok ok ok ok", {"alert_ids": [], "cases": []}),
    ("GET", "/interventions/catalogue"): Row("ok ok ok 403 ok"),
}


def documented_routes() -> set[tuple[str, str]]:
    paths = json.loads(OPENAPI.read_text())["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


def invoke(
    method: str, path: str, claims: dict[str, str], body: dict[str, Any] | None, query: dict[str, str] | None = None
) -> tuple[int, Any]:
    event = copy.deepcopy(json.loads((EVENTS / "apigw_move_case.json").read_text()))
    event["httpMethod"] = method
    event["path"] = path
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    event["requestContext"]["authorizer"]["claims"] = claims
    event["body"] = None if body is None else json.dumps(body)
    response = handler.lambda_handler(event, LocalLambdaContext(function_name="eis-testville-cases-api"))
    return response["statusCode"], json.loads(response["body"] or "null") if response["body"] else None


@dataclass(frozen=True)
class World:
    adapters: Adapters
    ids: dict[str, str]


@pytest.fixture
def world(settings: LocalSettings) -> Iterator[World]:
    """Given officer A1001 (chain S1 -> L1 -> C1) with an open case in intervention_planned and one planned
    intervention, and a new alert for A2002 (S2's officer)."""
    handler._service.cache_clear()
    handler._settings.cache_clear()
    adapters = aws_adapters(settings)
    adapters.records.put_records(ROSTER, upload_id="upload-roster")
    adapters.alerts.create_alert(_alert("A1001", AlertLevel.WARNING))
    adapters.alerts.create_alert(_alert("A2002", AlertLevel.CRITICAL))
    manager = CALLERS["risk_manager"]
    status, case = invoke("POST", f"/alerts/{ALERT_A}/case", manager, None)
    assert status == 201, case
    path = f"/cases/{case['case_id']}"
    assert invoke("POST", f"{path}/transitions", manager, {"to": "in_review"})[0] == 200
    assert invoke("POST", f"{path}/transitions", manager, {"to": "intervention_planned", "reason": SUPPORT})[0] == 200
    status, planned = invoke("POST", f"{path}/interventions", manager, {"type": "coaching_mentoring"})
    assert status == 201, planned
    ids = {
        "alert_id": ALERT_A,
        "case_id": case["case_id"],
        "intervention_id": planned["intervention_id"],
        "officer_id": "A1001",
        "upload_id": "no-such-upload",
        "as_of": "2024-06-01",
        "test_year": "2024",
        "trained_model_id": "no-such-model",
        "checkin_id": wellness_checkin().checkin_id,
    }
    assert adapters.wellness.create_checkin(wellness_checkin())
    yield World(adapters, ids)
    handler._service.cache_clear()


def outcome(world: World, status: int, seq_before: int) -> str:
    """``ok``, ``403`` or ``hid`` (a 404 the audit log records as a denial)."""
    if status in (401, 403):
        return str(status)
    if status == 404:
        last = world.adapters.audit.records(since_seq=seq_before, limit=10)[-1]
        return "hid" if last.outcome is AuditOutcome.DENIED else "ok"
    return "ok" if status < 500 else f"error {status}"


def test_every_documented_route_has_a_row_in_the_table() -> None:
    documented = documented_routes()
    assert sorted(documented - set(TABLE)) == [], "add these routes to TABLE with what each caller gets"
    assert sorted(set(TABLE) - documented) == [], "these rows name routes the API no longer documents"


@pytest.mark.parametrize(("method", "route"), sorted(TABLE), ids=str)
def test_each_caller_is_let_through_refused_or_told_not_found_as_the_table_says(
    world: World, method: str, route: str
) -> None:
    row = TABLE[(method, route)]
    path = route.format(**world.ids)
    got: dict[str, str] = {}
    for caller, claims in CALLERS.items():
        seq_before = world.adapters.audit.records(since_seq=0, limit=100_000)[-1].seq
        status, _ = invoke(method, path, claims, row.body, row.query)
        got[caller] = outcome(world, status, seq_before)
    assert got == row.by_caller()


def test_a_deferred_case_is_not_found_for_its_own_supervisor_and_audited_as_denied(world: World) -> None:
    path = f"/cases/{world.ids['case_id']}"
    deferral = {"reason": "Criminal investigation.", "review_on": REVIEW_ON}
    assert invoke("POST", f"{path}/deferral", CALLERS["risk_manager"], deferral)[0] == 200
    seq_before = world.adapters.audit.records(since_seq=0, limit=100_000)[-1].seq

    status, _ = invoke("GET", path, CALLERS["supervisor_in_chain"], None)

    assert status == 404
    assert outcome(world, status, seq_before) == "hid"
    assert invoke("GET", path, CALLERS["auditor"], None)[0] == 200
    assert invoke("GET", f"/alerts/{ALERT_B}", CALLERS["supervisor_out_of_chain"], None)[0] == 200


@pytest.mark.parametrize(
    ("method", "route", "query", "body"),
    [
        ("GET", "/cases", {"limit": "not-a-number"}, None),
        ("GET", "/queue", {"limit": "0"}, None),
        ("POST", "/cases/{case_id}/transitions", None, {"to": "nowhere"}),
    ],
    ids=["query", "bounded query", "body"],
)
def test_another_agency_with_a_malformed_request_is_refused_before_it_is_validated(
    world: World, method: str, route: str, query: dict[str, str] | None, body: dict[str, Any] | None
) -> None:
    """Given another agency's token and a request the schema refuses, When it is sent, Then it gets 403
    (not the 422 that would describe the schema to it), audited as denied, and our own risk manager gets 422."""
    path = route.format(**world.ids)
    seq_before = world.adapters.audit.records(since_seq=0, limit=100_000)[-1].seq

    status, answer = invoke(method, path, CALLERS["other_agency"], body, query)

    assert (status, answer["error"]) == (403, "forbidden")
    assert world.adapters.audit.records(since_seq=seq_before, limit=10)[-1].outcome is AuditOutcome.DENIED
    assert invoke(method, path, CALLERS["risk_manager"], body, query)[0] == 422


def test_an_auditor_sending_a_malformed_write_is_told_it_may_not_write(world: World) -> None:
    path = f"/cases/{world.ids['case_id']}/notes"

    status, answer = invoke("POST", path, CALLERS["auditor"], {"no_text": True})

    assert (status, answer["error"]) == (403, "forbidden")
