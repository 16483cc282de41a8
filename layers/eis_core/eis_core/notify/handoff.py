"""The daily sweep's hand-off and deferral duties (called from ``NotificationService``).

- **Transfers**: an open case whose officer the roster now shows under another supervisor moves to
  that supervisor (``eis_core.cases.handoff.transfer_target``), who must acknowledge it. Audited as a
  system action (``case.transfer``). Conditional on the supervisor read, so a concurrent assignment wins
  and the next sweep looks again.
- **Hand-off reminders**: from ``handoff_remind_days`` after a hand-off, the supervisor it waits for
  gets one reminder a day (``DeadlineKind.HANDOFF``, sent once per case and day like the others).
- **Deferrals**: nothing goes to the chain of command for a deferred officer or case. On a deferral's
  review date the risk team is emailed once (``deferral.review_due``); without a risk team the sweep
  fails, naming it, rather than let the deferral lapse unseen.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from eis_core.cases.access import RosterCache
from eis_core.cases.handoff import transfer_target
from eis_core.cases.visibility import ActiveDeferrals
from eis_core.errors import ConflictError, EISError
from eis_core.models.audit import AuditEvent
from eis_core.models.cases import AssignmentKind, Case, CaseAssignment, Deferral, DeferralTarget
from eis_core.notify import templates
from eis_core.storage.ports import AuditLog, CaseStore, Mailer

ACTOR = "notify"
TRANSFER_REASON = "The roster shows the officer under a new supervisor."


def _now() -> datetime:
    return datetime.now(UTC)


def handed_on(case: Case) -> date | None:
    """The day of the hand-off still waiting for acknowledgement, if any."""
    if case.awaiting_acknowledgement_by is None or not case.assignments:
        return None
    return case.assignments[-1].at.date()


class HandoffSweep:
    def __init__(
        self,
        *,
        agency_id: str,
        cases: CaseStore,
        roster: RosterCache,
        audit: AuditLog,
        mailer: Mailer,
        portal_url: str,
        risk_team: Sequence[str],
        remind_after_days: int,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self._agency_id = agency_id
        self._cases = cases
        self._roster = roster
        self._audit = audit
        self._mailer = mailer
        self._portal_url = portal_url
        self._risk_team = tuple(risk_team)
        self._remind_after = remind_after_days
        self._clock = clock

    def deferrals(self) -> ActiveDeferrals:
        return ActiveDeferrals.of(self._cases.active_deferrals())

    def deferral_for(self, case: Case, deferred: ActiveDeferrals | None = None) -> Deferral | None:
        return (deferred or self.deferrals()).covering(case.officer_id, [case.case_id])

    def officer_deferral(self, officer_id: str, case_id: str | None) -> Deferral | None:
        """The deferral covering a new alert: the officer's own, or one on the officer's open case."""
        deferred = self.deferrals()
        found = deferred.covering(officer_id, [case_id])
        if found is None and any(d.officer_id == officer_id for d in deferred.by_case.values()):
            open_case = self._cases.open_case_for(officer_id)
            found = deferred.covering(officer_id, [open_case.case_id if open_case else None])
        return found

    # --- transfers ------------------------------------------------------------------------------

    def transfer_cases(self, day: date, *, request_id: str | None) -> tuple[int, list[str]]:
        """Move open cases to the officer's new roster supervisor; returns (transfers, failures)."""
        by_id = self._roster.officers()
        moved = 0
        failed: list[str] = []
        # The sweep's day at the time it runs: in production the two agree; tests set the day.
        at = datetime.combine(day, self._clock().timetz())
        for case in self._cases.list_open_cases():
            target = transfer_target(case, by_id)
            if target is None:
                continue
            assignment = CaseAssignment(
                kind=AssignmentKind.TRANSFERRED,
                supervisor_id=target,
                previous_supervisor_id=case.supervisor_id,
                at=at,
                by=ACTOR,
                by_role="system",
                reason=TRANSFER_REASON,
            )
            try:
                self._cases.assign_case(
                    case.case_id, assignment, expected_supervisor_id=case.supervisor_id, roster_supervisor_id=target
                )
            except ConflictError:
                continue  # assigned or closed meanwhile: the next sweep looks again
            except EISError as error:
                failed.append(f"{case.case_id}: transfer: {error}")
                continue
            moved += 1
            self._append(
                "case.transfer",
                "case",
                case.case_id,
                request_id,
                {
                    "supervisor_id": target,
                    "previous_supervisor_id": case.supervisor_id,
                    "kind": AssignmentKind.TRANSFERRED.value,
                    "day": day.isoformat(),
                },
            )
        return moved, failed

    # --- hand-off reminders ---------------------------------------------------------------------

    def handoff_due(self, case: Case, day: date) -> bool:
        handed = handed_on(case)
        return handed is not None and (day - handed).days >= self._remind_after

    def handoff_email(self, case: Case, day: date) -> tuple[str, str]:
        handed = handed_on(case) or day
        return templates.handoff_email(case, handed_on=handed, day=day, portal_url=self._portal_url)

    # --- deferral reviews -----------------------------------------------------------------------

    def review_deferrals(self, day: date, *, request_id: str | None) -> tuple[int, list[str]]:
        """Email the risk team once about each deferral whose review date has come; (sent, failures)."""
        due = self.deferrals().due_for_review(day)
        if due and not self._risk_team:
            return 0, [
                f"{d.target.value} deferral due for review on {d.review_on}: no risk team to tell "
                "(set EIS_RISK_TEAM_EMAILS)"
                for d in due
            ]
        sent = 0
        failed: list[str] = []
        for deferral in due:
            case_id = deferral.target_id if deferral.target is DeferralTarget.CASE else None
            subject, body = templates.deferral_review_email(
                case_id=case_id, review_on=deferral.review_on, portal_url=self._portal_url
            )
            try:
                message_id = self._mailer.send(to=list(self._risk_team), subject=subject, body=body)
                # Sent first, then marked: a crash in between repeats the email, never loses it.
                self._cases.mark_deferral_reviewed(deferral.target, deferral.target_id, day)
            except EISError as error:
                failed.append(f"{deferral.target.value} deferral review: {error}")
                continue
            sent += 1
            self._append(
                "deferral.review_due",
                deferral.target.value,
                deferral.target_id,
                request_id,
                {
                    "officer_id": deferral.officer_id,
                    "review_on": deferral.review_on.isoformat(),
                    "recipients": len(self._risk_team),
                    "message_id": message_id,
                },
            )
        return sent, failed

    def _append(
        self, action: str, target_type: str, target_id: str, request_id: str | None, detail: dict[str, object]
    ) -> None:
        self._audit.append(
            AuditEvent(
                actor=ACTOR,
                role="system",
                action=action,
                target_type=target_type,
                target_id=target_id,
                agency_id=self._agency_id,
                request_id=request_id,
                detail=detail,
            )
        )
