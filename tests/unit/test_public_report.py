"""The public aggregate report: small cells suppressed so no attacker recovers one, no officer named, no data said.

The differencing attack works only from what is published (the five JSON documents of a year and its
quarters) and from the tables' documented structure: district rows add up to "All districts", type
columns to "All types", and a year's cells to its quarters'. For every suppressed count it solves the
linear programs an attacker would (every relation, every published count fixed, sustained <= closed,
suppressed counts >= 1 since zeros are published) and asserts the feasible interval stays at least as
wide as the suppression range itself (1 to 10), so nothing is learned beyond "suppressed".
"""

from __future__ import annotations

import functools
import json
import random
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pytest
from scipy.optimize import linprog

from eis_core.models.cases import InterventionOutcome
from eis_core.models.records import Activity, Finding
from eis_core.reports.public import (
    Period,
    PublicInputs,
    PublicReport,
    dictionary_csv,
    public_report,
    public_reports,
    publish,
    to_csv,
    to_html,
    to_json,
)
from eis_core.reports.suppression import PROTECTION, Relation, suppress
from eis_core.storage.memory import InMemoryArtifactStore
from tests import builders

YEAR = 2025
GENERATED = date(2026, 3, 1)
DISTRICTS = {"District 1": 14, "District 2": 9, "District 3": 5, "District 4": 2, "Harbor": 1}
"""District -> officers; event volume follows (District 1 busy, Harbor nearly empty)."""
TYPES = ("coaching_mentoring", "training", "peer_support")


def _agency(seed: int = 11, *, quarters: tuple[int, ...] = (1, 2, 3, 4)) -> PublicInputs:
    rng = random.Random(seed)
    roster, forces, complaints, activity, alerts, cases = [], [], [], [], [], []
    n = 0
    for district, size in DISTRICTS.items():
        for _ in range(size):
            n += 1
            roster.append(
                builders.officer(
                    f"QX{7000 + n}", first_name=f"Zebulon{n}", last_name=f"Quackenbush{n}", district=district
                )
            )
    months = [m for q in quarters for m in range(3 * q - 2, 3 * q + 1)]

    def when() -> date:
        return date(YEAR, rng.choice(months), rng.randint(1, 28))

    for officer in roster:
        busy = DISTRICTS[officer.district or ""]
        for _ in range(rng.randint(0, busy)):
            forces.append(builders.use_of_force(officer.officer_id, when()))
        for _ in range(rng.randint(0, busy // 2 + 1)):
            received = when()
            closed = received + timedelta(days=rng.randint(20, 200))
            finding = rng.choice([Finding.SUSTAINED, Finding.NOT_SUSTAINED, Finding.UNFOUNDED, Finding.PENDING])
            decided = None if finding is Finding.PENDING or closed.year > YEAR else closed
            complaints.append(
                builders.complaint(
                    officer.officer_id,
                    received,
                    decided=decided,
                    finding=Finding.PENDING if decided is None else finding,
                )
            )
        for month in months:
            if officer.district != "Harbor":  # Harbor sends no arrests: its rate is "unknown"
                start = date(YEAR, month, 1)
                activity.append(
                    Activity(
                        source_record_id=builders.next_id("act-"),
                        officer_id=officer.officer_id,
                        occurred_on=start,
                        known_on=start + timedelta(days=31),
                        period_end=start + timedelta(days=27),
                        arrests=rng.randint(0, 6),
                    )
                )
        if rng.random() < 0.5:
            flagged = when()
            alerts.append(builders.alert(officer.officer_id, as_of=flagged))
            case_id = f"case-{officer.officer_id}"
            planned = flagged + timedelta(days=3)
            interventions = [
                builders.intervention(
                    f"i-{officer.officer_id}-{k}",
                    case_id,
                    type=rng.choice(TYPES),
                    planned_on=planned,
                    due_on=planned + timedelta(days=30),
                    completed_on=planned + timedelta(days=20) if k == 0 else None,
                    outcome=InterventionOutcome.COMPLETED if k == 0 else None,
                )
                for k in range(rng.randint(1, 3))
            ]
            cases.append(
                builders.case(
                    case_id,
                    officer.officer_id,
                    opened_at=datetime.combine(flagged, datetime.min.time(), UTC),
                    interventions=interventions,
                )
            )
    return PublicInputs(roster, forces, complaints, activity, alerts, cases)


@functools.cache
def _planted() -> tuple[PublicInputs, dict[str, PublicReport]]:
    """One agency's year and its reports, built once per module (suppression solves a few hundred LPs)."""
    inputs = _agency()
    return inputs, public_reports(inputs, YEAR, agency_id="testville", generated_on=GENERATED)


def _documents() -> dict[str, dict[str, Any]]:
    return {label: to_json(report) for label, report in _planted()[1].items()}


# --- the attacker ------------------------------------------------------------------------------------


def _attack(
    documents: dict[str, dict[str, Any]], *, across_periods: bool
) -> dict[tuple[str, ...], tuple[float, float]]:
    """Bounds on every suppressed count from the published documents alone."""
    value: dict[tuple[str, ...], float | None] = {}  # None: suppressed
    shape: dict[str, tuple[list[str], list[str], list[str]]] = {}  # table -> rows, count columns, type columns
    for label, document in documents.items():
        for table in document["tables"]:
            counts = [c["column_id"] for c in table["columns"] if c["kind"] == "count"]
            rows = [r["label"] for r in table["rows"]]
            shape[table["table_id"]] = (rows, counts, [c for c in counts if c != "all_types"])
            for row in table["rows"]:
                for column in counts:
                    cell = row["cells"][column]
                    known = {"suppressed": None, "unknown": 0.0}.get(cell["status"], cell["value"])
                    value[label, table["table_id"], row["label"], column] = known
    for label, document in documents.items():  # a period without data published no tables: all zeros
        if document["status"] == "no_data":
            for table, (rows, counts, _) in shape.items():
                for row in rows:
                    for column in counts:
                        value[label, table, row, column] = 0.0
    equations: list[tuple[tuple[str, ...], list[tuple[str, ...]]]] = []
    for label in documents:
        for table, (rows, counts, types) in shape.items():
            for column in counts:
                equations.append(
                    ((label, table, "All districts", column), [(label, table, r, column) for r in rows[:-1]])
                )
            if table != "district_summary":
                for row in rows:
                    equations.append(((label, table, row, "all_types"), [(label, table, row, t) for t in types]))
    if across_periods:
        year, quarters = str(YEAR), [f"{YEAR}-Q{q}" for q in range(1, 5)]
        for key in [k for k in value if k[0] == year]:
            equations.append((key, [(q, *key[1:]) for q in quarters]))
    unknowns = sorted(k for k, v in value.items() if v is None)
    index = {k: i for i, k in enumerate(unknowns)}
    a_eq, b_eq = [], []
    for total, parts in equations:
        row = np.zeros(len(unknowns))
        constant = 0.0
        for key, sign in [(total, 1.0), *((p, -1.0) for p in parts)]:
            if key in index:
                row[index[key]] += sign
            else:
                constant -= sign * float(value[key] or 0.0)
        if row.any():
            a_eq.append(row)
            b_eq.append(constant)
    a_ub, b_ub = [], []  # sustained <= closed in every row
    for key in value:
        if key[1] == "district_summary" and key[3] == "complaints_sustained":
            closed = (*key[:3], "complaints_closed")
            row = np.zeros(len(unknowns))
            constant = 0.0
            for k, sign in [(key, 1.0), (closed, -1.0)]:
                if k in index:
                    row[index[k]] += sign
                else:
                    constant -= sign * float(value[k] or 0.0)
            if row.any():
                a_ub.append(row)
                b_ub.append(constant)
    bounds = {}
    for key, i in index.items():
        objective = np.zeros(len(unknowns))
        objective[i] = 1.0
        problem = {
            "A_eq": np.array(a_eq) if a_eq else None,
            "b_eq": np.array(b_eq) if b_eq else None,
            "A_ub": np.array(a_ub) if a_ub else None,
            "b_ub": np.array(b_ub) if b_ub else None,
            "bounds": [(1, None)] * len(unknowns),
            "method": "highs",
        }
        low = linprog(objective, **problem)
        high = linprog(-objective, **problem)
        assert low.status == 0, f"the published figures are inconsistent around {key}"
        bounds[key] = (low.fun, np.inf if high.status == 3 else -high.fun)
    return bounds


def test_a_differencing_attack_on_every_table_and_period_recovers_no_suppressed_count() -> None:
    # Given a year of records with many small and some large counts, published as the year and its quarters
    documents = _documents()
    assert all(d["status"] == "published" for d in documents.values())

    # When an attacker solves the rows, the columns, the totals and the year against its quarters at once
    # (every relation together: any subset of them, one table or one period, leaves intervals at least as wide)
    bounds = _attack(documents, across_periods=True)

    # Then suppression happened, and no suppressed count is pinned more tightly than "from 1 to 10"
    assert len(bounds) > 100
    narrow = {k: b for k, b in bounds.items() if b[1] - b[0] < PROTECTION - 1e-6}
    assert narrow == {}


def test_the_attacker_recovers_a_cell_that_primary_suppression_alone_would_leave_exposed() -> None:
    # Given a table where only the small count is hidden (what primary suppression alone would publish)
    def cell(value: int | None) -> dict[str, Any]:
        return {"value": value, "status": "suppressed" if value is None else "published"}

    table = {
        "table_id": "district_summary",
        "columns": [{"column_id": "use_of_force", "kind": "count"}],
        "rows": [
            {"label": "District 1", "cells": {"use_of_force": cell(None)}},
            {"label": "District 2", "cells": {"use_of_force": cell(50)}},
            {"label": "All districts", "cells": {"use_of_force": cell(53)}},
        ],
    }

    # When the attacker solves it, then the hidden count is pinned: the attack in the test above can succeed
    bounds = _attack({"2025": {"status": "published", "tables": [table]}}, across_periods=False)
    assert bounds == {("2025", "district_summary", "District 1", "use_of_force"): (3.0, 3.0)}


def test_every_count_from_1_to_10_is_suppressed_and_rates_and_medians_from_them_too() -> None:
    documents = _documents()
    seen_suppressed_rate = False
    for document in documents.values():
        for table in document["tables"]:
            for row in table["rows"]:
                cells = row["cells"]
                for cell in cells.values():
                    if cell["status"] == "published" and isinstance(cell["value"], int):
                        assert not 1 <= cell["value"] <= 10
                if table["table_id"] == "district_summary":
                    arrests = cells["arrests"]["status"]
                    if arrests != "unknown" and "suppressed" in (cells["use_of_force"]["status"], arrests):
                        assert cells["force_per_1000_arrests"]["status"] == "suppressed"
                        seen_suppressed_rate = True
                    if cells["complaints_closed"]["status"] == "suppressed":
                        assert cells["median_days_to_close"]["status"] == "suppressed"
                    if row["label"] == "Harbor":  # no arrests sent: unknown, never zero or infinite
                        assert cells["arrests"]["status"] == "unknown"
                        assert cells["force_per_1000_arrests"] == {"value": None, "status": "unknown"}
    assert seen_suppressed_rate


def test_no_officer_id_or_name_from_the_roster_appears_in_any_output() -> None:
    # Given an agency whose roster has distinctive ids and names
    inputs, reports = _planted()
    store = InMemoryArtifactStore()

    # When every period of the year is published
    for report in reports.values():
        publish(report, store)

    # Then no file names an officer
    published = "\n".join(store.get_bytes(key).decode() for key in store.keys("public/"))
    assert len(list(store.keys("public/"))) == 5 * 4
    identifiers = {o.officer_id for o in inputs.roster} | {o.first_name for o in inputs.roster}
    identifiers |= {o.last_name for o in inputs.roster} | {c.case_id for c in inputs.cases}
    identifiers |= {a.alert_id for a in inputs.alerts}
    found = [i for i in identifiers if re.search(rf"\b{re.escape(i)}\b", published)]
    assert found == []
    assert "QX7" not in published and "Quackenbush" not in published


def test_a_period_with_no_data_says_so_instead_of_publishing_zeros() -> None:
    # Given records only in the first three quarters
    planted = _agency(quarters=(1, 2, 3))
    inputs = PublicInputs(planted.roster, planted.uses_of_force, activity=planted.activity)

    # When the fourth quarter and a year without any record are reported
    for period in (Period.parse(f"{YEAR}-Q4"), Period.parse("2031")):
        report = public_report(inputs, period, agency_id="testville", generated_on=GENERATED)

        # Then each says there is no data and publishes no figure, in every format
        assert report.status == "no_data" and report.tables == ()
        assert f"No data for {period.label}" in to_html(report)
        assert to_csv(report).splitlines() == ["period,table,row,column,value,status", f"{period.label},,,,,no_data"]
        document = to_json(report)
        assert document["status"] == "no_data" and document["tables"] == []
        assert "0" not in json.dumps(document["tables"])

    # And the quarters with data are published
    assert public_report(inputs, Period.parse(f"{YEAR}-Q3"), agency_id="t", generated_on=GENERATED).has_data


def test_publishing_writes_html_csv_json_and_the_dictionary_under_public() -> None:
    store = InMemoryArtifactStore()
    report = _planted()[1][f"{YEAR}-Q2"]

    keys = publish(report, store)

    assert sorted(keys) == [
        f"public/{YEAR}-Q2/{name}" for name in ("dictionary.csv", "report.csv", "report.html", "report.json")
    ]
    assert store.get_bytes(f"public/{YEAR}-Q2/dictionary.csv").decode() == dictionary_csv()
    assert "Uses of force per 1,000 arrests" in store.get_bytes(f"public/{YEAR}-Q2/report.html").decode()
    rows = store.get_bytes(f"public/{YEAR}-Q2/report.csv").decode().splitlines()
    assert rows[0] == "period,table,row,column,value,status" and len(rows) > 50


def test_periods_parse_years_and_quarters_and_refuse_anything_else() -> None:
    assert Period.parse("2025-Q3") == Period("2025-Q3", date(2025, 7, 1), date(2025, 9, 30))
    assert Period.parse("2024") == Period("2024", date(2024, 1, 1), date(2024, 12, 31))
    assert Period.parse("2024-Q4").end == date(2024, 12, 31)
    with pytest.raises(ValueError, match="not a year"):
        Period.parse("2025-Q5")


# --- the algorithm on small tables ---------------------------------------------------------------------


def test_a_lone_small_cell_in_a_row_takes_the_next_smallest_cell_with_it() -> None:
    cells = {"a": 3, "b": 50, "c": 60, "total": 113}
    result = suppress(cells, [Relation("total", ("a", "b", "c"))])
    assert result.primary == {"a"} and result.complementary == {"b"}


def test_two_small_cells_whose_sum_is_small_hide_a_third() -> None:
    # 2 + 3 = 5 would be recovered from the total as a small count: the next smallest cell goes too
    cells = {"a": 2, "b": 3, "c": 40, "d": 100, "total": 145}
    result = suppress(cells, [Relation("total", ("a", "b", "c", "d"))])
    assert result.suppressed == {"a", "b", "c"}


def test_suppression_is_deterministic() -> None:
    cells = {"a": 2, "b": 3, "c": 40, "d": 40, "total": 85}
    results = {suppress(cells, [Relation("total", ("a", "b", "c", "d"))]).suppressed for _ in range(3)}
    assert results == {frozenset({"a", "b", "c"})}  # ties broken by cell order, never by hashing


def test_a_rerun_after_late_records_cannot_be_combined_with_the_earlier_report() -> None:
    # Given a row published with the 3 and the 50 hidden (60 and the total 113 shown)
    first = {"a": 3, "b": 50, "c": 60, "total": 113}
    relation = [Relation("total", ("a", "b", "c"))]
    assert suppress(first, relation).suppressed == {"a", "b"}
    shown = {k: v for k, v in first.items() if k not in {"a", "b"}}

    # When late records raise b to 70: alone, the re-run would hide c (60) and show b and the total,
    # and with the earlier c = 60 an observer of both would get a = 133 - 70 - 60 = 3
    later = {"a": 3, "b": 70, "c": 60, "total": 133}
    assert suppress(later, relation).suppressed == {"a", "c"}

    # Then, told what was shown before, it keeps c public and hides b instead: a stays between 1 and 72
    rerun = suppress(later, relation, known=shown)
    assert rerun.suppressed == {"a", "b"}


def test_a_kind_of_record_that_stops_before_a_period_is_unknown_there_not_zero() -> None:
    # Given uses of force sent only until June, complaints all year
    roster = [builders.officer(f"QX{n}", district="North") for n in range(3)]
    forces = [builders.use_of_force(o.officer_id, date(YEAR, 1 + n % 6, 2)) for n in range(40) for o in roster[:1]]
    complaints = [builders.complaint(o.officer_id, date(YEAR, 1 + n % 12, 4)) for n in range(24) for o in roster]
    inputs = PublicInputs(roster, forces, complaints)

    # When the third quarter and the year are reported
    reports = public_reports(inputs, YEAR, agency_id="t", generated_on=GENERATED)
    third, year = reports[f"{YEAR}-Q3"], reports[str(YEAR)]

    # Then the quarter shows uses of force (and their rate) as unknown with a note; the year says it is partial
    total = third.tables[0].rows[-1].cells
    assert total["use_of_force"].status == "unknown" and total["force_per_1000_arrests"].status == "unknown"
    assert total["complaints_received"].value == 18
    assert any("No use-of-force records reach this period" in note for note in third.notes)
    assert year.tables[0].rows[-1].cells["use_of_force"].value == 40
    assert any(f"use-of-force records end on {YEAR}-06-02" in note for note in year.notes)
