"""Sample records of every kind with every field given a value, for codec and spill round trips."""

from __future__ import annotations

import typing
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from eis_core.models.records import RECORD_MODELS, Record, RecordKind
from eis_core.storage.codec import _base_types

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


def full_values(kind: RecordKind, salt: int) -> dict[str, Any]:
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


def samples(kind: RecordKind) -> list[Record]:
    model = RECORD_MODELS[kind]
    minimal = {name: full_values(kind, 1)[name] for name, info in model.model_fields.items() if info.is_required()}
    records = [model.model_validate({**full_values(kind, salt), "source_record_id": f"r{salt}"}) for salt in range(4)]
    records.append(model.model_validate({**minimal, "source_record_id": "minimal"}))
    return typing.cast("list[Record]", records)
