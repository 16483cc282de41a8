"""The local gateway applies API Gateway's limits before the function runs, and answers concurrently.

Each test starts the gateway on an ephemeral port in this process, in front of a stand-in handler
(``local_gateway_stub``), and talks to it over a socket as a client would.
"""

from __future__ import annotations

import http.client
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from aws_lambda_powertools.event_handler import CORSConfig

from eis_tools.local.environments import ExecutionEnvironments
from eis_tools.local.gateway import LocalApiGateway
from eis_tools.local.gateway_limits import (
    API_GATEWAY_MAX_BODY,
    DEFAULT_BURST_LIMIT,
    DEFAULT_RATE_LIMIT,
    GatewayLimits,
    TokenBucket,
)
from tests.local_gateway_state import STATE, StubState

PORTAL = "https://portal.testville.example.gov"
TOKEN = {"Authorization": "Bearer good"}


class _Authorizer:
    def claims(self, authorization: str | None) -> dict[str, str] | None:
        return {"sub": "user-1"} if authorization == "Bearer good" else None


@pytest.fixture
def state() -> StubState:
    return STATE.reset()


@contextmanager
def _gateway(limits: GatewayLimits | None = None, *, concurrency: int = 2) -> Iterator[LocalApiGateway]:
    gateway = LocalApiGateway(
        ExecutionEnvironments("tests.local_gateway_stub", limit=concurrency),
        _Authorizer(),
        function_name="testville-cases-api",
        limits=limits or GatewayLimits(),
        cors=CORSConfig(allow_origin=PORTAL, allow_headers=["If-Match", "Idempotency-Key"], max_age=600),
    )
    gateway.start()
    try:
        yield gateway
    finally:
        gateway.stop()


def _request(
    gateway: LocalApiGateway,
    method: str,
    path: str,
    *,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    host, port = gateway.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def _raw(gateway: LocalApiGateway, data: bytes) -> tuple[int, bytes, bool]:
    """Send bytes as they are; the status, the whole answer, and whether the server then closed."""
    host, port = gateway.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    status = int(received.split(b" ", 2)[1])
    return status, received, True


def test_a_body_over_ten_megabytes_is_refused_with_413_before_it_is_read(state: StubState) -> None:
    # Given a request that declares one byte more than API Gateway's 10 MB payload limit
    request = (
        "POST /cases/c1/notes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n"
        f"Content-Type: application/json\r\nContent-Length: {API_GATEWAY_MAX_BODY + 1}\r\n\r\n"
    )
    with _gateway() as gateway:
        # When it is sent (headers only: the gateway must not wait for the body)
        status, answer, closed = _raw(gateway, request.encode() + b"{")
    # Then the gateway answers 413 itself, says why, and the function never runs
    assert status == 413
    assert b"Request Too Long" in answer
    assert closed and state.calls == []


def test_a_refused_body_still_gets_its_answer_rather_than_a_reset(state: StubState) -> None:
    # Given a gateway with a small body limit and a client that sends its whole (too large) body
    with _gateway(GatewayLimits(max_body=1000)) as gateway:
        status, _, body = _request(gateway, "POST", "/cases/c1/notes", body=b"x" * 50_000, headers=TOKEN)
    # Then the client reads the 413 (the gateway drained the body before closing)
    assert status == 413
    assert json.loads(body)["message"].startswith("Request Too Long")
    assert state.calls == []


@pytest.mark.parametrize(
    ("length_header", "status", "message"),
    [
        ("Content-Length: abc\r\n", 400, b"Content-Length must be a non-negative integer"),
        ("Content-Length: -5\r\n", 400, b"Content-Length must be a non-negative integer"),
        ("Content-Length: 1e3\r\n", 400, b"Content-Length must be a non-negative integer"),
        ("", 411, b"a POST needs a Content-Length"),
        ("Transfer-Encoding: chunked\r\n", 411, b"chunked bodies are not accepted"),
    ],
)
def test_a_request_whose_body_cannot_be_framed_gets_a_clear_4xx_and_a_closed_connection(
    state: StubState, length_header: str, status: int, message: bytes
) -> None:
    # Given a POST with a body whose length is malformed, missing or chunked
    request = f"POST /cases/c1/notes HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n{length_header}\r\n"
    with _gateway() as gateway:
        # When it is sent
        answered, answer, closed = _raw(gateway, request.encode() + b'5\r\n{"a":\r\n0\r\n\r\n')
    # Then it is answered (not dropped) with a status and a message that say what is wrong
    assert answered == status
    assert message in answer
    assert b"Connection: close" in answer and closed
    assert state.calls == []


def test_a_body_shorter_than_its_content_length_is_refused(state: StubState) -> None:
    request = b"POST /x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\nContent-Length: 100\r\n\r\n{}"
    with _gateway() as gateway:
        host, port = gateway.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)  # the client is done: 2 bytes of 100
            answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.0 400")
    assert state.calls == []


def test_a_body_that_stops_arriving_is_answered_408(state: StubState, monkeypatch: pytest.MonkeyPatch) -> None:
    from eis_tools.local import gateway as gateway_module

    monkeypatch.setattr(gateway_module, "REQUEST_READ_SECONDS", 0.2)
    request = b"POST /x HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\nContent-Length: 100\r\n\r\n{}"
    with _gateway() as gateway:
        host, port = gateway.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(request)  # 2 bytes of 100, and the client keeps the connection open
            answer = sock.recv(65536)
    assert answer.startswith(b"HTTP/1.0 408")
    assert state.calls == []


def test_past_the_burst_requests_are_throttled_with_429_and_retry_after(state: StubState) -> None:
    # Given a stage throttle of a burst of 2 and a slow refill
    with _gateway(GatewayLimits(rate_limit=0.01, burst_limit=2)) as gateway:
        # When three requests arrive at once
        answers = [_request(gateway, "GET", "/alerts", headers=TOKEN) for _ in range(3)]
    # Then two reach the function and the third is refused with a time to retry
    assert [status for status, _, _ in answers] == [200, 200, 429]
    _, headers, body = answers[2]
    assert headers["retry-after"] == "100"
    assert json.loads(body) == {"message": "Too Many Requests"}
    assert len(state.calls) == 2


def test_a_throttled_request_with_a_body_still_reads_its_429(state: StubState) -> None:
    with _gateway(GatewayLimits(rate_limit=0.01, burst_limit=1)) as gateway:
        _request(gateway, "GET", "/alerts", headers=TOKEN)
        status, headers, _ = _request(gateway, "POST", "/cases/c1/notes", body=b"x" * 200_000, headers=TOKEN)
    assert status == 429 and "retry-after" in headers
    assert state.calls == ["GET /alerts"]


def test_a_function_that_raises_is_answered_502_not_a_dropped_connection(state: StubState) -> None:
    with _gateway() as gateway:
        status, _, body = _request(gateway, "GET", "/boom", headers=TOKEN)
        after, _, _ = _request(gateway, "GET", "/alerts", headers=TOKEN)
    assert (status, json.loads(body)) == (502, {"message": "Internal server error"})
    assert after == 200  # the environment is still there for the next request


def test_the_token_bucket_refills_at_its_rate() -> None:
    now = [0.0]
    bucket = TokenBucket(rate=10, burst=2, clock=lambda: now[0])
    assert [bucket.take(), bucket.take()] == [0.0, 0.0]
    assert bucket.take() == pytest.approx(0.1)
    now[0] = 0.1  # one token back
    assert bucket.take() == 0.0
    assert bucket.take() > 0


def test_the_gateway_throttles_like_the_deployed_stage_by_default() -> None:
    from infra.config import ApiThrottle

    assert (ApiThrottle().rate_limit, ApiThrottle().burst_limit) == (DEFAULT_RATE_LIMIT, DEFAULT_BURST_LIMIT)
    assert GatewayLimits.from_env({"EIS_LOCAL_RATE_LIMIT": "5", "EIS_LOCAL_BURST_LIMIT": "7"}) == GatewayLimits(
        rate_limit=5, burst_limit=7
    )


def test_a_preflight_from_the_portal_gets_cors_headers_without_a_token(state: StubState) -> None:
    preflight = {
        "Origin": PORTAL,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "if-match",
    }
    with _gateway() as gateway:
        status, headers, body = _request(gateway, "OPTIONS", "/cases/c1/transitions", headers=preflight)
    assert status == 204 and body == b""
    assert headers["access-control-allow-origin"] == PORTAL
    assert "POST" in headers["access-control-allow-methods"].split(",")
    assert "If-Match" in headers["access-control-allow-headers"].split(",")
    assert state.calls == []  # answered by the gateway, as API Gateway's preflight is


def test_a_preflight_from_another_origin_gets_no_cors_headers(state: StubState) -> None:
    preflight = {"Origin": "https://evil.example.com", "Access-Control-Request-Method": "DELETE"}
    with _gateway() as gateway:
        status, headers, _ = _request(gateway, "OPTIONS", "/cases/c1", headers=preflight)
    assert status == 204
    assert not any(name.startswith("access-control-") for name in headers)
    assert state.calls == []


def test_without_a_valid_token_the_function_never_runs(state: StubState) -> None:
    with _gateway() as gateway:
        status, _, body = _request(gateway, "POST", "/cases/c1/notes", body=b"{}", headers={"Authorization": "x"})
    assert status == 401 and json.loads(body) == {"message": "Unauthorized"}
    assert state.calls == []


def test_a_request_within_the_limits_reaches_the_function_with_its_body(state: StubState) -> None:
    with _gateway() as gateway:
        status, _, body = _request(
            gateway,
            "POST",
            "/cases/c1/notes",
            body=b'{"text": "hi"}',
            headers=TOKEN | {"Content-Type": "application/json"},
        )
    assert status == 200
    assert json.loads(body) == {"path": "/cases/c1/notes", "body": '{"text": "hi"}'}
    assert state.calls == ["POST /cases/c1/notes"]


def test_two_requests_are_answered_at_once_by_two_execution_environments(
    state: StubState,
) -> None:
    # Given a gateway with two execution environments
    results: list[int] = []
    with _gateway(concurrency=2) as gateway:
        # When two requests that each wait for the other arrive together
        def one() -> None:
            results.append(_request(gateway, "GET", "/together", headers=TOKEN)[0])

        threads = [threading.Thread(target=one) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    # Then both were inside the function at once, each in its own copy of the handler module
    assert results == [200, 200]
    assert len(state.modules) == 2
    assert "tests.local_gateway_stub" in state.modules


def test_concurrent_requests_through_the_case_api_keep_one_intact_audit_chain() -> None:
    """The real handler in several execution environments, on moto's server (one request per table at a time)."""
    import os

    from eis_core.wiring import aws_adapters
    from eis_tools.local.demo import http_json, serve_case_api
    from eis_tools.local.resources import LocalSettings
    from eis_tools.local.stack import local_stack
    from tests import builders

    # Given an agency on the local stack with two alerts, a risk manager and an auditor
    with local_stack("gwconcurrent") as stack:
        adapters = aws_adapters(LocalSettings.from_env(os.environ))
        adapters.records.put_records(
            [
                builders.officer("S1", "Sam", "Sergeant", None, "sgt@gwconcurrent.example.gov"),
                builders.officer("A1001", "Jordan", "Whitfield", "S1"),
                builders.officer("A2002", "Morgan", "Castellano", "S1"),
            ],
            upload_id="upload-roster",
        )
        for officer_id in ("A1001", "A2002"):
            adapters.alerts.create_alert(builders.alert(officer_id))
        manager = stack.add_user("risk.manager", role="risk_manager").id_token
        auditor = stack.add_user("auditor", role="auditor").id_token
        with serve_case_api(stack) as gateway:
            # When 8 clients send 24 reads and writes at once
            requests = [("GET", "/alerts"), ("GET", "/queue"), ("GET", "/officers/A1001")] * 7
            requests += [("POST", f"/alerts/{builders.alert(o).alert_id}/case") for o in ("A1001", "A2002")]
            requests += [("GET", "/alerts/" + builders.alert("A1001").alert_id)]
            statuses: list[tuple[str, int]] = []

            def client(share: list[tuple[str, str]]) -> None:
                for method, path in share:
                    statuses.append((path, http_json(method, f"{gateway.url}{path}", manager)[0]))

            threads = [threading.Thread(target=client, args=(requests[n::8],)) for n in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(120)
            status, audit = http_json("GET", f"{gateway.url}/audit?limit=1000", auditor)

    # Then every request was answered, each case opened once, and the audit chain holds one record per request
    assert sorted(code for _, code in statuses) == [200] * 22 + [201] * 2
    assert status == 200 and audit["chain_valid"], audit["chain_problem"]
    actions = [record["action"] for record in audit["records"]]
    assert "audit.gap" not in actions
    assert len(audit["records"]) >= 24
