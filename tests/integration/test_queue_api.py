"""The caller's queue, case lists, ETag / If-Match and Idempotency-Key: the case API on moto, in process."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from eis_core.models.alerts import AlertStatus
from eis_core.models.audit import AuditRecord
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.cases_api import handler
from tests import builders
from tests.builders import officer as _officer
from tests.conftest import EVENTS

TODAY = datetime.now(UTC).date()
SUPERVISOR_S2 = {"sub": "sub-s2", "custom:officer_id": "S2", "cognito:groups": "supervisor"}
OTHER_RISK = {"sub": "sub-risk-2"}
ROSTER = [
    _officer("C1", "Casey", "Chief", None),
    _officer("S1", "Sam", "Sergeant", "C1"),
    _officer("S2", "Sky", "Sergeant", "C1"),
    *[_officer(f"A{n:02d}", "Pat", f"Officer{n}", "S1" if n % 2 else "S2") for n in range(1, 13)],
]


@pytest.fixture
def adapters(settings: LocalSettings) -> Iterator[Adapters]:
    """Given twelve officers (odd numbers under S1, even under S2) and a new alert for each."""
    handler._service.cache_clear()
    handler._idempotent_posts.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(ROSTER, upload_id="upload-roster")
    for n in range(1, 13):
        built.alerts.create_alert(builders.alert(f"A{n:02d}"))
    yield built
    handler._service.cache_clear()
    handler._idempotent_posts.cache_clear()


def request(
    method: str,
    path: str,
    *,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    claims: dict[str, str] | None = None,
    body: Any = None,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """Invoke the handler; returns status, JSON body and the response headers."""
    event = copy.deepcopy(json.loads((EVENTS / "apigw_list_alerts.json").read_text()))  # a risk manager
    if body is not None:
        headers = {"Content-Type": "application/json"} | (headers or {})
    event |= {"httpMethod": method, "path": path, "pathParameters": {"proxy": path.lstrip("/")}}
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    for name, value in (headers or {}).items():
        event["headers"][name] = value
        event["multiValueHeaders"][name] = [value]
    if claims:
        event["requestContext"]["authorizer"]["claims"].update(claims)
    event["body"] = None if body is None else json.dumps(body)
    response = handler.lambda_handler(event, LocalLambdaContext(function_name="eis-testville-cases-api"))
    response_headers = {name: values[-1] for name, values in (response.get("multiValueHeaders") or {}).items()}
    return response["statusCode"], json.loads(response["body"] or "null"), response_headers


def open_case(alert_id: str, **kwargs: Any) -> dict[str, Any]:
    status, body, _ = request("POST", f"/alerts/{alert_id}/case", **kwargs)
    assert status == 201, body
    return body


def case_due(adapters: Adapters, n: int, due: date) -> dict[str, str]:
    """A case for officer A<n> opened from its alert, with its review due on ``due`` (stored directly:
    the API sets review dates from the agency's review period only)."""
    officer_id, alert_id = f"A{n:02d}", f"2024-06-01-A{n:02d}"
    case_id = f"case-{officer_id}"
    stored = builders.case(
        case_id,
        officer_id,
        alert_ids=[alert_id],
        supervisor_id="S1" if n % 2 else "S2",
        opened_at=datetime.now(UTC),
        review_due_on=due,
    )
    adapters.cases.create_case(stored)
    adapters.alerts.set_status(alert_id, AlertStatus.CASE_OPENED, case_id=case_id)
    return {"case_id": case_id, "officer_id": officer_id}


def change_records(adapters: Adapters, action: str) -> list[AuditRecord]:
    return [r for r in adapters.audit.records(since_seq=0, limit=1000) if r.action == action]


def walk(path: str, *, page: int, query: dict[str, str] | None = None, key: str) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(50):
        params = {"limit": str(page), **(query or {})} | ({"cursor": cursor} if cursor else {})
        status, body, _ = request("GET", path, query=params)
        assert status == 200, body
        listed = body["alerts" if path == "/alerts" else "cases"]
        assert len(listed) <= page
        seen += [item[key] for item in listed]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError("the cursor never ended")


def test_alerts_page_through_every_status_without_duplicates_or_gaps(adapters: Adapters) -> None:
    # Given twelve alerts created at the same moment, three of them with a case opened
    for n in (3, 6, 9):
        open_case(f"2024-06-01-A{n:02d}")

    # When a risk manager walks the alerts five at a time
    seen = walk("/alerts", page=5, key="alert_id")

    # Then every alert shows up exactly once
    assert sorted(seen) == sorted(f"2024-06-01-A{n:02d}" for n in range(1, 13))
    assert len(seen) == len(set(seen))


def test_a_cursor_that_was_not_made_by_the_api_is_refused_with_422(adapters: Adapters) -> None:
    for cursor in ("not-a-cursor", "eyJsIjoiY2FzZXMifQ", "e30"):
        status, body, _ = request("GET", "/alerts", query={"cursor": cursor})
        assert status == 422, body
        assert "cursor" in body["message"]
    status, first, _ = request("GET", "/alerts", query={"limit": "2"})
    status, body, _ = request("GET", "/cases", query={"cursor": first["next_cursor"]})
    assert status == 422


def test_cases_page_by_review_date_and_filter_by_supervisor_and_overdue(adapters: Adapters) -> None:
    # Given eight cases, due on four different days, two of them overdue
    cases = [case_due(adapters, n, TODAY + timedelta(days=(n - 1) % 4 - 2)) for n in range(1, 9)]

    # When the risk manager walks all cases three at a time
    seen = walk("/cases", page=3, key="case_id")
    # Then each case comes once, in review-date order
    assert sorted(seen) == sorted(case["case_id"] for case in cases)
    _, listed, _ = request("GET", "/cases", query={"limit": "200"})
    dues = [case["review_due_on"] for case in listed["cases"]]
    assert dues == sorted(dues)

    # And the filters narrow the list
    _, overdue, _ = request("GET", "/cases", query={"overdue": "true"})
    assert overdue["count"] == 4 and all(case["overdue"] for case in overdue["cases"])
    _, not_overdue, _ = request("GET", "/cases", query={"overdue": "false"})
    assert not_overdue["count"] == 4 and not any(case["overdue"] for case in not_overdue["cases"])
    _, s2, _ = request("GET", "/cases", query={"supervisor_id": "S2"})
    assert {case["officer_id"] for case in s2["cases"]} == {"A02", "A04", "A06", "A08"}
    _, one, _ = request("GET", "/cases", query={"officer_id": "A05", "status": "open"})
    assert [case["officer_id"] for case in one["cases"]] == ["A05"]
    _, none, _ = request("GET", "/cases", query={"status": "closed"})
    assert none["cases"] == []


def test_the_queue_puts_overdue_cases_first_and_keeps_a_supervisor_to_their_chain(adapters: Adapters) -> None:
    # Given cases for A01..A04, A04's review overdue by a week, A02's due in a month
    for n, days in ((1, 14), (2, 30), (3, 14), (4, -7)):
        case_due(adapters, n, TODAY + timedelta(days=days))

    # When the risk manager and then supervisor S2 (A02, A04, A06, ...) open their queues
    status, everything, _ = request("GET", "/queue")
    _, mine, _ = request("GET", "/queue", claims=SUPERVISOR_S2)

    # Then the overdue case comes first, and alerts without a case wait beside the cases
    assert status == 200
    order = [c["officer_id"] for c in everything["cases"]["cases"]]
    assert order[0] == "A04" and order[-1] == "A02" and sorted(order) == ["A01", "A02", "A03", "A04"]
    assert everything["cases"]["cases"][0]["overdue"] is True
    assert everything["overdue_cases"] == 1
    assert {a["officer_id"] for a in everything["alerts"]["alerts"]} == {f"A{n:02d}" for n in range(5, 13)}
    assert [c["officer_id"] for c in mine["cases"]["cases"]] == ["A04", "A02"]
    assert {a["officer_id"] for a in mine["alerts"]["alerts"]} == {"A06", "A08", "A10", "A12"}
    assert mine["checkins_due"] == [] and mine["handoffs_to_acknowledge"] == []


def test_a_stale_if_match_gets_412_and_changes_nothing(adapters: Adapters) -> None:
    # Given a case both the risk manager and a colleague read (same ETag)
    case_id = open_case("2024-06-01-A01")["case_id"]
    status, _, headers = request("GET", f"/cases/{case_id}")
    etag = headers["ETag"]
    assert status == 200 and etag

    # When the colleague adds a note with that ETag, it is accepted and the ETag moves on
    status, _, _ = request("POST", f"/cases/{case_id}/notes", headers={"If-Match": etag}, body={"text": "Spoke."})
    assert status == 201
    _, _, after = request("GET", f"/cases/{case_id}")
    assert after["ETag"] != etag

    # Then the risk manager's move with the old ETag answers 412, and the case is unchanged
    move = {"to": "in_review", "reason": "Reviewing the reports."}
    status, body, _ = request("POST", f"/cases/{case_id}/transitions", headers={"if-match": etag}, body=move)
    assert status == 412, body
    _, case, headers = request("GET", f"/cases/{case_id}")
    assert case["status"] == "open" and len(case["notes"]) == 1
    assert headers["ETag"] == after["ETag"]
    assert len(change_records(adapters, "case.transition")) == 0

    # And with the current ETag the move goes through; without If-Match a note still works
    status, moved, _ = request("POST", f"/cases/{case_id}/transitions", headers={"If-Match": after["ETag"]}, body=move)
    assert status == 200 and moved["status"] == "in_review"
    status, _, _ = request("POST", f"/cases/{case_id}/notes", body={"text": "Another."})
    assert status == 201


def test_a_stale_if_match_on_an_alert_gets_412(adapters: Adapters) -> None:
    _, _, headers = request("GET", "/alerts/2024-06-01-A01")
    adapters.alerts.set_status("2024-06-01-A01", AlertStatus.DISMISSED, case_id=None)
    status, _, _ = request("POST", "/alerts/2024-06-01-A01/case", headers={"If-Match": headers["ETag"]})
    assert status == 412
    assert adapters.cases.open_case_for("A01") is None


def test_a_replayed_idempotency_key_gives_the_same_answer_and_one_change(adapters: Adapters) -> None:
    # Given a case, and a note sent with an Idempotency-Key
    case_id = open_case("2024-06-01-A01")["case_id"]
    key = {"Idempotency-Key": "note-7f3a"}
    first = request("POST", f"/cases/{case_id}/notes", headers=key, body={"text": "Met the officer."})

    # When the client retries it (a lost response), and another user happens to use the same key
    again = request("POST", f"/cases/{case_id}/notes", headers=key, body={"text": "Met the officer."})
    other = request(
        "POST", f"/cases/{case_id}/notes", headers=key, claims=OTHER_RISK, body={"text": "Met the officer."}
    )

    # Then the retry answers exactly as the first time, and only one note and one change record exist
    assert first[0] == again[0] == 201
    assert again[1] == first[1]
    assert other[0] == 201 and other[1]["note_id"] != first[1]["note_id"]
    _, case, _ = request("GET", f"/cases/{case_id}")
    assert len(case["notes"]) == 2
    assert len(change_records(adapters, "case.note")) == 2

    # And the same key with another body is refused, changing nothing
    status, body, _ = request("POST", f"/cases/{case_id}/notes", headers=key, body={"text": "Something else."})
    assert status == 422 and "Idempotency-Key" in body["message"]
    assert len(change_records(adapters, "case.note")) == 2


def test_opening_a_case_twice_with_one_idempotency_key_opens_one_case(adapters: Adapters) -> None:
    key = {"Idempotency-Key": "open-a01"}
    first = request("POST", "/alerts/2024-06-01-A01/case", headers=key)
    again = request("POST", "/alerts/2024-06-01-A01/case", headers=key)

    assert first[0] == again[0] == 201
    assert first[1] == again[1]
    assert first[2]["ETag"] == again[2]["ETag"]
    assert len(change_records(adapters, "case.open")) == 1
    # without the key the same request is a conflict, as before
    assert request("POST", "/alerts/2024-06-01-A01/case")[0] == 409


def test_bad_idempotency_keys_are_refused(adapters: Adapters) -> None:
    status, body, _ = request("POST", "/alerts/2024-06-01-A01/case", headers={"Idempotency-Key": "x" * 300})
    assert status == 422, body
    assert adapters.cases.open_case_for("A01") is None
