"""Models in the agency's artifacts bucket (triage's model storage): ``models/<id>/model.pkl`` + ``card.json``.

``models/current.json`` points at the model daily scoring uses; ``models/spec.json`` optionally holds
the agency's ``ModelSpec``. The fitted model is a pickle in the agency's own bucket; its card records
its SHA-256 and loading verifies it (we only unpickle what this system wrote to the agency's bucket).
"""

from __future__ import annotations

import hashlib
import io
import pickle
from typing import Any

from eis_core.errors import NotFoundError
from eis_core.oversight.keys import CURRENT_KEY, MODELS_PREFIX, SPEC_KEY, artifact_key, card_key
from eis_core.scoring.card import ModelCard
from eis_core.scoring.estimator import AveragedEstimator, TrainedModel
from eis_core.scoring.scorer import ModelScorer
from eis_core.scoring.spec import ModelSpec, parse_spec
from eis_core.storage.ports import ArtifactStore

__all__ = ["CURRENT_KEY", "MODELS_PREFIX", "SPEC_KEY", "ModelRepository", "artifact_key", "card_key"]

_MOVED_CLASSES = {("eis_core.scoring.model", "AveragedEstimator"): AveragedEstimator}
"""Classes pickled under a module that has since been split, by their old (module, name)."""


class _Unpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        moved = _MOVED_CLASSES.get((module, name))
        return moved if moved is not None else super().find_class(module, name)


class ModelRepository:
    """The agency's trained models, their cards and the current-model pointer."""

    def __init__(self, artifacts: ArtifactStore) -> None:
        self._artifacts = artifacts

    def save(self, model: TrainedModel, *, make_current: bool = True) -> ModelCard:
        """Store the model and its card; returns the stored card (the model's own card is left as it was)."""
        blob = model.to_bytes()
        digest = hashlib.sha256(blob).hexdigest()
        card = model.card.with_artifact(artifact_key(model.model_id), digest)
        self._artifacts.put_bytes(artifact_key(model.model_id), blob)
        self._artifacts.put_json(card_key(model.model_id), card.to_json())
        if make_current:
            self._artifacts.put_json(CURRENT_KEY, {"model_id": model.model_id, "artifact_sha256": digest})
        return card

    def current_id(self) -> str | None:
        if CURRENT_KEY not in set(self._artifacts.keys(CURRENT_KEY)):
            return None
        return str(self._artifacts.get_json(CURRENT_KEY)["model_id"])

    def card(self, model_id: str) -> ModelCard:
        """The stored card of a trained model (``NotFoundError`` if there is none)."""
        return ModelCard.from_json(self._artifacts.get_json(card_key(model_id)))

    def load(self, model_id: str | None = None) -> ModelScorer | None:
        """The current (or named) model, or None when the agency has none; a tampered blob is an error."""
        model_id = model_id or self.current_id()
        if model_id is None:
            return None
        try:
            card = self.card(model_id)
            blob = self._artifacts.get_bytes(artifact_key(model_id))
        except NotFoundError:
            return None
        digest = hashlib.sha256(blob).hexdigest()
        if digest != card.artifact_sha256:
            raise ValueError(f"model {model_id}: artifact sha256 {digest} does not match its card; refusing to load")
        state = _Unpickler(io.BytesIO(blob)).load()  # our own artifact from the agency's bucket, hash verified
        model = TrainedModel(state["estimator"], ModelSpec.model_validate(state["spec"]), state["features"], card)
        return ModelScorer(model, digest)

    def spec(self) -> ModelSpec:
        """The agency's model spec (``models/spec.json``), or the default."""
        if SPEC_KEY in set(self._artifacts.keys(SPEC_KEY)):
            return parse_spec(self._artifacts.get_bytes(SPEC_KEY), source=SPEC_KEY)
        return ModelSpec()
