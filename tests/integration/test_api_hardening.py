"""Malformed requests answer a documented 4xx; every response, errors and denials included, carries the headers."""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from eis_core.models.alerts import AlertLevel
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.cases_api import handler
from tests.conftest import EVENTS
from tests.integration.test_cases_api import ALERT_A, ROSTER, _alert

PORTAL = "http://127.0.0.1:8080"
EXPECTED_HEADERS = {
    "Cache-Control": ["no-store"],
    "X-Content-Type-Options": ["nosniff"],
    "Strict-Transport-Security": ["max-age=63072000; includeSubDomains"],
    "Content-Security-Policy": ["default-src 'none'; frame-ancestors 'none'"],
}
LATIN1_BASE64 = base64.b64encode('{"text": "caf\xe9"}'.encode("latin-1")).decode()
ROUTE_EVENTS = sorted(p.name for p in EVENTS.glob("apigw_*.json"))


@pytest.fixture
def adapters(settings: LocalSettings) -> Iterator[Adapters]:
    handler._service.cache_clear()
    handler._settings.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(ROSTER, upload_id="upload-roster")
    built.alerts.create_alert(_alert("A1001", AlertLevel.WARNING))
    yield built
    handler._service.cache_clear()
    handler._settings.cache_clear()


def send(event_file: str, **changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(json.loads((EVENTS / event_file).read_text()))
    headers = changes.pop("headers", None)
    if headers is not None:
        event["headers"] = {k: v for k, v in event["headers"].items() if k.lower() != "content-type"} | headers
        event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    event |= changes
    response: dict[str, Any] = handler.lambda_handler(
        event, LocalLambdaContext(function_name="eis-testville-cases-api")
    )
    return response


def note(body: Any, content_type: str | None = "application/json", *, b64: bool = False) -> dict[str, Any]:
    headers = {"Content-Type": content_type} if content_type is not None else {}
    return send("apigw_add_note.json", body=body, isBase64Encoded=b64, headers=headers)


def status_and_error(response: dict[str, Any]) -> tuple[int, str]:
    return response["statusCode"], json.loads(response["body"])["error"]


@pytest.mark.parametrize(
    ("body", "content_type", "b64", "expected"),
    [
        ('{"text": "x"}', "text/plain", False, (415, "unsupported_media_type")),
        ('{"text": "x"}', None, False, (415, "unsupported_media_type")),
        ('{"text": "x"}', "application/json; charset=latin-1", False, (415, "unsupported_media_type")),
        ("!!not base64!!", "application/json", True, (400, "bad_request")),
        (
            base64.b64encode('{"text": "caf\xe9"}'.encode("latin-1")).decode(),
            "application/json",
            True,
            (400, "bad_request"),
        ),
        ("[" * 40 + "]" * 40, "application/json", False, (400, "bad_request")),
        ("[" * 60_000 + "]" * 60_000, "application/json", False, (400, "bad_request")),
        (json.dumps({"text": "x" * 200_000}), "application/json", False, (413, "request_entity_too_large")),
        ("{", "application/json", False, (422, "unprocessable_entity")),
    ],
)
def test_a_malformed_body_answers_a_documented_4xx(
    adapters: Adapters, body: str, content_type: str | None, b64: bool, expected: tuple[int, str]
) -> None:
    response = note(body, content_type, b64=b64)

    assert status_and_error(response) == expected
    assert EXPECTED_HEADERS.items() <= response["multiValueHeaders"].items()


@pytest.mark.parametrize("content_type", ["APPLICATION/JSON", "Application/Json; Charset=UTF-8", "application/json"])
def test_json_in_any_case_is_accepted_and_base64_utf8_too(adapters: Adapters, content_type: str) -> None:
    opened = send("apigw_open_case.json", path=f"/alerts/{ALERT_A}/case")
    case_id = json.loads(opened["body"])["case_id"]
    path = f"/cases/{case_id}/notes"

    plain = send(
        "apigw_add_note.json", path=path, body='{"text": "checked in"}', headers={"Content-Type": content_type}
    )
    encoded = send(
        "apigw_add_note.json",
        path=path,
        body=base64.b64encode('{"text": "café"}'.encode()).decode(),
        isBase64Encoded=True,
        headers={"Content-Type": content_type},
    )

    assert (plain["statusCode"], encoded["statusCode"]) == (201, 201)


@pytest.mark.parametrize("event_file", ROUTE_EVENTS)
@pytest.mark.parametrize(
    "claims",
    [
        None,  # as recorded: a caller of the event's role
        {},  # no claims: 401
        {"sub": "x", "cognito:groups": "admin", "custom:agency_id": "otherville"},  # another agency: 403
    ],
)
def test_every_route_and_denial_carries_the_security_headers_and_portal_only_cors(
    adapters: Adapters, event_file: str, claims: dict[str, str] | None
) -> None:
    event = json.loads((EVENTS / event_file).read_text())
    changes: dict[str, Any] = {}
    if claims is not None:
        changes["requestContext"] = event["requestContext"] | {"authorizer": {"claims": claims}}

    from_portal = send(event_file, headers={"Origin": PORTAL} | _content_type(event), **changes)
    from_elsewhere = send(event_file, headers={"Origin": "https://evil.example"} | _content_type(event), **changes)

    for response in (from_portal, from_elsewhere):
        assert response["statusCode"] < 500
        assert EXPECTED_HEADERS.items() <= response["multiValueHeaders"].items()
    if claims == {}:
        assert from_portal["statusCode"] == 401
    assert from_portal["multiValueHeaders"]["Access-Control-Allow-Origin"] == [PORTAL]
    assert "Access-Control-Allow-Origin" not in from_elsewhere["multiValueHeaders"]


def _content_type(event: dict[str, Any]) -> dict[str, str]:
    found = {k: v for k, v in event["headers"].items() if k.lower() == "content-type"}
    return found


def test_a_rejected_request_is_still_audited(adapters: Adapters) -> None:
    note('{"text": "x"}', "text/plain")

    [record] = [r for r in adapters.audit.records(limit=1000) if r.detail.get("status_code") == 415]
    assert record.outcome.value == "failed"


def test_a_corrupt_stored_alert_or_audit_item_is_reported_not_a_500(
    adapters: Adapters, settings: LocalSettings
) -> None:
    dynamodb = boto3.client("dynamodb")
    dynamodb.update_item(
        TableName=settings.alerts_table,
        Key={"alert_id": {"S": ALERT_A}},
        UpdateExpression="SET body = :b",
        ExpressionAttributeValues={":b": {"S": "{not json"}},
    )
    send("apigw_list_alerts.json")  # leaves audit records 1..n
    dynamodb.update_item(
        TableName=settings.audit_table,
        Key={"chain": {"S": settings.agency_id}, "seq": {"N": "1"}},
        UpdateExpression="SET detail = :d",
        ExpressionAttributeValues={":d": {"S": "{"}},
    )

    listing = send("apigw_list_alerts.json")
    one = send("apigw_get_alert.json", path=f"/alerts/{ALERT_A}")
    audit = send("apigw_audit.json")

    assert status_and_error(listing) == (409, "conflict") and ALERT_A in listing["body"]
    assert status_and_error(one) == (409, "conflict")
    page = json.loads(audit["body"])
    assert audit["statusCode"] == 200
    assert page["chain_valid"] is False and "record 1 cannot be read" in page["chain_problem"]
