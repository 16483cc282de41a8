"""The Chicago backtest frames records as the ingest service writes them: the same history as reading the store."""

from __future__ import annotations

from datetime import date

import pytest

from eis_core.indicators.history import HistoryFrame
from eis_core.models.records import Officer, Record
from eis_tools.agency_history import _FramingRecordStore, generated_records
from tests.unit.test_frame_cache import assert_same_history


@pytest.fixture(scope="module")
def records() -> list[Record]:
    return generated_records("framing-test", 100, 5, date(2019, 1, 1), date(2022, 12, 31))


def test_new_records_written_in_chunks_frame_as_the_stores_records(records: list[Record]) -> None:
    # Given records written in chunks (roster first, as ingest writes them), every one new
    store = _FramingRecordStore()
    ordered = sorted(records, key=lambda record: not isinstance(record, Officer))
    for start in range(0, len(ordered), 97):
        store.put_records(ordered[start : start + 97], upload_id="u1")
    # When the history is taken
    framed = store.framed_history()
    # Then it is the history of the store's records
    assert_same_history(framed, HistoryFrame.from_records(store.iter_records()))
    assert framed.size > 0


def test_a_record_written_twice_or_replaced_frames_from_the_store(records: list[Record]) -> None:
    # Given a store where a later write repeats one record and corrects another (a new version replaces it)
    store = _FramingRecordStore()
    store.put_records(records, upload_id="u1")
    officer = next(record for record in records if isinstance(record, Officer))
    corrected = officer.model_copy(update={"rank": "CORRECTED RANK"})
    store.put_records([records[-1], corrected], upload_id="u2")
    # When the history is taken
    framed = store.framed_history()
    # Then it is the store's (the correction included), not the records as first written
    assert_same_history(framed, HistoryFrame.from_records(store.iter_records()))
    assert "CORRECTED RANK" in set(framed.roster["rank"])


def test_a_retracted_record_frames_from_the_store(records: list[Record]) -> None:
    store = _FramingRecordStore()
    store.put_records(records, upload_id="u1")
    officers = [record for record in records if isinstance(record, Officer)]
    kept = {officer.source_record_id for officer in officers[1:]}
    assert store.retract_missing(officers[0].kind, kept, upload_id="u2") == 1

    assert_same_history(store.framed_history(), HistoryFrame.from_records(store.iter_records()))
