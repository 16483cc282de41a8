"""Serialisation shared by the adapters, so in-memory and DynamoDB stores agree on identity and order."""

from __future__ import annotations

import hashlib
import json
import types
import typing
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, cast

from pydantic import BaseModel

from eis_core.models.records import RECORD_MODELS, Record, RecordKind

# One encoder, built once: json.dumps with these options builds a new one on every call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
_TEXT: Callable[[str], str] = json.encoder.encode_basestring  # the string encoder _CANONICAL uses


def canonical_json(document: object) -> str:
    return _CANONICAL.encode(document)


def record_body(record: Record) -> str:
    return record.model_dump_json()


# Optional fields added to a model after records of its kind were stored: left out of the hash while
# empty, so a record stored before them (and re-sent by an extract without their columns) stays 'unchanged'.
LATER_OPTIONAL_FIELDS: dict[RecordKind, frozenset[str]] = {
    RecordKind.COMPLAINT: frozenset({"received_on", "acknowledged_on", "closed_on"}),
}


def _hashed_dump(record: Record) -> dict[str, Any]:
    dump = record.model_dump(mode="json")
    for name in LATER_OPTIONAL_FIELDS.get(record.kind, ()):
        if dump.get(name) is None:
            dump.pop(name, None)
    return dump


def _reference_hash(record: Record) -> str:
    document = {"kind": record.kind.value, **_hashed_dump(record)}
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

# Per model, in sorted key order: (field, '"field":'), and (None, '"kind":"<kind>"') for the kind.
_LAYOUT: dict[type, tuple[tuple[str | None, str], ...]] = {
    model: tuple(
        (None, f"{_TEXT(name)}:{_TEXT(kind.value)}") if name == "kind" else (name, f"{_TEXT(name)}:")
        for name in sorted({"kind", *model.model_fields})
    )
    for kind, model in RECORD_MODELS.items()
}


_LATER: dict[type, frozenset[str]] = {RECORD_MODELS[kind]: names for kind, names in LATER_OPTIONAL_FIELDS.items()}


def content_hash(record: Record) -> str:
    """Same content, same hash, whatever the field order: a re-sent record is 'unchanged'.

    The hash is stored with every record (DynamoDB ``content_hash``), so its value must never change:
    it is the SHA-256 of ``canonical_json({"kind": ..., **record.model_dump(mode="json")})`` (without the
    ``LATER_OPTIONAL_FIELDS`` that are empty). That JSON
    is written here directly, field by field in sorted order, with the same encoders for each value
    type (tests pin it to the computation above); a value of any other type takes that computation.
    """
    layout = _LAYOUT.get(type(record))
    if layout is None:
        return _reference_hash(record)
    values = record.__dict__
    parts = []
    for name, key in layout:
        if name is None:
            parts.append(key)
            continue
        value = values[name]
        if value is None and name in _LATER.get(type(record), ()):
            continue
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


_Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]] | None  # (to plain value, back), or None: as is
_PLAIN = (str, int, float, bool)


def _base_types(annotation: Any) -> set[Any]:
    """The types a field may hold, with Optional, unions and Annotated unwrapped (None left out)."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _base_types(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        found: set[Any] = set()
        for arg in typing.get_args(annotation):
            found |= _base_types(arg)
        return found
    return set() if annotation is type(None) else {annotation}


def _field_codec(model: type[BaseModel], name: str) -> _Codec:
    kinds = _base_types(model.model_fields[name].annotation)
    if len(kinds) == 1:
        [kind] = kinds
        if kind is date:
            return date.toordinal, date.fromordinal
        if isinstance(kind, type) and issubclass(kind, Enum):
            members = cast("dict[Any, Any]", kind._value2member_map_)
            return (lambda member: member.value), members.__getitem__
        if kind is Decimal:
            return str, Decimal
    if kinds and all(kind in _PLAIN for kind in kinds) and datetime not in kinds:
        return None
    raise TypeError(f"{model.__name__}.{name}: no compact form for {kinds}; add one to eis_core.storage.codec")


class RecordCodec:
    """One record model's records as tuples of plain values and back: ``(value, ..., fields set mask)``.

    Dates become ordinals, codes their text and decimals their text, so ``marshal`` can write them
    and a tuple of them is a fraction of the model's size in memory. Decoding rebuilds the validated
    model without validating it again, as pydantic's own ``__copy__`` does: only values a validation
    produced are ever encoded.
    """

    def __init__(self, model: type[BaseModel]) -> None:
        self._model = model
        self._names = tuple(model.model_fields)
        codecs = {name: _field_codec(model, name) for name in self._names}
        self._encoders = tuple((index, codec[0]) for index, codec in enumerate(codecs.values()) if codec is not None)
        self._decoders = tuple((name, codec[1]) for name, codec in codecs.items() if codec is not None)
        self._bits = {name: 1 << index for index, name in enumerate(self._names)}
        self._fields_set: dict[int, frozenset[str]] = {}

    def encode(self, record: BaseModel) -> tuple[Any, ...]:
        values = record.__dict__
        plain = [values[name] for name in self._names]
        for index, to_plain in self._encoders:
            if plain[index] is not None:
                plain[index] = to_plain(plain[index])
        mask = 0
        bits = self._bits
        for name in record.model_fields_set:
            mask |= bits[name]
        plain.append(mask)
        return tuple(plain)

    def decode(self, row: tuple[Any, ...]) -> Record:
        values = dict(zip(self._names, row, strict=False))  # the mask, last, is left out
        for name, back in self._decoders:
            value = values[name]
            if value is not None:
                values[name] = back(value)
        mask = row[-1]
        fields_set = self._fields_set.get(mask)
        if fields_set is None:
            fields_set = frozenset(name for name, bit in self._bits.items() if mask & bit)
            self._fields_set[mask] = fields_set
        record = self._model.__new__(self._model)
        object.__setattr__(record, "__dict__", values)
        object.__setattr__(record, "__pydantic_fields_set__", set(fields_set))
        object.__setattr__(record, "__pydantic_extra__", None)
        object.__setattr__(record, "__pydantic_private__", None)
        return cast("Record", record)


RECORD_CODECS: dict[RecordKind, RecordCodec] = {kind: RecordCodec(model) for kind, model in RECORD_MODELS.items()}
