"""``HistoryBuilder.add`` files each record by its model's adder (one dict look-up, not a chain of isinstance).

The chain below is the implementation it replaced; both must give the same frame, column for column, for
every record kind (leave and training left out), for a subclass of a record model, for several versions of
one officer on the roster and for complaints with several allegations. The in-memory store hands the
builder the records it was given, decoded without validating them again.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest

from eis_core.indicators.history import (
    _CATEGORY,
    _KIND,
    _NOT_CONDUCT,
    CLEARED,
    CONDUCT,
    FIREARM,
    NEVER,
    OFFICER_INJURED,
    SUBJECT_INJURED,
    SUSTAINED,
    TASER,
    HistoryBuilder,
    HistoryFrame,
)
from eis_core.models.records import (
    Activity,
    AllegationCategory,
    Commendation,
    Complaint,
    Discipline,
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
from eis_core.storage.memory import InMemoryRecordStore
from eis_tools.generate import GeneratorConfig, generate_agency


class _ChainBuilder(HistoryBuilder):
    """The isinstance chain ``HistoryBuilder.add`` replaced, writing the builder's columns itself."""

    def _row(self, officer: str, kind: str, known: date, **extra: Any) -> None:
        decided = extra.get("decided")
        self.officer.append(officer)
        self.kind.append(_KIND[kind])
        self.known.append(known.toordinal())
        self.decided.append(NEVER if decided is None else decided.toordinal())
        self.category.append(extra.get("category", -1))
        self.flags.append(extra.get("flags", 0))
        self.arrests.append(extra.get("arrests", 0.0))
        self.key.append(extra.get("key"))

    def add(self, record: Record) -> None:
        if isinstance(record, Officer):
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
        elif isinstance(record, Complaint):
            flags = CONDUCT if record.category not in _NOT_CONDUCT else 0
            decided = None
            if record.finding is not Finding.PENDING and record.finding_decided_on is not None:
                decided = max(record.known_on, record.finding_decided_on)
                flags |= SUSTAINED if record.finding is Finding.SUSTAINED else CLEARED
            self._row(
                record.officer_id,
                "complaint",
                record.known_on,
                decided=decided,
                category=_CATEGORY[record.category],
                flags=flags,
                key=record.complaint_id,
            )
        elif isinstance(record, UseOfForce):
            flags = (SUBJECT_INJURED if record.subject_injured else 0) | (
                OFFICER_INJURED if record.officer_injured else 0
            )
            flags |= TASER if record.force_type is ForceType.TASER else 0
            flags |= FIREARM if record.force_type is ForceType.FIREARM_DISCHARGED else 0
            self._row(record.officer_id, "use_of_force", record.known_on, flags=flags)
        elif isinstance(record, VehicleIncident):
            if record.incident_type is VehicleIncidentType.PURSUIT:
                self._row(record.officer_id, "pursuit", record.known_on)
            elif record.preventable:
                self._row(record.officer_id, "accident_preventable", record.known_on)
        elif isinstance(record, Injury):
            self._row(record.officer_id, "injury", record.known_on)
        elif isinstance(record, Discipline):
            self._row(record.officer_id, "discipline", record.known_on)
        elif isinstance(record, Lawsuit):
            self._row(record.officer_id, "lawsuit", record.known_on)
        elif isinstance(record, Commendation):
            self._row(record.officer_id, "commendation", record.known_on)
        elif isinstance(record, Activity):
            self._row(record.officer_id, "activity", record.known_on, arrests=float(record.arrests))


class _LocalComplaint(Complaint):
    """A subclass of a record model (an extension module's): filed as its base is."""


def _frame(builder: HistoryBuilder, records: list[Record]) -> HistoryFrame:
    for record in records:
        builder.add(record)
    return builder.build()


def _assert_same(frame: HistoryFrame, expected: HistoryFrame) -> None:
    for column in ("officer", "kind", "known", "decided", "category", "flags", "arrests"):
        np.testing.assert_array_equal(getattr(frame, column), getattr(expected, column), err_msg=column)
        assert getattr(frame, column).dtype == getattr(expected, column).dtype
    pd.testing.assert_index_equal(frame.officer_ids, expected.officer_ids)
    pd.testing.assert_frame_equal(frame.roster, expected.roster)
    pd.testing.assert_frame_equal(frame.demographics, expected.demographics)


@pytest.fixture(scope="module")
def agency_records() -> list[Record]:
    agency = generate_agency(
        GeneratorConfig(officers=120, seed=11, start=date(2019, 1, 1), end=date(2021, 12, 31), horizon_months=0)
    )
    return [record for records in agency.records.values() for record in records]


def _edge_records(seed: int) -> list[Record]:
    """Random events of every kind the frame counts, several roster versions and multi-allegation complaints."""
    rng = random.Random(seed)
    start = date(2015, 1, 1)

    def day() -> date:
        return start + timedelta(days=rng.randrange(2000))

    records: list[Record] = []
    for number in range(6):
        officer = f"O{number}"
        for version in rng.sample(range(9), 3):  # versions out of order: the latest source id wins
            hired = day() if rng.random() < 0.8 else None
            records.append(
                Officer(
                    source_record_id=f"{officer}-v{version}",
                    officer_id=officer,
                    first_name="A",
                    last_name="B",
                    rank=rng.choice(["officer", "sergeant"]),
                    unit="patrol",
                    hire_date=hired,
                    separation_date=None if hired is None or rng.random() < 0.7 else hired + timedelta(days=900),
                    race=rng.choice([None, "white", "black"]),
                    sex=rng.choice([None, "f", "m"]),
                    birth_year=rng.choice([None, 1970, 1985]),
                )
            )
    for number in range(300):
        officer = f"O{rng.randrange(8)}"  # two officers not on the roster
        happened = day()
        known = happened + timedelta(days=rng.randrange(30))
        common: dict[str, Any] = {
            "source_record_id": f"E{number}",
            "officer_id": officer,
            "occurred_on": happened,
            "known_on": known,
        }
        choice = rng.randrange(9)
        if choice <= 1:
            finding = rng.choice(list(Finding))
            model = _LocalComplaint if choice == 1 else Complaint
            records.append(
                model(
                    **common,
                    complaint_id=f"C{rng.randrange(60)}",  # repeated: several allegations of one complaint
                    category=rng.choice(list(AllegationCategory)),
                    finding=finding,
                    finding_decided_on=None if finding is Finding.PENDING else happened + timedelta(rng.randrange(400)),
                )
            )
        elif choice == 2:
            records.append(
                UseOfForce(
                    **common,
                    force_type=rng.choice(list(ForceType)),
                    subject_injured=rng.random() < 0.3,
                    officer_injured=rng.random() < 0.2,
                )
            )
        elif choice == 3:
            records.append(
                VehicleIncident(
                    **common,
                    incident_type=rng.choice(list(VehicleIncidentType)),
                    preventable=rng.choice([None, True, False]),
                )
            )
        elif choice == 4:
            records.append(Injury(**common, injury_type="strain"))
        elif choice == 5:
            records.append(Discipline(**common, action=rng.choice(["reprimand", "suspension"])))
        elif choice == 6:
            records.append(Lawsuit(**common, claim_type="false arrest"))
        elif choice == 7:
            records.append(Commendation(**common, award_type="medal"))
        else:
            records.append(Activity(**common, period_end=known, arrests=rng.randrange(40)))
    rng.shuffle(records)
    return records


def test_a_generated_agency_gives_the_frame_the_isinstance_chain_gave(agency_records: list[Record]) -> None:
    # Given every record of a generated agency (leave and training among them)
    # When the frame is built by the dispatching builder and by the chain it replaced
    # Then both frames are the same, column for column
    _assert_same(_frame(HistoryBuilder(), agency_records), _frame(_ChainBuilder(), agency_records))


@pytest.mark.parametrize("seed", range(5))
def test_random_edge_records_give_the_frame_the_isinstance_chain_gave(seed: int) -> None:
    records = _edge_records(seed)
    assert any(type(record) is _LocalComplaint for record in records)
    _assert_same(_frame(HistoryBuilder(), records), _frame(_ChainBuilder(), records))


def test_a_subclass_of_a_record_model_is_counted_as_its_base() -> None:
    # Given a complaint of a subclass of Complaint
    happened = date(2020, 3, 1)
    common = {"officer_id": "O1", "occurred_on": happened, "known_on": happened, "category": "excessive_force"}
    plain = Complaint(source_record_id="A", complaint_id="C1", **common)
    local = _LocalComplaint(source_record_id="A", complaint_id="C1", **common)
    # When each is framed alone
    # Then the frames are the same: one excessive-force complaint, pending
    _assert_same(HistoryFrame.from_records([local]), HistoryFrame.from_records([plain]))
    frame = HistoryFrame.from_records([local])
    assert frame.kind.tolist() == [_KIND["complaint"]]
    assert frame.category.tolist() == [_CATEGORY[AllegationCategory.EXCESSIVE_FORCE]]
    assert frame.decided.tolist() == [NEVER]


def test_the_memory_store_hands_the_builder_the_records_it_was_given(agency_records: list[Record]) -> None:
    # Given a generated agency's records put into the in-memory store
    store = InMemoryRecordStore()
    store.put_records(agency_records, upload_id="u1")
    # When the store's records are read back and framed
    read = list(store.iter_records())
    # Then they are the records put, field for field and with the same fields set, and frame as they do
    assert sorted(read, key=lambda r: r.record_key) == sorted(agency_records, key=lambda r: r.record_key)
    by_key = {record.record_key: record for record in agency_records}
    assert all(record.model_fields_set == by_key[record.record_key].model_fields_set for record in read)
    _assert_same(HistoryFrame.from_records(store.iter_records()), HistoryFrame.from_records(read))
