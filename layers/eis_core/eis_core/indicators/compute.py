"""Pure, as-of-date indicators: ``(records, as_of) -> DataFrame`` indexed by officer id.

Only events known strictly before ``as_of`` count, and windows run on ``occurred_on`` over the
N days ending the day before ``as_of``. Everything is vectorised over the event arrays: one mask,
one ``bincount`` into (officer, event, age bucket) cells, so the cost grows with the number of
events, not with officers times events.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import pandas as pd

from eis_core.indicators.catalogue import (
    EVENT_NAMES,
    EXPOSURE_EVENTS,
    EXPOSURE_RATES,
    INCIDENT_EVENTS,
    INDICATORS,
    TREND_WINDOW,
)
from eis_core.indicators.events import NO_KEY, EventFrame
from eis_core.models.records import Record

# Age in days (1 = the day before as_of) split at these bounds: buckets 1-90, 91-180, 181-360, 361-365.
_BUCKET_BOUNDS = np.array([90, 180, 2 * TREND_WINDOW], dtype=np.int64)
_LONGEST = 365
_N_BUCKETS = len(_BUCKET_BOUNDS) + 1
_EVENT_INDEX = {name: code for code, name in enumerate(EVENT_NAMES)}


def indicators_as_of(records: Iterable[Record], as_of: date) -> pd.DataFrame:
    """Indicators for every officer on the roster as of the date, from raw records."""
    return compute_indicators(EventFrame.from_records(records), as_of)


def compute_indicators(events: EventFrame, as_of: date) -> pd.DataFrame:
    """Indicators for every officer on the roster as of the date (columns: ``INDICATORS``)."""
    population = events.roster_as_of(as_of).index
    day = as_of.toordinal()
    visible = (events.known < day) & (events.occurred < day)
    visible &= ~_repeat_allegations(events, visible)

    officer = events.officer[visible]
    event = events.event[visible]
    age = day - events.occurred[visible]
    amount = events.amount[visible]

    n_officers, n_events = len(events.officer_ids), len(EVENT_NAMES)
    recent = age <= _LONGEST
    bucket = np.searchsorted(_BUCKET_BOUNDS, age[recent], side="left")
    cell = (officer[recent] * n_events + event[recent]) * _N_BUCKETS + bucket
    sums = np.bincount(cell, weights=amount[recent], minlength=n_officers * n_events * _N_BUCKETS)
    sums = sums.reshape(n_officers, n_events, _N_BUCKETS)
    counts = np.bincount(cell, minlength=n_officers * n_events * _N_BUCKETS).reshape(sums.shape)

    last_90, last_180 = sums[..., 0], sums[..., 0] + sums[..., 1]
    windows = {90: last_90, 180: last_180, 365: sums.sum(axis=-1)}
    window_counts = {90: counts[..., 0], 180: counts[..., :2].sum(-1), 365: counts.sum(-1)}
    columns: dict[str, np.ndarray] = {}
    for name, code in _EVENT_INDEX.items():
        for window, values in windows.items():
            column = values[:, code].astype(np.float64)
            if name in EXPOSURE_EVENTS:
                column = np.where(window_counts[window][:, code] > 0, column, np.nan)
            columns[f"{name}_{window}d"] = column

    incident_codes = [_EVENT_INDEX[name] for name in INCIDENT_EVENTS]
    columns["incidents_180d"] = last_180[:, incident_codes].sum(axis=1)
    columns["incidents_prev_180d"] = sums[..., 2][:, incident_codes].sum(axis=1)
    columns["incidents_trend"] = columns["incidents_180d"] - columns["incidents_prev_180d"]
    for name in ("force", "complaint"):
        columns[f"days_since_{name}"] = _days_since(officer, event, age, _EVENT_INDEX[name], n_officers)
    for rate_name, rate in EXPOSURE_RATES.items():
        # Unknown (NaN) without exposure: no activity records in the window, or none of that exposure.
        exposure = columns[f"{rate.exposure}_365d"]
        with np.errstate(divide="ignore", invalid="ignore"):
            columns[rate_name] = np.where(exposure > 0, rate.per * columns[f"{rate.event}_365d"] / exposure, np.nan)

    frame = pd.DataFrame(columns, index=events.officer_ids)[list(INDICATORS)]
    frame = frame.reindex(population)
    # Officers with no visible event have no row in the event arrays: zero counts, unknown rest.
    counted = [name for name in INDICATORS if not _unknown_when_absent(name)]
    frame[counted] = frame[counted].fillna(0.0)
    frame.index.name = "officer_id"
    return frame


def _unknown_when_absent(name: str) -> bool:
    return (
        name.startswith("days_since_")
        or name in EXPOSURE_RATES
        or any(name.startswith(f"{event}_") for event in EXPOSURE_EVENTS)
    )


def _repeat_allegations(events: EventFrame, visible: np.ndarray) -> np.ndarray:
    """Mark all but the earliest visible allegation of each (officer, event, complaint) as repeats."""
    repeats = np.zeros(events.size, dtype=bool)
    keyed = np.flatnonzero(visible & (events.key != NO_KEY))
    if keyed.size == 0:
        return repeats
    subset = pd.DataFrame(
        {
            "officer": events.officer[keyed],
            "event": events.event[keyed],
            "key": events.key[keyed],
            "occurred": events.occurred[keyed],
        },
        index=keyed,
    ).sort_values("occurred", kind="stable")
    duplicated = subset.duplicated(["officer", "event", "key"], keep="first")
    repeats[subset.index[duplicated.to_numpy()]] = True
    return repeats


def _days_since(officer: np.ndarray, event: np.ndarray, age: np.ndarray, code: int, n_officers: int) -> np.ndarray:
    chosen = event == code
    youngest = np.full(n_officers, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(youngest, officer[chosen], age[chosen])
    return np.where(youngest == np.iinfo(np.int64).max, np.nan, youngest.astype(np.float64))
