"""Snapshots held for confirmation, by content hash: a confirmation counts only for the very file that was held.

A snapshot that would retract more than ``gates.max_snapshot_retraction`` of its kind is held; the agency
confirms it by uploading the same file under ``incoming/<kind>/snapshot/confirmed/``. Before, any file
there skipped the retraction and volume gates, so a different (say, truncated) export put in that folder
retracted records nobody had confirmed. Now the held file's SHA-256 (of the stored object's bytes, as
uploaded) goes in a ledger per kind; a file in the confirmed folder whose hash is not in the ledger is
checked as an ordinary snapshot, and a confirmation is used up once applied.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from eis_core.errors import NotFoundError
from eis_core.models.records import RecordKind
from eis_core.storage.ports import ArtifactStore, ByteStream

HELD_PREFIX = "reports/held/"
HELD_LENGTH = 20


def held_key(kind: RecordKind) -> str:
    return f"{HELD_PREFIX}{kind.value}.json"


class HashingStream:
    """Passes bytes through and hashes them; ``sha256`` is known once the stream was read to its end."""

    def __init__(self, stream: ByteStream) -> None:
        self._stream = stream
        self._hash = hashlib.sha256()
        self._ended = False

    def read(self, size: int = -1, /) -> bytes:
        data = self._stream.read(size)
        if data:
            self._hash.update(data)
        elif size != 0:
            self._ended = True
        return data

    def close(self) -> None:
        self._stream.close()

    @property
    def sha256(self) -> str | None:
        return self._hash.hexdigest() if self._ended else None


class HeldSnapshots:
    """The ledger of held snapshots per kind, in the quarantine bucket next to the volume ledger."""

    def __init__(self, store: ArtifactStore) -> None:
        self._store = store

    def _entries(self, kind: RecordKind) -> list[dict[str, Any]]:
        try:
            entries = self._store.get_json(held_key(kind))
        except NotFoundError:
            return []
        return [entry for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []

    def hold(self, kind: RecordKind, *, sha256: str | None, upload_id: str, key: str, at: datetime) -> None:
        if sha256 is None:
            return
        entries = [entry for entry in self._entries(kind) if entry.get("sha256") != sha256]
        entries.append({"sha256": sha256, "upload_id": upload_id, "key": key, "held_at": at.isoformat()})
        self._store.put_json(held_key(kind), entries[-HELD_LENGTH:])

    def is_held(self, kind: RecordKind, sha256: str | None) -> bool:
        return sha256 is not None and any(entry.get("sha256") == sha256 for entry in self._entries(kind))

    def release(self, kind: RecordKind, sha256: str | None) -> None:
        """The confirmation was applied: the same file needs confirming again if it is ever held again."""
        entries = self._entries(kind)
        kept = [entry for entry in entries if entry.get("sha256") != sha256]
        if len(kept) != len(entries):
            self._store.put_json(held_key(kind), kept)
