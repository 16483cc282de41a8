"""The agency's model: leakage-free features, deterministic training, the card, storage and the backtest."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, timedelta
from functools import partial

import numpy as np
import pandas as pd
import pytest

from eis_core.indicators.history import (
    FEATURES,
    AdverseDefinition,
    HistoryFrame,
    adverse_outcomes,
    history_features,
    population,
)
from eis_core.models.records import AllegationCategory, Complaint, Finding, Officer, Record
from eis_core.scoring.backtest import backtest_year, render_report
from eis_core.scoring.panel import training_dates
from eis_core.scoring.spec import BacktestRule, ModelSpec
from eis_core.scoring.store import ModelRepository
from eis_core.scoring.trainer import train_model
from eis_core.storage.memory import InMemoryArtifactStore
from tests.builders import complaint, generated_agency, officer, use_of_force

AS_OF = date(2023, 1, 1)


@pytest.fixture(scope="module")
def agency_records() -> list[Record]:
    return list(generated_agency(date(2018, 1, 1), date(2023, 12, 31)))


@pytest.fixture(scope="module")
def frame(agency_records: list[Record]) -> HistoryFrame:
    return HistoryFrame.from_records(agency_records)


@pytest.fixture(scope="module")
def trained(frame: HistoryFrame) -> object:
    return train_model(frame, ModelSpec(parameters={"min_samples_leaf": 20, "max_iter": 30}), AS_OF)


# This suite's officers are in unit D1 since 2010; its force is physical.
_officer = partial(officer, unit="D1", shift=None, hire_date=date(2010, 1, 1))
_force = partial(use_of_force, force_type="physical")


def test_a_record_known_after_the_as_of_date_cannot_change_features_or_scores(
    frame: HistoryFrame, agency_records: list[Record], trained: object
) -> None:
    # Given the agency's records, and the same records cut to what was known before AS_OF
    # (later records dropped, findings decided on or after AS_OF reset to pending)
    def known_then(record: Record) -> Record | None:
        if isinstance(record, Officer):
            return record
        if record.known_on >= AS_OF:
            return None
        if isinstance(record, Complaint) and record.finding_decided_on and record.finding_decided_on >= AS_OF:
            return record.model_copy(update={"finding": Finding.PENDING, "finding_decided_on": None})
        return record

    cut = [r for r in (known_then(record) for record in agency_records) if r is not None]
    assert len(cut) < len(agency_records)
    officers = population(frame, AS_OF)
    # When features and scores are computed as of AS_OF from both
    full = history_features(frame, AS_OF, officers)
    truncated = history_features(HistoryFrame.from_records(cut), AS_OF, officers)
    # Then nothing differs
    pd.testing.assert_frame_equal(full, truncated)
    np.testing.assert_array_equal(trained.predict(full), trained.predict(truncated))  # type: ignore[attr-defined]


def test_a_sustained_finding_counts_only_from_its_decision_date() -> None:
    records: list[Record] = [
        _officer("X1"),
        complaint("X1", date(2022, 3, 1), finding=Finding.SUSTAINED, decided=date(2022, 12, 20)),
    ]
    frame = HistoryFrame.from_records(records)
    before = history_features(frame, date(2022, 12, 20), ["X1"]).iloc[0]
    after = history_features(frame, date(2022, 12, 21), ["X1"]).iloc[0]
    assert (before["sustained_career"], before["pending_complaints"]) == (0, 1)
    assert (after["sustained_career"], after["pending_complaints"]) == (1, 0)


def test_windows_recency_and_allegations_of_one_complaint_counting_once() -> None:
    as_of = date(2023, 1, 1)
    records: list[Record] = [
        _officer("X1"),
        complaint("X1", as_of - timedelta(days=10), complaint_id="C1"),
        complaint("X1", as_of - timedelta(days=10), complaint_id="C1", category=AllegationCategory.EXCESSIVE_FORCE),
        complaint("X1", as_of - timedelta(days=400)),
        _force("X1", as_of - timedelta(days=100), subject_injured=True),
        _force("X1", as_of),  # known on the as-of date itself: not yet visible
    ]
    row = history_features(HistoryFrame.from_records(records), as_of, ["X1"]).iloc[0]
    assert (row["complaints_90d"], row["complaints_1y"], row["complaints_2y"]) == (1, 1, 2)
    assert (row["force_complaints_90d"], row["force_90d"], row["force_180d"], row["force_injury_1y"]) == (1, 0, 1, 1)
    assert (row["days_since_complaint"], row["days_since_force"]) == (10, 100)


def test_protected_attributes_are_never_model_inputs(frame: HistoryFrame, trained: object) -> None:
    assert not {"race", "sex", "birth_year", "age"} & set(FEATURES)
    officers = population(frame, AS_OF)
    other = replace(frame, demographics=frame.demographics.assign(race="Z", sex="Z", birth_year=1900.0))
    np.testing.assert_array_equal(
        trained.predict(history_features(frame, AS_OF, officers)),  # type: ignore[attr-defined]
        trained.predict(history_features(other, AS_OF, officers)),  # type: ignore[attr-defined]
    )


def test_training_is_deterministic_and_labels_end_by_the_cutoff(frame: HistoryFrame, trained: object) -> None:
    spec = ModelSpec(parameters={"min_samples_leaf": 20, "max_iter": 30})
    again = train_model(frame, spec, AS_OF)
    assert again.model_id == trained.model_id  # type: ignore[attr-defined]
    x = history_features(frame, AS_OF, population(frame, AS_OF))
    np.testing.assert_array_equal(again.predict(x), trained.predict(x))  # type: ignore[attr-defined]
    assert all(spec.window_end(d) <= AS_OF for d in training_dates(frame, spec, AS_OF))
    other_seed = train_model(frame, spec.model_copy(update={"seed": 1}), AS_OF)
    assert other_seed.model_id != trained.model_id  # type: ignore[attr-defined]


def test_the_model_card_says_what_was_trained_and_how_it_validated(trained: object) -> None:
    card = trained.card  # type: ignore[attr-defined]
    assert card.model_id.startswith("model-")
    assert card.training_window.cutoff == date(2023, 1, 1)
    assert card.training_window.last_label_window_ends <= date(2023, 1, 1)
    assert 0 < card.base_rate < 1 and card.cohort.officer_years > 0
    validation = card.temporal_validation
    assert validation.as_of == card.training_window.as_of_dates[-1]
    assert {"precision_at_top", "auc", "base_rate", "recall_at_top"} <= set(validation.metrics.model_dump())
    assert {row["attribute"] for row in validation.fairness} >= {"race", "sex"}
    assert {f.name for f in card.features} == set(FEATURES)


def test_a_stored_model_loads_only_when_its_hash_matches_the_card(trained: object) -> None:
    artifacts = InMemoryArtifactStore()
    repository = ModelRepository(artifacts)
    assert repository.load() is None  # no model yet: callers fall back to the foundation scorer
    card = repository.save(trained)  # type: ignore[arg-type]
    assert card.artifact_key is not None
    blob = artifacts.get_bytes(card.artifact_key)
    assert card.artifact_sha256 == hashlib.sha256(blob).hexdigest()
    loaded = repository.load()
    assert loaded is not None and loaded.model.model_id == trained.model_id  # type: ignore[attr-defined]

    artifacts.put_bytes(card.artifact_key, blob + b"tampered")
    with pytest.raises(ValueError, match="does not match"):
        repository.load()


def test_adverse_outcomes_follow_the_configured_definition() -> None:
    as_of = date(2023, 1, 1)
    records: list[Record] = [
        _officer("S1"),
        _officer("F1"),
        _officer("I1"),
        _officer("N1"),
        complaint("S1", date(2023, 5, 1), finding=Finding.SUSTAINED, decided=date(2024, 6, 1)),
        complaint("F1", date(2023, 2, 1), category=AllegationCategory.EXCESSIVE_FORCE),
        _force("I1", date(2023, 3, 1), subject_injured=True),
        _force("N1", date(2023, 3, 1)),
        complaint("N1", date(2024, 2, 1), category=AllegationCategory.EXCESSIVE_FORCE),  # after the window
    ]
    frame = HistoryFrame.from_records(records)
    ids = ["S1", "F1", "I1", "N1"]
    eventual = adverse_outcomes(frame, as_of, 365, ids, AdverseDefinition())
    assert eventual.notna().tolist() == [True, True, True, False]
    assert eventual["F1"] == date(2023, 2, 1).toordinal()
    strict = adverse_outcomes(frame, as_of, 365, ids, AdverseDefinition(findings_known_by=as_of))
    assert strict.notna().tolist() == [False, True, True, False]
    force_only = AdverseDefinition(sustained_complaint=False, complaint_categories=(), force_subject_injured=True)
    assert adverse_outcomes(frame, as_of, 365, ids, force_only).notna().tolist() == [False, False, True, False]


def test_backtest_compares_model_and_rule_and_writes_a_report(frame: HistoryFrame) -> None:
    spec = ModelSpec(parameters={"min_samples_leaf": 20, "max_iter": 30})
    result = backtest_year(frame, spec, 2023, BacktestRule())
    table = result.table
    assert table["training_as_of"][-1] == "2022-01-01"  # its label window ends on the test date
    assert table["officers"] > 100 and 0 < table["base_rate"] < 1
    assert table["rule_tp_at_rule_count"] + table["rule_fp_at_rule_count"] == table["rule_flag_count"]
    assert table["model_tp_at_rule_count"] + table["model_fp_at_rule_count"] == table["rule_flag_count"]
    assert 0.5 < table["model_auc"] <= 1
    report = render_report([result], agency_id="demo", spec=spec, rule=BacktestRule(), notes=["a note"])
    assert "Model precision @ top share" in report and "<polyline" in report and "a note" in report
    assert "False-negative-rate ratio" in report and "Fairness table" in report
    assert "Where the model's FNR ratio is worse" in report


def test_a_test_year_whose_outcomes_run_past_the_data_is_refused(frame: HistoryFrame) -> None:
    last = frame.last_event_day()

    with pytest.raises(ValueError, match=f"after the last record \\({last}\\)"):
        backtest_year(frame, ModelSpec(), last.year + 1, BacktestRule())


def test_candidates_are_chosen_on_the_latest_training_year_and_recorded_in_the_card(frame: HistoryFrame) -> None:
    from eis_core.scoring.spec import Candidate, ModelParameters

    spec = ModelSpec(
        candidates=(
            Candidate(name="tiny", parameters=ModelParameters(max_iter=2, min_samples_leaf=20)),
            Candidate(name="small", parameters=ModelParameters(max_iter=30, min_samples_leaf=20)),
        )
    )
    model = train_model(frame, spec, AS_OF)
    selection = model.card.model_selection
    assert set(selection.candidates) == {"tiny", "small"}
    best = max(selection.candidates, key=lambda name: selection.candidates[name] or 0.0)
    assert selection.chosen == best
    assert (
        model.card.parameters
        == spec.resolved(spec.candidates[[c.name for c in spec.candidates].index(best)]).parameters
    )


def test_averaging_candidates_scores_the_mean_of_their_own_calibrated_models(frame: HistoryFrame) -> None:
    from eis_core.scoring.spec import Candidate, ModelParameters

    # Given two candidate settings and combine="average"
    tiny = Candidate(name="tiny", parameters=ModelParameters(max_iter=2, min_samples_leaf=20))
    small = Candidate(name="small", parameters=ModelParameters(max_iter=30, min_samples_leaf=20))
    spec = ModelSpec(candidates=(tiny, small), combine="average")
    # When the model is trained, stored and loaded again
    model = train_model(frame, spec, AS_OF)
    store = InMemoryArtifactStore()
    ModelRepository(store).save(model)
    loaded = ModelRepository(store).load()
    assert loaded is not None
    # Then it scores the mean of what each candidate trained alone scores, and the card says so
    x = history_features(frame, AS_OF, population(frame, AS_OF))
    alone = [train_model(frame, spec.resolved(c), AS_OF).predict(x) for c in (tiny, small)]
    np.testing.assert_allclose(loaded.model.predict(x), (alone[0] + alone[1]) / 2)
    assert model.card.model_selection.chosen == "average"
    assert set(model.card.parameters) == {"tiny", "small"}
    metrics = model.card.temporal_validation.metrics
    assert metrics is not None and metrics.precision_at_top is not None


def test_the_averaged_model_is_a_soft_voting_classifier_scoring_the_members_mean(frame: HistoryFrame) -> None:
    from sklearn.ensemble import VotingClassifier

    from eis_core.scoring.estimator import AveragedEstimator, as_matrix
    from eis_core.scoring.spec import Candidate, ModelParameters

    # Given two candidates averaged, one trained from a later year
    tiny = Candidate(name="tiny", parameters=ModelParameters(max_iter=2, min_samples_leaf=20))
    small = Candidate(
        name="small", parameters=ModelParameters(max_iter=30, min_samples_leaf=20), first_training_year=2020
    )
    model = train_model(frame, ModelSpec(candidates=(tiny, small), combine="average"), AS_OF)
    # Then the estimator follows scikit-learn's contract, its frozen members as fitted
    assert isinstance(model.estimator, VotingClassifier) and model.estimator.voting == "soft"
    members = [frozen.estimator for frozen in model.estimator.estimators_]
    # and its probabilities are the members' mean, as the hand-written average computed them
    x = as_matrix(history_features(frame, AS_OF, population(frame, AS_OF))[model.features])
    assert np.allclose(
        model.estimator.predict_proba(x), AveragedEstimator(members).predict_proba(x), rtol=0, atol=1e-12
    )


def test_a_model_pickled_before_the_split_still_loads_and_scores_the_same(
    frame: HistoryFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pickle
    import sys
    import types

    from eis_core.scoring import estimator
    from eis_core.scoring.estimator import AveragedEstimator, TrainedModel
    from eis_core.scoring.spec import Candidate, ModelParameters

    # Given an averaged model pickled as the previous version did: AveragedEstimator of eis_core.scoring.model
    tiny = Candidate(name="tiny", parameters=ModelParameters(max_iter=2, min_samples_leaf=20))
    small = Candidate(name="small", parameters=ModelParameters(max_iter=30, min_samples_leaf=20))
    model = train_model(frame, ModelSpec(candidates=(tiny, small), combine="average"), AS_OF)
    members = [frozen.estimator for frozen in model.estimator.estimators_]
    old_module = types.ModuleType("eis_core.scoring.model")
    old_module.AveragedEstimator = AveragedEstimator  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "eis_core.scoring.model", old_module)
    monkeypatch.setattr(estimator.AveragedEstimator, "__module__", "eis_core.scoring.model")
    old = TrainedModel(AveragedEstimator(members), model.spec, model.features, model.card)
    store = InMemoryArtifactStore()
    ModelRepository(store).save(old)
    assert b"eis_core.scoring.model" in pickle.dumps(old.estimator)
    monkeypatch.delitem(sys.modules, "eis_core.scoring.model")

    # When it is loaded after the split
    loaded = ModelRepository(store).load()

    # Then it scores as the model does today
    assert loaded is not None
    x = history_features(frame, AS_OF, population(frame, AS_OF))
    np.testing.assert_allclose(loaded.model.predict(x), model.predict(x), rtol=0, atol=1e-12)


def test_a_card_stored_before_the_typed_card_reads_back_with_the_same_keys() -> None:
    import json
    from pathlib import Path

    from eis_core.scoring.card import ModelCard

    # Given a card as the untyped version stored it (an averaged model's; fairness rows cut to two)
    stored = json.loads((Path(__file__).parent / "data" / "model_card_untyped.json").read_text())
    # When it is read as a typed card and written again
    card = ModelCard.from_json(stored)
    again = card.to_json()
    # Then it says the same in the same keys (the spec gains its default leakage check and outside-population policy)
    assert card.model_selection.chosen == "average" and card.artifact_sha256 == stored["artifact_sha256"]
    defaults = {"leakage_check": {"max_auc": 0.8, "max_precision_at_top": {}}, "outside_population": "scored"}
    defaults |= {"final_fit": "all_years"}  # and its default final fit
    assert again.pop("spec") == stored.pop("spec") | defaults
    assert again == stored


def test_a_new_card_is_returned_by_the_store_and_the_models_own_card_is_left_alone(trained: object) -> None:
    card = ModelRepository(InMemoryArtifactStore()).save(trained)  # type: ignore[arg-type]
    assert card.artifact_key == f"models/{card.model_id}/model.pkl" and card.artifact_sha256
    assert trained.card.artifact_sha256 is None  # type: ignore[attr-defined]
    assert card.model_copy(update={"artifact_key": None, "artifact_sha256": None}) == trained.card  # type: ignore[attr-defined]


def test_the_leakage_check_is_the_specs_and_not_part_of_the_model_id(frame: HistoryFrame) -> None:
    from eis_core.scoring.card import model_identity
    from eis_core.scoring.spec import LeakageCheck, packaged_spec

    chicago = packaged_spec("chicago-demo").leakage_check
    assert chicago == LeakageCheck(max_auc=0.80, max_precision_at_top={2014: 0.58})
    assert chicago.describe() == "AUC > 0.80 or 2014 precision > 0.58"
    assert chicago.warns(2014, {"auc": 0.7, "precision_at_top": 0.6})
    assert not chicago.warns(2015, {"auc": 0.7, "precision_at_top": 0.6})
    assert LeakageCheck().warns(2015, {"auc": 0.81, "precision_at_top": 0.1})
    spec = ModelSpec()
    dates = training_dates(frame, spec, AS_OF)
    strict = spec.model_copy(update={"leakage_check": LeakageCheck(max_auc=0.7)})
    assert model_identity(strict, spec.features(), dates, AS_OF) == model_identity(spec, spec.features(), dates, AS_OF)
