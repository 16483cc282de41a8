"""The two listings the command view reads from a period's start, on the in-memory and the DynamoDB adapters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from eis_core.models.alerts import AlertStatus
from eis_core.models.cases import CaseStatus, Disposition
from eis_core.storage.paging import InvalidCursorError
from eis_core.wiring import Adapters, aws_adapters, memory_adapters
from eis_tools.local.resources import LocalSettings
from tests import builders

SINCE = datetime(2024, 3, 1, tzinfo=UTC)


@pytest.fixture(params=["memory", "aws"])
def adapters(request: pytest.FixtureRequest) -> Adapters:
    if request.param == "memory":
        return memory_adapters("testville")
    settings: LocalSettings = request.getfixturevalue("settings")
    return aws_adapters(settings)


def test_alerts_raised_since_a_day_are_listed_oldest_first_and_page_without_gaps(adapters: Adapters) -> None:
    # Given new alerts a day before, at, and after the period's start, and a dismissed one after it
    for number, moment in enumerate([SINCE - timedelta(days=1), SINCE, SINCE + timedelta(days=2)]):
        adapters.alerts.create_alert(builders.alert(f"A{number}", alert_id=f"alert-{number}", created_at=moment))
    adapters.alerts.create_alert(
        builders.alert("A9", alert_id="alert-9", created_at=SINCE, status=AlertStatus.DISMISSED)
    )

    first = adapters.alerts.alerts_page(AlertStatus.NEW, created_from=SINCE, limit=1)
    second = adapters.alerts.alerts_page(AlertStatus.NEW, created_from=SINCE, limit=1, start=first.next)

    assert [a.alert_id for a in first.items] == ["alert-1"] and first.next is not None
    assert [a.alert_id for a in second.items] == ["alert-2"] and second.next is None
    with pytest.raises(InvalidCursorError):
        adapters.alerts.alerts_page(AlertStatus.DISMISSED, created_from=SINCE, limit=1, start=first.next)


def test_cases_closed_since_a_day_are_listed_with_their_disposition(adapters: Adapters) -> None:
    # Given two closed cases and an open one
    for case_id, officer_id in [("case-1", "A1"), ("case-2", "A2"), ("case-3", "A3")]:
        adapters.cases.create_case(builders.case(case_id, officer_id))
    builders.move_stored(adapters.cases, "case-1", CaseStatus.CLOSED, disposition=Disposition.FALSE_POSITIVE)
    builders.move_stored(adapters.cases, "case-2", CaseStatus.CLOSED)
    now = datetime.now(UTC)

    first = adapters.cases.closed_cases_page(closed_from=SINCE, limit=1)
    rest = adapters.cases.closed_cases_page(closed_from=SINCE, limit=10, start=first.next)
    later = adapters.cases.closed_cases_page(closed_from=now + timedelta(minutes=1), limit=10)

    assert [(c.case_id, c.disposition) for c in first.items] == [("case-1", Disposition.FALSE_POSITIVE)]
    assert [(c.case_id, c.disposition) for c in rest.items] == [("case-2", Disposition.NO_ACTION_NEEDED)]
    assert rest.next is None and later.items == []
