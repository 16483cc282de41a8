"""The complaint emails' texts: the intake unit's chase and the supervisor's new-complaint notice.

The chase names the complaint number and its dates only (the intake unit already holds them); the
new-complaint notice names no officer in its subject and links to the officer in the portal, where
access is checked and audited. ``tests/unit/test_complaint_timeliness.py`` pins the key phrases.
"""

from __future__ import annotations

from datetime import date
from string import Template

from eis_core.notify.templates import portal_link

OVERDUE_SUBJECT = Template("EIS complaint $complaint_number: not acknowledged within $within business days")
OVERDUE_BODY = Template("""\
A complaint has not been acknowledged to the complainant within the agency's window.

Complaint:        $complaint_number
Received:         $received_on
Acknowledge by:   $acknowledge_by
Business days waiting: $waiting

Please send the acknowledgment letter (eis complaints letters) and record the date it was sent
in the next complaint extract. This notice is sent once for each complaint.
""")

NEW_COMPLAINT_SUBJECT = "EIS: a new complaint about an officer you supervise"
NEW_COMPLAINT_BODY = Template("""\
A new complaint has been received about an officer you supervise.

Complaint:  $complaint_number
Received:   $received_on

The officer's record is in the EIS portal: $link

A complaint is an allegation, not a finding. The details are in the portal only.
Please do not forward this email.
""")


def overdue_email(
    *, complaint_number: str, received_on: date, acknowledge_by: date, within: int, waiting: int
) -> tuple[str, str]:
    values = {
        "complaint_number": complaint_number,
        "received_on": received_on.isoformat(),
        "acknowledge_by": acknowledge_by.isoformat(),
        "within": within,
        "waiting": waiting,
    }
    return OVERDUE_SUBJECT.substitute(values), OVERDUE_BODY.substitute(values)


def new_complaint_email(
    *, complaint_number: str, received_on: date, officer_id: str, portal_url: str
) -> tuple[str, str]:
    body = NEW_COMPLAINT_BODY.substitute(
        complaint_number=complaint_number,
        received_on=received_on.isoformat(),
        link=portal_link(portal_url, f"officers/{officer_id}"),
    )
    return NEW_COMPLAINT_SUBJECT, body
