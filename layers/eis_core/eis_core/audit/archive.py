"""Check the audit table against its locked copy: every exported record present, unaltered, in order.

The exporter writes segments of the chain, each with a manifest holding the segment's SHA-256 and a
checkpoint of its head signed with the agency's audit key, to the Object-Lock bucket. Nobody can change
or delete those objects, so they are the reference: the segments must chain onto each other, their
checkpoints must carry valid MACs, and every record in the table up to the newest checkpoint must have
the hash its locked copy has. The table's own chain (links, MACs, its checkpoints) is verified too.
The verdict names the first bad sequence number, whichever check found it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from pydantic import ValidationError

from eis_core.audit.chain import ChainCheck, check_head, log_key, trusted_checkpoints, verify_chain, verify_log
from eis_core.audit.export import segment_prefix
from eis_core.errors import NotFoundError
from eis_core.models.audit import AuditCheckpoint, AuditRecord
from eis_core.storage.ports import AuditLog


class ReadableArchive(Protocol):
    def get_bytes(self, key: str) -> bytes: ...

    def keys(self, prefix: str = "") -> Iterable[str]: ...


@dataclass
class AuditVerification:
    """The verdict of ``verify_audit``: ``broken_seq`` is the first bad sequence number found by any check."""

    agency_id: str
    table_records: int = 0
    locked_records: int = 0
    segments: int = 0
    checkpoints: int = 0
    problems: list[ChainCheck] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_problem(self) -> ChainCheck | None:
        return min(self.problems, key=lambda p: p.broken_seq or 0) if self.problems else None

    @property
    def broken_seq(self) -> int | None:
        first = self.first_problem
        return first.broken_seq if first else None

    @property
    def reason(self) -> str | None:
        first = self.first_problem
        return first.reason if first else None


def _broken(seq: int, reason: str) -> ChainCheck:
    return ChainCheck(False, 0, seq, reason)


@dataclass
class _Locked:
    hashes: dict[int, str] = field(default_factory=dict)
    checkpoints: list[AuditCheckpoint] = field(default_factory=list)
    segments: int = 0


def _read_locked(log: AuditLog, archive: ReadableArchive, agency_id: str, result: AuditVerification) -> _Locked:
    """Every locked segment, checked on its own and onto the one before it."""
    key = log_key(log)
    locked = _Locked()
    manifests = sorted(k for k in archive.keys(segment_prefix(agency_id)) if k.endswith(".manifest.json"))
    last: AuditRecord | None = None
    for manifest_name in manifests:
        try:
            manifest = json.loads(archive.get_bytes(manifest_name))
            from_seq, to_seq = int(manifest["from_seq"]), int(manifest["to_seq"])
        except (ValueError, KeyError, TypeError, NotFoundError):
            result.problems.append(
                _broken((last.seq if last else 0) + 1, f"locked manifest {manifest_name} is unreadable")
            )
            return locked
        expected = (last.seq if last else 0) + 1
        if from_seq != expected:
            result.problems.append(
                _broken(expected, f"records {expected}-{from_seq - 1} are missing from the locked copy")
            )
            return locked
        try:
            body = archive.get_bytes(str(manifest["key"]))
        except NotFoundError:
            result.problems.append(_broken(from_seq, f"locked segment {manifest['key']} is missing"))
            return locked
        if hashlib.sha256(body).hexdigest() != manifest.get("sha256"):
            result.problems.append(_broken(from_seq, f"locked segment {manifest['key']} does not match its manifest"))
            return locked
        try:
            records = [AuditRecord.model_validate_json(line) for line in body.decode().splitlines() if line]
            checkpoint = AuditCheckpoint.model_validate(manifest["checkpoint"]) if "checkpoint" in manifest else None
        except (ValidationError, UnicodeDecodeError, TypeError) as error:
            result.problems.append(_broken(from_seq, f"locked segment {manifest['key']} is unreadable: {error}"))
            return locked
        if checkpoint is None or checkpoint.seq != to_seq or checkpoint.hash != manifest.get("head_hash"):
            result.problems.append(_broken(to_seq, f"locked segment {manifest['key']} has no matching checkpoint"))
            return locked
        check = verify_chain(records, after=last, key=key, checkpoints=[checkpoint], trust_after=True)
        if check.ok and (not records or records[-1].seq != to_seq):
            check = _broken(to_seq, f"locked segment {manifest['key']} does not end at record {to_seq}")
        if not check.ok:
            result.problems.append(check)
            return locked
        _trusted, bad = trusted_checkpoints([checkpoint], key)
        if bad is not None:
            result.problems.append(bad)
            return locked
        locked.hashes.update((record.seq, record.hash) for record in records)
        locked.checkpoints.append(checkpoint)
        locked.segments += 1
        last = records[-1]
    return locked


def verify_audit(
    log: AuditLog, archive: ReadableArchive, agency_id: str, *, page_size: int = 1000
) -> AuditVerification:
    """The whole check: the locked copy, the table's keyed chain, and the table against the locked copy."""
    result = AuditVerification(agency_id=agency_id)
    locked = _read_locked(log, archive, agency_id, result)
    result.segments = locked.segments
    result.locked_records = len(locked.hashes)
    result.checkpoints = len(locked.checkpoints)

    seen: set[int] = set()
    mismatch: list[int] = []

    def compare(page: Sequence[AuditRecord]) -> None:
        for record in page:
            seen.add(record.seq)
            held = locked.hashes.get(record.seq)
            if held is not None and held != record.hash and not mismatch:
                mismatch.append(record.seq)

    check = verify_log(log, page_size=page_size, checkpoints=locked.checkpoints, on_page=compare)
    result.table_records = check.count
    if not check.ok:
        result.problems.append(check)
    if mismatch:
        result.problems.append(_broken(mismatch[0], f"record {mismatch[0]} differs from its locked copy"))
    if check.ok:
        missing = sorted(set(locked.hashes) - seen)
        if missing:
            result.problems.append(
                _broken(missing[0], f"record {missing[0]} is in the locked copy but not in the table")
            )
        head = max(seen) if seen else 0
        short = check_head(head, locked.checkpoints)
        if short is not None:
            result.problems.append(short)
    return result
