"""The alert dismissal and escalation marks, one suite over the in-memory and the DynamoDB adapters."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from eis_core.errors import ConflictError, NotFoundError
from eis_core.models.alerts import AlertDismissal, AlertStatus
from eis_core.models.cases import CaseStatus
from eis_core.wiring import Adapters, aws_adapters, memory_adapters
from eis_tools.local.resources import LocalSettings
from tests import builders

DISMISSAL = AlertDismissal(by="sub-risk", by_role="risk_manager", at=datetime(2024, 6, 3, tzinfo=UTC), reason="Dup.")


@pytest.fixture(params=["memory", "aws"])
def adapters(request: pytest.FixtureRequest) -> Adapters:
    if request.param == "memory":
        return memory_adapters("testville")
    settings: LocalSettings = request.getfixturevalue("settings")
    return aws_adapters(settings)


def test_a_new_alert_is_dismissed_once_keeping_who_when_and_why(adapters: Adapters) -> None:
    adapters.alerts.create_alert(builders.alert("A1", alert_id="alert-1"))

    dismissed = adapters.alerts.dismiss("alert-1", DISMISSAL)

    assert (dismissed.status, dismissed.dismissal) == (AlertStatus.DISMISSED, DISMISSAL)
    assert adapters.alerts.get_alert("alert-1") == dismissed
    assert [a.alert_id for a in adapters.alerts.list_alerts(AlertStatus.DISMISSED)] == ["alert-1"]
    with pytest.raises(ConflictError, match="dismissed"):
        adapters.alerts.dismiss("alert-1", DISMISSAL)
    with pytest.raises(NotFoundError):
        adapters.alerts.dismiss("alert-none", DISMISSAL)


def test_an_alert_with_a_case_is_not_dismissed(adapters: Adapters) -> None:
    adapters.alerts.create_alert(builders.alert("A1", alert_id="alert-1"))
    adapters.alerts.set_status("alert-1", AlertStatus.CASE_OPENED, case_id="case-1")

    with pytest.raises(ConflictError, match="case_opened"):
        adapters.alerts.dismiss("alert-1", DISMISSAL)
    stored = adapters.alerts.get_alert("alert-1")
    assert stored is not None and (stored.status, stored.dismissal) == (AlertStatus.CASE_OPENED, None)


def test_escalation_levels_only_rise_on_alerts_and_cases(adapters: Adapters) -> None:
    adapters.alerts.create_alert(builders.alert("A1", alert_id="alert-1"))
    adapters.cases.create_case(builders.case("case-1", "A2"))
    day1, day2 = date(2024, 6, 8), date(2024, 6, 15)

    marks = [
        adapters.alerts.record_escalation("alert-1", 1, day1),
        adapters.alerts.record_escalation("alert-1", 1, day2),  # the same level again: refused
        adapters.alerts.record_escalation("alert-1", 2, day2),
        adapters.cases.record_escalation("case-1", 1, day1),
        adapters.cases.record_escalation("case-1", 1, day2),
        adapters.alerts.record_escalation("alert-none", 1, day1),
        adapters.cases.record_escalation("case-none", 1, day1),
    ]

    assert marks == [True, False, True, True, False, False, False]
    alert = adapters.alerts.get_alert("alert-1")
    case = adapters.cases.get_case("case-1")
    assert alert is not None and (alert.escalated_level, alert.escalated_on) == (2, day2)
    assert case is not None and (case.escalated_level, case.escalated_on) == (1, day1)
    # a later move of the case keeps its mark, and the open-case listing carries it
    moved = builders.move_stored(adapters.cases, case.case_id, CaseStatus.IN_REVIEW)
    assert (moved.escalated_level, moved.escalated_on) == (1, day1)
    assert [(c.case_id, c.escalated_level) for c in adapters.cases.list_open_cases()] == [("case-1", 1)]
