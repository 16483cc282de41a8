"""The queue's workflow sections: intervention check-ins due, and hand-offs waiting to be acknowledged.

Both read the case listing indexes (``eis_core.cases.listing``), never a table scan, and stop after a
bounded number of pages (``MAX_SECTION_PAGES``), so a queue answer costs the same whatever the agency's
size; a section is a reminder of what is due, the lists (``GET /cases``) hold everything.

- **Hand-offs to acknowledge**: for a supervisor, open cases handed to them (by a person or a roster
  transfer) that they have not acknowledged, read from the supervisor index, whatever the officer's
  chain; for risk managers, admins and auditors, every open case still waiting for its new supervisor
  (they oversee that hand-offs are taken up).
- **Check-ins due**: interventions not ended whose next check-in date has come
  (``eis_core.notify.follow_up.checkins_due``), on cases at their intervention stage: for a supervisor,
  the cases they hold (whom the sweep reminds); for risk managers, admins and auditors, every such case.
  Interventions are stored beside their case, so each such case is read whole; the listing bounds how many.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from eis_core.cases.listing import CaseQuery, Listings, QueueEntry, QueueFor, QueueSection, QueueSource
from eis_core.models.cases import Case, CaseStatus
from eis_core.notify.follow_up import FOLLOW_UP_STATUSES, checkins_due
from eis_core.storage.ports import AlertStore, CaseStore

MAX_SECTION_PAGES = 4
"""Listing pages a section reads at most (each at most ``limit`` cases and ``paging.READ_BUDGET`` items)."""

OPEN_STATUSES = tuple(status for status in CaseStatus if status is not CaseStatus.CLOSED)


def _walk(
    listings: Listings,
    query: CaseQuery,
    *,
    statuses: tuple[CaseStatus, ...],
    today: date,
    limit: int,
    listing: str,
) -> Iterator[Case]:
    cursor: str | None = None
    for _ in range(MAX_SECTION_PAGES):
        page = listings.cases(None, query, today=today, limit=limit, cursor=cursor, statuses=statuses, listing=listing)
        yield from page.items
        cursor = page.cursor
        if cursor is None:
            return


def handoffs_source(listings: Listings) -> QueueSource:
    def handoffs(caller: QueueFor, today: date, limit: int) -> list[QueueEntry]:
        if caller.sees_all:
            query = CaseQuery()
        elif caller.officer_id is None:
            return []
        else:
            # Handed to this supervisor: the case's supervisor is them, whatever the officer's chain.
            query = CaseQuery(supervisor_id=caller.officer_id)
        entries: list[QueueEntry] = []
        for case in _walk(listings, query, statuses=OPEN_STATUSES, today=today, limit=limit, listing="queue.handoffs"):
            waiting = case.awaiting_acknowledgement_by
            if waiting is None or (not caller.sees_all and waiting != caller.officer_id):
                continue
            handed_on = case.assignments[-1].at.date() if case.assignments else None
            entries.append(
                QueueEntry(case_id=case.case_id, officer_id=case.officer_id, due_on=handed_on, detail=waiting)
            )
            if len(entries) >= limit:
                break
        return sorted(entries, key=lambda e: (e.due_on or today, e.case_id))

    return handoffs


def checkins_source(listings: Listings, cases: CaseStore) -> QueueSource:
    statuses = tuple(status for status in CaseStatus if status in FOLLOW_UP_STATUSES)

    def checkins(caller: QueueFor, today: date, limit: int) -> list[QueueEntry]:
        if caller.sees_all:
            query = CaseQuery()
        elif caller.officer_id is None:
            return []
        else:
            # The case's supervisor holds the check-ins (the sweep reminds them), whatever the officer's chain.
            query = CaseQuery(supervisor_id=caller.officer_id)
        entries: list[QueueEntry] = []
        for listed in _walk(listings, query, statuses=statuses, today=today, limit=limit, listing="queue.checkins"):
            case = cases.get_case(listed.case_id)  # with its interventions, which the index does not hold
            if case is None:
                continue
            entries.extend(
                QueueEntry(
                    case_id=case.case_id,
                    officer_id=case.officer_id,
                    due_on=intervention.next_checkin_due_on,
                    detail=intervention.intervention_id,
                )
                for intervention in checkins_due(case, today)
            )
        entries.sort(key=lambda e: (e.due_on or today, e.case_id, e.detail))
        return entries[:limit]

    return checkins


def queue_sources(*, alerts: AlertStore, cases: CaseStore) -> dict[QueueSection, QueueSource]:
    """The sections ``CaseService.queue`` fills besides alerts and cases."""
    listings = Listings(alerts=alerts, cases=cases)
    return {
        QueueSection.CHECKINS_DUE: checkins_source(listings, cases),
        QueueSection.HANDOFFS_TO_ACKNOWLEDGE: handoffs_source(listings),
    }
