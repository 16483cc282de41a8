"""The promotion gate: a retrained model replaces the current one only if it is not clearly worse.

Both are measured the same way on the candidate's latest validation year (its held-out training
year): fitted on the years before it only, then scored on it, as the candidate's card validated it.
For the current model that means refitting its own settings (spec, features, parameters) on those
years: its fitted artifact has usually seen that year's labels (a monthly retrain holds out the same
year as the last one), so scoring the artifact itself would flatter it. Both use the candidate's
labels and share flagged, so "precision at the alert rate" means the same thing on both sides. The
candidate is promoted unless its precision is below the current model's by more than the margin.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from eis_core.indicators.history import HistoryFrame
from eis_core.models.oversight import PromotionDecision
from eis_core.scoring.card import ModelCard
from eis_core.scoring.estimator import TrainedModel
from eis_core.scoring.metrics import ranking_metrics
from eis_core.scoring.panel import build_panel, training_dates
from eis_core.scoring.spec import ModelSpec
from eis_core.scoring.trainer import Validated, _validation_score


def labels_spec(spec: ModelSpec, cutoff: date) -> ModelSpec:
    """The spec whose labels training saw: findings known by the cutoff when the spec censors them."""
    if not spec.censor_training_findings:
        return spec
    return spec.model_copy(update={"adverse": spec.adverse.model_copy(update={"findings_known_by": cutoff})})


def validation_precision(
    current: TrainedModel, frame: HistoryFrame, spec: ModelSpec, as_of: date, cutoff: date
) -> float | None:
    """The current model's settings, fitted on the years before ``as_of`` and scored on it (None: cannot be).

    Labels, population and share flagged are the candidate's (``spec``); features and parameters the current's.
    """
    labels = labels_spec(spec, cutoff).model_copy(
        update={
            "excluded_kinds": current.spec.excluded_kinds,
            "excluded_features": current.spec.excluded_features,
            "first_training_year": current.spec.first_training_year,
        }
    )
    dates = [d for d in training_dates(frame, labels, cutoff) if d <= as_of]
    if not dates or dates[-1] != as_of:
        return None
    panel = build_panel(frame, labels, dates)
    features = [name for name in current.features if name in panel.features.columns]
    panel = replace(panel, features=panel.features[features])  # exactly the current model's inputs, in its order
    validated = _validation_score(current.spec, features, panel, dates)
    held_out = panel.label[panel.rows_for(as_of)]
    if not isinstance(validated, Validated) or held_out.sum() == 0:
        return None
    return float(ranking_metrics(validated.score, held_out, spec.top_share)["precision_at_top"])


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
        return decision(True, f"the current model's settings could not be validated on {validation.as_of}")
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
