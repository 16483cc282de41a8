"""Training (triage's ``model_trainers``): fit on officer-years, validate on the latest training year, write the card.

Training rows are officer-years (``panel``): the population on Jan 1 of each training year, features
from what was known before that day, label = an adverse event known within the following window.
Every label window ends on or before the training cutoff, so nothing after it is learnt. Temporal
validation holds out the latest training year (trained on the years before it only) and its metrics,
fairness table included, go into the model card. Race, sex and birth year are never features.
With several candidate settings, validation picks the one with the best precision at the top share,
or all of them are trained and their calibrated probabilities averaged (``combine="average"``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import sklearn

from eis_core.indicators.history import FEATURES, HistoryFrame, history_features
from eis_core.scoring.card import (
    AVERAGED_ESTIMATOR,
    ESTIMATOR,
    CardFeature,
    Cohort,
    ModelCard,
    ModelSelection,
    TemporalValidation,
    TrainingWindow,
    ValidationMetrics,
    model_identity,
)
from eis_core.scoring.estimator import TrainedModel, as_matrix, averaged, make_estimator, single_thread
from eis_core.scoring.fairness import audit_groups, fairness_table
from eis_core.scoring.fits import CalibratedParts, Job, fit_cost, platt_calibrated, run_jobs
from eis_core.scoring.metrics import fewer_fp_at_rule_tp, ranking_metrics, top_flags
from eis_core.scoring.panel import Panel, build_panel, training_dates
from eis_core.scoring.spec import Candidate, ModelParameters, ModelSpec

PROTECTED_ATTRIBUTES = "race, sex and age are never model inputs; used only for the fairness table"
_SELECTION_BY = {
    "precision": "precision at the top share on the latest training year, fitted on the years before it",
    "average": "none: the calibrated probabilities of all candidates are averaged; validation scores the mean of "
    "their (uncalibrated) probabilities",
}


class NotEnoughHistory(ValueError):
    """The agency's history is too short (or has no adverse events) to train on."""


def train_model(
    frame: HistoryFrame, spec: ModelSpec, cutoff: date, *, trained_at: datetime | None = None
) -> TrainedModel:
    """Train on every as-of year whose label window ends by ``cutoff``; validate on the latest of them."""
    candidates = spec.candidates or (Candidate(name="default", parameters=spec.parameters),)
    specs = {c.name: spec.resolved(c) for c in candidates}
    earliest = min((s.first_training_year or 0 for s in specs.values()), default=0) or None
    all_dates = training_dates(frame, spec.model_copy(update={"first_training_year": earliest}), cutoff)
    if len(all_dates) < 2:
        raise NotEnoughHistory(f"need at least two training years before {cutoff}, have {len(all_dates)}")
    features = spec.features()
    labels_as_known = spec
    if spec.censor_training_findings:
        censored = spec.adverse.model_copy(update={"findings_known_by": cutoff})
        labels_as_known = spec.model_copy(update={"adverse": censored})
    panel = build_panel(frame, labels_as_known, all_dates)
    if panel.label.sum() == 0 or panel.label.sum() == panel.label.size:
        raise NotEnoughHistory("the training years have no adverse events (or only adverse events)")

    held_out = _HeldOut.of(frame, spec, panel, all_dates)
    averaging = spec.combine == "average" and len(specs) > 1
    from_validation = spec.final_fit == "validation"  # no refit: each model is its validation fit

    def first_year(s: ModelSpec) -> int:
        return s.first_training_year or all_dates[0].year

    def training_rows(s: ModelSpec) -> npt.NDArray[np.bool_]:
        return panel.rows_in([d for d in all_dates if d.year >= first_year(s)])

    def parts(s: ModelSpec) -> CalibratedParts:
        rows = training_rows(s)
        return CalibratedParts.of(s, features, panel.features[rows], panel.label[rows])

    # One pool for every fit: the validation fits and, when averaging, every candidate's calibration
    # folds and final fit (``fits``); the figures are those of fitting candidate by candidate.
    plans = {name: _validation_plan(s, panel, all_dates) for name, s in specs.items()}
    validation_jobs = {
        name: _validation_job(specs[name], features, panel, plan)
        for name, plan in plans.items()
        if not isinstance(plan, str)
    }
    members_parts = {name: parts(s) for name, s in specs.items()} if averaging and not from_validation else {}
    done = run_jobs([*validation_jobs.values(), *(job for p in members_parts.values() for job in p.jobs())])
    fitted_validations = dict(zip(validation_jobs, done[: len(validation_jobs)], strict=True))
    scores = {name: fitted_validations.get(name, plan) for name, plan in plans.items()}
    validations = {name: held_out.report(spec, scores[name]) for name in specs}

    def validation_model(name: str) -> Any:
        """The candidate's validation fit, Platt-calibrated on its held-out-year decision function and labels."""
        validated = scores[name]
        if not isinstance(validated, Validated) or validated.model is None:
            raise NotEnoughHistory(f"final_fit 'validation': candidate '{name}' has no validation fit ({validated})")
        held_x = as_matrix(panel.features[panel.rows_for(held_out.as_of)])
        decision = np.asarray(validated.model.decision_function(held_x), dtype=np.float64)
        return platt_calibrated(specs[name], features, validated.model, decision, held_out.label)

    def fit(s: ModelSpec) -> Any:
        calibration = parts(s)
        run_jobs(calibration.jobs())
        return calibration.calibrated()

    parameters: ModelParameters | dict[str, ModelParameters]
    if averaging:
        chosen = "average"
        spec_used = spec.model_copy(update={"first_training_year": all_dates[0].year})
        members = {name: p.calibrated() for name, p in members_parts.items()}
        if from_validation:
            members = {name: validation_model(name) for name in specs}
        rows = training_rows(spec_used)
        estimator: Any = averaged(members, panel.features[rows], panel.label[rows])
        fitted = [v for v in scores.values() if isinstance(v, Validated)]
        mean: Validated | str = "a candidate could not be validated"
        if fitted and len(fitted) == len(specs):
            mean = Validated(sorted({d for v in fitted for d in v.trained_on}), np.mean([v.score for v in fitted], 0))
        validation = held_out.report(spec, mean)
        parameters = {name: s.parameters for name, s in specs.items()}
    else:
        chosen = _choose(validations)
        spec_used = specs[chosen]
        estimator = validation_model(chosen) if from_validation else fit(spec_used)
        validation = validations[chosen]
        parameters = spec_used.parameters
    dates = [d for d in all_dates if d.year >= first_year(spec_used)]
    if from_validation:  # the models were trained on the validation years only
        used = [v for name, v in scores.items() if isinstance(v, Validated) and (averaging or name == chosen)]
        dates = sorted({d for v in used for d in v.trained_on})
    card = ModelCard(
        model_id=model_identity(spec_used, features, dates, cutoff),
        trained_at=trained_at or datetime.now(UTC),
        estimator=AVERAGED_ESTIMATOR if averaging else ESTIMATOR,
        sklearn_version=sklearn.__version__,
        parameters=parameters,
        model_selection=_selection(chosen, "average" if averaging else "precision", validations),
        seed=spec.seed,
        training_window=TrainingWindow(
            cutoff=cutoff,
            as_of_dates=dates,
            label_window_months=spec.window_months,
            last_label_window_ends=spec.window_end(dates[-1]),
        ),
        adverse_event=spec.adverse.describe(),
        spec=spec,
        cohort=_cohort(spec, panel.select(panel.rows_in(dates))),
        base_rate=float(panel.label[panel.rows_in(dates)].mean()),
        features=[CardFeature(name=n, label=FEATURES[n].label, monotone=FEATURES[n].monotone) for n in features],
        protected_attributes=PROTECTED_ATTRIBUTES,
        temporal_validation=validation,
    )
    return TrainedModel(estimator, spec_used, features, card)


def _cohort(spec: ModelSpec, panel: Panel) -> Cohort:
    return Cohort(
        population_rule=spec.population,
        officer_years=int(panel.label.size),
        officers=int(pd.unique(panel.officer_ids).size),
        adverse_officer_years=int(panel.label.sum()),
    )


def _selection(chosen: str, by: str, validations: dict[str, TemporalValidation]) -> ModelSelection:
    metrics = {name: v.metrics for name, v in validations.items()}
    return ModelSelection(
        chosen=chosen,
        by=_SELECTION_BY[by],
        candidates={name: None if m is None else m.precision_at_top for name, m in metrics.items()},
        fewer_fp_than_rule_at_its_tp={
            name: None if m is None else m.fewer_fp_than_rule_at_its_tp for name, m in metrics.items()
        },
    )


def _choose(validations: dict[str, TemporalValidation]) -> str:
    """The candidate with the best validation precision at the top share; the first one wins a tie."""

    def precision(name: str) -> float:
        metrics = validations[name].metrics
        return -1.0 if metrics is None else metrics.precision_at_top or -1.0

    return max(validations, key=precision)


@dataclass(frozen=True)
class Validated:
    """A candidate's scores for the held-out year, fitted on ``trained_on``."""

    trained_on: list[date]
    score: npt.NDArray[np.float64]
    model: Any = field(default=None, compare=False, repr=False)


def _validation_score(spec: ModelSpec, features: list[str], panel: Panel, dates: list[date]) -> Validated | str:
    """Fit on the years whose label windows end by the last training as-of date; score that date (or why not)."""
    plan = _validation_plan(spec, panel, dates)
    if isinstance(plan, str):
        return plan
    with single_thread():
        return _validation_fit(spec, features, panel, plan)


@dataclass(frozen=True)
class _ValidationPlan:
    earlier: list[date]
    train: npt.NDArray[np.bool_]
    held_out: date


def _validation_plan(spec: ModelSpec, panel: Panel, dates: list[date]) -> _ValidationPlan | str:
    """The training dates and rows of the validation fit and the held-out date, or why there is none."""
    held_out = dates[-1]
    first_year = spec.first_training_year or dates[0].year
    earlier = [d for d in dates if spec.window_end(d) <= held_out and d.year >= first_year]
    if not earlier:
        return "not enough years to hold one out"
    train = panel.rows_in(earlier)
    if panel.label[train].sum() == 0:
        return "no adverse events to validate on"
    return _ValidationPlan(earlier, train, held_out)


def _validation_job(spec: ModelSpec, features: list[str], panel: Panel, plan: _ValidationPlan) -> Job:
    return Job(fit_cost(spec, int(plan.train.sum())), partial(_validation_fit, spec, features, panel, plan))


def _validation_fit(spec: ModelSpec, features: list[str], panel: Panel, plan: _ValidationPlan) -> Validated:
    matrix = as_matrix(panel.features)  # rows taken from the float32 matrix: half the copying of the frame's
    model = make_estimator(spec, features).fit(matrix[plan.train], panel.label[plan.train])
    score = model.predict_proba(matrix[panel.rows_for(plan.held_out)])[:, 1]
    return Validated(
        plan.earlier, np.asarray(score, dtype=np.float64), model if spec.final_fit == "validation" else None
    )


@dataclass(frozen=True)
class _HeldOut:
    """The latest training year as validation data: its labels, officers, groups and the rule's flags."""

    as_of: date
    label: npt.NDArray[np.int64]
    officer_ids: npt.NDArray[np.object_]
    groups: pd.DataFrame
    rule_flag: npt.NDArray[np.bool_]

    @classmethod
    def of(cls, frame: HistoryFrame, spec: ModelSpec, panel: Panel, dates: list[date]) -> _HeldOut:
        as_of = dates[-1]
        rows = panel.rows_for(as_of)
        ids = panel.officer_ids[rows]
        features = panel.features[rows]
        if not {"complaints_1y", "force_1y"} <= set(features.columns):  # the rule's inputs were left out
            features = history_features(frame, as_of, pd.Index(ids))
        groups = audit_groups(frame.demographics.loc[pd.Index(ids)], as_of)
        return cls(as_of, panel.label[rows], ids, groups, spec.rule.flags(features))

    def report(self, spec: ModelSpec, validated: Validated | str) -> TemporalValidation:
        if isinstance(validated, str):
            return TemporalValidation(as_of=self.as_of, note=validated)
        if self.label.sum() == 0:
            return TemporalValidation(as_of=self.as_of, note="no adverse events to validate on")
        score = validated.score
        metrics = ranking_metrics(score, self.label, spec.top_share)
        metrics["fewer_fp_than_rule_at_its_tp"] = fewer_fp_at_rule_tp(score, self.label, self.rule_flag)
        index = pd.Index(self.officer_ids)
        flags = pd.Series(top_flags(score, metrics["flagged"], self.officer_ids), index=index)
        adverse = pd.Series(self.label.astype(bool), index=index)
        return TemporalValidation(
            as_of=self.as_of,
            trained_on=validated.trained_on,
            metrics=ValidationMetrics.model_validate(metrics),
            fairness=fairness_table(flags, self.groups, adverse),
        )
