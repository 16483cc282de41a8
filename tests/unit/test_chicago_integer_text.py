"""The Chicago export cleans each distinct id once: the same text as cleaning every cell."""

from __future__ import annotations

import numpy as np
import pandas as pd

from eis_tools.sources.chicago import integer_text


def test_integer_text_is_the_cell_by_cell_cleaning() -> None:
    rng = np.random.default_rng(15)
    pool = ["100011.0", " 7.00 ", "12", "", "  ", "3.5", "x.0", "0.0", "1.0.0", "8.", None]
    values = pd.Series(rng.choice(np.array(pool, dtype=object), 5000), dtype="str", index=rng.permutation(5000))
    values.name = "UID"

    cleaned = integer_text(values)

    expected = values.str.strip().str.replace(r"\.0+$", "", regex=True)
    pd.testing.assert_series_equal(cleaned, expected)
    assert cleaned.isna().sum() == values.isna().sum() > 0
