"""Verify an agency's audit hash chain: any edited, deleted or reordered record is found and named."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from eis_core.models.audit import GENESIS_HASH, AuditRecord
from eis_core.storage.ports import AuditLog


@dataclass(frozen=True)
class ChainCheck:
    """The verdict on a chain (or a slice of one): ``broken_seq`` is the first record that fails."""

    ok: bool
    count: int
    broken_seq: int | None = None
    reason: str | None = None


def verify_chain(records: Sequence[AuditRecord], *, after: AuditRecord | None = None) -> ChainCheck:
    """Check records in sequence order, starting at seq 1, or right after ``after`` (a verified record).

    ``count`` is the number of records that verified before the first break.
    """
    expected_seq = 1 if after is None else after.seq + 1
    prev_hash = GENESIS_HASH if after is None else after.hash
    for verified, record in enumerate(records):
        if record.seq > expected_seq:
            return ChainCheck(False, verified, expected_seq, f"record {expected_seq} is missing")
        if record.seq < expected_seq:
            return ChainCheck(False, verified, record.seq, f"record {record.seq} is out of order or repeated")
        if record.prev_hash != prev_hash:
            reason = f"record {record.seq} does not link to record {record.seq - 1} (deleted or replaced)"
            return ChainCheck(False, verified, record.seq, reason)
        if not record.verify(prev_hash):
            return ChainCheck(False, verified, record.seq, f"record {record.seq} was altered after it was written")
        expected_seq, prev_hash = record.seq + 1, record.hash
    return ChainCheck(True, len(records))


def verify_log(log: AuditLog, *, page_size: int = 1000) -> ChainCheck:
    """Verify a whole stored chain page by page, so memory stays bounded however long it grows."""
    count = 0
    last: AuditRecord | None = None
    while page := log.records(since_seq=0 if last is None else last.seq, limit=page_size):
        check = verify_chain(page, after=last)
        if not check.ok:
            return ChainCheck(False, count + check.count, check.broken_seq, check.reason)
        count += check.count
        last = page[-1]
    return ChainCheck(True, count)
