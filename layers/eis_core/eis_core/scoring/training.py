"""The retraining job: train the agency's model on its own history; promote it to current if it passes the gate.

Separate from the daily scoring run (scheduled or on demand: the score function's ``{"job": "retrain"}``
event). The model spec comes from the agency's ``models/spec.json`` when present. Retraining the same
records with the same spec and cutoff gives the same model id and the same stored bytes, so a
re-delivered event changes nothing.

The gate (``eis_core.scoring.promotion``): a retrained model becomes current only when, on its latest
validation year, its precision at the alert rate is not below the current model's by more than the
agency's ``promotion_margin``. Otherwise it is stored as a candidate (card and artifact, not current),
the report says why, and the operations topic is told; an admin may still promote it
(``POST /models/{id}/promotion``). The card carries the reviewers' feedback known by the cutoff.

Before it decides, the job backtests the candidate's spec on the latest full year, exactly as the
backtest job does, and stores the report (``reports/backtests/<year>/``); the gate's second condition
(``eis_core.scoring.backtest_gate``) holds the candidate back when the backtest does not beat the spec's
threshold rule at the rule's flag count, unless the agency's ``promotion_backtest`` says otherwise. A
backtest that cannot run is named in the decision and the validation gate alone decides. The spec and
the history frame are loaded once for both (``eis_core.scoring.inputs``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from eis_core.errors import ValidationFailed
from eis_core.indicators.history import HistoryFrame
from eis_core.models.audit import AuditEvent
from eis_core.models.oversight import FeedbackSummary, PromotionBacktestCheck, PromotionDecision
from eis_core.oversight.feedback import FeedbackCounter
from eis_core.oversight.keys import retrain_key
from eis_core.scoring.backtest_gate import apply_backtest, check_report, could_not_run
from eis_core.scoring.backtest_job import BacktestJob
from eis_core.scoring.estimator import TrainedModel
from eis_core.scoring.inputs import TrainingInputs, TrainingInputsLoader
from eis_core.scoring.promotion import decide, validation_precision
from eis_core.scoring.spec import ModelSpec
from eis_core.scoring.store import ModelRepository, card_key
from eis_core.scoring.trainer import train_model
from eis_core.settings import PromotionBacktest
from eis_core.storage.ports import AlertStore, ArtifactStore, AuditLog, CaseStore, Publisher, RecordStore

logger = logging.getLogger(__name__)

ACTOR = "eis-retrain"
DEFAULT_PROMOTION_MARGIN = 0.02
CANDIDATE_SUBJECT = "model.candidate_kept"


class RetrainSummary(BaseModel):
    """The retraining job's report (also stored at ``models/<id>/retrain.json``)."""

    model_config = ConfigDict(frozen=True)

    model_id: str
    cutoff: date
    officer_years: int
    base_rate: float
    validation: dict[str, Any]
    card_key: str
    promoted: bool = True
    """False when the gate kept the model as a candidate (stored, not current)."""
    current_model_id: str | None = None
    """The current model after this run: the new one when promoted, else the one that stayed."""
    promotion: PromotionDecision | None = None
    feedback: FeedbackSummary | None = None
    """Reviewers' conclusions known by the cutoff, as written into the new card."""


class RetrainingService:
    def __init__(
        self,
        *,
        agency_id: str,
        records: RecordStore,
        artifacts: ArtifactStore,
        audit: AuditLog,
        spec: ModelSpec | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        actor: str = ACTOR,
        cases: CaseStore | None = None,
        alerts: AlertStore | None = None,
        operations: Publisher | None = None,
        promotion_margin: float = DEFAULT_PROMOTION_MARGIN,
        promotion_backtest: PromotionBacktest = PromotionBacktest.BEAT_RULE,
    ) -> None:
        self._agency_id = agency_id
        self._artifacts = artifacts
        self._repository = ModelRepository(artifacts)
        self._inputs = TrainingInputsLoader(records, artifacts, spec=spec)
        self._audit = audit
        self._clock = clock
        self._actor = actor
        self._feedback = None if cases is None or alerts is None else FeedbackCounter(cases, alerts)
        self._operations = operations
        self._margin = promotion_margin
        self._backtest_requirement = promotion_backtest
        self._backtest = BacktestJob(
            agency_id=agency_id, records=records, artifacts=artifacts, audit=audit, clock=clock, actor=actor
        )

    def run(self, cutoff: date, *, request_id: str | None = None) -> RetrainSummary:
        """Train on every label window that ends by ``cutoff``; promote it unless the gate keeps it a candidate."""
        inputs = self._inputs.load()
        spec, frame = inputs.spec, inputs.frame
        # trained_at is the cutoff, not the wall clock, so a retried job writes the same card.
        midnight = datetime(cutoff.year, cutoff.month, cutoff.day, tzinfo=UTC)
        model = train_model(frame, spec, cutoff, trained_at=midnight)
        feedback = None if self._feedback is None else self._feedback.count(midnight)
        if feedback is not None:
            model = replace(model, card=model.card.model_copy(update={"feedback": feedback}))
        backtest = self._run_backtest(inputs, model.model_id, cutoff, request_id)
        decision = apply_backtest(self._decide(model, frame, spec, cutoff), backtest)
        card = self._repository.save(model, make_current=decision.promoted)
        validation = card.temporal_validation.model_dump(mode="json")
        summary = RetrainSummary(
            model_id=model.model_id,
            cutoff=cutoff,
            officer_years=card.cohort.officer_years,
            base_rate=card.base_rate,
            validation={"as_of": validation.get("as_of"), "metrics": validation.get("metrics")},
            card_key=card_key(model.model_id),
            promoted=decision.promoted,
            current_model_id=model.model_id if decision.promoted else decision.current_model_id,
            promotion=decision,
            feedback=feedback,
        )
        self._artifacts.put_json(retrain_key(model.model_id), summary.model_dump(mode="json"))
        self._audit.append(
            AuditEvent(
                actor=self._actor,
                role="system",
                action="model.retrain",
                target_type="model",
                target_id=model.model_id,
                agency_id=self._agency_id,
                request_id=request_id,
                detail=summary.model_dump(mode="json", exclude={"feedback"})
                | {"artifact_sha256": card.artifact_sha256},
            )
        )
        if not decision.promoted:
            self._tell_operations(decision)
        return summary

    def _decide(self, model: TrainedModel, frame: HistoryFrame, spec: ModelSpec, cutoff: date) -> PromotionDecision:
        current_id = self._repository.current_id()
        if current_id is None or current_id == model.model_id:
            current_card = None if current_id is None else model.card
            return decide(model.card, current_card, None, margin=self._margin)
        try:
            current = self._repository.load(current_id)
        except ValueError as error:  # the current model failed its integrity check: replace it
            problem = f"the current model {current_id} could not be loaded ({error})"
            return decide(model.card, None, None, margin=self._margin, current_problem=problem)
        if current is None:
            problem = f"the current model {current_id} is missing from the artifacts bucket"
            return decide(model.card, None, None, margin=self._margin, current_problem=problem)
        as_of = model.card.temporal_validation.as_of
        precision = validation_precision(current.model, frame, spec, as_of, cutoff)
        return decide(model.card, current.model.card, precision, margin=self._margin)

    def _run_backtest(
        self, inputs: TrainingInputs, candidate_id: str, cutoff: date, request_id: str | None
    ) -> PromotionBacktestCheck:
        """The backtest on the latest full year before ``cutoff``, its report stored as the backtest job stores it."""
        try:
            report = self._backtest.run_on(
                inputs,
                cutoff,
                request_id=request_id,
                run_by=f"the retraining job, before deciding whether to promote {candidate_id},",
            )
        except ValidationFailed as error:  # not enough later data, or too little history before the year
            logger.warning("the backtest before promotion could not run", extra={"problem": str(error)})
            return could_not_run(str(error), self._backtest_requirement)
        return check_report(report, self._backtest_requirement)

    def _tell_operations(self, decision: PromotionDecision) -> None:
        message = {"agency_id": self._agency_id, "event": CANDIDATE_SUBJECT} | decision.model_dump(mode="json")
        if self._operations is None:
            logger.warning("retrained model kept as a candidate; no operations topic to tell", extra=message)
            return
        self._operations.publish(message, subject=CANDIDATE_SUBJECT)
