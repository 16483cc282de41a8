"""Small-cell suppression for published counts: primary, then complementary, then an attacker's audit.

A published set of counts (every table of a period and of the periods it adds up with) is a set of
cells and of linear relations between them: ``total = part_1 + ... + part_n`` (a district row's
counts add up to the agency-wide row, a year's to its four quarters). Deterministic algorithm:

1. **Primary**: every cell from 1 to ``SMALL_MAX`` (10) is suppressed. Zeros are published.
2. **Complementary**, repeated over the relations in their fixed order until nothing changes:

   a. a relation with exactly one suppressed cell would give it away (total minus the others), so
      its smallest non-zero published cell (ties: the first in key order) is suppressed too;
   b. a relation whose total is published gives away the sum of its suppressed parts, itself a
      count: while that sum is from 1 to ``SMALL_MAX`` the relation's next smallest non-zero
      published cell is suppressed too.

3. **Audit**: each suppressed cell's feasible interval is computed as an attacker would (linear
   programs: every relation, every published cell fixed, every suppressed cell at least 1 since zeros
   are published). A cell whose interval is narrower than ``PROTECTION`` (the width of the range 1 to
   10, so the attacker learns no more than "suppressed") gets the smallest non-zero published cell of
   its relations suppressed, and steps 2 and 3 run again.

Cells published by an earlier run (``known``, with an unchanged value) count as published throughout,
so a re-run after late records cannot be combined with the earlier report to recover a cell.

Rates and medians are not cells here: a value derived from a suppressed count is suppressed with it
(``eis_core.reports.public``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

SMALL_MIN = 1
SMALL_MAX = 10
PROTECTION = SMALL_MAX - SMALL_MIN
"""The narrowest feasible interval an attacker may be left with for a suppressed cell."""

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Relation(Generic[K]):
    """``total`` equals the sum of ``parts`` (all of them cells)."""

    total: K
    parts: tuple[K, ...]

    @property
    def members(self) -> tuple[K, ...]:
        return (self.total, *self.parts)


@dataclass(frozen=True)
class Suppression(Generic[K]):
    primary: frozenset[K]
    complementary: frozenset[K]

    @property
    def suppressed(self) -> frozenset[K]:
        return self.primary | self.complementary


def is_small(value: int) -> bool:
    return SMALL_MIN <= value <= SMALL_MAX


def check_relations(cells: Mapping[K, int], relations: Iterable[Relation[K]]) -> None:
    """Raise ValueError when a relation does not hold (a bug in the tables, never published)."""
    for relation in relations:
        if cells[relation.total] != sum(cells[p] for p in relation.parts):
            raise ValueError(f"relation does not add up: {relation.total!r}")


def suppress(
    cells: Mapping[K, int],
    relations: Sequence[Relation[K]],
    *,
    order: Sequence[K] | None = None,
    known: Mapping[K, int] | None = None,
) -> Suppression[K]:
    """The suppressed cells of ``cells`` under ``relations`` (see the module docstring).

    ``order`` ranks cells for ties (default: the order of ``cells``), so the result is deterministic.
    ``known``: cells published earlier (a report re-run after late records), with the value then shown.
    Those whose value is unchanged are public whatever is hidden now: they are never chosen as
    complementary cells and count as published in every relation and in the audit, so the new
    report cannot be combined with the earlier one to recover a cell.
    """
    check_relations(cells, relations)
    rank = {key: i for i, key in enumerate(order if order is not None else list(cells))}
    primary = frozenset(key for key, value in cells.items() if is_small(value))
    public = frozenset(k for k, v in (known or {}).items() if k in cells and cells[k] == v)
    hidden: set[K] = set(primary)

    def next_smallest(members: Iterable[K]) -> K | None:
        candidates = [m for m in members if m not in hidden and m not in public and cells[m] > 0]
        return min(candidates, key=lambda m: (cells[m], rank[m])) if candidates else None

    while True:
        _complementary(cells, relations, hidden, next_smallest, public=public)
        weak = audit(cells, relations, frozenset(hidden - public))
        if not weak:
            break
        added = False
        for key in sorted(weak, key=lambda k: rank[k]):
            extra = next_smallest(m for r in relations if key in r.members for m in r.members)
            if extra is not None:
                hidden.add(extra)
                added = True
        if not added:
            raise RuntimeError("suppression could not protect every cell")  # every neighbour is already hidden
    return Suppression(primary=primary, complementary=frozenset(hidden - primary))


def _complementary(
    cells: Mapping[K, int],
    relations: Sequence[Relation[K]],
    hidden: set[K],
    next_smallest: Callable[[Iterable[K]], K | None],
    *,
    public: frozenset[K],
) -> None:
    changed = True
    while changed:
        changed = False
        for relation in relations:
            members = relation.members
            secret = [m for m in members if m in hidden and m not in public]
            if not secret:
                continue
            need = len(secret) == 1
            if not need and relation.total not in secret:
                hidden_sum = sum(cells[p] for p in relation.parts if p in secret)
                need = is_small(hidden_sum)
            if need:
                extra = next_smallest(members)
                if extra is not None:
                    hidden.add(extra)
                    changed = True


def intervals(
    cells: Mapping[K, int], relations: Sequence[Relation[K]], suppressed: frozenset[K]
) -> dict[K, tuple[float, float]]:
    """An attacker's bounds on each suppressed cell: min and max under every relation, published cells fixed.

    Linear programs (scipy's HiGHS), one pair per suppressed cell, over the suppressed cells that share a
    relation with it (connected components solve independently). Unbounded above is ``inf``.
    """
    if not suppressed:
        return {}
    import numpy as np
    from scipy.optimize import linprog

    bounds: dict[K, tuple[float, float]] = {}
    for component, equations in _components(cells, relations, suppressed):
        index = {key: i for i, key in enumerate(component)}
        a_eq = np.zeros((len(equations), len(component)))
        b_eq = np.zeros(len(equations))
        for row, (relation, constant) in enumerate(equations):
            if relation.total in index:
                a_eq[row, index[relation.total]] = 1.0
            for part in relation.parts:
                if part in index:
                    a_eq[row, index[part]] -= 1.0
            b_eq[row] = constant
        for key, i in index.items():
            objective = np.zeros(len(component))
            objective[i] = 1.0
            low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=[(SMALL_MIN, None)] * len(component), method="highs")
            high = linprog(
                -objective, A_eq=a_eq, b_eq=b_eq, bounds=[(SMALL_MIN, None)] * len(component), method="highs"
            )
            lower = float(low.fun) if low.status == 0 else float(cells[key])
            upper = float("inf") if high.status == 3 else (-float(high.fun) if high.status == 0 else float(cells[key]))
            bounds[key] = (lower, upper)
    return bounds


def audit(cells: Mapping[K, int], relations: Sequence[Relation[K]], suppressed: frozenset[K]) -> list[K]:
    """Suppressed cells an attacker can pin to an interval narrower than ``PROTECTION``."""
    return [
        key for key, (low, high) in intervals(cells, relations, suppressed).items() if high - low < PROTECTION - 1e-6
    ]


def _components(
    cells: Mapping[K, int], relations: Sequence[Relation[K]], suppressed: frozenset[K]
) -> list[tuple[list[K], list[tuple[Relation[K], float]]]]:
    """Groups of suppressed cells linked by relations, each with its equations (suppressed terms = constant)."""
    parent: dict[K, K] = {key: key for key in suppressed}

    def find(key: K) -> K:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    touching: list[tuple[Relation[K], list[K]]] = []
    for relation in relations:
        inside = [m for m in relation.members if m in suppressed]
        if not inside:
            continue
        touching.append((relation, inside))
        for other in inside[1:]:
            parent[find(other)] = find(inside[0])
    groups: dict[K, list[K]] = {}
    for key in suppressed:
        groups.setdefault(find(key), []).append(key)
    equations: dict[K, list[tuple[Relation[K], float]]] = {root: [] for root in groups}
    for relation, inside in touching:
        # total - sum(parts) = 0, published terms moved to the right-hand side
        constant = -float(cells[relation.total]) if relation.total not in suppressed else 0.0
        constant += sum(float(cells[p]) for p in relation.parts if p not in suppressed)
        equations[find(inside[0])].append((relation, constant))
    return [(sorted(groups[root], key=repr), equations[root]) for root in groups]
