"""Fairness audit: flag rate and error rates by race, sex and age band, against the largest group.

Each rate is compared with the same rate in the attribute's largest group (the reference), and a
ratio outside ``[0.8, 1.25]`` is marked, the four-fifths rule in both directions. Error rates need
outcomes: a daily run has none yet (its rows carry flag rates only); the backtest and the model
card's temporal validation have them. Small groups are reported with their counts so a reader can
see when a ratio rests on a handful of officers.

The per-group metrics are fairlearn's (``count``, ``selection_rate``, ``false_positive_rate``,
``false_negative_rate``), computed with one pandas group-by of four counts per group instead of a
``MetricFrame`` (which costs about 0.4 s a table): the values are the same, which a test checks
against fairlearn on random tables. A rate whose denominator is empty in a group (FNR with no adverse
officers, say) is reported as unknown rather than fairlearn's 0.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd

LOW, HIGH = 0.8, 1.25
UNKNOWN = "unknown"
RATES = ("flag_rate", "fpr", "fnr", "fdr")


def age_band(birth_year: pd.Series, as_of: date) -> pd.Series:
    age = as_of.year - pd.to_numeric(birth_year, errors="coerce")
    bands = pd.cut(age, bins=[-np.inf, 30, 40, 50, np.inf], right=False, labels=["under 30", "30-39", "40-49", "50+"])
    return bands.astype(object).where(age.notna(), UNKNOWN)


def audit_groups(demographics: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Race, sex and age band per officer ('unknown' when the roster does not say)."""
    groups = pd.DataFrame(index=demographics.index)
    for column in ("race", "sex"):
        if column in demographics:
            groups[column] = demographics[column].astype(object).where(demographics[column].notna(), UNKNOWN)
    if "birth_year" in demographics:
        groups["age_band"] = age_band(demographics["birth_year"], as_of)
    return groups


def fairness_table(flagged: pd.Series, groups: pd.DataFrame, adverse: pd.Series | None = None) -> list[dict[str, Any]]:
    """One row per (attribute, group): counts, rates and ratios to the largest group's rate.

    ``flagged`` and ``adverse`` are booleans indexed by officer id, aligned with ``groups``.
    """
    rows: list[dict[str, Any]] = []
    flag = flagged.reindex(groups.index).fillna(False).astype(bool)
    outcome = None if adverse is None else adverse.reindex(groups.index).fillna(False).astype(bool)
    for attribute in groups.columns:
        column = groups[attribute]
        known = column[column != UNKNOWN]
        if known.nunique() < 2:
            continue  # nothing to compare (the roster does not record it)
        reference = str(known.value_counts().sort_index().sort_values(ascending=False, kind="stable").index[0])
        stats = _group_rates(flag, outcome, column)
        base = stats[reference]
        for group, rates in stats.items():
            row: dict[str, Any] = {"attribute": attribute, "group": group, "reference": reference} | rates
            flags = []
            for rate in RATES:
                ratio = _ratio(rates.get(rate), base.get(rate))
                row[f"{rate}_ratio"] = ratio
                if ratio is not None and group != UNKNOWN and not LOW <= ratio <= HIGH:
                    flags.append(rate)
            row["outside_range"] = flags
            rows.append(row)
    return rows


def _group_rates(flag: pd.Series, outcome: pd.Series | None, column: pd.Series) -> dict[str, dict[str, Any]]:
    """Counts and rates per group of ``column`` (in sorted order); error rates only when outcomes are known."""
    flagged = flag.to_numpy(np.int64)
    adverse = np.zeros(flag.size, dtype=np.int64) if outcome is None else outcome.to_numpy(np.int64)
    counts = (
        pd.DataFrame(
            {"officers": 1, "flagged": flagged, "adverse": adverse, "true_positives": flagged * adverse},
            index=pd.Index(column.astype(str).to_numpy(), name="group"),
        )
        .groupby(level="group", sort=True)
        .sum()
    )
    stats: dict[str, dict[str, Any]] = {}
    for group, *sums in counts.itertuples(name=None):
        n, flags, positives, tp = (int(value) for value in sums)
        rates: dict[str, Any] = {"officers": n, "flagged": flags, "flag_rate": flags / n if n else None}
        if outcome is not None:
            fp = flags - tp
            rates |= {
                "adverse": positives,
                "true_positives": tp,
                "false_positives": fp,
                "false_negatives": positives - tp,
                "fpr": fp / (n - positives) if n - positives else None,
                "fnr": (positives - tp) / positives if positives else None,
                "fdr": fp / flags if flags else None,
            }
        stats[str(group)] = rates
    return stats


def _ratio(value: float | None, reference: float | None) -> float | None:
    if value is None or reference is None or reference == 0:
        return None
    return round(value / reference, 4)


def disparities(rows: list[dict[str, Any]]) -> list[str]:
    """Plain sentences for every ratio outside the range, for run reports and cards."""
    sentences = []
    for row in rows:
        for rate in row["outside_range"]:
            sentences.append(
                f"{rate.upper().replace('_', ' ')} for {row['attribute']} '{row['group']}' is "
                f"{row[f'{rate}_ratio']:.2f}x the largest group's ('{row['reference']}'; {row['officers']} officers)"
            )
    return sentences
