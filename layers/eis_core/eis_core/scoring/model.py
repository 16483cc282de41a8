"""The agency's model: trained on its own history with temporal validation, stored with a model card.

Method (ported from the Chicago study, ``scratch/chicago_model/NOTES.md``): one
``HistGradientBoostingClassifier`` on career event-history features (``indicators.history``), with
monotone constraints (an extra complaint or force report never lowers the score; more days since
the last one never raises it), fixed iterations and seed, wrapped in a Platt-calibrated
``CalibratedClassifierCV(ensemble=False)`` so the ranking is that of a single boosted model.
With several candidate settings, validation picks the one with the best precision at the top share,
or all of them are trained and their calibrated probabilities averaged (``combine="average"``).

Training rows are officer-years: the population on Jan 1 of each training year, features from what
was known before that day, label = an adverse event known within the following window. Every label
window ends on or before the training cutoff, so nothing after it is learnt. Temporal validation
holds out the latest training year (trained on the years before it only) and its metrics, fairness
table included, go into the model card. Race, sex and birth year are never features.

The fitted model is a pickle in the agency's own artifacts bucket; the card records its sha256 and
loading verifies it (we only unpickle what this system wrote to the agency's bucket).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import sklearn
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from eis_core.errors import NotFoundError
from eis_core.indicators.history import (
    FEATURE_KIND,
    FEATURES,
    AdverseDefinition,
    HistoryFrame,
    PopulationRule,
    adverse_outcomes,
    history_features,
    population,
)
from eis_core.scoring.fairness import audit_groups, fairness_table
from eis_core.scoring.scorer import ScoringInputs
from eis_core.storage.ports import ArtifactStore

T = TypeVar("T")

MODELS_PREFIX = "models/"
CURRENT_KEY = "models/current.json"
SPEC_KEY = "models/spec.json"
"""Optional agency-specific ``ModelSpec`` (JSON) the retraining job reads; defaults otherwise."""
PACKAGED_SPECS = Path(__file__).resolve().parent / "specs"
"""Specs that ship with EIS (``<agency_id>.json``), e.g. the Chicago demonstration agency's."""


class ModelParameters(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    learning_rate: float = Field(default=0.1, gt=0, le=1)
    max_iter: int = Field(default=120, ge=1, le=2000)
    max_leaf_nodes: int = Field(default=15, ge=2, le=255)
    min_samples_leaf: int = Field(default=200, ge=1)
    l2_regularization: float = Field(default=1.0, ge=0)
    calibration_folds: int = Field(default=3, ge=2, le=10)


class BacktestRule(BaseModel):
    """The classic EIS threshold the model is compared with, in backtests and the model card's validation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_complaints_1y: int = Field(default=3, ge=1)
    min_force_1y: int = Field(default=2, ge=1)

    def describe(self) -> str:
        return f">= {self.min_complaints_1y} complaints or >= {self.min_force_1y} use-of-force reports in 12 months"

    def flags(self, features: pd.DataFrame) -> npt.NDArray[np.bool_]:
        return np.asarray(
            (features["complaints_1y"] >= self.min_complaints_1y) | (features["force_1y"] >= self.min_force_1y)
        )

    def score(self, features: pd.DataFrame) -> npt.NDArray[np.float64]:
        extra = (features["complaints_1y"] + features["force_1y"]).to_numpy(np.float64)
        score: npt.NDArray[np.float64] = self.flags(features) * 1000.0 + extra
        return score


class Candidate(BaseModel):
    """One alternative setting, chosen (or not) by temporal validation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    parameters: ModelParameters = ModelParameters()
    first_training_year: int | None = None


class ModelSpec(BaseModel):
    """Everything that decides what the model learns; all of it goes into the model id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    adverse: AdverseDefinition = AdverseDefinition()
    window_months: int = Field(default=12, ge=1, le=60, description="Prediction window after the as-of date")
    population: PopulationRule = PopulationRule()
    first_training_year: int | None = Field(default=None, description="Earliest Jan 1 used as a training as-of date")
    excluded_kinds: tuple[str, ...] = Field(
        default=(), description="Record kinds left out of the features, e.g. lawsuits known only when paid"
    )
    excluded_features: tuple[str, ...] = Field(default=(), description="Feature names left out")
    parameters: ModelParameters = ModelParameters()
    candidates: tuple[Candidate, ...] = Field(
        default=(),
        description="Alternatives to choose from by precision at the top share on the latest training year "
        "(fitted on the years before it); empty: use parameters and first_training_year as they are",
    )
    combine: Literal["choose", "average"] = Field(
        default="choose",
        description="With candidates: use the chosen one, or average the calibrated probabilities of all of "
        "them (each trained from its own first training year)",
    )
    rule: BacktestRule = Field(
        default=BacktestRule(), description="The threshold rule the validation compares with, in the model card"
    )
    censor_training_findings: bool = Field(
        default=False,
        description="Training labels count a sustained finding only if decided before the training cutoff, "
        "as a deployed retrain sees them (a backtest otherwise learns from findings decided later)",
    )
    seed: int = 0
    notes: str = Field(default="", description="Why these settings, in words, for the model card's readers")
    top_share: float = Field(default=0.05, gt=0, le=1, description="Share flagged, for validation metrics")

    def resolved(self, candidate: Candidate) -> ModelSpec:
        return self.model_copy(
            update={
                "parameters": candidate.parameters,
                "first_training_year": candidate.first_training_year or self.first_training_year,
                "candidates": (),
                "combine": "choose",
            }
        )

    def features(self) -> list[str]:
        return [
            name
            for name in FEATURES
            if FEATURE_KIND.get(name, "") not in self.excluded_kinds and name not in self.excluded_features
        ]

    def window_end(self, as_of: date) -> date:
        return add_months(as_of, self.window_months)


def packaged_spec(agency_id: str) -> ModelSpec:
    """The spec shipped for ``agency_id``, or the default; a broken file is an error naming it."""
    path = PACKAGED_SPECS / f"{agency_id}.json"
    if not path.exists():
        return ModelSpec()
    try:
        return ModelSpec.model_validate_json(path.read_text(encoding="utf-8"))
    except ValidationError as error:
        raise ValueError(f"{path}: not a valid model spec: {error}") from None


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, 28 if month == 2 else 30 if month in (4, 6, 9, 11) else 31))


# ---------------------------------------------------------------------------------------- panel


@dataclass(frozen=True)
class Panel:
    """Officer-years: features, label and first adverse day, one block per as-of date."""

    features: pd.DataFrame
    label: npt.NDArray[np.int64]
    first_adverse: npt.NDArray[np.float64]
    as_of: npt.NDArray[np.int64]
    officer_ids: npt.NDArray[np.object_]

    def rows_for(self, as_of: date) -> npt.NDArray[np.bool_]:
        return np.asarray(self.as_of == as_of.toordinal())


def build_panel(frame: HistoryFrame, spec: ModelSpec, dates: list[date]) -> Panel:
    blocks, labels, firsts, days, ids = [], [], [], [], []
    columns = spec.features()
    for as_of in dates:
        officers = population(frame, as_of, spec.population)
        features = history_features(frame, as_of, officers)[columns]
        first = adverse_outcomes(frame, as_of, (spec.window_end(as_of) - as_of).days, officers, spec.adverse).to_numpy()
        blocks.append(features)
        labels.append((~np.isnan(first)).astype(np.int64))
        firsts.append(first)
        days.append(np.full(len(officers), as_of.toordinal(), dtype=np.int64))
        ids.append(officers.to_numpy(dtype=object))
    return Panel(
        features=pd.concat(blocks) if blocks else pd.DataFrame(columns=columns),
        label=np.concatenate(labels) if labels else np.zeros(0, np.int64),
        first_adverse=np.concatenate(firsts) if firsts else np.zeros(0),
        as_of=np.concatenate(days) if days else np.zeros(0, np.int64),
        officer_ids=np.concatenate(ids) if ids else np.zeros(0, object),
    )


def training_dates(frame: HistoryFrame, spec: ModelSpec, cutoff: date) -> list[date]:
    """Jan 1 of each year whose label window ends by ``cutoff``, from the first year with history."""
    if frame.size == 0:
        return []
    first_event = date.fromordinal(int(frame.known.min()))
    first = spec.first_training_year or first_event.year + 1
    dates = []
    year = first
    while spec.window_end(date(year, 1, 1)) <= cutoff:
        dates.append(date(year, 1, 1))
        year += 1
    return dates


# ---------------------------------------------------------------------------------------- estimator


def as_matrix(x: pd.DataFrame) -> npt.NDArray[np.float32]:
    """Model input: unknown values (a rate without exposure records) become -1, below any real value.

    An agency that never sends the exposure gives an all-unknown column, which the estimator cannot bin.
    """
    matrix: npt.NDArray[np.float32] = np.nan_to_num(x.to_numpy(np.float32), nan=-1.0)
    return matrix


def make_estimator(spec: ModelSpec, features: list[str]) -> HistGradientBoostingClassifier:
    p = spec.parameters
    return HistGradientBoostingClassifier(
        learning_rate=p.learning_rate,
        max_iter=p.max_iter,
        max_leaf_nodes=p.max_leaf_nodes,
        min_samples_leaf=p.min_samples_leaf,
        l2_regularization=p.l2_regularization,
        early_stopping=False,
        monotonic_cst=[FEATURES[name].monotone for name in features],
        random_state=spec.seed,
    )


def fit_calibrated(spec: ModelSpec, features: list[str], x: pd.DataFrame, y: npt.NDArray[np.int64]) -> Any:
    folds = StratifiedKFold(spec.parameters.calibration_folds, shuffle=False)
    model = CalibratedClassifierCV(make_estimator(spec, features), method="sigmoid", ensemble=False, cv=folds)
    with single_thread():
        return model.fit(as_matrix(x), y)


class AveragedEstimator:
    """The mean of the members' calibrated probabilities (``combine="average"``)."""

    def __init__(self, members: list[Any]) -> None:
        self.members = members

    def predict_proba(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        return np.asarray(np.mean([member.predict_proba(x) for member in self.members], axis=0), dtype=np.float64)


def _each_in_parallel(work: Callable[[ModelSpec], T], specs: list[ModelSpec]) -> list[T]:
    """Candidates are independent fits and boosting releases the GIL, so threads use every core (~2x on 2)."""
    workers = max(1, min(len(specs), os.cpu_count() or 1))
    with single_thread():  # one OpenMP thread per fit, set once for all the threads
        if workers == 1:
            return [work(spec) for spec in specs]
        with ThreadPoolExecutor(workers) as pool:
            return list(pool.map(work, specs))


def single_thread() -> threadpool_limits:
    """Boosting on this class of machine (2 cores) is 2-4x slower with OpenMP threads, far worse under load."""
    return threadpool_limits(limits=1, user_api="openmp")


# ---------------------------------------------------------------------------------------- metrics


def topk_tp(score: npt.ArrayLike, y: npt.ArrayLike, k: int) -> float:
    """True positives among the top k; ties at the boundary count at their average (random tie-break)."""
    s, labels = np.asarray(score, float), np.asarray(y, float)
    if k <= 0 or s.size == 0:
        return 0.0
    k = min(k, s.size)
    threshold = np.sort(s)[::-1][k - 1]
    above, tie = s > threshold, s == threshold
    return float(labels[above].sum() + (k - above.sum()) * labels[tie].mean())


def k_for_tp(score: npt.ArrayLike, y: npt.ArrayLike, target: float) -> int:
    """The fewest flags (by score) whose expected true positives reach ``target``."""
    s, labels = np.asarray(score, float), np.asarray(y, float)
    order = np.argsort(-s, kind="stable")
    k = int(np.searchsorted(np.cumsum(labels[order]), target - 1e-9) + 1)
    while k > 1 and topk_tp(s, labels, k - 1) >= target - 1e-9:
        k -= 1
    while k < s.size and topk_tp(s, labels, k) < target - 1e-9:
        k += 1
    return k


def top_flags(score: npt.ArrayLike, k: int, officer_ids: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Exactly k flags: highest score first, ties by officer id (reproducible)."""
    frame = pd.DataFrame({"score": np.asarray(score, float), "officer": np.asarray(officer_ids, dtype=object)})
    order = frame.sort_values(["score", "officer"], ascending=[False, True], kind="stable").index[:k]
    flags = np.zeros(len(frame), dtype=bool)
    flags[order] = True
    return flags


def fewer_fp_at_rule_tp(
    score: npt.ArrayLike, y: npt.NDArray[np.int64], rule_flag: npt.NDArray[np.bool_]
) -> float | None:
    """1 - the model's false positives at the rule's true-positive count / the rule's false positives.

    Undefined when the rule catches nobody or flags nobody wrongly.
    """
    rule_tp = float(y[rule_flag].sum())
    rule_fp = float(rule_flag.sum()) - rule_tp
    if not rule_tp or not rule_fp:
        return None
    k = k_for_tp(score, y, rule_tp)
    return 1 - (k - topk_tp(score, y, k)) / rule_fp


def ranking_metrics(score: npt.ArrayLike, y: npt.NDArray[np.int64], top_share: float) -> dict[str, Any]:
    n = int(y.size)
    k = max(1, int(np.ceil(top_share * n)))
    base = float(y.mean()) if n else 0.0
    tp = topk_tp(score, y, k)
    positives = int(y.sum())
    return {
        "officers": n,
        "adverse": positives,
        "base_rate": base,
        "flagged": k,
        "precision_at_top": tp / k,
        "recall_at_top": tp / positives if positives else None,
        "lift_at_top": (tp / k) / base if base else None,
        "auc": float(roc_auc_score(y, score)) if 0 < positives < n else None,
    }


# ---------------------------------------------------------------------------------------- training


class TrainedModel:
    """A fitted model, its features and spec, and its card."""

    def __init__(self, estimator: Any, spec: ModelSpec, features: list[str], card: dict[str, Any]) -> None:
        self.estimator = estimator
        self.spec = spec
        self.features = features
        self.card = card

    @property
    def model_id(self) -> str:
        return str(self.card["model_id"])

    def predict(self, x: pd.DataFrame) -> npt.NDArray[np.float64]:
        with single_thread():
            return np.asarray(self.estimator.predict_proba(as_matrix(x[self.features]))[:, 1], dtype=np.float64)

    def contributions(self, x: pd.DataFrame, reference: pd.Series, top: int = 3) -> list[list[tuple[str, float]]]:
        """Per row, the features that raise its score most: the drop when each is set to ``reference``.

        One re-score per feature, only for the rows asked for (the flagged few), so it stays cheap.
        """
        base = self.predict(x)
        drops = np.zeros((len(x), len(self.features)))
        for column, name in enumerate(self.features):
            if x[name].equals(pd.Series(reference[name], index=x.index)):
                continue
            changed = x.copy()
            changed[name] = reference[name]
            drops[:, column] = base - self.predict(changed)
        result = []
        for row in range(len(x)):
            order = np.argsort(-drops[row], kind="stable")[:top]
            result.append([(self.features[c], float(drops[row, c])) for c in order if drops[row, c] > 1e-6])
        return result

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        pickle.dump(
            {"estimator": self.estimator, "spec": self.spec.model_dump(mode="json"), "features": self.features},
            buffer,
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        return buffer.getvalue()


def model_identity(spec: ModelSpec, features: list[str], dates: list[date], cutoff: date) -> str:
    """'model-<12 hex>': estimator, parameters, features, data window and seed."""
    document = {
        "estimator": "CalibratedClassifierCV(sigmoid, ensemble=False) of HistGradientBoostingClassifier",
        "sklearn": sklearn.__version__,
        "spec": spec.model_dump(mode="json"),
        "features": features,
        "training_as_of": [d.isoformat() for d in dates],
        "cutoff": cutoff.isoformat(),
    }
    digest = hashlib.sha256(json.dumps(document, sort_keys=True).encode()).hexdigest()
    return f"model-{digest[:12]}"


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
    validated = _each_in_parallel(lambda s: _validation_score(s, features, panel, all_dates), list(specs.values()))
    scores = dict(zip(specs, validated, strict=True))
    validations = {name: held_out.report(spec, scores[name]) for name in specs}
    averaging = spec.combine == "average" and len(specs) > 1

    def first_year(s: ModelSpec) -> int:
        return s.first_training_year or all_dates[0].year

    def fit(s: ModelSpec) -> Any:
        rows = np.isin(panel.as_of, [d.toordinal() for d in all_dates if d.year >= first_year(s)])
        return fit_calibrated(s, features, panel.features[rows], panel.label[rows])

    if averaging:
        chosen = "average"
        spec_used = spec.model_copy(update={"first_training_year": all_dates[0].year})
        estimator: Any = AveragedEstimator(_each_in_parallel(fit, list(specs.values())))
        fitted = [v for v in scores.values() if isinstance(v, Validated)]
        mean: Validated | str = "a candidate could not be validated"
        if fitted and len(fitted) == len(specs):
            mean = Validated(sorted({d for v in fitted for d in v.trained_on}), np.mean([v.score for v in fitted], 0))
        validation = held_out.report(spec, mean)
        parameters: dict[str, Any] = {name: s.parameters.model_dump(mode="json") for name, s in specs.items()}
    else:
        chosen = _choose(validations)
        spec_used = specs[chosen]
        estimator = fit(spec_used)
        validation = validations[chosen]
        parameters = spec_used.parameters.model_dump(mode="json")
    dates = [d for d in all_dates if d.year >= first_year(spec_used)]
    rows = np.isin(panel.as_of, [d.toordinal() for d in dates])
    identity = model_identity(spec_used, features, dates, cutoff)
    panel = Panel(
        panel.features[rows], panel.label[rows], panel.first_adverse[rows], panel.as_of[rows], panel.officer_ids[rows]
    )
    card: dict[str, Any] = {
        "model_id": identity,
        "trained_at": (trained_at or datetime.now(UTC)).isoformat(),
        "estimator": ("mean of " if averaging else "")
        + "CalibratedClassifierCV(method='sigmoid', ensemble=False) of HistGradientBoostingClassifier",
        "sklearn_version": sklearn.__version__,
        "parameters": parameters,
        "model_selection": {
            "chosen": chosen,
            "by": _SELECTION_BY["average" if averaging else "precision"],
            "candidates": {name: v.get("metrics", {}).get("precision_at_top") for name, v in validations.items()},
            "fewer_fp_than_rule_at_its_tp": {
                name: v.get("metrics", {}).get("fewer_fp_than_rule_at_its_tp") for name, v in validations.items()
            },
        },
        "seed": spec.seed,
        "training_window": {
            "cutoff": cutoff.isoformat(),
            "as_of_dates": [d.isoformat() for d in dates],
            "label_window_months": spec.window_months,
            "last_label_window_ends": spec.window_end(dates[-1]).isoformat(),
        },
        "adverse_event": spec.adverse.describe(),
        "spec": spec.model_dump(mode="json"),
        "cohort": {
            "population_rule": spec.population.model_dump(mode="json"),
            "officer_years": int(panel.label.size),
            "officers": int(pd.unique(panel.officer_ids).size),
            "adverse_officer_years": int(panel.label.sum()),
        },
        "base_rate": float(panel.label.mean()),
        "features": [
            {"name": name, "label": FEATURES[name].label, "monotone": FEATURES[name].monotone} for name in features
        ],
        "protected_attributes": "race, sex and age are never model inputs; used only for the fairness table",
        "temporal_validation": validation,
    }
    return TrainedModel(estimator, spec_used, features, card)


_SELECTION_BY = {
    "precision": "precision at the top share on the latest training year, fitted on the years before it",
    "average": "none: the calibrated probabilities of all candidates are averaged; validation scores the mean of "
    "their (uncalibrated) probabilities",
}


def _choose(validations: dict[str, dict[str, Any]]) -> str:
    """The candidate with the best validation precision at the top share; the first one wins a tie."""
    return max(validations, key=lambda name: validations[name].get("metrics", {}).get("precision_at_top") or -1.0)


@dataclass(frozen=True)
class Validated:
    """A candidate's scores for the held-out year, fitted on ``trained_on``."""

    trained_on: list[date]
    score: npt.NDArray[np.float64]


def _validation_score(spec: ModelSpec, features: list[str], panel: Panel, dates: list[date]) -> Validated | str:
    """Fit on the years whose label windows end by the last training as-of date; score that date (or why not)."""
    held_out = dates[-1]
    first_year = spec.first_training_year or dates[0].year
    earlier = [d for d in dates if spec.window_end(d) <= held_out and d.year >= first_year]
    if not earlier:
        return "not enough years to hold one out"
    train = np.isin(panel.as_of, [d.toordinal() for d in earlier])
    y_train = panel.label[train]
    if y_train.sum() == 0:
        return "no adverse events to validate on"
    with single_thread():
        model = make_estimator(spec, features).fit(as_matrix(panel.features[train]), y_train)
        score = model.predict_proba(as_matrix(panel.features[panel.rows_for(held_out)]))[:, 1]
    return Validated(earlier, np.asarray(score, dtype=np.float64))


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

    def report(self, spec: ModelSpec, validated: Validated | str) -> dict[str, Any]:
        if isinstance(validated, str):
            return {"note": validated, "as_of": self.as_of.isoformat()}
        if self.label.sum() == 0:
            return {"note": "no adverse events to validate on", "as_of": self.as_of.isoformat()}
        score = validated.score
        metrics = ranking_metrics(score, self.label, spec.top_share)
        metrics["fewer_fp_than_rule_at_its_tp"] = fewer_fp_at_rule_tp(score, self.label, self.rule_flag)
        index = pd.Index(self.officer_ids)
        flags = pd.Series(top_flags(score, metrics["flagged"], self.officer_ids), index=index)
        adverse = pd.Series(self.label.astype(bool), index=index)
        return {
            "as_of": self.as_of.isoformat(),
            "trained_on": [d.isoformat() for d in validated.trained_on],
            "metrics": metrics,
            "fairness": fairness_table(flags, self.groups, adverse),
        }


# ---------------------------------------------------------------------------------------- scorer


class ModelScorer:
    """The trained model as the pipeline's ``Scorer``: a calibrated probability per officer."""

    min_flag_score = 0.0
    """Flag by rank among probabilities; the foundation scorer's robust-z floor does not apply."""

    def __init__(self, model: TrainedModel, artifact_sha256: str | None = None) -> None:
        self.model = model
        self.artifact_sha256 = artifact_sha256

    @property
    def name(self) -> str:
        return "model"

    def params(self) -> dict[str, Any]:
        return {"model_id": self.model.model_id, "artifact_sha256": self.artifact_sha256}

    def score(self, inputs: ScoringInputs) -> pd.Series:
        if inputs.history is None:
            raise ValueError("the model scorer needs the event history (run the pipeline with history=...)")
        features = history_features(inputs.history, inputs.as_of, inputs.indicators.index)
        return pd.Series(self.model.predict(features), index=inputs.indicators.index, name="score")

    def explain(self, inputs: ScoringInputs, officer_ids: list[str], top: int = 3) -> dict[str, list[str]]:
        """For each officer, sentences naming the features that raised their score most."""
        if inputs.history is None or not officer_ids:
            return {}
        everyone = history_features(inputs.history, inputs.as_of, inputs.indicators.index)
        reference = everyone[self.model.features].median()
        chosen = everyone.loc[officer_ids]
        sentences: dict[str, list[str]] = {}
        contributions = self.model.contributions(chosen, reference, top)
        for position, (officer, items) in enumerate(zip(officer_ids, contributions, strict=True)):
            sentences[officer] = [
                f"{FEATURES[name].label}: {_number(float(chosen[name].to_numpy()[position]))} "
                f"(population median {_number(reference[name])}; adds {100 * drop:.1f} percentage points)"
                for name, drop in items
            ]
        return sentences


def _number(value: float) -> str:
    return "unknown" if pd.isna(value) else (f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}")


# ---------------------------------------------------------------------------------------- storage


class ModelRepository:
    """Models in the agency's artifacts bucket: ``models/<id>/model.pkl`` + ``card.json``, and a pointer."""

    def __init__(self, artifacts: ArtifactStore) -> None:
        self._artifacts = artifacts

    def save(self, model: TrainedModel, *, make_current: bool = True) -> dict[str, Any]:
        blob = model.to_bytes()
        digest = hashlib.sha256(blob).hexdigest()
        prefix = f"{MODELS_PREFIX}{model.model_id}/"
        card = model.card | {"artifact_key": f"{prefix}model.pkl", "artifact_sha256": digest}
        model.card = card
        self._artifacts.put_bytes(f"{prefix}model.pkl", blob)
        self._artifacts.put_json(f"{prefix}card.json", card)
        if make_current:
            self._artifacts.put_json(CURRENT_KEY, {"model_id": model.model_id, "artifact_sha256": digest})
        return card

    def current_id(self) -> str | None:
        if CURRENT_KEY not in set(self._artifacts.keys(CURRENT_KEY)):
            return None
        return str(self._artifacts.get_json(CURRENT_KEY)["model_id"])

    def load(self, model_id: str | None = None) -> ModelScorer | None:
        """The current (or named) model, or None when the agency has none; a tampered blob is an error."""
        model_id = model_id or self.current_id()
        if model_id is None:
            return None
        prefix = f"{MODELS_PREFIX}{model_id}/"
        try:
            card = self._artifacts.get_json(f"{prefix}card.json")
            blob = self._artifacts.get_bytes(f"{prefix}model.pkl")
        except NotFoundError:
            return None
        digest = hashlib.sha256(blob).hexdigest()
        if digest != card.get("artifact_sha256"):
            raise ValueError(f"model {model_id}: artifact sha256 {digest} does not match its card; refusing to load")
        state = pickle.loads(blob)  # noqa: S301 - our own artifact from the agency's bucket, hash verified
        model = TrainedModel(state["estimator"], ModelSpec.model_validate(state["spec"]), state["features"], card)
        return ModelScorer(model, digest)

    def spec(self) -> ModelSpec:
        """The agency's model spec (``models/spec.json``), or the default."""
        if SPEC_KEY in set(self._artifacts.keys(SPEC_KEY)):
            return ModelSpec.model_validate(self._artifacts.get_json(SPEC_KEY))
        return ModelSpec()
