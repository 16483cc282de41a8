"""Dates in the ISO day format are read without strptime's regex: the same date, or the same refusal, for any cell."""

from __future__ import annotations

import random
from datetime import date, datetime

import pytest

from eis_core.ingest.mapping import identity_mapping
from eis_core.ingest.transform import ISO_DAY, _date_converter

EDGES = [
    "2015-01-05", "2016-02-29", "2015-02-29", "2015-02-30", "0000-01-01", "0001-01-01", "9999-12-31",
    "2015-00-10", "2015-13-01", "2015-12-00", "2015-12-32", "2015-1-05", "15-01-05", "2015/01/05",
    "2015-01-5 ", " 2015-01-05", "2015-01-05T00:00", "20150105", "2015-W01-1", "\uff12\uff10\uff11\uff15-01-05",
    "2015-0a-05", "+015-01-05", "-015-01-05", "2015-+1-05", "2015- 1-05", "",
]  # fmt: skip


def _converted(cell: str) -> object:
    convert = _date_converter(ISO_DAY, identity_mapping("a"))
    try:
        return convert(cell)
    except ValueError:
        return ValueError


def _random_cells(count: int) -> list[str]:
    rng = random.Random(11)
    alphabet = "0123456789-+ /a"
    cells = []
    for _ in range(count):
        year, month, day = rng.randint(0, 9999), rng.randint(0, 14), rng.randint(0, 33)
        cell = f"{year:04d}-{month:02d}-{day:02d}"
        if rng.random() < 0.3:  # a character replaced
            at = rng.randrange(len(cell))
            cell = cell[:at] + rng.choice(alphabet) + cell[at + 1 :]
        cells.append(cell)
    return cells


@pytest.mark.parametrize("cell", EDGES)
def test_an_edge_case_cell_gives_the_date_or_refusal_strptime_gives(cell: str) -> None:
    assert _converted(cell) == _reference_strptime_first(cell)


def test_random_cells_give_the_date_or_refusal_strptime_gives() -> None:
    for cell in _random_cells(20_000):
        assert _converted(cell) == _reference_strptime_first(cell), cell


def _reference_strptime_first(cell: str) -> object:
    """The converter's rule spelled out: the format by strptime, else an ISO date by fromisoformat, else refused."""
    try:
        return datetime.strptime(cell, ISO_DAY).date()
    except ValueError:
        pass
    try:
        return date.fromisoformat(cell)
    except ValueError:
        return ValueError
