"""Dismissing an alert through the case API: risk managers and admins only, with a reason, audited without it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from eis_core.models.alerts import AlertStatus
from eis_core.models.audit import AuditOutcome
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.resources import LocalSettings
from functions.cases_api import handler
from tests import builders
from tests.builders import officer
from tests.integration.test_cases_api import call

ALERT = "alert-dismiss0001"  # A1001's alert: S1 is their sergeant
OTHER = "alert-dismiss0002"
REASON = "Duplicate of a finding already handled by the officer's commander."
RISK_MANAGER = {"custom:agency_id": "testville", "sub": "sub-risk", "cognito:groups": "risk_manager"}
ADMIN = {"custom:agency_id": "testville", "sub": "sub-admin", "cognito:groups": "admin"}
SUPERVISOR_S1 = {
    "custom:agency_id": "testville",
    "sub": "sub-s1",
    "custom:officer_id": "S1",
    "cognito:groups": "supervisor",
}
AUDITOR = {"custom:agency_id": "testville", "sub": "sub-auditor", "cognito:groups": "auditor"}


@pytest.fixture
def adapters(settings: LocalSettings) -> Iterator[Adapters]:
    """Given A1001 under S1, and two new alerts for them."""
    handler._service.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(
        [officer("S1", "Sam", "Sergeant", None, "sgt@testville.example.gov"), officer("A1001", supervisor_id="S1")],
        upload_id="upload-roster",
    )
    built.alerts.create_alert(builders.alert("A1001", alert_id=ALERT))
    built.alerts.create_alert(builders.alert("A1001", alert_id=OTHER))
    yield built
    handler._service.cache_clear()


def dismiss(claims: dict[str, str], alert_id: str = ALERT, body: Any = None) -> tuple[int, dict[str, Any]]:
    return call(
        "apigw_add_note.json",  # a POST with a JSON body
        replace_claims=claims,
        path=f"/alerts/{alert_id}/dismissal",
        body={"reason": REASON} if body is None else body,
    )


def test_a_risk_manager_dismisses_an_alert_with_a_reason_audited_without_it(adapters: Adapters) -> None:
    status, body = dismiss(RISK_MANAGER)

    assert status == 200
    assert body["status"] == "dismissed" and body["case_id"] is None
    assert body["dismissal"] | {"at": None} == {
        "by": "sub-risk",
        "by_role": "risk_manager",
        "at": None,
        "reason": REASON,
    }
    stored = adapters.alerts.get_alert(ALERT)
    assert stored is not None and stored.status is AlertStatus.DISMISSED
    assert stored.dismissal is not None and stored.dismissal.reason == REASON
    [record] = [r for r in adapters.audit.records(since_seq=0, limit=100) if r.action == "alert.dismiss"]
    assert (record.actor, record.role, record.target_type, record.target_id) == (
        "sub-risk",
        "risk_manager",
        "alert",
        ALERT,
    )
    assert record.outcome is AuditOutcome.SUCCESS
    assert REASON not in str(record.detail) and "Duplicate" not in str(record.detail)
    fetched_status, fetched = call("apigw_get_alert.json", replace_claims=RISK_MANAGER, path=f"/alerts/{ALERT}")
    assert (fetched_status, fetched["dismissal"]["reason"]) == (200, REASON)


def test_an_admin_may_dismiss_too(adapters: Adapters) -> None:
    status, body = dismiss(ADMIN)

    assert (status, body["dismissal"]["by_role"]) == (200, "admin")


@pytest.mark.parametrize("claims", [SUPERVISOR_S1, AUDITOR], ids=["supervisor", "auditor"])
def test_supervisors_and_auditors_may_not_dismiss(adapters: Adapters, claims: dict[str, str]) -> None:
    status, _ = dismiss(claims)

    assert status == 403
    stored = adapters.alerts.get_alert(ALERT)
    assert stored is not None and stored.status is AlertStatus.NEW
    assert [r for r in adapters.audit.records(since_seq=0, limit=100) if r.action == "alert.dismiss"] == []
    [request] = [r for r in adapters.audit.records(since_seq=0, limit=100) if r.action.startswith("api.post")]
    assert request.outcome is AuditOutcome.DENIED


def test_a_dismissed_alert_or_one_with_a_case_answers_409(adapters: Adapters) -> None:
    dismiss(RISK_MANAGER)
    case_status, case = call("apigw_open_case.json", replace_claims=RISK_MANAGER, path=f"/alerts/{OTHER}/case")

    again_status, again = dismiss(RISK_MANAGER)
    cased_status, cased = dismiss(RISK_MANAGER, alert_id=OTHER)

    assert case_status == 201
    assert (again_status, cased_status) == (409, 409)
    assert "dismissed" in again["message"] and "case_opened" in cased["message"]
    stored = adapters.alerts.get_alert(OTHER)
    assert stored is not None and (stored.status, stored.case_id) == (AlertStatus.CASE_OPENED, case["case_id"])


def test_a_missing_reason_is_422_and_an_unknown_alert_404(adapters: Adapters) -> None:
    missing_status, missing = dismiss(RISK_MANAGER, body={})
    blank_status, _ = dismiss(RISK_MANAGER, body={"reason": "   "})
    unknown_status, _ = dismiss(RISK_MANAGER, alert_id="alert-nosuch")

    assert (missing_status, blank_status, unknown_status) == (422, 422, 404)
    assert "reason" in missing["message"]
