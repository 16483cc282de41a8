"""The model card: what was trained, on what, and how it validated; stored as ``models/<id>/card.json``.

A typed record (triage keeps its model metadata in tables, not dicts): the trainer builds one, the
store returns a new one with the artifact's key and SHA-256 (``with_artifact``), and readers use
attributes, not string keys. The JSON has the keys cards have always had, so cards stored before
this model existed read back unchanged.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

import sklearn
from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, field_serializer, model_serializer

from eis_core.indicators.history import PopulationRule
from eis_core.models.oversight import FeedbackSummary
from eis_core.scoring.spec import ModelParameters, ModelSpec

ESTIMATOR = "CalibratedClassifierCV(method='sigmoid', ensemble=False) of HistGradientBoostingClassifier"
AVERAGED_ESTIMATOR = f"mean of {ESTIMATOR}"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelSelection(_Record):
    chosen: str
    """A candidate's name, or 'average' when all were averaged."""
    by: str
    candidates: dict[str, float | None]
    """Each candidate's validation precision at the top share."""
    fewer_fp_than_rule_at_its_tp: dict[str, float | None]


class TrainingWindow(_Record):
    cutoff: date
    as_of_dates: list[date]
    label_window_months: int
    last_label_window_ends: date


class Cohort(_Record):
    population_rule: PopulationRule
    officer_years: int
    officers: int
    adverse_officer_years: int


class CardFeature(_Record):
    name: str
    label: str
    monotone: int


class ValidationMetrics(_Record):
    """``metrics.ranking_metrics`` on the held-out year, and the comparison with the spec's rule."""

    officers: int
    adverse: int
    base_rate: float
    flagged: int
    precision_at_top: float
    recall_at_top: float | None
    lift_at_top: float | None
    auc: float | None
    fewer_fp_than_rule_at_its_tp: float | None


class TemporalValidation(_Record):
    """The latest training year held out; ``note`` says why there are no metrics when there are none."""

    as_of: date
    note: str | None = None
    trained_on: list[date] | None = None
    metrics: ValidationMetrics | None = None
    fairness: list[dict[str, Any]] | None = None
    """``fairness.fairness_table`` rows for the top share's flags against the held-out labels."""

    @model_serializer(mode="wrap")
    def _omit_absent(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        document: dict[str, Any] = handler(self)
        return {key: value for key, value in document.items() if key == "as_of" or value is not None}


class ModelCard(_Record):
    """One trained model's card. ``model_id`` is the trained model's id, what alerts carry as ``trained_model_id``."""

    model_id: str
    trained_at: datetime
    estimator: str
    sklearn_version: str
    parameters: ModelParameters | dict[str, ModelParameters]
    """The fitted setting, or each averaged candidate's by name."""
    model_selection: ModelSelection
    seed: int
    training_window: TrainingWindow
    adverse_event: str
    spec: ModelSpec
    cohort: Cohort
    base_rate: float
    features: list[CardFeature]
    protected_attributes: str
    temporal_validation: TemporalValidation
    artifact_key: str | None = None
    """Set by the store when the fitted model is saved (``models/<id>/model.pkl``)."""
    artifact_sha256: str | None = None
    """SHA-256 of the pickled model; loading refuses a blob that does not match it."""
    feedback: FeedbackSummary | None = None
    """Reviewers' conclusions on earlier alerts, per rule and model version, known by the training cutoff."""

    @field_serializer("trained_at")
    def _iso(self, moment: datetime) -> str:
        return moment.isoformat()

    @model_serializer(mode="wrap")
    def _omit_unsaved(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        document: dict[str, Any] = handler(self)
        for key in ("artifact_key", "artifact_sha256", "feedback"):
            if document.get(key) is None:
                document.pop(key, None)
        return document

    def with_artifact(self, key: str, sha256: str) -> ModelCard:
        """A new card naming the stored artifact (the store's; a card is never changed in place)."""
        return self.model_copy(update={"artifact_key": key, "artifact_sha256": sha256})

    @classmethod
    def from_json(cls, document: dict[str, Any]) -> ModelCard:
        return cls.model_validate(document)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


def model_identity(spec: ModelSpec, features: list[str], dates: list[date], cutoff: date) -> str:
    """'model-<12 hex>': estimator, parameters, features, data window and seed (triage's ``model_hash``)."""
    document = {
        "estimator": "CalibratedClassifierCV(sigmoid, ensemble=False) of HistGradientBoostingClassifier",
        "sklearn": sklearn.__version__,
        "spec": spec.learnt(),
        "features": features,
        "training_as_of": [d.isoformat() for d in dates],
        "cutoff": cutoff.isoformat(),
    }
    digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
    return f"model-{digest[:12]}"
