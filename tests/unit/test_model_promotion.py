"""The promotion gate: a retrained model becomes current only if it is not clearly worse than the current one."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from eis_core.models.cases import CaseStatus, CaseTransition, Disposition
from eis_core.oversight.keys import CURRENT_KEY, retrain_key
from eis_core.scoring.spec import ModelSpec
from eis_core.scoring.store import ModelRepository
from eis_core.scoring.training import CANDIDATE_SUBJECT, RetrainingService
from eis_core.settings import PromotionBacktest
from eis_core.storage.memory import CapturingPublisher
from eis_core.wiring import Adapters, memory_adapters
from tests import builders
from tests.builders import learnable_agency

AS_OF = date(2025, 6, 1)
GOOD = ModelSpec.model_validate({"parameters": {"min_samples_leaf": 20, "max_iter": 30}})
# Deliberately worse: no split is possible, so every officer gets the same score (precision = base rate).
CONSTANT = ModelSpec.model_validate({"parameters": {"min_samples_leaf": 100_000, "max_iter": 1}})


@pytest.fixture(scope="module")
def records() -> list[Any]:
    return learnable_agency()


@pytest.fixture
def adapters(records: list[Any]) -> Adapters:
    adapters = memory_adapters("testville")
    adapters.records.put_records(records, upload_id="u1")
    return adapters


def _retrain(
    adapters: Adapters, spec: ModelSpec, backtest: PromotionBacktest = PromotionBacktest.BEAT_RULE
) -> RetrainingService:
    return RetrainingService(
        agency_id="testville",
        records=adapters.records,
        artifacts=adapters.artifacts,
        audit=adapters.audit,
        spec=spec,
        cases=adapters.cases,
        alerts=adapters.alerts,
        operations=adapters.operations,
        promotion_margin=0.02,
        promotion_backtest=backtest,
    )


def _current(adapters: Adapters) -> str:
    return str(adapters.artifacts.get_json(CURRENT_KEY)["model_id"])


def test_a_worse_retrain_is_kept_as_a_candidate_and_operations_are_told(adapters: Adapters) -> None:
    operations = adapters.operations
    assert isinstance(operations, CapturingPublisher)
    # Given a current model trained with sensible settings
    good = _retrain(adapters, GOOD).run(AS_OF)
    assert good.promoted and _current(adapters) == good.model_id

    # When a retrain produces a model that cannot rank officers at all
    worse = _retrain(adapters, CONSTANT).run(AS_OF)

    # Then it is stored as a candidate, the current model stays, and the report says why
    assert not worse.promoted and worse.model_id != good.model_id
    assert _current(adapters) == good.model_id == worse.current_model_id
    decision = worse.promotion
    assert decision is not None and decision.current_model_id == good.model_id
    assert decision.candidate_precision is not None and decision.current_precision is not None
    assert decision.candidate_precision < decision.current_precision - 0.02
    assert "worse by more than the margin" in decision.reason
    assert ModelRepository(adapters.artifacts).card(worse.model_id).model_id == worse.model_id  # stored
    assert adapters.artifacts.get_json(retrain_key(worse.model_id))["promoted"] is False
    # And the operations topic is told, once, naming both models
    assert operations.subjects == [CANDIDATE_SUBJECT]
    told = operations.published[0]
    assert (told["candidate_model_id"], told["current_model_id"]) == (worse.model_id, good.model_id)
    audited = [r for r in adapters.audit.records() if r.action == "model.retrain"]
    assert [r.detail["promoted"] for r in audited] == [True, False]


def test_a_better_retrain_replaces_a_worse_current_model(adapters: Adapters) -> None:
    # Given a current model that ranks nobody, promoted as the agency's first model because its backtest was
    # only to be reported (by default a model that does not beat the agency's rule is kept back)
    first = _retrain(adapters, CONSTANT, PromotionBacktest.REPORT_ONLY).run(AS_OF)
    assert first.promoted and first.promotion is not None and "no current model" in first.promotion.reason
    assert "recorded only" in first.promotion.reason

    # When a retrain produces a model that ranks well
    better = _retrain(adapters, GOOD).run(AS_OF)

    # Then it becomes current and nobody in operations is bothered
    assert better.promoted and _current(adapters) == better.model_id
    assert better.promotion is not None and better.promotion.current_model_id == first.model_id
    assert isinstance(adapters.operations, CapturingPublisher) and adapters.operations.published == []


def test_the_new_card_carries_reviewers_feedback_known_by_the_cutoff(adapters: Adapters) -> None:
    # Given an alert closed as a false positive before the cutoff
    alert = builders.alert("A1", alert_id="A1-1", trained_model_id="model-earlier")
    adapters.alerts.create_alert(alert)
    move = CaseTransition(
        from_status=CaseStatus.IN_REVIEW,
        to_status=CaseStatus.CLOSED,
        at=datetime(2025, 3, 1, tzinfo=UTC),
        by="sub-risk",
        by_role="risk_manager",
        reason="Reviewed.",
        disposition=Disposition.FALSE_POSITIVE,
    )
    closed = builders.case(
        "c-1", "A1", alert_ids=["A1-1"], status=CaseStatus.CLOSED, disposition=Disposition.FALSE_POSITIVE
    )
    adapters.cases.create_case(closed.model_copy(update={"history": [move]}))

    summary = _retrain(adapters, GOOD).run(AS_OF)

    card = ModelRepository(adapters.artifacts).card(summary.model_id)
    assert card.feedback is not None
    assert [(m.trained_model_id, m.false_positive) for m in card.feedback.by_model] == [("model-earlier", 1)]
