"""Serialisation shared by the adapters, so in-memory and DynamoDB stores agree on identity and order."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, cast

from eis_core.models.records import RECORD_MODELS, Record, RecordKind

# One encoder, built once: json.dumps with these options builds a new one on every call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
_TEXT: Callable[[str], str] = json.encoder.encode_basestring  # the string encoder _CANONICAL uses


def canonical_json(document: object) -> str:
    return _CANONICAL.encode(document)


def record_body(record: Record) -> str:
    return record.model_dump_json()


def _reference_hash(record: Record) -> str:
    document = {"kind": record.kind.value, **record.model_dump(mode="json")}
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


# Each value type's JSON text exactly as ``_CANONICAL`` writes pydantic's JSON-mode dump of it.
_VALUE_JSON: dict[type, Callable[[Any], str]] = {
    str: _TEXT,
    bool: lambda value: "true" if value else "false",
    int: int.__repr__,
    float: _CANONICAL.encode,  # repr, or Infinity/NaN as json writes them
    type(None): lambda value: "null",
    date: lambda value: f'"{value.isoformat()}"',
    Decimal: lambda value: _TEXT(str(value)),
}
for _model in RECORD_MODELS.values():
    for _info in _model.model_fields.values():
        for _type in (_info.annotation, *getattr(_info.annotation, "__args__", ())):
            if isinstance(_type, type) and issubclass(_type, Enum) and issubclass(_type, str):
                _VALUE_JSON[_type] = _TEXT  # a code is written as its text

# Per model: (field, '"field":') in sorted key order, "kind" included (it is not a field of the dump).
_LAYOUT: dict[type, tuple[tuple[str, str], ...]] = {
    model: tuple((name, f"{_TEXT(name)}:") for name in sorted({"kind", *model.model_fields}))
    for model in RECORD_MODELS.values()
}


def content_hash(record: Record) -> str:
    """Same content, same hash, whatever the field order: a re-sent record is 'unchanged'.

    The hash is stored with every record (DynamoDB ``content_hash``), so its value must never change:
    it is the SHA-256 of ``canonical_json({"kind": ..., **record.model_dump(mode="json")})``. That JSON
    is written here directly, field by field in sorted order, with the same encoders for each value
    type (tests pin it to the computation above); a value of any other type takes that computation.
    """
    layout = _LAYOUT.get(type(record))
    if layout is None:
        return _reference_hash(record)
    values = record.__dict__
    parts = []
    for name, key in layout:
        value = record.kind.value if name == "kind" else values[name]
        encode = _VALUE_JSON.get(type(value))
        if encode is None:
            return _reference_hash(record)
        parts.append(key + encode(value))
    return hashlib.sha256(("{" + ",".join(parts) + "}").encode()).hexdigest()


def record_from_body(kind: RecordKind | str, body: str) -> Record:
    return cast("Record", RECORD_MODELS[RecordKind(kind)].model_validate_json(body))


def sortable_time(moment: datetime) -> str:
    """Fixed-width UTC timestamp: lexical order is time order (sort keys, GSI ranges).

    Naive datetimes are taken as UTC, the only zone EIS stores.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
