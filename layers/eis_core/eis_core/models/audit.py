"""Audit records: append-only, hash-chained and keyed, so that any edit or deletion is detectable.

Each record's ``hash`` is SHA-256 over the previous record's hash and its own canonical JSON: the links.
Each record also carries ``mac``, an HMAC-SHA-256 of its position and hash made with the agency's audit
key, which lives in KMS and never leaves it. Anyone who can write the table can recompute SHA-256
links, but nobody without the key can make a ``mac`` for them, and a valid ``mac`` on a record vouches
for every record before it (its hash covers them all). ``AuditCheckpoint`` is the same vouching for a
chain head, written to the table and to the Object-Lock bucket so that dropping the newest records or
rewriting the table shows against a copy nobody can change.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from eis_core.errors import AuditRecordTooLargeError

GENESIS_HASH = "0" * 64
MAC_FORMAT = "eis-audit-mac/1"
CHECKPOINT_FORMAT = "eis-audit-checkpoint/1"


MAX_AUDIT_EVENT_BYTES = 32 * 1024
"""The largest audit event (canonical JSON) either adapter stores: far under DynamoDB's 400 KB item limit, so a
record never fails to store for its size. Long lists go to a report object; the record keeps their hash and key."""


def event_size(event: AuditEvent) -> int:
    """Bytes of the event's canonical JSON, the part of a stored record that varies."""
    body = event.model_dump(mode="json")
    return len(json.dumps(body, sort_keys=True, separators=(",", ":"), default=str).encode())


def check_event_size(event: AuditEvent) -> None:
    """AuditRecordTooLargeError before anything is written, in every adapter alike."""
    size = event_size(event)
    if size > MAX_AUDIT_EVENT_BYTES:
        raise AuditRecordTooLargeError(event.action, size, MAX_AUDIT_EVENT_BYTES)


def record_mac_message(chain: str, seq: int, record_hash: str) -> bytes:
    """What a record's MAC covers: its chain, position and hash (which covers everything before it)."""
    return f"{MAC_FORMAT}|{chain}|{seq}|{record_hash}".encode()


class AuditOutcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    FAILED = "failed"


class AuditEvent(BaseModel):
    """What happened, who did it and to what. Never carries personal details beyond ids."""

    actor: str = Field(description="User subject, or the function name for system actions")
    role: str
    action: str = Field(description="Verb in dotted form, e.g. case.open, upload.ingest, api.request")
    target_type: str
    target_id: str
    outcome: AuditOutcome = AuditOutcome.SUCCESS
    agency_id: str
    request_id: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class AuditRecord(AuditEvent):
    seq: int = Field(ge=1)
    at: datetime
    prev_hash: str
    hash: str
    mac: str | None = Field(default=None, description="Keyed MAC of chain, seq and hash (base64); see the module")

    @staticmethod
    def digest(event: AuditEvent, *, seq: int, at: datetime, prev_hash: str) -> str:
        """SHA-256 over the previous hash and the canonical JSON of this record."""
        body = event.model_dump(mode="json") | {"seq": seq, "at": at.isoformat(), "prev_hash": prev_hash}
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(f"{prev_hash}|{canonical}".encode()).hexdigest()

    @classmethod
    def chain(cls, event: AuditEvent, *, seq: int, at: datetime, prev_hash: str) -> AuditRecord:
        return cls(
            **event.model_dump(),
            seq=seq,
            at=at,
            prev_hash=prev_hash,
            hash=cls.digest(event, seq=seq, at=at, prev_hash=prev_hash),
        )

    def verify(self, prev_hash: str) -> bool:
        event = AuditEvent.model_validate(self.model_dump(include=set(AuditEvent.model_fields)))
        return self.prev_hash == prev_hash and self.hash == self.digest(
            event, seq=self.seq, at=self.at, prev_hash=prev_hash
        )


class AuditCheckpoint(BaseModel):
    """A keyed statement that the chain held ``seq`` records ending in ``hash`` at ``at``."""

    model_config = ConfigDict(frozen=True)

    format: str = CHECKPOINT_FORMAT
    chain: str
    seq: int = Field(ge=1)
    hash: str
    at: datetime
    mac: str = ""

    def message(self) -> bytes:
        return f"{self.format}|{self.chain}|{self.seq}|{self.hash}|{self.at.isoformat()}".encode()
