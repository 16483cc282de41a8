"""What the agency's model learns: the ``ModelSpec`` (triage's experiment config), read from JSON.

Everything in a spec that changes the fitted model goes into the model id (``card.model_identity``);
the backtest's leakage check does not change what is learnt and is left out of it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, ClassVar, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from eis_core.dates import add_months
from eis_core.documents import parse_document
from eis_core.indicators.history import FEATURE_KIND, FEATURES, KINDS, AdverseDefinition, PopulationRule

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


class LeakageCheck(BaseModel):
    """Backtest figures too good to be true, a sign that the features see the outcome: the report warns.

    The AUC ceiling applies to every test year; a precision ceiling is an agency's own, for the years where
    it knows what an honest model reaches on its data (the Chicago demonstration agency's 2014).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_auc: float = Field(default=0.80, gt=0, le=1, description="Warn when the model's AUC is above this")
    max_precision_at_top: dict[int, float] = Field(
        default_factory=dict,
        description="By test year: warn when the model's precision at the top share is above this",
    )

    def warns(self, test_year: int, metrics: dict[str, Any]) -> bool:
        ceiling = self.max_precision_at_top.get(test_year)
        return bool(
            (metrics["auc"] or 0) > self.max_auc or (ceiling is not None and metrics["precision_at_top"] > ceiling)
        )

    def describe(self) -> str:
        ceilings = [f"{year} precision > {value:.2f}" for year, value in sorted(self.max_precision_at_top.items())]
        return " or ".join([f"AUC > {self.max_auc:.2f}", *ceilings])


class Candidate(BaseModel):
    """One alternative setting, chosen (or not) by temporal validation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    parameters: ModelParameters = ModelParameters()
    first_training_year: int | None = None


class ModelSpec(BaseModel):
    """Everything that decides what the model learns (all of it goes into the model id), and its backtest check."""

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
    final_fit: Literal["all_years", "validation"] = Field(
        default="all_years",
        description="Each candidate's model: refitted on every training year and Platt-calibrated on its own "
        "folds ('all_years'), or its validation fit itself (trained on the years before the held-out latest "
        "training year) Platt-calibrated on that held-out year's scores ('validation': 1 fit per candidate)",
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
    leakage_check: LeakageCheck = Field(
        default=LeakageCheck(),
        description="When a backtest's figures are suspiciously good; not part of what is learnt (nor the model id)",
    )
    outside_population: Literal["scored", "not_scored"] = Field(
        default="scored",
        description="Daily scoring of officers on the roster but outside the population: 'scored' stores their "
        "score for the record, 'not_scored' leaves them out; either way they are never alerted. Not part of "
        "what is learnt (nor the model id)",
    )

    @field_validator("excluded_kinds")
    @classmethod
    def _known_kinds(cls, kinds: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            raise ValueError(f"unknown record kind(s) {', '.join(unknown)}; choose from {', '.join(KINDS)}")
        return kinds

    @field_validator("excluded_features")
    @classmethod
    def _known_features(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(names) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown feature(s) {', '.join(unknown)}; `eis spec features` lists them")
        return names

    NOT_LEARNT: ClassVar[frozenset[str]] = frozenset({"leakage_check", "outside_population"})
    """Fields that do not change the fitted model: left out of the model id and the pickled spec."""

    def learnt(self) -> dict[str, Any]:
        """The spec as JSON without the fields that do not change the fitted model (``NOT_LEARNT``)."""
        default_fit = {"final_fit"} if self.final_fit == "all_years" else set()  # model ids as before it existed
        return self.model_dump(mode="json", exclude=set(self.NOT_LEARNT) | default_fit)

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


def parse_spec(document: str | bytes | dict[str, Any], *, source: str) -> ModelSpec:
    """Validate a spec document; ValidationFailed names the file and each bad field by its path."""
    return parse_document(ModelSpec, document, source=source, what="model spec")


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema of a model spec document (``models/spec.json``), for editors and documentation."""
    return ModelSpec.model_json_schema()


def packaged_spec(agency_id: str) -> ModelSpec:
    """The spec shipped for ``agency_id``, or the default; a broken file is an error naming it."""
    path = PACKAGED_SPECS / f"{agency_id}.json"
    if not path.exists():
        return ModelSpec()
    return parse_spec(path.read_bytes(), source=str(path))
