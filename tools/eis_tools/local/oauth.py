"""The local user pool's hosted sign-in: OAuth 2.0 authorization code with PKCE, at Cognito's paths.

``GET /oauth2/authorize`` shows a sign-in form; posting it checks the username and password against
the local pool (moto's cognito-idp, ``ADMIN_USER_PASSWORD_AUTH``) and redirects to the portal with a
one-time code. ``POST /oauth2/token`` trades the code and its PKCE verifier (S256 only) for the
pool's id, access and refresh tokens, or a refresh token for new ones; ``POST /oauth2/revoke``
revokes a refresh token. The same portal code runs against a Cognito domain in AWS.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from eis_tools.local.portal_site import Answer, security_headers

CODE_LIFETIME_SECONDS = 300
_AUTHORIZE_FIELDS = ("response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method")


@dataclass(frozen=True)
class _Grant:
    tokens: dict[str, Any]
    client_id: str
    redirect_uri: str
    challenge: str
    expires: float


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class LocalOAuth:
    """Authorize, token and revoke endpoints for one app client of the local user pool."""

    def __init__(self, cognito: Any, *, user_pool_id: str, client_id: str) -> None:
        self._cognito = cognito
        self._pool = user_pool_id
        self._client_id = client_id
        self._grants: dict[str, _Grant] = {}
        self._lock = threading.Lock()

    def answer(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Answer:
        if path == "/oauth2/authorize" and method == "GET":
            return self._authorize(_form(query.encode()), headers, credentials=None)
        if path == "/oauth2/authorize" and method == "POST":
            form = _form(body)
            return self._authorize(form, headers, credentials=(form.get("username", ""), form.get("password", "")))
        if path == "/oauth2/token" and method == "POST":
            return self._token(_form(body))
        if path == "/oauth2/revoke" and method == "POST":
            return self._revoke(_form(body))
        return _json(404, {"error": "not_found"})

    # -- authorize -------------------------------------------------------------------------------

    def _authorize(
        self, params: dict[str, str], headers: dict[str, str], credentials: tuple[str, str] | None
    ) -> Answer:
        host = headers.get("Host") or headers.get("host") or ""
        redirect = urlsplit(params.get("redirect_uri", ""))
        if params.get("client_id") != self._client_id or f"{redirect.scheme}://{redirect.netloc}" != f"http://{host}":
            # Never redirect to an address the app client does not own: say so here instead.
            return _page(400, "Sign-in refused", "<p>The sign-in request names an unknown app or return address.</p>")
        if params.get("response_type") != "code" or params.get("code_challenge_method") != "S256":
            return self._back(params, {"error": "unsupported_response_type"})
        if not params.get("code_challenge"):
            return self._back(params, {"error": "invalid_request", "error_description": "PKCE code_challenge required"})
        if credentials is None:
            return self._form_page(params)
        username, password = credentials
        try:
            result = self._cognito.admin_initiate_auth(
                UserPoolId=self._pool,
                ClientId=self._client_id,
                AuthFlow="ADMIN_USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except Exception as error:  # moto raises botocore ClientError; any failure is a failed sign-in
            code = getattr(error, "response", {}).get("Error", {}).get("Code", "")
            if code not in {"NotAuthorizedException", "UserNotFoundException", "InvalidParameterException"}:
                raise
            return self._form_page(params, error="Incorrect username or password.", username=username)
        tokens = result["AuthenticationResult"]
        grant_code = secrets.token_urlsafe(32)
        with self._lock:
            now = time.monotonic()
            self._grants = {c: g for c, g in self._grants.items() if g.expires > now}
            self._grants[grant_code] = _Grant(
                tokens=tokens,
                client_id=self._client_id,
                redirect_uri=params["redirect_uri"],
                challenge=params["code_challenge"],
                expires=now + CODE_LIFETIME_SECONDS,
            )
        return self._back(params, {"code": grant_code})

    def _back(self, params: dict[str, str], values: dict[str, str]) -> Answer:
        if params.get("state"):
            values = {**values, "state": params["state"]}
        location = f"{params['redirect_uri']}?{urlencode(values)}"
        headers = security_headers("text/plain; charset=utf-8") | {"Location": location}
        return Answer(302, headers, b"")

    def _form_page(self, params: dict[str, str], *, error: str = "", username: str = "") -> Answer:
        hidden = "".join(
            f'<input type="hidden" name="{name}" value="{html.escape(params.get(name, ""))}">'
            for name in _AUTHORIZE_FIELDS
        )
        message = (
            '<div class="usa-alert usa-alert--error usa-alert--slim" role="alert"><div class="usa-alert__body">'
            f'<p class="usa-alert__text">{html.escape(error)}</p></div></div>'
            if error
            else ""
        )
        content = f"""{message}
<form class="usa-form" method="post" action="/oauth2/authorize">{hidden}
  <fieldset class="usa-fieldset"><legend class="usa-legend usa-sr-only">Account</legend>
  <label class="usa-label" for="username">Username</label>
  <input class="usa-input" id="username" name="username" autocomplete="username" required
         value="{html.escape(username)}"{"" if username else " autofocus"}>
  <label class="usa-label" for="password">Password</label>
  <input class="usa-input" id="password" name="password" type="password" autocomplete="current-password" required
         {"autofocus" if username else ""}>
  <button class="usa-button" type="submit">Sign in</button></fieldset>
</form>
<p class="text-base">Local user pool (moto). In AWS this is the agency's Cognito sign-in, with MFA.</p>"""
        return _page(200, "Sign in", content)

    # -- token and revoke ------------------------------------------------------------------------

    def _token(self, form: dict[str, str]) -> Answer:
        if form.get("client_id") != self._client_id:
            return _json(400, {"error": "invalid_client"})
        if form.get("grant_type") == "authorization_code":
            with self._lock:
                grant = self._grants.pop(form.get("code", ""), None)  # one use only
            if (
                grant is None
                or grant.expires < time.monotonic()
                or grant.redirect_uri != form.get("redirect_uri")
                or not secrets.compare_digest(grant.challenge, pkce_challenge(form.get("code_verifier", "")))
            ):
                return _json(400, {"error": "invalid_grant"})
            tokens = grant.tokens
            return _json(
                200,
                {
                    "id_token": tokens["IdToken"],
                    "access_token": tokens["AccessToken"],
                    "refresh_token": tokens.get("RefreshToken"),
                    "expires_in": tokens.get("ExpiresIn", 3600),
                    "token_type": "Bearer",
                },
            )
        if form.get("grant_type") == "refresh_token":
            try:
                result = self._cognito.admin_initiate_auth(
                    UserPoolId=self._pool,
                    ClientId=self._client_id,
                    AuthFlow="REFRESH_TOKEN_AUTH",
                    AuthParameters={"REFRESH_TOKEN": form.get("refresh_token", "")},
                )
            except Exception:  # any refusal by the pool is an invalid grant to the client
                return _json(400, {"error": "invalid_grant"})
            tokens = result["AuthenticationResult"]
            return _json(
                200,
                {
                    "id_token": tokens["IdToken"],
                    "access_token": tokens["AccessToken"],
                    "expires_in": tokens.get("ExpiresIn", 3600),
                    "token_type": "Bearer",
                },
            )
        return _json(400, {"error": "unsupported_grant_type"})

    def _revoke(self, form: dict[str, str]) -> Answer:
        if form.get("client_id") != self._client_id:
            return _json(400, {"error": "invalid_client"})
        # RFC 7009: an unknown or already revoked token is not an error.
        with contextlib.suppress(Exception):
            self._cognito.revoke_token(Token=form.get("token", ""), ClientId=self._client_id)
        return _json(200, {})


def _form(raw: bytes) -> dict[str, str]:
    return {name: values[-1] for name, values in parse_qs(raw.decode("utf-8", errors="replace")).items()}


def _json(status: int, body: dict[str, Any]) -> Answer:
    return Answer(status, security_headers("application/json") | {"Pragma": "no-cache"}, json.dumps(body).encode())


def _page(status: int, title: str, content: str) -> Answer:
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · EIS</title><link rel="stylesheet" href="/assets/styles.css"></head>
<body><main id="main-content" class="grid-container padding-y-4">
<h1>{html.escape(title)}</h1>
{content}
</main></body></html>"""
    return Answer(status, security_headers("text/html; charset=utf-8"), page.encode())
