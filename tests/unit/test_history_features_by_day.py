"""``history_features`` counts each as-of date from the events sorted once by the day known (``EventsByDay``).

The direct version below is the implementation it replaced (every event masked per date); both must
give the same values, bit for bit, on a generated agency and on random events full of ties.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from eis_core.indicators.history import (
    _BOUNDS,
    _CATEGORY,
    _KIND,
    _N_BUCKETS,
    CLEARED,
    CONDUCT,
    FEATURES,
    FIREARM,
    KINDS,
    NEVER,
    OFFICER_INJURED,
    RECENCY_CAP_DAYS,
    SUBJECT_INJURED,
    SUSTAINED,
    TASER,
    WINDOW_DAYS,
    AdverseDefinition,
    EventsByDay,
    HistoryFrame,
    history_features,
    population,
)
from eis_core.models.records import AllegationCategory, Record
from eis_tools.generate import GeneratorConfig, generate_agency


def _direct_adverse_outcomes(
    frame: HistoryFrame, as_of: date, window_days: int, officer_ids: Iterable[str], definition: AdverseDefinition
) -> pd.Series:
    """The implementation ``EventsByDay.first_adverse`` replaced: every event masked for the window."""
    index = pd.Index(list(officer_ids), dtype=object, name="officer_id")
    codes = frame.codes(index)
    start, end = as_of.toordinal(), as_of.toordinal() + window_days
    inside = (frame.known >= start) & (frame.known < end)
    kind, flags = frame.kind, frame.flags
    is_complaint = kind == _KIND["complaint"]
    adverse = np.zeros(frame.size, dtype=bool)
    if definition.sustained_complaint:
        sustained = flags & SUSTAINED > 0
        if definition.findings_known_by is not None:
            sustained &= frame.decided < definition.findings_known_by.toordinal()
        adverse |= is_complaint & sustained
    if definition.complaint_categories:
        wanted = np.array([_CATEGORY[c] for c in definition.complaint_categories])
        adverse |= is_complaint & np.isin(frame.category, wanted)
    if definition.force_subject_injured:
        adverse |= (kind == _KIND["use_of_force"]) & (flags & SUBJECT_INJURED > 0)
    if definition.lawsuit:
        adverse |= kind == _KIND["lawsuit"]
    chosen = inside & adverse
    first = np.full(len(frame.officer_ids), NEVER, dtype=np.int64)
    np.minimum.at(first, frame.officer[chosen], frame.known[chosen])
    values = first[codes].astype(np.float64)
    values[values >= NEVER] = np.nan
    return pd.Series(values, index=index, name="first_adverse")


def _direct_history_features(frame: HistoryFrame, as_of: date, officer_ids: Iterable[str]) -> pd.DataFrame:
    """The implementation ``EventsByDay`` replaced: every event masked for each date."""
    index = pd.Index(list(officer_ids), dtype=object, name="officer_id")
    codes = frame.codes(index)
    if (codes < 0).any():
        raise ValueError("officers not in the history frame")
    day = as_of.toordinal()
    n = len(frame.officer_ids)
    visible = frame.known < day
    officer, kind, known = frame.officer[visible], frame.kind[visible], frame.known[visible]
    flags, category, decided = frame.flags[visible], frame.category[visible], frame.decided[visible]
    bucket = np.searchsorted(_BOUNDS, day - known, side="left")
    columns: dict[str, npt.NDArray[np.float64]] = {}

    def windowed(mask: npt.NDArray[np.bool_], prefix: str, buckets: npt.NDArray[np.int64] = bucket) -> None:
        cells = np.bincount(officer[mask] * _N_BUCKETS + buckets[mask], minlength=n * _N_BUCKETS)
        cumulative = cells.reshape(n, _N_BUCKETS).cumsum(axis=1)[codes]
        for position, window in enumerate(WINDOW_DAYS):
            name = f"{prefix}_{window}"
            if name in FEATURES:
                columns[name] = cumulative[:, position].astype(np.float64)

    is_complaint = kind == _KIND["complaint"]
    is_force_complaint = is_complaint & (category == _CATEGORY[AllegationCategory.EXCESSIVE_FORCE])
    is_force = kind == _KIND["use_of_force"]
    windowed(is_complaint, "complaints")
    windowed(is_force_complaint, "force_complaints")
    windowed(is_complaint & (flags & CONDUCT > 0), "conduct_complaints")
    # A finding counts from the day it was decided, and only once decided before as_of.
    decided_before = decided < day
    decision_bucket = np.searchsorted(_BOUNDS, day - np.minimum(decided, day), side="left")
    windowed(is_complaint & decided_before & (flags & SUSTAINED > 0), "sustained", decision_bucket)
    windowed(is_complaint & decided_before & (flags & CLEARED > 0), "cleared", decision_bucket)
    columns["pending_complaints"] = np.bincount(officer[is_complaint & ~decided_before], minlength=n)[codes].astype(
        np.float64
    )
    windowed(is_force, "force")
    windowed(is_force & (flags & SUBJECT_INJURED > 0), "force_injury")
    windowed(is_force & (flags & TASER > 0), "taser")
    windowed(is_force & (flags & FIREARM > 0), "firearm")
    windowed(is_force & (flags & OFFICER_INJURED > 0), "officer_injured")
    for name in ("accident_preventable", "pursuit", "injury", "discipline", "lawsuit", "commendation"):
        windowed(kind == _KIND[name], name)

    for name, mask in (
        ("complaint", is_complaint),
        ("force_complaint", is_force_complaint),
        ("force", is_force),
        ("force_injury", is_force & (flags & SUBJECT_INJURED > 0)),
    ):
        latest = np.full(n, -NEVER, dtype=np.int64)
        np.maximum.at(latest, officer[mask], known[mask])
        columns[f"days_since_{name}"] = np.minimum(day - latest[codes], RECENCY_CAP_DAYS).astype(np.float64)

    incidents_180 = columns["complaints_180d"] + columns["force_180d"]
    incidents_365 = columns["complaints_1y"] + columns["force_1y"]
    columns["incident_trend"] = incidents_180 - (incidents_365 - incidents_180)
    is_activity = (kind == _KIND["activity"]) & (bucket <= 2)
    arrests = np.bincount(officer[is_activity], weights=frame.arrests[visible][is_activity], minlength=n)[codes]
    with np.errstate(divide="ignore", invalid="ignore"):
        columns["force_per_100_arrests_1y"] = np.where(arrests > 0, 100.0 * columns["force_1y"] / arrests, np.nan)
    hire = frame.roster["hire_date"].to_numpy()[codes]
    columns["tenure_years"] = (day - hire) / 365.25
    return pd.DataFrame(columns, index=index)[list(FEATURES)]


# ---------------------------------------------------------------------------------------- outcomes
def _assert_same(expected: pd.DataFrame, actual: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(actual, expected, check_exact=True)
    for column in expected.columns:
        assert np.array_equal(actual[column].to_numpy(), expected[column].to_numpy(), equal_nan=True), column


def test_features_by_day_equal_the_direct_count_on_a_generated_agency() -> None:
    # Given a generated agency with every kind of record
    agency = generate_agency(
        GeneratorConfig(officers=120, seed=11, start=date(2017, 1, 1), end=date(2022, 12, 31), horizon_months=0)
    )
    records: list[Record] = [record for records in agency.records.values() for record in records]
    frame = HistoryFrame.from_records(records)
    # When features are taken as of many dates, before, during and after the records, from one sort
    events = EventsByDay.of(frame)
    dates = [date(year, month, 1) for year in range(2016, 2024) for month in (1, 7)] + [date(2020, 3, 17)]
    for as_of in dates:
        officers = population(frame, as_of)
        # Then every value is the direct count's, bit for bit
        _assert_same(_direct_history_features(frame, as_of, officers), events.features(as_of, officers))
    everyone = frame.officer_ids
    _assert_same(
        _direct_history_features(frame, date(2021, 1, 1), everyone), history_features(frame, date(2021, 1, 1), everyone)
    )


def _random_frame(seed: int, events: int = 20_000, officers: int = 400) -> HistoryFrame:
    """Random events of every kind on few distinct days (many ties), some never decided, fractional arrests."""
    rng = np.random.default_rng(seed)
    ids = pd.Index([f"o{i:04d}" for i in range(officers)], dtype=object, name="officer_id")
    start = date(2010, 1, 1).toordinal()
    known = start + rng.integers(0, 12 * 365, events) // 7 * 7
    decided = np.where(rng.random(events) < 0.3, NEVER, known + rng.integers(0, 900, events))
    all_flags = SUSTAINED | CLEARED | CONDUCT | SUBJECT_INJURED | TASER | FIREARM | OFFICER_INJURED
    hire = start - rng.integers(0, 8000, officers).astype(np.float64)
    hire[::9] = np.nan
    roster = pd.DataFrame(
        {"rank": "officer", "hire_date": hire, "separation_date": np.nan, "on_roster": True}, index=ids
    )
    demographics = pd.DataFrame({"race": None, "sex": None, "birth_year": np.nan}, index=ids)
    return HistoryFrame(
        officer=rng.integers(0, officers, events).astype(np.int64),
        kind=rng.integers(0, len(KINDS), events).astype(np.int64),
        known=known.astype(np.int64),
        decided=decided.astype(np.int64),
        category=rng.integers(0, len(_CATEGORY), events).astype(np.int64),
        flags=(rng.integers(0, 1 << 10, events) & all_flags).astype(np.int64),
        arrests=np.round(rng.random(events) * 10, 3),
        officer_ids=ids,
        roster=roster,
        demographics=demographics,
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_features_by_day_equal_the_direct_count_on_random_events_with_ties(seed: int) -> None:
    # Given random events on every seventh day, with officers listed out of order and twice
    frame = _random_frame(seed)
    events = EventsByDay.of(frame)
    officers = list(frame.officer_ids[::-1]) + list(frame.officer_ids[:5])
    # When counted as of days on, just after and between the event days, and before the first
    for as_of in (date(2009, 6, 1), date(2010, 1, 1), date(2010, 1, 8), date(2014, 5, 5), date(2021, 12, 31)):
        # Then the values equal the direct count's
        _assert_same(_direct_history_features(frame, as_of, officers), events.features(as_of, officers))


def test_officers_outside_the_frame_are_refused_as_before() -> None:
    frame = _random_frame(4, events=100, officers=5)
    with pytest.raises(ValueError, match="officers not in the history frame"):
        history_features(frame, date(2015, 1, 1), ["o0001", "nobody"])


@pytest.mark.parametrize(
    "definition",
    [
        AdverseDefinition(),
        AdverseDefinition(findings_known_by=date(2014, 6, 1)),
        AdverseDefinition(sustained_complaint=False, complaint_categories=(), lawsuit=True),
        AdverseDefinition(complaint_categories=tuple(AllegationCategory), force_subject_injured=False),
    ],
)
def test_first_adverse_by_day_equals_the_direct_version(definition: AdverseDefinition) -> None:
    # Given random events with ties, and officers listed out of order and twice
    frame = _random_frame(5)
    events = EventsByDay.of(frame)
    officers = list(frame.officer_ids[::-1]) + list(frame.officer_ids[:5])
    for as_of, days in (
        (date(2009, 6, 1), 365),
        (date(2013, 1, 1), 365),
        (date(2014, 1, 8), 730),
        (date(2022, 1, 1), 30),
    ):
        # Then the first adverse day of each is the direct one's
        expected = _direct_adverse_outcomes(frame, as_of, days, officers, definition)
        pd.testing.assert_series_equal(
            events.first_adverse(as_of, days, officers, definition), expected, check_exact=True
        )
