"""Streaming readers for the accepted upload formats: CSV (UTF-8, UTF-8 with BOM, Windows-1252), JSON Lines,
XLSX, each optionally gzip-compressed (not XLSX, which is compressed already).

Every reader turns a file into a header (column names as the file spells them) and rows of cells
keyed by column position, each with the physical line (or sheet row) it starts on, so the rest of
ingest does not care about the format. Memory stays flat: CSV and JSON Lines are read in 64 KiB
chunks; XLSX is spooled to a temporary file (it is a zip and needs seeking) and read row by row.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import tempfile
import time as clock
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from itertools import chain
from typing import Any, NamedTuple, cast

from eis_core.errors import FileRejected
from eis_core.models.uploads import RejectionCode
from eis_core.storage.ports import ByteStream

CHUNK_BYTES = 1 << 16
_SPOOL_IN_MEMORY_BYTES = 16 << 20
_BOM = "\ufeff"
ENCODINGS_TRIED = ("utf-8", "cp1252")  # in this order when the mapping does not fix one


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on what reading one file may cost: a file past any of them is rejected whole, nothing applied.

    They protect the ingest function (2 GB, 15 minutes) from decompression bombs and pathological files;
    each default is far above what a real extract needs (a 1,000,000-row CSV is about 100 MB, its
    longest line a few hundred bytes, and it gzips about 5-15 to 1).
    """

    max_expansion_ratio: float = 100.0  # decompressed bytes per compressed byte, for gzip
    ratio_grace_bytes: int = 2 << 20  # the ratio is only judged once this much has been decompressed
    max_bytes: int = 512 << 20  # decompressed text (CSV, JSON Lines), gzipped or not
    max_line_bytes: int = 1 << 20  # one physical line
    max_blank_lines: int = 1000  # blank lines (or rows of empty cells) in a row
    time_budget_s: float = 300.0  # reading, mapping and validating the file (the first pass)

    def deadline(self) -> float:
        return clock.monotonic() + self.time_budget_s


DEFAULT_LIMITS = ReadLimits()


class FileFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"
    XLSX = "xlsx"


_SUFFIXES = {".csv": FileFormat.CSV, ".txt": FileFormat.CSV, ".jsonl": FileFormat.JSONL, ".ndjson": FileFormat.JSONL}


@dataclass(frozen=True)
class FileType:
    format: FileFormat
    gzipped: bool = False


def file_type(name: str) -> FileType:
    """The format named by a file's suffix (``.csv``, ``.csv.gz``, ``.jsonl``, ``.jsonl.gz``, ``.xlsx``)."""
    lowered = name.lower()
    gzipped = lowered.endswith(".gz")
    stem = lowered.removesuffix(".gz")
    if stem.endswith(".xlsx") and not gzipped:
        return FileType(FileFormat.XLSX)
    for suffix, found in _SUFFIXES.items():
        if stem.endswith(suffix):
            return FileType(found, gzipped)
    raise FileRejected(
        f"unsupported file type '{name}': expected .csv, .jsonl or .xlsx (CSV and JSON Lines may be gzipped: .csv.gz)",
        code=RejectionCode.UNSUPPORTED_FORMAT,
    )


class Row(NamedTuple):
    """One data row: the physical line it starts on and its cells (a tuple: millions are made per upload)."""

    line: int = 0
    cells: tuple[str, ...] = ()


@dataclass
class Table:
    """A file opened for reading: its header, then its data rows (blank rows skipped) as they stream."""

    header: tuple[str, ...]
    rows: Generator[Row]
    encoding: str | None = None


class _Counted:
    """A byte stream that counts what is read from it (the compressed bytes under a gzip stream)."""

    def __init__(self, stream: ByteStream) -> None:
        self._stream = stream
        self.consumed = 0

    def read(self, size: int = -1, /) -> bytes:
        data = self._stream.read(size)
        self.consumed += len(data)
        return data

    def close(self) -> None:
        self._stream.close()


class _GzipStream:
    """Decompresses while reading, so a gzipped upload is never held whole either; refuses a bomb early."""

    def __init__(self, stream: ByteStream, limits: ReadLimits = DEFAULT_LIMITS) -> None:
        self._raw = _Counted(stream)
        self._file = gzip.GzipFile(fileobj=cast(Any, self._raw), mode="rb")
        self._limits = limits
        self._produced = 0

    def read(self, size: int = -1, /) -> bytes:
        try:
            data = bytes(self._file.read(size))
        except (OSError, EOFError, zlib.error) as error:
            raise FileRejected(f"the file is not valid gzip ({error})", code=RejectionCode.UNDECODABLE) from None
        self._produced += len(data)
        limits = self._limits
        if self._produced > limits.ratio_grace_bytes:
            ratio = self._produced / max(1, self._raw.consumed)
            if ratio > limits.max_expansion_ratio:
                raise FileRejected(
                    f"the gzip expands more than {limits.max_expansion_ratio:.0f} times ({self._raw.consumed} "
                    f"compressed bytes gave {self._produced} bytes and counting): a real extract compresses "
                    "far less, so the file was not read further and nothing was applied",
                    code=RejectionCode.EXPANSION_RATIO,
                )
        return data

    def close(self) -> None:
        self._file.close()
        self._raw.close()


def check_deadline(deadline: float | None, limits: ReadLimits) -> None:
    if deadline is not None and clock.monotonic() > deadline:
        raise FileRejected(
            f"reading and checking the file took more than {limits.time_budget_s:.0f} seconds, the limit for one "
            "upload: nothing was applied. Split the file into smaller files (deltas) and upload them one by one",
            code=RejectionCode.TIME_BUDGET,
        )


def _line_too_long(number: int, limits: ReadLimits) -> FileRejected:
    return FileRejected(
        f"line {number} is longer than {limits.max_line_bytes} bytes, the limit for one line: the file is not an "
        "extract EIS can read (a missing line break or a corrupt file), so nothing was applied",
        code=RejectionCode.LINE_TOO_LONG,
    )


def _byte_batches(
    stream: ByteStream, limits: ReadLimits = DEFAULT_LIMITS, deadline: float | None = None
) -> Iterator[tuple[int, bytes]]:
    """The stream's whole lines, a chunk's worth at a time: (number of the first line, those lines' bytes).

    Splitting on b"\n" before decoding is safe in UTF-8 and Windows-1252: that byte is only ever a newline.
    Only each new chunk is searched for a line break, so a long line costs linear time, and bounded memory.
    A batch ends with a line break, except the file's last line when it has none."""
    pending = b""
    total = 0
    number = 0
    max_line = limits.max_line_bytes
    while chunk := stream.read(CHUNK_BYTES):
        total += len(chunk)
        if total > limits.max_bytes:
            raise FileRejected(
                f"the file holds more than {limits.max_bytes} bytes of text (uncompressed), the limit for one upload: "
                "nothing was applied. Split it into smaller files (deltas) and upload them one by one",
                code=RejectionCode.TOO_LARGE,
            )
        check_deadline(deadline, limits)
        end = chunk.rfind(b"\n")
        if end < 0:
            pending += chunk
            if len(pending) > max_line:
                raise _line_too_long(number + 1, limits)
            continue
        batch = pending + chunk[: end + 1]
        pending = chunk[end + 1 :]
        first = number + 1
        count = batch.count(b"\n")
        if len(batch) > max_line:  # only then can one of its lines be too long
            for offset, line in enumerate(batch.split(b"\n")[:count]):
                if len(line) > max_line:
                    raise _line_too_long(first + offset, limits)
        number += count
        yield first, batch
    if pending:
        if len(pending) > max_line:
            raise _line_too_long(number + 1, limits)
        yield number + 1, pending


def _byte_lines(
    stream: ByteStream, limits: ReadLimits = DEFAULT_LIMITS, deadline: float | None = None
) -> Iterator[bytes]:
    """Each line with its line break (the last line may have none)."""
    for _, batch in _byte_batches(stream, limits, deadline):
        yield from io.BytesIO(batch)


class WrongEncoding(Exception):
    """A line does not decode in the encoding tried; the caller may try the next one."""

    def __init__(self, line: int, encoding: str) -> None:
        super().__init__(f"line {line} is not valid {encoding}")
        self.line = line
        self.encoding = encoding


def _text_lines(
    stream: ByteStream, encoding: str, limits: ReadLimits = DEFAULT_LIMITS, deadline: float | None = None
) -> Iterator[str]:
    """Each line decoded, with its line break; a chunk's lines are decoded at once (a character never spans
    a line break), and only a batch that fails is decoded line by line to name the line at fault.

    The lines of each chunk are split in C (``chain`` over ``StringIO``): no Python step per line."""
    return chain.from_iterable(map(_split_lines, _text_batches(stream, encoding, limits, deadline)))


def _split_lines(text: str) -> io.StringIO:
    return io.StringIO(text, newline="\n")  # split on line feeds only, each kept


def _text_batches(stream: ByteStream, encoding: str, limits: ReadLimits, deadline: float | None) -> Iterator[str]:
    """The stream's whole lines, decoded a chunk at a time."""
    for first, batch in _byte_batches(stream, limits, deadline):
        try:
            text = batch.decode(encoding)
        except UnicodeDecodeError:
            for number, raw in enumerate(io.BytesIO(batch), start=first):
                try:
                    raw.decode(encoding)
                except UnicodeDecodeError:
                    raise WrongEncoding(number, encoding) from None
            raise  # not reached: one of the batch's lines fails alone
        if first == 1:
            text = text.removeprefix(_BOM)
        yield text


def _csv_rows(stream: ByteStream, encoding: str, limits: ReadLimits, deadline: float | None) -> Iterator[Row]:
    """Every CSV record with the line it starts on (quoted fields may span lines)."""
    reader = csv.reader(_text_lines(stream, encoding, limits, deadline), strict=True)
    last_line = 0
    try:
        row = Row._make  # tuple.__new__: no Python-level __new__ a row
        for cells in reader:
            yield row((last_line + 1, tuple(cells)))
            last_line = reader.line_num
    except csv.Error as error:
        raise FileRejected(
            f"line {reader.line_num} is not well-formed CSV ({error})", code=RejectionCode.MALFORMED_CSV
        ) from None


def _jsonl_rows(stream: ByteStream, encoding: str, limits: ReadLimits, deadline: float | None) -> Iterator[Row]:
    """JSON Lines as rows: the first object's keys are the header; later objects are matched by key."""
    columns: list[str] | None = None
    for number, text in enumerate(_text_lines(stream, encoding, limits, deadline), start=1):
        if not text.strip():
            if columns is not None:
                yield Row(number)  # blank: skipped (and counted) by open_table
            elif number > limits.max_blank_lines:
                raise _blank_lines(1, limits)
            continue
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise FileRejected(
                f"line {number} is not a JSON object ({error.msg}): JSON Lines files hold one object per line",
                code=RejectionCode.MALFORMED_CSV,
            ) from None
        if not isinstance(document, dict):
            raise FileRejected(
                f"line {number} is not a JSON object: JSON Lines files hold one object per line",
                code=RejectionCode.MALFORMED_CSV,
            )
        if columns is None:
            columns = list(document)
            yield Row(number, tuple(columns))
        by_name = {str(key): value for key, value in document.items()}
        # Keys the first line did not have are dropped like any other unknown column.
        yield Row(number, tuple(_cell_text(by_name.get(name)) for name in columns))


def _cell_text(value: Any) -> str:
    """A JSON or spreadsheet value as the text a CSV cell would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return str(value)


def _xlsx_rows(stream: ByteStream, limits: ReadLimits, deadline: float | None) -> Iterator[Row]:
    from openpyxl import load_workbook  # only XLSX uploads pay for the import

    with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY_BYTES) as spool:
        while chunk := stream.read(CHUNK_BYTES):
            spool.write(chunk)
        spool.seek(0)
        try:
            workbook = load_workbook(spool, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises zip, XML and key errors alike for a broken file
            raise FileRejected(
                f"the file is not a readable XLSX workbook ({type(error).__name__})", code=RejectionCode.UNDECODABLE
            ) from None
        try:
            sheet = workbook.worksheets[0]
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                if not number % 1024:
                    check_deadline(deadline, limits)
                yield Row(number, tuple(_cell_text(value) for value in values))
        finally:
            workbook.close()


def _blank(cells: tuple[str, ...]) -> bool:
    return not "".join(cells).strip()  # blank cells join to blank text


def _open_rows(
    open_stream: Callable[[], ByteStream], kind: FileType, encoding: str, limits: ReadLimits, deadline: float | None
) -> Generator[Row]:
    stream: ByteStream = open_stream()
    if kind.gzipped:
        stream = _GzipStream(stream, limits)
    try:
        if kind.format is FileFormat.XLSX:
            yield from _xlsx_rows(stream, limits, deadline)
        elif kind.format is FileFormat.JSONL:
            yield from _jsonl_rows(stream, encoding, limits, deadline)
        else:
            yield from _csv_rows(stream, encoding, limits, deadline)
    finally:
        stream.close()


def _skip_blank(rows: Iterator[Row], limits: ReadLimits) -> Generator[Row]:
    """The rows that hold something; a long run of blank rows (a padding bomb) rejects the file."""
    run = 0
    for row in rows:
        cells = row.cells
        if (cells and cells[0].strip()) or not _blank(cells):  # most rows: the first cell says it
            run = 0
            yield row
            continue
        run += 1
        if run > limits.max_blank_lines:
            raise _blank_lines(row.line - run + 1, limits)


def _blank_lines(first: int, limits: ReadLimits) -> FileRejected:
    return FileRejected(
        f"more than {limits.max_blank_lines} blank lines in a row (from line {first}): the file is padded or "
        "corrupt, so it was not read further and nothing was applied",
        code=RejectionCode.BLANK_LINES,
    )


def open_table(
    open_stream: Callable[[], ByteStream],
    kind: FileType,
    *,
    encoding: str = "utf-8",
    limits: ReadLimits = DEFAULT_LIMITS,
    deadline: float | None = None,
    columns: tuple[str, ...] | None = None,
) -> Table:
    """Read the header now; rows stream on. Raises FileRejected for an empty file at once, and while
    iterating for malformed content or past a limit; WrongEncoding when a line does not decode.

    ``deadline`` (a ``time.monotonic`` value, default ``limits.deadline()`` from now) bounds the whole read,
    including whatever the caller does with each row while it iterates."""
    if deadline is None:
        deadline = limits.deadline()
    rows = _open_rows(open_stream, kind, encoding, limits, deadline)
    if columns is not None:
        return Table(header=columns, rows=_fixed_width(rows, columns, limits), encoding=encoding)
    first = next(rows, Row())
    if first.line == 0 or _blank(first.cells):
        rows.close()
        raise FileRejected(
            "the file is empty or its first line is blank: line 1 must be the header with the column names",
            code=RejectionCode.EMPTY_FILE,
        )
    return Table(header=first.cells, rows=_skip_blank(rows, limits), encoding=encoding)


def _fixed_width(rows: Iterator[Row], columns: tuple[str, ...], limits: ReadLimits) -> Generator[Row]:
    """A header-less file: every line is data, and each must have as many values as the mapping names columns."""
    found = False
    for row in _skip_blank(rows, limits):
        found = True
        if len(row.cells) != len(columns):
            raise FileRejected(
                f"line {row.line} has {len(row.cells)} values but the mapping's `columns` names {len(columns)} "
                "(this file has no header line): list every column of the export, in order, in the kind's `columns`",
                code=RejectionCode.COLUMN_COUNT,
            )
        yield row
    if not found:
        raise FileRejected("the file is empty: it holds no data lines", code=RejectionCode.EMPTY_FILE)


def candidate_encodings(fixed: str | None, kind: FileType) -> tuple[str, ...]:
    if kind.format is FileFormat.XLSX:
        return ("utf-8",)  # the workbook defines its own text encoding
    if fixed is not None:
        return ("utf-8",) if fixed == "utf-8-sig" else (fixed,)  # a leading BOM is always removed
    return ENCODINGS_TRIED


def undecodable(error: WrongEncoding, tried: tuple[str, ...]) -> FileRejected:
    names = {"utf-8": "UTF-8", "cp1252": "Windows-1252"}
    spelled = " or ".join(names.get(name, name) for name in tried)
    return FileRejected(
        f"line {error.line} is not valid {spelled} text: save the file as UTF-8 "
        "(in a spreadsheet, 'CSV UTF-8') or set the mapping's encoding",
        code=RejectionCode.UNDECODABLE,
    )


__all__ = [
    "DEFAULT_LIMITS",
    "FileFormat",
    "FileType",
    "ReadLimits",
    "Row",
    "Table",
    "WrongEncoding",
    "candidate_encodings",
    "file_type",
    "open_table",
    "undecodable",
]
