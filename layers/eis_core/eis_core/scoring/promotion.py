"""The promotion gate: a retrained model replaces the current one only if it is not clearly worse.

Both models are measured on the candidate's latest validation year (its held-out training year):
the candidate as its card validated it (fitted on the years before), the current model by scoring
that year's population with its own features. Both use the candidate's spec for labels and for the
share flagged, so "precision at the alert rate" means the same thing on both sides. The candidate is
promoted unless its precision is below the current model's by more than the agency's margin.

When the current model was trained on labels of that year itself (retrained with the same cutoff),
it is measured on data it has seen and looks better than it is: the gate then errs towards keeping it.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from eis_core.indicators.history import HistoryFrame, history_features
from eis_core.models.oversight import PromotionDecision
from eis_core.scoring.card import ModelCard
from eis_core.scoring.estimator import TrainedModel
from eis_core.scoring.metrics import ranking_metrics
from eis_core.scoring.panel import build_panel
from eis_core.scoring.spec import ModelSpec


def labels_spec(spec: ModelSpec, cutoff: date) -> ModelSpec:
    """The spec whose labels training saw: findings known by the cutoff when the spec censors them."""
    if not spec.censor_training_findings:
        return spec
    return spec.model_copy(update={"adverse": spec.adverse.model_copy(update={"findings_known_by": cutoff})})


def precision_on_year(
    model: TrainedModel, frame: HistoryFrame, spec: ModelSpec, as_of: date, cutoff: date
) -> float | None:
    """``model``'s precision at ``spec.top_share`` on the population and labels of ``as_of`` (None: no adverse)."""
    panel = build_panel(frame, labels_spec(spec, cutoff), [as_of])
    if panel.label.size == 0 or panel.label.sum() == 0:
        return None
    features = history_features(frame, as_of, pd.Index(panel.officer_ids))
    score = model.predict(features)
    return float(ranking_metrics(score, panel.label, spec.top_share)["precision_at_top"])


def decide(
    candidate: ModelCard,
    current: ModelCard | None,
    current_precision: float | None,
    *,
    margin: float,
    current_problem: str | None = None,
) -> PromotionDecision:
    """Promote, or keep as a candidate, with the reason in words."""
    validation = candidate.temporal_validation
    metrics = validation.metrics
    candidate_precision = None if metrics is None else metrics.precision_at_top

    def decision(promoted: bool, reason: str) -> PromotionDecision:
        return PromotionDecision(
            candidate_model_id=candidate.model_id,
            current_model_id=None if current is None else current.model_id,
            promoted=promoted,
            validation_as_of=validation.as_of,
            candidate_precision=candidate_precision,
            current_precision=current_precision,
            margin=margin,
            reason=reason,
        )

    if current is None:
        return decision(True, current_problem or "the agency had no current model")
    if current.model_id == candidate.model_id:
        return decision(True, "the same model as the current one (a repeated retraining)")
    if candidate_precision is None:
        why = validation.note or "no validation metrics"
        return decision(False, f"the candidate could not be validated ({why}); the current model stays")
    if current_precision is None:
        return decision(True, f"the current model could not be measured on {validation.as_of} (no adverse events)")
    if candidate_precision < current_precision - margin:
        return decision(
            False,
            f"precision at the alert rate on {validation.as_of} is {candidate_precision:.3f} against the current "
            f"model's {current_precision:.3f}: worse by more than the margin of {margin:.3f}",
        )
    return decision(
        True,
        f"precision at the alert rate on {validation.as_of} is {candidate_precision:.3f} against the current "
        f"model's {current_precision:.3f}: within the margin of {margin:.3f} or better",
    )
