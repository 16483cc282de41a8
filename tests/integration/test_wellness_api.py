"""Wellness check-ins through the case API on moto: who reads them, who is told "not found", who is refused.

A check-in goes to the wellness coordinator; to the officer's direct supervisor only where the agency
opts in; never to the wider chain of command, the risk team, auditors or admins.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest

from eis_core.models.audit import AuditOutcome
from eis_core.models.wellness import WellnessCheckIn, WellnessSignal
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.cases_api import handler
from tests.conftest import EVENTS
from tests.integration.test_cases_api import ROSTER

AGENCY = {"custom:agency_id": "testville"}
COORDINATOR = AGENCY | {"sub": "sub-wellness", "cognito:groups": "wellness"}
DIRECT_SUPERVISOR = AGENCY | {"sub": "sub-s1", "custom:officer_id": "S1", "cognito:groups": "supervisor"}
LIEUTENANT_ABOVE = AGENCY | {"sub": "sub-l1", "custom:officer_id": "L1", "cognito:groups": "supervisor"}
OTHER_SUPERVISOR = AGENCY | {"sub": "sub-s2", "custom:officer_id": "S2", "cognito:groups": "supervisor"}
RISK_MANAGER = AGENCY | {"sub": "sub-rm", "cognito:groups": "risk_manager"}
AUDITOR = AGENCY | {"sub": "sub-auditor", "cognito:groups": "auditor"}
ADMIN = AGENCY | {"sub": "sub-admin", "cognito:groups": "admin"}
CHECKIN_ID = "wellness-k7d2m4qzx3b6nwp5r3tavcw4"


def checkin(checkin_id: str = CHECKIN_ID, *, officer_id: str = "A1001", supervisor: str = "S1") -> WellnessCheckIn:
    return WellnessCheckIn(
        checkin_id=checkin_id,
        officer_id=officer_id,
        as_of=date(2025, 6, 1),
        created_at=datetime(2025, 6, 1, 6, tzinfo=UTC),
        signals=(
            WellnessSignal(
                indicator="overtime_90d", value=190, threshold=150, sentence="190 overtime hours in 90 days"
            ),
            WellnessSignal(
                indicator="days_since_rest_leave", value=400, threshold=180, sentence="No vacation for 400 days"
            ),
        ),
        supervisor_id=supervisor,
        supervisor_included=True,
    )


def call(method: str, path: str, claims: dict[str, str]) -> tuple[int, Any]:
    event = copy.deepcopy(json.loads((EVENTS / "apigw_move_case.json").read_text()))
    event |= {"httpMethod": method, "path": path, "pathParameters": {"proxy": path.lstrip("/")}, "body": None}
    event["requestContext"]["authorizer"]["claims"] = claims
    response = handler.lambda_handler(event, LocalLambdaContext(function_name="eis-testville-cases-api"))
    return response["statusCode"], json.loads(response["body"]) if response["body"] else None


def _cold_start() -> None:
    for cached in (handler._settings, handler._service, handler._wellness_for):
        cached.cache_clear()


@pytest.fixture
def adapters(settings: LocalSettings) -> Iterator[Adapters]:
    """Given the roster (A1001 reports to S1 -> L1 -> C1) and a check-in for A1001."""
    _cold_start()
    built = aws_adapters(settings)
    built.records.put_records(ROSTER, upload_id="upload-roster")
    assert built.wellness.create_checkin(checkin())
    yield built
    _cold_start()


@pytest.fixture
def opted_in(adapters: Adapters, monkeypatch: pytest.MonkeyPatch) -> Adapters:
    """Given the agency opted in to tell (and show) the direct supervisor."""
    monkeypatch.setenv("EIS_WELLNESS_NOTIFY_SUPERVISOR", "true")
    _cold_start()
    return adapters


def last_audit(adapters: Adapters) -> Any:
    return adapters.audit.records(since_seq=0, limit=100_000)[-1]


def test_the_coordinator_lists_reads_and_acknowledges_a_supportive_check_in_with_no_score(adapters: Adapters) -> None:
    listed_status, listed = call("GET", "/wellness/checkins", COORDINATOR)
    read_status, read = call("GET", f"/wellness/checkins/{CHECKIN_ID}", COORDINATOR)
    ack_status, acked = call("POST", f"/wellness/checkins/{CHECKIN_ID}/acknowledge", COORDINATOR)

    assert (listed_status, listed["count"], listed["checkins"][0]["checkin_id"]) == (200, 1, CHECKIN_ID)
    assert read_status == 200
    assert read["kind"] == "wellness_checkin" and "not a risk alert" in read["message"]
    assert [s["indicator"] for s in read["signals"]] == ["overtime_90d", "days_since_rest_leave"]
    assert not {"score", "level", "rank", "case_id", "alert_id"} & set(read)
    assert (ack_status, acked["status"]) == (200, "acknowledged")
    [change] = [r for r in adapters.audit.records(since_seq=0, limit=1000) if r.target_type == "wellness_checkin"]
    assert (change.action, change.target_id, change.actor) == (
        "wellness.checkin_acknowledged",
        CHECKIN_ID,
        "sub-wellness",
    )
    assert adapters.wellness.get_checkin(CHECKIN_ID).status == "acknowledged"  # type: ignore[union-attr]


def test_without_the_opt_in_the_direct_supervisor_sees_nothing(adapters: Adapters) -> None:
    listed_status, listed = call("GET", "/wellness/checkins", DIRECT_SUPERVISOR)
    read_status, _ = call("GET", f"/wellness/checkins/{CHECKIN_ID}", DIRECT_SUPERVISOR)

    assert (listed_status, listed["count"]) == (200, 0)
    assert read_status == 404
    assert last_audit(adapters).outcome is AuditOutcome.DENIED


def test_with_the_opt_in_only_the_direct_supervisor_reads_it_and_only_the_coordinator_acknowledges(
    opted_in: Adapters,
) -> None:
    listed_status, listed = call("GET", "/wellness/checkins", DIRECT_SUPERVISOR)
    read_status, _ = call("GET", f"/wellness/checkins/{CHECKIN_ID}", DIRECT_SUPERVISOR)
    ack_status, _ = call("POST", f"/wellness/checkins/{CHECKIN_ID}/acknowledge", DIRECT_SUPERVISOR)

    assert (listed_status, [c["checkin_id"] for c in listed["checkins"]]) == (200, [CHECKIN_ID])
    assert read_status == 200
    assert ack_status == 403
    # The wider chain (the lieutenant above) and another sergeant: not found, audited as denied
    for caller in (LIEUTENANT_ABOVE, OTHER_SUPERVISOR):
        assert call("GET", "/wellness/checkins", caller)[1]["count"] == 0
        assert call("GET", f"/wellness/checkins/{CHECKIN_ID}", caller)[0] == 404
        assert last_audit(opted_in).outcome is AuditOutcome.DENIED
        assert call("POST", f"/wellness/checkins/{CHECKIN_ID}/acknowledge", caller)[0] == 404


def test_the_risk_team_auditors_and_admins_are_refused_every_wellness_route(opted_in: Adapters) -> None:
    for caller in (RISK_MANAGER, AUDITOR, ADMIN):
        assert call("GET", "/wellness/checkins", caller)[0] == 403
        assert call("GET", f"/wellness/checkins/{CHECKIN_ID}", caller)[0] == 403
        assert call("POST", f"/wellness/checkins/{CHECKIN_ID}/acknowledge", caller)[0] == 403
        assert call("GET", "/wellness/checkins/wellness-no-such-id", caller)[0] == 403  # nothing leaks by id


def test_a_check_in_is_never_an_alert_nor_a_case_and_the_coordinator_reaches_no_case(adapters: Adapters) -> None:
    alerts = call("GET", "/alerts", RISK_MANAGER)[1]
    cases = call("GET", "/cases", RISK_MANAGER)[1]
    queue = json.dumps(call("GET", "/queue", RISK_MANAGER)[1])

    assert CHECKIN_ID not in json.dumps(alerts) + json.dumps(cases) + queue
    assert list(adapters.cases.iter_cases()) == []
    # The coordinator role opens no case and changes nothing outside wellness
    assert call("GET", "/alerts", COORDINATOR)[1]["count"] == 0
    assert call("GET", "/officers/A1001", COORDINATOR)[0] == 404
    status, _ = call("POST", "/alerts/whatever/case", COORDINATOR)
    assert status == 403
