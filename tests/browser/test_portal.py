"""The portal in a browser: a supervisor signs in (code + PKCE), reads the queue and the officer snapshot, works
a case to closure through a concurrent edit; another unit sees none of it; the risk manager dismisses an alert."""

from __future__ import annotations

import csv
import json
import os
import shutil
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from eis_tools.local.demo import http_json
from tests.browser.conftest import MISSING, NOT_BEATEN, QUARANTINED_LINES, SCREENSHOTS, PortalStack, run_axe

pytestmark = [pytest.mark.browser, pytest.mark.skipif(MISSING is not None, reason=MISSING or "")]

# A wait ends as soon as its condition holds: this only bounds a hang (20 s ran out once on a loaded machine).
TIMEOUT_MS = 60_000


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


def _sign_in_as(page: Any, user: Any) -> None:
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Sign in").click()


def _move(page: Any, to: str, *, reason: str = "", disposition: str = "") -> None:
    page.locator(f"#move-{to}").check()
    if reason:
        page.locator("#move-reason").fill(reason)
    if disposition:
        page.locator("#move-disposition").select_option(disposition)
    page.get_by_role("button", name="Move the case").click()
    page.get_by_text(f"It is now {to.replace('_', ' ')}.").wait_for()


def _status(page: Any) -> str:
    return str(page.locator("#case-summary dd").first.inner_text())


def _page(browser: Any) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    csp_violations: list[str] = []
    page.on("console", lambda m: csp_violations.append(m.text) if "Content Security Policy" in m.text else None)
    return context, page, csp_violations


def _visit_recorded(response: Any) -> bool:
    return bool(response.request.method == "PUT" and response.url.endswith("/me/last-visit"))


def test_a_supervisor_works_an_alert_from_the_queue_through_the_snapshot_to_a_closed_case(
    portal_stack: PortalStack, browser: Any
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context, page, csp_violations = _page(browser)
    page.clock.install()
    alert = portal_stack.alert
    officer = alert["officer_id"]

    # Given the portal's sign-in page, when the supervisor signs in through the pool's hosted form
    page.goto(f"{portal_stack.url}/")
    started = time.monotonic()
    # (the queue records this visit on the server once it is shown: later steps compare with it, so wait for it)
    with page.expect_response(_visit_recorded) as recorded:
        _sign_in_as(page, portal_stack.supervisor)

        # Then My queue lists the new alert for their officer, says what changed, and no token is kept in storage
        page.get_by_role("heading", name="My queue").wait_for()
        page.locator("#alerts").wait_for()
    assert recorded.value.ok, f"recording the visit failed: {recorded.value.status}"
    (SCREENSHOTS.parent / "timings.json").write_text(
        json.dumps({"sign_in_to_interactive_queue_s": round(time.monotonic() - started, 2)}), encoding="utf-8"
    )
    assert "?code=" not in page.url
    assert page.evaluate("localStorage.length + sessionStorage.length") == 0
    page.locator("#alerts").get_by_role("link", name=officer, exact=True).wait_for()
    assert "alert for officer" in page.locator("#changes").inner_text()
    for section in ("Cases due", "New alerts", "Check-ins due", "Hand-offs to acknowledge"):
        page.get_by_role("heading", name=section).wait_for()
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "queue.png"), full_page=True)

    # When they open the officer's snapshot: the explanation leads, then standings and trend with their tables
    page.locator("#alerts").get_by_role("link", name=officer, exact=True).click()
    page.get_by_role("heading", name="A prompt for a supportive conversation, not a finding").wait_for()
    assert page.locator("#standings tbody tr").count() > 0
    assert page.locator("canvas[role=img]").count() == 2
    page.get_by_role("heading", name="Commendations and training").wait_for()
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "snapshot.png"), full_page=True)
    page.emulate_media(media="print")  # the one page prints without navigation or forms
    assert not page.get_by_role("button", name="Print this snapshot").is_visible()
    page.emulate_media(media="screen")

    # And from it review the alert and open a case
    page.get_by_role("link", name="Review the alert").click()
    page.get_by_role("button", name="Open case").click()
    page.get_by_text("Case opened.").wait_for()
    assert _status(page) == "Open"
    case_id = page.url.split("#/cases/")[1].split("?")[0]

    # When someone else changes the case while it is on screen, their move is refused with the conflict screen
    status, _ = http_json(
        "POST",
        f"{portal_stack.url}/cases/{case_id}/notes",
        portal_stack.risk_manager.id_token,
        {"text": "Risk team: EAP contact shared."},
    )
    assert status == 201
    page.locator("#move-in_review").check()
    page.locator("#move-reason").fill("Starting the review after the roll call.")
    page.get_by_role("button", name="Move the case").click()
    page.get_by_role("heading", name="Someone else changed this case").wait_for()
    assert "EAP contact shared." in page.locator("#their-change").inner_text()
    assert "Starting the review after the roll call." in page.locator("#my-change").input_value()
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "conflict.png"), full_page=True)
    # And reloading keeps their text in the form, so nothing is lost
    page.get_by_role("button", name="Reload the case with my text").click()
    page.get_by_text("Reloaded.").wait_for()
    assert page.locator("#move-reason").input_value() == "Starting the review after the roll call."
    page.get_by_role("button", name="Move the case").click()
    page.get_by_text("It is now in review.").wait_for()

    # When they plan coaching, begin it, start it, check in and record the outcome
    _move(page, "intervention_planned", reason="Workload and complaints: coaching agreed with the officer.")
    page.locator("#plan-type").select_option("coaching_mentoring")  # the agency's catalogue, from the API
    assert "one-to-one sessions" in page.locator("#plan-type-description").inner_text()
    page.get_by_role("button", name="Plan the intervention").click()
    page.locator("#interventions .usa-card").wait_for()  # "Intervention planned." is also the last move's text
    _move(page, "intervention_in_progress", reason="First coaching session booked.")
    # The card names the type as the catalogue labels it ("Coaching or mentoring"), not by its id
    assert page.locator("#interventions .usa-card__heading").inner_text() == "Coaching or mentoring"
    page.get_by_role("button", name="Start coaching or mentoring", exact=True).click()
    page.get_by_text("Intervention started.").wait_for()
    page.locator("summary", has_text="Record a check-in").click()
    page.get_by_label("Check-in note").fill("Two sessions held; the officer finds them useful.")
    page.get_by_role("button", name="Record the check-in").click()
    page.get_by_text("Check-in recorded.").wait_for()
    assert "the officer finds them useful" in page.locator("#interventions").inner_text()
    page.locator("summary", has_text="Record the outcome").click()
    page.get_by_label("Outcome", exact=True).select_option("completed")
    page.get_by_role("button", name="Record the outcome").click()
    page.get_by_text("Outcome recorded.").wait_for()

    # Then monitoring, and the case closes with its disposition
    _move(page, "monitoring", reason="Coaching complete; monitoring for 90 days.")
    _move(page, "closed", reason="Monitoring ended without new concerns.", disposition="intervention_completed")
    assert _status(page) == "Closed"
    assert page.get_by_text("The case is closed.").is_visible()
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "case.png"), full_page=True)

    # When the workstation is left idle for 30 minutes, the session locks and the tokens are gone
    page.clock.fast_forward("31:00")
    page.get_by_text("Your session was locked.").wait_for()
    page.goto(f"{portal_stack.url}/#/queue")
    page.get_by_role("button", name="Sign in").wait_for()

    # And signing in on another browser (a new session), the queue says what changed since the last visit, which
    # the server kept: the alert they saw then now has a case
    elsewhere, there, there_csp = _page(browser)
    there.goto(f"{portal_stack.url}/")
    _sign_in_as(there, portal_stack.supervisor)
    there.get_by_role("heading", name="What changed since your last visit", exact=False).wait_for()
    assert "alert you saw is no longer new" in there.locator("#changes").inner_text()
    assert there_csp == []
    elsewhere.close()

    # And after signing in again, signing out ends the session
    _sign_in_as(page, portal_stack.supervisor)
    page.get_by_role("heading", name="My queue").wait_for()
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You have signed out.").wait_for()
    assert csp_violations == []
    context.close()

    # And a supervisor of another unit sees none of it, not even by typing the case's URL
    context, page, _ = _page(browser)
    page.goto(f"{portal_stack.url}/#/cases/{case_id}")
    _sign_in_as(page, portal_stack.other_supervisor)
    page.get_by_role("heading", name="Not found").wait_for()
    page.goto(f"{portal_stack.url}/#/officers/{officer}")
    page.get_by_role("heading", name="Not found").wait_for()
    context.close()

    # And an auditor reads the walk-through in the audit trail, its chain verified
    context, page, _ = _page(browser)
    page.goto(f"{portal_stack.url}/#/audit")
    _sign_in_as(page, portal_stack.auditor)
    page.get_by_role("heading", name="Audit trail").wait_for()
    trail = ""
    for _ in range(20):  # pages of 200 records, oldest first, to the end of the trail
        page.get_by_text("Chain verified.").wait_for()
        if not page.locator("#audit").count():
            break  # past the newest record
        trail += page.locator("#audit").inner_text()
        if not page.get_by_role("link", name="Next records").count():
            break
        first = page.locator("#audit tbody th").first.inner_text()
        page.get_by_role("link", name="Next records").click()
        page.wait_for_function(f"() => document.querySelector('#audit tbody th')?.textContent !== '{first}'")
    assert case_id in trail
    assert "transition" in trail.lower()
    assert "Denied" in trail  # the other unit's attempt on the case
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "audit.png"), full_page=True)
    context.close()


def test_the_risk_manager_dismisses_an_alert_with_a_reason(portal_stack: PortalStack, browser: Any) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context, page, csp_violations = _page(browser)
    alert = portal_stack.other_alert

    page.goto(f"{portal_stack.url}/#/alerts/{alert['alert_id']}")
    # Keyboard only: each page puts focus on its heading, so the next Tab reaches the page's first action.
    # Wait for that focus first: a Tab pressed before the sign-in page has rendered lands on the skip link.
    page.get_by_role("heading", name="Sign in to the EIS portal").wait_for()
    page.wait_for_function("document.activeElement && document.activeElement.tagName === 'H1'")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Sign in"
    page.keyboard.press("Enter")
    page.get_by_label("Username").fill(portal_stack.risk_manager.username)
    page.get_by_label("Password").fill(portal_stack.risk_manager.password)
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="A prompt for a supportive conversation, not a finding").wait_for()
    page.get_by_label("Reason (required)").fill("Data error: the complaints were filed against another badge.")
    assert run_axe(page) == []
    page.get_by_role("button", name="Dismiss the alert").click()
    page.get_by_text("Alert dismissed.").wait_for()
    assert "Dismissed" in page.locator("#main-content").inner_text()

    # And the risk team's view shows the latest run with its fairness table and the model card
    page.get_by_role("link", name="Risk team").click()
    page.get_by_role("heading", name="Latest scoring run").wait_for()
    assert "officers scored" in page.locator("#run-summary").inner_text()
    page.get_by_role("heading", name="Deferrals").wait_for()
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "risk-manager.png"), full_page=True)

    # And officer search finds the officer by badge, keyboard only
    page.get_by_role("link", name="Find an officer").click()
    page.get_by_role("heading", name="Find an officer").wait_for()
    page.locator("#officer-q").focus()
    page.keyboard.type(alert["officer_id"])
    page.keyboard.press("Enter")
    page.locator("#officer-results").get_by_role("link").first.wait_for()
    assert run_axe(page) == []
    assert csp_violations == []
    context.close()


def test_the_risk_team_reads_reports_and_uploads_and_the_wellness_coordinator_reads_check_ins(
    portal_stack: PortalStack, browser: Any
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context, page, csp_violations = _page(browser)
    page.goto(f"{portal_stack.url}/#/reports")
    _sign_in_as(page, portal_stack.risk_manager)

    # Given the risk manager on the reports page, the trends data downloads with the bearer token
    page.get_by_role("heading", name="Agency trends").wait_for()
    page.locator("#backtest-years").wait_for()
    assert run_axe(page) == []
    with page.expect_download() as download:
        page.get_by_role("button", name="Save the trends data (CSV)").click()
    assert download.value.suggested_filename == "eis-trends.csv"
    page.get_by_text("Saved as eis-trends.csv.").wait_for()
    with context.expect_page() as opened_report:
        page.get_by_role("button", name="Open the trends report").click()
    report = opened_report.value
    report.wait_for_load_state()
    assert report.locator("h1").first.inner_text().strip() != ""
    # Its style block applies under the portal's policy, which the tab inherits: 2rem margins, not the default 8px
    assert report.evaluate("getComputedStyle(document.body).marginLeft") == "32px"
    report.screenshot(path=str(SCREENSHOTS / "trends.png"))
    report.close()
    page.screenshot(path=str(SCREENSHOTS / "reports.png"), full_page=True)

    # And the upload reports list the demo's ingest, one of which opens with its counts
    page.get_by_role("link", name="Uploads", exact=True).click()
    page.locator("#uploads").get_by_role("link").first.click()
    page.locator("#upload-summary").wait_for()
    assert "read" in page.locator("#upload-summary").inner_text()
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "upload.png"), full_page=True)

    # And on a case of another alert the risk manager hands the case to the first sergeant, with a reason
    manager = portal_stack.risk_manager
    status, alerts = http_json("GET", f"{portal_stack.url}/alerts?status=new", manager.id_token)
    assert status == 200
    sergeants = [str(portal_stack.supervisor.officer_id), str(portal_stack.other_supervisor.officer_id)]
    taken = {portal_stack.alert["officer_id"], portal_stack.other_alert["officer_id"], *sergeants}
    third = next(a for a in alerts["alerts"] if a["officer_id"] not in taken)
    status, opened = http_json("POST", f"{portal_stack.url}/alerts/{third['alert_id']}/case", manager.id_token)
    assert status == 201, opened
    to = next(s for s in sergeants if s != opened.get("supervisor_id"))  # not the one who has it already
    page.goto(f"{portal_stack.url}/#/cases/{opened['case_id']}")
    page.locator("#assignment-form").wait_for()
    assert run_axe(page) == []
    page.get_by_label("Hand to supervisor (officer id)").fill(to)
    page.locator("#assign-reason").fill("The sergeant knows the officer best.")
    page.get_by_role("button", name="Hand over the case").click()
    page.locator("#main-content .usa-alert").first.wait_for()
    assert "Case handed over." in page.locator("#main-content").inner_text()

    # And on that officer's snapshot the risk manager defers notification, then ends the deferral
    page.goto(f"{portal_stack.url}/#/officers/{third['officer_id']}")
    page.locator("#officer-deferral-form").wait_for()
    assert run_axe(page) == []
    page.get_by_label("Review on").fill((date.today() + timedelta(days=30)).isoformat())
    page.locator("#officer-deferral-reason").fill("An investigation is running.")
    page.get_by_role("button", name="Defer the officer").click()
    page.get_by_text("Officer deferred.").wait_for()
    page.locator("#officer-deferral-reason").fill("The investigation ended.")
    page.get_by_role("button", name="End the deferral").click()
    page.get_by_text("Deferral ended.").wait_for()
    assert csp_violations == []
    context.close()

    # When the wellness coordinator signs in, they land on the check-ins, with no queue to offer
    context, page, csp_violations = _page(browser)
    page.goto(f"{portal_stack.url}/")
    assert portal_stack.wellness is not None
    _sign_in_as(page, portal_stack.wellness)
    page.get_by_role("heading", name="Wellness check-ins").wait_for()
    assert page.get_by_role("link", name="Wellness check-ins").is_visible()
    assert not page.get_by_role("link", name="My queue").is_visible()
    assert "not a finding" in page.locator("#main-content").inner_text()
    assert run_axe(page) == []
    # And one check-in (the seed's scoring run noticed sick days or no leave) reads as support, with no score
    page.locator("#open-checkins").get_by_role("link").first.click()
    page.get_by_role("heading", name="An offer of support, not a finding").wait_for()
    assert "score" not in page.locator("#main-content").inner_text().lower()
    assert run_axe(page) == []
    page.get_by_role("button", name="I have reached out (acknowledge)").press("Enter")
    page.get_by_text("The check-in leaves the open list.").wait_for()
    assert "Acknowledged" in page.locator("#main-content").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "wellness.png"), full_page=True)
    assert csp_violations == []
    context.close()


def _age_case(portal_stack: PortalStack, case_id: str, days_overdue: int) -> None:
    """Move a case's review date into the past on the local stack (a case opened today is due in 14 days)."""
    from eis_core.storage.schema import Table

    assert portal_stack.stack is not None
    portal_stack.stack.session.client("dynamodb").update_item(
        TableName=portal_stack.stack.resources.table(Table.CASES),
        Key={"case_id": {"S": case_id}, "sk": {"S": "CASE"}},
        UpdateExpression="SET review_due_on = :due",
        ExpressionAttributeValues={":due": {"S": (date.today() - timedelta(days=days_overdue)).isoformat()}},
    )


README_QUEUE = Path(__file__).resolve().parents[2] / "docs" / "images" / "portal-queue.png"


def test_command_staff_read_overdue_cases_by_unit_and_alert_outcomes_by_month(
    portal_stack: PortalStack, browser: Any
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert portal_stack.stack is not None
    url, manager = portal_stack.url, portal_stack.risk_manager
    # Given two cases opened on alerts no other test works, one 5 and one 40 days past its review date
    status, alerts = http_json("GET", f"{url}/alerts?status=new&limit=200", manager.id_token)
    assert status == 200
    taken = {portal_stack.alert["officer_id"], portal_stack.other_alert["officer_id"]}
    taken |= {str(portal_stack.supervisor.officer_id), str(portal_stack.other_supervisor.officer_id)}
    spare = [a for a in alerts["alerts"] if a["officer_id"] not in taken][-2:]
    assert len(spare) == 2
    for alert, days in zip(spare, (5, 40), strict=True):
        status, opened = http_json("POST", f"{url}/alerts/{alert['alert_id']}/case", manager.id_token)
        assert status == 201, opened
        _age_case(portal_stack, opened["case_id"], days)
    # And, for the README's picture of a supervisor's queue, a case of theirs three days overdue
    sergeant = portal_stack.supervisor
    status, theirs = http_json("GET", f"{url}/alerts?status=new", sergeant.id_token)
    assert status == 200
    other = [a for a in theirs["alerts"] if a["alert_id"] != portal_stack.alert["alert_id"] and a not in spare]
    if other:
        status, opened = http_json("POST", f"{url}/alerts/{other[0]['alert_id']}/case", sergeant.id_token)
        assert status == 201, opened
        _age_case(portal_stack, opened["case_id"], 3)
    command = portal_stack.stack.add_user("command.staff", role="command")

    # When command staff sign in, the navigation offers the command view, and it opens
    context, page, csp_violations = _page(browser)
    page.goto(f"{url}/")
    _sign_in_as(page, command)
    page.get_by_role("link", name="Command view").click()
    page.get_by_role("heading", name="Command view", exact=True).wait_for()

    # Then overdue cases by unit and twelve months of alerts show as charts, each with its table
    page.locator("#units tbody tr").first.wait_for()
    units = page.locator("#units").inner_text()
    assert "40 days" in units
    assert page.locator("canvas[role=img]").count() == 2
    assert page.locator("#alert-months tbody tr").count() == 12
    assert "Closed: referred outside EIS" in page.locator("#alert-months thead").inner_text()
    raised = page.locator("#alert-months tbody tr").last.locator("td").first.inner_text()
    assert int(raised) >= 2  # this month's scoring run raised the alerts
    assert page.locator("#deferred-hidden").is_visible()
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "command.png"), full_page=True)

    # And a longer period is one choice away, by keyboard
    page.get_by_label("Alerts over").select_option("24")
    page.get_by_role("button", name="Show").press("Enter")
    page.locator("#alert-months tbody tr").nth(23).wait_for()
    assert page.locator("#alert-months tbody tr").count() == 24
    assert run_axe(page) == []
    assert csp_violations == []
    context.close()

    # And a supervisor is not offered the view, and typing its address shows none of it
    context, page, csp_violations = _page(browser)
    page.goto(f"{url}/")
    _sign_in_as(page, portal_stack.supervisor)
    page.get_by_role("heading", name="My queue").wait_for()
    assert not page.get_by_role("link", name="Command view").is_visible()
    # The README's picture of the portal: the supervisor's queue, at a size a README shows well
    page.locator("#alerts").wait_for()
    page.locator("h1").evaluate("heading => heading.blur()")  # no focus ring in the picture
    shot = {"x": 0, "y": 0, "width": 1280, "height": 1120}
    page.screenshot(path=str(SCREENSHOTS / "readme-queue.png"), full_page=True, clip=shot)
    if os.environ.get("EIS_UPDATE_README_SCREENSHOT"):
        shutil.copyfile(SCREENSHOTS / "readme-queue.png", README_QUEUE)
    page.goto(f"{url}/#/command")
    page.get_by_role("heading", name="Not available to your role").wait_for()
    assert "command staff" in page.locator("#denied-reason").inner_text()
    assert page.get_by_role("link", name="Back to my queue").is_visible()
    assert run_axe(page) == []
    assert page.locator("#units").count() == 0
    assert csp_violations == []
    context.close()


def test_the_risk_manager_reads_a_backtest_and_downloads_an_uploads_quarantined_rows(
    portal_stack: PortalStack, browser: Any
) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context, page, csp_violations = _page(browser)
    page.goto(f"{portal_stack.url}/#/reports")
    _sign_in_as(page, portal_stack.risk_manager)

    # Given a stored backtest, the reports page links it and its page leads with the baselines not beaten
    page.get_by_role("link", name=f"Backtest of {portal_stack.backtest_year}").click()
    page.get_by_role("heading", name=f"Backtest of {portal_stack.backtest_year}").wait_for()
    assert page.locator("#not-beaten").inner_text().strip() == NOT_BEATEN
    # Then the headline table reads the model against the agency's rule, and calibration has ten deciles
    headline = page.locator("#backtest-table").inner_text()
    assert "Model precision at top" in headline and "Rule precision at top" in headline
    assert page.locator("#calibration tbody tr").count() == 10
    assert run_axe(page) == []
    page.screenshot(path=str(SCREENSHOTS / "backtest.png"), full_page=True)

    # When they open the upload with quarantined rows from the upload reports
    page.get_by_role("link", name="Uploads", exact=True).click()
    page.locator("#uploads").get_by_role("link", name="commendations-with-errors.csv", exact=False).click()
    page.locator("#upload-summary").wait_for()
    assert "2 quarantined" in page.locator("#upload-summary").inner_text()
    assert run_axe(page) == []

    # Then the quarantined rows download as CSV, each with the line of the uploaded file it came from
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the quarantined rows (CSV)").click()
    assert download.value.suggested_filename == f"quarantine-{portal_stack.quarantine_upload}.csv"
    with open(download.value.path(), encoding="utf-8", newline="") as saved:
        rows = list(csv.DictReader(saved))
    assert {int(row["line"]): row["column"] for row in rows} == QUARANTINED_LINES
    assert rows[0]["value"] == "not-a-date"
    page.get_by_text(f"Saved as quarantine-{portal_stack.quarantine_upload}.csv.").wait_for()
    assert csp_violations == []
    context.close()
