"""Peer statistics for the officer snapshot: per group quantiles, per officer value and percentile.

The peer comparison (``eis_core.scoring.peers``) already gives each officer a group, a level, a
group median and a mid-rank percentile. This module adds what a supervisor's one-page view needs
and stores compactly: the 25th, 50th and 75th percentiles of each group (linear interpolation, NaN
values left out, as the median is), once per group rather than once per officer.
"""

from __future__ import annotations

import math
from datetime import date

import numpy as np
import pandas as pd

from eis_core.indicators.catalogue import EVENT_NAMES, INDICATORS, RATE_INDICATORS
from eis_core.models.peers import QUANTILES, IndicatorInfo, PeerGroupStats, PeerStatsRun, group_key
from eis_core.scoring.peers import PeerComparison, PeerConfig, _labels, level_name

SNAPSHOT_INDICATORS: tuple[str, ...] = (
    *(f"{event}_365d" for event in EVENT_NAMES),
    "force_90d",
    "complaint_90d",
    "incidents_180d",
    "incidents_trend",
    *RATE_INDICATORS,
    "days_since_force",
    "days_since_complaint",
)
"""The indicators the officer snapshot shows against peers (the last 12 months, and a few signals)."""


def _number(value: float, digits: int) -> float | None:
    return None if value is None or math.isnan(value) else round(float(value), digits)


def snapshot_columns(indicators: pd.DataFrame) -> list[str]:
    return [name for name in SNAPSHOT_INDICATORS if name in indicators.columns]


def officer_standings(
    indicators: pd.DataFrame, peers: PeerComparison, columns: list[str]
) -> list[dict[str, tuple[float | None, float | None]]]:
    """Per officer (in ``indicators`` order): indicator -> (value, percentile among peers)."""
    values = indicators[columns].to_numpy(dtype="float64", na_value=np.nan)
    percentiles = peers.percentile[columns].to_numpy(dtype="float64", na_value=np.nan)
    return [
        {
            column: (_number(values[row, col], 4), _number(percentiles[row, col], 1))
            for col, column in enumerate(columns)
        }
        for row in range(len(indicators))
    ]


def peer_group_stats(
    indicators: pd.DataFrame,
    roster: pd.DataFrame,
    peers: PeerComparison,
    config: PeerConfig,
    columns: list[str],
    *,
    as_of: date,
    run_id: str,
) -> PeerStatsRun:
    """Quantiles of every peer group some officer was compared with, over all officers sharing its keys."""
    roster = roster.reindex(indicators.index)
    values = indicators[columns].astype("float64")
    groups: dict[str, PeerGroupStats] = {}
    for keys in config.levels:
        name = level_name(keys)
        assigned = (peers.level == name).to_numpy()
        if not assigned.any():
            continue
        label = _labels(roster, keys)
        used = set(label[assigned].dropna())
        members = label.isin(used).to_numpy()
        member_labels = label[members]
        sizes = member_labels.value_counts()
        quantiles = values[members].groupby(member_labels, sort=True).quantile(np.array(QUANTILES))
        for group_label in sorted(used):
            table = quantiles.loc[group_label].to_numpy(dtype="float64", na_value=np.nan)  # rows: quantiles
            groups[group_key(name, str(group_label))] = PeerGroupStats(
                level=name,
                label=str(group_label),
                size=int(sizes[group_label]),
                quantiles=[
                    (_number(table[0, col], 4), _number(table[1, col], 4), _number(table[2, col], 4))
                    for col in range(len(columns))
                ],
            )
    return PeerStatsRun(
        as_of=as_of,
        run_id=run_id,
        indicators=[
            IndicatorInfo(name=c, label=INDICATORS[c].label, higher_is_worse=INDICATORS[c].higher_is_worse)
            for c in columns
        ],
        groups=groups,
    )
