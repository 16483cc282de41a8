"""Ports: what the services need from storage. DynamoDB/S3 and in-memory adapters implement them."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from eis_core.models.alerts import Alert, AlertStatus, OfficerScore
from eis_core.models.audit import AuditCheckpoint, AuditEvent, AuditRecord
from eis_core.models.cases import Case, CaseTransition, Note
from eis_core.models.records import Officer, Record, RecordKind
from eis_core.storage.paging import CaseFilter, CaseIndex, Page, PageKey


@dataclass(frozen=True)
class WriteSummary:
    """What a batch of record writes did. Re-sending identical records is ``unchanged``, never new."""

    inserted: int = 0
    replaced: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class RecordVersion:
    """One stored version of a record. Versions count from 1; the highest is the current one."""

    record: Record
    version: int
    upload_id: str
    ingested_at: str = ""  # sortable UTC time
    retracted_by: str | None = None  # upload id of the snapshot that found the record missing
    current: bool = False


class RecordStore(Protocol):
    """Curated records, deduplicated by ``record_key`` (kind and source record id).

    A re-sent record with changed content replaces the current version and the earlier one is kept
    as history. A record missing from a full snapshot is retracted: hidden from ``iter_records``
    and ``count`` but never deleted, and restored when it is sent again.
    """

    def put_records(self, records: Sequence[Record], *, upload_id: str) -> WriteSummary: ...

    def iter_records(self, kind: RecordKind | None = None, *, include_retracted: bool = False) -> Iterator[Record]: ...

    def count(self, kind: RecordKind | None = None) -> int:
        """Current records that are not retracted."""
        ...

    def history(self, kind: RecordKind, source_record_id: str) -> list[RecordVersion]:
        """Every stored version of one record, oldest first (the last is current); empty when unknown."""
        ...

    def retract_missing(self, kind: RecordKind, present: Collection[str], *, upload_id: str) -> int:
        """Retract current records of ``kind`` whose source_record_id is not in ``present``; returns how many."""
        ...

    def count_missing(self, kind: RecordKind, present: Collection[str]) -> tuple[int, int]:
        """What ``retract_missing`` would do, writing nothing: (records it would retract, current records of kind)."""
        ...

    def roster(self) -> list[Officer]:
        """Current roster records, for listings (the case API, the notifier).

        May lag an upload applied a second ago, so never for a check that decides a write (ingest
        checks officers with ``iter_records``). Reads only the roster, however many events there are.
        """
        ...

    def change_marker(self) -> str:
        """A token that changes after every put or retraction that changes what ``iter_records`` returns.

        It moves after the records are written, so anything derived from the records while the token
        still had its earlier value is known to be stale (the scoring frames snapshot relies on this).
        """
        ...


class ScoreStore(Protocol):
    def put_scores(self, scores: Sequence[OfficerScore]) -> None: ...

    def scores_for(self, as_of: date) -> list[OfficerScore]: ...


class AlertStore(Protocol):
    def create_alert(self, alert: Alert) -> bool:
        """Store a new alert; False (and nothing written) when an alert with this id exists."""
        ...

    def get_alert(self, alert_id: str) -> Alert | None: ...

    def list_alerts(self, status: AlertStatus | None = None) -> list[Alert]: ...

    def set_status(self, alert_id: str, status: AlertStatus, *, case_id: str | None) -> Alert:
        """Move an alert on; raises NotFoundError when it does not exist."""
        ...

    def alerts_page(
        self,
        status: AlertStatus,
        *,
        limit: int,
        start: PageKey | None = None,
        officer_ids: Collection[str] | None = None,
    ) -> Page[Alert]:
        """Alerts in ``status``, oldest first, after ``start``: up to ``limit`` of the officers in ``officer_ids``.

        A query of the status index, never a scan; reads at most ``paging.READ_BUDGET`` items, so the
        page may be short (even empty) with ``next`` set. InvalidCursorError for a foreign ``start``.
        """
        ...


class CaseStore(Protocol):
    def create_case(self, case: Case) -> None:
        """Raises ConflictError when the case id exists or the officer already has an open case."""
        ...

    def get_case(self, case_id: str) -> Case | None: ...

    def open_case_for(self, officer_id: str) -> Case | None: ...

    def add_note(self, note: Note, *, expected_version: int | None = None) -> None:
        """Raises NotFoundError when the case does not exist.

        Every write to a case (notes included) adds one to its ``version``; with ``expected_version`` the
        write applies only while the stored case has that version (PreconditionFailedError otherwise).
        """
        ...

    def add_alert(self, case_id: str, alert_id: str) -> Case: ...

    def list_open_cases(self) -> list[Case]:
        """Every case not closed, ordered by case id, without notes (for sweeps over review dates).

        May lag a just-opened or just-closed case by a moment (DynamoDB: an eventually consistent index).
        """
        ...

    def update_case(self, case: Case, *, expected_version: int | None = None) -> Case:
        """Store a case's status, supervisor and review date (alert ids and notes are kept as stored).

        Closing a case frees its officer for a new case. Raises NotFoundError when the case does not
        exist, ConflictError when reopening it would give the officer a second open case.
        """
        ...

    def transition_case(
        self, case_id: str, move: CaseTransition, *, expected_moves: int, expected_version: int | None = None
    ) -> Case:
        """Apply one workflow move: status to ``move.to_status``, ``move`` appended to the history.

        Conditional: applies only while the stored case is in ``move.from_status`` with exactly
        ``expected_moves`` moves in its history, so of two concurrent moves one wins and the other gets
        ConflictError. A closure sets the disposition and frees the officer for a new case; a reopening
        clears it and takes the officer's open-case lock again (ConflictError if another case holds it).
        Raises NotFoundError when the case does not exist.
        """
        ...

    def cases_page(
        self,
        index: CaseIndex,
        value: str,
        *,
        limit: int,
        start: PageKey | None = None,
        where: CaseFilter | None = None,
    ) -> Page[Case]:
        """Cases (without notes) whose ``index`` attribute is ``value``, by review date, kept by ``where``.

        A query of one listing index (``paging.CASE_INDEX_NAMES``), never a scan; reads at most
        ``paging.READ_BUDGET`` items, so the page may be short with ``next`` set. Eventually consistent.
        """
        ...


class AuditKey(Protocol):
    """The agency's audit MAC key (KMS HMAC_256 in AWS): makes and checks MACs; never reveals the key."""

    @property
    def key_id(self) -> str: ...

    def mac(self, message: bytes) -> str:
        """Base64 HMAC-SHA-256 of ``message``."""
        ...

    def verify(self, message: bytes, mac: str) -> bool: ...


class AuditLog(Protocol):
    """One agency's audit chain: append, read in order, and the keyed checkpoints of its head.

    ``records`` raises ``UnreadableAuditRecordError`` (naming the seq) when a stored item cannot be parsed.
    """

    chain: str

    @property
    def key(self) -> AuditKey: ...

    def append(self, event: AuditEvent) -> AuditRecord: ...

    def records(self, *, since_seq: int = 0, limit: int = 1000) -> list[AuditRecord]: ...

    def put_checkpoint(self, checkpoint: AuditCheckpoint) -> None: ...

    def checkpoints(self) -> list[AuditCheckpoint]:
        """Every checkpoint in the table, oldest first."""
        ...


class ArtifactStore(Protocol):
    """Blobs in one bucket: reports, quarantine files, score runs, models."""

    def put_bytes(self, key: str, body: bytes, *, content_type: str = "application/octet-stream") -> None: ...

    def get_bytes(self, key: str) -> bytes: ...

    def put_json(self, key: str, document: Any) -> None: ...

    def get_json(self, key: str) -> Any: ...

    def keys(self, prefix: str = "") -> Iterable[str]: ...


class ArchiveStore(Protocol):
    """A write-once bucket (S3 Object Lock): objects are created, never replaced or deleted."""

    def put_new(self, key: str, body: bytes, *, content_type: str = "application/octet-stream") -> bool:
        """Create ``key``; False (and nothing written) when it already exists."""
        ...


class ByteStream(Protocol):
    """A readable body: a file object, or the body of an S3 GetObject response."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


class UploadReader(Protocol):
    """Streams uploaded objects (one version of each) without loading them whole."""

    def open(self, key: str, *, version_id: str | None = None) -> ByteStream:
        """Raises NotFoundError when the object (or that version of it) does not exist."""
        ...


class Mailer(Protocol):
    def send(self, *, to: Sequence[str], subject: str, body: str) -> str:
        """Send a plain-text email; returns the provider's message id."""
        ...


class Publisher(Protocol):
    def publish(self, message: dict[str, Any], *, subject: str) -> str: ...
