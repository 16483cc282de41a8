"""The notifier's emails, pinned word for word: no names, no events, the id, the date and a link.

Alert ids are opaque (issue 14): the pinned texts differ from the old ones only where the alert id
appeared (``2024-06-01-A1001`` became ``OPAQUE``); case emails carry random case ids and are unchanged.
"""

from __future__ import annotations

from datetime import date

import pytest

from eis_core.models.alerts import AlertLevel
from eis_core.notify.templates import alert_email, deadline_email, due_phrase
from tests.builders import alert, case

PORTAL = "https://eis.testville.example.gov/"
OPAQUE = "alert-k7d2m4qzx3b6nwp5r3tavcw4"
LEGACY = "2024-06-01-A1001"

ALERT_BODY = """\
An Early Intervention System alert is waiting for your review.

Alert:      alert-k7d2m4qzx3b6nwp5r3tavcw4
Level:      critical
Review by:  2024-06-08

Open it in the EIS portal: https://eis.testville.example.gov/#/alerts/alert-k7d2m4qzx3b6nwp5r3tavcw4

An alert is a non-punitive prompt to look at an officer's recent record and offer support.
The details are in the portal only. Please do not forward this email.
"""

REMINDER_BODY = """\
An Early Intervention System case assigned to you is waiting for its review.

Case:       case-7
Review by:  2024-06-13 (due in 2 days)

Open it in the EIS portal: https://eis.testville.example.gov/#/cases/case-7

A case is a non-punitive prompt to look at an officer's recent record and offer support.
The details are in the portal only. Please do not forward this email.
"""

ESCALATION_BODY = """\
An Early Intervention System case in your chain of command has not been reviewed
by its due date and has been escalated to you.

Case:       case-7
Review by:  2024-06-13 (overdue by 7 days)

Open it in the EIS portal: https://eis.testville.example.gov/#/cases/case-7

A case is a non-punitive prompt to look at an officer's recent record and offer support.
The details are in the portal only. Please do not forward this email.
"""


def test_the_alert_email_carries_the_id_level_date_and_link_only() -> None:
    subject, body = alert_email(
        alert("A1001", alert_id=OPAQUE, level=AlertLevel.CRITICAL), review_by=date(2024, 6, 8), portal_url=PORTAL
    )

    assert subject == "EIS critical alert alert-k7d2m4qzx3b6nwp5r3tavcw4: please review by 2024-06-08"
    assert body == ALERT_BODY


def test_an_alert_stored_under_an_old_style_id_is_emailed_without_it() -> None:
    # Old ids name the officer and date (2024-06-01-A1001): the email links to the alert list instead.
    subject, body = alert_email(
        alert("A1001", alert_id=LEGACY, level=AlertLevel.CRITICAL), review_by=date(2024, 6, 8), portal_url=PORTAL
    )

    assert subject == "EIS critical alert (see your alerts in the portal): please review by 2024-06-08"
    assert body == ALERT_BODY.replace(f"alerts/{OPAQUE}", "alerts").replace(OPAQUE, "(see your alerts in the portal)")
    assert "A1001" not in subject + body and "2024-06-01" not in subject + body


def test_the_reminder_email() -> None:
    subject, body = deadline_email(
        case("case-7", review_due_on=date(2024, 6, 13)), day=date(2024, 6, 11), escalated=False, portal_url=PORTAL
    )

    assert subject == "EIS case case-7: review due in 2 days (2024-06-13)"
    assert body == REMINDER_BODY


def test_the_escalation_email() -> None:
    subject, body = deadline_email(
        case("case-7", review_due_on=date(2024, 6, 13)), day=date(2024, 6, 20), escalated=True, portal_url=PORTAL
    )

    assert subject == "EIS case case-7: review overdue by 7 days (escalated to you)"
    assert body == ESCALATION_BODY


@pytest.mark.parametrize(
    ("days_left", "phrase"),
    [
        (3, "due in 3 days"),
        (1, "due tomorrow"),
        (0, "due today"),
        (-1, "overdue by 1 day"),
        (-7, "overdue by 7 days"),
    ],
)
def test_the_due_phrase(days_left: int, phrase: str) -> None:
    assert due_phrase(days_left) == phrase


def test_a_portal_url_with_or_without_a_trailing_slash_gives_one_link() -> None:
    with_slash = alert_email(
        alert("A1001", alert_id=OPAQUE), review_by=date(2024, 6, 8), portal_url="https://p.example.gov/"
    )
    without = alert_email(
        alert("A1001", alert_id=OPAQUE), review_by=date(2024, 6, 8), portal_url="https://p.example.gov"
    )

    assert with_slash == without
    assert f"https://p.example.gov/#/alerts/{OPAQUE}\n" in without[1]


def test_no_email_names_the_officer_or_the_scoring_date() -> None:
    # Given an alert with an opaque id, and a case holding it and an alert with an old-style id
    new = alert("A1001", alert_id=OPAQUE, as_of=date(2024, 6, 1))
    held = case("case-7", "A1001", alert_ids=[LEGACY, OPAQUE], review_due_on=date(2024, 6, 13))

    emails = {
        "alert": alert_email(new, review_by=date(2024, 6, 8), portal_url=PORTAL),
        "reminder": deadline_email(held, day=date(2024, 6, 11), escalated=False, portal_url=PORTAL),
        "escalation": deadline_email(held, day=date(2024, 6, 20), escalated=True, portal_url=PORTAL),
    }

    for kind, (subject, body) in emails.items():
        link = next(line for line in body.splitlines() if "https://" in line)
        for leak in ("A1001", "a1001", "2024-06-01", "Doe", "Pat"):
            assert leak not in subject and leak not in body and leak not in link, (kind, leak)
