"""The notifier's emails: subjects and plain-text bodies, in one place.

Every email names no officer and describes no event: it carries the alert (or case) id, its level or
review date and a portal link. Alert ids are opaque (``alert-`` and a keyed token) and case ids are
random, so no id names an officer or a date. An alert stored before opaque ids has an id that does
(``2024-06-01-A1234``): its email shows no id and links to the portal's alert list instead.
Whoever reads it signs in to the portal, where access is checked and audited.
``tests/unit/test_notify_templates.py`` pins each text exactly; change both together.
"""

from __future__ import annotations

from datetime import date
from string import Template

from eis_core.models.alerts import Alert
from eis_core.models.cases import Case

ALERT_SUBJECT = Template("EIS $level alert $alert_id: please review by $review_by")
ALERT_BODY = Template("""\
An Early Intervention System alert is waiting for your review.

Alert:      $alert_id
Level:      $level
Review by:  $review_by

Open it in the EIS portal: $link

An alert is a non-punitive prompt to look at an officer's recent record and offer support.
The details are in the portal only. Please do not forward this email.
""")

REMINDER_SUBJECT = Template("EIS case $case_id: review $due_phrase ($review_by)")
REMINDER_BODY = Template("""\
An Early Intervention System case assigned to you is waiting for its review.

Case:       $case_id
Review by:  $review_by ($due_phrase)

Open it in the EIS portal: $link

A case is a non-punitive prompt to look at an officer's recent record and offer support.
The details are in the portal only. Please do not forward this email.
""")

ESCALATION_SUBJECT = Template("EIS case $case_id: review $due_phrase (escalated to you)")
ESCALATION_BODY = Template("""\
An Early Intervention System case in your chain of command has not been reviewed
by its due date and has been escalated to you.

Case:       $case_id
Review by:  $review_by ($due_phrase)

Open it in the EIS portal: $link

A case is a non-punitive prompt to look at an officer's recent record and offer support.
The details are in the portal only. Please do not forward this email.
""")


def due_phrase(days_left: int) -> str:
    """``due in 3 days``, ``due tomorrow``, ``due today``, ``overdue by 1 day``, ``overdue by 7 days``."""
    if days_left > 1:
        return f"due in {days_left} days"
    if days_left == 1:
        return "due tomorrow"
    if days_left == 0:
        return "due today"
    return f"overdue by {-days_left} day{'s' if days_left < -1 else ''}"


def portal_link(portal_url: str, path: str) -> str:
    """A page of the portal: its routes live in the fragment (``/#/cases/…``), since the same origin's
    paths (``/cases/…``) are the case API's, which answer a browser with 401."""
    return f"{portal_url.rstrip('/')}/#/{path}"


LEGACY_ALERT_REFERENCE = "(see your alerts in the portal)"


def alert_email(alert: Alert, *, review_by: date, portal_url: str) -> tuple[str, str]:
    """Subject and plain-text body of a new alert's email (an old-style id, which names the officer, is left out)."""
    opaque = Alert.is_opaque_id(alert.alert_id)
    values = {
        "alert_id": alert.alert_id if opaque else LEGACY_ALERT_REFERENCE,
        "level": alert.level.value,
        "review_by": review_by.isoformat(),
        "link": portal_link(portal_url, f"alerts/{alert.alert_id}" if opaque else "alerts"),
    }
    return ALERT_SUBJECT.substitute(values), ALERT_BODY.substitute(values)


def deadline_email(case: Case, *, day: date, escalated: bool, portal_url: str) -> tuple[str, str]:
    """Subject and plain-text body of a review reminder (to the case's supervisor) or escalation (above them)."""
    values = {
        "case_id": case.case_id,
        "review_by": case.review_due_on.isoformat(),
        "due_phrase": due_phrase((case.review_due_on - day).days),
        "link": portal_link(portal_url, f"cases/{case.case_id}"),
    }
    subject, body = (ESCALATION_SUBJECT, ESCALATION_BODY) if escalated else (REMINDER_SUBJECT, REMINDER_BODY)
    return subject.substitute(values), body.substitute(values)


NEW_EVIDENCE_SUBJECT = Template("EIS case $case_id: new evidence ($level alert)")
NEW_EVIDENCE_BODY = Template("""\
A new Early Intervention System alert was added to a case in your care, as new evidence.
No new case was opened: please look at it as part of the case's review.

Case:       $case_id
Alert:      $alert_id
Level:      $level
Review by:  $review_by

Open it in the EIS portal: $link

A case is a non-punitive prompt to look at an officer's recent record and offer support.
The details are in the portal only. Please do not forward this email.
""")

ALERT_REMINDER_SUBJECT = Template("EIS $level alert $alert_id: review $due_phrase ($review_by)")
ALERT_REMINDER_BODY = Template("""\
An Early Intervention System alert is still waiting for your review: no case has been opened for it
and it has not been dismissed.

Alert:      $alert_id
Review by:  $review_by ($due_phrase)

Open it in the EIS portal: $link

An alert is a non-punitive prompt to look at an officer's recent record and offer support.
The details are in the portal only. Please do not forward this email.
""")

ALERT_ESCALATION_SUBJECT = Template("EIS $level alert $alert_id: review $due_phrase (escalated to you)")
ALERT_ESCALATION_BODY = Template("""\
An Early Intervention System alert in your chain of command has not been reviewed
by its due date (no case was opened, and it was not dismissed) and has been escalated to you.

Alert:      $alert_id
Review by:  $review_by ($due_phrase)

Open it in the EIS portal: $link

An alert is a non-punitive prompt to look at an officer's recent record and offer support.
The details are in the portal only. Please do not forward this email.
""")


def _alert_reference(alert: Alert, portal_url: str) -> dict[str, str]:
    opaque = Alert.is_opaque_id(alert.alert_id)
    return {
        "alert_id": alert.alert_id if opaque else LEGACY_ALERT_REFERENCE,
        "level": alert.level.value,
        "link": portal_link(portal_url, f"alerts/{alert.alert_id}" if opaque else "alerts"),
    }


def new_evidence_email(case: Case, alert: Alert, *, portal_url: str) -> tuple[str, str]:
    """Subject and body telling a case's supervisor that a later alert was merged into the case."""
    values = {
        "case_id": case.case_id,
        "alert_id": _alert_reference(alert, portal_url)["alert_id"],
        "level": alert.level.value,
        "review_by": case.review_due_on.isoformat(),
        "link": portal_link(portal_url, f"cases/{case.case_id}"),
    }
    return NEW_EVIDENCE_SUBJECT.substitute(values), NEW_EVIDENCE_BODY.substitute(values)


def alert_deadline_email(
    alert: Alert, *, review_by: date, day: date, escalated: bool, portal_url: str
) -> tuple[str, str]:
    """Subject and body of a reminder (or escalation) for an alert still waiting for a case."""
    values = _alert_reference(alert, portal_url) | {
        "review_by": review_by.isoformat(),
        "due_phrase": due_phrase((review_by - day).days),
    }
    subject, body = (
        (ALERT_ESCALATION_SUBJECT, ALERT_ESCALATION_BODY)
        if escalated
        else (ALERT_REMINDER_SUBJECT, ALERT_REMINDER_BODY)
    )
    return subject.substitute(values), body.substitute(values)


HANDOFF_SUBJECT = Template("EIS case $case_id: handed to you on $handed_on, please acknowledge")
HANDOFF_BODY = Template("""\
An Early Intervention System case has been handed to you and is waiting for you to
acknowledge it.

Case:       $case_id
Handed on:  $handed_on ($days_waiting)
Review by:  $review_by

Open it in the EIS portal and acknowledge it: $link

A case is a non-punitive prompt to look at an officer's recent record and offer support.
The details are in the portal only. Please do not forward this email.
""")

DEFERRAL_REVIEW_SUBJECT = Template("EIS deferral due for review ($review_on)")
DEFERRAL_REVIEW_BODY = Template("""\
A deferral of Early Intervention System notifications has reached its review date.
It stays in force, and the chain of command is still not notified, until a risk
manager ends it or defers again with a new review date.

Deferral:   $what
Review on:  $review_on

Review it in the EIS portal: $link

The details are in the portal only. Please do not forward this email.
""")


def handoff_email(case: Case, *, handed_on: date, day: date, portal_url: str) -> tuple[str, str]:
    """Subject and plain-text body of the daily reminder to acknowledge a case handed to the recipient."""
    waiting = (day - handed_on).days
    values = {
        "case_id": case.case_id,
        "handed_on": handed_on.isoformat(),
        "days_waiting": f"waiting {waiting} day{'s' if waiting != 1 else ''}",
        "review_by": case.review_due_on.isoformat(),
        "link": portal_link(portal_url, f"cases/{case.case_id}"),
    }
    return HANDOFF_SUBJECT.substitute(values), HANDOFF_BODY.substitute(values)


def deferral_review_email(*, case_id: str | None, review_on: date, portal_url: str) -> tuple[str, str]:
    """Subject and body telling the risk team a deferral is due for review.

    A case deferral names its (random) case id; an officer deferral names nobody: the portal's
    deferral list shows which officer.
    """
    values = {
        "what": f"case {case_id}" if case_id else "an officer (see the deferral list)",
        "review_on": review_on.isoformat(),
        "link": portal_link(portal_url, f"cases/{case_id}" if case_id else "deferrals"),
    }
    return DEFERRAL_REVIEW_SUBJECT.substitute(values), DEFERRAL_REVIEW_BODY.substitute(values)


CHECKIN_SUBJECT = Template("EIS case $case_id: intervention check-in $due_phrase ($due_on)")
CHECKIN_BODY = Template("""\
An Early Intervention System case you follow has an intervention check-in due.

Case:           $case_id
Check-in due:   $due_on ($due_phrase)
Interventions:  $count waiting for a check-in

Record the check-in in the EIS portal: $link

A case is a non-punitive prompt to look at an officer's recent record and offer support.
The details are in the portal only. Please do not forward this email.
""")

MONITORING_END_SUBJECT = Template("EIS case $case_id: monitoring over ($ends_on); please close it or continue support")
MONITORING_END_BODY = Template("""\
The monitoring period of an Early Intervention System case assigned to you is over.

Case:             $case_id
Monitoring ends:  $ends_on

Every intervention on the case has ended. Please look at the case in the EIS portal and close it,
or move it back to intervention_in_progress if more support is needed: $link

A case is a non-punitive prompt to look at an officer's recent record and offer support.
The details are in the portal only. Please do not forward this email.
""")


def checkin_email(case: Case, *, due_on: date, count: int, day: date, portal_url: str) -> tuple[str, str]:
    """Subject and plain-text body of a check-in reminder (to the interventions' owners and the case's supervisor)."""
    values = {
        "case_id": case.case_id,
        "due_on": due_on.isoformat(),
        "due_phrase": due_phrase((due_on - day).days),
        "count": str(count),
        "link": portal_link(portal_url, f"cases/{case.case_id}"),
    }
    return CHECKIN_SUBJECT.substitute(values), CHECKIN_BODY.substitute(values)


def monitoring_end_email(case: Case, *, ends_on: date, portal_url: str) -> tuple[str, str]:
    """Subject and plain-text body of the prompt to close a case whose monitoring is over (to its supervisor)."""
    link = portal_link(portal_url, f"cases/{case.case_id}")
    values = {"case_id": case.case_id, "ends_on": ends_on.isoformat(), "link": link}
    return MONITORING_END_SUBJECT.substitute(values), MONITORING_END_BODY.substitute(values)
