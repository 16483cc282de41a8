"""A supervisor works an alert in the portal: sign in (authorization code + PKCE), queue, alert, case, note."""

from __future__ import annotations

import urllib.request
from typing import Any

import pytest

from tests.browser.conftest import MISSING, SCREENSHOTS, PortalStack, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.skipif(MISSING is not None, reason=MISSING or "")]

TIMEOUT_MS = 20_000


def _headers(url: str) -> dict[str, str]:
    with urllib.request.urlopen(url, timeout=10) as response:  # local http URL of the test's own stack
        return {name.lower(): value for name, value in response.headers.items()}


def test_the_portal_is_served_beside_the_api_with_strict_headers(portal_stack: PortalStack) -> None:
    page = _headers(f"{portal_stack.url}/")
    assert "script-src 'self'" in page["content-security-policy"]
    assert "'unsafe-inline'" not in page["content-security-policy"]
    assert "connect-src 'self'" in page["content-security-policy"]
    assert "frame-ancestors 'none'" in page["content-security-policy"]
    assert page["strict-transport-security"].startswith("max-age=")
    assert page["x-content-type-options"] == "nosniff"
    assert page["cache-control"] == "no-store"
    assert _headers(f"{portal_stack.url}/config.json")["cache-control"] == "no-store"


def _sign_in(page: Any, stack: PortalStack) -> None:
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Username").fill(stack.supervisor.username)
    page.get_by_label("Password").fill(stack.supervisor.password)
    page.get_by_role("button", name="Sign in").click()


def test_a_supervisor_signs_in_opens_a_case_moves_it_to_review_and_adds_a_note(
    portal_stack: PortalStack, browser: Any
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    csp_violations: list[str] = []
    page.on("console", lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None)
    page.clock.install()
    alert = portal_stack.alert

    # Given the portal's sign-in page, when the supervisor signs in through the pool's hosted form
    page.goto(f"{portal_stack.url}/")
    _sign_in(page, portal_stack)

    # Then the queue shows the alert for their officer, and no token is kept in browser storage
    page.get_by_role("heading", name="My queue").wait_for()
    assert "?code=" not in page.url
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    page.get_by_role("link", name=alert["officer_id"]).first.wait_for()
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "queue.png"), full_page=True)

    # When they open the alert, they read the explanation first, then open a case
    page.get_by_role("link", name=alert["officer_id"]).first.click()
    page.get_by_role("heading", name="A prompt for a supportive conversation, not a finding").wait_for()
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "alert.png"), full_page=True)
    page.get_by_role("button", name="Open case").click()
    page.get_by_text("Case opened.").wait_for()
    assert page.locator("#case-summary dd").first.inner_text() == "Open"
    assert run_axe(page) == []

    # When they start the review
    page.get_by_label("In review").check()
    page.get_by_role("button", name="Move the case").click()
    page.get_by_text("It is now in review.").wait_for()
    assert page.locator("#case-summary dd").first.inner_text() == "In review"

    # And add a note
    page.get_by_label("New note").fill("Talked with the officer about workload; offered peer support.")
    page.get_by_role("button", name="Add note").click()
    page.get_by_text("Note added.").wait_for()
    assert "offered peer support" in page.locator("#notes").inner_text()
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "case.png"), full_page=True)

    # When the workstation is left idle for 30 minutes, the session locks and the tokens are gone
    page.clock.fast_forward("31:00")
    page.get_by_text("Your session was locked.").wait_for()
    page.goto(f"{portal_stack.url}/#/queue")
    page.get_by_role("button", name="Sign in").wait_for()

    # And after signing in again, signing out ends the session
    _sign_in(page, portal_stack)
    page.get_by_role("heading", name="My queue").wait_for()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for()
    assert csp_violations == []
    context.close()
