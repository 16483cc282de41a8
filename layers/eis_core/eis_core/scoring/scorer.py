"""The scorer step: a risk score per officer, from indicators, peer comparison and rules.

``Scorer`` is the seam for the agency's trained model: anything with a ``name``, JSON-able
``params()`` (everything that changes its scores: for a trained model, the estimator class,
hyper-parameters, training window, seed and a hash of the fitted state) and ``score(inputs)``
returning one float per officer (higher = more at risk) can replace ``FoundationScorer``.
The pipeline turns name and params into the ``scoring_config_id`` every score and alert carries (with
the scoring configuration); a scorer backed by a trained model also names it as ``trained_model_id``,
the id of its card at ``models/<trained_model_id>/card.json``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

from eis_core.indicators.history import FEATURES, history_features
from eis_core.scoring.peers import PeerComparison
from eis_core.scoring.rules import RuleResult

if TYPE_CHECKING:
    from eis_core.indicators.history import HistoryFrame
    from eis_core.scoring.estimator import TrainedModel


@dataclass(frozen=True)
class ScoringInputs:
    """Everything known about the population on one date, all indexed by officer id."""

    as_of: date
    indicators: pd.DataFrame
    roster: pd.DataFrame
    peers: PeerComparison
    rules: RuleResult
    history: HistoryFrame | None = None
    """Career event history, for scorers that need more than the indicators (the trained model)."""


class Scorer(Protocol):
    @property
    def name(self) -> str: ...

    def params(self) -> dict[str, Any]: ...

    def score(self, inputs: ScoringInputs) -> pd.Series: ...


DEFAULT_WEIGHTS: dict[str, float] = {
    "force_90d": 1.0,
    "force_365d": 1.0,
    "force_subject_injured_365d": 1.0,
    "complaint_180d": 1.0,
    "complaint_365d": 1.0,
    "complaint_sustained_365d": 1.0,
    "accident_preventable_365d": 1.0,
    "pursuit_180d": 1.0,
    "injury_365d": 1.0,
    "sick_leave_days_90d": 1.0,
    "discipline_365d": 1.0,
    "lawsuit_365d": 1.0,
    "incidents_trend": 1.0,
}
"""Key indicators for the foundation score; each weighs its peer-relative deviation."""


class FoundationScorer:
    """Mean of the officer's ``top_k`` largest weighted robust z-scores above peers.

    Only deviations above the peer median count (being better than peers never offsets being worse
    elsewhere), each capped at ``z_cap`` so one extreme count cannot dominate, and averaging the top
    few rewards a pattern across indicators over a single outlier.
    """

    def __init__(self, weights: Mapping[str, float] | None = None, *, top_k: int = 3, z_cap: float = 10.0) -> None:
        if top_k < 1:
            raise ValueError("top_k must be at least 1")
        self.weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        self.top_k = top_k
        self.z_cap = z_cap

    @property
    def name(self) -> str:
        return "foundation"

    @property
    def trained_model_id(self) -> str | None:
        """None: the peer-and-rule scorer has no trained model."""
        return None

    def params(self) -> dict[str, Any]:
        return {"weights": dict(sorted(self.weights.items())), "top_k": self.top_k, "z_cap": self.z_cap, "version": 1}

    def score(self, inputs: ScoringInputs) -> pd.Series:
        columns = list(self.weights)
        z = inputs.peers.robust_z.reindex(columns=columns).to_numpy(dtype="float64", na_value=np.nan)
        weighted = np.clip(np.nan_to_num(z, nan=0.0) * np.array([self.weights[c] for c in columns]), 0.0, self.z_cap)
        k = min(self.top_k, len(columns))
        top = np.sort(weighted, axis=1)[:, -k:] if k else np.zeros((len(weighted), 1))
        return pd.Series(top.mean(axis=1), index=inputs.indicators.index, name="score")


def scoring_config_id(scorer: Scorer, pipeline_params: Mapping[str, Any]) -> str:
    """'<scorer>-<10 hex>': a hash of the scorer and every parameter that shapes scores and alerts.

    It identifies the scoring setup, not a trained model: that is the scorer's ``trained_model_id``.
    """
    document = {"scorer": scorer.name, "params": scorer.params(), "pipeline": pipeline_params}
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
    return f"{scorer.name}-{hashlib.sha256(canonical.encode()).hexdigest()[:10]}"


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

    @property
    def trained_model_id(self) -> str:
        return self.model.model_id

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
