"""Peer statistics of one scoring run, as the run stores them for the officer snapshot.

The scoring run (pandas) computes, per peer group and indicator, the 25th, 50th and 75th
percentiles over the officers in the group, and writes them once per run to the artifacts bucket
(``peers/<as_of>.json``). The case API reads that document (no pandas, no recomputation) and each
officer's own value and percentile from their score item (``OfficerScore.standings``).
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

PEER_STATS_PREFIX = "peers/"
"""Artifacts-bucket prefix of the per-run peer statistics (the case API may read only this prefix)."""
QUANTILES: tuple[float, float, float] = (0.25, 0.5, 0.75)


def peer_stats_key(as_of: date) -> str:
    return f"{PEER_STATS_PREFIX}{as_of.isoformat()}.json"


def group_key(level: str, label: str) -> str:
    """A peer group's key: its level (``rank+unit+shift``) and label (``Police Officer / District 7 / night``)."""
    return f"{level}|{label}"


class IndicatorInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    label: str
    higher_is_worse: bool


class PeerGroupStats(BaseModel):
    """One peer group: its size and, per indicator of the run, ``[p25, median, p75]`` (null when unknown)."""

    model_config = ConfigDict(frozen=True)

    level: str
    label: str
    size: int = Field(ge=0)
    quantiles: list[tuple[float | None, float | None, float | None]]


class PeerStatsRun(BaseModel):
    """Every peer group of one run; ``quantiles`` of each group follow the order of ``indicators``."""

    model_config = ConfigDict(frozen=True)

    as_of: date
    run_id: str
    indicators: list[IndicatorInfo]
    groups: dict[str, PeerGroupStats] = Field(description="By group_key(level, label)")

    def group(self, level: str | None, label: str) -> PeerGroupStats | None:
        if level is not None:
            return self.groups.get(group_key(level, label))
        # Scores stored without their level: the label alone, when it is unambiguous.
        found = [stats for stats in self.groups.values() if stats.label == label]
        return found[0] if len(found) == 1 else None
