"""One suite for both wellness stores (in memory, and DynamoDB on moto in the cases table)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from eis_core.errors import ConflictError
from eis_core.models.wellness import CheckInStatus
from eis_core.storage.ports import WellnessStore
from eis_core.storage.wellness import InMemoryWellnessStore
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.resources import LocalSettings
from tests.integration.test_wellness_api import checkin


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[WellnessStore]:
    if request.param == "memory":
        yield InMemoryWellnessStore()
    else:
        settings: LocalSettings = request.getfixturevalue("settings")
        adapters: Adapters = aws_adapters(settings)
        yield adapters.wellness


def test_a_check_in_is_stored_once_listed_newest_first_and_updated_only_at_its_revision(store: WellnessStore) -> None:
    older, newer = checkin("wellness-aaaa"), checkin("wellness-bbbb", officer_id="A2002", supervisor="S2")

    assert store.create_checkin(older) and store.create_checkin(newer)
    assert not store.create_checkin(older)  # a re-run writes nothing
    assert [c.checkin_id for c in store.list_checkins()] == ["wellness-bbbb", "wellness-aaaa"]
    assert store.get_checkin("wellness-aaaa") == older
    assert store.get_checkin("wellness-none") is None

    acknowledged = older.model_copy(
        update={"status": CheckInStatus.ACKNOWLEDGED, "acknowledged_at": datetime(2025, 6, 2, tzinfo=UTC)}
    )
    updated = store.update_checkin(acknowledged, expected_revision=1)
    assert (updated.revision, store.get_checkin("wellness-aaaa")) == (2, updated)
    with pytest.raises(ConflictError):
        store.update_checkin(acknowledged, expected_revision=1)


def test_check_ins_in_the_cases_table_are_invisible_to_every_case_read(settings: LocalSettings) -> None:
    adapters = aws_adapters(settings)
    assert adapters.wellness.create_checkin(checkin())

    assert list(adapters.cases.iter_cases()) == []
    assert adapters.cases.open_case_for("A1001") is None
    assert adapters.cases.cases_of("A1001") == [] and adapters.cases.list_open_cases() == []
    assert adapters.cases.get_case("WELLNESS") is None
