"""The synthetic agency behind ``eis generate``: valid extracts, a real department, a hidden signal."""

from __future__ import annotations

import csv
import json
import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from eis_core.models.records import (
    RECORD_MODELS,
    Activity,
    Complaint,
    Discipline,
    EventRecord,
    Finding,
    Leave,
    LeaveType,
    Officer,
    OfficerStatus,
    RecordKind,
    UseOfForce,
    VehicleIncident,
)
from eis_tools.generate import TRUTH_FILE, GeneratedAgency, GeneratorConfig, generate_agency, write_extracts
from eis_tools.generate import tables as vocab

CONFIG = GeneratorConfig()  # the default: 300 officers, 2019-2025, seed 7


@dataclass(frozen=True)
class Written:
    agency: GeneratedAgency
    paths: dict[RecordKind, Path]
    folder: Path


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Written:
    agency = generate_agency(CONFIG)
    folder = tmp_path_factory.mktemp("extracts")
    return Written(agency, write_extracts(agency, folder), folder)


@pytest.fixture(scope="module")
def agency(written: Written) -> GeneratedAgency:
    return written.agency


def _rows(path: Path) -> tuple[list[str], list[dict[str, Any]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [{k: (v if v != "" else None) for k, v in row.items()} for row in reader]
        return list(reader.fieldnames or []), rows


def _events(agency: GeneratedAgency, kind: RecordKind) -> list[EventRecord]:
    return [r for r in agency.records[kind] if isinstance(r, EventRecord)]


def _hired(officer: Officer) -> date:
    """The generator always writes a hire date (a real agency's roster may not)."""
    assert officer.hire_date is not None
    return officer.hire_date


def _years_on_roster(officer: Officer, start: date, end: date) -> float:
    first = max(_hired(officer), start)
    last = min(officer.separation_date or end, end)
    return max(0, (last - first).days) / 365.25


# ---- the extracts ----------------------------------------------------------------------------------


def test_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path: Path) -> None:
    small = GeneratorConfig(agency_id="tiny", officers=100, start=date(2023, 1, 1), end=date(2024, 12, 31), seed=3)

    first = write_extracts(generate_agency(small), tmp_path / "a")
    second = write_extracts(generate_agency(small), tmp_path / "b")
    other = write_extracts(generate_agency(small.model_copy(update={"seed": 4})), tmp_path / "c")

    for kind in RecordKind:
        assert first[kind].read_bytes() == second[kind].read_bytes(), kind
    assert (tmp_path / "a" / TRUTH_FILE).read_bytes() == (tmp_path / "b" / TRUTH_FILE).read_bytes()
    assert first[RecordKind.USE_OF_FORCE].read_bytes() != other[RecordKind.USE_OF_FORCE].read_bytes()


def test_every_kind_is_written_and_every_row_validates_against_its_model(written: Written) -> None:
    assert set(written.paths) == set(RecordKind)
    for kind, path in written.paths.items():
        assert path.name == f"{kind.value}.csv"
        model = RECORD_MODELS[kind]
        header, rows = _rows(path)

        # Only the model's columns, in declaration order: no civilian or offender field can ride along.
        assert header == list(model.model_fields), kind
        assert len(rows) == len(written.agency.records[kind]), kind
        assert rows, f"{kind} extract is empty"
        for row in rows:
            model.model_validate(row)


def test_written_cells_use_iso_dates_lowercase_booleans_and_empty_for_none(written: Written) -> None:
    text = written.paths[RecordKind.USE_OF_FORCE].read_text(encoding="utf-8")
    first_row = text.splitlines()[1].split(",")

    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", first_row[2])
    assert first_row[-1] in {"true", "false"}
    _, roster = _rows(written.paths[RecordKind.ROSTER])
    assert any(row["separation_date"] is None for row in roster)


def test_the_answer_key_is_written_beside_the_extracts_and_names_real_officers(written: Written) -> None:
    truth = json.loads((written.folder / TRUTH_FILE).read_text(encoding="utf-8"))
    roster_ids = {o.officer_id for o in written.agency.officers}

    assert truth["agency_id"] == "demo"
    assert len(truth["at_risk"]) == round(CONFIG.at_risk_share * CONFIG.officers)
    assert {o["officer_id"] for o in truth["at_risk"]} <= roster_ids
    assert all(o["rise_start"] < o["peak_on"] <= "2026-12-31" for o in truth["at_risk"])
    known_ids = {r.source_record_id for records in written.agency.records.values() for r in records}
    in_extract = [e for e in truth["adverse_events"] if e["in_extract"]]
    assert in_extract and all(e["source_record_id"] in known_ids for e in in_extract)
    # The key also knows what happens after the extract ends: the future an EIS tries to foresee.
    assert any(e["occurred_on"] > "2025-12-31" for e in truth["adverse_events"])


def test_source_record_ids_are_unique_per_kind_and_officer_ids_look_like_o00042(agency: GeneratedAgency) -> None:
    for kind, records in agency.records.items():
        ids = [r.source_record_id for r in records]
        assert len(ids) == len(set(ids)), kind
    assert all(re.fullmatch(r"O\d{5}", o.officer_id) for o in agency.officers)
    roster_ids = {o.officer_id for o in agency.officers}
    for kind in RecordKind:
        if kind is not RecordKind.ROSTER:
            assert {r.officer_id for r in _events(agency, kind)} <= roster_ids, kind


def test_nothing_is_known_before_it_happened_or_after_the_extract_date(agency: GeneratedAgency) -> None:
    end, start = CONFIG.end, CONFIG.start
    for kind in RecordKind:
        if kind is RecordKind.ROSTER:
            continue
        for record in _events(agency, kind):
            assert start <= record.occurred_on <= record.known_on <= end, record
    complaints = [r for r in _events(agency, RecordKind.COMPLAINT) if isinstance(r, Complaint)]
    decided = [(c, c.finding_decided_on) for c in complaints if c.finding_decided_on is not None]
    assert all(c.known_on <= decided_on <= end for c, decided_on in decided)
    # Findings take months, so the most recent complaints are still pending on the extract date.
    recent = [c for c in complaints if (end - c.occurred_on).days < 60 and not c.internal]
    assert recent and sum(c.finding is Finding.PENDING for c in recent) > 0.8 * len(recent)
    months = [(decided_on - c.occurred_on).days / 30.4 for c, decided_on in decided]
    assert 2 < statistics.median(months) < 12
    assert all(_hired(o) <= end and (o.separation_date or end) <= end for o in agency.officers)


def test_free_text_fields_only_hold_the_generator_vocabulary(agency: GeneratedAgency) -> None:
    """No generated cell can carry a civilian's name or details."""
    courses = {c for c, _ in vocab.ELECTIVE_COURSES} | {
        vocab.SUPERVISOR_COURSE[0],
        vocab.ANNUAL_IN_SERVICE,
        vocab.FIREARMS_QUALIFICATION,
        vocab.BASIC_ACADEMY,
        vocab.REMEDIAL_DEESCALATION,
        vocab.REMEDIAL_DRIVING,
    }
    injuries = {*vocab.INJURY_TYPES, vocab.INJURY_DURING_FORCE, vocab.INJURY_IN_COLLISION, vocab.INJURY_IN_TRAINING}
    allowed = {
        RecordKind.TRAINING: ("course", courses),
        RecordKind.INJURY: ("injury_type", injuries),
        RecordKind.COMMENDATION: ("award_type", {a for a, _ in vocab.AWARDS}),
        RecordKind.LAWSUIT: (
            "claim_type",
            {*vocab.LITIGABLE.values(), vocab.CLAIM_FORCE, vocab.CLAIM_VEHICLE, vocab.CLAIM_PROSECUTION},
        ),
    }
    for kind, (column, vocabulary) in allowed.items():
        assert {getattr(r, column) for r in agency.records[kind]} <= vocabulary, kind


# ---- the department --------------------------------------------------------------------------------


def test_chain_of_command_is_one_tree_rooted_at_the_chief(agency: GeneratedAgency) -> None:
    by_id = {o.officer_id: o for o in agency.officers}
    level = {rank: i for i, rank in enumerate(vocab.RANKS)}

    roots = [o for o in agency.officers if o.supervisor_id is None]
    assert [o.rank for o in roots] == [vocab.CHIEF]
    for officer in agency.officers:
        if officer.supervisor_id is None:
            continue
        boss = by_id[officer.supervisor_id]
        assert boss.email and boss.status is not OfficerStatus.SEPARATED, boss
        assert level[boss.rank] > level[officer.rank], (officer.rank, boss.rank)
        seen = {officer.officer_id}
        while boss.supervisor_id is not None:
            assert boss.officer_id not in seen, "cycle in the chain of command"
            seen.add(boss.officer_id)
            boss = by_id[boss.supervisor_id]
        assert boss.officer_id == roots[0].officer_id
        if officer.rank == vocab.POLICE_OFFICER:
            sergeant = by_id[officer.supervisor_id]
            assert sergeant.rank == vocab.SERGEANT
            assert (sergeant.unit, sergeant.district) == (officer.unit, officer.district)


def test_ranks_form_a_pyramid_across_units_districts_and_shifts(agency: GeneratedAgency) -> None:
    current = [o for o in agency.officers if o.status is not OfficerStatus.SEPARATED]
    ranks = Counter(o.rank for o in current)
    counts = [ranks[rank] for rank in vocab.RANKS]

    assert counts == sorted(counts, reverse=True) and ranks[vocab.CHIEF] == 1
    assert 0.75 < ranks[vocab.POLICE_OFFICER] / len(current) < 0.9
    assert abs(len(current) - CONFIG.officers) <= 10  # strength, less posts vacant between hires
    assert {vocab.PATROL, vocab.DESK, vocab.TRAFFIC, vocab.GANG, vocab.DETECTIVES} <= {o.unit for o in current}
    assert {o.shift for o in current} == {vocab.DAY, vocab.EVENING, vocab.NIGHT}
    assert len({o.district for o in current if o.district}) >= 3
    assert all(o.email and o.email.endswith("@demo.example.gov") for o in current)


def test_people_were_hired_over_decades_some_left_and_demographics_are_mixed(agency: GeneratedAgency) -> None:
    hired = sorted(_hired(o) for o in agency.officers)
    separated = [o for o in agency.officers if o.status is OfficerStatus.SEPARATED]

    assert (hired[-1] - hired[0]).days > 25 * 365
    assert any(h >= CONFIG.start for h in hired), "recruits replace those who leave"
    assert 0.1 < len(separated) / len(agency.officers) < 0.4
    assert all(o.separation_date and o.email is None for o in separated)
    assert {"M", "F"} == {o.sex for o in agency.officers}
    assert len({o.race for o in agency.officers}) >= 4
    assert all(o.birth_year and 18 <= _hired(o).year - o.birth_year <= 50 for o in agency.officers)


def test_discipline_follows_sustained_complaints(agency: GeneratedAgency) -> None:
    complaints = [r for r in agency.records[RecordKind.COMPLAINT] if isinstance(r, Complaint)]
    sustained = {c.complaint_id: c for c in complaints if c.finding is Finding.SUSTAINED}
    discipline = [r for r in agency.records[RecordKind.DISCIPLINE] if isinstance(r, Discipline)]
    linked = [d for d in discipline if d.related_complaint_id]

    assert linked
    for action in linked:
        complaint = sustained[action.related_complaint_id or ""]
        assert complaint.officer_id == action.officer_id
        assert complaint.finding_decided_on and complaint.finding_decided_on < action.occurred_on


def test_night_patrol_in_the_busiest_district_uses_force_far_more_than_the_day_desk(
    agency: GeneratedAgency,
) -> None:
    busiest = max(agency.truth.district_busyness, key=lambda d: agency.truth.district_busyness[d])
    force = Counter(r.officer_id for r in agency.records[RecordKind.USE_OF_FORCE])

    def rate(unit: str, shift: str, district: str | None) -> float:
        group = [
            o
            for o in agency.officers
            if o.rank == vocab.POLICE_OFFICER
            and (o.unit, o.shift) == (unit, shift)
            and (district is None or o.district == district)
        ]
        years = sum(_years_on_roster(o, CONFIG.start, CONFIG.end) for o in group)
        assert years > 20, f"too few {unit} {shift} officer-years to compare"
        return sum(force[o.officer_id] for o in group) / years

    night_patrol = rate(vocab.PATROL, vocab.NIGHT, busiest)
    day_desk = rate(vocab.DESK, vocab.DAY, None)

    assert night_patrol > 1.0  # incidents per officer-year
    assert night_patrol > 10 * day_desk


def test_activity_and_leave_reflect_the_assignment(agency: GeneratedAgency) -> None:
    officers = {o.officer_id: o for o in agency.officers}
    calls: dict[str, list[int]] = defaultdict(list)
    for record in agency.records[RecordKind.ACTIVITY]:
        assert isinstance(record, Activity)
        calls[officers[record.officer_id].unit].append(record.calls_for_service)
    leave = [r for r in agency.records[RecordKind.LEAVE] if isinstance(r, Leave)]

    assert statistics.mean(calls[vocab.PATROL]) > 5 * statistics.mean(calls[vocab.DETECTIVES] or [0])
    assert statistics.mean(calls[vocab.ADMINISTRATION]) == 0
    assert {LeaveType.SICK, LeaveType.OVERTIME, LeaveType.VACATION} <= {r.leave_type for r in leave}
    vehicle = [r for r in agency.records[RecordKind.VEHICLE_INCIDENT] if isinstance(r, VehicleIncident)]
    assert {v.preventable for v in vehicle} == {True, False, None}


# ---- the hidden signal -----------------------------------------------------------------------------


def _trouble(agency: GeneratedAgency, since: date) -> Counter[str]:
    """Force, complaints (counted once per complaint) and vehicle incidents occurring on or after ``since``."""
    counts: Counter[str] = Counter()
    for record in agency.records[RecordKind.USE_OF_FORCE] + agency.records[RecordKind.VEHICLE_INCIDENT]:
        if isinstance(record, EventRecord) and record.occurred_on >= since:
            counts[record.officer_id] += 1
    cases = {
        (r.officer_id, r.complaint_id)
        for r in agency.records[RecordKind.COMPLAINT]
        if isinstance(r, Complaint) and r.occurred_on >= since
    }
    counts.update(officer_id for officer_id, _ in cases)
    return counts


def test_at_risk_officers_have_markedly_more_trouble_in_their_rise_window_than_peers(
    agency: GeneratedAgency,
) -> None:
    at_risk = agency.truth.at_risk_ids
    officers = {o.officer_id: o for o in agency.officers}
    ratios = []
    for episode in agency.truth.at_risk:
        me = officers[episode.officer_id]
        trouble = _trouble(agency, episode.rise_start)
        peers = [
            o
            for o in agency.officers
            if (o.unit, o.shift, o.district, o.rank) == (me.unit, me.shift, me.district, me.rank)
            and o.officer_id not in at_risk
            and _hired(o) < episode.rise_start
            and o.separation_date is None
        ]
        peer_mean = statistics.mean(trouble[o.officer_id] for o in peers)
        ratios.append(trouble[me.officer_id] / max(peer_mean, 0.5))

    assert len(ratios) == 9
    assert statistics.median(ratios) >= 2
    assert sum(r > 1.5 for r in ratios) >= 6


def test_a_simple_peer_count_flag_in_the_last_year_finds_the_at_risk_officers(agency: GeneratedAgency) -> None:
    """Given last year's force, complaints and vehicle incidents per officer,
    when officers at twice their peer group's mean (same unit, shift and district) are flagged,
    then most at-risk officers are flagged and few others are."""
    last_year = date(CONFIG.end.year, 1, 1)
    counts = _trouble(agency, last_year)
    groups: dict[tuple[str, str | None, str | None], list[Officer]] = defaultdict(list)
    for officer in agency.officers:
        if (
            officer.rank == vocab.POLICE_OFFICER
            and officer.status is not OfficerStatus.SEPARATED
            and _hired(officer) < last_year
        ):
            groups[(officer.unit, officer.shift, officer.district)].append(officer)

    flagged: set[str] = set()
    for members in groups.values():
        threshold = max(3.0, 2 * statistics.mean(counts[o.officer_id] for o in members))
        flagged |= {o.officer_id for o in members if counts[o.officer_id] >= threshold}
    at_risk = agency.truth.at_risk_ids
    everyone = {o.officer_id for members in groups.values() for o in members}

    at_risk_rate = len(flagged & at_risk) / len(at_risk)
    baseline_rate = len(flagged - at_risk) / len(everyone - at_risk)
    assert at_risk <= everyone
    assert at_risk_rate >= 0.6
    assert at_risk_rate > 8 * baseline_rate


def test_baseline_officers_also_have_adverse_events_so_the_problem_is_not_trivial(agency: GeneratedAgency) -> None:
    at_risk = agency.truth.at_risk_ids
    with_adverse = {e.officer_id for e in agency.truth.adverse_events}
    baseline = [o for o in agency.officers if o.officer_id not in at_risk]

    assert len(with_adverse - at_risk) > 0.1 * len(baseline)
    assert sum(bool(o.adverse_events) for o in agency.truth.at_risk) >= 6
    labels = {e.label for e in agency.truth.adverse_events}
    assert labels == {"complaint_sustained", "force_subject_injured", "lawsuit_filed"}
    injurious = [r for r in agency.records[RecordKind.USE_OF_FORCE] if isinstance(r, UseOfForce) and r.subject_injured]
    assert injurious


@pytest.mark.parametrize(
    "bad",
    [
        {"agency_id": "Not An Id"},
        {"officers": 5},
        {"start": date(2025, 1, 1), "end": date(2025, 3, 1)},
        {"at_risk_share": 1.5},
    ],
)
def test_a_bad_configuration_is_refused_with_a_clear_error(bad: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        GeneratorConfig(**bad)


def test_the_email_domain_follows_the_agency_unless_given() -> None:
    assert GeneratorConfig(agency_id="springfield").email_domain == "springfield.example.gov"
    assert GeneratorConfig(email_domain="pd.example.org").email_domain == "pd.example.org"
