"""What the retraining and backtest jobs train on: the agency's model spec and its history frame, loaded once.

Both jobs read the same two things (the spec at ``models/spec.json``, else the default; the history
frame from the frames snapshot, rebuilt when stale). The retraining job loads them once and hands the
same ``TrainingInputs`` to the backtest it runs before promoting, so the records are not read twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from eis_core.indicators.history import HistoryFrame
from eis_core.indicators.snapshot import FrameSnapshots
from eis_core.scoring.spec import ModelSpec
from eis_core.scoring.store import SPEC_KEY, ModelRepository
from eis_core.storage.ports import ArtifactStore, RecordStore

SUPPLIED_SPEC = "supplied by the caller"


@dataclass(frozen=True)
class TrainingInputs:
    spec: ModelSpec
    spec_source: str
    """Where the spec came from, in words: the agency's stored spec, the default, or the caller's."""
    frame: HistoryFrame


class TrainingInputsLoader:
    """Loads the spec and the history frame; ``spec`` replaces the stored one (tests, the CLI)."""

    def __init__(self, records: RecordStore, artifacts: ArtifactStore, *, spec: ModelSpec | None = None) -> None:
        self._artifacts = artifacts
        self._repository = ModelRepository(artifacts)
        self._frames = FrameSnapshots(records, artifacts)
        self._spec = spec

    def spec(self) -> tuple[ModelSpec, str]:
        if self._spec is not None:
            return self._spec, SUPPLIED_SPEC
        stored = SPEC_KEY in set(self._artifacts.keys(SPEC_KEY))
        return self._repository.spec(), f"the agency's {SPEC_KEY}" if stored else "default"

    def load(self) -> TrainingInputs:
        spec, source = self.spec()
        return TrainingInputs(spec=spec, spec_source=source, frame=self._frames.load().history)
