"""Serialisation shared by the adapters, so in-memory and DynamoDB stores agree on identity and order."""

from __future__ import annotations

import functools
import hashlib
import json
import math
import operator
import types
import typing
from collections.abc import Callable, Iterable
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


_INFINITY = float("inf")


def _float_json(value: float) -> str:
    """A float as ``_CANONICAL.encode`` writes it (json's ``floatstr``), without its Python-level call chain."""
    if math.isnan(value):
        return "NaN"
    if value == _INFINITY:
        return "Infinity"
    if value == -_INFINITY:
        return "-Infinity"
    return float.__repr__(value)


# A date's JSON text by date: records repeat a few thousand dates, and ``isoformat`` costs ten dict look-ups.
_DATE_JSON: dict[date, str] = {}


def _date_json(value: date) -> str:
    text = f'"{value.isoformat()}"'
    if len(_DATE_JSON) < 1 << 17:  # bounded: a century of days fits three times
        _DATE_JSON[value] = text
    return text


# Each value type's JSON text exactly as ``_CANONICAL`` writes pydantic's JSON-mode dump of it.
_VALUE_JSON: dict[type, Callable[[Any], str]] = {
    str: _TEXT,
    bool: lambda value: "true" if value else "false",
    int: int.__repr__,
    float: _float_json,  # repr, or Infinity/NaN as json writes them
    type(None): lambda value: "null",
    date: _date_json,
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


class _OtherType(Exception):
    """A value of a type ``_VALUE_JSON`` does not know: the record takes the reference computation."""


def _value_json(value: Any) -> str:
    encode = _VALUE_JSON.get(type(value))
    if encode is None:
        raise _OtherType
    return encode(value)


def _compile(source: str, namespace: dict[str, Any], name: str) -> Callable[..., Any]:
    """One function from generated source, as ``dataclasses`` builds ``__init__``: the source is built here
    from the record models' own field names (identifiers) and ``repr`` literals, never from data."""
    exec(source, namespace)  # noqa: S102
    return cast("Callable[..., Any]", namespace[name])


def _inline_json(model: type[BaseModel], name: str, variable: str, namespace: dict[str, Any]) -> str:
    """An expression writing one field's value as ``_value_json`` would, its declared type's case inline.

    Only names and double-quoted literals: it goes inside a single-quoted f-string (Python 3.11)."""
    kinds = _base_types(model.model_fields[name].annotation)
    other = f"_value_json({variable})"
    if kinds == {str}:
        inline = f"(_TEXT({variable}) if type({variable}) is str else {other})"
    elif kinds == {date}:
        inline = f"((_dates_get({variable}) or _date_json({variable})) if type({variable}) is date else {other})"
    elif kinds == {bool}:
        inline = f'(("true" if {variable} else "false") if type({variable}) is bool else {other})'
    elif kinds == {int}:
        # An int formatted by the f-string itself is its repr (``format(n, "")``), without a call.
        inline = f"({variable} if type({variable}) is int else {other})"
    elif kinds == {float}:
        # A finite float is its repr; only infinities and NaN need ``_float_json``'s spelling.
        inline = (
            f"((_float_repr({variable}) if _isfinite({variable}) else _float_json({variable})) "
            f"if type({variable}) is float else {other})"
        )
    elif (
        len(kinds) == 1
        and isinstance(kind := next(iter(kinds)), type)
        and issubclass(kind, Enum)
        and issubclass(kind, str)
    ):
        namespace[f"_type_{name}"] = kind
        inline = f"(_TEXT({variable}) if type({variable}) is _type_{name} else {other})"
    else:
        return other
    if model.model_fields[name].annotation is not next(iter(kinds)):  # optional (or annotated): None writes null
        inline = f'("null" if {variable} is None else {inline})'
    return inline


def _hash_namespace() -> dict[str, Any]:
    return {
        "_TEXT": _TEXT,
        "_QUOTE": '"',
        "_float_json": _float_json,
        "_float_repr": float.__repr__,
        "_isfinite": math.isfinite,
        "_dates_get": _DATE_JSON.get,
        "_date_json": _date_json,
        "_value_json": _value_json,
        "_OtherType": _OtherType,
        "_reference_hash": _reference_hash,
        "_sha256": hashlib.sha256,
        "_COMMA": ",",
        "date": date,
    }


def _hashed_text(model: type[BaseModel], namespace: dict[str, Any]) -> str:
    """An f-string expression of the canonical JSON ``_reference_hash`` hashes, from variables ``f_<field>``.

    Keys in sorted order; a ``LATER_OPTIONAL_FIELDS`` field that is None is left out with its comma. Raises
    ``_OtherType`` (from ``_value_json``) for a value of a type it does not know."""
    layout = _LAYOUT[model]
    later = _LATER.get(model, frozenset())
    first = next(index for index, (name, _) in enumerate(layout) if name not in later)  # "kind" at the latest
    parts = ["{{"]
    for index, (name, key) in enumerate(layout):
        literal = key.replace("{", "{{").replace("}", "}}")
        if name is None:
            parts.append(literal if index == first else "," + literal)
            continue
        variable = f"f_{name}"
        value = _inline_json(model, name, variable, namespace)
        if name in later:  # left out while None, with its key and comma (after it before the first key kept)
            namespace[f"_key_{name}"] = key
            written = f"_key_{name} + {value} + _COMMA" if index < first else f"_COMMA + _key_{name} + {value}"
            parts.append(f'{{("" if {variable} is None else {written})}}')
        else:
            parts.append(("" if index == first else ",") + literal + "{" + value + "}")
    parts.append("}}")
    text = "".join(parts)
    if "'" in text or "\\" in text:  # names are identifiers: never
        raise TypeError(f"{model.__name__}: a field name or kind that cannot be written into generated source")
    return "f'" + text + "'"


def _hasher(model: type[BaseModel]) -> Callable[[Record], str]:
    """The model's content hash as one generated function: the same JSON as ``_reference_hash``, field by
    field in sorted key order, in one f-string, without a loop or a call per field for the common types."""
    namespace = _hash_namespace()
    text = _hashed_text(model, namespace)
    lines = ["def content_hash(record):", "    values = record.__dict__"]
    lines += [f"    f_{name} = values[{name!r}]" for name in model.model_fields]
    lines += [
        "    try:",
        f"        return _sha256({text}.encode()).hexdigest()",
        "    except _OtherType:",
        "        return _reference_hash(record)",
    ]
    return _compile("\n".join(lines) + "\n", namespace, "content_hash")


def content_hash(record: Record) -> str:
    """Same content, same hash, whatever the field order: a re-sent record is 'unchanged'.

    The hash is stored with every record (DynamoDB ``content_hash``), so its value must never change:
    it is the SHA-256 of ``canonical_json({"kind": ..., **record.model_dump(mode="json")})`` (without the
    ``LATER_OPTIONAL_FIELDS`` that are empty). That JSON
    is written directly by one function per model (``_hasher``), field by field in sorted order, with the
    same encoders for each value type (tests pin it to the computation above); a value of any other type
    takes that computation.
    """
    hasher = _HASHERS.get(type(record))  # built at the end of the module
    if hasher is None:
        return _reference_hash(record)
    return hasher(record)


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


# Records repeat a few thousand distinct dates: one date object each (dates are immutable, so shared safely).
_date_of: Callable[[int], date] = functools.lru_cache(maxsize=1 << 16)(date.fromordinal)


def _field_codec(model: type[BaseModel], name: str) -> _Codec:
    kinds = _base_types(model.model_fields[name].annotation)
    if len(kinds) == 1:
        [kind] = kinds
        if kind is date:
            return date.toordinal, _date_of
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

    ``pack`` is ``encode`` with the record's content hash added at the end as its 32 bytes (``content_hash``
    is their hex), both from one read of the record: what the ingest keeps of an accepted record, on disk
    (half the size of the hex), and hands to ``RecordStore.put_packed``. ``decode`` reads a packed row too
    (it ignores what follows the mask); ``packed_hash`` and ``unpacked`` split one.
    """

    def __init__(self, model: type[BaseModel]) -> None:
        self._model = model
        self._names = tuple(model.model_fields)
        self.key_index = self._names.index("source_record_id")  # a row's source record id: row[key_index]
        codecs = {name: _field_codec(model, name) for name in self._names}
        self._codecs = codecs
        self._bits = {name: 1 << index for index, name in enumerate(self._names)}
        self._fields_set: dict[int, frozenset[str]] = {}
        # Generated per model (``_compile``): one function each way, no loop or call per plain field.
        namespace: dict[str, Any] = {
            **_hash_namespace(),
            "_bits": self._bits,
            "_cached_fields_set": self._fields_set.get,
            "_fields_set_of": self._fields_set_of,
            "_model": model,
            "_new": model.__new__,
            "_set": object.__setattr__,
            "_last_mask": [(frozenset(), 0)],  # the last fields set seen and its mask: records of a file share it
        }
        packed, unpacked = [], []
        for index, (name, codec) in enumerate(codecs.items()):
            variable = f"f_{name}"
            if codec is None:
                packed.append(variable)
                unpacked.append(f"{name!r}: row[{index}]")
                continue
            namespace[f"_to_{index}"], namespace[f"_from_{index}"] = codec
            kinds = _base_types(model.model_fields[name].annotation)
            to_plain = f"_to_{index}({variable})"
            if len(kinds) == 1 and isinstance(kind := next(iter(kinds)), type) and issubclass(kind, Enum):
                # A member's value without the ``value`` property's call; anything else takes the codec.
                namespace[f"_type_{index}"] = kind
                to_plain = f"({variable}._value_ if type({variable}) is _type_{index} else _to_{index}({variable}))"
            packed.append(f"(None if {variable} is None else {to_plain})")
            unpacked.append(f"{name!r}: (None if (v{index} := row[{index}]) is None else _from_{index}(v{index}))")
        mask = len(self._names)
        reads = [
            "    values = record.__dict__",
            *(f"    f_{name} = values[{name!r}]" for name in self._names),
            "    fields_set = record.__pydantic_fields_set__",
            "    last = _last_mask[0]",
            "    if fields_set == last[0]:",
            "        mask = last[1]",
            "    else:",
            "        mask = 0",
            "        for name in fields_set:",
            "            mask |= _bits[name]",
            "        _last_mask[0] = (frozenset(fields_set), mask)",
        ]
        encode = ["def encode(record):", *reads, f"    return ({', '.join(packed)}, mask)"]
        pack = [
            "def pack(record):",
            *reads,
            "    try:",
            f"        digest = _sha256({_hashed_text(model, namespace)}.encode()).digest()",
            "    except _OtherType:",
            "        digest = bytes.fromhex(_reference_hash(record))",
            f"    return ({', '.join(packed)}, mask, digest)",
        ]
        decode = [
            "def decode(row):",
            "    record = _new(_model)",
            f"    _set(record, '__dict__', {{{', '.join(unpacked)}}})",
            f"    fields_set = _cached_fields_set(row[{mask}])",
            "    if fields_set is None:",
            f"        fields_set = _fields_set_of(row[{mask}])",
            "    _set(record, '__pydantic_fields_set__', set(fields_set))",
            "    _set(record, '__pydantic_extra__', None)",
            "    _set(record, '__pydantic_private__', None)",
            "    return record",
        ]
        self.encode: Callable[[BaseModel], tuple[Any, ...]] = _compile("\n".join(encode) + "\n", namespace, "encode")
        self.pack: Callable[[BaseModel], tuple[Any, ...]] = _compile("\n".join(pack) + "\n", namespace, "pack")
        self.decode: Callable[[tuple[Any, ...]], Record] = _compile("\n".join(decode) + "\n", namespace, "decode")

    @staticmethod
    def packed_hash(row: tuple[Any, ...]) -> str:
        """The ``content_hash`` of a row ``pack`` wrote."""
        return cast("bytes", row[-1]).hex()

    @staticmethod
    def unpacked(row: tuple[Any, ...]) -> tuple[Any, ...]:
        """A row ``pack`` wrote as ``encode`` writes it (without its hash)."""
        return row[:-1]

    def values_of(self, rows: Iterable[tuple[Any, ...]], name: str) -> list[Any]:
        """One field's value in each row ``encode`` or ``pack`` wrote, as ``decode(row)`` would hold it, without
        rebuilding the records."""
        index, codec = self._names.index(name), self._codecs[name]
        values = list(map(operator.itemgetter(index), rows))
        if codec is None:
            return values
        back = codec[1]
        return [None if value is None else back(value) for value in values]

    def _fields_set_of(self, mask: int) -> frozenset[str]:
        fields_set = frozenset(name for name, bit in self._bits.items() if mask & bit)
        self._fields_set[mask] = fields_set
        return fields_set


RECORD_CODECS: dict[RecordKind, RecordCodec] = {kind: RecordCodec(model) for kind, model in RECORD_MODELS.items()}
_HASHERS: dict[type, Callable[[Record], str]] = {model: _hasher(model) for model in RECORD_MODELS.values()}
