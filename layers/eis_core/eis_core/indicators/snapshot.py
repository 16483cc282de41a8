"""The scoring frames of every current record, kept in the agency's artifacts bucket between runs.

Building the frames means reading the whole records table and parsing every record: about 14 µs a
record here, so over a minute for a large agency's five million, plus the DynamoDB scan. Records
change only when an upload is ingested, while scoring runs daily (and monthly retraining reads the
same records), so the frames are built once per change and reused.

Freshness never depends on clocks: the snapshot stores the record store's change marker read
*before* its scan, and the marker moves *after* every write. A snapshot whose marker differs from
the store's current one is stale and is rebuilt, including when an upload landed during the build.
A snapshot that fails its sha256 check, or was built by other frame-building code (a deploy changed
``indicators.events`` or ``indicators.history``), is rebuilt from the records too: they are the source
of truth.
"""

from __future__ import annotations

import gzip
import hashlib
import pickle
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger

from eis_core.errors import NotFoundError
from eis_core.indicators import events as events_module
from eis_core.indicators import history as history_module
from eis_core.indicators.events import EventFrame
from eis_core.indicators.history import HistoryFrame, build_frames
from eis_core.storage.ports import ArtifactStore, RecordStore

SNAPSHOT_KEY = "curated/frames.pkl.gz"
POINTER_KEY = "curated/frames.json"

logger = Logger(child=True)


def _builder_version() -> str:
    code = hashlib.sha256()
    for module in (events_module, history_module):
        code.update(Path(str(module.__file__)).read_bytes())
    return code.hexdigest()[:16]


BUILDER_VERSION = _builder_version()
"""Changes with the code that builds the frames, so a snapshot never outlives the code that made it."""


@dataclass(frozen=True)
class Frames:
    """Both views of the records the scoring run needs, and where they came from."""

    events: EventFrame
    history: HistoryFrame
    records_marker: str
    source: str
    """'snapshot' (read from the bucket) or 'records' (built from the record store on this run)."""
    seconds: float


def frames_to_bytes(events: EventFrame, history: HistoryFrame) -> bytes:
    # Level 1: most of gzip's gain on large integer arrays at a fraction of its time.
    return gzip.compress(pickle.dumps((events, history), protocol=pickle.HIGHEST_PROTOCOL), compresslevel=1)


def frames_from_bytes(blob: bytes) -> tuple[EventFrame, HistoryFrame]:
    """Only for a blob whose sha256 matched its pointer: our own artifact from the agency's bucket."""
    events, history = pickle.loads(gzip.decompress(blob))  # noqa: S301 - hash verified by the caller
    return events, history


class FrameSnapshots:
    def __init__(self, records: RecordStore, artifacts: ArtifactStore) -> None:
        self._records = records
        self._artifacts = artifacts

    def load(self) -> Frames:
        """The current frames: the stored snapshot when it is fresh, else rebuilt (and stored)."""
        started = time.monotonic()
        marker = self._records.change_marker()
        pointer = self._pointer()
        fresh = {"records_marker": marker, "builder_version": BUILDER_VERSION}
        if pointer is not None and all(pointer.get(key) == value for key, value in fresh.items()):
            try:
                blob = self._artifacts.get_bytes(SNAPSHOT_KEY)
            except NotFoundError:
                blob = b""
            if hashlib.sha256(blob).hexdigest() == pointer.get("sha256"):
                events, history = frames_from_bytes(blob)
                return Frames(events, history, marker, "snapshot", time.monotonic() - started)
            logger.warning("frames snapshot does not match its pointer; rebuilding from the records")
        return self.rebuild(marker)

    def rebuild(self, marker: str | None = None) -> Frames:
        """Build the frames from every current record and store them with the marker read before the scan."""
        started = time.monotonic()
        marker = self._records.change_marker() if marker is None else marker
        events, history = build_frames(self._records.iter_records())
        self.store(events, history, marker)
        return Frames(events, history, marker, "records", time.monotonic() - started)

    def store(self, events: EventFrame, history: HistoryFrame, records_marker: str) -> None:
        """Store frames built from the records as they were when the store's marker was ``records_marker``."""
        blob = frames_to_bytes(events, history)
        self._artifacts.put_bytes(SNAPSHOT_KEY, blob)
        self._artifacts.put_json(
            POINTER_KEY,
            {
                "records_marker": records_marker,
                "builder_version": BUILDER_VERSION,
                "sha256": hashlib.sha256(blob).hexdigest(),
                "events": events.size,
                "history_events": history.size,
                "officers": len(history.officer_ids),
                "bytes": len(blob),
            },
        )

    def _pointer(self) -> dict[str, Any] | None:
        try:
            pointer = self._artifacts.get_json(POINTER_KEY)
        except NotFoundError:
            return None
        return pointer if isinstance(pointer, dict) else None
