"""The inspecting pass sets the objects alive before it aside from the cycle collector, and puts them back."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from eis_core.ingest.heap import YOUNG_THRESHOLD, existing_objects_set_aside


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()


@pytest.mark.usefixtures("unfrozen")
def test_objects_alive_before_the_pass_are_set_aside_during_it_and_back_after() -> None:
    # Given a heap with nothing set aside
    assert gc.get_freeze_count() == 0

    # When a pass runs
    with existing_objects_set_aside():
        during = gc.get_freeze_count()
        cycle: list[object] = []
        cycle.append(cycle)  # garbage made in the pass is still collected
        del cycle
        found = gc.collect()

    # Then the older objects were set aside during it, and are back with the collector after it
    assert during > 0 and found >= 1
    assert gc.get_freeze_count() == 0


@pytest.mark.usefixtures("unfrozen")
def test_a_caller_that_froze_objects_itself_keeps_them_frozen() -> None:
    # Given objects already frozen by the caller
    gc.freeze()
    frozen = gc.get_freeze_count()

    # When a pass runs, and after it
    with existing_objects_set_aside():
        assert gc.get_freeze_count() == frozen

    # Then nothing was unfrozen
    assert gc.get_freeze_count() == frozen


@pytest.mark.usefixtures("unfrozen")
def test_what_a_pass_keeps_is_set_aside_until_it_ends_and_the_collector_settings_come_back() -> None:
    # Given the collector's own settings
    before = gc.get_threshold()

    # When a pass keeps objects (records written to an in-memory store) and sets them aside
    with existing_objects_set_aside() as set_aside_kept:
        assert gc.get_threshold()[0] >= YOUNG_THRESHOLD  # young objects are collected less often during it
        frozen_at_start = gc.get_freeze_count()
        kept = [[index] for index in range(1000)]
        set_aside_kept()
        during = gc.get_freeze_count()

    # Then they were set aside during the pass, and after it everything is back, settings included
    assert during >= frozen_at_start + len(kept)
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


@pytest.mark.usefixtures("unfrozen")
def test_a_caller_that_froze_objects_itself_keeps_managing_what_is_frozen() -> None:
    # Given objects already frozen by the caller
    gc.freeze()
    frozen = gc.get_freeze_count()

    # When a pass inside its block keeps objects and asks to set them aside
    with existing_objects_set_aside() as set_aside_kept:
        kept = [[index] for index in range(1000)]
        set_aside_kept()
        during = gc.get_freeze_count()

    # Then nothing more was frozen: what is frozen stays the caller's business
    assert kept and during == frozen == gc.get_freeze_count()
