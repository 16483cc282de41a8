"""IngestService: one uploaded file in, curated records, a quarantine file, a report and an audit record out.

Two passes. The first reads, maps and validates every row of the object version without writing
anything, so the file-level gates (encoding, malformed content, quarantine rate, volume drop) can
reject the file whole; it keeps the records it accepted (``eis_core.ingest.spill``: one chunk in
memory, the rest in a temporary file). The second, once the gates pass, writes those records in
chunks, without reading or validating any row again; for a snapshot it then retracts the stored
records the file lacked.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from typing import Any, cast

from pydantic import ValidationError

from eis_core.audit.bounded import bounded
from eis_core.errors import FileRejected, NotFoundError, ValidationFailed
from eis_core.ingest.contract import (
    CONFIRMED_FOLDER,
    SNAPSHOT_FOLDER,
    UPLOAD_PREFIX,
    UploadTarget,
    classify_key,
    history_key,
    quarantine_key,
    report_key,
    upload_id_for,
)
from eis_core.ingest.export import SafeCsvWriter
from eis_core.ingest.heap import existing_objects_set_aside
from eis_core.ingest.held import HashingStream, HeldSnapshots
from eis_core.ingest.mapping import UPLOAD_DATE, AgencyMapping, field_is_date, identity_mapping
from eis_core.ingest.readers import (
    DEFAULT_LIMITS,
    ReadLimits,
    Row,
    Table,
    WrongEncoding,
    candidate_encodings,
    open_table,
    undecodable,
)
from eis_core.ingest.spill import AcceptedRecords
from eis_core.ingest.transform import MappedHeader, RowMapper, headerless_columns, resolve_header
from eis_core.models.audit import AuditEvent, AuditOutcome
from eis_core.models.records import RECORD_MODELS, Complaint, EventRecord, Record, RecordKind
from eis_core.models.uploads import QuarantinedRow, RejectionCode, UploadMode, UploadReport
from eis_core.storage.ports import ArtifactStore, AuditLog, ByteStream, RecordStore, UploadReader, WriteSummary

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 2000
CHECK_BATCH = 512  # rows mapped a column at a time (RowMapper.values_of)
SYSTEM_ROLE = "system"
QUARANTINE_COLUMNS = ("line", "column", "value", "reason")
HISTORY_LENGTH = 50


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class _Tally:
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    inserted: int = 0
    replaced: int = 0
    unchanged: int = 0
    retracted: int = 0

    def add(self, summary: WriteSummary) -> None:
        self.inserted += summary.inserted
        self.replaced += summary.replaced
        self.unchanged += summary.unchanged


@dataclass
class _Quarantine:
    """The quarantine CSV: where each bad row is, the value at fault (masked if personal) and why."""

    buffer: io.StringIO = field(default_factory=io.StringIO)

    def __post_init__(self) -> None:
        self._writer = SafeCsvWriter(self.buffer)
        self._writer.writerow(QUARANTINE_COLUMNS)

    def add(self, problems: list[QuarantinedRow]) -> None:
        self._writer.writerows((p.line, p.column, p.value, p.reason) for p in problems)

    def body(self) -> bytes:
        return self.buffer.getvalue().encode()


@dataclass
class _Inspection:
    """What the first pass learned about a file; nothing has been written yet."""

    target: UploadTarget
    mapping: AgencyMapping
    header: MappedHeader | None = None
    encoding: str | None = None
    tally: _Tally = field(default_factory=_Tally)
    quarantine: _Quarantine = field(default_factory=_Quarantine)
    present: set[str] = field(default_factory=set)  # source ids in the file, good rows or not
    warnings: list[str] = field(default_factory=list)
    accepted: AcceptedRecords | None = None  # the good rows, in file order, for the second pass
    would_retract: int | None = None  # a snapshot: stored records of the kind it lacks
    stored_of_kind: int | None = None  # a snapshot: current records of the kind before it
    held: bool = False  # a snapshot held for the agency's confirmation
    stream: HashingStream | None = None  # the last stream opened: the object's SHA-256 once read to its end
    findings_dated: int = 0  # complaints whose finding_decided_on came from the mapping's finding_known_on

    def discard_accepted(self) -> None:
        if self.accepted is not None:
            self.accepted.close()
            self.accepted = None


_UNKNOWN_OFFICER = object()


class _RowChecker:
    """Turns a row into a record, or into the reasons it is quarantined (single rows and across rows)."""

    def __init__(self, kind: RecordKind, header: MappedHeader, roster: dict[str, date | None], today: date) -> None:
        self._model = RECORD_MODELS[kind]
        self._model.model_rebuild()  # built now if deferred (a no-op once built), so its validator is the real one
        # What ``model_validate`` calls, without its wrapper: the same checks and errors, a quarter less time a row.
        self._validate = self._model.__pydantic_validator__.validate_python
        self._is_event = issubclass(self._model, EventRecord)
        self._mapper = RowMapper(header)
        self._roster = roster
        self._today = today
        self._dates = [name for name in self._model.model_fields if field_is_date(kind, name)]
        self._dates_findings = header.finding_known_on is not None  # else date_finding never dates one
        self._first_line_of: dict[str, int] = {}  # source_record_id -> line it was first accepted on
        self.filled: set[str] = set()
        self.upload_date = today
        self.findings_dated = 0
        self.kept_decisions: dict[tuple[str, str], date] = {}  # (source id, finding) -> stored decision date

    def check_many(self, rows: list[Row]) -> list[tuple[Record | list[QuarantinedRow], str | None]]:
        """``check`` of each row, in order, with the cells mapped a column at a time (``RowMapper.values_of``);
        a row with a problem there is mapped alone, so its reasons are the ones ``check`` gives."""
        judge, check = self._judge, self.check
        return [
            check(row) if data is None else judge(row, data, None)
            for row, data in zip(rows, self._mapper.values_of(rows), strict=True)
        ]

    def check(self, row: Row) -> tuple[Record | list[QuarantinedRow], str | None]:
        data, problems = self._mapper.values(row)
        return self._judge(row, data, problems)

    def _judge(
        self, row: Row, data: dict[str, Any], problems: list[QuarantinedRow] | None
    ) -> tuple[Record | list[QuarantinedRow], str | None]:
        dated = False
        if self._dates_findings:
            # A finding dated by the upload keeps the date it was first known on: a later upload (a nightly
            # snapshot) must not move it forward, or the finding would never become visible to scoring.
            kept = (
                self.kept_decisions.get((str(data.get("source_record_id", "")), str(data.get("finding", ""))))
                if self.kept_decisions
                else None
            )
            dated = self._mapper.date_finding(data, kept or self.upload_date)
        if not self.filled.issuperset(data):
            self.filled.update(data)
        if problems:
            return problems, self._source_id(data)
        try:
            record = cast("Record", self._validate(data))
        except ValidationError as error:
            return self._mapper.explain(row, error), self._source_id(data)
        outcome = self._across_rows(row, record)
        if dated and outcome is record:
            self.findings_dated += 1
        return outcome, record.source_record_id

    @staticmethod
    def _source_id(data: dict[str, Any]) -> str | None:
        """The id of a row that was not accepted, as the file gives it (a snapshot keeps such rows' ids)."""
        source_id = data.get("source_record_id")
        return source_id.strip() if isinstance(source_id, str) else None

    def _across_rows(self, row: Row, record: Record) -> Record | list[QuarantinedRow]:
        values, today = record.__dict__, self._today
        for name in self._dates:
            if (value := values[name]) is not None and value > today:  # a date field holds a date or None
                return [
                    self._mapper.problem(row, name, f"{name} {value.isoformat()} is in the future (today is {today})")
                    for name in self._dates
                    if (value := values[name]) is not None and value > today
                ]
        source_id = values["source_record_id"]
        first = self._first_line_of.get(source_id)
        if first is not None:
            reason = f"duplicate source_record_id: line {first} has the same id and is the one kept"
            return [self._mapper.problem(row, "source_record_id", reason)]
        if self._is_event and self._roster:  # no roster stored yet: nothing to check against
            hired = self._roster.get(values["officer_id"], _UNKNOWN_OFFICER)
            if hired is _UNKNOWN_OFFICER:
                reason = "officer_id is not on the stored roster (upload the roster first, or correct the id)"
                return [self._mapper.problem(row, "officer_id", reason)]
            if hired is not None and values["occurred_on"] < hired:  # unknown hire date: no check
                reason = f"occurred_on {values['occurred_on']} is before the officer's hire date {hired}"
                return [self._mapper.problem(row, "occurred_on", reason)]
        self._first_line_of[source_id] = row.line
        return record


class IngestService:
    """Validates one uploaded object and applies its good rows; see ``eis_core.ingest`` for the contract."""

    def __init__(
        self,
        *,
        agency_id: str,
        uploads: UploadReader,
        records: RecordStore,
        quarantine: ArtifactStore,
        audit: AuditLog,
        actor: str,
        mapping: Callable[[], AgencyMapping] | None = None,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        clock: Callable[[], datetime] = _utcnow,
        limits: ReadLimits = DEFAULT_LIMITS,
    ) -> None:
        self._agency_id = agency_id
        self._uploads = uploads
        self._records = records
        self._quarantine = quarantine
        self._audit = audit
        self._actor = actor
        self._mapping = mapping or (lambda: identity_mapping(agency_id))
        self._chunk_size = chunk_size
        self._clock = clock
        self._limits = limits
        self._held = HeldSnapshots(quarantine)

    def ingest_object(
        self,
        *,
        key: str,
        etag: str | None = None,
        version_id: str | None = None,
        request_id: str | None = None,
    ) -> UploadReport:
        """Ingest one object version. A rejected file is a normal outcome (``report.rejected``).

        Storage failures raise, so that the event is retried; records written before the failure
        are then counted as unchanged.
        """
        started_at, started = self._clock(), time.monotonic()
        upload_id = upload_id_for(key, etag=etag, version_id=version_id)
        identity: dict[str, Any] = {
            "upload_id": upload_id,
            "agency_id": self._agency_id,
            "key": key,
            "etag": etag,
            "version_id": version_id,
            "report_key": report_key(upload_id),
            "started_at": started_at,
        }
        inspection: _Inspection | None = None
        kind: RecordKind | None = None
        applying: int | None = None
        try:
            mapping = self._load_mapping()
            target = classify_key(key, mapping)
            kind = target.kind
            inspection = _Inspection(target=target, mapping=mapping)
            roster = self._roster() if issubclass(RECORD_MODELS[kind], EventRecord) else {}
            # Both passes make millions of short-lived objects: the collector looks at those only.
            with existing_objects_set_aside() as set_aside_kept:
                self._inspect(key, version_id, inspection, roster)
                self._check_gates(inspection, upload_id)
                # Audited ahead of the change (docs/adr/0010): no row is written before this record is.
                applying = self._audit_apply(inspection, identity, request_id)
                self._apply(inspection, upload_id, set_aside_kept)
        except FileRejected as rejection:
            report = self._report(identity, started, kind=kind, inspection=inspection, rejection=rejection)
            self._write_outputs(report, inspection)
            self._audit_report(report, request_id)
            logger.warning(
                "upload rejected",
                extra={
                    "upload_id": upload_id,
                    "kind": kind,
                    "rejection_code": report.rejection_code,
                    "rejection_reason": report.rejection_reason,  # names lines and columns, never values
                },
            )
            return report
        except Exception as error:
            logger.error("upload ingest failed", extra={"upload_id": upload_id, "error_type": type(error).__name__})
            self._audit_failure(upload_id, key, kind, request_id, error, applying=applying)
            raise
        finally:
            if inspection is not None:
                inspection.discard_accepted()

        report = self._report(identity, started, kind=kind, inspection=inspection)
        self._write_outputs(report, inspection)
        self._remember(report)
        self._audit_report(report, request_id)
        logger.info(
            "upload ingested",
            extra={
                "upload_id": upload_id,
                "kind": kind,
                "mode": report.mode,
                "mapping_version": report.mapping_version,
                "dropped_columns": report.dropped_columns,
                **inspection.tally.__dict__,
            },
        )
        return report

    def _load_mapping(self) -> AgencyMapping:
        try:
            return self._mapping()
        except ValidationFailed as error:
            raise FileRejected(str(error), code=RejectionCode.INVALID_MAPPING) from None

    def _open(self, key: str, version_id: str | None, inspection: _Inspection) -> Callable[[], ByteStream]:
        def open_stream() -> ByteStream:
            try:
                inspection.stream = HashingStream(self._uploads.open(key, version_id=version_id))
                return inspection.stream
            except NotFoundError:
                raise FileRejected(
                    f"'{key}' no longer exists (deleted or replaced before it could be read)",
                    code=RejectionCode.OBJECT_MISSING,
                ) from None

        return open_stream

    def _table(
        self, key: str, version_id: str | None, inspection: _Inspection, encoding: str, deadline: float
    ) -> Table:
        return open_table(
            self._open(key, version_id, inspection),
            inspection.target.file,
            encoding=encoding,
            limits=self._limits,
            deadline=deadline,
            columns=headerless_columns(inspection.mapping, inspection.target.kind, inspection.target.file),
        )

    def _today(self, mapping: AgencyMapping) -> date:
        return self._clock().astimezone(mapping.zone).date()

    def _inspect(
        self, key: str, version_id: str | None, inspection: _Inspection, roster: dict[str, date | None]
    ) -> None:
        """First pass: read, map and validate every row, writing nothing but keeping the accepted records.

        Tries each candidate encoding; the read limits' time budget covers every attempt."""
        target, mapping = inspection.target, inspection.mapping
        deadline = self._limits.deadline()
        tried = candidate_encodings(mapping.encoding, target.file)
        for attempt, encoding in enumerate(tried):
            inspection.tally, inspection.quarantine, inspection.present = _Tally(), _Quarantine(), set()
            inspection.discard_accepted()
            accepted = inspection.accepted = AcceptedRecords(RECORD_MODELS[target.kind], self._chunk_size)
            try:
                table = self._table(key, version_id, inspection, encoding, deadline)
                with closing(table.rows):
                    header = resolve_header(table.header, mapping, target.kind, file_name=key)
                    inspection.header = header
                    checker = _RowChecker(target.kind, header, roster, self._today(mapping))
                    checker.upload_date = self._today(mapping)
                    if header.finding_known_on == UPLOAD_DATE:
                        checker.kept_decisions = self._decisions()
                    take = self._taker(inspection, checker, accepted)
                    batch: list[Row] = []
                    try:
                        for row in table.rows:
                            batch.append(row)
                            if len(batch) == CHECK_BATCH:
                                rows, batch = batch, []
                                take(rows)
                    except Exception:
                        take(batch)  # the rows read before the fault count (a rejected file's report), as before
                        raise
                    take(batch)
            except WrongEncoding as error:
                if attempt + 1 < len(tried):
                    continue
                raise undecodable(error, tried) from None
            inspection.encoding = encoding if target.file.format.value != "xlsx" else None
            never_filled = [
                header.column_for(plan.name)
                for plan in header.plans
                if plan.position is not None and plan.name not in checker.filled
            ]
            if never_filled and inspection.tally.rows_read:
                inspection.warnings.append(f"column(s) empty in every row: {', '.join(never_filled)}")
            inspection.findings_dated = checker.findings_dated
            if checker.findings_dated:
                inspection.warnings.append(
                    f"{checker.findings_dated} decided finding(s) had no decision date: finding_decided_on was taken "
                    f"from {header.finding_known_on} (the mapping's finding_known_on)"
                )
            return

    @staticmethod
    def _taker(inspection: _Inspection, checker: _RowChecker, accepted: AcceptedRecords) -> Callable[[list[Row]], None]:
        """Checks a batch of rows, in file order, into the inspection's tally, quarantine, ids and accepted records."""
        snapshot = inspection.target.mode is UploadMode.SNAPSHOT
        present, quarantine, add = inspection.present, inspection.quarantine, accepted.add

        def take(rows: list[Row]) -> None:
            if not rows:
                return
            tally = inspection.tally
            quarantined = 0
            for outcome, source_id in checker.check_many(rows):
                if snapshot and source_id:  # only a snapshot needs the ids it holds
                    present.add(source_id)
                if isinstance(outcome, list):
                    quarantined += 1
                    quarantine.add(outcome)
                else:
                    add(outcome)
            tally.rows_read += len(rows)
            tally.rows_quarantined += quarantined
            tally.rows_accepted += len(rows) - quarantined

        return take

    def _check_gates(self, inspection: _Inspection, upload_id: str) -> None:
        gates = inspection.mapping.gates
        tally = inspection.tally
        target = inspection.target
        if target.mode is UploadMode.SNAPSHOT and not tally.rows_read:
            raise FileRejected(
                f"the snapshot of {target.kind.value} has a header but no rows: applied, it would retract every stored "
                f"{target.kind.value} record, so nothing was applied. Check the export; to add or correct records "
                "upload a delta (outside the snapshot folder)",
                code=RejectionCode.EMPTY_SNAPSHOT,
            )
        if tally.rows_read >= gates.min_rows_for_gates and tally.rows_read:
            rate = tally.rows_quarantined / tally.rows_read
            if rate > gates.max_quarantine_rate:
                raise FileRejected(
                    f"{tally.rows_quarantined} of {tally.rows_read} rows ({rate:.0%}) failed validation, above the "
                    f"limit of {gates.max_quarantine_rate:.0%}: nothing was applied. Fix the export (the quarantine "
                    "file lists each problem) or raise gates.max_quarantine_rate in the mapping",
                    code=RejectionCode.QUARANTINE_RATE,
                )
        if target.confirmed and not self._held.is_held(target.kind, self._content_sha256(inspection)):
            # Only the very file that was held is confirmed by the folder (eis_core.ingest.held).
            target = inspection.target = replace(target, confirmed=False)
            inspection.warnings.append(
                "this file is in the confirmed folder but is not a snapshot that was held for confirmation "
                "(its SHA-256 matches none): it was checked as an ordinary snapshot"
            )
        if not (target.mode is UploadMode.SNAPSHOT and target.confirmed):  # confirmed: the agency says it is real
            try:
                self._check_volume(inspection, upload_id)
            except FileRejected:
                if target.mode is UploadMode.SNAPSHOT:  # the confirmed folder vouches for this very file
                    self._hold(inspection, upload_id)
                raise
        if target.mode is UploadMode.SNAPSHOT:
            self._check_retraction(inspection, upload_id)

    def _check_volume(self, inspection: _Inspection, upload_id: str) -> None:
        """Deltas are compared with deltas, snapshots with snapshots: a delta's size is how much changed."""
        gates, tally, target = inspection.mapping.gates, inspection.tally, inspection.target
        earlier = [
            entry
            for entry in self._history(target.kind)
            if entry.get("mode") == target.mode.value and entry.get("upload_id") != upload_id
        ][-gates.trailing_uploads :]
        if not earlier:
            return
        average = sum(int(entry["rows_read"]) for entry in earlier) / len(earlier)
        if average < gates.min_rows_for_gates:
            return
        drop = 1 - tally.rows_read / average
        if drop > gates.max_volume_drop:
            raise FileRejected(
                f"{tally.rows_read} rows is {drop:.0%} fewer than the average of the last {len(earlier)} "
                f"{target.mode.value} uploads of {target.kind.value} ({average:.0f} rows), above the limit of "
                f"{gates.max_volume_drop:.0%}: the export may be broken, so nothing was applied. If the drop is "
                "real, raise gates.max_volume_drop in the mapping and upload the file again",
                code=RejectionCode.VOLUME_DROP,
            )

    def _check_retraction(self, inspection: _Inspection, upload_id: str) -> None:
        """Hold a snapshot that would retract more than ``gates.max_snapshot_retraction`` of its kind."""
        target, limit = inspection.target, inspection.mapping.gates.max_snapshot_retraction
        missing, stored = self._records.count_missing(target.kind, inspection.present)
        inspection.would_retract, inspection.stored_of_kind = missing, stored
        if target.confirmed or not stored or missing / stored <= limit:
            return
        inspection.held = True
        self._hold(inspection, upload_id)
        folder = f"{UPLOAD_PREFIX}{target.kind.value}/{SNAPSHOT_FOLDER}/{CONFIRMED_FOLDER}/"
        raise FileRejected(
            f"held for confirmation: this snapshot would retract {missing} of the {stored} stored "
            f"{target.kind.value} records ({missing / stored:.0%}), above the limit of {limit:.0%}, so nothing was "
            f"applied. If the records really are gone, upload the same file again under {folder} to confirm "
            "(or raise gates.max_snapshot_retraction in the mapping)",
            code=RejectionCode.SNAPSHOT_NEEDS_CONFIRMATION,
        )

    def _apply(self, inspection: _Inspection, upload_id: str, set_aside_kept: Callable[[], None]) -> None:
        """Second pass: write the records the first pass accepted, in file order, a chunk at a time, in the packed
        form they were kept in (with their content hashes): nothing is validated, decoded or hashed again here."""
        tally, kind = inspection.tally, inspection.target.kind
        assert inspection.accepted is not None  # the first pass kept them, or rejected the file
        for chunk in inspection.accepted.chunks():
            tally.add(self._records.put_packed(kind, chunk, upload_id=upload_id))
            set_aside_kept()  # an in-memory store keeps them: the collector need not walk them again
        if inspection.target.mode is UploadMode.SNAPSHOT and inspection.present:  # an empty snapshot retracts nothing
            tally.retracted = self._records.retract_missing(
                inspection.target.kind, inspection.present, upload_id=upload_id
            )
            if inspection.target.confirmed:  # the confirmation is used up
                self._held.release(inspection.target.kind, self._content_sha256(inspection))
            if tally.retracted:
                inspection.warnings.append(
                    f"{tally.retracted} stored {inspection.target.kind.value} record(s) missing from this snapshot "
                    "were retracted (kept as history, no longer scored)"
                )

    def _hold(self, inspection: _Inspection, upload_id: str) -> None:
        """Remember the file's content hash: the confirmed folder then vouches for this file and no other."""
        self._held.hold(
            inspection.target.kind,
            sha256=self._content_sha256(inspection),
            upload_id=upload_id,
            key=inspection.target.name,
            at=self._clock(),
        )

    @staticmethod
    def _content_sha256(inspection: _Inspection) -> str | None:
        return inspection.stream.sha256 if inspection.stream is not None else None

    def _roster(self) -> dict[str, date | None]:
        """Hire date by officer id on the stored roster; empty (no check) until a roster has been uploaded."""
        return self._records.hire_dates()

    def _decisions(self) -> dict[tuple[str, str], date]:
        """Stored complaints' decision dates by (source id, finding), for findings dated by the upload."""
        return {
            (record.source_record_id, record.finding.value): record.finding_decided_on
            for record in self._records.iter_records(RecordKind.COMPLAINT)
            if isinstance(record, Complaint) and record.finding_decided_on is not None
        }

    def _history(self, kind: RecordKind) -> list[dict[str, Any]]:
        try:
            entries = self._quarantine.get_json(history_key(kind))
        except NotFoundError:
            return []
        return [entry for entry in entries if isinstance(entry, dict)] if isinstance(entries, list) else []

    def _remember(self, report: UploadReport) -> None:
        """Append an accepted upload's size to its kind's ledger (a retry replaces its own entry)."""
        if report.kind is None:
            return
        entries = [entry for entry in self._history(report.kind) if entry.get("upload_id") != report.upload_id]
        entries.append(
            {
                "upload_id": report.upload_id,
                "mode": report.mode.value,
                "rows_read": report.rows_read,
                "finished_at": report.finished_at.isoformat(),
            }
        )
        self._quarantine.put_json(history_key(report.kind), entries[-HISTORY_LENGTH:])

    def _write_outputs(self, report: UploadReport, inspection: _Inspection | None) -> None:
        if report.quarantine_key is not None and inspection is not None:
            body = inspection.quarantine.body()
            self._quarantine.put_bytes(report.quarantine_key, body, content_type="text/csv; charset=utf-8")
        self._quarantine.put_json(report.report_key, report.model_dump(mode="json"))

    def _report(
        self,
        identity: dict[str, Any],
        started: float,
        *,
        kind: RecordKind | None,
        inspection: _Inspection | None,
        rejection: FileRejected | None = None,
    ) -> UploadReport:
        details: dict[str, Any] = {}
        if inspection is not None:
            details = {
                **inspection.tally.__dict__,
                "mode": inspection.target.mode,
                "confirmed": inspection.target.confirmed,
                "held_for_confirmation": inspection.held,
                "would_retract": inspection.would_retract,
                "stored_of_kind": inspection.stored_of_kind,
                "file_format": inspection.target.file.format.value,
                "compressed": inspection.target.file.gzipped,
                "encoding": inspection.encoding,
                "mapping_version": inspection.mapping.version,
                "finding_known_on": inspection.header.finding_known_on if inspection.header is not None else None,
                "findings_dated_by_mapping": inspection.findings_dated,
                "warnings": inspection.warnings,
                "dropped_columns": inspection.header.dropped if inspection.header is not None else [],
            }
            if inspection.tally.rows_quarantined:
                details["quarantine_key"] = quarantine_key(identity["upload_id"])
        if rejection is not None:
            # Counts of a rejected file describe what was found; none of it was applied.
            details.update(inserted=0, replaced=0, unchanged=0, retracted=0)
        return UploadReport(
            **identity,
            kind=kind,
            **details,
            rejected=rejection is not None,
            rejection_code=RejectionCode(rejection.code) if rejection is not None else None,
            rejection_reason=rejection.reason if rejection is not None else None,
            finished_at=self._clock(),
            duration_ms=round((time.monotonic() - started) * 1000),
        )

    def _audit_apply(self, inspection: _Inspection, identity: dict[str, Any], request_id: str | None) -> int:
        """The record written before any row: what is about to be applied, and where its report will be."""
        target = inspection.target
        detail: dict[str, Any] = {
            "key": identity["key"],
            "etag": identity["etag"],
            "version_id": identity["version_id"],
            "kind": target.kind.value,
            "mode": target.mode.value,
            "confirmed": target.confirmed,
            "rows_to_apply": inspection.tally.rows_accepted,
            "content_sha256": self._content_sha256(inspection),
            "would_retract": inspection.would_retract,
            "report_key": identity["report_key"],
        }
        record = self._audit.append(
            AuditEvent(
                actor=self._actor,
                role=SYSTEM_ROLE,
                action="upload.apply",
                target_type="upload",
                target_id=identity["upload_id"],
                agency_id=self._agency_id,
                request_id=request_id,
                detail=bounded({k: v for k, v in detail.items() if v is not None}, object_key=identity["report_key"]),
            )
        )
        return record.seq

    def _audit_report(self, report: UploadReport, request_id: str | None) -> None:
        """The outcome, once the report object is written: long values (a very wide header's dropped columns,
        warnings) stay in that object and the record keeps their hash and its key (``eis_core.audit.bounded``)."""
        detail = report.model_dump(
            mode="json",
            exclude={"upload_id", "agency_id", "started_at", "finished_at"},
            exclude_none=True,
        )
        detail = bounded(detail, object_key=report.report_key)
        self._audit.append(
            AuditEvent(
                actor=self._actor,
                role=SYSTEM_ROLE,
                action="upload.reject" if report.rejected else "upload.ingest",
                target_type="upload",
                target_id=report.upload_id,
                outcome=AuditOutcome.FAILED if report.rejected else AuditOutcome.SUCCESS,
                agency_id=self._agency_id,
                request_id=request_id,
                detail=detail,
            )
        )

    def _audit_failure(
        self,
        upload_id: str,
        key: str,
        kind: RecordKind | None,
        request_id: str | None,
        error: Exception,
        *,
        applying: int | None = None,
    ) -> None:
        """Best effort: the storage that failed may be the audit log itself; the original error wins.

        ``applying`` is the seq of the ``upload.apply`` record when rows may have been written: the retry
        applies the file again (rows already written count as unchanged)."""
        detail: dict[str, Any] = {"key": key, "kind": kind and kind.value, "error_type": type(error).__name__}
        if applying is not None:
            detail["applying_seq"] = applying
        try:
            self._audit.append(
                AuditEvent(
                    actor=self._actor,
                    role=SYSTEM_ROLE,
                    action="upload.ingest",
                    target_type="upload",
                    target_id=upload_id,
                    outcome=AuditOutcome.FAILED,
                    agency_id=self._agency_id,
                    request_id=request_id,
                    detail=bounded(detail, object_key=report_key(upload_id)),
                )
            )
        except Exception as audit_error:
            logger.error(
                "could not audit the failed ingest",
                extra={"upload_id": upload_id, "error_type": type(audit_error).__name__},
            )
