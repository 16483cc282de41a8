"""``final_fit="validation"``: the model is its validation fit, Platt-calibrated on the held-out year; no refit."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from scipy.stats import spearmanr

from eis_core.indicators.history import HistoryFrame, history_features, population
from eis_core.scoring.estimator import as_matrix
from eis_core.scoring.spec import Candidate, ModelParameters, ModelSpec
from eis_core.scoring.store import ModelRepository
from eis_core.scoring.trainer import train_model
from eis_core.storage.memory import InMemoryArtifactStore
from tests.builders import generated_agency

AS_OF = date(2023, 1, 1)
SMALL = ModelParameters(max_iter=30, min_samples_leaf=20)


@pytest.fixture(scope="module")
def frame() -> HistoryFrame:
    return HistoryFrame.from_records(generated_agency(date(2018, 1, 1), date(2023, 12, 31)))


def test_the_default_keeps_the_refit_and_the_model_id_it_had(frame: HistoryFrame) -> None:
    # Given a spec that does not mention final_fit
    spec = ModelSpec(parameters=SMALL)
    # Then the learnt spec (hence the model id) has no new key, and the model is trained on every training year
    assert "final_fit" not in spec.learnt()
    model = train_model(frame, spec, AS_OF)
    trained_on = model.card.training_window.as_of_dates
    assert trained_on[-1] == model.card.temporal_validation.as_of
    other = train_model(frame, spec.model_copy(update={"final_fit": "validation"}), AS_OF)
    assert other.model_id != model.model_id


def test_a_validation_final_fit_is_trained_only_before_the_held_out_year_and_ranks_like_it(
    frame: HistoryFrame,
) -> None:
    # Given a spec whose model is its validation fit
    spec = ModelSpec(parameters=SMALL, final_fit="validation")
    # When it is trained, stored and loaded again
    model = train_model(frame, spec, AS_OF)
    store = InMemoryArtifactStore()
    ModelRepository(store).save(model)
    loaded = ModelRepository(store).load()
    assert loaded is not None
    # Then its card says it learnt nothing from the held-out year, and its validation figures are its own
    held_out = model.card.temporal_validation.as_of
    assert all(d < held_out for d in model.card.training_window.as_of_dates)
    assert model.card.training_window.as_of_dates == model.card.temporal_validation.trained_on
    # And it scores calibrated probabilities ranked as the plain validation fit ranks them (Platt is monotone)
    x = history_features(frame, AS_OF, population(frame, AS_OF))
    scores = loaded.model.predict(x)
    assert np.all((scores > 0) & (scores < 1))
    assert loaded.model.spec.final_fit == "validation"
    base = loaded.model.estimator.calibrated_classifiers_[0].estimator
    raw = base.predict_proba(as_matrix(x[loaded.model.features]))[:, 1]
    assert spearmanr(scores, raw).statistic == pytest.approx(1.0)


def test_averaged_validation_fits_are_the_mean_of_each_candidates_own(frame: HistoryFrame) -> None:
    # Given two candidates averaged, each its validation fit
    tiny = Candidate(name="tiny", parameters=ModelParameters(max_iter=2, min_samples_leaf=20))
    small = Candidate(name="small", parameters=SMALL)
    spec = ModelSpec(candidates=(tiny, small), combine="average", final_fit="validation")
    # When trained
    model = train_model(frame, spec, AS_OF)
    # Then it scores the mean of each candidate trained alone the same way
    x = history_features(frame, AS_OF, population(frame, AS_OF))
    alone = [train_model(frame, spec.resolved(c), AS_OF).predict(x) for c in (tiny, small)]
    np.testing.assert_allclose(model.predict(x), (alone[0] + alone[1]) / 2)
    assert model.card.model_selection.chosen == "average"
