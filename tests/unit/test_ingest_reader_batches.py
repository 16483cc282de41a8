"""The reader decodes a chunk's lines at once: line numbers, limits and cell text stay exactly as line by line."""

from __future__ import annotations

import csv
import io

import pytest

from eis_core.errors import FileRejected
from eis_core.ingest.readers import CHUNK_BYTES, ReadLimits, WrongEncoding, file_type, open_table

LINES = 3 * CHUNK_BYTES // 40  # about 40 bytes a line: the file spans several chunks


def _rows(
    body: bytes, *, limits: ReadLimits | None = None, encoding: str = "utf-8"
) -> list[tuple[int, tuple[str, ...]]]:
    table = open_table(lambda: io.BytesIO(body), file_type("x.csv"), encoding=encoding, limits=limits or ReadLimits())
    return [(row.line, row.cells) for row in table.rows]


def _body(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def test_an_undecodable_line_deep_in_the_file_is_named() -> None:
    # Given a file of several chunks whose line 4001 holds a byte that is not UTF-8
    lines = ["id,name"] + [f"r{i},name {i}" for i in range(2, LINES + 2)]
    body = bytearray(_body(lines))
    at = body.index(b"r4001,")
    body[at + 1] = 0xE9

    # When it is read as UTF-8, then the error names that line
    with pytest.raises(WrongEncoding) as raised:
        _rows(bytes(body))
    assert raised.value.line == 4001


def test_a_too_long_line_in_a_later_chunk_is_named() -> None:
    lines = ["id,name"] + [f"r{i},{'x' * (5000 if i == 2500 else 10)}" for i in range(2, LINES + 2)]

    with pytest.raises(FileRejected) as raised:
        _rows(_body(lines), limits=ReadLimits(max_line_bytes=4096))
    assert raised.value.reason.startswith("line 2500 is longer than 4096 bytes")


def test_rows_cells_and_line_numbers_match_the_csv_module_across_chunk_boundaries() -> None:
    # Given quoted cells spanning lines (some with a carriage return or a Unicode line separator) all through the file
    lines = ["id,note"]
    for i in range(2, LINES + 2):
        lines.append(f'r{i},"first\r\u2028part\nsecond part"' if i % 7 == 0 else f"r{i},plain {i} é")
    body = "\ufeff" + "\n".join(lines) + "\n"

    # When read
    rows = _rows(body.encode())

    # Then each row is what the csv module reads from the whole text, on the line it starts on
    expected = []
    reader = csv.reader(io.StringIO(body.removeprefix("\ufeff"), newline="\n"))  # line feeds end lines
    next(reader)
    last = 1
    for cells in reader:
        expected.append((last + 1, tuple(cells)))
        last = reader.line_num
    assert rows == expected
    assert rows[5] == (7, ("r7", "first\r\u2028part\nsecond part"))  # the cell keeps every line break
    assert rows[-1][0] == last


def test_windows_1252_text_reads_as_before() -> None:
    body = "id,name\nr1,Renée\nr2,Zoë\n".encode("cp1252")

    assert _rows(body, encoding="cp1252") == [(2, ("r1", "Renée")), (3, ("r2", "Zoë"))]
