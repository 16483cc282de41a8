"""Peer quartiles and percentiles for the officer snapshot, checked by hand on small groups."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from eis_core.models.peers import PeerStatsRun, group_key
from eis_core.scoring.peer_stats import officer_standings, peer_group_stats
from eis_core.scoring.peers import PeerConfig, compare_with_peers

COLUMNS = ["force_365d", "arrests_365d"]


def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Five patrol officers (force 0, 0, 1, 2, 7; one without activity) and two in traffic."""
    ids = ["A", "B", "C", "D", "E", "T1", "T2"]
    indicators = pd.DataFrame(
        {"force_365d": [0, 0, 1, 2, 7, 3, 5], "arrests_365d": [10, 20, 30, 40, np.nan, 1, 2]},
        index=pd.Index(ids, name="officer_id"),
        dtype="float64",
    )
    roster = pd.DataFrame({"unit": ["Patrol"] * 5 + ["Traffic"] * 2}, index=indicators.index)
    return indicators, roster


def stats() -> tuple[PeerStatsRun, list[dict[str, tuple[float | None, float | None]]]]:
    indicators, roster = frames()
    config = PeerConfig(keys=("unit",), fallbacks=((),), min_group_size=3)
    peers = compare_with_peers(indicators, roster, config)
    run = peer_group_stats(indicators, roster, peers, config, COLUMNS, as_of=date(2025, 6, 1), run_id="run-1")
    return run, officer_standings(indicators, peers, COLUMNS)


def test_a_group_has_its_quartiles_by_linear_interpolation_and_unknown_values_left_out() -> None:
    run, _ = stats()

    patrol = run.groups[group_key("unit", "Patrol")]

    assert patrol.size == 5
    # force 0, 0, 1, 2, 7: positions 1, 2, 3 of 0..4
    assert patrol.quantiles[0] == (0.0, 1.0, 2.0)
    # arrests 10, 20, 30, 40 (E unknown): positions 0.75, 1.5, 2.25 of 0..3
    assert patrol.quantiles[1] == (17.5, 25.0, 32.5)
    assert [info.name for info in run.indicators] == COLUMNS
    assert run.indicators[1].higher_is_worse is False


def test_an_officer_percentile_is_the_mid_rank_within_the_group() -> None:
    _, standings = stats()

    a, _, c, _, e, *_ = standings
    assert e["force_365d"] == (7.0, 90.0)  # top of five: (5 - 0.5) / 5
    assert a["force_365d"] == (0.0, 20.0)  # tied lowest two: (1.5 - 0.5) / 5
    assert c["force_365d"] == (1.0, 50.0)
    assert e["arrests_365d"] == (None, None)


def test_a_small_group_is_compared_with_everyone_and_only_the_groups_used_are_stored() -> None:
    run, standings = stats()

    assert set(run.groups) == {group_key("unit", "Patrol"), group_key("all", "all officers")}
    everyone = run.groups[group_key("all", "all officers")]
    assert everyone.size == 7
    # force 0, 0, 1, 2, 3, 5, 7: positions 1.5, 3, 4.5 of 0..6
    assert everyone.quantiles[0] == (0.5, 2.0, 4.0)
    t2 = standings[6]
    assert t2["force_365d"] == (5.0, round((6 - 0.5) / 7 * 100, 1))
    assert run.group("all", "all officers") == everyone
    assert run.group(None, "Patrol") == run.groups[group_key("unit", "Patrol")]
