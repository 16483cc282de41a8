"""Verify an agency's keyed audit chain: any edited, deleted, reordered, truncated or recomputed record is found.

Three things are checked, from cheapest to most expensive:

- links: each record's SHA-256 ``hash`` covers its content and the previous hash (local, no key);
- MACs: a record's ``mac`` is made with the agency's audit key, which lives in KMS. A valid MAC on a
  record vouches for every record before it, so a page needs only two KMS calls: the record it starts
  after (the anchor) and its last record. When a MAC fails, a binary search names the first record
  whose MAC fails: where a rewrite with recomputed hashes began;
- checkpoints: keyed statements "the chain held N records ending in hash H", written to the table and
  to the Object-Lock bucket. The newest one says how long the chain was, so dropping the newest records
  shows; a record whose hash differs from a checkpoint's shows even if someone could use the key.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from eis_core.errors import UnreadableAuditRecordError
from eis_core.models.audit import GENESIS_HASH, AuditCheckpoint, AuditRecord, record_mac_message
from eis_core.storage.ports import AuditKey, AuditLog


@dataclass(frozen=True)
class ChainCheck:
    """The verdict on a chain (or a slice of one): ``broken_seq`` is the first record that fails."""

    ok: bool
    count: int
    broken_seq: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ChainKey:
    """A chain's name and its audit key: makes and checks record MACs and checkpoints."""

    chain: str
    key: AuditKey

    def record_ok(self, record: AuditRecord) -> bool:
        message = record_mac_message(self.chain, record.seq, record.hash)
        return record.mac is not None and self.key.verify(message, record.mac)

    def checkpoint(self, record: AuditRecord, at: datetime) -> AuditCheckpoint:
        unsigned = AuditCheckpoint(chain=self.chain, seq=record.seq, hash=record.hash, at=at)
        return unsigned.model_copy(update={"mac": self.key.mac(unsigned.message())})

    def checkpoint_ok(self, checkpoint: AuditCheckpoint) -> bool:
        return (
            checkpoint.chain == self.chain
            and bool(checkpoint.mac)
            and self.key.verify(checkpoint.message(), checkpoint.mac)
        )


def log_key(log: AuditLog) -> ChainKey:
    return ChainKey(log.chain, log.key)


def _first_unsigned(records: Sequence[AuditRecord], key: ChainKey) -> AuditRecord:
    """The first record whose MAC fails, given that the last one fails (MACs fail from a rewrite onwards)."""
    low, high = 0, len(records) - 1  # invariant: records[high] fails
    while low < high:
        middle = (low + high) // 2
        if key.record_ok(records[middle]):
            low = middle + 1
        else:
            high = middle
    return records[high]


def verify_chain(
    records: Sequence[AuditRecord],
    *,
    after: AuditRecord | None = None,
    key: ChainKey | None = None,
    checkpoints: Iterable[AuditCheckpoint] = (),
    trust_after: bool = False,
) -> ChainCheck:
    """Check records in sequence order, starting at seq 1, or right after ``after``.

    ``after`` is checked too (its own hash, and its MAC with ``key``) unless ``trust_after`` says it was
    verified already. With ``key`` the last record's MAC must verify; ``checkpoints`` (already checked
    with the key) must match the records they name. ``count`` is the number that verified before a break.
    """
    if after is not None and not trust_after:
        if not after.verify(after.prev_hash):
            return ChainCheck(False, 0, after.seq, f"record {after.seq} was altered after it was written")
        if key is not None and not key.record_ok(after):
            return ChainCheck(False, 0, after.seq, f"record {after.seq} is not signed by the agency's audit key")
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
    if key is not None and records and not key.record_ok(records[-1]):
        first = _first_unsigned(records, key)
        reason = (
            f"record {first.seq} is not signed by the agency's audit key: "
            "it and the records after it were rewritten with recomputed hashes"
        )
        return ChainCheck(False, first.seq - records[0].seq, first.seq, reason)
    by_seq = {record.seq: record for record in records}
    for checkpoint in sorted(checkpoints, key=lambda c: c.seq):
        held = by_seq.get(checkpoint.seq)
        if held is not None and held.hash != checkpoint.hash:
            reason = f"record {checkpoint.seq} does not match the checkpoint of {checkpoint.at.isoformat()}"
            return ChainCheck(False, checkpoint.seq - records[0].seq, checkpoint.seq, reason)
    return ChainCheck(True, len(records))


def trusted_checkpoints(
    checkpoints: Iterable[AuditCheckpoint], key: ChainKey
) -> tuple[list[AuditCheckpoint], ChainCheck | None]:
    """Checkpoints that carry a valid MAC, and a failed check for the first one that does not."""
    trusted: list[AuditCheckpoint] = []
    for checkpoint in sorted(checkpoints, key=lambda c: c.seq):
        if not key.checkpoint_ok(checkpoint):
            reason = f"the checkpoint at record {checkpoint.seq} is not signed by the agency's audit key"
            return trusted, ChainCheck(False, 0, checkpoint.seq, reason)
        trusted.append(checkpoint)
    return trusted, None


def check_head(head_seq: int, checkpoints: Sequence[AuditCheckpoint]) -> ChainCheck | None:
    """A failed check when the chain ends before its newest checkpoint (records dropped at the end)."""
    if not checkpoints:
        return None
    newest = max(checkpoints, key=lambda c: c.seq)
    if head_seq >= newest.seq:
        return None
    reason = (
        f"records {head_seq + 1}-{newest.seq} are missing: the checkpoint of "
        f"{newest.at.isoformat()} vouches for {newest.seq} records"
    )
    return ChainCheck(False, head_seq, head_seq + 1, reason)


def _read(log: AuditLog, since_seq: int, limit: int) -> tuple[list[AuditRecord], UnreadableAuditRecordError | None]:
    """A page of records; on an unreadable item, the records before it and the error naming it."""
    try:
        return log.records(since_seq=since_seq, limit=limit), None
    except UnreadableAuditRecordError as error:
        records: list[AuditRecord] = []
        cursor = since_seq
        while True:  # read one at a time up to the bad item: what is readable is still shown
            try:
                found = log.records(since_seq=cursor, limit=1)
            except UnreadableAuditRecordError:
                break
            if not found:
                break
            records.append(found[0])
            cursor = found[0].seq
            if len(records) >= limit:
                break
        seq = error.seq or cursor + 1
        return records, UnreadableAuditRecordError(seq, "the stored item is corrupt")


def _unreadable(error: UnreadableAuditRecordError, count: int) -> ChainCheck:
    return ChainCheck(False, count, error.seq, f"record {error.seq} cannot be read: the stored item is corrupt")


def verify_page(log: AuditLog, *, since_seq: int, limit: int) -> tuple[list[AuditRecord], ChainCheck]:
    """One page of the trail for the API, checked onto the record before it and, at the end, the newest checkpoint.

    A page past the end is empty and valid (unless the chain is shorter than its newest checkpoint).
    """
    key = log_key(log)
    stored = log.checkpoints()
    # Only the newest checkpoint and those inside this page matter here: one VerifyMac each, not one per day.
    relevant = [c for c in stored if since_seq < c.seq <= since_seq + limit] + stored[-1:]
    trusted, bad_checkpoint = trusted_checkpoints({c.seq: c for c in relevant}.values(), key)
    records, unreadable = _read(log, since_seq, limit)
    anchor: AuditRecord | None = None
    if since_seq > 0:
        before, unreadable_anchor = _read(log, since_seq - 1, 1)
        if unreadable_anchor is not None:
            return records, _unreadable(unreadable_anchor, 0)
        if before and before[0].seq != since_seq:
            return records, ChainCheck(False, 0, since_seq, f"record {since_seq} is missing")
        if not before:  # past the end: nothing to check here but the checkpoints
            head = _head(log)
            return records, check_head(head, trusted) or bad_checkpoint or ChainCheck(True, 0)
        anchor = before[0]
    check = verify_chain(records, after=anchor, key=key, checkpoints=trusted)
    if not check.ok:
        return records, check
    if unreadable is not None:
        return records, _unreadable(unreadable, len(records))
    if bad_checkpoint is not None:
        return records, bad_checkpoint
    if len(records) < limit:  # this page reaches the end of the chain
        head = records[-1].seq if records else (anchor.seq if anchor is not None else 0)
        return records, check_head(head, trusted) or check
    return records, check


def _head(log: AuditLog) -> int:
    """The last seq in the log, read page by page (only used for a page past the end)."""
    head, cursor = 0, 0
    while page := _read(log, cursor, 1000)[0]:
        head = cursor = page[-1].seq
        if len(page) < 1000:
            break
    return head


def verify_log(
    log: AuditLog,
    *,
    page_size: int = 1000,
    checkpoints: Iterable[AuditCheckpoint] | None = None,
    on_page: Callable[[Sequence[AuditRecord]], None] | None = None,
) -> ChainCheck:
    """Verify a whole stored chain from its start, page by page, so memory stays bounded however long it grows.

    ``checkpoints`` defaults to the table's own; pass the locked bucket's too for the authoritative check.
    ``on_page`` sees each verified page (the CLI compares them with their locked copies).
    """
    key = log_key(log)
    candidates = list(log.checkpoints()) + list(checkpoints or ())
    trusted, bad_checkpoint = trusted_checkpoints(candidates, key)
    count = 0
    last: AuditRecord | None = None
    while True:
        page, unreadable = _read(log, 0 if last is None else last.seq, page_size)
        check = verify_chain(page, after=last, key=key, checkpoints=trusted, trust_after=True)
        if not check.ok:
            return ChainCheck(False, count + check.count, check.broken_seq, check.reason)
        if unreadable is not None:
            return _unreadable(unreadable, count + len(page))
        if on_page is not None and page:
            on_page(page)
        count += check.count
        if not page:
            break
        last = page[-1]
    head = last.seq if last is not None else 0
    return check_head(head, trusted) or bad_checkpoint or ChainCheck(True, count)
