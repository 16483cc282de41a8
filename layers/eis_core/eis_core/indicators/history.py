"""Career event history for the agency's model: features and outcome labels as of any date.

``HistoryFrame`` keeps, per event, the facts the model needs (complaint category and finding with its
decision date, force type and injuries) as numpy arrays, built once and reused for every as-of
date. ``history_features(frame, as_of)`` is a pure function of the frame and the date that only sees
what the agency knew strictly before it:

* an event counts from its ``known_on`` (the report or intake date), in trailing windows of 90 and
  180 days, 1, 2 and 5 years and the whole career;
* a complaint's finding counts only from ``max(known_on, finding_decided_on)``; until then it is pending;
* demographics (race, sex, birth year) are kept apart in ``demographics`` for the fairness audit and
  never reach a feature.

``adverse_outcomes`` is the other side: the first adverse event known in ``[as_of, as_of + window)``,
the label the model learns and the backtest checks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    field_validator,
    model_serializer,
)

from eis_core.indicators.events import EventFrame, _Builder
from eis_core.models.records import (
    Activity,
    AllegationCategory,
    Commendation,
    Complaint,
    Discipline,
    EventRecord,
    Finding,
    ForceType,
    Injury,
    Lawsuit,
    Officer,
    Record,
    UseOfForce,
    VehicleIncident,
    VehicleIncidentType,
)

NEVER = 10**8
"""Ordinal for 'no date' (later than any real date)."""

KINDS: tuple[str, ...] = (
    "complaint",
    "use_of_force",
    "accident_preventable",
    "pursuit",
    "injury",
    "discipline",
    "lawsuit",
    "commendation",
    "activity",
)
_KIND = {name: code for code, name in enumerate(KINDS)}
_CATEGORIES = tuple(AllegationCategory)
_CATEGORY = {category: code for code, category in enumerate(_CATEGORIES)}
_NOT_CONDUCT = {AllegationCategory.EXCESSIVE_FORCE, AllegationCategory.OPERATIONS, AllegationCategory.NEGLECT_OF_DUTY}

# Bit flags per event.
SUSTAINED = 1 << 0  # complaint: final finding sustained (known only from its decision date)
CLEARED = 1 << 1  # complaint: decided, not sustained
SUBJECT_INJURED = 1 << 2
OFFICER_INJURED = 1 << 3
TASER = 1 << 4
FIREARM = 1 << 5  # firearm discharged
CONDUCT = 1 << 6  # complaint about conduct (not force, operations or neglect of duty)

WINDOW_DAYS: dict[str, int] = {"90d": 90, "180d": 180, "1y": 365, "2y": 730, "5y": 1826, "career": NEVER}
_BOUNDS = np.array([90, 180, 365, 730, 1826], dtype=np.int64)
_N_BUCKETS = len(_BOUNDS) + 1
RECENCY_CAP_DAYS = 3650
DEMOGRAPHIC_COLUMNS: tuple[str, ...] = ("race", "sex", "birth_year")


@dataclass(frozen=True)
class FeatureSpec:
    name: str
    label: str
    monotone: int
    """+1: more of it never lowers the risk; -1: more of it never raises it; 0: either way."""


def _window_words(window: str) -> str:
    """'90d' -> '90 days', '1y' -> 'year', '5y' -> '5 years'."""
    number, unit = int(window[:-1]), {"d": "day", "y": "year"}[window[-1]]
    if number == 1:
        return unit
    return f"{number} {unit}s"


def _feature_catalogue() -> dict[str, FeatureSpec]:
    specs: list[FeatureSpec] = []

    def counts(prefix: str, noun: str, windows: Sequence[str], monotone: int = 1) -> None:
        for window in windows:
            span = "career" if window == "career" else f"last {_window_words(window)}"
            specs.append(FeatureSpec(f"{prefix}_{window}", f"{noun}, {span}", monotone))

    every = tuple(WINDOW_DAYS)
    counts("complaints", "Complaints", every)
    counts("force_complaints", "Excessive-force complaints", every)
    counts("conduct_complaints", "Conduct complaints", ("1y", "5y", "career"))
    counts("sustained", "Sustained complaints (by decision date)", ("2y", "5y", "career"))
    counts("cleared", "Complaints decided not sustained", ("5y", "career"))
    specs.append(FeatureSpec("pending_complaints", "Complaints still pending", 1))
    counts("force", "Use-of-force reports", every)
    counts("force_injury", "Uses of force with the subject injured", every)
    counts("taser", "Taser uses", ("1y", "2y", "career"))
    counts("firearm", "Firearm discharges", ("2y", "career"))
    counts("officer_injured", "Uses of force with the officer injured", ("1y", "career"))
    for kind, noun in (
        ("accident_preventable", "Preventable vehicle accidents"),
        ("pursuit", "Vehicle pursuits"),
        ("injury", "On-the-job injuries"),
        ("discipline", "Disciplinary actions"),
        ("lawsuit", "Lawsuits"),
    ):
        counts(kind, noun, ("1y", "5y", "career"))
    counts("commendation", "Commendations", ("1y", "5y"), monotone=0)
    for name, noun in (
        ("complaint", "complaint"),
        ("force_complaint", "excessive-force complaint"),
        ("force", "use-of-force report"),
        ("force_injury", "use of force with the subject injured"),
    ):
        specs.append(FeatureSpec(f"days_since_{name}", f"Days since the last {noun}", -1))
    specs.append(FeatureSpec("incident_trend", "Complaints and force reports, last 180 days minus the 185 before", 0))
    specs.append(FeatureSpec("force_per_100_arrests_1y", "Use-of-force reports per 100 arrests, last yr", 0))
    specs.append(FeatureSpec("tenure_years", "Years of service", 0))
    return {spec.name: spec for spec in specs}


FEATURES: dict[str, FeatureSpec] = _feature_catalogue()
"""Every column ``history_features`` returns, in order."""

FEATURE_KIND: dict[str, str] = {
    name: next((kind for kind in KINDS if name.startswith(kind)), "")
    for name in FEATURES
    if name.startswith(("accident_preventable", "pursuit", "injury", "discipline", "lawsuit", "commendation"))
}
"""Features fed by one optional record kind: an agency can leave the kind out of its model."""


@dataclass(frozen=True)
class HistoryFrame:
    """Every event as parallel arrays (one row per complaint per officer, not per allegation)."""

    officer: npt.NDArray[np.int64]
    kind: npt.NDArray[np.int64]
    known: npt.NDArray[np.int64]
    decided: npt.NDArray[np.int64]
    category: npt.NDArray[np.int64]
    flags: npt.NDArray[np.int64]
    arrests: npt.NDArray[np.float64]
    officer_ids: pd.Index
    roster: pd.DataFrame
    """Indexed like ``officer_ids``: rank, hire_date and separation_date ordinals (NaN = none), on_roster."""
    demographics: pd.DataFrame
    """Race, sex and birth year: for the fairness audit only."""

    @property
    def size(self) -> int:
        return int(self.officer.size)

    @classmethod
    def from_records(cls, records: Iterable[Record]) -> HistoryFrame:
        builder = HistoryBuilder()
        for record in records:
            builder.add(record)
        return builder.build()

    def codes(self, officer_ids: Iterable[str]) -> npt.NDArray[np.int64]:
        return np.asarray(self.officer_ids.get_indexer(pd.Index(list(officer_ids), dtype=object)), dtype=np.int64)

    def last_event_day(self) -> date:
        return date.fromordinal(int(self.known.max())) if self.size else date.min


def build_frames(records: Iterable[Record]) -> tuple[EventFrame, HistoryFrame]:
    """Both frames from one pass over the records (the record store is read once per run)."""
    events, history = _Builder(), HistoryBuilder()
    for record in records:
        events.add(record)
        history.add(record)
    return events.build(), history.build()


class HistoryBuilder:
    def __init__(self) -> None:
        self.officer: list[str] = []
        self.kind: list[int] = []
        self.known: list[int] = []
        self.decided: list[int] = []
        self.category: list[int] = []
        self.flags: list[int] = []
        self.arrests: list[float] = []
        self.key: list[str | None] = []
        self.roster: dict[str, tuple[str, float, float, str | None, str | None, float]] = {}
        self._roster_order: dict[str, str] = {}

    def add(self, record: Record) -> None:
        """One record into the frame, by its model's adder (``_ADDERS``); leave and training are not model inputs."""
        adder = _ADDERS.get(type(record))
        if adder is None:
            adder = _adder_of(type(record))
        adder(self, record)

    def _officer(self, record: Officer) -> None:
        previous = self._roster_order.get(record.officer_id)
        if previous is not None and previous > record.source_record_id:
            return
        self._roster_order[record.officer_id] = record.source_record_id
        self.roster[record.officer_id] = (
            record.rank,
            np.nan if record.hire_date is None else float(record.hire_date.toordinal()),
            np.nan if record.separation_date is None else float(record.separation_date.toordinal()),
            record.race,
            record.sex,
            np.nan if record.birth_year is None else float(record.birth_year),
        )

    def _complaint(self, record: Complaint) -> None:
        flags = CONDUCT if record.category not in _NOT_CONDUCT else 0
        decided = NEVER
        if record.finding is not Finding.PENDING and record.finding_decided_on is not None:
            decided = max(record.known_on, record.finding_decided_on).toordinal()
            flags |= SUSTAINED if record.finding is Finding.SUSTAINED else CLEARED
        category = _CATEGORY[record.category]
        self._append(
            record.officer_id, _KIND["complaint"], record.known_on, decided, category, flags, 0.0, record.complaint_id
        )

    def _use_of_force(self, record: UseOfForce) -> None:
        flags = (SUBJECT_INJURED if record.subject_injured else 0) | (OFFICER_INJURED if record.officer_injured else 0)
        flags |= TASER if record.force_type is ForceType.TASER else 0
        flags |= FIREARM if record.force_type is ForceType.FIREARM_DISCHARGED else 0
        self._append(record.officer_id, _KIND["use_of_force"], record.known_on, NEVER, -1, flags, 0.0, None)

    def _vehicle_incident(self, record: VehicleIncident) -> None:
        if record.incident_type is VehicleIncidentType.PURSUIT:
            self._event(record, _KIND["pursuit"])
        elif record.preventable:
            self._event(record, _KIND["accident_preventable"])

    def _activity(self, record: Activity) -> None:
        self._append(record.officer_id, _KIND["activity"], record.known_on, NEVER, -1, 0, float(record.arrests), None)

    def _event(self, record: EventRecord, kind: int) -> None:
        """An event counted by its kind and day alone (injuries, discipline, lawsuits, commendations)."""
        self._append(record.officer_id, kind, record.known_on, NEVER, -1, 0, 0.0, None)

    def _append(  # noqa: PLR0917 (one value per column)
        self,
        officer: str,
        kind: int,
        known: date,
        decided: int,
        category: int,
        flags: int,
        arrests: float,
        key: str | None,
    ) -> None:
        self.officer.append(officer)
        self.kind.append(kind)
        self.known.append(known.toordinal())
        self.decided.append(decided)
        self.category.append(category)
        self.flags.append(flags)
        self.arrests.append(arrests)
        self.key.append(key)

    def _ignore(self, record: Record) -> None:
        pass

    def build(self) -> HistoryFrame:
        events = pd.DataFrame(
            {
                "officer": pd.Series(self.officer, dtype=object),
                "kind": np.asarray(self.kind, dtype=np.int64),
                "known": np.asarray(self.known, dtype=np.int64),
                "decided": np.asarray(self.decided, dtype=np.int64),
                "category": np.asarray(self.category, dtype=np.int64),
                "flags": np.asarray(self.flags, dtype=np.int64),
                "arrests": np.asarray(self.arrests, dtype=np.float64),
                "key": pd.Series(self.key, dtype=object),
            }
        )
        events = _one_row_per_complaint(events)
        roster = pd.DataFrame.from_dict(
            self.roster,
            orient="index",
            columns=["rank", "hire_date", "separation_date", "race", "sex", "birth_year"],
        )
        officer_ids = pd.Index(sorted(set(self.roster).union(self.officer)), dtype=object, name="officer_id")
        roster = roster.reindex(officer_ids)
        roster["on_roster"] = roster.index.isin(list(self.roster))
        roster["hire_date"] = roster["hire_date"].astype("float64")
        roster["separation_date"] = roster["separation_date"].astype("float64")
        return HistoryFrame(
            officer=np.asarray(officer_ids.get_indexer(pd.Index(events["officer"], copy=False)), dtype=np.int64),
            kind=events["kind"].to_numpy(np.int64),
            known=events["known"].to_numpy(np.int64),
            decided=events["decided"].to_numpy(np.int64),
            category=events["category"].to_numpy(np.int64),
            flags=events["flags"].to_numpy(np.int64),
            arrests=events["arrests"].to_numpy(np.float64),
            officer_ids=officer_ids,
            roster=roster[["rank", "hire_date", "separation_date", "on_roster"]],
            demographics=roster[list(DEMOGRAPHIC_COLUMNS)],
        )


_ADDERS: dict[type, Callable[[HistoryBuilder, Any], None]] = {
    Officer: HistoryBuilder._officer,
    Complaint: HistoryBuilder._complaint,
    UseOfForce: HistoryBuilder._use_of_force,
    VehicleIncident: HistoryBuilder._vehicle_incident,
    Injury: functools.partial(HistoryBuilder._event, kind=_KIND["injury"]),
    Discipline: functools.partial(HistoryBuilder._event, kind=_KIND["discipline"]),
    Lawsuit: functools.partial(HistoryBuilder._event, kind=_KIND["lawsuit"]),
    Commendation: functools.partial(HistoryBuilder._event, kind=_KIND["commendation"]),
    Activity: HistoryBuilder._activity,
}
"""``HistoryBuilder.add``'s adder per record model: one dict look-up per record instead of a chain of isinstance."""


def _adder_of(model: type) -> Callable[[HistoryBuilder, Any], None]:
    """The adder of a model ``_ADDERS`` does not name: its nearest base's (a subclass of a record model), or none."""
    base = next((base for base in model.__mro__ if base in _ADDERS), None)
    adder = HistoryBuilder._ignore if base is None else _ADDERS[base]
    _ADDERS[model] = adder
    return adder


def _one_row_per_complaint(events: pd.DataFrame) -> pd.DataFrame:
    """Several allegations of one complaint against one officer count as one complaint.

    The complaint is known from its first allegation, force if any allegation is, and sustained
    from the first sustained decision; it is cleared once every allegation is decided otherwise.
    """
    is_complaint = events["kind"].to_numpy() == _KIND["complaint"]
    complaints = events[is_complaint]
    if complaints.empty or not complaints.duplicated(["officer", "key"]).any():
        return events.drop(columns="key")
    force = _CATEGORY[AllegationCategory.EXCESSIVE_FORCE]
    work = complaints.assign(
        is_force=complaints["category"].eq(force),
        sustained_on=np.where(complaints["flags"] & SUSTAINED, complaints["decided"], NEVER),
        conduct=complaints["flags"] & CONDUCT,
    )
    grouped = work.groupby(["officer", "key"], sort=False)
    merged = grouped.agg(
        kind=("kind", "first"),
        known=("known", "min"),
        decided_all=("decided", "max"),
        sustained_on=("sustained_on", "min"),
        is_force=("is_force", "any"),
        category=("category", "first"),
        conduct=("conduct", "max"),
        arrests=("arrests", "first"),
    ).reset_index()
    sustained = merged["sustained_on"] < NEVER
    cleared = ~sustained & (merged["decided_all"] < NEVER)
    merged["decided"] = np.where(sustained, merged["sustained_on"], np.where(cleared, merged["decided_all"], NEVER))
    merged["flags"] = merged["conduct"] | np.where(sustained, SUSTAINED, 0) | np.where(cleared, CLEARED, 0)
    merged["category"] = np.where(merged["is_force"], force, merged["category"])
    columns = ["officer", "kind", "known", "decided", "category", "flags", "arrests"]
    combined: pd.DataFrame = pd.concat([events.loc[~is_complaint, columns], merged[columns]], ignore_index=True)
    return combined


# ---------------------------------------------------------------------------------------- population


class RecentEvents(BaseModel):
    """Officers with at least one event of these kinds known within the window, e.g. 'a complaint in five years'."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kinds: tuple[str, ...] = Field(min_length=1, description=f"Event kinds, any of: {', '.join(KINDS)}")
    within_days: int = Field(ge=1, description="Known within this many days before the date")

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, kinds: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown event kind(s) {', '.join(unknown)}; choose from {', '.join(KINDS)}")
        return kinds


class PopulationRule(BaseModel):
    """Who is scored and trained on as of a date: on the roster (hired before it, not separated by it)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    exclude_ranks: tuple[str, ...] = Field(default=(), description="e.g. civilian staff on a sworn roster")
    min_tenure_days: int = Field(default=0, ge=0)
    active_within_days: int | None = Field(
        default=None,
        ge=1,
        description="Also require an activity record known within this many days before the date "
        "(Chicago: a payroll year ending the day before, i.e. 'on the payroll the year before')",
    )
    recent_events: RecentEvents | None = Field(
        default=None,
        description="Also require an event of the given kinds known within a window (none: no such condition)",
    )

    @model_serializer(mode="wrap")
    def _without_unset_conditions(
        self, handler: SerializerFunctionWrapHandler, info: SerializationInfo
    ) -> dict[str, object]:
        # A spec without the newer condition serialises as before, so existing model ids do not change.
        data: dict[str, object] = handler(self)
        if self.recent_events is None:
            data.pop("recent_events", None)
        return data


def population(frame: HistoryFrame, as_of: date, rule: PopulationRule | None = None) -> pd.Index:
    """Officer ids in the population as of the date."""
    rule = rule or PopulationRule()
    day = as_of.toordinal()
    roster = frame.roster
    hire = roster["hire_date"].to_numpy()
    separation = roster["separation_date"].to_numpy()
    # An unknown hire date (NaN) is on the roster from the start of the records, but of unknown tenure: it meets
    # no minimum tenure (``unknown_tenure`` counts who a min_tenure_days rule leaves out for that reason).
    known_hire = ~np.isnan(hire)
    hired = np.where(known_hire, hire <= day - 1 - rule.min_tenure_days, rule.min_tenure_days == 0)
    keep = roster["on_roster"].to_numpy(bool) & hired
    keep &= np.isnan(separation) | (separation >= day)
    if rule.exclude_ranks:
        keep &= ~roster["rank"].isin(rule.exclude_ranks).to_numpy()
    if rule.active_within_days is not None:
        recent = (frame.kind == _KIND["activity"]) & (frame.known < day)
        recent &= frame.known >= day - rule.active_within_days
        active = np.zeros(len(frame.officer_ids), dtype=bool)
        active[frame.officer[recent]] = True
        keep &= active
    if rule.recent_events is not None:
        kinds = [_KIND[name] for name in rule.recent_events.kinds]
        recent = np.isin(frame.kind, kinds) & (frame.known < day)
        recent &= frame.known >= day - rule.recent_events.within_days
        eventful = np.zeros(len(frame.officer_ids), dtype=bool)
        eventful[frame.officer[recent]] = True
        keep &= eventful
    return frame.officer_ids[keep]


# ---------------------------------------------------------------------------------------- features


def history_features(frame: HistoryFrame, as_of: date, officer_ids: Iterable[str]) -> pd.DataFrame:
    """The ``FEATURES`` of each officer from what was known strictly before ``as_of``."""
    return EventsByDay.of(frame).features(as_of, officer_ids)


@dataclass(frozen=True)
class _KindByDay:
    """One kind's events in the order they became known (stable): 'known before a day' is a prefix."""

    officer: npt.NDArray[np.int64]
    known: npt.NDArray[np.int64]
    decided: npt.NDArray[np.int64]
    category: npt.NDArray[np.int64]
    flags: npt.NDArray[np.int64]

    @classmethod
    def of(cls, frame: HistoryFrame, rows: npt.NDArray[np.int64]) -> _KindByDay:
        rows = rows[np.argsort(frame.known[rows], kind="stable")]
        return cls(frame.officer[rows], frame.known[rows], frame.decided[rows], frame.category[rows], frame.flags[rows])

    def before(self, day: int) -> _KindByDay:
        end = int(np.searchsorted(self.known, day, side="left"))
        return _KindByDay(
            self.officer[:end], self.known[:end], self.decided[:end], self.category[:end], self.flags[:end]
        )

    def within(self, start: int, end: int) -> _KindByDay:
        """The events known in ``[start, end)``."""
        first, last = np.searchsorted(self.known, [start, end], side="left")
        return _KindByDay(
            self.officer[first:last],
            self.known[first:last],
            self.decided[first:last],
            self.category[first:last],
            self.flags[first:last],
        )

    def cells(self, day: int, n: int) -> npt.NDArray[np.int64]:
        """Window bucket x officer of each event (all known before ``day``; ``n`` officers): known ascending is
        age descending, so the buckets are runs, the oldest (past 5 years) first."""
        starts = np.searchsorted(self.known, day - _BOUNDS[::-1], side="left")
        runs = np.diff(np.concatenate(([0], starts, [self.known.size])))
        buckets = np.repeat(np.arange(_N_BUCKETS - 1, -1, -1, dtype=np.int64) * n, runs)
        cells: npt.NDArray[np.int64] = self.officer + buckets
        return cells

    def latest(self, n: int, mask: npt.NDArray[np.bool_] | None = None) -> npt.NDArray[np.int64]:
        """Per officer the day the latest (masked) event was known, -NEVER without one."""
        latest = np.full(n, -NEVER, dtype=np.int64)
        officer, known = (self.officer, self.known) if mask is None else (self.officer[mask], self.known[mask])
        np.put(latest, officer, known)  # in the order known, one after another: the last put is the latest
        return latest


@dataclass(frozen=True)
class EventsByDay:
    """A frame's events by kind, each in the order they became known, for features as of many dates.

    Sorted once for many as-of dates (``build_panel``'s years): each date then counts a prefix of each
    kind's arrays instead of masking every event (activity records, nearly half of them, only in the
    arrest sum), buckets the windows by five binary searches, and takes the latest event per officer as
    the last one of the prefix. Arrests are summed in the frame's own order, as floating-point sums
    depend on it. The figures are those of counting the frame directly
    (``tests/unit/test_history_features_by_day.py`` keeps the direct version to compare with).
    """

    frame: HistoryFrame
    kinds: dict[str, _KindByDay]
    activity_officer: npt.NDArray[np.int64]
    """The activity records in the frame's own order: officer, day known, arrests."""
    activity_known: npt.NDArray[np.int64]
    activity_arrests: npt.NDArray[np.float64]

    @classmethod
    def of(cls, frame: HistoryFrame) -> EventsByDay:
        order = np.argsort(frame.kind, kind="stable")
        bounds = np.searchsorted(frame.kind[order], np.arange(len(KINDS) + 1), side="left")
        kinds = {
            name: _KindByDay.of(frame, order[bounds[code] : bounds[code + 1]])
            for name, code in _KIND.items()
            if name != "activity"
        }
        activity = frame.kind == _KIND["activity"]
        return cls(frame, kinds, frame.officer[activity], frame.known[activity], frame.arrests[activity])

    def features(self, as_of: date, officer_ids: Iterable[str]) -> pd.DataFrame:
        """The ``FEATURES`` of each officer from what was known strictly before ``as_of``."""
        frame = self.frame
        index = pd.Index(list(officer_ids), dtype=object, name="officer_id")
        codes = np.asarray(frame.officer_ids.get_indexer(index), dtype=np.int64)  # ``frame.codes``
        if (codes < 0).any():
            raise ValueError("officers not in the history frame")
        day = as_of.toordinal()
        n = len(frame.officer_ids)
        columns: dict[str, npt.NDArray[np.float64]] = {}

        def windowed(cells: npt.NDArray[np.int64], prefix: str) -> None:
            counts = np.bincount(cells, minlength=_N_BUCKETS * n).reshape(_N_BUCKETS, n)[:, codes]
            within = np.zeros(len(codes))
            for position, window in enumerate(WINDOW_DAYS):  # bucket by bucket: each window counts those within it
                within = within + counts[position]
                name = f"{prefix}_{window}"
                if name in FEATURES:
                    columns[name] = within

        complaints = self.kinds["complaint"].before(day)
        cell = complaints.cells(day, n)
        is_force_complaint = complaints.category == _CATEGORY[AllegationCategory.EXCESSIVE_FORCE]
        windowed(cell, "complaints")
        windowed(cell[is_force_complaint], "force_complaints")
        windowed(cell[complaints.flags & CONDUCT > 0], "conduct_complaints")
        # A finding counts from the day it was decided, and only once decided before as_of.
        found = complaints.decided < day
        decided = complaints.decided[found]
        decision_cell = complaints.officer[found] + np.searchsorted(_BOUNDS, day - decided, side="left") * n
        found_flags = complaints.flags[found]
        windowed(decision_cell[found_flags & SUSTAINED > 0], "sustained")
        windowed(decision_cell[found_flags & CLEARED > 0], "cleared")
        pending = np.bincount(complaints.officer[~found], minlength=n)[codes]
        columns["pending_complaints"] = pending.astype(np.float64)
        force = self.kinds["use_of_force"].before(day)
        cell = force.cells(day, n)
        injured = force.flags & SUBJECT_INJURED > 0
        windowed(cell, "force")
        windowed(cell[injured], "force_injury")
        windowed(cell[force.flags & TASER > 0], "taser")
        windowed(cell[force.flags & FIREARM > 0], "firearm")
        windowed(cell[force.flags & OFFICER_INJURED > 0], "officer_injured")
        for name in ("accident_preventable", "pursuit", "injury", "discipline", "lawsuit", "commendation"):
            events = self.kinds[name].before(day)
            windowed(events.cells(day, n), name)

        for name, latest in (
            ("complaint", complaints.latest(n)),
            ("force_complaint", complaints.latest(n, is_force_complaint)),
            ("force", force.latest(n)),
            ("force_injury", force.latest(n, injured)),
        ):
            columns[f"days_since_{name}"] = np.minimum(day - latest[codes], RECENCY_CAP_DAYS).astype(np.float64)

        incidents_180 = columns["complaints_180d"] + columns["force_180d"]
        incidents_365 = columns["complaints_1y"] + columns["force_1y"]
        columns["incident_trend"] = incidents_180 - (incidents_365 - incidents_180)
        year = (self.activity_known < day) & (self.activity_known >= day - 365)
        arrests = np.bincount(self.activity_officer[year], weights=self.activity_arrests[year], minlength=n)[codes]
        with np.errstate(divide="ignore", invalid="ignore"):
            columns["force_per_100_arrests_1y"] = np.where(arrests > 0, 100.0 * columns["force_1y"] / arrests, np.nan)
        hire = frame.roster["hire_date"].to_numpy()[codes]
        columns["tenure_years"] = (day - hire) / 365.25
        values = np.stack([columns[name] for name in FEATURES])  # one row per feature: the frame's one block
        return pd.DataFrame(values.T, index=index, columns=list(FEATURES), copy=False)

    def first_adverse(
        self, as_of: date, window_days: int, officer_ids: Iterable[str], definition: AdverseDefinition
    ) -> pd.Series:
        """``adverse_outcomes``: the day the first adverse event was known in ``[as_of, as_of + window)``, or NaN.

        Only each kind's events known within the window are looked at: one slice of its arrays.
        """
        frame = self.frame
        index = pd.Index(list(officer_ids), dtype=object, name="officer_id")
        codes = np.asarray(frame.officer_ids.get_indexer(index), dtype=np.int64)  # ``frame.codes``
        start, end = as_of.toordinal(), as_of.toordinal() + window_days
        first = np.full(len(frame.officer_ids), NEVER, dtype=np.int64)

        def earliest(events: _KindByDay, adverse: npt.NDArray[np.bool_] | None = None) -> None:
            officer, known = (
                (events.officer, events.known) if adverse is None else (events.officer[adverse], events.known[adverse])
            )
            np.minimum.at(first, officer, known)

        complaints = self.kinds["complaint"].within(start, end)
        adverse = np.zeros(complaints.known.size, dtype=bool)
        if definition.sustained_complaint:
            sustained = complaints.flags & SUSTAINED > 0
            if definition.findings_known_by is not None:
                sustained &= complaints.decided < definition.findings_known_by.toordinal()
            adverse |= sustained
        if definition.complaint_categories:
            wanted = np.array([_CATEGORY[c] for c in definition.complaint_categories])
            adverse |= np.isin(complaints.category, wanted)
        earliest(complaints, adverse)
        if definition.force_subject_injured:
            force = self.kinds["use_of_force"].within(start, end)
            earliest(force, force.flags & SUBJECT_INJURED > 0)
        if definition.lawsuit:
            earliest(self.kinds["lawsuit"].within(start, end))
        values = first[codes].astype(np.float64)
        values[values >= NEVER] = np.nan
        return pd.Series(values, index=index, name="first_adverse")


# ---------------------------------------------------------------------------------------- outcomes


class AdverseDefinition(BaseModel):
    """What counts as the adverse event the model predicts; each event dates from when it was known."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sustained_complaint: bool = Field(default=True, description="A complaint whose (eventual) finding is sustained")
    complaint_categories: tuple[AllegationCategory, ...] = Field(
        default=(AllegationCategory.EXCESSIVE_FORCE,), description="Any complaint in these categories"
    )
    force_subject_injured: bool = True
    lawsuit: bool = False
    findings_known_by: date | None = Field(
        default=None,
        description="Count a sustained finding only when decided before this date (a strict backtest); "
        "None uses the eventual finding, as the issue's 'eventually sustained' says",
    )

    def describe(self) -> str:
        parts = []
        if self.sustained_complaint:
            parts.append("a complaint eventually sustained")
        if self.complaint_categories:
            parts.append("a complaint of " + " or ".join(c.value.replace("_", " ") for c in self.complaint_categories))
        if self.force_subject_injured:
            parts.append("a use of force that injured its subject")
        if self.lawsuit:
            parts.append("a lawsuit")
        return " or ".join(parts) or "nothing"


def adverse_outcomes(
    frame: HistoryFrame, as_of: date, window_days: int, officer_ids: Iterable[str], definition: AdverseDefinition
) -> pd.Series:
    """Per officer, the day (ordinal) the first adverse event was known in ``[as_of, as_of + window)``, or NaN.

    For one date; a panel of many dates keeps one ``EventsByDay`` and asks it for each.
    """
    return EventsByDay.of(frame).first_adverse(as_of, window_days, officer_ids, definition)
