"""Schema-driven fuzzing of the case API: requests generated from the committed OpenAPI, sent in process.

Hypothesis draws, for every documented operation, path and query values (valid by the schema, or
not), bodies (valid, random JSON, deeply nested, oversized, undecodable), media types (any case, wrong
type, wrong charset, none), base64 flags and callers of every role (and none, and another agency's).
Every response must be a documented status for its route, never a 5xx, and carry the security headers.
"""

from __future__ import annotations

import base64
import copy
import json
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eis_core.models.alerts import AlertLevel
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.cases_api import handler
from tests.conftest import AGENCY_ID, EVENTS
from tests.integration.test_cases_api import ALERT_A, ROSTER, _alert

OPENAPI = json.loads((Path(__file__).resolve().parents[2] / "functions" / "cases_api" / "openapi.json").read_text())
OPERATIONS = [
    (method.upper(), path, operation)
    for path, operations in sorted(OPENAPI["paths"].items())
    for method, operation in sorted(operations.items())
]
SECURITY_HEADERS = {"Cache-Control", "X-Content-Type-Options", "Strict-Transport-Security", "Content-Security-Policy"}
PORTAL = "http://127.0.0.1:8080"
MAX_EXAMPLES = 700
SENT: Counter[str] = Counter()

ROLE_CLAIMS: list[dict[str, str] | None] = [
    {"sub": "sub-rm", "cognito:groups": "[risk_manager]", "custom:agency_id": AGENCY_ID},
    {"sub": "sub-admin", "cognito:groups": "admin", "custom:agency_id": AGENCY_ID},
    {"sub": "sub-aud", "cognito:groups": '["auditor"]', "custom:agency_id": AGENCY_ID},
    {"sub": "sub-s1", "cognito:groups": "supervisor", "custom:officer_id": "S1", "custom:agency_id": AGENCY_ID},
    {"sub": "sub-none", "custom:agency_id": AGENCY_ID},  # no EIS role
    {"sub": "sub-other", "cognito:groups": "admin", "custom:agency_id": "otherville"},
    None,  # no claims at all
]

text = st.text(st.characters(codec="utf-8"), max_size=40)
path_value = st.one_of(
    st.sampled_from([ALERT_A, "2024-06-01-A2002", "CASE-1", "upload-1", "%2e%2e", "..", "a" * 129, " "]),
    st.text(st.characters(codec="utf-8", exclude_characters="/"), min_size=1, max_size=140),
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
MEDIA_TYPES = [
    "application/json",
    "APPLICATION/JSON",
    "Application/Json; charset=UTF-8",
    "application/json; charset=latin-1",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "",
    None,
]


def _schema_value(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    """A query value valid by ``schema`` (as text), often just outside it."""
    if schema.get("type") == "integer":
        low, high = int(schema.get("minimum", -(10**6))), int(schema.get("maximum", 10**6))
        return st.one_of(st.integers(low, high), st.integers(low - 5, high + 5), st.integers()).map(str)
    if "anyOf" in schema:  # the AlertStatus enum or null
        enum = OPENAPI["components"]["schemas"]["AlertStatus"]["enum"]
        return st.sampled_from(enum)
    return text


@st.composite
def body_of(draw: st.DrawFn) -> tuple[str | None, bool, str | None]:
    """(body, isBase64Encoded, Content-Type)."""
    kind = draw(st.sampled_from(["note", "json", "deep", "big", "latin1", "bad-b64", "b64", "none", "garbage"]))
    content_type = draw(st.sampled_from(MEDIA_TYPES))
    if kind == "note":
        return json.dumps({"text": draw(text)}), False, content_type
    if kind == "json":
        return json.dumps(draw(json_value)), False, content_type
    if kind == "deep":
        depth = draw(st.integers(20, 5000))
        return "[" * depth + "]" * depth, False, content_type
    if kind == "big":
        return json.dumps({"text": "x" * draw(st.integers(100_000, 300_000))}), False, content_type
    if kind == "latin1":
        return base64.b64encode('{"text": "caf\xe9"}'.encode("latin-1")).decode(), True, content_type
    if kind == "bad-b64":
        return draw(text) + "!", True, content_type
    if kind == "b64":
        return base64.b64encode(json.dumps({"text": draw(text)}).encode()).decode(), True, content_type
    if kind == "garbage":
        return draw(text), False, content_type
    return None, False, content_type


@st.composite
def request(draw: st.DrawFn) -> tuple[dict[str, Any], set[int]]:
    """An API Gateway proxy event for one documented operation, and the statuses it may answer."""
    method, template, operation = draw(st.sampled_from(OPERATIONS))
    path = template
    query: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            path = path.replace("{" + parameter["name"] + "}", draw(path_value))
        elif draw(st.booleans()):
            query[parameter["name"]] = draw(st.one_of(_schema_value(parameter["schema"]), text))
    if draw(st.integers(0, 9)) == 0:
        query[draw(text)] = draw(text)  # an undocumented parameter
    body, b64, content_type = (
        draw(body_of())
        if "requestBody" in operation or draw(st.integers(0, 4)) == 0
        else (
            None,
            False,
            "application/json",
        )
    )
    claims = draw(st.sampled_from(ROLE_CLAIMS))
    event = copy.deepcopy(BASE_EVENT)
    headers = {k: v for k, v in event["headers"].items() if k.lower() != "content-type"}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if draw(st.booleans()):
        headers["Origin"] = draw(st.sampled_from([PORTAL, "https://evil.example", "null"]))
    event |= {
        "path": path,
        "httpMethod": method,
        "pathParameters": {"proxy": path.lstrip("/")},
        "queryStringParameters": query or None,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} or None,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "body": body,
        "isBase64Encoded": b64,
    }
    event["requestContext"] = event["requestContext"] | {"httpMethod": method, "path": "/v1" + path}
    event["requestContext"]["authorizer"] = {"claims": claims} if claims is not None else {}
    return event, {int(code) for code in operation["responses"]}


BASE_EVENT = json.loads((EVENTS / "apigw_list_alerts.json").read_text())


@pytest.fixture
def agency(settings: LocalSettings) -> Iterator[Adapters]:
    handler._service.cache_clear()
    handler._settings.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(ROSTER, upload_id="upload-roster")
    built.alerts.create_alert(_alert("A1001", AlertLevel.WARNING))
    yield built
    handler._service.cache_clear()
    handler._settings.cache_clear()


def test_generated_requests_answer_only_documented_statuses_never_5xx(agency: Adapters) -> None:
    started = time.perf_counter()
    context = LocalLambdaContext(function_name="eis-testville-cases-api")

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(request())
    def one(drawn: tuple[dict[str, Any], set[int]]) -> None:
        event, documented = drawn
        response = handler.lambda_handler(copy.deepcopy(event), context)
        status = int(response["statusCode"])
        SENT[f"{event['httpMethod']} {status}"] += 1
        assert status < 500, (status, response["body"], event["path"], event.get("body", "")[:200])
        assert status in documented, (status, response["body"], event["httpMethod"], event["path"])
        headers = {k for k in response.get("multiValueHeaders", {})} | set(response.get("headers") or {})
        assert headers >= SECURITY_HEADERS
        origin = event["headers"].get("Origin")
        allowed = response["multiValueHeaders"].get("Access-Control-Allow-Origin")
        assert allowed == ([PORTAL] if origin == PORTAL else None)

    one()
    sent = sum(SENT.values())
    print(f"\ncase API fuzz: {sent} requests in {time.perf_counter() - started:.1f} s; {dict(sorted(SENT.items()))}")
    assert sent >= MAX_EXAMPLES
