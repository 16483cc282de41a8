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
import json
import tempfile
import zlib
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any, cast

from eis_core.errors import FileRejected
from eis_core.models.uploads import RejectionCode
from eis_core.storage.ports import ByteStream

CHUNK_BYTES = 1 << 16
_SPOOL_IN_MEMORY_BYTES = 16 << 20
_BOM = "\ufeff"
ENCODINGS_TRIED = ("utf-8", "cp1252")  # in this order when the mapping does not fix one


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


@dataclass(frozen=True)
class Row:
    line: int = 0
    cells: tuple[str, ...] = ()


@dataclass
class Table:
    """A file opened for reading: its header, then its data rows (blank rows skipped) as they stream."""

    header: tuple[str, ...]
    rows: Generator[Row]
    encoding: str | None = None


class _GzipStream:
    """Decompresses while reading, so a gzipped upload is never held whole either."""

    def __init__(self, stream: ByteStream) -> None:
        self._file = gzip.GzipFile(fileobj=cast(Any, stream), mode="rb")
        self._stream = stream

    def read(self, size: int = -1, /) -> bytes:
        try:
            return bytes(self._file.read(size))
        except (OSError, EOFError, zlib.error) as error:
            raise FileRejected(f"the file is not valid gzip ({error})", code=RejectionCode.UNDECODABLE) from None

    def close(self) -> None:
        self._file.close()
        self._stream.close()


def _byte_lines(stream: ByteStream) -> Iterator[bytes]:
    # Splitting on b"\n" before decoding is safe in UTF-8 and Windows-1252: that byte is only ever a newline.
    pending = bytearray()
    while chunk := stream.read(CHUNK_BYTES):
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


class WrongEncoding(Exception):
    """A line does not decode in the encoding tried; the caller may try the next one."""

    def __init__(self, line: int, encoding: str) -> None:
        super().__init__(f"line {line} is not valid {encoding}")
        self.line = line
        self.encoding = encoding


def _text_lines(stream: ByteStream, encoding: str) -> Iterator[str]:
    for number, raw in enumerate(_byte_lines(stream), start=1):
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise WrongEncoding(number, encoding) from None
        yield text.removeprefix(_BOM) if number == 1 else text


def _csv_rows(stream: ByteStream, encoding: str) -> Iterator[Row]:
    """Every CSV record with the line it starts on (quoted fields may span lines)."""
    reader = csv.reader(_text_lines(stream, encoding), strict=True)
    last_line = 0
    try:
        for cells in reader:
            yield Row(last_line + 1, tuple(cells))
            last_line = reader.line_num
    except csv.Error as error:
        raise FileRejected(
            f"line {reader.line_num} is not well-formed CSV ({error})", code=RejectionCode.MALFORMED_CSV
        ) from None


def _jsonl_rows(stream: ByteStream, encoding: str) -> Iterator[Row]:
    """JSON Lines as rows: the first object's keys are the header; later objects are matched by key."""
    columns: list[str] | None = None
    for number, text in enumerate(_text_lines(stream, encoding), start=1):
        if not text.strip():
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


def _xlsx_rows(stream: ByteStream) -> Iterator[Row]:
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
                yield Row(number, tuple(_cell_text(value) for value in values))
        finally:
            workbook.close()


def _blank(cells: tuple[str, ...]) -> bool:
    return not any(cell.strip() for cell in cells)


def _open_rows(open_stream: Callable[[], ByteStream], kind: FileType, encoding: str) -> Generator[Row]:
    stream: ByteStream = open_stream()
    if kind.gzipped:
        stream = _GzipStream(stream)
    try:
        if kind.format is FileFormat.XLSX:
            yield from _xlsx_rows(stream)
        elif kind.format is FileFormat.JSONL:
            yield from _jsonl_rows(stream, encoding)
        else:
            yield from _csv_rows(stream, encoding)
    finally:
        stream.close()


def open_table(open_stream: Callable[[], ByteStream], kind: FileType, *, encoding: str = "utf-8") -> Table:
    """Read the header now; rows stream on. Raises FileRejected for an empty file at once, and while
    iterating for malformed content; WrongEncoding when a line does not decode."""
    rows = _open_rows(open_stream, kind, encoding)
    first = next(rows, Row())
    if first.line == 0 or _blank(first.cells):
        rows.close()
        raise FileRejected(
            "the file is empty or its first line is blank: line 1 must be the header with the column names",
            code=RejectionCode.EMPTY_FILE,
        )
    return Table(header=first.cells, rows=(row for row in rows if not _blank(row.cells)), encoding=encoding)


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
    "FileFormat",
    "FileType",
    "Row",
    "Table",
    "WrongEncoding",
    "candidate_encodings",
    "file_type",
    "open_table",
    "undecodable",
]
