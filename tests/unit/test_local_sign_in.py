"""The local pool's sign-in endpoints (code + PKCE) and the portal's static site, in process with a fake pool."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from eis_tools.local.oauth import LocalOAuth, pkce_challenge
from eis_tools.local.portal_site import Answer, PortalSite

HOST = "127.0.0.1:8080"
PORTAL = f"http://{HOST}/"
VERIFIER = "v" * 50


class NotAuthorizedError(Exception):
    response = {"Error": {"Code": "NotAuthorizedException"}}  # shaped like botocore ClientError


class FakePool:
    """admin_initiate_auth for one user, as moto's cognito-idp answers it."""

    def __init__(self) -> None:
        self.revoked: list[str] = []

    def admin_initiate_auth(self, **kwargs: Any) -> dict[str, Any]:
        params = kwargs["AuthParameters"]
        if kwargs["AuthFlow"] == "REFRESH_TOKEN_AUTH" and params["REFRESH_TOKEN"] == "refresh-1":
            return {"AuthenticationResult": {"IdToken": "id-2", "AccessToken": "access-2", "ExpiresIn": 3600}}
        if params.get("USERNAME") == "sgt.a" and params.get("PASSWORD") == "right":
            result = {"IdToken": "id-1", "AccessToken": "access-1", "RefreshToken": "refresh-1", "ExpiresIn": 3600}
            return {"AuthenticationResult": result}
        raise NotAuthorizedError

    def revoke_token(self, **kwargs: Any) -> None:
        self.revoked.append(kwargs["Token"])


@pytest.fixture
def pool() -> FakePool:
    return FakePool()


@pytest.fixture
def oauth(pool: FakePool) -> LocalOAuth:
    return LocalOAuth(pool, user_pool_id="pool", client_id="portal-client")


def _authorize(
    oauth: LocalOAuth, *, password: str = "right", redirect: str = PORTAL, client: str = "portal-client"
) -> Answer:
    form = {
        "response_type": "code",
        "client_id": client,
        "redirect_uri": redirect,
        "state": "s1",
        "code_challenge": pkce_challenge(VERIFIER),
        "code_challenge_method": "S256",
        "username": "sgt.a",
        "password": password,
    }
    return oauth.answer("POST", "/oauth2/authorize", "", {"Host": HOST}, urlencode(form).encode())


def _code(oauth: LocalOAuth) -> str:
    answer = _authorize(oauth)
    assert answer.status == 302
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == PORTAL
    query = parse_qs(location.query)
    assert query["state"] == ["s1"]
    return query["code"][0]


def _token(oauth: LocalOAuth, **form: str) -> tuple[int, dict[str, Any]]:
    answer = oauth.answer("POST", "/oauth2/token", "", {"Host": HOST}, urlencode(form).encode())
    assert answer.headers["Cache-Control"] == "no-store"
    return answer.status, json.loads(answer.body)


def test_the_sign_in_form_is_a_labelled_page_under_the_portal_csp(oauth: LocalOAuth) -> None:
    query = urlencode(
        {"response_type": "code", "client_id": "portal-client", "redirect_uri": PORTAL, "state": "s1",
         "code_challenge": pkce_challenge(VERIFIER), "code_challenge_method": "S256"}
    )  # fmt: skip
    answer = oauth.answer("GET", "/oauth2/authorize", query, {"Host": HOST}, b"")
    assert answer.status == 200
    assert b'<label class="usa-label" for="password">' in answer.body
    assert "script-src 'self'" in answer.headers["Content-Security-Policy"]


def test_a_code_and_its_verifier_get_the_pools_tokens_once(oauth: LocalOAuth) -> None:
    code = _code(oauth)
    form = {"grant_type": "authorization_code", "client_id": "portal-client", "code": code, "redirect_uri": PORTAL}
    status, tokens = _token(oauth, **form, code_verifier=VERIFIER)
    assert status == 200
    assert (tokens["id_token"], tokens["refresh_token"], tokens["token_type"]) == ("id-1", "refresh-1", "Bearer")
    assert _token(oauth, **form, code_verifier=VERIFIER) == (400, {"error": "invalid_grant"})  # used once


def test_a_wrong_verifier_or_return_address_gets_no_tokens(oauth: LocalOAuth) -> None:
    code = _code(oauth)
    form = {"grant_type": "authorization_code", "client_id": "portal-client", "code": code}
    assert _token(oauth, **form, redirect_uri=PORTAL, code_verifier="w" * 50) == (400, {"error": "invalid_grant"})
    code = _code(oauth)
    form["code"] = code
    assert _token(oauth, **form, redirect_uri=f"{PORTAL}x", code_verifier=VERIFIER) == (400, {"error": "invalid_grant"})


def test_a_wrong_password_shows_the_form_again_without_a_code(oauth: LocalOAuth) -> None:
    answer = _authorize(oauth, password="wrong")
    assert answer.status == 200
    assert "Location" not in answer.headers
    assert b"Incorrect username or password." in answer.body


@pytest.mark.parametrize(
    ("redirect", "client"), [("http://evil.example/", "portal-client"), (PORTAL, "another-client")]
)
def test_a_foreign_return_address_or_app_is_refused_without_a_redirect(
    oauth: LocalOAuth, redirect: str, client: str
) -> None:
    answer = _authorize(oauth, redirect=redirect, client=client)
    assert answer.status == 400
    assert "Location" not in answer.headers


def test_a_refresh_token_gets_new_tokens_and_sign_out_revokes_it(oauth: LocalOAuth, pool: FakePool) -> None:
    status, tokens = _token(oauth, grant_type="refresh_token", client_id="portal-client", refresh_token="refresh-1")
    assert (status, tokens["id_token"]) == (200, "id-2")
    revoke = urlencode({"token": "refresh-1", "client_id": "portal-client"}).encode()
    assert oauth.answer("POST", "/oauth2/revoke", "", {"Host": HOST}, revoke).status == 200
    assert pool.revoked == ["refresh-1"]


def test_the_portal_answers_only_its_own_paths(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html>", encoding="utf-8")
    (tmp_path / "assets" / "app.js").write_text("0", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("no", encoding="utf-8")
    site = PortalSite(tmp_path, {"client_id": "portal-client"})

    page = site.answer("GET", "/")
    assert page is not None and page.status == 200 and page.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    config = site.answer("GET", "/config.json")
    assert config is not None and json.loads(config.body) == {"client_id": "portal-client"}
    script = site.answer("GET", "/assets/app.js")
    assert script is not None and script.headers["X-Content-Type-Options"] == "nosniff"
    escaped = site.answer("GET", "/assets/../secret.txt")
    assert escaped is not None and escaped.status == 404
    for api_path in ("/alerts", "/cases/c1", "/audit"):
        assert site.answer("GET", api_path) is None
    assert site.answer("POST", "/") is None
