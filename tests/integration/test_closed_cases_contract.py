"""Closed cases by closing time, for feedback counts: the in-memory and DynamoDB adapters agree."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from eis_core.models.cases import CaseStatus, CaseTransition, Disposition
from eis_core.wiring import Adapters, aws_adapters, memory_adapters
from eis_tools.local.resources import LocalSettings
from tests import builders


@pytest.fixture(params=["memory", "aws"])
def adapters(request: pytest.FixtureRequest) -> Adapters:
    if request.param == "memory":
        return memory_adapters("testville")
    settings: LocalSettings = request.getfixturevalue("settings")
    return aws_adapters(settings)


def _move(source: CaseStatus, target: CaseStatus, day: int, disposition: Disposition | None = None) -> CaseTransition:
    return CaseTransition(
        from_status=source,
        to_status=target,
        at=datetime(2024, 6, day, 12, tzinfo=UTC),
        by="sub-risk",
        by_role="risk_manager",
        reason="Reviewed.",
        disposition=disposition,
        disagreed_rules=["uof_90d"] if disposition is Disposition.FALSE_POSITIVE else [],
    )


def test_closed_cases_are_listed_oldest_closure_first_and_reopened_ones_drop_out(adapters: Adapters) -> None:
    # Given three cases: closed on the 10th, closed on the 5th, and closed on the 3rd then reopened
    cases = adapters.cases
    for case_id, officer in [("c-late", "A1"), ("c-early", "A2"), ("c-reopened", "A3"), ("c-open", "A4")]:
        cases.create_case(builders.case(case_id, officer, review_due_on=date(2024, 6, 30)))
    cases.transition_case(
        "c-late", _move(CaseStatus.OPEN, CaseStatus.CLOSED, 10, Disposition.NO_ACTION_NEEDED), expected_moves=0
    )
    cases.transition_case(
        "c-early", _move(CaseStatus.OPEN, CaseStatus.CLOSED, 5, Disposition.FALSE_POSITIVE), expected_moves=0
    )
    cases.transition_case(
        "c-reopened", _move(CaseStatus.OPEN, CaseStatus.CLOSED, 3, Disposition.NO_ACTION_NEEDED), expected_moves=0
    )
    cases.transition_case("c-reopened", _move(CaseStatus.CLOSED, CaseStatus.IN_REVIEW, 4), expected_moves=1)

    # When the closed cases are listed, all of them and those closed before the 8th
    everything = list(cases.closed_cases())
    before_8th = list(cases.closed_cases(closed_before=datetime(2024, 6, 8, tzinfo=UTC)))

    # Then they come oldest closure first, with disposition and the reviewer's disagreement
    assert [c.case_id for c in everything] == ["c-early", "c-late"]
    assert [c.case_id for c in before_8th] == ["c-early"]
    early = before_8th[0]
    assert early.disposition is Disposition.FALSE_POSITIVE
    assert early.history[-1].disagreed_rules == ["uof_90d"]
