"""The calibrated fit split into pool jobs gives exactly the model ``CalibratedClassifierCV`` fits itself."""

from __future__ import annotations

import pickle
from functools import partial

import numpy as np
import pandas as pd
import pytest

from eis_core.scoring.estimator import as_matrix, fit_calibrated
from eis_core.scoring.fits import CalibratedParts, Job, run_jobs
from eis_core.scoring.spec import ModelParameters, ModelSpec


def _data(rows: int = 1200, seed: int = 3) -> tuple[ModelSpec, list[str], pd.DataFrame, np.ndarray]:
    spec = ModelSpec(parameters=ModelParameters(max_iter=15, min_samples_leaf=20))
    features = spec.features()
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.poisson(2.0, size=(rows, len(features))).astype(float), columns=features)
    x.iloc[::7, 0] = np.nan  # unknown values go in as -1
    y = (rng.random(rows) < 0.1 + 0.05 * x.iloc[:, 1].fillna(0).clip(0, 6)).astype(np.int64)
    return spec, features, x, y


@pytest.mark.parametrize("folds", [2, 3])
def test_the_pooled_calibrated_fit_is_the_same_model_as_calibratedclassifiercv(folds: int) -> None:
    # Given a spec and a training set
    spec, features, x, y = _data()
    spec = spec.model_copy(update={"parameters": spec.parameters.model_copy(update={"calibration_folds": folds})})
    # When the folds and the final fit run as separate jobs in a pool of two threads
    parts = CalibratedParts.of(spec, features, x, y)
    run_jobs(parts.jobs(), workers=2)
    pooled = parts.calibrated()
    # Then the probabilities and the pickled model equal CalibratedClassifierCV's own fit
    direct = fit_calibrated(spec, features, x, y)
    test = as_matrix(_data(rows=300, seed=4)[2])
    np.testing.assert_array_equal(pooled.predict_proba(test), direct.predict_proba(test))
    assert pickle.dumps(pooled) == pickle.dumps(direct)


def test_too_few_adverse_rows_for_the_folds_is_refused_as_before() -> None:
    spec, features, x, y = _data(rows=60)
    y = np.zeros_like(y)
    y[:2] = 1
    with pytest.raises(ValueError, match="3-fold"):
        fit_calibrated(spec, features, x, y)
    with pytest.raises(ValueError, match="3-fold"):
        CalibratedParts.of(spec, features, x, y)


def test_the_pool_returns_results_in_the_order_given_whatever_the_cost() -> None:
    jobs = [Job(cost, partial(int, value)) for value, cost in enumerate([1.0, 5.0, 3.0, 5.0])]
    assert run_jobs(jobs, workers=2) == [0, 1, 2, 3]
    assert run_jobs(jobs, workers=1) == [0, 1, 2, 3]
