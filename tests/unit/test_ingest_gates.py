"""File-level gates, cross-row checks, corrections, snapshots and CSV-injection safety."""

from __future__ import annotations

import csv
import io

import pytest

from eis_core.ingest.export import records_csv, safe_cell
from eis_core.models.records import Officer, RecordKind
from eis_core.models.uploads import RejectionCode, UploadMode
from eis_core.wiring import Adapters, memory_adapters

from .ingest_helpers import AGENCY, ROSTER, UOF_HEADER, ingest, put_mapping, quarantine_rows, service_for, stored


@pytest.fixture
def adapters() -> Adapters:
    adapters = memory_adapters(AGENCY)
    ingest(service_for(adapters), adapters, "incoming/roster/roster.csv", ROSTER)
    return adapters


def uof_rows(count: int, *, start: int = 0, force: str = "taser", bad: int = 0) -> str:
    rows = [f"u-{i},A100,2025-01-02,2025-01-03,{force}" for i in range(start, start + count - bad)]
    rows += [f"b-{i},A100,2025-01-02,2025-01-03,not-a-force" for i in range(bad)]
    return UOF_HEADER + "\n" + "\n".join(rows) + "\n"


# Gates: the whole file is rejected and nothing is applied.


def test_a_quarantine_rate_above_the_limit_rejects_the_whole_file(adapters: Adapters) -> None:
    # Given a file of 25 rows, 6 of them bad (24%, above the default limit of 20%)
    report = ingest(service_for(adapters), adapters, "incoming/use_of_force/q.csv", uof_rows(25, bad=6))

    # Then nothing is stored, and the report explains, with the quarantine file to fix it from
    assert report.rejected and report.rejection_code is RejectionCode.QUARANTINE_RATE
    assert report.rejection_reason == (
        "6 of 25 rows (24%) failed validation, above the limit of 20%: nothing was applied. Fix the export "
        "(the quarantine file lists each problem) or raise gates.max_quarantine_rate in the mapping"
    )
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 0
    assert (report.rows_read, report.rows_quarantined, report.inserted) == (25, 6, 0)
    assert len(quarantine_rows(adapters, report)) == 6


def test_the_quarantine_rate_limit_is_configurable(adapters: Adapters) -> None:
    put_mapping(adapters, {"agency_id": AGENCY, "version": 2, "gates": {"max_quarantine_rate": 0.3}})

    report = ingest(service_for(adapters), adapters, "incoming/use_of_force/q.csv", uof_rows(25, bad=6))

    assert not report.rejected and report.rows_accepted == 19


def test_a_volume_drop_against_the_trailing_average_rejects_the_file(adapters: Adapters) -> None:
    service = service_for(adapters)
    # Given three full snapshots of 100 use-of-force records
    for _ in range(3):
        assert not ingest(service, adapters, "incoming/use_of_force/snapshot/uof.csv", uof_rows(100)).rejected

    # When the next snapshot has only 40 rows (a broken export)
    report = ingest(service, adapters, "incoming/use_of_force/snapshot/uof.csv", uof_rows(40))

    # Then it is rejected whole: nothing is retracted
    assert report.rejected and report.rejection_code is RejectionCode.VOLUME_DROP
    assert report.rejection_reason == (
        "40 rows is 60% fewer than the average of the last 3 snapshot uploads of use_of_force (100 rows), above "
        "the limit of 50%: the export may be broken, so nothing was applied. If the drop is real, raise "
        "gates.max_volume_drop in the mapping and upload the file again"
    )
    assert adapters.records.count(RecordKind.USE_OF_FORCE) == 100
    assert report.retracted == 0


def test_a_small_delta_is_not_compared_with_snapshots(adapters: Adapters) -> None:
    service = service_for(adapters)
    ingest(service, adapters, "incoming/use_of_force/snapshot/uof.csv", uof_rows(100))

    report = ingest(service, adapters, "incoming/use_of_force/daily.csv", uof_rows(5, start=100))

    assert not report.rejected and report.inserted == 5


# Cross-row checks.


def test_dates_in_the_future_are_quarantined(adapters: Adapters) -> None:
    body = f"{UOF_HEADER}\nu-1,A100,2026-01-10,2026-01-16,taser\n"  # 'today' is 2026-01-15

    report = ingest(service_for(adapters), adapters, "incoming/use_of_force/f.csv", body)

    [row] = quarantine_rows(adapters, report)
    assert (row["column"], row["value"], row["reason"]) == (
        "known_on",
        "2026-01-16",
        "known_on 2026-01-16 is in the future (today is 2026-01-15)",
    )


def test_an_event_before_the_officer_was_hired_is_quarantined(adapters: Adapters) -> None:
    body = f"{UOF_HEADER}\nu-1,A300,2017-12-31,2018-01-02,taser\n"  # A300 was hired on 2018-01-09

    report = ingest(service_for(adapters), adapters, "incoming/use_of_force/h.csv", body)

    [row] = quarantine_rows(adapters, report)
    assert (row["column"], row["value"], row["reason"]) == (
        "occurred_on",
        "2017-12-31",
        "occurred_on 2017-12-31 is before the officer's hire date 2018-01-09",
    )


# Corrections, snapshots and re-delivery.


def test_a_record_resent_with_the_same_source_id_replaces_it_and_keeps_the_old_as_history(adapters: Adapters) -> None:
    service = service_for(adapters)
    first = ingest(service, adapters, "incoming/use_of_force/a.csv", uof_rows(1, force="taser"))

    # When a later delta corrects the force type
    second = ingest(service, adapters, "incoming/use_of_force/b.csv", uof_rows(1, force="baton"))

    assert (second.inserted, second.replaced) == (0, 1)
    assert stored(adapters, RecordKind.USE_OF_FORCE)["u-0"].force_type.value == "baton"  # type: ignore[union-attr]
    history = adapters.records.history(RecordKind.USE_OF_FORCE, "u-0")
    assert [(v.upload_id, v.record.force_type.value) for v in history] == [  # type: ignore[union-attr]
        (first.upload_id, "taser"),
        (second.upload_id, "baton"),
    ]


def test_a_snapshot_retracts_the_records_it_lacks_without_deleting_them(adapters: Adapters) -> None:
    service = service_for(adapters)
    ingest(service, adapters, "incoming/use_of_force/snapshot/all.csv", uof_rows(3))  # u-0, u-1, u-2
    # When the next snapshot lacks u-1, and has u-0 in a row that is now quarantined
    body = f"{UOF_HEADER}\nu-0,A100,2025-01-02,2025-01-03,not-a-force\nu-2,A100,2025-01-02,2025-01-03,taser\n"

    report = ingest(service, adapters, "incoming/use_of_force/snapshot/all.csv", body)

    # Then only u-1 is retracted: hidden from scoring, but kept
    assert (report.mode, report.retracted) == (UploadMode.SNAPSHOT, 1)
    assert report.warnings == [
        "1 stored use_of_force record(s) missing from this snapshot were retracted (kept as history, no longer scored)"
    ]
    assert sorted(stored(adapters, RecordKind.USE_OF_FORCE)) == ["u-0", "u-2"]
    assert adapters.records.history(RecordKind.USE_OF_FORCE, "u-1")[-1].retracted_by == report.upload_id


def test_a_delta_never_retracts(adapters: Adapters) -> None:
    service = service_for(adapters)
    ingest(service, adapters, "incoming/use_of_force/all.csv", uof_rows(3))

    report = ingest(service, adapters, "incoming/use_of_force/one.csv", uof_rows(1))

    assert report.retracted == 0 and adapters.records.count(RecordKind.USE_OF_FORCE) == 3


def test_the_same_object_version_ingested_again_changes_nothing(adapters: Adapters) -> None:
    service = service_for(adapters)
    adapters.uploads.put_bytes("incoming/use_of_force/snapshot/s.csv", uof_rows(2).encode())
    first = service.ingest_object(key="incoming/use_of_force/snapshot/s.csv", etag="e", version_id="v")
    records_before = sorted(r.model_dump_json() for r in adapters.records.iter_records(include_retracted=True))

    again = service.ingest_object(key="incoming/use_of_force/snapshot/s.csv", etag="e", version_id="v")

    assert again.upload_id == first.upload_id
    assert (again.inserted, again.replaced, again.unchanged, again.retracted) == (0, 0, 2, 0)
    assert sorted(r.model_dump_json() for r in adapters.records.iter_records(include_retracted=True)) == records_before
    assert len(adapters.records.history(RecordKind.USE_OF_FORCE, "u-0")) == 1


# CSV and formula injection.


def test_formula_like_values_are_stored_as_text_and_escaped_in_every_export(adapters: Adapters) -> None:
    # Given a roster whose unit is a formula, and whose email (a personal detail) is a bad formula
    body = (
        "source_record_id,officer_id,first_name,last_name,rank,unit,hire_date,email\n"
        'r-9,A900,Al,Bo,PO,"=HYPERLINK(""http://x.example"")",2019-01-01,\n'
        "r-8,A800,Cy,Di,PO,Patrol,2019-01-01,@SUM(1+1)\n"
    )

    report = ingest(service_for(adapters), adapters, "incoming/roster/inj.csv", body)

    # Then the value is stored exactly as text
    officer = stored(adapters, RecordKind.ROSTER)["r-9"]
    assert isinstance(officer, Officer) and officer.unit == '=HYPERLINK("http://x.example")'
    # And the quarantine file neither shows the personal detail nor lets a spreadsheet evaluate anything
    [row] = quarantine_rows(adapters, report)
    assert (row["column"], row["value"]) == ("email", "***")
    # And an export of the records escapes the formula with a leading quote
    exported = list(csv.reader(io.StringIO(records_csv([officer], ["officer_id", "unit"]))))
    assert exported[1] == ["A900", '\'=HYPERLINK("http://x.example")']


@pytest.mark.parametrize(
    ("value", "escaped"),
    [("=1+2", "'=1+2"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("ok", "ok"), (None, "")],
)
def test_safe_cell_escapes_formula_triggers(value: str | None, escaped: str) -> None:
    assert safe_cell(value) == escaped


def test_quarantine_values_starting_with_a_formula_trigger_are_escaped(adapters: Adapters) -> None:
    body = f"{UOF_HEADER}\nu-1,A100,2025-01-02,2025-01-03,=cmd|' /C calc'!A0\n"

    report = ingest(service_for(adapters), adapters, "incoming/use_of_force/inj.csv", body)

    assert report.quarantine_key is not None
    raw = adapters.quarantine.get_bytes(report.quarantine_key).decode()
    assert "'=cmd|' /C calc'!A0" in raw
    assert ",=cmd" not in raw
