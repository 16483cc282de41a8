"""Serve the case API on localhost the way API Gateway does in AWS.

Each HTTP request is authenticated like the Cognito user-pool authorizer (RS256 signature against the
pool's JWKS, issuer, audience, expiry, ``token_use=id``), then turned into a REST API proxy event
whose ``requestContext.authorizer.claims`` carries the token's claims as strings, and handed to the
same ``functions.cases_api.handler`` that runs in Lambda.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
import time
import uuid
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

import jwt

from eis_tools.local.environments import ExecutionEnvironments, NoEnvironmentAvailable
from eis_tools.local.gateway_limits import (
    API_GATEWAY_MAX_BODY,
    GatewayLimits,
    Refused,
    TokenBucket,
    body_length,
    retry_after,
)
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.oauth import LocalOAuth
from eis_tools.local.portal_site import Answer, PortalSite

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
_log = logging.getLogger(__name__)


class CognitoAuthorizer:
    """Verifies id tokens from one user pool, as API Gateway's COGNITO_USER_POOLS authorizer does."""

    def __init__(self, *, jwks_url: str, issuer: str, client_id: str) -> None:
        self._jwks = jwt.PyJWKClient(jwks_url, cache_keys=True)
        self._issuer = issuer
        self._client_id = client_id

    def claims(self, authorization: str | None) -> dict[str, str] | None:
        """The token's claims as API Gateway forwards them (all strings), or None when unauthorised."""
        if not authorization:
            return None
        token = authorization.removeprefix("Bearer ").strip()
        try:
            key = self._jwks.get_signing_key_from_jwt(token)
            payload = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._client_id,
                issuer=self._issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.PyJWTError:
            return None
        if payload.get("token_use") != "id":
            return None
        return {name: _claim_string(value) for name, value in payload.items()}


def _claim_string(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return str(value)


def proxy_event(
    *,
    method: str,
    raw_path: str,
    headers: dict[str, str],
    body: bytes,
    claims: dict[str, str],
    source_ip: str,
    stage: str = "v1",
) -> dict[str, Any]:
    """An API Gateway REST proxy (v1) event for a request behind the ``/{proxy+}`` resource."""
    url = urlsplit(raw_path)
    query = parse_qs(url.query, keep_blank_values=True)
    text_body: str | None = None
    is_base64 = False
    if body:
        try:
            text_body = body.decode("utf-8")
        except UnicodeDecodeError:
            text_body, is_base64 = base64.b64encode(body).decode(), True
    request_id = str(uuid.uuid4())
    return {
        "resource": "/{proxy+}",
        "path": url.path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": {k: v[-1] for k, v in query.items()} or None,
        "multiValueQueryStringParameters": query or None,
        "pathParameters": {"proxy": url.path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/{stage}{url.path}",
            "stage": stage,
            "requestId": request_id,
            "extendedRequestId": request_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "protocol": "HTTP/1.1",
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": headers.get("Host", "127.0.0.1"),
            "identity": {"sourceIp": source_ip, "userAgent": headers.get("User-Agent", "")},
            "authorizer": {"claims": claims},
        },
        "body": text_body,
        "isBase64Encoded": is_base64,
    }


class Authorizer(Protocol):
    """What the gateway needs of an authorizer: the claims of a valid ``Authorization`` header, else None."""

    def claims(self, authorization: str | None) -> dict[str, str] | None: ...


class _Cors(Protocol):
    """What the gateway needs of the function's CORS config (Powertools' ``CORSConfig``)."""

    def allowed_origin(self, extracted_origin: str) -> str | None: ...

    def to_dict(self, origin: str | None) -> dict[str, str]: ...


REQUEST_READ_SECONDS = 10.0
PREFLIGHT_METHODS = "DELETE,GET,HEAD,OPTIONS,PATCH,POST,PUT"
_REFUSAL_READ_LIMIT = API_GATEWAY_MAX_BODY + 1024 * 1024  # at most this much of a refused body is drained
_REFUSAL_READ_SECONDS = 2.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # 50 clients connecting at once would overflow socketserver's default of 5


class LocalApiGateway:
    """A threaded HTTP server on 127.0.0.1 in front of one proxy-integrated Lambda handler.

    It applies what API Gateway applies before the function runs (``gateway_limits``): the payload
    limit (413), the stage throttle (429 with Retry-After), request framing (400/411 for a bad or
    missing Content-Length or a chunked body), the Cognito authorizer (401) and CORS preflights
    (OPTIONS, answered for the portal's origin only, with the function's CORS config). Requests run
    concurrently in ``ExecutionEnvironments`` (one request at a time in each, as in Lambda); a plain
    handler function is one environment, so its requests are answered one at a time.
    """

    def __init__(
        self,
        handler: Handler | ExecutionEnvironments,
        authorizer: Authorizer,
        *,
        function_name: str,
        port: int = 0,
        portal: PortalSite | None = None,
        oauth: LocalOAuth | None = None,
        limits: GatewayLimits | None = None,
        cors: _Cors | None = None,
    ) -> None:
        gateway = self
        # The portal's static files and the pool's sign-in endpoints share the origin; other paths are the API's.
        self._portal = portal
        self._oauth = oauth
        self.limits = limits or GatewayLimits()
        self._bucket = TokenBucket(self.limits.rate_limit, self.limits.burst_limit)
        self._cors = cors

        class _RequestHandler(BaseHTTPRequestHandler):
            timeout = REQUEST_READ_SECONDS  # a client that stops sending mid-request is answered 408, not waited for

            def do_GET(self) -> None:
                gateway._serve(self)

            def do_HEAD(self) -> None:
                gateway._serve(self)

            def do_POST(self) -> None:
                gateway._serve(self)

            def do_PUT(self) -> None:
                gateway._serve(self)

            def do_PATCH(self) -> None:
                gateway._serve(self)

            def do_DELETE(self) -> None:
                gateway._serve(self)

            def do_OPTIONS(self) -> None:
                gateway._serve(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the handler logs every request; no second, unstructured access log

        if isinstance(handler, ExecutionEnvironments):
            self._environments: ExecutionEnvironments | None = handler
            self._handler: Handler | None = None
        else:
            self._environments, self._handler = None, handler
        # A plain handler is one Lambda execution environment: the resolver keeps per-request state.
        self._invoke_lock = threading.Lock()
        self._authorizer = authorizer
        self._function_name = function_name
        self._server = _Server(("127.0.0.1", port), _RequestHandler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="eis-local-api", daemon=True
        )
        self._thread.start()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        try:
            self._answer(request)
        except Refused as refused:
            self._refuse(request, refused)
        except NoEnvironmentAvailable:
            # Every environment stayed busy past API Gateway's integration timeout.
            self._refuse(request, Refused(HTTPStatus.GATEWAY_TIMEOUT, "Endpoint request timed out"))
        except OSError:
            request.close_connection = True  # the client went away mid-request
        except Exception:
            # The function raised instead of answering: API Gateway answers 502 and the log has the trace.
            _log.exception("the function failed: %s %s", request.command, urlsplit(request.path).path)
            self._refuse(request, Refused(HTTPStatus.BAD_GATEWAY, "Internal server error", close=True))

    def _answer(self, request: BaseHTTPRequestHandler) -> None:
        headers = {name: value for name, value in request.headers.items()}
        url = urlsplit(request.path)
        length = body_length(request.command, headers, max_body=self.limits.max_body)
        if self._oauth is not None and url.path.startswith("/oauth2/"):
            raw = self._read_body(request, length)
            self._send(request, self._oauth.answer(request.command, url.path, url.query, headers, raw))
            return
        site_answer = self._portal.answer(request.command, url.path) if self._portal is not None else None
        if site_answer is not None:
            self._send(request, site_answer)
            return
        body = self._read_body(request, length)  # read even when refused: unread input would reset the answer
        wait = self._bucket.take()
        if wait:
            raise Refused(HTTPStatus.TOO_MANY_REQUESTS, "Too Many Requests", retry_after=wait)
        if request.command == "OPTIONS":
            self._preflight(request, headers)
            return
        claims = self._authorizer.claims(headers.get("Authorization") or headers.get("authorization"))
        if claims is None:
            # API Gateway answers unauthenticated requests itself; the function never runs.
            raise Refused(HTTPStatus.UNAUTHORIZED, "Unauthorized")
        event = proxy_event(
            method=request.command,
            raw_path=request.path,
            headers=headers,
            body=body,
            claims=claims,
            source_ip=request.client_address[0],
        )
        if length > self.limits.max_event // 2 and len(json.dumps(event)) > self.limits.max_event:
            raise Refused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "Request Too Long: over Lambda's invocation payload")
        result = self._invoke(event)
        response_headers = dict(result.get("headers") or {})
        for name, values in (result.get("multiValueHeaders") or {}).items():
            response_headers[name] = ", ".join(values)
        payload = result.get("body") or ""
        if result.get("isBase64Encoded"):
            payload = base64.b64decode(payload).decode("utf-8", errors="replace")
        self._respond(request, int(result.get("statusCode", 502)), response_headers, payload)

    def _invoke(self, event: dict[str, Any]) -> dict[str, Any]:
        context = LocalLambdaContext(function_name=self._function_name)
        if self._environments is not None:
            return self._environments.invoke(event, context)
        assert self._handler is not None
        with self._invoke_lock:
            return self._handler(event, context)

    def _preflight(self, request: BaseHTTPRequestHandler, headers: dict[str, str]) -> None:
        """A CORS preflight, answered without a token: CORS headers only for the portal's origin."""
        origin = next((value for name, value in headers.items() if name.lower() == "origin"), None)
        allowed = self._cors.allowed_origin(origin) if self._cors is not None and origin else None
        answer = {"Vary": "Origin"}
        if allowed and self._cors is not None:
            answer |= self._cors.to_dict(allowed) | {"Access-Control-Allow-Methods": PREFLIGHT_METHODS}
        self._respond(request, HTTPStatus.NO_CONTENT, answer, b"")

    @staticmethod
    def _read_body(request: BaseHTTPRequestHandler, length: int) -> bytes:
        if not length:
            return b""
        try:
            body = request.rfile.read(length)
        except TimeoutError:
            raise Refused(HTTPStatus.REQUEST_TIMEOUT, "the body did not arrive in time", close=True) from None
        if len(body) < length:
            raise Refused(HTTPStatus.BAD_REQUEST, "the body ended before its Content-Length", close=True)
        return body

    def _refuse(self, request: BaseHTTPRequestHandler, refused: Refused) -> None:
        headers = {"Content-Type": "application/json"}
        if refused.retry_after is not None:
            headers["Retry-After"] = retry_after(refused.retry_after)
        if refused.close:
            headers["Connection"] = "close"
            request.close_connection = True
        try:
            self._respond(request, refused.status, headers, json.dumps({"message": refused.message}))
            if refused.close:
                _drain(request)
        except OSError:
            pass  # the client went away

    @staticmethod
    def _send(request: BaseHTTPRequestHandler, answer: Answer) -> None:
        body = b"" if request.command == "HEAD" else answer.body
        LocalApiGateway._respond(request, answer.status, answer.headers, body)

    @staticmethod
    def _respond(request: BaseHTTPRequestHandler, status: int, headers: dict[str, str], body: str | bytes) -> None:
        data = body.encode("utf-8") if isinstance(body, str) else body
        request.send_response(status)
        for name, value in headers.items():
            if name.lower() != "content-length":
                request.send_header(name, value)
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)


def _drain(request: BaseHTTPRequestHandler) -> None:
    """Read and drop what the client is still sending, briefly and up to a bound, then close.

    Closing a socket with unread input sends a reset, and the client may then lose the answer just
    written (it sees "connection reset" instead of the 413): half-close first, then drain.
    """
    request.wfile.flush()
    connection = request.connection
    try:
        connection.shutdown(socket.SHUT_WR)
        connection.settimeout(0.2)
        deadline = time.monotonic() + _REFUSAL_READ_SECONDS
        drained = 0
        while drained < _REFUSAL_READ_LIMIT and time.monotonic() < deadline:
            chunk = connection.recv(65536)
            if not chunk:
                break
            drained += len(chunk)
    except OSError:
        pass
