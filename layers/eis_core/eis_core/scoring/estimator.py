"""The model itself: calibrated gradient boosting on career event-history features, and the fitted wrapper.

One ``HistGradientBoostingClassifier`` (method ported from the independent Chicago study, summarised
in ``specs/chicago-demo.json``'s notes and the README's scoring section) with monotone constraints
(an extra complaint or force report never lowers the score; more days since the last one never
raises it), fixed iterations and seed, fitted on the columns that vary in its training rows
(``VaryingColumns``: the same trees, less work), wrapped in a Platt-calibrated
``CalibratedClassifierCV(ensemble=False)`` so the ranking is that of a single boosted model. Averaged
candidates are a soft ``VotingClassifier`` over the frozen, already fitted members: the scikit-learn
estimator contract, and the mean of their calibrated probabilities.
"""

from __future__ import annotations

import io
import pickle
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier, VotingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from eis_core.indicators.history import FEATURES
from eis_core.scoring.card import ModelCard
from eis_core.scoring.spec import ModelSpec


def single_thread() -> threadpool_limits:
    """Boosting on this class of machine (2 cores) is 2-4x slower with OpenMP threads, far worse under load."""
    return threadpool_limits(limits=1, user_api="openmp")


def as_matrix(x: pd.DataFrame) -> npt.NDArray[np.float32]:
    """Model input: unknown values (a rate without exposure records) become -1, below any real value.

    An agency that never sends the exposure gives an all-unknown column, which the estimator cannot bin.
    """
    matrix: npt.NDArray[np.float32] = np.nan_to_num(x.to_numpy(np.float32, copy=True), nan=-1.0, copy=False)
    return matrix


class VaryingColumns(ClassifierMixin, BaseEstimator):  # type: ignore[misc]  # scikit-learn has no type hints
    """``estimator`` fitted on the columns with more than one value in the training rows; it sees only those.

    A histogram gradient boosting never splits on a column with one value, yet bins it and builds its
    histogram at every node of every iteration: 12 of Chicago's 58 columns (kinds of record the
    agency does not send) cost a fifth of the fit. Without them the trees, and so the probabilities,
    are identical (``tests/unit/test_varying_columns.py``). ``predict_proba`` and ``decision_function``
    take all the columns, as the estimator would; ``monotonic_cst`` (one per column) is kept for those
    fitted on. With no varying column at all every column is kept, as the estimator alone would be fitted.
    """

    def __init__(self, estimator: Any) -> None:
        self.estimator = estimator

    def fit(self, x: npt.NDArray[np.float32], y: npt.NDArray[np.int64], sample_weight: Any = None) -> VaryingColumns:
        x = np.asarray(x)
        varying = np.flatnonzero(~(x.min(axis=0) == x.max(axis=0))) if len(x) else np.arange(x.shape[1])
        if varying.size == 0:
            varying = np.arange(x.shape[1])
        estimator = clone(self.estimator)
        constraints = estimator.get_params().get("monotonic_cst")
        if constraints is not None:
            estimator.set_params(monotonic_cst=[constraints[i] for i in varying])
        weights = {} if sample_weight is None else {"sample_weight": sample_weight}
        self.estimator_ = estimator.fit(x[:, varying], y, **weights)
        self.columns_ = varying
        self.n_features_in_ = x.shape[1]
        self.classes_ = self.estimator_.classes_
        return self

    def _columns(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        x = np.asarray(x)
        if x.ndim != 2 or x.shape[1] != self.n_features_in_:
            raise ValueError(f"X has {x.shape[-1]} features, but {type(self).__name__} expects {self.n_features_in_}")
        return x[:, self.columns_]

    def predict_proba(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        return np.asarray(self.estimator_.predict_proba(self._columns(x)))

    def decision_function(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        return np.asarray(self.estimator_.decision_function(self._columns(x)))

    def predict(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
        return np.asarray(self.estimator_.predict(self._columns(x)))


def make_estimator(spec: ModelSpec, features: list[str]) -> VaryingColumns:
    return VaryingColumns(_boosting(spec, features))


def _boosting(spec: ModelSpec, features: list[str]) -> HistGradientBoostingClassifier:
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


def averaged(members: dict[str, Any], x: pd.DataFrame, y: npt.NDArray[np.int64]) -> VotingClassifier:
    """The mean of the fitted members' probabilities (``combine="average"``) as a soft-voting classifier.

    Frozen members are not refitted: ``fit`` only records the classes (``x`` and ``y`` are checked, not learnt).
    """
    voting = VotingClassifier([(name, FrozenEstimator(member)) for name, member in members.items()], voting="soft")
    with single_thread():
        return voting.fit(as_matrix(x), y)


class AveragedEstimator:
    """Legacy: how averaged models were pickled before they became a ``VotingClassifier``.

    Kept only so that a model stored by an earlier version still loads (``store``); never built anew.
    """

    def __init__(self, members: list[Any]) -> None:
        self.members = members

    def predict_proba(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        return np.asarray(np.mean([member.predict_proba(x) for member in self.members], axis=0), dtype=np.float64)


@dataclass(frozen=True)
class TrainedModel:
    """A fitted model, its features and spec, and its card."""

    estimator: Any
    spec: ModelSpec
    features: list[str]
    card: ModelCard

    @property
    def model_id(self) -> str:
        """The trained model's id: its card's, what alerts and scores carry as ``trained_model_id``."""
        return self.card.model_id

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
        """The pickled state: estimator, the learnt part of the spec, features (the card is stored beside it)."""
        buffer = io.BytesIO()
        pickle.dump(
            {"estimator": self.estimator, "spec": self.spec.learnt(), "features": self.features},
            buffer,
            protocol=pickle.HIGHEST_PROTOCOL,
        )
        return buffer.getvalue()
