"""Peer comparison: each officer against the officers doing the same work.

Peer groups come from roster keys (default rank + unit + shift). A group smaller than
``min_group_size`` says little about what is normal, so its officers fall back, in order, to the
broader levels in ``fallbacks`` (default rank + unit, then rank, then everyone). An officer with a
missing key (e.g. no shift) falls back the same way. A broader group contains everyone who shares
its keys, including officers compared at a finer level.

Per officer and indicator the comparison gives the peer median, the percentile rank within the group
(mid-rank: share of peers below plus half the ties, so a value shared by everyone sits at 50) and a
robust z: ``(value - median) / (1.4826 * MAD + eps)``. ``eps`` is in indicator units: with counts,
where most peers share one value and the MAD is 0, eps = 1 makes each event above the median worth
one robust standard deviation instead of dividing by zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

PeerKey = Literal["rank", "unit", "district", "shift"]
EVERYONE = "all officers"
MAD_TO_SD = 1.4826


class PeerConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    keys: tuple[PeerKey, ...] = ("rank", "unit", "shift")
    fallbacks: tuple[tuple[PeerKey, ...], ...] = (("rank", "unit"), ("rank",), ())
    min_group_size: int = Field(default=10, ge=1)
    eps: float = Field(default=1.0, gt=0)

    @field_validator("fallbacks")
    @classmethod
    def _ends_with_everyone(cls, fallbacks: tuple[tuple[PeerKey, ...], ...]) -> tuple[tuple[PeerKey, ...], ...]:
        # Every officer must land somewhere: the last level is always the whole population.
        return fallbacks if fallbacks and fallbacks[-1] == () else (*fallbacks, ())

    @property
    def levels(self) -> tuple[tuple[PeerKey, ...], ...]:
        return (self.keys, *self.fallbacks)


def level_name(keys: tuple[str, ...]) -> str:
    return "+".join(keys) if keys else "all"


@dataclass(frozen=True)
class PeerComparison:
    """Per-officer peer statistics, all indexed like the indicators (officer id)."""

    group: pd.Series  # readable label, e.g. "Police Officer / District 7 / night"
    level: pd.Series  # which keys the group used, e.g. "rank+unit+shift" or "all"
    group_size: pd.Series
    median: pd.DataFrame
    mad: pd.DataFrame
    percentile: pd.DataFrame
    robust_z: pd.DataFrame

    def level_counts(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.level.value_counts().sort_index().items()}


def compare_with_peers(indicators: pd.DataFrame, roster: pd.DataFrame, config: PeerConfig) -> PeerComparison:
    """Compare every officer in ``indicators`` with their peer group (``roster`` gives the keys)."""
    roster = roster.reindex(indicators.index)
    values = indicators.astype("float64")
    n_rows = len(values)
    group = np.full(n_rows, None, dtype=object)
    level = np.full(n_rows, None, dtype=object)
    size = np.zeros(n_rows, dtype=np.int64)
    median = np.full(values.shape, np.nan)
    mad, percentile = median.copy(), median.copy()

    for keys in config.levels:
        label = _labels(roster, keys)
        counts_by_label = label.value_counts()
        group_size = label.map(counts_by_label).fillna(0).to_numpy(dtype=np.int64)
        unassigned = pd.isna(group)
        take = unassigned & label.notna().to_numpy() & ((group_size >= config.min_group_size) | (keys == ()))
        if not take.any():
            continue
        # Integer group codes (NaN for incomplete keys, which groupby drops) are faster than string labels.
        codes = pd.Series(pd.factorize(label)[0], index=values.index).where(label.notna())
        grouped = values.groupby(codes, dropna=True, sort=False)
        level_median = grouped.transform("median")
        level_mad = (values - level_median).abs().groupby(codes, dropna=True, sort=False).transform("median")
        ranks = grouped.rank(method="average").to_numpy()
        present = grouped.transform("count").to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            level_pct = np.clip((ranks - 0.5) / present * 100.0, 0.0, 100.0)

        group[take] = label.to_numpy(dtype=object)[take]
        level[take] = level_name(keys)
        size[take] = group_size[take]
        median[take] = level_median.to_numpy()[take]
        mad[take] = level_mad.to_numpy()[take]
        percentile[take] = level_pct[take]

    robust_z = (values.to_numpy() - median) / (MAD_TO_SD * mad + config.eps)

    def framed(array: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(array, index=values.index, columns=values.columns)

    return PeerComparison(
        group=pd.Series(group, index=values.index, dtype=object).astype(str),
        level=pd.Series(level, index=values.index, dtype=object).astype(str),
        group_size=pd.Series(size, index=values.index),
        median=framed(median),
        mad=framed(mad),
        percentile=framed(percentile),
        robust_z=framed(robust_z),
    )


def _labels(roster: pd.DataFrame, keys: tuple[str, ...]) -> pd.Series:
    """'Rank / Unit / Shift' per officer; missing when any key is missing."""
    if not keys:
        return pd.Series(EVERYONE, index=roster.index, dtype=object)
    parts = [roster[key].astype(object) for key in keys]
    complete = pd.concat(parts, axis=1).notna().all(axis=1)
    label = parts[0].astype(str)
    for part in parts[1:]:
        label = label + " / " + part.astype(str)
    return label.astype(object).where(complete, other=None)
