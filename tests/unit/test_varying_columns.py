"""The boosting is fitted on the columns that vary in its training rows (``VaryingColumns``): same model, less work."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold

from eis_core.indicators.history import FEATURES, HistoryFrame, history_features, population
from eis_core.scoring.estimator import (
    TrainedModel,
    VaryingColumns,
    as_matrix,
    fit_calibrated,
    make_estimator,
    single_thread,
)
from eis_core.scoring.fits import CalibratedParts, run_jobs
from eis_core.scoring.panel import build_panel
from eis_core.scoring.spec import ModelParameters, ModelSpec
from eis_core.scoring.store import ModelRepository
from eis_core.scoring.trainer import train_model
from eis_core.storage.memory import InMemoryArtifactStore
from tests.builders import generated_agency

CONSTANT = ["accident_preventable_1y", "pursuit_5y", "injury_career", "commendation_1y", "force_per_100_arrests_1y"]


def _data(rows: int, seed: int) -> tuple[ModelSpec, list[str], pd.DataFrame, np.ndarray]:
    """Random counts in every feature but a few constant ones (kinds of record an agency does not send)."""
    spec = ModelSpec(parameters=ModelParameters(max_iter=12, max_leaf_nodes=15, min_samples_leaf=20))
    features = spec.features()
    rng = np.random.default_rng(seed)
    x = pd.DataFrame(rng.poisson(1.5, size=(rows, len(features))).astype(float), columns=features)
    x[CONSTANT[:-1]] = 0.0
    x[CONSTANT[-1]] = np.nan  # an unknown rate: -1 in every row
    y = (rng.random(rows) < 0.08 + 0.04 * x["complaints_1y"].clip(0, 5) + 0.03 * x["force_2y"].clip(0, 5)).astype(
        np.int64
    )
    return spec, features, x, y


def _plain(spec: ModelSpec, features: list[str]) -> HistGradientBoostingClassifier:
    """The boosting as it was built before: every column, one monotone constraint each."""
    estimator = make_estimator(spec, features).estimator
    assert isinstance(estimator, HistGradientBoostingClassifier)
    return estimator


def test_dropping_the_constant_columns_gives_identical_probabilities() -> None:
    # Given training rows with constant columns, and new rows where those columns are not constant
    spec, features, x, y = _data(2000, seed=5)
    _, _, new, _ = _data(800, seed=6)
    new[CONSTANT[:-1]] = np.random.default_rng(7).poisson(2.0, size=(len(new), len(CONSTANT) - 1))
    # When fitted with the constant columns dropped, and as before on every column
    with single_thread():
        varying = make_estimator(spec, features).fit(as_matrix(x), y)
        plain = _plain(spec, features).fit(as_matrix(x), y)
    # Then only the varying columns were fitted on, each with its own monotone constraint
    kept = [features[i] for i in varying.columns_]
    assert kept == [f for f in features if f not in CONSTANT]
    assert list(varying.estimator_.monotonic_cst) == [FEATURES[f].monotone for f in kept]
    # And the probabilities and decision function are identical, bit for bit, on training and new rows
    for rows in (as_matrix(x), as_matrix(new)):
        assert np.array_equal(varying.predict_proba(rows), plain.predict_proba(rows))
        assert np.array_equal(varying.decision_function(rows), plain.decision_function(rows))
        assert np.array_equal(varying.predict(rows), plain.predict(rows))
    assert varying.n_features_in_ == len(features)
    assert list(varying.classes_) == [0, 1]


def test_the_calibrated_model_is_identical_with_and_without_the_constant_columns() -> None:
    # Given the same data, calibrated as training does (pooled parts) and by CalibratedClassifierCV on every column
    spec, features, x, y = _data(1500, seed=8)
    parts = CalibratedParts.of(spec, features, x, y)
    run_jobs(parts.jobs(), workers=2)
    folds = StratifiedKFold(spec.parameters.calibration_folds, shuffle=False)
    plain = CalibratedClassifierCV(_plain(spec, features), method="sigmoid", ensemble=False, cv=folds)
    with single_thread():
        plain.fit(as_matrix(x), y)
    test = as_matrix(_data(500, seed=9)[2])
    # Then the calibrated probabilities are identical
    assert np.array_equal(parts.calibrated().predict_proba(test), plain.predict_proba(test))


def test_with_no_varying_column_every_column_is_kept_as_before() -> None:
    spec, features, x, y = _data(400, seed=10)
    x[:] = 1.0
    with single_thread():
        varying = make_estimator(spec, features).fit(as_matrix(x), y)
        plain = _plain(spec, features).fit(as_matrix(x), y)
    assert list(varying.columns_) == list(range(len(features)))
    assert np.array_equal(varying.predict_proba(as_matrix(x)), plain.predict_proba(as_matrix(x)))


def test_rows_with_the_wrong_number_of_columns_are_refused() -> None:
    spec, features, x, y = _data(400, seed=12)
    with single_thread():
        varying = make_estimator(spec, features).fit(as_matrix(x), y)
    with pytest.raises(ValueError, match="features"):
        varying.predict_proba(as_matrix(x)[:, :-1])


AS_OF = date(2022, 1, 1)


@pytest.fixture(scope="module")
def frame() -> HistoryFrame:
    return HistoryFrame.from_records(generated_agency(date(2017, 1, 1), date(2022, 12, 31)))


def test_a_model_pickled_before_varying_columns_still_loads_and_scores_the_same(frame: HistoryFrame) -> None:
    # Given a model as earlier versions stored it (the plain boosting on every column) and as it is fitted now
    spec = ModelSpec(
        parameters=ModelParameters(max_iter=10, min_samples_leaf=20, calibration_folds=2), final_fit="validation"
    )
    trained = train_model(frame, spec, AS_OF, trained_at=datetime(2022, 1, 2, tzinfo=UTC))
    panel = build_panel(frame, spec, trained.card.training_window.as_of_dates)
    features, x, y = trained.features, panel.features, panel.label
    folds = StratifiedKFold(spec.parameters.calibration_folds, shuffle=False)
    before = CalibratedClassifierCV(_plain(spec, features), method="sigmoid", ensemble=False, cv=folds)
    with single_thread():
        before.fit(as_matrix(x), y)
    now = fit_calibrated(spec, features, x, y)
    assert isinstance(now.calibrated_classifiers_[0].estimator, VaryingColumns)
    # When each is saved and loaded again
    officers = history_features(frame, AS_OF, population(frame, AS_OF))
    scores = []
    for estimator in (before, now):
        store = InMemoryArtifactStore()
        ModelRepository(store).save(TrainedModel(estimator, trained.spec, features, trained.card))
        loaded = ModelRepository(store).load()
        assert loaded is not None
        scores.append(loaded.model.predict(officers))
    # Then both load, and score alike
    assert np.array_equal(scores[0], scores[1])
