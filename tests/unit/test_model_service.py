"""Daily scoring with the agency's trained model, the fallback without one, and the retraining job."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from eis_core.scoring.service import ScoringService, report_key
from eis_core.scoring.store import CURRENT_KEY, SPEC_KEY, ModelRepository
from eis_core.scoring.training import RetrainingService
from eis_core.scoring.wiring import build_scoring_jobs
from eis_core.wiring import Adapters, memory_adapters
from tests.builders import learnable_agency

AS_OF = date(2025, 6, 1)
SMALL = {"parameters": {"min_samples_leaf": 20, "max_iter": 30}}


@pytest.fixture(scope="module")
def records() -> list:  # type: ignore[type-arg]
    return learnable_agency()


@pytest.fixture
def adapters(records: list) -> Adapters:  # type: ignore[type-arg]
    adapters = memory_adapters("testville")
    adapters.records.put_records(records, upload_id="u1")
    adapters.artifacts.put_json(SPEC_KEY, SMALL)
    return adapters


def _scoring(adapters: Adapters) -> ScoringService:
    now = datetime(2025, 6, 1, 6, tzinfo=UTC)
    return build_scoring_jobs(adapters, agency_id="testville", clock=lambda: now).scoring


def _retraining(adapters: Adapters) -> RetrainingService:
    return build_scoring_jobs(adapters, agency_id="testville").retraining


def test_without_a_model_the_run_uses_the_foundation_scorer_and_says_so(adapters: Adapters) -> None:
    summary = _scoring(adapters).run(AS_OF)
    report = adapters.artifacts.get_json(report_key(AS_OF))
    assert summary.model_id.startswith("foundation-")
    assert "no trained model" in report["scorer_note"]
    # The fairness audit is in every run report: flag rates by race, sex and age band
    assert {row["attribute"] for row in report["fairness"]["groups"]} == {"race", "sex", "age_band"}


def test_retraining_stores_a_model_that_the_next_run_loads(adapters: Adapters) -> None:
    # When the retraining job runs, twice (a re-delivered event)
    first = _retraining(adapters).run(AS_OF)
    again = _retraining(adapters).run(AS_OF)
    assert first.model_id == again.model_id
    assert adapters.artifacts.get_json(CURRENT_KEY)["model_id"] == first.model_id
    card = adapters.artifacts.get_json(first.card_key)
    assert card["training_window"]["last_label_window_ends"] <= "2025-06-01"
    assert [r.action for r in adapters.audit.records()].count("model.retrain") == 2

    # Then daily scoring uses it: scores are probabilities, ~5% flagged, alerts explain the model's factors
    summary = _scoring(adapters).run(AS_OF)
    report = adapters.artifacts.get_json(report_key(AS_OF))
    assert report["scorer"] == "model"
    assert first.model_id in report["scorer_note"]
    assert report["parameters"]["scorer"]["model_id"] == first.model_id
    scores = adapters.scores.scores_for(AS_OF)
    assert all(0.0 <= s.score <= 1.0 for s in scores)
    assert summary.alerts_created >= 10  # ceil(5% of 200) by rank, plus any critical rule
    alerts = adapters.alerts.list_alerts()
    assert all("what raised it most" in a.explanation for a in alerts)
    first_ranked = min(alerts, key=lambda a: -a.score)
    assert "The agency's model ranks 1st of 200 officers by risk (top 1%), an estimated" in first_ranked.explanation
    assert report["fairness"]["model_validation"]  # the card's validation fairness table


def test_a_tampered_model_fails_the_run_rather_than_scoring_with_it(adapters: Adapters) -> None:
    _retraining(adapters).run(AS_OF)
    card = adapters.artifacts.get_json(f"models/{ModelRepository(adapters.artifacts).current_id()}/card.json")
    adapters.artifacts.put_bytes(card["artifact_key"], b"not the model")
    with pytest.raises(ValueError, match="does not match"):
        _scoring(adapters).run(AS_OF)


def test_an_alert_leads_to_the_card_of_the_model_that_raised_it(adapters: Adapters) -> None:
    # Given a trained model, and a scoring run with it
    trained = _retraining(adapters).run(AS_OF)
    summary = _scoring(adapters).run(AS_OF)

    # When an auditor reads an alert and follows its trained model id
    alert = adapters.alerts.list_alerts()[0]
    assert alert.trained_model_id is not None
    card = adapters.artifacts.get_json(f"models/{alert.trained_model_id}/card.json")

    # Then it is exactly the card of the current model, whose artifact the run verified
    assert card["model_id"] == alert.trained_model_id == trained.model_id
    assert card["artifact_sha256"] == adapters.artifacts.get_json(CURRENT_KEY)["artifact_sha256"]
    assert ModelRepository(adapters.artifacts).card(alert.trained_model_id).model_id == trained.model_id
    # and the scoring setup is named apart from it, under its new name and its deprecated one
    assert alert.scoring_config_id == alert.model_id == summary.scoring_config_id != alert.trained_model_id
    assert {s.trained_model_id for s in adapters.scores.scores_for(AS_OF)} == {trained.model_id}
    report = adapters.artifacts.get_json(report_key(AS_OF))
    assert (report["scoring_config_id"], report["trained_model_id"]) == (summary.scoring_config_id, trained.model_id)


def test_without_a_trained_model_alerts_name_no_trained_model(adapters: Adapters) -> None:
    summary = _scoring(adapters).run(AS_OF)
    alerts = adapters.alerts.list_alerts()
    assert alerts and all(a.trained_model_id is None for a in alerts)
    assert summary.trained_model_id is None and summary.scoring_config_id.startswith("foundation-")
