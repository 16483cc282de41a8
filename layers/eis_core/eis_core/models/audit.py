"""Audit records: append-only and hash-chained, so that any edit or deletion is detectable."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

GENESIS_HASH = "0" * 64


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
