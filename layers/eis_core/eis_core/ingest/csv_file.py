"""Streaming CSV reading with exact line numbers and a header resolved against the column allowlist.

The object is read in fixed-size chunks and split on newlines before decoding, so memory does not
grow with the file and an undecodable byte is reported on its physical line.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass

from eis_core.errors import FileRejected
from eis_core.ingest.contract import ColumnSpec
from eis_core.models.uploads import RejectionCode
from eis_core.storage.ports import ByteStream

ENCODING = "UTF-8"
_CHUNK_BYTES = 1 << 16
_BOM = "\ufeff"


@dataclass(frozen=True)
class Header:
    """Where each allowed column sits in the file, and which columns were dropped unread."""

    width: int
    positions: dict[str, int]
    dropped: list[str]


@dataclass(frozen=True)
class Row:
    line: int = 0
    cells: tuple[str, ...] = ()


def _byte_lines(stream: ByteStream) -> Iterator[bytes]:
    # Splitting on b"\n" before decoding is safe: that byte never occurs inside a UTF-8 sequence.
    pending = bytearray()
    while chunk := stream.read(_CHUNK_BYTES):
        pending += chunk
        end = pending.rfind(b"\n")
        if end < 0:
            continue
        complete = bytes(pending[: end + 1])
        del pending[: end + 1]
        for line in complete.split(b"\n")[:-1]:
            yield line + b"\n"
    if pending:
        yield bytes(pending)


def _text_lines(stream: ByteStream) -> Iterator[str]:
    for number, raw in enumerate(_byte_lines(stream), start=1):
        try:
            text = raw.decode(ENCODING)
        except UnicodeDecodeError:
            raise FileRejected(
                f"line {number} is not valid {ENCODING} text: the file must be encoded as {ENCODING} "
                "(in a spreadsheet, save it as 'CSV UTF-8')",
                code=RejectionCode.UNDECODABLE,
            ) from None
        yield text.removeprefix(_BOM) if number == 1 else text


def _records(stream: ByteStream) -> Iterator[Row]:
    """Every CSV record with the line it starts on (quoted fields may span lines)."""
    reader = csv.reader(_text_lines(stream), strict=True)
    last_line = 0
    try:
        for cells in reader:
            yield Row(last_line + 1, tuple(cells))
            last_line = reader.line_num
    except csv.Error as error:
        raise FileRejected(
            f"line {reader.line_num} is not well-formed CSV ({error})", code=RejectionCode.MALFORMED_CSV
        ) from None


def _blank(cells: tuple[str, ...]) -> bool:
    return not any(cell.strip() for cell in cells)


def resolve_header(cells: tuple[str, ...], spec: ColumnSpec) -> Header:
    """Map header names onto the model's fields; raise FileRejected when required ones are missing."""
    positions: dict[str, int] = {}
    dropped: list[str] = []
    for index, raw in enumerate(cells):
        name = raw.strip()
        canonical = name.lower()
        if canonical not in spec.allowed:
            dropped.append(name or f"(unnamed column {index + 1})")
        elif canonical in positions:
            raise FileRejected(
                f"column '{canonical}' appears more than once in the header "
                f"(columns {positions[canonical] + 1} and {index + 1})",
                code=RejectionCode.DUPLICATE_COLUMNS,
            )
        else:
            positions[canonical] = index
    missing = [name for name in spec.required if name not in positions]
    if missing:
        raise FileRejected(
            f"missing required column(s) for {spec.kind.value}: {', '.join(missing)} "
            "(the header must use the canonical field names)",
            code=RejectionCode.MISSING_COLUMNS,
        )
    return Header(width=len(cells), positions=positions, dropped=dropped)


def open_csv(stream: ByteStream, spec: ColumnSpec) -> tuple[Header, Iterator[Row]]:
    """Read the header now and return it with the data rows still to come (blank lines skipped).

    Raises FileRejected for an empty file or a bad header at once, and while iterating for
    undecodable bytes or malformed CSV.
    """
    records = _records(stream)
    first = next(records, Row())
    if first.line != 1 or _blank(first.cells):
        raise FileRejected(
            "the file is empty or its first line is blank: line 1 must be the header with the column names",
            code=RejectionCode.EMPTY_FILE,
        )
    header = resolve_header(first.cells, spec)
    return header, (row for row in records if not _blank(row.cells))
