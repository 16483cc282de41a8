"""Planted overworked officers (``GeneratorConfig.overworked_share``): the wellness step's answer key.

Each planted officer is a patrol-type police officer, in service for two years or more by ``end`` and
not one of the hidden at-risk officers. From ``OVERWORK_MONTHS`` months before ``end`` they work
80-110 overtime hours a month, and they take no vacation in the year before ``end``. Everything
draws from a random stream of its own, so an agency generated without planted officers is exactly
the agency it was before this knob existed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from eis_core.dates import add_months
from eis_tools.generate import tables as t
from eis_tools.generate.config import GeneratorConfig
from eis_tools.generate.organisation import Person

OVERWORK_MONTHS = 4
NO_REST_DAYS = 365
OVERTIME_HOURS = (80.0, 110.0)
_STREAM = 20_260_412  # the planting's own random stream


def choose_overworked(config: GeneratorConfig, people: Sequence[Person], at_risk: set[int]) -> dict[int, date]:
    """Person number -> the day their overwork starts; empty when ``overworked_share`` is 0."""
    if config.overworked_share <= 0:
        return {}
    rng = random.Random(config.seed * 1_000_003 + _STREAM)  # noqa: S311 - a reproducible simulation
    eligible = [
        p
        for p in people
        if p.rank == t.POLICE_OFFICER
        and p.rate_unit in (t.PATROL, t.GANG, t.TRAFFIC)
        and p.number not in at_risk
        and (p.separation_date is None or p.separation_date > config.end)
        and p.street_date <= add_months(config.end, -24)
    ]
    wanted = min(len(eligible), max(1, round(config.overworked_share * config.officers)))
    start = add_months(date(config.end.year, config.end.month, 1), -OVERWORK_MONTHS + 1)
    return {p.number: start for p in sorted(rng.sample(eligible, wanted), key=lambda p: p.number)}


def skips_rest(overworked: dict[int, date], officer: Person, day: date, end: date) -> bool:
    """True for a planted officer's vacation in the year before ``end``: they took none."""
    return officer.number in overworked and end - timedelta(days=NO_REST_DAYS) < day <= end


def plant_overtime(
    overworked: dict[int, date],
    people: Sequence[Person],
    month_first: npt.NDArray[np.int64],
    overtime: npt.NDArray[np.float64],
    seed: int,
) -> npt.NDArray[np.float64]:
    """The overtime matrix (officer x month) with the planted officers' months of heavy overtime."""
    if not overworked:
        return overtime
    rng = np.random.default_rng([seed, _STREAM])
    planted = overtime.copy()
    for row, person in enumerate(people):
        start = overworked.get(person.number)
        if start is None:
            continue
        months = month_first >= start.toordinal()
        draws = rng.uniform(*OVERTIME_HOURS, size=int(months.sum()))
        planted[row, months] = np.round(draws * 2) / 2
    return planted
