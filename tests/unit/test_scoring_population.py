"""The daily run scores and alerts on the spec's population only, the one the model was trained and backtested on."""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import partial

from eis_core.indicators.history import PopulationRule
from eis_core.models.records import Record
from eis_core.scoring.service import report_key
from eis_core.scoring.spec import ModelSpec
from eis_core.scoring.store import SPEC_KEY
from eis_core.scoring.wiring import build_scoring_jobs
from eis_core.wiring import Adapters, memory_adapters
from tests.builders import AS_OF, officer, use_of_force

NOW = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
force = partial(use_of_force, force_type="takedown")


def station() -> list[Record]:
    """Twelve night-shift officers (HOT: four uses of force this quarter) and a civilian clerk (CLERK) on the
    same roster with ten, far beyond any threshold."""
    records: list[Record] = [*(officer(f"P{i:02d}") for i in range(11)), officer("HOT")]
    records += [force(f"P{i:02d}", 30 + i) for i in range(0, 11, 3)]
    records += [force("HOT", d) for d in (5, 20, 41, 70)]
    records += [officer("CLERK", rank="Civilian")]
    records += [force("CLERK", d) for d in range(3, 80, 8)]
    return records


def agency(spec: ModelSpec | None) -> Adapters:
    adapters = memory_adapters("testville")
    adapters.records.put_records(station(), upload_id="test-upload")
    if spec is not None:
        adapters.artifacts.put_json(SPEC_KEY, spec.model_dump(mode="json"))
    return adapters


def run(adapters: Adapters) -> dict[str, object]:
    build_scoring_jobs(adapters, agency_id="testville", clock=lambda: NOW).scoring.run(AS_OF)
    report: dict[str, object] = adapters.artifacts.get_json(report_key(AS_OF))
    return report


def alerted(adapters: Adapters) -> set[str]:
    return {alert.officer_id for alert in adapters.alerts.list_alerts()}


SWORN_ONLY = ModelSpec(population=PopulationRule(exclude_ranks=("Civilian",)))


def test_an_officer_outside_the_population_is_scored_for_the_record_but_never_alerted() -> None:
    # Given a spec whose population leaves out civilian staff, and a civilian with ten uses of force
    adapters = agency(SWORN_ONLY)

    # When the daily run scores the agency
    report = run(adapters)

    # Then the civilian is not alerted (HOT, in the population, is); their score is stored, marked outside
    assert alerted(adapters) == {"HOT"}
    scores = {score.officer_id: score for score in adapters.scores.scores_for(AS_OF)}
    assert scores["CLERK"].in_population is False and scores["CLERK"].level is None
    assert scores["CLERK"].rules  # the critical rule fired on the record, and still no alert
    assert scores["HOT"].in_population is True and scores["HOT"].level is not None
    # And the run report says how many were in and out of the population
    counts = report["counts"]
    assert isinstance(counts, dict)
    assert (counts["officers_in_population"], counts["officers_outside_population"], counts["officers_scored"]) == (
        12,
        1,
        13,
    )
    population = report["population"]
    assert isinstance(population, dict)
    assert population["rule"]["exclude_ranks"] == ["Civilian"]


def test_a_spec_can_leave_officers_outside_the_population_unscored() -> None:
    # Given the same population, and a spec that does not score officers outside it
    adapters = agency(SWORN_ONLY.model_copy(update={"outside_population": "not_scored"}))

    report = run(adapters)

    # Then the civilian has no score at all, and still no alert
    assert "CLERK" not in {score.officer_id for score in adapters.scores.scores_for(AS_OF)}
    assert alerted(adapters) == {"HOT"}
    counts = report["counts"]
    assert isinstance(counts, dict)
    assert (counts["officers_outside_population"], counts["officers_scored"]) == (1, 12)


def test_without_a_population_rule_every_officer_on_the_roster_can_be_alerted() -> None:
    # Given no agency spec: the default population is everyone on the roster
    adapters = agency(None)

    run(adapters)

    # Then the civilian's ten uses of force raise an alert like anyone's
    assert "CLERK" in alerted(adapters)


def test_the_population_rule_is_part_of_the_scoring_config_id() -> None:
    default, sworn = agency(None), agency(SWORN_ONLY)
    run(default)
    run(sworn)

    [one] = {score.scoring_config_id for score in default.scores.scores_for(AS_OF)}
    [other] = {score.scoring_config_id for score in sworn.scores.scores_for(AS_OF)}
    assert one != other


def test_a_trained_model_scores_and_alerts_the_population_it_was_trained_on() -> None:
    from tests.builders import learnable_agency

    # Given a model trained on sworn officers only, on an agency whose roster also lists ten civilians
    # with far more force than anyone
    records = learnable_agency()
    records += [officer(f"CIV{n}", rank="Civilian", hire_date=date(2012, 1, 1)) for n in range(10)]
    records += [force(f"CIV{n}", d) for n in range(10) for d in range(3, 80, 8)]
    adapters = memory_adapters("testville")
    adapters.records.put_records(records, upload_id="u1")
    trained_on = {"population": {"exclude_ranks": ["Civilian"]}, "parameters": {"min_samples_leaf": 20, "max_iter": 30}}
    adapters.artifacts.put_json(SPEC_KEY, trained_on)
    jobs = build_scoring_jobs(adapters, agency_id="testville", clock=lambda: NOW)
    model_id = jobs.retraining.run(AS_OF).model_id
    # ... and the stored spec edited since (no population rule), not yet retrained
    adapters.artifacts.put_json(SPEC_KEY, {"parameters": {"min_samples_leaf": 20, "max_iter": 30}})

    # When the daily run scores with that model
    report = run(adapters)

    # Then the population is the model's: 200 sworn officers ranked and alerted, no civilian alerted
    population = report["population"]
    assert isinstance(population, dict)
    assert model_id in population["rule_source"]
    assert (population["in_population"], population["outside_population"]) == (200, 10)
    assert not {officer_id for officer_id in alerted(adapters) if officer_id.startswith("CIV")}
    assert len(alerted(adapters)) >= 10  # ceil(5% of 200) by rank


def test_a_population_of_officers_with_a_recent_complaint_leaves_out_those_without_one() -> None:
    # Given a spec whose population is "officers with a complaint in the last five years", and one officer
    # (P01) with a complaint three years ago; the others have only uses of force
    from eis_core.indicators.history import RecentEvents
    from tests.builders import complaint

    spec = ModelSpec(population=PopulationRule(recent_events=RecentEvents(kinds=("complaint",), within_days=1826)))
    adapters = agency(spec)
    adapters.records.put_records([complaint("P01", 3 * 365)], upload_id="complaints")

    # When the daily run scores the agency
    report = run(adapters)

    # Then only P01 is in the population, and HOT (four uses of force, no complaint) is not alerted
    counts = report["counts"]
    assert isinstance(counts, dict)
    assert counts["officers_in_population"] == 1
    assert "HOT" not in alerted(adapters)
    scores = {score.officer_id: score for score in adapters.scores.scores_for(AS_OF)}
    assert scores["P01"].in_population is True and scores["HOT"].in_population is False
