"""The audit trail cannot be rewritten quietly: each way of tampering with the table is named by its first bad record.

Given a chain on moto (DynamoDB, the Object-Lock bucket and the KMS HMAC key) exported with a signed
checkpoint and a few newer records, someone with write access to the audit table (but not to the key)
edits, removes, swaps, truncates or recomputes records; `eis audit verify` exits 1 naming the first bad
sequence number, and the API's page check reports it too.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import boto3
import pytest

from eis_core.audit import AuditTrail, verify_log, verify_page
from eis_core.audit.archive import verify_audit
from eis_core.audit.export import AuditExporter
from eis_core.models.audit import AuditEvent, AuditRecord
from eis_core.storage.dynamodb import DynamoAuditLog
from eis_core.wiring import Adapters, aws_adapters, memory_adapters
from eis_tools.local.cli import main
from eis_tools.local.resources import LocalSettings
from tests.conftest import ACCOUNT, AGENCY_ID, REGION

EXPORTED = 12  # records 1-12 are exported with a signed checkpoint at 12
TAIL = 3  # records 13-15 are newer than the export


def _event(n: int) -> AuditEvent:
    return AuditEvent(
        actor=f"user-{n}",
        role="supervisor",
        action="case.note",
        target_type="case",
        target_id=f"case-{n}",
        agency_id=AGENCY_ID,
        detail={"n": n},
    )


@pytest.fixture
def adapters(settings: LocalSettings) -> Adapters:
    built = aws_adapters(settings)
    for n in range(EXPORTED):
        built.audit.append(_event(n))
    AuditExporter(built.audit, built.audit_archive, built.artifacts, AGENCY_ID).export()
    for n in range(EXPORTED, EXPORTED + TAIL):
        built.audit.append(_event(n))
    return built


@pytest.fixture
def table(settings: LocalSettings) -> Any:
    return boto3.resource("dynamodb").Table(settings.audit_table)


def verify_cli(capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["audit", "verify", "--agency", AGENCY_ID, "--account", ACCOUNT, "--region", REGION])
    return code, capsys.readouterr().out


def _log(adapters: Adapters) -> DynamoAuditLog:
    assert isinstance(adapters.audit, DynamoAuditLog)
    return adapters.audit


def _put(adapters: Adapters, record: AuditRecord) -> None:
    log = _log(adapters)
    boto3.client("dynamodb").put_item(TableName=log.table_name, Item=log._item(record))


def _recompute_from(adapters: Adapters, seq: int, edit: Callable[[AuditRecord], AuditRecord]) -> None:
    """Edit record ``seq`` and recompute every later hash, keeping the old MACs (the key is out of reach)."""
    records = adapters.audit.records(limit=1000)
    prev_hash = records[seq - 2].hash if seq > 1 else "0" * 64
    for record in records[seq - 1 :]:
        changed = edit(record) if record.seq == seq else record
        event = AuditEvent.model_validate(changed.model_dump(include=set(AuditEvent.model_fields)))
        rebuilt = AuditRecord.chain(event, seq=record.seq, at=record.at, prev_hash=prev_hash)
        rebuilt.mac = record.mac
        _put(adapters, rebuilt)
        prev_hash = rebuilt.hash


def test_the_untouched_chain_and_its_locked_copy_verify(adapters: Adapters, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = verify_cli(capsys)

    assert code == 0, out
    assert "15 records in the table, 12 in 1 locked segments, 1 locked checkpoints" in out


def test_an_edited_record_is_named(adapters: Adapters, table: Any, capsys: pytest.CaptureFixture[str]) -> None:
    table.update_item(
        Key={"chain": AGENCY_ID, "seq": 5}, UpdateExpression="SET actor = :a", ExpressionAttributeValues={":a": "x"}
    )

    code, out = verify_cli(capsys)

    assert code == 1 and "FAILED at record 5:" in out


def test_an_edited_record_in_the_unexported_tail_is_named(
    adapters: Adapters, table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    table.update_item(
        Key={"chain": AGENCY_ID, "seq": 14}, UpdateExpression="SET actor = :a", ExpressionAttributeValues={":a": "x"}
    )

    code, out = verify_cli(capsys)

    assert code == 1 and "FAILED at record 14:" in out


def test_a_removed_record_is_named(adapters: Adapters, table: Any, capsys: pytest.CaptureFixture[str]) -> None:
    table.delete_item(Key={"chain": AGENCY_ID, "seq": 7})

    code, out = verify_cli(capsys)

    assert code == 1 and "FAILED at record 7: record 7 is missing" in out


def test_two_swapped_records_are_named(adapters: Adapters, capsys: pytest.CaptureFixture[str]) -> None:
    records = adapters.audit.records(limit=1000)
    third, fourth = records[2], records[3]
    _put(adapters, fourth.model_copy(update={"seq": 3}))
    _put(adapters, third.model_copy(update={"seq": 4}))

    code, out = verify_cli(capsys)

    assert code == 1 and "FAILED at record 3:" in out


def test_records_dropped_from_the_end_are_found_against_the_locked_checkpoint(
    adapters: Adapters, table: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    for seq in range(11, EXPORTED + TAIL + 1):  # the newest five, two of them exported
        table.delete_item(Key={"chain": AGENCY_ID, "seq": seq})
    for checkpoint in adapters.audit.checkpoints():  # and the table's own checkpoints, to hide it
        table.delete_item(Key={"chain": f"{AGENCY_ID}#checkpoints", "seq": checkpoint.seq})

    code, out = verify_cli(capsys)

    assert code == 1 and "FAILED at record 11: records 11-12 are missing" in out


def test_a_fully_recomputed_chain_is_named_where_the_rewrite_began(
    adapters: Adapters, capsys: pytest.CaptureFixture[str]
) -> None:
    _recompute_from(adapters, 6, lambda r: r.model_copy(update={"actor": "someone-else"}))
    assert verify_log(adapters.audit).broken_seq == 6  # the links all hold; the MACs do not

    code, out = verify_cli(capsys)

    assert code == 1 and "FAILED at record 6:" in out


def test_a_recomputed_tail_after_the_export_is_named(adapters: Adapters, capsys: pytest.CaptureFixture[str]) -> None:
    _recompute_from(adapters, 13, lambda r: r.model_copy(update={"detail": {"n": -1}}))

    code, out = verify_cli(capsys)

    assert code == 1 and "FAILED at record 13:" in out


# --- the API's page check ----------------------------------------------------------------------


def test_an_edit_at_a_page_start_or_its_anchor_is_reported(adapters: Adapters, table: Any) -> None:
    table.update_item(
        Key={"chain": AGENCY_ID, "seq": 4}, UpdateExpression="SET actor = :a", ExpressionAttributeValues={":a": "x"}
    )

    _records, starting_at_it = verify_page(adapters.audit, since_seq=3, limit=5)
    _records, anchored_on_it = verify_page(adapters.audit, since_seq=4, limit=5)

    assert (starting_at_it.ok, starting_at_it.broken_seq) == (False, 4)
    assert (anchored_on_it.ok, anchored_on_it.broken_seq) == (False, 4)


def test_a_page_past_the_end_is_empty_and_valid_unless_records_were_dropped(adapters: Adapters, table: Any) -> None:
    records, check = verify_page(adapters.audit, since_seq=40, limit=10)
    assert (records, check.ok) == ([], True)
    records, check = verify_page(adapters.audit, since_seq=15, limit=10)
    assert (records, check.ok) == ([], True)

    for seq in range(10, 16):
        table.delete_item(Key={"chain": AGENCY_ID, "seq": seq})
    _records, check = verify_page(adapters.audit, since_seq=40, limit=10)
    _records, end = verify_page(adapters.audit, since_seq=5, limit=10)

    assert (check.ok, check.broken_seq) == (False, 10)
    assert (end.ok, end.broken_seq) == (False, 10)


def test_a_corrupt_audit_item_is_reported_not_raised(adapters: Adapters, table: Any) -> None:
    table.update_item(
        Key={"chain": AGENCY_ID, "seq": 8}, UpdateExpression="SET detail = :d", ExpressionAttributeValues={":d": "{"}
    )

    records, check = verify_page(adapters.audit, since_seq=0, limit=100)

    assert [r.seq for r in records] == list(range(1, 8))
    assert (check.ok, check.broken_seq) == (False, 8) and "cannot be read" in (check.reason or "")
    assert verify_log(adapters.audit).broken_seq == 8
    assert adapters.audit.append(_event(99)).seq == 16  # appends still work


# --- concurrency ------------------------------------------------------------------------------


@pytest.fixture
def atomic_dynamodb(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process moto answers DynamoDB requests from several threads at once, with no locks: two conditional
    puts can both pass their condition and the second overwrite the first (a record lost without an error,
    seen once in 20 x 5 appends). DynamoDB applies each request atomically, so the test does too, as the
    local stack's server does (eis_tools.local.moto_locks)."""
    from moto.dynamodb.responses import DynamoHandler

    lock = threading.Lock()
    answer = DynamoHandler.call_action

    def one_at_a_time(self: DynamoHandler) -> Any:
        with lock:
            return answer(self)

    monkeypatch.setattr(DynamoHandler, "call_action", one_at_a_time)


@pytest.mark.usefixtures("atomic_dynamodb")
def test_twenty_concurrent_writers_all_append_into_one_verifiable_chain(settings: LocalSettings) -> None:
    writers, each = 20, 5
    key = aws_adapters(settings).audit.key
    # Patient writers: on a loaded 2-core CI machine a thread can wait longer than the 5 s after which a
    # stalled ticket becomes a gap record; here every writer lives, so none may be taken for dead
    # (the gap itself is tested in the storage contract).
    logs = [
        DynamoAuditLog(
            boto3.client("dynamodb"),
            settings.audit_table,
            chain=settings.agency_id,
            key=key,
            append_seconds=600,
            gap_after=300,
        )
        for _ in range(writers)
    ]
    failures: list[BaseException] = []
    start = threading.Barrier(writers)

    def write(log: Any, w: int) -> None:
        start.wait()
        for n in range(each):
            try:
                log.append(_event(w * 100 + n))
            except BaseException as error:
                failures.append(error)

    threads = [threading.Thread(target=write, args=(log, w)) for w, log in enumerate(logs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    check = verify_log(logs[0])
    assert (check.ok, check.count) == (True, writers * each)
    stored = logs[0].records(limit=1000)
    assert sorted(r.detail["n"] for r in stored) == sorted(w * 100 + n for w in range(writers) for n in range(each))


def test_a_live_writer_waiting_in_line_is_not_taken_for_dead_while_the_chain_below_moves(
    settings: LocalSettings,
) -> None:
    # Given writer 1 dead holding ticket 1, writer 2 alive holding ticket 2 (waiting for 1), and our writer
    # taking ticket 3; on a fake clock each poll pause lasts one second, and the gap timeout is five
    key = aws_adapters(settings).audit.key
    now = [0.0]

    def log(**timing: Any) -> DynamoAuditLog:
        return DynamoAuditLog(
            boto3.client("dynamodb"), settings.audit_table, chain=settings.agency_id, key=key, **timing
        )

    second = log()
    assert (second._ticket(), second._ticket()) == (1, 2)  # tickets 1 (the dead writer's) and 2 (writer 2's)

    def sleep(_pause: float) -> None:
        # Writer 2, as it would: at 5 s it gives up on writer 1 and fills slot 1 with a gap; at 9 s it writes
        now[0] += 1.0
        if now[0] == 5.0:
            second._fill_gaps(1, settings.agency_id)
        if now[0] == 9.0:
            assert second._put_new(second._signed(_event(2), 2, second.records()[0].hash))

    ours = log(monotonic=lambda: now[0], sleep=sleep, gap_after=5.0, append_seconds=600)

    # When our writer appends, waiting 9 s for slot 2 (longer than the gap timeout)
    written = ours.append(_event(3))

    # Then only the dead writer's slot holds a gap: writer 2 kept its slot, and we wrote after it
    stored = ours.records()
    assert [(r.seq, r.action, r.detail.get("n")) for r in stored] == [
        (1, "audit.gap", None),
        (2, "case.note", 2),
        (3, "case.note", 3),
    ]
    assert written == stored[2] and verify_log(ours).ok


def test_a_writer_waits_out_a_stalled_chain_for_the_gap_timeout_then_fills_the_gap(settings: LocalSettings) -> None:
    # Given ticket 1 taken by a writer that never writes, and nothing else moving
    key = aws_adapters(settings).audit.key
    now = [0.0]

    def sleep(_pause: float) -> None:
        now[0] += 1.0

    ours = DynamoAuditLog(
        boto3.client("dynamodb"),
        settings.audit_table,
        chain=settings.agency_id,
        key=key,
        monotonic=lambda: now[0],
        sleep=sleep,
        append_seconds=600,
    )
    ours._ticket()

    # When we append, the gap is filled once the chain stood still for the default timeout, not sooner
    ours.append(_event(2))
    assert [r.action for r in ours.records()] == ["audit.gap", "case.note"]
    assert 8.0 <= now[0] <= 9.0


# --- in memory: the same checks without AWS -------------------------------------------------------


def test_in_memory_verification_from_start_and_against_the_locked_copy() -> None:
    memory = memory_adapters(AGENCY_ID)
    trail = AuditTrail(memory.audit, AGENCY_ID)
    for n in range(6):
        trail.record(actor="a", role="r", action=f"x.{n}", target_type="t", target_id=str(n))
    AuditExporter(memory.audit, memory.audit_archive, memory.artifacts, AGENCY_ID).export()
    assert verify_audit(memory.audit, memory.audit_archive, AGENCY_ID).ok  # type: ignore[arg-type]

    log = memory.audit
    stored = log.records()
    log.replace_stored(stored[:4])  # type: ignore[attr-defined]
    result = verify_audit(log, memory.audit_archive, AGENCY_ID)  # type: ignore[arg-type]

    assert (result.ok, result.broken_seq) == (False, 5)
