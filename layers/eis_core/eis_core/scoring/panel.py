"""Time chopping (triage's ``timechop``): officer-year panels as of Jan 1 dates, labels from the window after.

Each block is the population on one as-of date, its features from what was known before that day
and its label an adverse event known within the spec's window after it. Training dates are the
Jan 1s whose label windows end by the training cutoff, so nothing after the cutoff is learnt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from eis_core.indicators.history import EventsByDay, HistoryFrame, population
from eis_core.scoring.spec import ModelSpec


@dataclass(frozen=True)
class Panel:
    """Officer-years: features, label and first adverse day, one block per as-of date."""

    features: pd.DataFrame
    label: npt.NDArray[np.int64]
    first_adverse: npt.NDArray[np.float64]
    as_of: npt.NDArray[np.int64]
    officer_ids: npt.NDArray[np.object_]

    def rows_for(self, as_of: date) -> npt.NDArray[np.bool_]:
        return np.asarray(self.as_of == as_of.toordinal())

    def rows_in(self, dates: list[date]) -> npt.NDArray[np.bool_]:
        return np.isin(self.as_of, [d.toordinal() for d in dates])

    def select(self, rows: npt.NDArray[np.bool_]) -> Panel:
        return Panel(
            self.features[rows], self.label[rows], self.first_adverse[rows], self.as_of[rows], self.officer_ids[rows]
        )


def build_panel(frame: HistoryFrame, spec: ModelSpec, dates: list[date]) -> Panel:
    blocks, labels, firsts, days, ids = [], [], [], [], []
    columns = spec.features()
    events = EventsByDay.of(frame)
    for as_of in dates:
        officers = population(frame, as_of, spec.population)
        features = events.features(as_of, officers)[columns]
        first = events.first_adverse(as_of, (spec.window_end(as_of) - as_of).days, officers, spec.adverse).to_numpy()
        blocks.append(features)
        labels.append((~np.isnan(first)).astype(np.int64))
        firsts.append(first)
        days.append(np.full(len(officers), as_of.toordinal(), dtype=np.int64))
        ids.append(officers.to_numpy(dtype=object))
    return Panel(
        features=_stacked(blocks) if blocks else pd.DataFrame(columns=columns),
        label=np.concatenate(labels) if labels else np.zeros(0, np.int64),
        first_adverse=np.concatenate(firsts) if firsts else np.zeros(0),
        as_of=np.concatenate(days) if days else np.zeros(0, np.int64),
        officer_ids=np.concatenate(ids) if ids else np.zeros(0, object),
    )


def _stacked(blocks: list[pd.DataFrame]) -> pd.DataFrame:
    """``pd.concat(blocks)`` of frames of one float block each, copied feature by feature (a row of the block)
    rather than officer by officer, which is what makes it several times faster."""
    values = np.concatenate([block.to_numpy(np.float64).T for block in blocks], axis=1)
    index = blocks[0].index.append([block.index for block in blocks[1:]])
    return pd.DataFrame(values.T, index=index, columns=blocks[0].columns, copy=False)


def training_dates(frame: HistoryFrame, spec: ModelSpec, cutoff: date) -> list[date]:
    """Jan 1 of each year whose label window ends by ``cutoff``, from the first year with history."""
    if frame.size == 0:
        return []
    first_event = date.fromordinal(int(frame.known.min()))
    first = spec.first_training_year or first_event.year + 1
    dates = []
    year = first
    while spec.window_end(date(year, 1, 1)) <= cutoff:
        dates.append(date(year, 1, 1))
        year += 1
    return dates
