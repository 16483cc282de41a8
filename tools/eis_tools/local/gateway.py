"""Serve the case API on localhost the way API Gateway does in AWS.

Each HTTP request is authenticated like the Cognito user-pool authorizer (RS256 signature against the
pool's JWKS, issuer, audience, expiry, ``token_use=id``), then turned into a REST API proxy event
whose ``requestContext.authorizer.claims`` carries the token's claims as strings, and handed to the
same ``functions.cases_api.handler`` that runs in Lambda.
"""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.oauth import LocalOAuth
from eis_tools.local.portal_site import Answer, PortalSite

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


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


class LocalApiGateway:
    """A threaded HTTP server on 127.0.0.1 in front of one proxy-integrated Lambda handler."""

    def __init__(
        self,
        handler: Handler,
        authorizer: CognitoAuthorizer,
        *,
        function_name: str,
        port: int = 0,
        portal: PortalSite | None = None,
        oauth: LocalOAuth | None = None,
    ) -> None:
        gateway = self
        # The portal's static files and the pool's sign-in endpoints share the origin; other paths are the API's.
        self._portal = portal
        self._oauth = oauth

        class _RequestHandler(BaseHTTPRequestHandler):
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

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the handler logs every request; no second, unstructured access log

        self._handler = handler
        # One request at a time, like one Lambda execution environment: the resolver keeps per-request state.
        self._invoke_lock = threading.Lock()
        self._authorizer = authorizer
        self._function_name = function_name
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _RequestHandler)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever, name="eis-local-api", daemon=True)
        self._thread.start()

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        headers = {name: value for name, value in request.headers.items()}
        url = urlsplit(request.path)
        if self._oauth is not None and url.path.startswith("/oauth2/"):
            length = int(headers.get("Content-Length") or 0)
            raw = request.rfile.read(length) if length else b""
            self._send(request, self._oauth.answer(request.command, url.path, url.query, headers, raw))
            return
        site_answer = self._portal.answer(request.command, url.path) if self._portal is not None else None
        if site_answer is not None:
            self._send(request, site_answer)
            return
        claims = self._authorizer.claims(headers.get("Authorization") or headers.get("authorization"))
        if claims is None:
            # API Gateway answers unauthenticated requests itself; the function never runs.
            self._respond(request, 401, {"Content-Type": "application/json"}, json.dumps({"message": "Unauthorized"}))
            return
        length = int(headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        event = proxy_event(
            method=request.command,
            raw_path=request.path,
            headers=headers,
            body=body,
            claims=claims,
            source_ip=request.client_address[0],
        )
        with self._invoke_lock:
            result = self._handler(event, LocalLambdaContext(function_name=self._function_name))
        response_headers = dict(result.get("headers") or {})
        for name, values in (result.get("multiValueHeaders") or {}).items():
            response_headers[name] = ", ".join(values)
        payload = result.get("body") or ""
        if result.get("isBase64Encoded"):
            payload = base64.b64decode(payload).decode("utf-8", errors="replace")
        self._respond(request, int(result.get("statusCode", 502)), response_headers, payload)

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
