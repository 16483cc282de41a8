"""Listing pages and case versions: the in-memory and DynamoDB (moto) adapters pass the same tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from eis_core.cases.listing import CaseQuery, Listings
from eis_core.errors import PreconditionFailedError
from eis_core.models.alerts import AlertStatus
from eis_core.models.cases import CaseStatus, CaseTransition, Note
from eis_core.storage.paging import CaseIndex, InvalidCursorError
from eis_core.wiring import Adapters, aws_adapters, memory_adapters
from eis_tools.local.resources import LocalSettings
from tests import builders

T0 = datetime(2024, 3, 1, 6, 0, tzinfo=UTC)
TODAY = date(2024, 3, 20)
MAX_PAGES = 60  # more than any walk below needs: a cursor that never ends fails instead of hanging


@pytest.fixture(params=["memory", "aws"])
def adapters(request: pytest.FixtureRequest) -> Adapters:
    if request.param == "memory":
        return memory_adapters("testville")
    settings: LocalSettings = request.getfixturevalue("settings")
    return aws_adapters(settings)


def officers(count: int) -> list[str]:
    return [f"P{n:03d}" for n in range(count)]


def walk_alerts(listings: Listings, *, page: int, scope: frozenset[str] | None = None) -> list[str]:
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        result = listings.alerts(scope, status=None, limit=page, cursor=cursor)
        assert len(result.items) <= page
        seen += [alert.alert_id for alert in result.items]
        cursor = result.cursor
        if cursor is None:
            return seen
    raise AssertionError(f"still a cursor after {MAX_PAGES} pages")


def test_alert_pages_cover_every_alert_once_even_when_many_share_a_moment(adapters: Adapters) -> None:
    # Given 37 alerts in three statuses, 30 of them created at the same moment
    ids = []
    for number, officer_id in enumerate(officers(37)):
        created = T0 if number < 30 else T0.replace(hour=7 + number - 30)
        alert = builders.alert(officer_id, created_at=created)
        adapters.alerts.create_alert(alert)
        ids.append(alert.alert_id)
        if number % 5 == 0:
            adapters.alerts.set_status(alert.alert_id, AlertStatus.CASE_OPENED, case_id=f"case-{number}")
        elif number % 7 == 0:
            adapters.alerts.set_status(alert.alert_id, AlertStatus.DISMISSED, case_id=None)
    listings = Listings(alerts=adapters.alerts, cases=adapters.cases)

    # When the alerts are read 4 at a time, and then by someone who may see only 5 officers
    seen = walk_alerts(listings, page=4)
    scope = frozenset(officers(37)[::8])
    scoped = walk_alerts(listings, page=2, scope=scope)

    # Then each alert comes exactly once, oldest first, and the scoped walk sees only its officers
    assert len(seen) == 37 and sorted(seen) == sorted(ids)
    assert seen[-7:] == ids[-7:]  # the seven later alerts, in time order, after the 30 of 06:00
    assert sorted(scoped) == sorted(ids[::8])


def test_case_pages_follow_review_dates_across_statuses_and_index_filters(adapters: Adapters) -> None:
    # Given 23 cases due on five dates, some moved on, some of supervisor S9
    for number, officer_id in enumerate(officers(23)):
        case = builders.case(
            f"case-{number:02d}",
            officer_id,
            review_due_on=date(2024, 3, 16 + number % 5),
            supervisor_id="S9" if number % 3 == 0 else "S1",
        )
        adapters.cases.create_case(case)
        if number % 4 == 0:
            move = CaseTransition(
                from_status=CaseStatus.OPEN, to_status=CaseStatus.IN_REVIEW, at=T0, by="sub-s", by_role="supervisor"
            )
            adapters.cases.transition_case(case.case_id, move, expected_moves=0)
    listings = Listings(alerts=adapters.alerts, cases=adapters.cases)

    def walk(query: CaseQuery, page: int) -> list[tuple[date, str]]:
        seen: list[tuple[date, str]] = []
        cursor = None
        for _ in range(MAX_PAGES):
            result = listings.cases(None, query, today=TODAY, limit=page, cursor=cursor)
            seen += [(case.review_due_on, case.case_id) for case in result.items]
            if (cursor := result.cursor) is None:
                return seen
        raise AssertionError(f"still a cursor after {MAX_PAGES} pages")

    every = walk(CaseQuery(), page=3)
    assert len(every) == 23 and len({case_id for _, case_id in every}) == 23
    assert [due for due, _ in every] == sorted(due for due, _ in every)
    s9 = walk(CaseQuery(supervisor_id="S9"), page=2)
    assert sorted(case_id for _, case_id in s9) == [f"case-{n:02d}" for n in range(0, 23, 3)]
    overdue = walk(CaseQuery(overdue=True), page=4)
    assert {due for due, _ in overdue} == {date(2024, 3, 16), date(2024, 3, 17), date(2024, 3, 18), date(2024, 3, 19)}
    in_review = walk(CaseQuery(status=CaseStatus.IN_REVIEW), page=2)
    assert sorted(case_id for _, case_id in in_review) == [f"case-{n:02d}" for n in range(0, 23, 4)]


def test_a_start_key_from_another_partition_or_of_another_shape_is_refused(adapters: Adapters) -> None:
    adapters.cases.create_case(builders.case("case-1", "P001"))
    page = adapters.cases.cases_page(CaseIndex.STATUS, "open", limit=1)
    assert page.keys and page.keys[0]["case_id"] == "case-1"

    with pytest.raises(InvalidCursorError):
        adapters.cases.cases_page(CaseIndex.STATUS, "closed", limit=1, start=page.keys[0])
    with pytest.raises(InvalidCursorError):
        adapters.cases.cases_page(CaseIndex.STATUS, "open", limit=1, start={"case_id": "case-1"})
    listings = Listings(alerts=adapters.alerts, cases=adapters.cases)
    with pytest.raises(InvalidCursorError):
        listings.cases(None, CaseQuery(), today=TODAY, limit=5, cursor="%%%")


def test_every_write_moves_a_case_version_and_a_stale_version_changes_nothing(adapters: Adapters) -> None:
    adapters.cases.create_case(builders.case("case-1", "P001"))
    note = Note(note_id="n1", case_id="case-1", created_at=T0, author="s", author_role="supervisor", text="Hi.")

    adapters.cases.add_note(note, expected_version=0)
    adapters.cases.add_alert("case-1", "alert-2")
    stored = adapters.cases.get_case("case-1")
    assert stored is not None and stored.version == 2

    stale = note.model_copy(update={"note_id": "n2"})
    with pytest.raises(PreconditionFailedError):
        adapters.cases.add_note(stale, expected_version=1)
    move = CaseTransition(
        from_status=CaseStatus.OPEN, to_status=CaseStatus.IN_REVIEW, at=T0, by="s", by_role="supervisor"
    )
    with pytest.raises(PreconditionFailedError):
        adapters.cases.transition_case("case-1", move, expected_moves=0, expected_version=1)
    unchanged = adapters.cases.get_case("case-1")
    assert unchanged is not None and unchanged.version == 2
    assert unchanged.status is CaseStatus.OPEN and [n.note_id for n in unchanged.notes] == ["n1"]

    moved = adapters.cases.transition_case("case-1", move, expected_moves=0, expected_version=2)
    assert moved.version == 3 and moved.status is CaseStatus.IN_REVIEW
