"""Training's boosting fits as one pool of independent jobs, the costliest first, so every core stays busy.

A spec of four averaged candidates costs twenty fits: per candidate one validation fit, one fit per
calibration fold and the final fit. Run candidate by candidate (validation fits, then each candidate's
calibrated fit with its folds one after another) a core sat idle whenever the candidates' costs did
not divide evenly. Here a ``CalibratedClassifierCV(ensemble=False)`` fit is split into its parts, the
out-of-fold decision function of each ``StratifiedKFold`` fold and the fit on all rows, which run in
one thread pool together with every other candidate's parts and the validation fits (longest
processing time first). The Platt calibrator is then fitted on the out-of-fold predictions with
scikit-learn's own ``_fit_calibrator``, exactly as ``CalibratedClassifierCV.fit`` does, so the fitted
object and its probabilities are those of ``estimator.fit_calibrated`` (``tests/unit/test_fits.py``
pins this, and fails if a scikit-learn upgrade changes that private function).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV, _fit_calibrator
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import LabelEncoder
from sklearn.utils._array_api import get_namespace

from eis_core.scoring.estimator import as_matrix, make_estimator, single_thread
from eis_core.scoring.spec import ModelSpec


@dataclass(frozen=True)
class Job:
    """One independent fit; ``cost`` only orders the pool (rows x iterations x log2 leaves)."""

    cost: float
    run: Callable[[], Any]


def fit_cost(spec: ModelSpec, rows: int) -> float:
    p = spec.parameters
    return float(rows) * p.max_iter * math.log2(max(2, p.max_leaf_nodes))


def run_jobs(jobs: list[Job], workers: int | None = None) -> list[Any]:
    """Every job's result, in the order given; run in threads (boosting releases the GIL), costliest first."""
    workers = max(1, min(len(jobs), workers or os.cpu_count() or 1))
    if workers == 1:
        return [_one_thread(job.run) for job in jobs]
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i].cost)  # stable: ties keep their order
    with ThreadPoolExecutor(workers) as pool:
        futures = {i: pool.submit(_one_thread, jobs[i].run) for i in order}
        return [futures[i].result() for i in range(len(jobs))]


def _one_thread(run: Callable[[], Any]) -> Any:
    """One OpenMP thread per fit, set in the thread that fits: OpenMP's thread count is per thread, so a
    limit set in the calling thread does not reach the pool's threads (they would start from $OMP_NUM_THREADS)."""
    with single_thread():
        return run()


@dataclass
class CalibratedParts:
    """``CalibratedClassifierCV(method="sigmoid", ensemble=False, cv=StratifiedKFold(k))`` as k + 1 jobs."""

    spec: ModelSpec
    features: list[str]
    x: npt.NDArray[np.float32]
    y: npt.NDArray[np.int64]
    folds: list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]]
    out_of_fold: npt.NDArray[np.float64]
    final: Any = field(default=None)

    @classmethod
    def of(cls, spec: ModelSpec, features: list[str], x: pd.DataFrame, y: npt.NDArray[np.int64]) -> CalibratedParts:
        k = spec.parameters.calibration_folds
        if np.any(np.unique(y, return_counts=True)[1] < k):  # CalibratedClassifierCV's own check and message
            raise ValueError(
                f"Requesting {k}-fold cross-validation but provided less than {k} examples for at least one class."
            )
        matrix = as_matrix(x)
        folds = list(StratifiedKFold(k, shuffle=False).split(matrix, y))
        return cls(spec, features, matrix, y, folds, np.empty(len(y), dtype=np.float64))

    def jobs(self) -> list[Job]:
        folds = [Job(fit_cost(self.spec, len(fit)), partial(self._fold, i)) for i, (fit, _) in enumerate(self.folds)]
        return [*folds, Job(fit_cost(self.spec, len(self.y)), self._fit_all)]

    def _fold(self, i: int) -> None:
        train, test = self.folds[i]
        model = make_estimator(self.spec, self.features).fit(self.x[train], self.y[train])
        self.out_of_fold[test] = model.decision_function(self.x[test])

    def _fit_all(self) -> None:
        self.final = make_estimator(self.spec, self.features).fit(self.x, self.y)

    def calibrated(self) -> CalibratedClassifierCV:
        """The fitted ``CalibratedClassifierCV``, attributes set in the order its ``fit`` sets them."""
        if self.final is None:
            raise RuntimeError("the jobs have not run")
        return platt_calibrated(self.spec, self.features, self.final, self.out_of_fold, self.y)


def platt_calibrated(
    spec: ModelSpec, features: list[str], fitted: Any, decision: npt.NDArray[np.float64], y: npt.NDArray[np.int64]
) -> CalibratedClassifierCV:
    """``fitted`` wrapped as a fitted ``CalibratedClassifierCV(sigmoid, ensemble=False)`` whose Platt map is
    learnt from ``decision`` (its decision function on rows it was not trained on) and their labels ``y``."""
    folds = StratifiedKFold(spec.parameters.calibration_folds, shuffle=False)
    model = CalibratedClassifierCV(make_estimator(spec, features), method="sigmoid", ensemble=False, cv=folds)
    xp, _ = get_namespace(decision)
    model.calibrated_classifiers_ = []
    model.classes_ = LabelEncoder().fit(y).classes_
    model.calibrated_classifiers_.append(
        _fit_calibrator(fitted, decision.reshape(-1, 1), y, model.classes_, "sigmoid", xp=xp)
    )
    model.n_features_in_ = fitted.n_features_in_
    return model
