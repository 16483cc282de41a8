"""The first pass's accepted records come back from the spill exactly as validation made them."""

from __future__ import annotations

import typing
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest

from eis_core.ingest.spill import AcceptedRecords, RecordCodec, _base_types
from eis_core.models.records import RECORD_MODELS, Record, RecordKind

SPECIAL = {
    "officer_id": "P-7.a",
    "supervisor_id": "S_1",
    "email": "pat.doe@example.gov",
    "birth_year": 1975,
    "finding": "sustained",
    "occurred_on": date(2019, 3, 1),
    "known_on": date(2019, 3, 4),
    "finding_decided_on": date(2019, 9, 30),
    "hire_date": date(2001, 6, 1),
    "period_end": date(2019, 3, 31),
    "hours": 7.25,
    "amount_paid": Decimal("12500.50"),
}


def _full_values(kind: RecordKind, salt: int) -> dict[str, Any]:
    """Every field of the kind given a value (non-ASCII text, enums, dates, floats, decimals)."""
    values: dict[str, Any] = {}
    for name, info in RECORD_MODELS[kind].model_fields.items():
        if name in SPECIAL:
            values[name] = SPECIAL[name]
            continue
        [base] = _base_types(info.annotation)
        if isinstance(base, type) and issubclass(base, Enum):
            members = list(base)
            values[name] = members[salt % len(members)]
        elif base is str:
            values[name] = f"Ñandú {name} {salt} «x»"
        elif base is bool:
            values[name] = bool(salt % 2)
        elif base is int:
            values[name] = salt
        elif base is float:
            values[name] = salt / 3
        elif base is date:
            values[name] = date(2019, 3, 2 + salt % 20)
        else:
            raise AssertionError(f"{kind}.{name}: add a sample value for {base}")
    return values


def _samples(kind: RecordKind) -> list[Record]:
    model = RECORD_MODELS[kind]
    minimal = {name: _full_values(kind, 1)[name] for name, info in model.model_fields.items() if info.is_required()}
    records = [model.model_validate({**_full_values(kind, salt), "source_record_id": f"r{salt}"}) for salt in range(4)]
    records.append(model.model_validate({**minimal, "source_record_id": "minimal"}))
    return typing.cast("list[Record]", records)


@pytest.mark.parametrize("kind", list(RecordKind))
def test_every_kind_round_trips_with_its_values_types_and_fields_set(kind: RecordKind) -> None:
    codec = RecordCodec(RECORD_MODELS[kind])

    for record in _samples(kind):
        back = codec.decode(codec.encode(record))

        assert back == record
        assert type(back) is type(record)
        assert back.model_fields_set == record.model_fields_set
        assert back.model_dump_json() == record.model_dump_json()
        assert {name: type(value) for name, value in back} == {name: type(value) for name, value in record}


def test_spilled_chunks_come_back_in_order_and_the_file_is_closed() -> None:
    # Given 11 records and chunks of 4: two chunks go to disk, the last three stay in memory
    records = [record for _ in range(3) for record in _samples(RecordKind.COMPLAINT)][:11]
    accepted = AcceptedRecords(RECORD_MODELS[RecordKind.COMPLAINT], chunk_size=4)
    for record in records:
        accepted.add(record)

    # When read back (twice: a retried write reads them again)
    first = list(accepted.chunks())
    second = list(accepted.chunks())
    accepted.close()

    # Then
    assert [len(chunk) for chunk in first] == [4, 4, 3]
    assert [record for chunk in first for record in chunk] == records
    assert second == first
    assert accepted.count == 11
    assert list(accepted.chunks()) == []
