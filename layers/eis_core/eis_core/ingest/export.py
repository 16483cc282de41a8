"""CSV exports that a spreadsheet cannot turn into formulas.

Values are stored exactly as received (``=1+2`` is text in the record store); only when EIS writes a
CSV that a person may open in a spreadsheet is a cell starting with ``=``, ``+``, ``-``, ``@`` (or a
tab or carriage return) prefixed with ``'``, which spreadsheets show but never evaluate (OWASP).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from eis_core.models.records import Record

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


class SafeCsvWriter:
    """``csv.writer`` with every cell escaped; the only way EIS code should write an export CSV."""

    def __init__(self, stream: Any) -> None:
        self._writer = csv.writer(stream)

    def writerow(self, row: Iterable[Any]) -> None:
        self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def records_csv(records: Iterable[Record], columns: Sequence[str]) -> str:
    """Records of one kind as an escaped CSV with the given columns (field names)."""
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(columns)
    for record in records:
        document = record.model_dump(mode="json")
        writer.writerow(document.get(column) for column in columns)
    return buffer.getvalue()
