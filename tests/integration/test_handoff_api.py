"""Hand-off and deferral through the case API on moto: assign, acknowledge, defer, end."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from eis_core.models.alerts import AlertLevel
from eis_core.models.audit import AuditOutcome, AuditRecord
from eis_core.models.cases import Deferral, DeferralTarget
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.resources import LocalSettings
from functions.cases_api import handler
from tests import builders
from tests.builders import officer as _officer
from tests.integration.test_cases_api import call

ALERT_A = "2024-06-01-A1001"  # A1001 reports to S1 -> L1 -> C1
ALERT_B = "2024-06-01-A2002"  # A2002 reports to S2 -> C1

ROSTER = [
    _officer("C1", "Casey", "Chief", None, "chief@testville.example.gov"),
    _officer("L1", "Lee", "Lieutenant", "C1", "lt.one@testville.example.gov"),
    _officer("S1", "Sam", "Sergeant", "L1", "sgt.one@testville.example.gov"),
    _officer("S2", "Sky", "Sergeant", "C1", "sgt.two@testville.example.gov"),
    _officer("S3", "Ash", "Sergeant", "L1", "sgt.three@testville.example.gov"),
    _officer("S4", "Kit", "Sergeant", "C1", "sgt.four@testville.example.gov", status="separated"),
    _officer("A1001", "Jordan", "Whitfield", "S1"),
    _officer("A2002", "Morgan", "Castellano", "S2"),
    _officer("A3003", "Riley", "Okonkwo", "S3"),
    _officer("A4004", "Avery", "Lindqvist", "S4"),
]


def _claims(sub: str, groups: str, officer_id: str | None = None) -> dict[str, str]:
    claims = {"sub": sub, "custom:agency_id": "testville", "cognito:groups": groups}
    return claims | ({"custom:officer_id": officer_id} if officer_id else {})


S1 = _claims("sub-s1", "supervisor", "S1")
S2 = _claims("sub-s2", "supervisor", "S2")
S3 = _claims("sub-s3", "supervisor", "S3")
L1 = _claims("sub-l1", "supervisor", "L1")
RISK = _claims("sub-risk", "risk_manager")
AUDITOR = _claims("sub-auditor", "auditor")
TODAY = datetime.now(UTC).date()


@pytest.fixture
def adapters(settings: LocalSettings) -> Iterator[Adapters]:
    """Given a roster (C1 <- L1 <- S1, S3; C1 <- S2; separated S4) and new alerts for A1001 and A2002."""
    handler._service.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(ROSTER, upload_id="upload-roster")
    built.alerts.create_alert(builders.alert("A1001", level=AlertLevel.WARNING))
    built.alerts.create_alert(builders.alert("A2002", level=AlertLevel.CRITICAL))
    yield built
    handler._service.cache_clear()


def get(path: str, claims: dict[str, str]) -> tuple[int, Any]:
    return call("apigw_get_case.json", path=path, replace_claims=claims)


def post(path: str, claims: dict[str, str], body: Any = None) -> tuple[int, Any]:
    return call("apigw_move_case.json", path=path, replace_claims=claims, body=body if body is not None else {})


def open_case_as_s1() -> str:
    status, case = call("apigw_open_case.json", path=f"/alerts/{ALERT_A}/case", replace_claims=S1)
    assert status == 201
    return str(case["case_id"])


def audits(adapters: Adapters, action: str) -> list[AuditRecord]:
    return [r for r in adapters.audit.records(since_seq=0, limit=1000) if r.action == action]


# --- assignment and acknowledgement ---------------------------------------------------------------


def test_a_risk_manager_assigns_a_case_and_the_new_supervisor_sees_and_acknowledges_it(adapters: Adapters) -> None:
    # Given S1's case for A1001, which S2 (outside A1001's chain) cannot see
    case_id = open_case_as_s1()
    assert get(f"/cases/{case_id}", S2)[0] == 404

    # When the risk manager hands it to S2
    status, assigned = post(f"/cases/{case_id}/assignment", RISK, {"supervisor_id": "S2", "reason": "S1 on leave."})

    # Then S2 has it, waiting for S2's acknowledgement, with the reason on the case
    assert status == 200
    assert (assigned["supervisor_id"], assigned["awaiting_acknowledgement_by"]) == ("S2", "S2")
    [hand_off] = assigned["assignments"]
    assert hand_off | {"kind": "assigned", "supervisor_id": "S2", "previous_supervisor_id": "S1"} == hand_off
    assert (hand_off["by"], hand_off["reason"]) == ("sub-risk", "S1 on leave.")
    seen_status, seen = get(f"/cases/{case_id}", S2)
    assert (seen_status, seen["awaiting_acknowledgement_by"]) == (200, "S2")

    # And only S2 may acknowledge it, once
    assert post(f"/cases/{case_id}/acknowledgement", S1)[0] == 403
    assert post(f"/cases/{case_id}/acknowledgement", RISK)[0] == 403
    ack_status, acknowledged = post(f"/cases/{case_id}/acknowledgement", S2)
    assert ack_status == 200
    assert (acknowledged["acknowledged_by"], acknowledged["awaiting_acknowledgement_by"]) == ("S2", None)
    assert acknowledged["acknowledged_at"] is not None
    assert post(f"/cases/{case_id}/acknowledgement", S2)[0] == 409
    # S2 works the case although A1001 is outside S2's chain
    assert post(f"/cases/{case_id}/notes", S2, {"text": "Met the officer."})[0] == 201

    [assign] = audits(adapters, "case.assign")
    assert assign.detail == {"supervisor_id": "S2", "previous_supervisor_id": "S1", "kind": "assigned"}
    assert "S1 on leave" not in str(assign.detail)  # the why stays on the case
    [ack] = audits(adapters, "case.acknowledge")
    assert (ack.actor, ack.target_id, ack.detail) == ("sub-s2", case_id, {"supervisor_id": "S2"})


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"supervisor_id": "NOBODY", "reason": "x"}, "supervisor_id"),  # not on the roster
        ({"supervisor_id": "A2002", "reason": "x"}, "supervisor_id"),  # supervises nobody
        ({"supervisor_id": "S4", "reason": "x"}, "supervisor_id"),  # separated
        ({"supervisor_id": "S2", "reason": "   "}, "reason"),
    ],
)
def test_an_assignment_to_someone_who_cannot_supervise_or_without_reason_is_422(
    adapters: Adapters, body: dict[str, str], field: str
) -> None:
    case_id = open_case_as_s1()

    status, answer = post(f"/cases/{case_id}/assignment", RISK, body)

    assert (status, answer["field"]) == (422, field)
    assert get(f"/cases/{case_id}", RISK)[1]["supervisor_id"] == "S1"
    assert audits(adapters, "case.assign") == []


def test_a_supervisor_hands_a_case_down_their_chain_only_and_auditors_not_at_all(adapters: Adapters) -> None:
    case_id = open_case_as_s1()

    sideways = post(f"/cases/{case_id}/assignment", S1, {"supervisor_id": "S2", "reason": "Swap."})
    auditor = post(f"/cases/{case_id}/assignment", AUDITOR, {"supervisor_id": "S3", "reason": "No."})
    down = post(f"/cases/{case_id}/assignment", L1, {"supervisor_id": "S3", "reason": "S3 knows the unit."})

    assert (sideways[0], auditor[0]) == (403, 403)
    assert (down[0], down[1]["supervisor_id"], down[1]["awaiting_acknowledgement_by"]) == (200, "S3", "S3")
    assert post(f"/cases/{case_id}/assignment", RISK, {"supervisor_id": "S3", "reason": "Again."})[0] == 409


# --- deferral --------------------------------------------------------------------------------------


def test_a_deferred_case_is_404_for_the_supervisor_and_visible_to_the_risk_team(adapters: Adapters) -> None:
    case_id = open_case_as_s1()
    review_on = (TODAY + timedelta(days=30)).isoformat()

    status, deferred = post(
        f"/cases/{case_id}/deferral", RISK, {"reason": "Criminal investigation.", "review_on": review_on}
    )

    assert status == 200
    assert deferred["deferral"] | {"target": "case", "review_on": review_on, "expired": False} == deferred["deferral"]
    assert deferred["deferral_expired"] is False
    # The supervisor cannot read, note, move or find it; the alert on it is gone from their list too
    assert get(f"/cases/{case_id}", S1)[0] == 404
    assert post(f"/cases/{case_id}/notes", S1, {"text": "Hello?"})[0] == 404
    assert get(f"/alerts/{ALERT_A}", S1)[0] == 404
    _, listed = call("apigw_list_alerts.json", replace_claims=S1)
    assert listed["alerts"] == []
    # Risk managers and auditors see it, with the deferral and its reason
    for claims in (RISK, AUDITOR):
        seen_status, seen = get(f"/cases/{case_id}", claims)
        assert (seen_status, seen["deferral"]["reason"]) == (200, "Criminal investigation.")
    denied = [r for r in adapters.audit.records(since_seq=0, limit=1000) if r.outcome is AuditOutcome.DENIED]
    assert len(denied) == 3  # the case, the note, the alert (the list just leaves it out)
    assert {r.detail["reason"] for r in denied} == {"deferred: hidden from the chain of command"}
    [defer] = audits(adapters, "case.defer")
    assert defer.detail == {"officer_id": "A1001", "review_on": review_on, "renewed": False}

    # When the risk manager ends it, the supervisor sees the case again
    end_status, ended = post(f"/cases/{case_id}/deferral/end", RISK, {"reason": "Investigation closed."})
    assert (end_status, ended["deferral"]) == (200, None)
    assert get(f"/cases/{case_id}", S1)[0] == 200
    assert len(audits(adapters, "case.deferral_end")) == 1


def test_an_officer_deferral_hides_their_alerts_from_the_chain_and_is_listed_for_the_risk_team(
    adapters: Adapters,
) -> None:
    review_on = (TODAY + timedelta(days=60)).isoformat()
    body = {"reason": "Internal affairs asked.", "review_on": review_on}

    assert post("/officers/A2002/deferral", S2, body)[0] == 403  # supervisors never defer
    assert post("/officers/A2002/deferral", RISK, body | {"review_on": TODAY.isoformat()})[1]["field"] == "review_on"
    assert post("/officers/NOBODY/deferral", RISK, body)[0] == 404
    status, deferral = post("/officers/A2002/deferral", RISK, body)

    assert (status, deferral["target"], deferral["target_id"]) == (201, "officer", "A2002")
    assert get(f"/alerts/{ALERT_B}", S2)[0] == 404
    assert call("apigw_list_alerts.json", replace_claims=S2)[1]["alerts"] == []
    assert call("apigw_open_case.json", path=f"/alerts/{ALERT_B}/case", replace_claims=S2)[0] == 404
    assert get(f"/alerts/{ALERT_B}", RISK)[0] == 200
    assert [d["target_id"] for d in get("/deferrals", AUDITOR)[1]["deferrals"]] == ["A2002"]
    assert get("/deferrals", S2)[0] == 403
    assert get("/officers/A2002/deferral", RISK)[1]["reason"] == "Internal affairs asked."
    # A case opened by the risk team for a deferred officer is hidden from the chain as well
    _, case = call("apigw_open_case.json", path=f"/alerts/{ALERT_B}/case", replace_claims=RISK)
    assert get(f"/cases/{case['case_id']}", S2)[0] == 404
    assert get(f"/cases/{case['case_id']}", RISK)[1]["deferral"]["target"] == "officer"

    end_status, ended = post("/officers/A2002/deferral/end", RISK, {"reason": "Cleared."})

    assert (end_status, ended["ended_by"]) == (200, "sub-risk")
    assert get(f"/cases/{case['case_id']}", S2)[0] == 200
    assert get("/deferrals", RISK)[1]["count"] == 0
    assert post("/officers/A2002/deferral/end", RISK, {"reason": "Again."})[0] == 404


def test_a_deferral_past_its_review_date_shows_as_expired_until_ended(adapters: Adapters) -> None:
    # Given a case deferral whose review date has come (stored as the sweep would find it)
    case_id = open_case_as_s1()
    adapters.cases.put_deferral(
        Deferral(
            target=DeferralTarget.CASE,
            target_id=case_id,
            officer_id="A1001",
            reason="Investigation.",
            review_on=TODAY,
            deferred_at=datetime.now(UTC) - timedelta(days=30),
            deferred_by="sub-risk",
            deferred_by_role="risk_manager",
        )
    )

    status, case = get(f"/cases/{case_id}", RISK)

    assert (status, case["deferral_expired"], case["deferral"]["expired"]) == (200, True, True)
    assert get(f"/cases/{case_id}", S1)[0] == 404  # still deferred: it never lapses silently
    assert get("/deferrals", RISK)[1]["deferrals"][0]["expired"] is True


def test_deferral_review_dates_are_bounded(adapters: Adapters) -> None:
    case_id = open_case_as_s1()
    too_far = (TODAY + timedelta(days=400)).isoformat()

    status, answer = post(f"/cases/{case_id}/deferral", RISK, {"reason": "x", "review_on": too_far})
    missing = post(f"/cases/{case_id}/deferral", RISK, {"reason": "", "review_on": date.max.isoformat()})

    assert (status, answer["field"]) == (422, "review_on")
    assert (missing[0], missing[1]["field"]) == (422, "reason")
