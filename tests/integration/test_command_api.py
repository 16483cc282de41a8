"""Command staff's view (GET /reports/command): overdue cases by unit, alert volume and outcomes by month.

The handler is invoked in process on moto, over a seeded set of cases and alerts dated from today.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from eis_core.cases import command
from eis_core.cases.command import month_start
from eis_core.models.alerts import Alert, AlertStatus
from eis_core.models.audit import AuditOutcome
from eis_core.models.cases import CaseStatus, Deferral, DeferralTarget, Disposition
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.cases_api import handler
from tests import builders
from tests.conftest import EVENTS

AGENCY = {"custom:agency_id": "testville"}
COMMAND = AGENCY | {"sub": "sub-command", "cognito:groups": "command"}
RISK_MANAGER = AGENCY | {"sub": "sub-rm", "cognito:groups": "risk_manager"}
SUPERVISOR = AGENCY | {"sub": "sub-s1", "custom:officer_id": "S1", "cognito:groups": "supervisor"}
WELLNESS = AGENCY | {"sub": "sub-well", "cognito:groups": "wellness"}

TODAY = datetime.now(UTC).date()
THIS_MONTH = month_start(TODAY, 0)
LAST_MONTH = month_start(TODAY, 1)

ROSTER = [
    builders.officer("C1", "Casey", "Chief", None, unit="Command"),
    builders.officer("S1", "Sam", "Sergeant", "C1", unit="Patrol North"),
    builders.officer("S2", "Sky", "Sergeant", "C1", unit="Patrol South"),
    builders.officer("A1", "Jordan", "Whitfield", "S1", unit="Patrol North"),
    builders.officer("A2", "Morgan", "Castellano", "S1", unit="Patrol North"),
    builders.officer("A3", "Riley", "Okafor", "S2", unit="Patrol South"),
    builders.officer("A4", "Avery", "Lindqvist", "S2", unit="Patrol South"),
    builders.officer("A5", "Quinn", "Marsh", "S2", unit="Patrol South"),
]


def _at(first_of_month: date, hour: int = 6) -> datetime:
    return datetime(first_of_month.year, first_of_month.month, first_of_month.day, hour, tzinfo=UTC)


def _alert(alert_id: str, officer_id: str, at: datetime, status: AlertStatus, case_id: str | None = None) -> Alert:
    return builders.alert(officer_id, alert_id=alert_id, created_at=at, as_of=at.date(), status=status, case_id=case_id)


def _case(adapters: Adapters, case_id: str, officer_id: str, due_in_days: int, **fields: Any) -> None:
    adapters.cases.create_case(
        builders.case(case_id, officer_id, alert_ids=[], review_due_on=TODAY + timedelta(days=due_in_days), **fields)
    )


@pytest.fixture
def adapters(settings: LocalSettings) -> Iterator[Adapters]:
    """Given five open cases in three units (one deferred) and seven alerts over this month and the last."""
    handler._service.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(ROSTER, upload_id="upload-roster")
    # Closed cases first: an officer has one open case at a time.
    _case(built, "case-c1", "A5", -20)
    builders.move_stored(built.cases, "case-c1", CaseStatus.CLOSED, disposition=Disposition.FALSE_POSITIVE)
    _case(built, "case-c2", "A3", -50)
    builders.move_stored(built.cases, "case-c2", CaseStatus.CLOSED, disposition=Disposition.INTERVENTION_COMPLETED)
    _case(built, "case-a1", "A1", -3)  # Patrol North, 3 days overdue
    _case(built, "case-a2", "A2", -40)  # Patrol North, 40 days overdue
    builders.move_stored(built.cases, "case-a2", CaseStatus.IN_REVIEW)
    _case(built, "case-a3", "A3", 5)  # Patrol South, due in 5 days
    _case(built, "case-a4", "A4", -10)  # Patrol South, 10 days overdue, deferred
    _case(built, "case-z9", "Z9", -1)  # an officer no longer on the roster, 1 day overdue
    built.cases.put_deferral(
        Deferral(
            target=DeferralTarget.OFFICER,
            target_id="A4",
            officer_id="A4",
            reason="Investigation under way.",
            review_on=TODAY + timedelta(days=30),
            deferred_at=datetime.now(UTC),
            deferred_by="sub-rm",
            deferred_by_role="risk_manager",
        )
    )
    for alert in [
        _alert("alert-m0-new", "A1", _at(THIS_MONTH, 0), AlertStatus.NEW),
        _alert("alert-m0-dismissed", "A2", _at(THIS_MONTH), AlertStatus.DISMISSED),
        _alert("alert-m0-closed", "A5", _at(THIS_MONTH), AlertStatus.CASE_CLOSED, "case-c1"),
        _alert("alert-m0-case", "A1", _at(THIS_MONTH, 1), AlertStatus.CASE_OPENED, "case-a1"),
        _alert("alert-m1-closed", "A3", _at(LAST_MONTH), AlertStatus.CASE_CLOSED, "case-c2"),
        _alert("alert-m1-merged", "A2", _at(LAST_MONTH), AlertStatus.MERGED, "case-a2"),
        _alert("alert-m1-deferred", "A4", _at(LAST_MONTH, 7), AlertStatus.NEW),
        _alert("alert-old", "A1", _at(month_start(TODAY, 30)), AlertStatus.NEW),  # before any period
    ]:
        built.alerts.create_alert(alert)
    yield built
    handler._service.cache_clear()


def call(claims: dict[str, str], query: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    event = copy.deepcopy(json.loads((EVENTS / "apigw_list_uploads.json").read_text()))
    event["path"] = "/reports/command"
    event["pathParameters"] = {"proxy": "reports/command"}
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    event["requestContext"]["authorizer"]["claims"] = claims
    response = handler.lambda_handler(event, LocalLambdaContext(function_name="eis-testville-cases-api"))
    return response["statusCode"], json.loads(response["body"] or "null")


def _closed(**counts: int) -> dict[str, int]:
    return {each.value: counts.get(each.value, 0) for each in Disposition}


def test_a_risk_manager_sees_overdue_cases_by_unit_most_overdue_first(adapters: Adapters) -> None:
    status, body = call(RISK_MANAGER)

    assert status == 200
    assert body["today"] == TODAY.isoformat() and body["deferred_hidden"] is False
    assert [(u["unit"], u["open_cases"], u["overdue"], u["most_days_overdue"]) for u in body["units"]] == [
        ("Patrol North", 2, 2, 40),
        ("Patrol South", 2, 1, 10),
        ("Not on the roster", 1, 1, 1),
    ]
    north, south, _ = body["units"]
    assert (north["overdue_1_to_7_days"], north["overdue_8_to_30_days"], north["overdue_over_30_days"]) == (1, 0, 1)
    assert (south["overdue_1_to_7_days"], south["overdue_8_to_30_days"], south["overdue_over_30_days"]) == (0, 1, 0)
    assert body["truncated"] is False and body["truncated_listings"] == []


def test_alerts_per_month_show_how_each_ended_with_closed_cases_by_disposition(adapters: Adapters) -> None:
    status, body = call(RISK_MANAGER, {"months": "3"})

    assert status == 200
    assert body["period_from"] == month_start(TODAY, 2).isoformat()
    months = {m["month"]: m for m in body["alert_months"]}
    assert list(months) == [month_start(TODAY, back).strftime("%Y-%m") for back in (2, 1, 0)]
    this, last = months[THIS_MONTH.strftime("%Y-%m")], months[LAST_MONTH.strftime("%Y-%m")]
    before = body["alert_months"][0]
    assert (this["raised"], this["awaiting_review"], this["dismissed"], this["case_open"], this["case_closed"]) == (
        4, 1, 1, 1, 1,
    )  # fmt: skip
    assert this["closed_by_disposition"] == _closed(false_positive=1)
    assert (last["raised"], last["awaiting_review"], last["case_open"], last["case_closed"]) == (3, 1, 1, 1)
    assert last["closed_by_disposition"] == _closed(intervention_completed=1)
    assert before["raised"] == 0 and before["closed_by_disposition"] == _closed()
    # The alert raised 30 months ago is outside every period (the index is read from the period's start)
    status, longest = call(RISK_MANAGER, {"months": "24"})
    assert status == 200 and sum(m["raised"] for m in longest["alert_months"]) == 7


def test_command_staff_read_it_without_what_is_deferred_and_it_is_audited_as_a_read(adapters: Adapters) -> None:
    status, body = call(COMMAND, {"months": "2"})

    assert status == 200 and body["deferred_hidden"] is True
    assert [(u["unit"], u["open_cases"], u["overdue"]) for u in body["units"]] == [
        ("Patrol North", 2, 2),
        ("Not on the roster", 1, 1),
        ("Patrol South", 1, 0),
    ]
    last = body["alert_months"][0]
    assert (last["raised"], last["awaiting_review"]) == (2, 0)  # A4's alert is deferred
    text = json.dumps(body)
    assert not any(officer.last_name in text or officer.officer_id in text for officer in ROSTER[3:])
    record = adapters.audit.records(since_seq=0, limit=1000)[-1]
    assert record.action == "api.get./reports/command" and record.outcome is AuditOutcome.SUCCESS
    assert record.detail["query"] == {"months": "2"}


@pytest.mark.parametrize("claims", [SUPERVISOR, WELLNESS], ids=["supervisor", "wellness"])
def test_supervisors_and_the_wellness_coordinator_are_refused_and_that_is_audited(
    adapters: Adapters, claims: dict[str, str]
) -> None:
    status, body = call(claims)

    assert status == 403 and "command staff" in body["message"]
    record = adapters.audit.records(since_seq=0, limit=1000)[-1]
    assert record.action == "api.get./reports/command" and record.outcome is AuditOutcome.DENIED


def test_a_period_outside_one_to_24_months_is_refused(adapters: Adapters) -> None:
    assert call(RISK_MANAGER, {"months": "25"})[0] == 422
    assert call(RISK_MANAGER, {"months": "0"})[0] == 422


def test_a_listing_cut_at_its_bound_says_so(adapters: Adapters, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given listings bounded to one page of one item
    monkeypatch.setattr(command, "PAGE_SIZE", 1)
    monkeypatch.setattr(command, "MAX_PAGES", 1)

    status, body = call(RISK_MANAGER, {"months": "3"})

    assert status == 200 and body["truncated"] is True
    assert {"open_cases.open", "alerts.new", "alerts.case_closed", "closed_cases"} <= set(body["truncated_listings"])
    assert "open_cases.in_review" not in body["truncated_listings"]  # one item: read whole
    assert sum(u["open_cases"] for u in body["units"]) < 5
