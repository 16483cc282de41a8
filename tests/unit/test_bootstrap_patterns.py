"""``compare_many`` sums each bootstrap draw by patterns of officers alike in every column, not officer by officer.

The weights-matrix version below is the implementation it replaced (a draw's count of each officer times
each column); both draw the same officers from the same seed, and their sums are whole numbers, so every
figure, interval and verdict must be the same, on random flags of any size and on degenerate ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pytest

from eis_core.scoring import baselines
from eis_core.scoring.baselines import BOOTSTRAP_CHUNK, compare_many


def _weights_matrix_many(
    flag_sets: list[dict[str, npt.NDArray[np.bool_]]], y: npt.NDArray[np.int64], *, draws: int, seed: int
) -> list[dict[str, dict[str, Any]]]:
    n = int(y.size)
    positive = np.asarray(y, dtype=bool)
    columns = [flags[name] for flags in flag_sets for name in flags]
    hit = np.stack([column & positive for column in columns]).astype(np.float64)
    flagged = np.stack(columns).astype(np.float64)
    rng = np.random.default_rng(seed)
    tp_draws, flag_draws, pos_draws = [], [], []
    for start in range(0, draws, BOOTSTRAP_CHUNK):
        rows = min(BOOTSTRAP_CHUNK, draws - start)
        picks = rng.integers(0, n, size=(rows, n)) + (np.arange(rows) * n)[:, None]
        weights = np.bincount(picks.ravel(), minlength=rows * n).reshape(rows, n).astype(np.float64)
        tp_draws.append(weights @ hit.T)
        flag_draws.append(weights @ flagged.T)
        pos_draws.append(weights @ positive.astype(np.float64))
    tp_b, flag_b, pos_b = np.vstack(tp_draws), np.vstack(flag_draws), np.concatenate(pos_draws)
    results, first = [], 0
    for flags in flag_sets:
        taken = slice(first, first + len(flags))
        first += len(flags)
        bootstrap = (tp_b[:, taken], flag_b[:, taken], pos_b)
        results.append(baselines._compared(list(flags), positive, (hit[taken], flagged[taken]), bootstrap, "model"))
    return results


@pytest.mark.parametrize(
    ("officers", "scorers", "share", "draws", "seed"),
    [
        (3000, 4, 0.05, 250, 0),
        (800, 3, 0.2, 1000, 1),
        (41, 2, 0.5, 130, 2),  # draws not a multiple of the chunk
        (5, 5, 0.5, 100, 3),
        (1, 1, 1.0, 100, 4),
    ],
)
def test_pattern_sums_give_every_figure_the_weights_matrix_gave(
    officers: int, scorers: int, share: float, draws: int, seed: int
) -> None:
    # Given random flags of two flag counts and random outcomes
    rng = np.random.default_rng(100 + seed)
    y = (rng.random(officers) < 0.1).astype(np.int64)
    names = ["model", *(f"baseline_{index}" for index in range(scorers - 1))]
    flag_sets = [{name: rng.random(officers) < share for name in names} for _ in range(2)]
    # When both compare them from the same seed
    # Then every figure, interval and verdict is the same
    assert compare_many(flag_sets, y, draws=draws, seed=seed) == _weights_matrix_many(
        flag_sets, y, draws=draws, seed=seed
    )


def test_degenerate_flags_and_outcomes_give_the_same_figures() -> None:
    # Given nobody flagged by one scorer, everybody by another, and no adverse officer at all
    officers = 200
    y = np.zeros(officers, dtype=np.int64)
    flags = {
        "model": np.ones(officers, dtype=bool),
        "rule": np.zeros(officers, dtype=bool),
        "complaints": np.arange(officers) % 7 == 0,
    }
    # Then the figures (None precision, 'no flags' verdicts) are those of the weights matrix
    assert compare_many([flags], y, draws=200, seed=9) == _weights_matrix_many([flags], y, draws=200, seed=9)
    y[::3] = 1
    assert compare_many([flags], y, draws=200, seed=9) == _weights_matrix_many([flags], y, draws=200, seed=9)
