"""What the daily sweep follows up on a case at its intervention stage: check-ins due, and the end of monitoring.

Pure: a case (read with its interventions) and a day in, what is due out. The dates were stamped on each
intervention by the case API (``eis_core.cases.interventions``), so no agency policy is needed here.

- a check-in is due on an intervention that has not ended once its ``next_checkin_due_on`` has come;
- monitoring is over once a case in ``monitoring`` with every intervention ended reaches its
  ``monitoring_ends_on`` (the case's supervisor is prompted to close it, or to go on supporting).

A closed case is followed up on for nothing.
"""

from __future__ import annotations

from datetime import date

from eis_core.models.cases import Case, CaseStatus, Intervention

FOLLOW_UP_STATUSES = frozenset(
    {CaseStatus.INTERVENTION_PLANNED, CaseStatus.INTERVENTION_IN_PROGRESS, CaseStatus.MONITORING}
)
"""Past the review: these cases get check-in and monitoring notices instead of review reminders."""


def checkins_due(case: Case, day: date) -> list[Intervention]:
    """Interventions on ``case`` that have not ended and whose next check-in is due on or before ``day``."""
    if case.status not in FOLLOW_UP_STATUSES:
        return []
    return [
        intervention
        for intervention in case.interventions
        if not intervention.done
        and intervention.next_checkin_due_on is not None
        and intervention.next_checkin_due_on <= day
    ]


def checkin_due_on(case: Case, day: date) -> date | None:
    """The latest check-in date that has come, if any: one notice per such date, whichever intervention it is."""
    due = [i.next_checkin_due_on for i in checkins_due(case, day) if i.next_checkin_due_on is not None]
    return max(due) if due else None


def monitoring_over(case: Case, day: date) -> date | None:
    """When ``case``'s monitoring ended, if it is in monitoring and that day has come; None otherwise."""
    ends_on = case.monitoring_ends_on
    return ends_on if ends_on is not None and ends_on <= day else None
