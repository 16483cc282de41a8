"""IngestService: one uploaded CSV in, curated records, a quarantine file, a report and an audit record out."""

from __future__ import annotations

import csv
import io
import logging
import time
from collections import deque
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from pydantic import ValidationError

from eis_core.errors import FileRejected, NotFoundError
from eis_core.ingest.contract import (
    ColumnSpec,
    column_spec,
    kind_from_key,
    quarantine_key,
    report_key,
    upload_id_for,
)
from eis_core.ingest.csv_file import Header, Row, open_csv
from eis_core.models.audit import AuditEvent, AuditOutcome
from eis_core.models.records import RECORD_MODELS, Officer, Record, RecordKind
from eis_core.models.uploads import QuarantinedRow, RejectionCode, UploadReport
from eis_core.storage.ports import ArtifactStore, AuditLog, RecordStore, UploadReader, WriteSummary

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_SIZE = 2000
SYSTEM_ROLE = "system"
QUARANTINE_COLUMNS = ("line", "column", "reason")


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

    def add(self, summary: WriteSummary) -> None:
        self.inserted += summary.inserted
        self.replaced += summary.replaced
        self.unchanged += summary.unchanged


@dataclass
class _Quarantine:
    """The quarantine CSV: where each bad row is and why, never what it held."""

    buffer: io.StringIO = field(default_factory=io.StringIO)

    def __post_init__(self) -> None:
        self._writer = csv.writer(self.buffer)
        self._writer.writerow(QUARANTINE_COLUMNS)

    def add(self, problems: list[QuarantinedRow]) -> None:
        self._writer.writerows((p.line, p.column, p.reason) for p in problems)

    def body(self) -> bytes:
        return self.buffer.getvalue().encode()


class _RowChecker:
    """Turns a row into a record, or into the reasons it is quarantined."""

    def __init__(self, spec: ColumnSpec, header: Header, known_officers: frozenset[str]) -> None:
        self._model = RECORD_MODELS[spec.kind]
        self._header = header
        self._known_officers = known_officers
        self._first_line_of: dict[str, int] = {}  # source_record_id -> line it was first accepted on

    def check(self, row: Row) -> Record | list[QuarantinedRow]:
        width = self._header.width
        overflow = row.cells[width:]
        if len(row.cells) < width or any(cell.strip() for cell in overflow):
            reason = f"row has {len(row.cells)} values but the header has {width} columns"
            return [QuarantinedRow(line=row.line, column="", reason=reason)]
        # Only allowlisted cells are read; an empty cell is 'not given', so the field's default applies.
        data = {name: cell for name, index in self._header.positions.items() if (cell := row.cells[index].strip())}
        try:
            record = cast("Record", self._model.model_validate(data))
        except ValidationError as error:
            return [
                QuarantinedRow(line=row.line, column=".".join(map(str, e["loc"])), reason=e["msg"])
                for e in error.errors(include_url=False, include_input=False, include_context=False)
            ]
        first = self._first_line_of.get(record.source_record_id)
        if first is not None:
            reason = f"duplicate source_record_id: line {first} has the same id and is the one kept"
            return [QuarantinedRow(line=row.line, column="source_record_id", reason=reason)]
        # Empty for the roster itself, and until a roster is stored: then there is nothing to check against.
        if self._known_officers and getattr(record, "officer_id", None) not in self._known_officers:
            reason = "officer_id is not on the stored roster (upload the roster first, or correct the id)"
            return [QuarantinedRow(line=row.line, column="officer_id", reason=reason)]
        self._first_line_of[record.source_record_id] = row.line
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
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._agency_id = agency_id
        self._uploads = uploads
        self._records = records
        self._quarantine = quarantine
        self._audit = audit
        self._actor = actor
        self._chunk_size = chunk_size
        self._clock = clock

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
        kind: RecordKind | None = None
        try:
            kind = kind_from_key(key)
            spec = column_spec(kind)
            header = self._check_whole_file(key, version_id, spec)
            tally, quarantine = self._apply(key, version_id, spec, upload_id)
        except FileRejected as rejection:
            report = self._report(identity, started, kind=kind, rejection=rejection)
            self._quarantine.put_json(report.report_key, report.model_dump(mode="json"))
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
            self._audit_failure(upload_id, key, kind, request_id, error)
            raise

        report = self._report(identity, started, kind=kind, header=header, tally=tally)
        if report.quarantine_key is not None:
            self._quarantine.put_bytes(report.quarantine_key, quarantine.body(), content_type="text/csv; charset=utf-8")
        self._quarantine.put_json(report.report_key, report.model_dump(mode="json"))
        self._audit_report(report, request_id)
        logger.info(
            "upload ingested",
            extra={
                "upload_id": upload_id,
                "kind": kind,
                "dropped_columns": report.dropped_columns,
                **tally.__dict__,
            },
        )
        return report

    def _check_whole_file(self, key: str, version_id: str | None, spec: ColumnSpec) -> Header:
        """First pass: decode and parse every line, so a bad byte on the last line rejects the file
        before anything is applied. Costs a second read of the object, not memory."""
        try:
            with closing(self._uploads.open(key, version_id=version_id)) as stream:
                header, rows = open_csv(stream, spec)
                deque(rows, maxlen=0)
        except NotFoundError:
            raise FileRejected(
                f"'{key}' no longer exists (deleted or replaced before it could be read)",
                code=RejectionCode.OBJECT_MISSING,
            ) from None
        return header

    def _apply(self, key: str, version_id: str | None, spec: ColumnSpec, upload_id: str) -> tuple[_Tally, _Quarantine]:
        known_officers = self._known_officers() if spec.is_event else frozenset()
        tally, quarantine = _Tally(), _Quarantine()
        batch: list[Record] = []
        # Same object version as the first pass, so the file-level checks it passed still hold here.
        with closing(self._uploads.open(key, version_id=version_id)) as stream:
            header, rows = open_csv(stream, spec)
            checker = _RowChecker(spec, header, known_officers)
            for row in rows:
                tally.rows_read += 1
                outcome = checker.check(row)
                if isinstance(outcome, list):
                    tally.rows_quarantined += 1
                    quarantine.add(outcome)
                    continue
                tally.rows_accepted += 1
                batch.append(outcome)
                if len(batch) >= self._chunk_size:
                    tally.add(self._records.put_records(batch, upload_id=upload_id))
                    batch = []
        if batch:
            tally.add(self._records.put_records(batch, upload_id=upload_id))
        return tally, quarantine

    def _known_officers(self) -> frozenset[str]:
        """Officer ids on the stored roster; empty (no check) until a roster has been uploaded."""
        return frozenset(
            record.officer_id for record in self._records.iter_records(RecordKind.ROSTER) if isinstance(record, Officer)
        )

    def _report(
        self,
        identity: dict[str, Any],
        started: float,
        *,
        kind: RecordKind | None,
        header: Header | None = None,
        tally: _Tally | None = None,
        rejection: FileRejected | None = None,
    ) -> UploadReport:
        counts = tally.__dict__ if tally is not None else {}
        quarantined = tally is not None and tally.rows_quarantined > 0
        return UploadReport(
            **identity,
            kind=kind,
            **counts,
            dropped_columns=header.dropped if header is not None else [],
            rejected=rejection is not None,
            rejection_code=RejectionCode(rejection.code) if rejection is not None else None,
            rejection_reason=rejection.reason if rejection is not None else None,
            quarantine_key=quarantine_key(identity["upload_id"]) if quarantined else None,
            finished_at=self._clock(),
            duration_ms=round((time.monotonic() - started) * 1000),
        )

    def _audit_report(self, report: UploadReport, request_id: str | None) -> None:
        detail = report.model_dump(
            mode="json",
            exclude={"upload_id", "agency_id", "started_at", "finished_at"},
            exclude_none=True,
        )
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
        self, upload_id: str, key: str, kind: RecordKind | None, request_id: str | None, error: Exception
    ) -> None:
        """Best effort: the storage that failed may be the audit log itself; the original error wins."""
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
                    detail={"key": key, "kind": kind and kind.value, "error_type": type(error).__name__},
                )
            )
        except Exception as audit_error:
            logger.error(
                "could not audit the failed ingest",
                extra={"upload_id": upload_id, "error_type": type(audit_error).__name__},
            )
