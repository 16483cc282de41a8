"""Nothing lost, nothing forged, nothing crashes: snapshot retraction guard, volume gate by mode, read limits.

Every bomb here is built in memory and is small; each must be rejected whole with its own code and nothing
applied. Their time and memory are measured by ``tests/benchmarks/bench_bombs.py``, not here.
"""

from __future__ import annotations

import gzip
import hashlib

import pytest

from eis_core.ingest.contract import classify_key
from eis_core.ingest.readers import ReadLimits
from eis_core.models.records import RecordKind
from eis_core.models.uploads import RejectionCode, UploadMode, UploadReport
from eis_core.wiring import Adapters, memory_adapters

from .ingest_helpers import AGENCY, ROSTER, UOF_HEADER, ingest, put_mapping, service_for, stored


@pytest.fixture
def adapters() -> Adapters:
    adapters = memory_adapters(AGENCY)
    ingest(service_for(adapters), adapters, "incoming/roster/roster.csv", ROSTER)
    return adapters


def uof_rows(count: int, *, start: int = 0, force: str = "taser") -> str:
    rows = [f"u-{i},A100,2025-01-02,2025-01-03,{force}" for i in range(start, start + count)]
    return UOF_HEADER + "\n" + "".join(row + "\n" for row in rows)


def assert_nothing_applied(report: UploadReport, code: RejectionCode) -> None:
    assert report.rejected and report.rejection_code is code, report.rejection_reason
    assert (report.inserted, report.replaced, report.unchanged, report.retracted) == (0, 0, 0, 0)


# Snapshots: an empty one never retracts; one that would retract too much waits for confirmation.

SNAPSHOT = "incoming/use_of_force/snapshot/uof.csv"
CONFIRMED = "incoming/use_of_force/snapshot/confirmed/uof.csv"


def test_a_header_only_snapshot_is_rejected_and_retracts_nothing(adapters: Adapters) -> None:
    service = service_for(adapters)
    ingest(service, adapters, SNAPSHOT, uof_rows(30))

    report = ingest(service, adapters, SNAPSHOT, UOF_HEADER + "\n")

    assert_nothing_applied(report, RejectionCode.EMPTY_SNAPSHOT)
    assert report.rejection_reason == (
        "the snapshot of use_of_force has a header but no rows: applied, it would retract every stored use_of_force "
        "record, so nothing was applied. Check the export; to add or correct records upload a delta (outside the "
        "snapshot folder)"
    )
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 30


def test_a_confirmed_header_only_snapshot_is_still_rejected(adapters: Adapters) -> None:
    service = service_for(adapters)
    ingest(service, adapters, SNAPSHOT, uof_rows(3))

    report = ingest(service, adapters, CONFIRMED, UOF_HEADER + "\n")

    assert_nothing_applied(report, RejectionCode.EMPTY_SNAPSHOT)
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 3


def test_a_snapshot_retracting_more_than_half_of_its_kind_is_held_for_confirmation(adapters: Adapters) -> None:
    service = service_for(adapters)
    ingest(service, adapters, SNAPSHOT, uof_rows(3))  # u-0, u-1, u-2
    # When a snapshot keeps only u-0, corrects it, and adds u-9
    body = UOF_HEADER + "\nu-0,A100,2025-01-02,2025-01-03,baton\nu-9,A100,2025-01-02,2025-01-03,taser\n"

    report = ingest(service, adapters, SNAPSHOT, body)

    # Then it is held: nothing applied, not even the correction or the new record
    assert_nothing_applied(report, RejectionCode.SNAPSHOT_NEEDS_CONFIRMATION)
    assert report.held_for_confirmation and not report.confirmed
    assert (report.would_retract, report.stored_of_kind, report.rows_accepted) == (2, 3, 2)
    assert report.rejection_reason == (
        "held for confirmation: this snapshot would retract 2 of the 3 stored use_of_force records (67%), above "
        "the limit of 50%, so nothing was applied. If the records really are gone, upload the same file again "
        "under incoming/use_of_force/snapshot/confirmed/ to confirm (or raise gates.max_snapshot_retraction in "
        "the mapping)"
    )
    records = stored(adapters, RecordKind.USE_OF_FORCE)
    assert sorted(records) == ["u-0", "u-1", "u-2"]
    assert records["u-0"].force_type.value == "taser"  # type: ignore[union-attr]

    # When the agency confirms by uploading the same file under snapshot/confirmed/
    confirmed = ingest(service, adapters, CONFIRMED, body)

    # Then it is applied in full
    assert not confirmed.rejected and confirmed.confirmed and not confirmed.held_for_confirmation
    assert (confirmed.mode, confirmed.inserted, confirmed.replaced, confirmed.retracted) == (
        UploadMode.SNAPSHOT,
        1,
        1,
        2,
    )
    assert (confirmed.would_retract, confirmed.stored_of_kind) == (2, 3)
    assert sorted(stored(adapters, RecordKind.USE_OF_FORCE)) == ["u-0", "u-9"]


def test_a_confirmation_counts_only_for_the_file_that_was_held_and_only_once(adapters: Adapters) -> None:
    # Given three stored records, and a snapshot keeping one of them held for confirmation
    service = service_for(adapters)
    ingest(service, adapters, SNAPSHOT, uof_rows(3))  # u-0, u-1, u-2
    held = uof_rows(1)
    assert ingest(service, adapters, SNAPSHOT, held).held_for_confirmation

    # When a different file (it would retract all three) is put in the confirmed folder
    other = ingest(service, adapters, CONFIRMED, uof_rows(1, start=7))

    # Then it is checked as an ordinary snapshot and held itself: nothing retracted
    assert_nothing_applied(other, RejectionCode.SNAPSHOT_NEEDS_CONFIRMATION)
    assert not other.confirmed and other.held_for_confirmation
    assert "is not a snapshot that was held for confirmation" in " ".join(other.warnings)
    assert sorted(stored(adapters, RecordKind.USE_OF_FORCE)) == ["u-0", "u-1", "u-2"]

    # When the held file itself is confirmed, it is applied, and the audit names its content hash
    confirmed = ingest(service, adapters, CONFIRMED, held)
    assert confirmed.confirmed and confirmed.retracted == 2
    applying = [r for r in adapters.audit.records() if r.action == "upload.apply"][-1]
    assert applying.detail["content_sha256"] == hashlib.sha256(held.encode()).hexdigest()

    # And the confirmation is used up: three new records, then the same file again, is held once more
    ingest(service, adapters, "incoming/use_of_force/more.csv", uof_rows(3, start=20))
    again = ingest(service, adapters, CONFIRMED, held)
    assert_nothing_applied(again, RejectionCode.SNAPSHOT_NEEDS_CONFIRMATION)


def test_a_snapshot_within_the_retraction_limit_applies_and_reports_its_counts(adapters: Adapters) -> None:
    service = service_for(adapters)
    ingest(service, adapters, SNAPSHOT, uof_rows(4))

    report = ingest(service, adapters, SNAPSHOT, uof_rows(2))  # retracts u-2 and u-3: exactly 50%

    assert not report.rejected and report.retracted == 2
    assert (report.would_retract, report.stored_of_kind, report.held_for_confirmation) == (2, 4, False)


def test_the_retraction_limit_is_a_mapping_gate(adapters: Adapters) -> None:
    put_mapping(adapters, {"agency_id": AGENCY, "version": 2, "gates": {"max_snapshot_retraction": 0.1}})
    service = service_for(adapters)
    ingest(service, adapters, SNAPSHOT, uof_rows(5))

    report = ingest(service, adapters, SNAPSHOT, uof_rows(4))  # 1 of 5: 20%

    assert_nothing_applied(report, RejectionCode.SNAPSHOT_NEEDS_CONFIRMATION)
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 5


def test_a_confirmed_snapshot_also_passes_the_volume_gate(adapters: Adapters) -> None:
    service = service_for(adapters)
    for _ in range(3):
        ingest(service, adapters, SNAPSHOT, uof_rows(100))
    assert ingest(service, adapters, SNAPSHOT, uof_rows(40)).rejection_code is RejectionCode.VOLUME_DROP

    report = ingest(service, adapters, CONFIRMED, uof_rows(40))

    assert not report.rejected and (report.retracted, report.unchanged) == (60, 40)
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 40


def test_a_first_snapshot_of_a_kind_is_never_held(adapters: Adapters) -> None:
    report = ingest(service_for(adapters), adapters, SNAPSHOT, uof_rows(3))

    assert not report.rejected and (report.inserted, report.would_retract, report.stored_of_kind) == (3, 0, 0)


def test_a_delta_reports_no_retraction_counts(adapters: Adapters) -> None:
    report = ingest(service_for(adapters), adapters, "incoming/use_of_force/d.csv", uof_rows(3))

    assert (report.would_retract, report.stored_of_kind, report.confirmed) == (None, None, False)


@pytest.mark.parametrize(
    ("key", "mode", "confirmed"),
    [
        ("incoming/use_of_force/snapshot/confirmed/a.csv", UploadMode.SNAPSHOT, True),
        ("incoming/use_of_force/SNAPSHOT/Confirmed/a.csv", UploadMode.SNAPSHOT, True),
        ("incoming/use_of_force/snapshot/a.csv", UploadMode.SNAPSHOT, False),
        ("incoming/use_of_force/confirmed/a.csv", UploadMode.DELTA, False),  # not below a snapshot folder
        ("incoming/use_of_force/confirmed/snapshot/a.csv", UploadMode.SNAPSHOT, False),
    ],
)
def test_confirmation_is_a_confirmed_folder_below_the_snapshot_folder(
    key: str, mode: UploadMode, confirmed: bool
) -> None:
    target = classify_key(key)

    assert (target.kind, target.mode, target.confirmed) == (RecordKind.USE_OF_FORCE, mode, confirmed)


# The volume gate compares deltas with deltas and snapshots with snapshots.


def test_a_one_row_correction_after_large_snapshots_is_accepted(adapters: Adapters) -> None:
    service = service_for(adapters)
    # Given three full snapshots of 500 records each
    for _ in range(3):
        assert not ingest(service, adapters, SNAPSHOT, uof_rows(500)).rejected

    # When a one-row delta corrects one record
    report = ingest(service, adapters, "incoming/use_of_force/daily/2025-01-04.csv", uof_rows(1, force="baton"))

    # Then it is applied, not refused as a volume drop
    assert not report.rejected and (report.mode, report.replaced, report.retracted) == (UploadMode.DELTA, 1, 0)
    assert stored(adapters, RecordKind.USE_OF_FORCE)["u-0"].force_type.value == "baton"  # type: ignore[union-attr]
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 500


def test_a_full_size_snapshot_after_small_deltas_is_accepted(adapters: Adapters) -> None:
    service = service_for(adapters)
    for day in range(3):
        ingest(service, adapters, "incoming/use_of_force/daily.csv", uof_rows(30, start=day * 30))

    report = ingest(service, adapters, SNAPSHOT, uof_rows(90))

    assert not report.rejected and report.retracted == 0


def test_deltas_are_compared_with_deltas(adapters: Adapters) -> None:
    service = service_for(adapters)
    for day in range(3):
        ingest(service, adapters, "incoming/use_of_force/daily.csv", uof_rows(100, start=day * 100))

    report = ingest(service, adapters, "incoming/use_of_force/daily.csv", uof_rows(40, start=300))

    assert_nothing_applied(report, RejectionCode.VOLUME_DROP)
    assert "the last 3 delta uploads of use_of_force (100 rows)" in (report.rejection_reason or "")


# Read limits: decompression bombs and pathological files are rejected whole, early.

SMALL = ReadLimits(max_line_bytes=4096, max_blank_lines=100, ratio_grace_bytes=64 << 10)


def ingest_limited(adapters: Adapters, key: str, body: bytes, limits: ReadLimits | None = None) -> UploadReport:
    service = service_for(adapters)
    if limits is not None:
        service._limits = limits
    return ingest(service, adapters, key, body)


def test_a_small_gzip_of_one_huge_line_is_rejected_for_its_line_length(adapters: Adapters) -> None:
    bomb = gzip.compress(b"a" * (8 << 20), 9)  # 8 KB that expand to one 8 MiB line (no line break)
    assert len(bomb) < 16 << 10

    report = ingest_limited(adapters, "incoming/use_of_force/bomb.csv.gz", bomb)

    assert_nothing_applied(report, RejectionCode.LINE_TOO_LONG)
    assert report.rejection_reason is not None and report.rejection_reason.startswith(
        "line 1 is longer than 1048576 bytes, the limit for one line"
    )
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 0


def test_a_long_line_after_good_rows_is_rejected_and_nothing_is_applied(adapters: Adapters) -> None:
    body = (uof_rows(10) + "u-x," + "A" * 10_000 + "\n").encode()

    report = ingest_limited(adapters, "incoming/use_of_force/long.csv", body, SMALL)

    assert_nothing_applied(report, RejectionCode.LINE_TOO_LONG)
    assert report.rejection_reason is not None and report.rejection_reason.startswith("line 12 is longer than 4096")
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 0


@pytest.mark.parametrize("padding", [b"\n", b"\r\n", b",,,,\n", b"   \n"])
def test_a_gzip_of_many_blank_lines_is_rejected_after_the_first_run_of_them(adapters: Adapters, padding: bytes) -> None:
    bomb = gzip.compress((uof_rows(2) + "\n").encode() + padding * 2_000_000, 9)

    report = ingest_limited(adapters, "incoming/use_of_force/blank.csv.gz", bomb)

    assert_nothing_applied(report, RejectionCode.BLANK_LINES)
    assert report.rejection_reason == (
        "more than 1000 blank lines in a row (from line 4): the file is padded or corrupt, so it was not read "
        "further and nothing was applied"
    )
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 0


def test_blank_lines_in_json_lines_are_limited_too(adapters: Adapters) -> None:
    row = (
        b'{"source_record_id": "u-1", "officer_id": "A100", "occurred_on": "2025-01-02", "known_on": "2025-01-03", '
        b'"force_type": "taser"}\n'
    )
    for body in (row + b"\n" * 100 + row.replace(b"u-1", b"u-2"), b"\n" * 100 + row):
        assert not ingest_limited(adapters, "incoming/use_of_force/ok.jsonl", body, SMALL).rejected
    for body in (row + b"\n" * 101 + row, b"\n" * 101 + row):
        report = ingest_limited(adapters, "incoming/use_of_force/pad.jsonl", body, SMALL)
        assert_nothing_applied(report, RejectionCode.BLANK_LINES)


def test_blank_lines_below_the_limit_are_skipped_as_before(adapters: Adapters) -> None:
    body = UOF_HEADER + "\n" + "\n" * 1000 + "u-1,A100,2025-01-02,2025-01-03,taser\n" + ",,,,\n" * 1000

    report = ingest_limited(adapters, "incoming/use_of_force/gaps.csv", body.encode())

    assert not report.rejected and (report.rows_read, report.inserted) == (1, 1)


def test_a_gzip_that_expands_too_much_is_rejected_for_its_ratio(adapters: Adapters) -> None:
    # Valid-looking rows, all alike: they compress about 1000 to 1, a real extract 5 to 15
    bomb = gzip.compress((UOF_HEADER + "\n" + "u-1,A100,2025-01-02,2025-01-03,taser\n" * 200_000).encode(), 9)

    report = ingest_limited(adapters, "incoming/use_of_force/ratio.csv.gz", bomb, SMALL)

    assert_nothing_applied(report, RejectionCode.EXPANSION_RATIO)
    assert report.rejection_reason is not None and report.rejection_reason.startswith(
        "the gzip expands more than 100 times"
    )
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 0


def test_an_ordinary_gzip_is_well_within_the_ratio(adapters: Adapters) -> None:
    body = gzip.compress(uof_rows(5000).encode(), 9)

    report = ingest_limited(adapters, "incoming/use_of_force/ok.csv.gz", body, SMALL)

    assert not report.rejected and report.inserted == 5000


@pytest.mark.parametrize("key", ["incoming/use_of_force/big.csv", "incoming/use_of_force/big.csv.gz"])
def test_a_file_larger_than_the_size_limit_is_rejected(adapters: Adapters, key: str) -> None:
    body = uof_rows(2000).encode()  # about 80 KB
    if key.endswith(".gz"):
        body = gzip.compress(body)

    report = ingest_limited(adapters, key, body, ReadLimits(max_bytes=64 << 10))

    assert_nothing_applied(report, RejectionCode.TOO_LARGE)
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 0


def test_a_file_past_the_time_budget_is_rejected(adapters: Adapters) -> None:
    report = ingest_limited(
        adapters, "incoming/use_of_force/slow.csv", uof_rows(10).encode(), ReadLimits(time_budget_s=-1)
    )

    assert_nothing_applied(report, RejectionCode.TIME_BUDGET)
    assert report.rejection_reason is not None and "took more than" in report.rejection_reason
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 0
