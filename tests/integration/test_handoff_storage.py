"""The hand-off and deferral storage contract: the in-memory and the DynamoDB case stores behave alike."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from eis_core.errors import ConflictError, NotFoundError
from eis_core.models.cases import AssignmentKind, CaseAssignment, CaseStatus, Deferral, DeferralTarget
from eis_core.wiring import Adapters
from tests.builders import move_stored
from tests.integration.test_storage_contract import T0, adapters, case

__all__ = ["adapters"]  # the two-adapter fixture, shared with the storage contract


def assignment(supervisor_id: str, previous: str | None) -> CaseAssignment:
    return CaseAssignment(
        kind=AssignmentKind.ASSIGNED,
        supervisor_id=supervisor_id,
        previous_supervisor_id=previous,
        at=T0,
        by="sub-risk",
        by_role="risk_manager",
        reason="S1 on leave.",
    )


def deferral(target: DeferralTarget, target_id: str, review_on: date = date(2024, 4, 1)) -> Deferral:
    return Deferral(
        target=target,
        target_id=target_id,
        officer_id="A1" if target is DeferralTarget.CASE else target_id,
        reason="Investigation.",
        review_on=review_on,
        deferred_at=T0,
        deferred_by="sub-risk",
        deferred_by_role="risk_manager",
    )


def test_a_hand_off_is_conditional_on_the_supervisor_read_and_acknowledged_once(adapters: Adapters) -> None:
    adapters.cases.create_case(case("case-1", "A1").model_copy(update={"supervisor_id": "S1"}))

    handed = adapters.cases.assign_case(
        "case-1", assignment("S2", "S1"), expected_supervisor_id="S1", roster_supervisor_id="S1"
    )
    with pytest.raises(ConflictError):  # a second hand-off from the same stale read
        adapters.cases.assign_case(
            "case-1", assignment("S3", "S1"), expected_supervisor_id="S1", roster_supervisor_id="S1"
        )
    with pytest.raises(ConflictError):
        adapters.cases.acknowledge_case("case-1", supervisor_id="S3", at=T0)
    acknowledged = adapters.cases.acknowledge_case("case-1", supervisor_id="S2", at=T0 + timedelta(hours=1))
    with pytest.raises(ConflictError):
        adapters.cases.acknowledge_case("case-1", supervisor_id="S2", at=T0)
    with pytest.raises(NotFoundError):
        adapters.cases.assign_case(
            "nope", assignment("S2", None), expected_supervisor_id=None, roster_supervisor_id=None
        )

    assert (handed.supervisor_id, handed.awaiting_acknowledgement_by, handed.roster_supervisor_id) == ("S2", "S2", "S1")
    assert handed.assignments == [assignment("S2", "S1")]
    assert (acknowledged.acknowledged_by, acknowledged.awaiting_acknowledgement_by) == ("S2", None)
    assert acknowledged.acknowledged_at == T0 + timedelta(hours=1)
    stored = adapters.cases.get_case("case-1")
    assert stored == acknowledged
    assert [c.case_id for c in adapters.cases.list_open_cases()] == ["case-1"]


def test_a_closed_case_is_not_handed_off(adapters: Adapters) -> None:
    adapters.cases.create_case(case("case-1", "A1").model_copy(update={"supervisor_id": "S1"}))
    closed = adapters.cases.get_case("case-1")
    assert closed is not None
    move_stored(adapters.cases, closed.case_id, CaseStatus.CLOSED)

    with pytest.raises(ConflictError):
        adapters.cases.assign_case(
            "case-1", assignment("S2", "S1"), expected_supervisor_id="S1", roster_supervisor_id="S1"
        )


def test_deferrals_are_listed_without_cases_replaced_marked_once_and_ended_into_history(adapters: Adapters) -> None:
    adapters.cases.create_case(case("case-1", "A1"))
    adapters.cases.put_deferral(deferral(DeferralTarget.CASE, "case-1"))
    adapters.cases.put_deferral(deferral(DeferralTarget.OFFICER, "A7"))
    adapters.cases.put_deferral(deferral(DeferralTarget.OFFICER, "A7", date(2024, 5, 1)))  # renewed

    listed = adapters.cases.active_deferrals()
    first_mark = adapters.cases.mark_deferral_reviewed(DeferralTarget.OFFICER, "A7", date(2024, 5, 1))
    second_mark = adapters.cases.mark_deferral_reviewed(DeferralTarget.OFFICER, "A7", date(2024, 5, 2))
    ended = adapters.cases.end_deferral(DeferralTarget.CASE, "case-1", at=T0, by="sub-risk", reason="Closed.")

    assert [(d.target, d.target_id, d.review_on) for d in listed] == [
        (DeferralTarget.CASE, "case-1", date(2024, 4, 1)),
        (DeferralTarget.OFFICER, "A7", date(2024, 5, 1)),
    ]
    assert (first_mark, second_mark) == (True, False)
    officer = adapters.cases.get_deferral(DeferralTarget.OFFICER, "A7")
    assert officer is not None and officer.review_notified_on == date(2024, 5, 1)
    assert (ended.ended_at, ended.ended_by, ended.end_reason) == (T0, "sub-risk", "Closed.")
    assert [d.target_id for d in adapters.cases.active_deferrals()] == ["A7"]
    assert adapters.cases.get_deferral(DeferralTarget.CASE, "case-1") is None
    assert adapters.cases.get_case("case-1") is not None  # deferrals live beside cases, never as one
    assert [c.case_id for c in adapters.cases.list_open_cases()] == ["case-1"]
    with pytest.raises(NotFoundError):
        adapters.cases.end_deferral(DeferralTarget.CASE, "case-1", at=T0, by="sub-risk", reason="Again.")
    assert adapters.cases.mark_deferral_reviewed(DeferralTarget.CASE, "case-1", date(2024, 5, 1)) is False
