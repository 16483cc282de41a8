"""verify_chain on pure records: every kind of tampering is found and the first broken record named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eis_core.audit import verify_chain
from eis_core.models.audit import GENESIS_HASH, AuditEvent, AuditOutcome, AuditRecord
from tests.builders import audit_event

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def build_chain(length: int) -> list[AuditRecord]:
    records: list[AuditRecord] = []
    for i in range(length):
        event = audit_event("case.note", target_id=f"case-{i}", detail={"n": i})
        prev_hash = records[-1].hash if records else GENESIS_HASH
        records.append(AuditRecord.chain(event, seq=i + 1, at=T0 + timedelta(minutes=i), prev_hash=prev_hash))
    return records


def test_an_untouched_chain_verifies() -> None:
    check = verify_chain(build_chain(4))

    assert (check.ok, check.count, check.broken_seq, check.reason) == (True, 4, None, None)


def test_an_empty_chain_verifies() -> None:
    assert verify_chain([]).ok


def test_an_edited_record_is_named() -> None:
    records = build_chain(4)
    records[2] = records[2].model_copy(update={"outcome": AuditOutcome.DENIED})

    check = verify_chain(records)

    assert (check.ok, check.broken_seq, check.count) == (False, 3, 2)
    assert check.reason is not None and "altered" in check.reason


def test_an_edited_record_with_a_recomputed_hash_breaks_the_next_link() -> None:
    records = build_chain(4)
    forged_event = AuditEvent.model_validate(records[1].model_dump(include=set(AuditEvent.model_fields)))
    forged_event.detail = {"n": 99}
    records[1] = AuditRecord.chain(forged_event, seq=2, at=records[1].at, prev_hash=records[0].hash)

    check = verify_chain(records)

    assert (check.ok, check.broken_seq) == (False, 3)
    assert check.reason is not None and "does not link" in check.reason


def test_a_deleted_record_is_named_as_missing() -> None:
    records = build_chain(4)
    del records[1]

    check = verify_chain(records)

    assert (check.ok, check.broken_seq, check.count) == (False, 2, 1)
    assert check.reason == "record 2 is missing"


def test_a_deleted_tail_cannot_be_seen_from_the_records_alone_but_a_reordering_can() -> None:
    records = build_chain(3)

    assert verify_chain(records[:2]).ok  # truncation needs the exported head hash to detect
    reordered = [records[0], records[2], records[1]]
    check = verify_chain(reordered)
    assert (check.ok, check.broken_seq) == (False, 2)


def test_a_slice_verifies_after_a_trusted_record() -> None:
    records = build_chain(5)

    assert verify_chain(records[2:], after=records[1]).ok
    check = verify_chain(records[3:], after=records[1])
    assert (check.ok, check.broken_seq) == (False, 3)
