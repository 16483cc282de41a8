"""Calendar months: one ``add_months`` for the model's label windows and the generator."""

from __future__ import annotations

from datetime import date

import pytest

from eis_core.dates import add_months


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # a leap day a year on: the last day of February
        (date(2020, 2, 29), 48, date(2024, 2, 29)),  # four years on: a leap day again
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # the end of January into a leap February
        (date(2023, 1, 31), 1, date(2023, 2, 28)),
        (date(2024, 3, 31), -1, date(2024, 2, 29)),  # backwards too
        (date(2024, 1, 1), 12, date(2025, 1, 1)),
        (date(2024, 5, 31), 1, date(2024, 6, 30)),
        (date(2024, 12, 15), -12, date(2023, 12, 15)),
    ],
)
def test_add_months_clamps_to_the_last_day_of_the_month_leap_days_included(
    day: date, months: int, expected: date
) -> None:
    assert add_months(day, months) == expected
