"""The synthetic department: districts, units, shifts, a rank pyramid, a chain of command and its people."""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property

from eis_core.dates import add_months
from eis_tools.generate import tables as t
from eis_tools.generate.config import GeneratorConfig

_DAYS_PER_YEAR = 365.25
_ACADEMY_DAYS = 182


@dataclass
class Person:
    """One officer as the simulation sees them (the roster record is made from this at the end)."""

    number: int
    rank: str
    unit: str
    district: str | None
    shift: str
    supervisor: Person | None
    hire_date: date
    rate_unit: str
    """The unit whose workload drives this person's event rates (a captain's is the unit they command)."""
    busyness: float
    first_name: str = ""
    last_name: str = ""
    sex: str | None = None
    race: str | None = None
    birth_year: int | None = None
    separation_date: date | None = None
    """May fall after the extract's end: the simulation runs on into the horizon."""
    on_leave_at_end: bool = False
    replaced_by: Person | None = field(default=None, repr=False)

    @cached_property
    def officer_id(self) -> str:
        return f"O{self.number:05d}"

    @property
    def street_date(self) -> date:
        """New hires spend their first months in the academy, where nothing on the street happens."""
        return self.hire_date + timedelta(days=_ACADEMY_DAYS)

    def email(self, domain: str) -> str:
        local = re.sub(r"[^a-z]", "", f"{self.first_name[:1]}{self.last_name}".lower())
        return f"{local}{self.number}@{domain}"


@dataclass(frozen=True)
class _Cell:
    unit: str
    district: str | None
    shift: str
    officers: int
    sergeants: int


_LieutenantPlan = dict[tuple[str, str | None], list[list[str]]]
"""Per (unit, district): one entry per lieutenant, naming the shifts they command (empty: the whole unit)."""


@dataclass
class Organisation:
    district_busyness: dict[str, float]
    people: list[Person]


def build_organisation(config: GeneratorConfig, rng: random.Random) -> Organisation:
    busyness = _districts(config.officers, rng)
    cells, lieutenant_plan = _plan(config.officers, busyness)
    people = _staff(config, rng, busyness, cells, lieutenant_plan)
    _add_turnover(config, rng, people)
    for person in people:
        _name(person, rng)
    return Organisation(district_busyness=busyness, people=people)


def _districts(strength: int, rng: random.Random) -> dict[str, float]:
    count = min(25, max(2, round(strength / 75)))
    # Evenly spread workloads, shuffled so the busiest district is not always the first.
    levels = [round(1.8 - 1.2 * i / (count - 1), 2) for i in range(count)]
    rng.shuffle(levels)
    return {f"D{i + 1:02d}": level for i, level in enumerate(levels)}


def _largest_remainder(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """Split ``total`` in proportion to ``weights`` into whole numbers that add up exactly."""
    floor_total = total - minimum * len(weights)
    scale = sum(weights)
    raw = [floor_total * w / scale for w in weights]
    counts = [math.floor(r) for r in raw]
    by_remainder = sorted(range(len(raw)), key=lambda i: (counts[i] - raw[i], i))
    for i in by_remainder[: floor_total - sum(counts)]:
        counts[i] += 1
    return [c + minimum for c in counts]


def _line_cells(line: int, busyness: dict[str, float]) -> list[_Cell]:
    cells: list[tuple[str, str | None, str, float]] = []
    for unit, (share, shifts) in t.LINE_UNITS.items():
        for shift, shift_share in shifts.items():
            if unit == t.PATROL:
                # Busier districts get more officers, but not in proportion: their officers stay busier.
                weight = sum(math.sqrt(b) for b in busyness.values())
                cells += [(unit, d, shift, share * shift_share * math.sqrt(b) / weight) for d, b in busyness.items()]
            elif unit in t.DISTRICT_UNITS:
                cells += [(unit, d, shift, share * shift_share / len(busyness)) for d in busyness]
            else:
                cells.append((unit, None, shift, share * shift_share))
    counts = _largest_remainder(line, [c[3] for c in cells], minimum=1)
    return [
        _Cell(unit, district, shift, n, max(1, round(n / t.OFFICERS_PER_SERGEANT)))
        for (unit, district, shift, _), n in zip(cells, counts, strict=True)
    ]


def _lieutenant_groups(cells: list[_Cell]) -> _LieutenantPlan:
    """Lieutenants per (unit, district): patrol watches by shift group, one or more per specialised unit."""
    groups: _LieutenantPlan = {}
    patrol: dict[str | None, int] = {}
    units: dict[str, int] = {}
    for cell in cells:
        if cell.unit == t.PATROL:
            patrol[cell.district] = patrol.get(cell.district, 0) + cell.officers
        elif cell.unit not in t.DISTRICT_UNITS:
            units[cell.unit] = units.get(cell.unit, 0) + cell.officers
    for district, officers in patrol.items():
        watches = min(3, max(1, round(officers / 25)))
        groups[(t.PATROL, district)] = {
            1: [[t.DAY, t.EVENING, t.NIGHT]],
            2: [[t.DAY], [t.EVENING, t.NIGHT]],
            3: [[t.DAY], [t.EVENING], [t.NIGHT]],
        }[watches]
    for unit, officers in units.items():
        groups[(unit, None)] = [[] for _ in range(max(1, round(officers / 40)))]
    return groups


def _plan(strength: int, busyness: dict[str, float]) -> tuple[list[_Cell], _LieutenantPlan]:
    command = 1 + 2 + len(busyness) + len(set(t.CAPTAIN_OF_UNIT.values()))
    line = round(strength * 0.83)
    for _ in range(20):
        cells = _line_cells(line, busyness)
        groups = _lieutenant_groups(cells)
        supervisors = command + sum(c.sergeants for c in cells) + sum(len(g) for g in groups.values())
        if line == strength - supervisors:
            break
        line = strength - supervisors
    # Supervisory counts are fixed now; whatever rounding left over goes to (or comes from) the busiest patrol cell.
    slack = strength - supervisors - sum(c.officers for c in cells)
    biggest = max(range(len(cells)), key=lambda i: (cells[i].officers, -i))
    cell = cells[biggest]
    cells[biggest] = _Cell(cell.unit, cell.district, cell.shift, cell.officers + slack, cell.sergeants)
    return cells, groups


def _years_before(day: date, years: float) -> date:
    return day - timedelta(days=round(years * _DAYS_PER_YEAR))


def _service_years(rank: str, rng: random.Random) -> float:
    """Years on the job at the start of the period, by rank: a decades-wide spread of hire dates."""
    floor, shape, scale = {
        t.POLICE_OFFICER: (0.3, 1.6, 6.0),
        t.SERGEANT: (6.0, 2.0, 4.0),
        t.LIEUTENANT: (10.0, 2.0, 4.0),
        t.CAPTAIN: (14.0, 2.0, 3.5),
        t.DEPUTY_CHIEF: (18.0, 2.0, 3.0),
        t.CHIEF: (20.0, 2.0, 3.0),
    }[rank]
    return min(34.0, floor + rng.gammavariate(shape, scale))


def _staff(
    config: GeneratorConfig,
    rng: random.Random,
    busyness: dict[str, float],
    cells: list[_Cell],
    lieutenant_plan: _LieutenantPlan,
) -> list[Person]:
    people: list[Person] = []

    def hire(rank: str, unit: str, district: str | None, shift: str, supervisor: Person | None) -> Person:
        # Command staff's workload is administrative; everyone else works their own unit's.
        rate_unit = unit if unit in t.LINE_UNITS else t.ADMINISTRATION
        level = busyness[district] if district else t.CITYWIDE_BUSYNESS.get(rate_unit, 1.0)
        person = Person(
            number=len(people) + 1,
            rank=rank,
            unit=unit,
            district=district,
            shift=shift,
            supervisor=supervisor,
            hire_date=_years_before(config.start, _service_years(rank, rng)),
            rate_unit=rate_unit,
            busyness=level,
        )
        people.append(person)
        return person

    chief = hire(t.CHIEF, t.OFFICE_OF_THE_CHIEF, None, t.DAY, None)
    patrol_bureau = hire(t.DEPUTY_CHIEF, t.PATROL_BUREAU, None, t.DAY, chief)
    support_bureau = hire(t.DEPUTY_CHIEF, t.SUPPORT_BUREAU, None, t.DAY, chief)
    captains: dict[str, Person] = {}
    for district in busyness:
        captains[district] = hire(t.CAPTAIN, t.PATROL, district, t.DAY, patrol_bureau)
    for command in dict.fromkeys(t.CAPTAIN_OF_UNIT.values()):
        captains[command] = hire(t.CAPTAIN, command, None, t.DAY, support_bureau)

    # Lieutenants: each (unit, district) group keyed by the shifts it covers (empty = whole unit).
    lieutenants: dict[tuple[str, str | None], list[tuple[list[str], Person]]] = {}
    for (unit, area), plan in lieutenant_plan.items():
        captain = captains[area] if area else captains[t.CAPTAIN_OF_UNIT[unit]]
        first_shift = next(iter(t.LINE_UNITS[unit][1]))
        lieutenants[(unit, area)] = [
            (watch, hire(t.LIEUTENANT, unit, area, watch[0] if watch else first_shift, captain)) for watch in plan
        ]

    sergeant_turn: dict[tuple[str, str | None], int] = {}
    for cell in cells:
        if cell.unit == t.DESK:
            # The station desk answers to the district's day watch.
            watch_key = (t.PATROL, cell.district)
            candidates = [lt for watch, lt in lieutenants[watch_key] if t.DAY in watch]
        else:
            watch_key = (cell.unit, cell.district)
            unit_watches = lieutenants[watch_key]
            candidates = [lt for watch, lt in unit_watches if cell.shift in watch] or [lt for _, lt in unit_watches]
        sergeants = []
        for _ in range(cell.sergeants):
            turn = sergeant_turn.get(watch_key, 0)
            sergeant_turn[watch_key] = turn + 1
            lieutenant = candidates[turn % len(candidates)]
            sergeants.append(hire(t.SERGEANT, cell.unit, cell.district, cell.shift, lieutenant))
        for i in range(cell.officers):
            hire(t.POLICE_OFFICER, cell.unit, cell.district, cell.shift, sergeants[i % len(sergeants)])
    return people


def _add_turnover(config: GeneratorConfig, rng: random.Random, people: list[Person]) -> None:
    """Police officers leave (resign, retire) and are replaced by academy recruits in the same post.

    Supervisors do not turn over: the roster is a snapshot and promotions would rewrite history.
    """
    horizon_end = horizon_end_of(config)
    for person in list(people):
        if person.rank != t.POLICE_OFFICER:
            continue
        holder, since = person, config.start
        while True:
            service = (since - holder.hire_date).days / _DAYS_PER_YEAR
            yearly = 0.12 if service >= 22 else (0.07 if holder.hire_date >= config.start else 0.035)
            leaves = since + timedelta(days=round(rng.expovariate(yearly) * _DAYS_PER_YEAR))
            if leaves > horizon_end:
                break
            holder.separation_date = max(leaves, holder.street_date)
            recruit_hired = holder.separation_date + timedelta(days=rng.randint(30, 150))
            if recruit_hired > horizon_end:
                break
            recruit = Person(
                number=len(people) + 1,
                rank=t.POLICE_OFFICER,
                unit=holder.unit,
                district=holder.district,
                shift=holder.shift,
                supervisor=holder.supervisor,
                hire_date=recruit_hired,
                rate_unit=holder.rate_unit,
                busyness=holder.busyness,
            )
            people.append(recruit)
            holder.replaced_by = recruit
            holder, since = recruit, recruit.street_date


def horizon_end_of(config: GeneratorConfig) -> date:
    return add_months(config.end, config.horizon_months)


def _name(person: Person, rng: random.Random) -> None:
    female_share = t.FEMALE_SHARE * (1.6 if person.rate_unit in (t.ACADEMY, t.ADMINISTRATION) else 1.0)
    person.sex = "F" if rng.random() < female_share else "M"
    person.first_name = rng.choice(t.FEMALE_NAMES if person.sex == "F" else t.MALE_NAMES)
    person.last_name = rng.choice(t.LAST_NAMES)
    # A few agencies' records lack a value; the model allows that.
    person.race = None if rng.random() < 0.01 else rng.choices([r for r, _ in t.RACES], [w for _, w in t.RACES])[0]
    age_at_hire = min(45.0, 21.0 + rng.gammavariate(2.0, 2.5))
    person.birth_year = person.hire_date.year - round(age_at_hire)
