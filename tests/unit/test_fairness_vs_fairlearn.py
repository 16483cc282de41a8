"""The fairness table's group-by gives fairlearn's MetricFrame values exactly, in the same order."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, count, false_negative_rate, false_positive_rate, selection_rate

from eis_core.scoring import fairness
from eis_core.scoring.fairness import UNKNOWN, fairness_table


def _adverse(y_true: npt.NDArray[np.int64], y_pred: npt.NDArray[np.int64]) -> int:
    return int(np.sum(y_true))


def _flagged(y_true: npt.NDArray[np.int64], y_pred: npt.NDArray[np.int64]) -> int:
    return int(np.sum(y_pred))


def _true_positives(y_true: npt.NDArray[np.int64], y_pred: npt.NDArray[np.int64]) -> int:
    return int(np.sum(np.asarray(y_true) * np.asarray(y_pred)))


def fairlearn_group_rates(flag: pd.Series, outcome: pd.Series | None, column: pd.Series) -> dict[str, dict[str, Any]]:
    """The per-group rates as the table computed them with fairlearn's MetricFrame (the reference)."""
    metrics: dict[str, Any] = {"officers": count, "flagged": _flagged, "flag_rate": selection_rate}
    if outcome is not None:
        metrics |= {
            "adverse": _adverse,
            "true_positives": _true_positives,
            "fpr": false_positive_rate,
            "fnr": false_negative_rate,
        }
    y_true = np.zeros(flag.size, dtype=np.int64) if outcome is None else outcome.to_numpy(np.int64)
    frame = MetricFrame(
        metrics=metrics, y_true=y_true, y_pred=flag.to_numpy(np.int64), sensitive_features=column.astype(str)
    )
    stats: dict[str, dict[str, Any]] = {}
    for group, row in frame.by_group.iterrows():
        n, flagged = int(row["officers"]), int(row["flagged"])
        rates: dict[str, Any] = {"officers": n, "flagged": flagged, "flag_rate": float(row["flag_rate"]) if n else None}
        if outcome is not None:
            positives, tp = int(row["adverse"]), int(row["true_positives"])
            fp = flagged - tp
            rates |= {
                "adverse": positives,
                "true_positives": tp,
                "false_positives": fp,
                "false_negatives": positives - tp,
                "fpr": float(row["fpr"]) if n - positives else None,
                "fnr": float(row["fnr"]) if positives else None,
                "fdr": fp / flagged if flagged else None,
            }
        stats[str(group)] = rates
    return stats


def _random_table(seed: int) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 3000))
    index = pd.Index([f"P{i}" for i in range(n)], name="officer_id")
    races = ["White", "Black", "Hispanic", "Asian/Pacific Islander", "Native American", UNKNOWN]
    weights = rng.dirichlet(np.ones(len(races)) * 0.7)
    groups = pd.DataFrame(
        {
            "race": rng.choice(races, n, p=weights),
            "sex": rng.choice(["M", "F", UNKNOWN], n, p=[0.7, 0.28, 0.02]),
            "age_band": rng.choice(["under 30", "30-39", "40-49", "50+", UNKNOWN], n),
        },
        index=index,
    )
    flag_rate, adverse_rate = rng.uniform(0, 0.3), rng.choice([0.0, rng.uniform(0, 0.2), 1.0], p=[0.1, 0.8, 0.1])
    flagged = pd.Series(rng.random(n) < flag_rate, index=index)
    adverse = pd.Series(rng.random(n) < adverse_rate, index=index)
    # Some officers missing from the flags or outcomes (filled as False), as the callers allow.
    return flagged.iloc[: n - n // 20], adverse.iloc[n // 30 :], groups


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_equal_fairlearns(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    flagged, adverse, groups = _random_table(seed)
    for outcome in (adverse, None):
        ours = fairness_table(flagged, groups, outcome)
        monkeypatch.setattr(fairness, "_group_rates", fairlearn_group_rates)
        theirs = fairness_table(flagged, groups, outcome)
        monkeypatch.undo()

        assert ours == theirs  # same rows, same order, same floats bit for bit
