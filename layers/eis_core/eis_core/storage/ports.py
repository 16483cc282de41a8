"""Ports: what the services need from storage. DynamoDB/S3 and in-memory adapters implement them."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from eis_core.models.alerts import Alert, AlertDismissal, AlertStatus, OfficerScore
from eis_core.models.audit import AuditCheckpoint, AuditEvent, AuditRecord
from eis_core.models.cases import (
    Case,
    CaseAssignment,
    CaseStatus,
    CaseTransition,
    Deferral,
    DeferralTarget,
    Intervention,
    Note,
)
from eis_core.models.records import Complaint, Officer, Record, RecordKind
from eis_core.models.visits import LastVisit
from eis_core.models.wellness import WellnessCheckIn
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

    def put_packed(self, kind: RecordKind, rows: Sequence[tuple[Any, ...]], *, upload_id: str) -> WriteSummary:
        """``put_records`` for records of one kind already packed by ``RECORD_CODECS[kind].pack`` (compact form,
        then the content hash's bytes), as the ingest keeps them: same counts, same stored versions, no re-hashing."""
        ...

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

    def hire_dates(self) -> dict[str, date | None]:
        """Hire date (None when unknown) by officer id of the current roster records (not retracted): what the
        ingest checks each event against. Read as ``iter_records(RecordKind.ROSTER)`` reads (consistently: it
        decides which rows are written; an officer id on two records takes the one listed last), but without
        rebuilding every officer record where the store can avoid it.
        """
        ...

    def roster(self) -> list[Officer]:
        """Current roster records, for listings (the case API, the notifier).

        May lag an upload applied a second ago, so never for a check that decides a write (ingest
        checks officers with ``hire_dates``). Reads only the roster, however many events there are.
        """
        ...

    def complaints(self) -> list[Complaint]:
        """Current complaint records (not retracted), for the notifier's daily complaint duties.

        Reads a listing of complaints only (like ``roster``), never the whole table; may lag an upload.
        """
        ...

    def change_marker(self) -> str:
        """A token that changes after every put or retraction that changes what ``iter_records`` returns.

        It moves after the records are written, so anything derived from the records while the token
        still had its earlier value is known to be stale (the scoring frames snapshot relies on this).
        """
        ...

    def officer_events(
        self, officer_id: str, *, since: date, kinds: Collection[RecordKind] | None = None
    ) -> list[Record]:
        """One officer's current events (not retracted) that happened on or after ``since``, newest first.

        ``kinds`` limits the kinds (roster records are never events). Reads an index of the officer's
        events, never the whole table; it may lag an upload applied a moment ago.
        """
        ...


class ScoreStore(Protocol):
    def put_scores(self, scores: Sequence[OfficerScore]) -> None: ...

    def scores_for(self, as_of: date) -> list[OfficerScore]: ...

    def scores_of(self, officer_id: str, *, since: date) -> list[OfficerScore]:
        """One officer's scores from runs on or after ``since``, oldest first (an index; may lag a moment)."""
        ...


class AlertStore(Protocol):
    def create_alert(self, alert: Alert) -> bool:
        """Store a new alert; False (and nothing written) when an alert with this id exists."""
        ...

    def get_alert(self, alert_id: str) -> Alert | None: ...

    def list_alerts(self, status: AlertStatus | None = None) -> list[Alert]: ...

    def set_status(self, alert_id: str, status: AlertStatus, *, case_id: str | None) -> Alert:
        """Move an alert on; raises NotFoundError when it does not exist."""
        ...

    def dismiss(self, alert_id: str, dismissal: AlertDismissal) -> Alert:
        """Close a new alert without a case (status dismissed, with who, when and why).

        Raises NotFoundError when it does not exist, ConflictError when it has a case or is not new.
        """
        ...

    def record_escalation(self, alert_id: str, level: int, day: date) -> bool:
        """Note that escalation ``level`` was sent on ``day``; False (nothing written) when it or a higher one was."""
        ...

    def alerts_of(self, officer_id: str, *, limit: int = 100) -> list[Alert]:
        """One officer's alerts, newest first, at most ``limit`` (an index; may lag a moment)."""
        ...

    def alerts_page(
        self,
        status: AlertStatus,
        *,
        limit: int,
        start: PageKey | None = None,
        officer_ids: Collection[str] | None = None,
        created_from: datetime | None = None,
    ) -> Page[Alert]:
        """Alerts in ``status``, oldest first, after ``start``: up to ``limit`` of the officers in ``officer_ids``.

        A query of the status index, never a scan; reads at most ``paging.READ_BUDGET`` items, so the
        page may be short (even empty) with ``next`` set. InvalidCursorError for a foreign ``start``.
        ``created_from`` keeps alerts created at or after it, by a key condition on the index's sort key
        (command staff's alert volume over a bounded period reads nothing older).
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

    def cases_of(self, officer_id: str, *, limit: int = 100) -> list[Case]:
        """One officer's cases, open and closed, newest first, without notes (an index; may lag a moment)."""
        ...

    def list_open_cases(self) -> list[Case]:
        """Every case not closed, ordered by case id, without notes (for sweeps over review dates).

        May lag a just-opened or just-closed case by a moment (DynamoDB: an eventually consistent index).
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

    def closed_cases(self, *, closed_before: datetime | None = None) -> Iterator[Case]:
        """Closed cases closed strictly before ``closed_before`` (all when None), oldest closure first, no notes.

        For the scoring job's feedback counts: a paginated query on the sparse closed-case index
        (DynamoDB), read page by page; a case closed before the index existed is not listed.
        """
        ...

    def record_escalation(self, case_id: str, level: int, day: date) -> bool:
        """Note that escalation ``level`` was sent on ``day``; False (nothing written) when it or a higher one was."""
        ...

    # --- hand-off (eis_core.cases.handoff) ---------------------------------------------------------

    def assign_case(
        self,
        case_id: str,
        assignment: CaseAssignment,
        *,
        expected_supervisor_id: str | None,
        roster_supervisor_id: str | None,
    ) -> Case:
        """Hand an open case to ``assignment.supervisor_id``, who must then acknowledge it.

        Conditional: applies only while the case is open and still has ``expected_supervisor_id``, so
        of two concurrent hand-offs one wins and the other gets ConflictError. Appends the assignment,
        sets ``awaiting_acknowledgement_by`` and ``roster_supervisor_id``, clears the last acknowledgement.
        Raises NotFoundError when the case does not exist.
        """
        ...

    def acknowledge_case(self, case_id: str, *, supervisor_id: str, at: datetime) -> Case:
        """Record that ``supervisor_id`` acknowledged the hand-off they were awaited for.

        ConflictError unless the case is awaiting exactly this supervisor; NotFoundError when it does not exist.
        """
        ...

    # --- deferrals: one partition of the cases table, read whole with one query --------------------

    def put_deferral(self, deferral: Deferral) -> None:
        """Store the active deferral of a case or an officer, replacing an earlier one for the same target."""
        ...

    def get_deferral(self, target: DeferralTarget, target_id: str) -> Deferral | None:
        """The active (not ended) deferral of a case or an officer."""
        ...

    def active_deferrals(self) -> list[Deferral]:
        """Every deferral not ended (expired ones included), ordered by target and id. Never a scan."""
        ...

    def end_deferral(self, target: DeferralTarget, target_id: str, *, at: datetime, by: str, reason: str) -> Deferral:
        """End a deferral: it leaves the active ones and is kept as history. NotFoundError when none is active."""
        ...

    def mark_deferral_reviewed(self, target: DeferralTarget, target_id: str, day: date) -> bool:
        """Note that the risk team was told of an expired deferral; False when it already was (or it ended)."""
        ...

    def add_intervention(self, intervention: Intervention, *, statuses: Collection[CaseStatus]) -> None:
        """Store a new intervention beside its case, only while the case is in one of ``statuses``.

        Raises NotFoundError when the case does not exist, ConflictError when the case is in another
        status or an intervention with this id exists with other content (an identical one is a retry
        and changes nothing).
        """
        ...

    def iter_cases(self) -> Iterator[Case]:
        """Every case, open or closed, with its interventions: a full read for reports (``eis report``),
        never for an API route."""
        ...

    def update_intervention(
        self, intervention: Intervention, *, expected_revision: int, statuses: Collection[CaseStatus]
    ) -> Intervention:
        """Replace a stored intervention, only while it is at ``expected_revision`` and the case in ``statuses``.

        Stores it at ``expected_revision + 1`` and returns what was stored, so of two concurrent changes one
        wins and the other gets ConflictError (as does a case in another status). Raises NotFoundError
        when the case or the intervention does not exist.
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

    def closed_cases_page(self, *, closed_from: datetime, limit: int, start: PageKey | None = None) -> Page[Case]:
        """Cases (without notes) closed at or after ``closed_from``, oldest closure first, after ``start``.

        A query of the sparse closed-case index with a key condition on closed_at, never a scan; reads
        at most ``paging.READ_BUDGET`` items. A case closed before that index existed is not listed.
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


class WellnessStore(Protocol):
    """Wellness check-ins (``eis_core.models.wellness``), kept apart from alerts and cases.

    Adapters: ``eis_core.storage.wellness`` (in memory, and DynamoDB in a partition of its own of the
    cases table that no case index or case scan reads).
    """

    def create_checkin(self, checkin: WellnessCheckIn) -> bool:
        """Store a new check-in; False (nothing written) when one with its id exists."""
        ...

    def get_checkin(self, checkin_id: str) -> WellnessCheckIn | None: ...

    def list_checkins(self) -> list[WellnessCheckIn]:
        """Every check-in, newest first (one partition query; check-ins are few)."""
        ...

    def update_checkin(self, checkin: WellnessCheckIn, *, expected_revision: int) -> WellnessCheckIn:
        """Replace a check-in stored at ``expected_revision`` (ConflictError otherwise); returns it at the next."""
        ...


class VisitStore(Protocol):
    """Each portal user's last visit to their queue (``eis_core.models.visits``), one marker per subject.

    Adapters: ``eis_core.storage.visits`` (in memory, and DynamoDB in a partition of its own of the
    cases table, read and written by key).
    """

    def last_visit(self, subject: str) -> LastVisit | None:
        """The user's marker; None before their first recorded visit."""
        ...

    def put_last_visit(self, visit: LastVisit) -> None:
        """Store the user's marker, replacing the one before (the last write wins)."""
        ...
