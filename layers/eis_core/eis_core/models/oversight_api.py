"""Case API models for the oversight outputs: scoring run reports, model cards and promotion.

Mapped explicitly from the oversight records (``eis_core.models.oversight``); their leaf records
(fairness rows, feedback counts, the promotion decision) are plain frozen values and appear as they are.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from eis_core.models.oversight import (
    AdminPromotion,
    BacktestReport,
    CardCohort,
    CardFeature,
    CardSelection,
    CardValidation,
    CardWindow,
    FeedbackSummary,
    ModelFeedback,
    PromotionDecision,
    Recognition,
    RunCounts,
    RunFairness,
    RunReport,
)
from eis_core.oversight.service import ModelStatus, ModelView


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class ModelFeatureOut(_Out):
    """One model input (``feature`` is the indicator's name; the API never has a field called name)."""

    feature: str
    label: str
    monotone: int = Field(description="+1: more of it never lowers the risk; -1: never raises it; 0: either way")

    @classmethod
    def from_domain(cls, feature: CardFeature) -> ModelFeatureOut:
        return cls(feature=feature.name, label=feature.label, monotone=feature.monotone)


class RunListOut(_Out):
    runs: list[date] = Field(description="Scoring run dates with a report, newest first")
    next_before: date | None = Field(description="Pass as ?before= for the next page; null on the last page")

    @classmethod
    def from_domain(cls, runs: Sequence[date], next_before: date | None) -> RunListOut:
        return cls(runs=list(runs), next_before=next_before)


class RunReportOut(_Out):
    """One scoring run: counts, the fairness table and its disparities, recognition, reviewers' feedback."""

    as_of: date
    run_id: str
    scoring_config_id: str | None
    trained_model_id: str | None
    scorer: str
    scorer_note: str | None
    generated_at: datetime
    counts: RunCounts
    rules_fired: dict[str, dict[str, int]]
    peer_group_levels: dict[str, int]
    fairness: RunFairness | None = Field(description="Flag rates by group, disparities in words, the model's table")
    recognition: list[Recognition] = Field(description="Officers with an exceptional record against their peers")
    feedback: FeedbackSummary | None = Field(
        description="Dispositions per rule and per model version known before the run; null in older reports"
    )
    published_alert_ids: list[str]
    merged_alert_ids: list[str]
    parameters: dict[str, Any]

    @classmethod
    def from_domain(cls, report: RunReport) -> RunReportOut:
        return cls(
            as_of=report.as_of,
            run_id=report.run_id,
            scoring_config_id=report.scoring_config_id,
            trained_model_id=report.trained_model_id,
            scorer=report.scorer,
            scorer_note=report.scorer_note,
            generated_at=report.generated_at,
            counts=report.counts,
            rules_fired=report.rules_fired,
            peer_group_levels=report.peer_group_levels,
            fairness=report.fairness,
            recognition=report.recognition,
            feedback=report.feedback,
            published_alert_ids=report.published_alert_ids,
            merged_alert_ids=report.merged_alert_ids,
            parameters=report.parameters,
        )


class ModelCardOut(_Out):
    """A trained model's card, whether daily scoring uses it, how it was promoted, and feedback on it."""

    model_id: str
    status: ModelStatus
    trained_at: datetime
    estimator: str
    sklearn_version: str
    seed: int
    adverse_event: str
    base_rate: float
    protected_attributes: str
    training_window: CardWindow
    cohort: CardCohort
    features: list[ModelFeatureOut]
    model_selection: CardSelection
    temporal_validation: CardValidation
    parameters: dict[str, Any]
    spec: dict[str, Any]
    artifact_sha256: str | None
    feedback: FeedbackSummary | None = Field(
        description="Reviewers' conclusions on earlier alerts known when this model was trained"
    )
    feedback_on_alerts: ModelFeedback | None = Field(
        description="Reviewers' conclusions on this model's own alerts, from the latest run report"
    )
    feedback_as_of: date | None
    promotion: PromotionDecision | None = Field(description="The retraining job's gate decision")
    admin_promotions: list[AdminPromotion]

    @classmethod
    def from_domain(cls, view: ModelView) -> ModelCardOut:
        card = view.card
        return cls(
            model_id=card.model_id,
            status=view.status,
            trained_at=card.trained_at,
            estimator=card.estimator,
            sklearn_version=card.sklearn_version,
            seed=card.seed,
            adverse_event=card.adverse_event,
            base_rate=card.base_rate,
            protected_attributes=card.protected_attributes,
            training_window=card.training_window,
            cohort=card.cohort,
            features=[ModelFeatureOut.from_domain(feature) for feature in card.features],
            model_selection=card.model_selection,
            temporal_validation=card.temporal_validation,
            parameters=card.parameters,
            spec=card.spec,
            artifact_sha256=card.artifact_sha256,
            feedback=card.feedback,
            feedback_on_alerts=view.feedback_on_alerts,
            feedback_as_of=view.feedback_as_of,
            promotion=view.promotion,
            admin_promotions=view.admin_promotions,
        )


class PromotionIn(BaseModel):
    """Why an admin makes this model the current one (kept with the promotion record, not in the audit log)."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=2000)


class BacktestListOut(_Out):
    test_years: list[int] = Field(description="Test years with a backtest report, newest first")


class BacktestReportOut(_Out):
    """The backtest job's report on one test year: the model against the agency's rule and two other baselines."""

    test_year: int
    as_of: date
    generated_at: datetime
    trained_model_id: str
    spec_source: str
    table: dict[str, Any]
    baselines: dict[str, Any]
    not_beaten: list[str] = Field(description="Every baseline the model does not beat, in words; empty: it beats all")
    calibration: list[dict[str, Any]]
    fairness_measurable: bool
    fairness: dict[str, list[dict[str, Any]]] | None
    markdown: str = Field(description="The whole report as Markdown, charts as inline SVG")

    @classmethod
    def from_domain(cls, report: BacktestReport, markdown: str) -> BacktestReportOut:
        return cls(
            test_year=report.test_year,
            as_of=report.as_of,
            generated_at=report.generated_at,
            trained_model_id=report.trained_model_id,
            spec_source=report.spec_source,
            table=report.table,
            baselines=report.baselines,
            not_beaten=report.not_beaten,
            calibration=report.calibration,
            fairness_measurable=report.fairness_measurable,
            fairness=report.fairness,
            markdown=markdown,
        )
