"""The batch mapper's generated dict builder makes each row's dict as ``dict(zip(names, values))`` would."""

from __future__ import annotations

import pytest

from eis_core.ingest.transform import _dicts_maker


@pytest.mark.parametrize("width", [1, 2, 5, 40])
def test_each_rows_dict_has_the_names_in_order_with_that_rows_values(width: int) -> None:
    # Given field names (quotes and backslashes included: they are written into source as literals) and columns
    names = tuple(["source_record_id", "it's", 'a "b"', "back\\slash"][:width] + [f"f{n}" for n in range(width - 4)])
    columns = [[f"{name}-{row}" if row % 3 else None for row in range(7)] for name in names]

    # When the rows' dicts are made
    made = _dicts_maker(names)(columns)

    # Then they are the ones dict(zip(...)) makes, keys in the same order
    expected = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
    assert made == expected
    assert [list(row or ()) for row in made] == [list(row) for row in expected]


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError):
        _dicts_maker(("a", "b"))([[1, 2], [1]])
