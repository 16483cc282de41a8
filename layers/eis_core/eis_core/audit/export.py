"""Export the audit trail to the agency's Object-Lock audit bucket, segment by segment, never twice.

Each run reads the records after the last exported one, checks that they chain onto it (an edited,
deleted or reordered record stops the export before anything is written), and writes them as one JSON
Lines object, ``audit/<agency>/<from_seq>-<to_seq>.jsonl`` (sequence numbers zero-padded so keys sort in
order), with a manifest naming the segment's range, its first ``prev_hash``, its head hash and the
SHA-256 of the object, and a checkpoint of its head signed with the agency's audit key (also written to
the audit table). The locked bucket keeps both for the retention period; nobody can change them, so a
rewrite of the table, or records dropped from its end, no longer match the locked copy (``eis audit
verify`` and ``eis_core.audit.archive`` check this).

Where the last export ended (``audit-export/state.json`` in the artifacts bucket) moves on only after
both objects are written. A segment is first recorded there as pending, so a run that dies halfway is
finished by the next one with exactly the same range and keys; objects are created with a conditional
write and an existing key is never written again. A run with nothing new writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from eis_core.audit.chain import log_key, verify_chain
from eis_core.errors import EISError, NotFoundError
from eis_core.models.audit import GENESIS_HASH, AuditRecord
from eis_core.storage.ports import ArchiveStore, ArtifactStore, AuditLog

if TYPE_CHECKING:
    from eis_core.settings import AgencyStack
    from eis_core.wiring import Adapters

STATE_KEY = "audit-export/state.json"
EXPORT_FORMAT = "eis-audit-export/2"
MAX_SEGMENT_RECORDS = 50_000  # ~25 MB of JSON Lines: one segment stays well inside a function's memory
PAGE_SIZE = 1000
JSONL = "application/x-ndjson"


class AuditChainBrokenError(EISError):
    """The records to export do not verify; nothing was exported. Investigate before anything else."""


class ExportState(BaseModel):
    """Where the exports have got to; ``pending`` is a segment chosen but not yet fully written."""

    model_config = ConfigDict(frozen=True)

    last_seq: int = Field(default=0, ge=0)
    last_hash: str = GENESIS_HASH
    pending_to_seq: int | None = None
    last_key: str | None = None
    updated_at: datetime | None = None


class ExportedSegment(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str
    manifest_key: str
    from_seq: int
    to_seq: int
    count: int
    head_hash: str


class ExportSummary(BaseModel):
    """What one run exported; ``segments`` is empty when there was nothing new."""

    model_config = ConfigDict(frozen=True)

    agency_id: str
    segments: list[ExportedSegment]
    exported: int = Field(description="Records exported by this run")
    head_seq: int = Field(description="Last exported sequence number (0: none yet)")
    head_hash: str


def _utcnow() -> datetime:
    return datetime.now(UTC)


def segment_prefix(agency_id: str) -> str:
    return f"audit/{agency_id}/"


def segment_key(agency_id: str, from_seq: int, to_seq: int) -> str:
    return f"{segment_prefix(agency_id)}{from_seq:012d}-{to_seq:012d}.jsonl"


def manifest_key(segment: str) -> str:
    return segment.removesuffix(".jsonl") + ".manifest.json"


def jsonl(records: list[AuditRecord]) -> bytes:
    """One record per line, keys sorted: the same records always give the same bytes."""
    lines = (json.dumps(r.model_dump(mode="json"), sort_keys=True, separators=(",", ":")) for r in records)
    return ("\n".join(lines) + "\n").encode()


class AuditExporter:
    def __init__(
        self,
        audit: AuditLog,
        target: ArchiveStore,
        state: ArtifactStore,
        agency_id: str,
        *,
        max_segment_records: int = MAX_SEGMENT_RECORDS,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._audit = audit
        self._target = target
        self._state = state
        self._agency_id = agency_id
        self._max_segment = max_segment_records
        self._clock = clock

    def export(self) -> ExportSummary:
        """Export everything new, one segment at a time; AuditChainBrokenError when it does not verify."""
        state = self._read_state()
        segments: list[ExportedSegment] = []
        while True:
            resumed = state.pending_to_seq is not None
            segment = self._export_segment(state)
            if segment is None:
                break
            segments.append(segment)
            state = self._read_state()
            if segment.count < self._max_segment and not resumed:
                break  # caught up; what was appended meanwhile is the next run's
        return ExportSummary(
            agency_id=self._agency_id,
            segments=segments,
            exported=sum(s.count for s in segments),
            head_seq=state.last_seq,
            head_hash=state.last_hash,
        )

    def _export_segment(self, state: ExportState) -> ExportedSegment | None:
        limit = self._max_segment
        if state.pending_to_seq is not None:  # finish what a previous run started, exactly as chosen
            limit = state.pending_to_seq - state.last_seq
            if limit < 1:
                raise AuditChainBrokenError(f"export state is inconsistent: {state.model_dump_json()}")
        records = self._read_after(state.last_seq, limit)
        if not records:
            if state.pending_to_seq is not None:
                raise AuditChainBrokenError(
                    f"records {state.last_seq + 1}-{state.pending_to_seq} were chosen for export but are gone"
                )
            return None
        self._verify(records, state)
        from_seq, to_seq = records[0].seq, records[-1].seq
        if state.pending_to_seq is not None and to_seq != state.pending_to_seq:
            raise AuditChainBrokenError(f"records up to {state.pending_to_seq} were chosen for export; found {to_seq}")
        if state.pending_to_seq is None:
            self._write_state(state.model_copy(update={"pending_to_seq": to_seq}))

        key = segment_key(self._agency_id, from_seq, to_seq)
        manifest_key_ = manifest_key(key)
        body = jsonl(records)
        checkpoint = log_key(self._audit).checkpoint(records[-1], self._clock())
        manifest = {
            "format": EXPORT_FORMAT,
            "agency_id": self._agency_id,
            "key": key,
            "from_seq": from_seq,
            "to_seq": to_seq,
            "count": len(records),
            "prev_hash": records[0].prev_hash,
            "head_hash": records[-1].hash,
            "sha256": hashlib.sha256(body).hexdigest(),
            "exported_at": self._clock().isoformat(),
            "checkpoint": checkpoint.model_dump(mode="json"),
        }
        # False means an earlier, interrupted run wrote it: same range, same records, same bytes.
        self._target.put_new(key, body, content_type=JSONL)
        self._target.put_new(
            manifest_key_,
            json.dumps(manifest, sort_keys=True, indent=2).encode(),
            content_type="application/json",
        )
        self._audit.put_checkpoint(checkpoint)
        self._write_state(
            ExportState(last_seq=to_seq, last_hash=records[-1].hash, last_key=key, updated_at=self._clock())
        )
        return ExportedSegment(
            key=key,
            manifest_key=manifest_key_,
            from_seq=from_seq,
            to_seq=to_seq,
            count=len(records),
            head_hash=records[-1].hash,
        )

    def _read_after(self, since_seq: int, limit: int) -> list[AuditRecord]:
        records: list[AuditRecord] = []
        cursor = since_seq
        while len(records) < limit:
            page = self._audit.records(since_seq=cursor, limit=min(PAGE_SIZE, limit - len(records)))
            if not page:
                break
            records.extend(page)
            cursor = page[-1].seq
        return records

    def _verify(self, records: list[AuditRecord], state: ExportState) -> None:
        anchor: AuditRecord | None = None
        if state.last_seq > 0:
            found = self._audit.records(since_seq=state.last_seq - 1, limit=1)
            anchor = found[0] if found and found[0].seq == state.last_seq else None
            if anchor is None or anchor.hash != state.last_hash:
                raise AuditChainBrokenError(
                    f"audit record {state.last_seq}, the last one exported, is missing or changed since its export"
                )
        check = verify_chain(records, after=anchor, key=log_key(self._audit))
        if not check.ok:
            raise AuditChainBrokenError(f"audit chain of {self._agency_id} does not verify: {check.reason}")

    def _read_state(self) -> ExportState:
        try:
            document: Any = self._state.get_json(STATE_KEY)
        except NotFoundError:
            return ExportState()
        return ExportState.model_validate(document)

    def _write_state(self, state: ExportState) -> None:
        self._state.put_json(STATE_KEY, state.model_dump(mode="json"))


def run_audit_export(adapters: Adapters, settings: AgencyStack) -> ExportSummary:
    """The scheduled job ``{"job": "audit-export"}``: export everything new for the settings' agency."""
    return AuditExporter(adapters.audit, adapters.audit_archive, adapters.artifacts, settings.agency_id).export()
