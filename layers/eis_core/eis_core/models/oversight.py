"""Oversight records: reviewers' feedback counts, promotion decisions, and the stored run report, typed.

Pandas-free on purpose: the scoring job writes these and the case API reads them back (a person waits
on its cold start). The run report was a dict read by string keys; ``RunReport`` is its typed reading,
lenient where older reports lack a section (``feedback`` is None before feedback was counted).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from eis_core.models.cases import Case, CaseStatus, CaseTransition

FEEDBACK_NOTE = (
    "Reviewers' conclusions on closed cases and dismissed alerts, counted per rule and per model version. "
    "A 'false positive' is a reviewer's judgement, not an outcome: read it as feedback, not as ground truth."
)
NO_TRAINED_MODEL = "no trained model"
"""How the feedback table names alerts raised without a trained model (the peer-and-rule scorer)."""


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def closing_move(case: Case) -> CaseTransition | None:
    """The move that closed a closed case (the latest move into ``closed``); None for an open case."""
    if case.status is not CaseStatus.CLOSED:
        return None
    return next((move for move in reversed(case.history) if move.to_status is CaseStatus.CLOSED), None)


def closed_at(case: Case) -> datetime | None:
    """When a closed case was closed: its closing move's time (its opening time if it has no history)."""
    if case.status is not CaseStatus.CLOSED:
        return None
    move = closing_move(case)
    return move.at if move is not None else case.opened_at


class FeedbackCounts(_Record):
    """Alerts reviewers concluded on, by conclusion, for one rule or one model version."""

    alerts: int = Field(description="Alerts concluded on: their case is closed, or the alert was dismissed")
    closed: dict[str, int] = Field(default_factory=dict, description="Alerts in closed cases, by disposition")
    false_positive: int = Field(default=0, description="Alerts in cases closed as false positive")
    dismissed: int = Field(default=0, description="Alerts a risk manager dismissed without a case")


class RuleFeedback(FeedbackCounts):
    rule_id: str
    disagreed: int = Field(
        default=0, description="Alerts in cases closed as false positive whose reviewer named this rule as wrong"
    )
    summary: str = Field(description="One sentence, e.g. 'of 40 alerts from rule X, 22 closed as false positive'")


class ModelFeedback(FeedbackCounts):
    trained_model_id: str | None = Field(description="The model version that raised the alerts; None: no trained model")
    summary: str


class FeedbackSummary(_Record):
    """What reviewers said about the alerts, as known before ``counted_before``."""

    counted_before: datetime
    closed_cases: int
    dismissed_alerts: int
    by_rule: list[RuleFeedback] = Field(default_factory=list)
    by_model: list[ModelFeedback] = Field(default_factory=list)
    disagreed_factors: dict[str, int] = Field(
        default_factory=dict, description="Indicators reviewers named as wrong when closing as false positive"
    )
    note: str = FEEDBACK_NOTE


class PromotionBacktestCheck(_Record):
    """The retraining job's backtest, as the promotion gate read it (the report's figures at the rule's flag count)."""

    requirement: str = Field(description="The agency's promotion_backtest setting the check was held to")
    test_year: int | None = Field(default=None, description="The latest full year; None when it could not run")
    report_key: str | None = Field(default=None, description="The backtest report in the artifacts bucket")
    trained_model_id: str | None = Field(
        default=None, description="The model the backtest trained before the test year with the candidate's spec"
    )
    rule_flags: int | None = Field(default=None, description="How many officers the spec's threshold rule flagged")
    verdict: str | None = Field(
        default=None, description="'beats', 'does not beat' or 'is beaten by' the rule at its flag count"
    )
    model_precision: float | None = None
    rule_precision: float | None = None
    difference_ci: list[float] | None = Field(
        default=None, description="95% bootstrap interval of the model's precision minus the rule's"
    )
    passed: bool = Field(description="Whether the check allows promotion (always true when it could not run)")
    problem: str | None = Field(default=None, description="Why the backtest could not run or compare")


class PromotionDecision(_Record):
    """Whether a retrained model became the current one, and why (the retraining job's gate or an admin)."""

    candidate_model_id: str
    current_model_id: str | None = Field(description="The model current before the decision")
    promoted: bool
    validation_as_of: date | None = None
    metric: str = "precision at the alert rate on the latest validation year"
    candidate_precision: float | None = None
    current_precision: float | None = None
    margin: float
    reason: str
    backtest: PromotionBacktestCheck | None = Field(
        default=None, description="The retraining job's backtest on the latest full year; None before it existed"
    )


# --- the run report, typed -------------------------------------------------------------------------


class RunCounts(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    officers_scored: int
    flagged: int
    flagged_by_level: dict[str, int] = Field(default_factory=dict)
    alerts_created: int = 0
    alerts_merged: int = 0
    alerts_existing: int = 0
    alerts_published: int = 0


class Recognition(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    officer_id: str
    peer_group: str
    commendations_365d: float
    peer_median_commendations_365d: float
    peer_median_force_365d: float
    peer_median_complaints_365d: float
    reason: str


class FairnessRow(BaseModel):
    """One group of one attribute: counts, rates and ratios to the largest group (``scoring.fairness``)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    attribute: str
    group: str
    reference: str
    officers: int
    flagged: int
    flag_rate: float | None = None
    flag_rate_ratio: float | None = None
    adverse: int | None = None
    true_positives: int | None = None
    false_positives: int | None = None
    false_negatives: int | None = None
    fpr: float | None = None
    fnr: float | None = None
    fdr: float | None = None
    fpr_ratio: float | None = None
    fnr_ratio: float | None = None
    fdr_ratio: float | None = None
    outside_range: list[str] = Field(default_factory=list)


class RunFairness(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    note: str = ""
    groups: list[FairnessRow] = Field(default_factory=list)
    disparities: list[str] = Field(default_factory=list)
    model_validation: list[FairnessRow] | None = None


class RunRecords(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")

    source: str | None = None
    records_marker: str | None = None
    events: int | None = None
    load_seconds: float | None = None


class RunReport(BaseModel):
    """``runs/<as_of>/report.json`` as the scoring run writes it."""

    model_config = ConfigDict(frozen=True, extra="allow")

    as_of: date
    run_id: str
    scoring_config_id: str | None = None
    trained_model_id: str | None = None
    scorer: str
    scorer_note: str | None = None
    generated_at: datetime
    counts: RunCounts
    rules_fired: dict[str, dict[str, int]] = Field(default_factory=dict)
    peer_group_levels: dict[str, int] = Field(default_factory=dict)
    published_alert_ids: list[str] = Field(default_factory=list)
    merged_alert_ids: list[str] = Field(default_factory=list)
    recognition: list[Recognition] = Field(default_factory=list)
    parameters: dict[str, Any] = Field(default_factory=dict)
    records: RunRecords | None = None
    fairness: RunFairness | None = None
    feedback: FeedbackSummary | None = None


# --- a stored model card, typed without scikit-learn (the case API reads it) -----------------------


class _Lenient(BaseModel):
    model_config = ConfigDict(frozen=True, extra="allow")


class CardMetrics(_Lenient):
    officers: int
    adverse: int
    base_rate: float
    flagged: int
    precision_at_top: float
    recall_at_top: float | None = None
    lift_at_top: float | None = None
    auc: float | None = None
    fewer_fp_than_rule_at_its_tp: float | None = None


class CardValidation(_Lenient):
    as_of: date
    note: str | None = None
    trained_on: list[date] | None = None
    metrics: CardMetrics | None = None
    fairness: list[FairnessRow] | None = None


class CardWindow(_Lenient):
    cutoff: date
    as_of_dates: list[date]
    label_window_months: int
    last_label_window_ends: date


class CardCohort(_Lenient):
    population_rule: dict[str, Any] = Field(default_factory=dict)
    officer_years: int
    officers: int
    adverse_officer_years: int


class CardFeature(_Lenient):
    name: str
    label: str
    monotone: int


class CardSelection(_Lenient):
    chosen: str
    by: str
    candidates: dict[str, float | None] = Field(default_factory=dict)
    fewer_fp_than_rule_at_its_tp: dict[str, float | None] = Field(default_factory=dict)


class StoredCard(_Lenient):
    """``models/<id>/card.json`` (``eis_core.scoring.card.ModelCard`` writes it), read without scikit-learn."""

    model_id: str
    trained_at: datetime
    estimator: str
    sklearn_version: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    model_selection: CardSelection
    seed: int
    training_window: CardWindow
    adverse_event: str
    spec: dict[str, Any] = Field(default_factory=dict)
    cohort: CardCohort
    base_rate: float
    features: list[CardFeature]
    protected_attributes: str
    temporal_validation: CardValidation
    artifact_key: str | None = None
    artifact_sha256: str | None = None
    feedback: FeedbackSummary | None = None


class AdminPromotion(_Record):
    """An admin made a model current by hand (``POST /models/{id}/promotion``)."""

    model_id: str
    previous_model_id: str | None
    by: str
    by_role: str
    at: datetime
    reason: str


class BacktestReport(BaseModel):
    """``reports/backtests/<year>/report.json`` as the backtest job writes it (the Markdown beside it)."""

    model_config = ConfigDict(frozen=True, extra="allow")

    test_year: int
    as_of: date = Field(description="The job's date: the latest data it saw")
    generated_at: datetime
    trained_model_id: str = Field(description="The model trained before the test year and scored on its Jan 1")
    spec_source: str
    table: dict[str, Any] = Field(description="Model against the agency's rule: precision, recall, AUC, lead days")
    baselines: dict[str, Any] = Field(description="The model against three baselines, with 95% bootstrap intervals")
    not_beaten: list[str] = Field(description="Plain sentences for every baseline the model does not beat")
    calibration: list[dict[str, Any]] = Field(description="Predicted against observed adverse rate by score decile")
    fairness_measurable: bool
    fairness: dict[str, list[dict[str, Any]]] | None = None
    markdown_key: str
