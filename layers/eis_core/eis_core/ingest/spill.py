"""The records a file's first pass accepted, kept for the second pass so no row is validated twice.

The first pass validates every row and must write nothing (a gate may still refuse the file), so the
accepted records wait here until the gates pass. At most one chunk is held in memory; full chunks are
spilled to an anonymous temporary file in a compact form (each record a tuple of plain values, dates
as ordinals and codes as their text, written with ``marshal``), so a file of any size needs the memory
of one chunk plus a few tens of bytes of disk per record.

Reading a record back rebuilds the validated model without validating it again, as pydantic's own
``__copy__`` does: the values were produced by validation in this process a moment before.
"""

from __future__ import annotations

import marshal
import tempfile
import types
import typing
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import IO, Any, cast

from pydantic import BaseModel

from eis_core.models.records import Record

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
    raise TypeError(f"{model.__name__}.{name}: no compact form for {kinds}; add one to eis_core.ingest.spill")


class RecordCodec:
    """One record model's records as tuples of plain values and back: ``(fields set mask, value, ...)``."""

    def __init__(self, model: type[BaseModel]) -> None:
        self._model = model
        self._names = tuple(model.model_fields)
        self._codecs = tuple(_field_codec(model, name) for name in self._names)
        self._bits = {name: 1 << index for index, name in enumerate(self._names)}
        self._fields_set: dict[int, frozenset[str]] = {}

    def encode(self, record: BaseModel) -> tuple[Any, ...]:
        values = record.__dict__
        mask = 0
        for name in record.model_fields_set:
            mask |= self._bits[name]
        plain: list[Any] = [mask]
        for name, codec in zip(self._names, self._codecs, strict=True):
            value = values[name]
            plain.append(value if codec is None or value is None else codec[0](value))
        return tuple(plain)

    def decode(self, row: tuple[Any, ...]) -> Record:
        values = {
            name: value if codec is None or value is None else codec[1](value)
            for name, codec, value in zip(self._names, self._codecs, row[1:], strict=True)
        }
        mask = row[0]
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


class AcceptedRecords:
    """Accepted records in file order, read back ``chunk_size`` at a time; ``close`` frees the disk."""

    def __init__(self, model: type[BaseModel], chunk_size: int) -> None:
        self._codec = RecordCodec(model)
        self._chunk_size = max(1, chunk_size)
        self._pending: list[Record] = []
        self._file: IO[bytes] | None = None
        self._spilled = 0
        self.count = 0

    def add(self, record: Record) -> None:
        self._pending.append(record)
        self.count += 1
        if len(self._pending) >= self._chunk_size:
            if self._file is None:
                self._file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
            encode = self._codec.encode
            marshal.dump([encode(record) for record in self._pending], self._file)
            self._spilled += 1
            self._pending = []

    def chunks(self) -> Iterator[list[Record]]:
        """Every accepted record, in the order added, ``chunk_size`` at a time (the last may be shorter)."""
        if self._file is not None:
            self._file.flush()
            self._file.seek(0)
            decode = self._codec.decode
            for _ in range(self._spilled):
                # Our own anonymous temporary file, written above by this process: nothing else can feed it.
                yield [decode(row) for row in marshal.load(self._file)]  # noqa: S302
        if self._pending:
            yield list(self._pending)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._pending = []

    def __enter__(self) -> AcceptedRecords:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
