"""The retraining job: train the agency's model on its own history and store it as the current model.

Separate from the daily scoring run (scheduled or on demand: the score function's ``{"job": "retrain"}``
event). The model spec comes from the agency's ``models/spec.json`` when present. Retraining the same
records with the same spec and cutoff gives the same model id and the same stored bytes, so a
re-delivered event changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from eis_core.indicators.snapshot import FrameSnapshots
from eis_core.models.audit import AuditEvent
from eis_core.scoring.spec import ModelSpec
from eis_core.scoring.store import ModelRepository, card_key
from eis_core.scoring.trainer import train_model
from eis_core.storage.ports import ArtifactStore, AuditLog, RecordStore

ACTOR = "eis-retrain"


class RetrainSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    model_id: str
    cutoff: date
    officer_years: int
    base_rate: float
    validation: dict[str, Any]
    card_key: str


class RetrainingService:
    def __init__(
        self,
        *,
        agency_id: str,
        records: RecordStore,
        artifacts: ArtifactStore,
        audit: AuditLog,
        spec: ModelSpec | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        actor: str = ACTOR,
    ) -> None:
        self._agency_id = agency_id
        self._repository = ModelRepository(artifacts)
        self._frames = FrameSnapshots(records, artifacts)
        self._audit = audit
        self._spec = spec
        self._clock = clock
        self._actor = actor

    def run(self, cutoff: date, *, request_id: str | None = None) -> RetrainSummary:
        """Train on every label window that ends by ``cutoff`` and make the result the current model."""
        spec = self._spec or self._repository.spec()
        frame = self._frames.load().history
        # trained_at is the cutoff, not the wall clock, so a retried job writes the same card.
        model = train_model(frame, spec, cutoff, trained_at=datetime(cutoff.year, cutoff.month, cutoff.day, tzinfo=UTC))
        card = self._repository.save(model)
        validation = card.temporal_validation.model_dump(mode="json")
        summary = RetrainSummary(
            model_id=model.model_id,
            cutoff=cutoff,
            officer_years=card.cohort.officer_years,
            base_rate=card.base_rate,
            validation={"as_of": validation.get("as_of"), "metrics": validation.get("metrics")},
            card_key=card_key(model.model_id),
        )
        self._audit.append(
            AuditEvent(
                actor=self._actor,
                role="system",
                action="model.retrain",
                target_type="model",
                target_id=model.model_id,
                agency_id=self._agency_id,
                request_id=request_id,
                detail=summary.model_dump(mode="json") | {"artifact_sha256": card.artifact_sha256},
            )
        )
        return summary
