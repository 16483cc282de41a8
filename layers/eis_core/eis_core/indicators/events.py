"""One columnar table of every event, built once from the records and reused for any scoring date.

Dates are stored as proleptic ordinals (``date.toordinal()``) so that windows are integer
comparisons on numpy arrays. Each derived fact carries the date the agency knew *that fact*: a
sustained complaint becomes visible on ``max(known_on, finding_decided_on)``, not its intake date,
so one leakage gate (``known < as_of``) serves every event.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd

from eis_core.indicators.catalogue import EVENT_NAMES
from eis_core.models.records import (
    Activity,
    Commendation,
    Complaint,
    Discipline,
    Finding,
    Injury,
    Lawsuit,
    Leave,
    LeaveType,
    Officer,
    Record,
    UseOfForce,
    VehicleIncident,
    VehicleIncidentType,
)

ROSTER_COLUMNS: tuple[str, ...] = ("rank", "unit", "district", "shift", "hire_date", "separation_date")
SICK_LEAVE_HOURS_PER_DAY = 8.0

_EVENT_CODE = {name: code for code, name in enumerate(EVENT_NAMES)}
NO_KEY = -1


@dataclass(frozen=True)
class EventFrame:
    """Events as parallel numpy arrays plus the roster, both keyed by officer id.

    ``key`` is the complaint id's code for complaint events (several allegations of one complaint
    count once) and ``NO_KEY`` otherwise.
    """

    officer: npt.NDArray[np.int64]
    event: npt.NDArray[np.int64]
    occurred: npt.NDArray[np.int64]
    known: npt.NDArray[np.int64]
    amount: npt.NDArray[np.float64]
    key: npt.NDArray[np.int64]
    officer_ids: pd.Index
    roster: pd.DataFrame

    @property
    def size(self) -> int:
        return int(self.officer.size)

    @classmethod
    def from_records(cls, records: Iterable[Record]) -> EventFrame:
        """Consume the records once. Officers not on any roster record are kept but never scored."""
        builder = _Builder()
        for record in records:
            builder.add(record)
        return builder.build()

    def roster_as_of(self, as_of: date) -> pd.DataFrame:
        """Officers on the roster as of the date (as ``Officer.on_roster``), indexed by officer id."""
        day = as_of.toordinal()
        roster = self.roster
        hire = roster["hire_date"].to_numpy(dtype="float64", na_value=np.nan)
        hired = np.isnan(hire) | (hire < day)  # an unknown hire date: on the roster from the start of the records
        separation = roster["separation_date"].to_numpy(dtype="float64", na_value=np.nan)
        not_gone = np.isnan(separation) | (separation >= day)
        on_roster: pd.DataFrame = roster.loc[hired & not_gone]
        return on_roster


class _Builder:
    def __init__(self) -> None:
        self.officer: list[str] = []
        self.event: list[int] = []
        self.occurred: list[int] = []
        self.known: list[int] = []
        self.amount: list[float] = []
        self.key: list[str | None] = []
        self.officers: dict[str, dict[str, object]] = {}
        self._roster_order: dict[str, str] = {}

    def _add(
        self, officer_id: str, event: str, occurred: date, known: date, *, amount: float = 1.0, key: str | None = None
    ) -> None:
        self.officer.append(officer_id)
        self.event.append(_EVENT_CODE[event])
        self.occurred.append(occurred.toordinal())
        self.known.append(known.toordinal())
        self.amount.append(amount)
        self.key.append(key)

    def add(self, record: Record) -> None:
        if isinstance(record, Officer):
            self._add_officer(record)
            return
        officer_id, occurred, known = record.officer_id, record.occurred_on, record.known_on
        if isinstance(record, UseOfForce):
            self._add(officer_id, "force", occurred, known)
            if record.subject_injured:
                self._add(officer_id, "force_subject_injured", occurred, known)
        elif isinstance(record, Complaint):
            self._add(officer_id, "complaint", occurred, known, key=record.complaint_id)
            if record.finding is Finding.SUSTAINED and record.finding_decided_on is not None:
                # Equivalent to finding_as_of(as_of) is SUSTAINED for every as_of (the stored finding
                # is the latest), expressed as a knowledge date so the one gate applies.
                visible = max(known, record.finding_decided_on)
                self._add(officer_id, "complaint_sustained", occurred, visible, key=record.complaint_id)
        elif isinstance(record, VehicleIncident):
            if record.incident_type is VehicleIncidentType.PURSUIT:
                self._add(officer_id, "pursuit", occurred, known)
            else:
                self._add(officer_id, "accident", occurred, known)
                if record.preventable:
                    self._add(officer_id, "accident_preventable", occurred, known)
        elif isinstance(record, Injury):
            self._add(officer_id, "injury", occurred, known)
        elif isinstance(record, Discipline):
            self._add(officer_id, "discipline", occurred, known)
        elif isinstance(record, Lawsuit):
            self._add(officer_id, "lawsuit", occurred, known)
        elif isinstance(record, Commendation):
            self._add(officer_id, "commendation", occurred, known)
        elif isinstance(record, Leave):
            if record.leave_type is LeaveType.SICK:
                self._add(
                    officer_id, "sick_leave_days", occurred, known, amount=record.hours / SICK_LEAVE_HOURS_PER_DAY
                )
        elif isinstance(record, Activity):
            self._add(officer_id, "hours_worked", occurred, known, amount=record.hours_worked)
            self._add(officer_id, "arrests", occurred, known, amount=float(record.arrests))
            self._add(officer_id, "calls_for_service", occurred, known, amount=float(record.calls_for_service))
        # Training has no indicator yet; it is deliberately ignored rather than an error.

    def _add_officer(self, officer: Officer) -> None:
        # Two roster rows for one officer: the higher source record id wins, whatever the read order.
        previous = self._roster_order.get(officer.officer_id)
        if previous is not None and previous > officer.source_record_id:
            return
        self._roster_order[officer.officer_id] = officer.source_record_id
        self.officers[officer.officer_id] = {
            "rank": officer.rank,
            "unit": officer.unit,
            "district": officer.district,
            "shift": officer.shift,
            "hire_date": np.nan if officer.hire_date is None else float(officer.hire_date.toordinal()),
            "separation_date": None if officer.separation_date is None else officer.separation_date.toordinal(),
        }

    def build(self) -> EventFrame:
        roster = pd.DataFrame.from_dict(self.officers, orient="index", columns=list(ROSTER_COLUMNS))
        roster = roster.sort_index()
        roster.index.name = "officer_id"
        roster["separation_date"] = roster["separation_date"].astype("Float64")
        roster["hire_date"] = roster["hire_date"].astype("float64")
        codes, officer_ids = pd.factorize(pd.Series(self.officer, dtype=object), sort=True)
        keys, _ = pd.factorize(pd.Series(self.key, dtype=object), use_na_sentinel=True)
        return EventFrame(
            officer=codes.astype(np.int64),
            event=np.asarray(self.event, dtype=np.int64),
            occurred=np.asarray(self.occurred, dtype=np.int64),
            known=np.asarray(self.known, dtype=np.int64),
            amount=np.asarray(self.amount, dtype=np.float64),
            key=keys.astype(np.int64),
            officer_ids=pd.Index(officer_ids, name="officer_id", dtype=object),
            roster=roster,
        )
