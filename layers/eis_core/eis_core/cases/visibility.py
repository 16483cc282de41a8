"""Who sees a case beyond the chain of command: its assigned supervisor, and nobody in the chain while deferred.

The supervisor a case is assigned (or being handed) to reads and works it, even when the officer is
outside their chain of command (``is_assigned_to``).

Deferred notification (NJ AG Directive 2018-3): pure rules over the agency's active deferrals.

A risk manager defers a case or an officer, with a reason and a review date, e.g. while a criminal
investigation must not be tipped off. While a deferral is active:
- the chain of command is not notified (the notifier sends supervisors nothing for that officer or case);
- supervisors do not see it: reads answer 404 (audited as denied), lists leave it out. Risk managers,
  admins and auditors see it, with the deferral;
- it never lapses silently: from the review date it shows as ``deferral_expired``, the daily sweep emails
  the risk team once, and it stays in force until a risk manager ends it (or defers again with a new date).

An officer deferral covers every alert and case of that officer; a case deferral covers the case and
the alerts on it. The active deferrals are few and read whole with one query (``CaseStore.active_deferrals``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from eis_core.cases.access import Caller
from eis_core.errors import NotFoundError
from eis_core.models.cases import Case, Deferral, DeferralTarget


class DeferredError(NotFoundError):
    """Deferred from the chain of command: answered as not found to a supervisor, audited as denied."""


@dataclass(frozen=True)
class ActiveDeferrals:
    """The agency's active deferrals, indexed by officer and by case."""

    by_officer: dict[str, Deferral] = field(default_factory=dict)
    by_case: dict[str, Deferral] = field(default_factory=dict)

    @classmethod
    def of(cls, deferrals: Iterable[Deferral]) -> ActiveDeferrals:
        by_officer: dict[str, Deferral] = {}
        by_case: dict[str, Deferral] = {}
        for deferral in deferrals:
            if deferral.ended_at is not None:
                continue
            if deferral.target is DeferralTarget.OFFICER:
                by_officer[deferral.target_id] = deferral
            else:
                by_case[deferral.target_id] = deferral
        return cls(by_officer, by_case)

    def covering(self, officer_id: str, case_ids: Sequence[str | None] = ()) -> Deferral | None:
        """The deferral that hides this officer's item (the case's own first, then the officer's), if any."""
        for case_id in case_ids:
            if case_id is not None and case_id in self.by_case:
                return self.by_case[case_id]
        return self.by_officer.get(officer_id)

    def hides(self, officer_id: str, case_ids: Sequence[str | None] = ()) -> bool:
        return self.covering(officer_id, case_ids) is not None

    def due_for_review(self, day: date) -> list[Deferral]:
        """Expired deferrals the risk team has not been told about yet, officers first, then cases."""
        return [
            deferral
            for deferral in [*self.by_officer.values(), *self.by_case.values()]
            if deferral.expired(day) and deferral.review_notified_on is None
        ]


def is_assigned_to(caller: Caller, case: Case) -> bool:
    """True when the case is (being) handed to the caller's own officer id: they may read and work it."""
    return caller.officer_id is not None and caller.officer_id in (case.supervisor_id, case.awaiting_acknowledgement_by)
