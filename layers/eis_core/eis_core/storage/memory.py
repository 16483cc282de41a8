"""In-memory adapters: the same contract as the DynamoDB/S3 adapters, for unit tests and the CLI.

They return copies, never the stored objects, so a caller mutating a result cannot change the store
(as with a real database). Curated records are kept in ``RecordCodec``'s compact form (a tuple of
plain values, rebuilt into a new record on every read without validating it again, as a JSON body
would be parsed). A lock per store keeps them safe under a threaded local HTTP server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import compress, repeat
from operator import is_, itemgetter
from typing import Any, NamedTuple, cast

from eis_core.errors import ConflictError, NotFoundError, PreconditionFailedError, ValidationFailed
from eis_core.models.alerts import Alert, AlertDismissal, AlertStatus, OfficerScore
from eis_core.models.audit import (
    GENESIS_HASH,
    AuditCheckpoint,
    AuditEvent,
    AuditRecord,
    check_event_size,
    record_mac_message,
)
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
from eis_core.models.oversight import closed_at
from eis_core.models.records import Complaint, EventRecord, Officer, Record, RecordKind
from eis_core.storage.codec import RECORD_CODECS, content_hash, sortable_time
from eis_core.storage.paging import (
    ALERT_KEY_ATTRS,
    CASE_SORT_ATTR,
    CLOSED_KEY_ATTRS,
    CaseFilter,
    CaseIndex,
    Page,
    PageKey,
    case_key_attrs,
    check_start,
)
from eis_core.storage.ports import RecordVersion, WriteSummary


def _utcnow() -> datetime:
    return datetime.now(UTC)


class _StoredRecord(NamedTuple):  # a tuple: one is made per record written, and frozen dataclasses cost more
    kind: RecordKind
    packed: tuple[Any, ...]  # RECORD_CODECS[kind].encode(record)
    digest: str
    upload_id: str
    version: int
    ingested_at: str
    retracted_by: str | None = None

    def record(self) -> Record:
        return RECORD_CODECS[self.kind].decode(self.packed)

    def as_version(self, *, current: bool) -> RecordVersion:
        return RecordVersion(
            record=self.record(),
            version=self.version,
            upload_id=self.upload_id,
            ingested_at=self.ingested_at,
            retracted_by=self.retracted_by,
            current=current,
        )


_DECODERS: dict[RecordKind, Callable[[tuple[Any, ...]], Record]] = {
    kind: codec.decode for kind, codec in RECORD_CODECS.items()
}
_KIND_OF = itemgetter(_StoredRecord._fields.index("kind"))
_RETRACTED_BY = itemgetter(_StoredRecord._fields.index("retracted_by"))


class InMemoryRecordStore:
    def __init__(self, *, clock: Callable[[], datetime] = _utcnow) -> None:
        self._items: dict[str, _StoredRecord] = {}  # record_key -> current version
        self._history: dict[str, list[_StoredRecord]] = {}  # record_key -> earlier versions, oldest first
        self._clock = clock
        self._lock = threading.Lock()
        self._changes = 0

    def put_records(self, records: Sequence[Record], *, upload_id: str) -> WriteSummary:
        inserted = replaced = unchanged = 0
        ingested_at = sortable_time(self._clock())
        items, stored = self._items, tuple.__new__  # a _StoredRecord without its Python-level __new__
        with self._lock:
            for record in records:
                digest = content_hash(record)
                key = record.record_key
                current = items.get(key)
                if current is None:
                    inserted += 1
                elif current.digest == digest and current.retracted_by is None:
                    unchanged += 1
                    continue
                else:
                    # A correction, or a retracted record sent again: the earlier version becomes history.
                    replaced += 1
                    self._history.setdefault(key, []).append(current)
                version = 1 if current is None else current.version + 1
                kind = record.kind
                packed = RECORD_CODECS[kind].encode(record)
                items[key] = stored(_StoredRecord, (kind, packed, digest, upload_id, version, ingested_at, None))
            if inserted or replaced:
                self._changes += 1
        return WriteSummary(inserted=inserted, replaced=replaced, unchanged=unchanged)

    def put_packed(self, kind: RecordKind, rows: Sequence[tuple[Any, ...]], *, upload_id: str) -> WriteSummary:
        """``put_records``' loop for rows ``RECORD_CODECS[kind].pack`` wrote: each is kept in its encoded form and
        hash as they come, so a record is neither decoded nor encoded nor hashed again."""
        inserted = replaced = unchanged = 0
        ingested_at = sortable_time(self._clock())
        items, stored = self._items, tuple.__new__
        prefix, key_index = f"{kind.value}#", RECORD_CODECS[kind].key_index
        get = items.get
        with self._lock:
            for row in rows:
                key = prefix + row[key_index]
                current = get(key)
                digest = row[-1].hex()  # RecordCodec.packed_hash, inline
                if current is None:  # the common case, first: a new record
                    inserted += 1
                    items[key] = stored(_StoredRecord, (kind, row[:-1], digest, upload_id, 1, ingested_at, None))
                    continue
                if current.digest == digest and current.retracted_by is None:
                    unchanged += 1
                    continue
                replaced += 1
                self._history.setdefault(key, []).append(current)
                version = current.version + 1
                items[key] = stored(_StoredRecord, (kind, row[:-1], digest, upload_id, version, ingested_at, None))
            if inserted or replaced:
                self._changes += 1
        return WriteSummary(inserted=inserted, replaced=replaced, unchanged=unchanged)

    def iter_records(self, kind: RecordKind | None = None, *, include_retracted: bool = False) -> Iterator[Record]:
        with self._lock:
            snapshot = list(self._items.values())
        decoders = _DECODERS  # ``item.record()`` without its call: this loop reads every stored record
        for item in snapshot:
            if (kind is None or item.kind == kind) and (include_retracted or item.retracted_by is None):
                yield decoders[item.kind](item.packed)

    def count(self, kind: RecordKind | None = None) -> int:
        with self._lock:
            return sum(
                1 for item in self._items.values() if (kind is None or item.kind == kind) and item.retracted_by is None
            )

    def history(self, kind: RecordKind, source_record_id: str) -> list[RecordVersion]:
        key = f"{RecordKind(kind).value}#{source_record_id}"
        with self._lock:
            earlier = list(self._history.get(key, []))
            current = self._items.get(key)
        versions = [item.as_version(current=False) for item in earlier]
        return versions + ([current.as_version(current=True)] if current is not None else [])

    def retract_missing(self, kind: RecordKind, present: Collection[str], *, upload_id: str) -> int:
        prefix = f"{RecordKind(kind).value}#"
        retracted = 0
        with self._lock:
            for key, item in self._items.items():
                if item.kind == kind and item.retracted_by is None and key.removeprefix(prefix) not in present:
                    self._items[key] = item._replace(retracted_by=upload_id)
                    retracted += 1
            if retracted:
                self._changes += 1
        return retracted

    def count_missing(self, kind: RecordKind, present: Collection[str]) -> tuple[int, int]:
        prefix = f"{RecordKind(kind).value}#"
        missing = stored = 0
        with self._lock:
            for key, item in self._items.items():
                if item.kind == kind and item.retracted_by is None:
                    stored += 1
                    missing += key.removeprefix(prefix) not in present
        return missing, stored

    def roster(self) -> list[Officer]:
        return [record for record in self.iter_records(RecordKind.ROSTER) if isinstance(record, Officer)]

    def hire_dates(self) -> dict[str, date | None]:
        """Read from the stored rows as they are (``RecordCodec.values_of``): no officer record is rebuilt."""
        with self._lock:
            items = list(self._items.values())
        # Picked out in C: the roster's items (events outnumber officers many times over), then the current ones.
        roster = list(compress(items, map(is_, map(_KIND_OF, items), repeat(RecordKind.ROSTER))))
        rows = [item.packed for item in compress(roster, map(is_, map(_RETRACTED_BY, roster), repeat(None)))]
        codec = RECORD_CODECS[RecordKind.ROSTER]
        return dict(zip(codec.values_of(rows, "officer_id"), codec.values_of(rows, "hire_date"), strict=True))

    def complaints(self) -> list[Complaint]:
        return [record for record in self.iter_records(RecordKind.COMPLAINT) if isinstance(record, Complaint)]

    def change_marker(self) -> str:
        with self._lock:
            return str(self._changes)

    def officer_events(
        self, officer_id: str, *, since: date, kinds: Collection[RecordKind] | None = None
    ) -> list[Record]:
        with self._lock:
            snapshot = [
                item
                for item in self._items.values()
                if item.retracted_by is None
                and item.kind is not RecordKind.ROSTER
                and (kinds is None or item.kind in kinds)
            ]
        found: list[EventRecord] = [
            record
            for record in (item.record() for item in snapshot)
            if isinstance(record, EventRecord) and record.officer_id == officer_id and record.occurred_on >= since
        ]
        return cast("list[Record]", sorted(found, key=_event_order))


class InMemoryScoreStore:
    def __init__(self) -> None:
        self._scores: dict[tuple[date, str], OfficerScore] = {}
        self._lock = threading.Lock()

    def put_scores(self, scores: Sequence[OfficerScore]) -> None:
        with self._lock:
            for score in scores:
                self._scores[(score.as_of, score.officer_id)] = score

    def scores_for(self, as_of: date) -> list[OfficerScore]:
        with self._lock:
            found = [score for (day, _), score in self._scores.items() if day == as_of]
        return sorted(found, key=lambda score: score.officer_id)

    def scores_of(self, officer_id: str, *, since: date) -> list[OfficerScore]:
        with self._lock:
            found = [s for (day, officer), s in self._scores.items() if officer == officer_id and day >= since]
        return sorted(found, key=lambda score: score.as_of)


def _event_order(record: EventRecord) -> tuple[int, str]:
    """Newest first; one day's events in record key order (as the DynamoDB index returns them)."""
    return -record.occurred_on.toordinal(), record.record_key


def _alert_order(alert: Alert) -> tuple[str, str]:
    return sortable_time(alert.created_at), alert.alert_id


class InMemoryAlertStore:
    def __init__(self) -> None:
        self._alerts: dict[str, Alert] = {}
        self._lock = threading.Lock()

    def create_alert(self, alert: Alert) -> bool:
        with self._lock:
            if alert.alert_id in self._alerts:
                return False
            self._alerts[alert.alert_id] = alert.model_copy(deep=True)
            return True

    def get_alert(self, alert_id: str) -> Alert | None:
        with self._lock:
            alert = self._alerts.get(alert_id)
            return None if alert is None else alert.model_copy(deep=True)

    def list_alerts(self, status: AlertStatus | None = None) -> list[Alert]:
        with self._lock:
            found = [
                alert.model_copy(deep=True)
                for alert in self._alerts.values()
                if status is None or alert.status == status
            ]
        return sorted(found, key=_alert_order)

    def set_status(self, alert_id: str, status: AlertStatus, *, case_id: str | None) -> Alert:
        with self._lock:
            alert = self._alerts.get(alert_id)
            if alert is None:
                raise NotFoundError(f"alert {alert_id} not found")
            updated = alert.model_copy(update={"status": status, "case_id": case_id}, deep=True)
            self._alerts[alert_id] = updated
            return updated.model_copy(deep=True)

    def dismiss(self, alert_id: str, dismissal: AlertDismissal) -> Alert:
        with self._lock:
            alert = self._alerts.get(alert_id)
            if alert is None:
                raise NotFoundError(f"alert {alert_id} not found")
            if alert.status is not AlertStatus.NEW or alert.case_id is not None:
                raise ConflictError(
                    f"alert {alert_id} is {alert.status.value}; only a new alert without a case can be dismissed"
                )
            updated = alert.model_copy(update={"status": AlertStatus.DISMISSED, "dismissal": dismissal}, deep=True)
            self._alerts[alert_id] = updated
            return updated.model_copy(deep=True)

    def record_escalation(self, alert_id: str, level: int, day: date) -> bool:
        with self._lock:
            alert = self._alerts.get(alert_id)
            if alert is None or alert.escalated_level >= level:
                return False
            self._alerts[alert_id] = alert.model_copy(update={"escalated_level": level, "escalated_on": day})
            return True

    def alerts_of(self, officer_id: str, *, limit: int = 100) -> list[Alert]:
        with self._lock:
            found = [a.model_copy(deep=True) for a in self._alerts.values() if a.officer_id == officer_id]
        return sorted(found, key=_alert_order, reverse=True)[:limit]

    def alerts_page(
        self,
        status: AlertStatus,
        *,
        limit: int,
        start: PageKey | None = None,
        officer_ids: Collection[str] | None = None,
        created_from: datetime | None = None,
    ) -> Page[Alert]:
        partition = ("status", AlertStatus(status).value)
        begin = check_start(start, ALERT_KEY_ATTRS, partition)
        after = (begin["created_at"], begin["alert_id"]) if begin else None
        since = "" if created_from is None else sortable_time(created_from)
        with self._lock:
            found = sorted(
                (a for a in self._alerts.values() if a.status == status and sortable_time(a.created_at) >= since),
                key=_alert_order,
            )
            listed = [
                alert.model_copy(deep=True)
                for alert in found
                if (after is None or _alert_order(alert) > after)
                and (officer_ids is None or alert.officer_id in officer_ids)
            ]
        keys = [
            {"alert_id": a.alert_id, "status": a.status.value, "created_at": sortable_time(a.created_at)}
            for a in listed
        ]
        return _page(listed, keys, limit)


def _note_order(note: Note) -> tuple[str, str]:
    return sortable_time(note.created_at), note.note_id


class InMemoryCaseStore:
    def __init__(self) -> None:
        self._cases: dict[str, Case] = {}  # stored without notes
        self._notes: dict[str, dict[tuple[str, str], Note]] = {}
        self._interventions: dict[str, dict[str, Intervention]] = {}  # case id -> intervention id -> it
        self._open_by_officer: dict[str, str] = {}
        self._deferrals: dict[tuple[DeferralTarget, str], Deferral] = {}
        self._ended_deferrals: list[Deferral] = []
        self._lock = threading.Lock()

    def create_case(self, case: Case) -> None:
        with self._lock:
            if case.case_id in self._cases:
                raise ConflictError(f"case {case.case_id} already exists")
            if case.is_open and case.officer_id in self._open_by_officer:
                holder = self._open_by_officer[case.officer_id]
                raise ConflictError(f"officer {case.officer_id} already has an open case ({holder})")
            self._cases[case.case_id] = case.model_copy(update={"notes": [], "interventions": []}, deep=True)
            self._notes[case.case_id] = {_note_order(n): n.model_copy() for n in case.notes}
            self._interventions[case.case_id] = {i.intervention_id: i.model_copy(deep=True) for i in case.interventions}
            if case.is_open:
                self._open_by_officer[case.officer_id] = case.case_id

    def _assemble(self, case_id: str) -> Case | None:
        case = self._cases.get(case_id)
        if case is None:
            return None
        notes = [self._notes[case_id][key].model_copy() for key in sorted(self._notes[case_id])]
        interventions = sorted(self._interventions.get(case_id, {}).values(), key=_intervention_order)
        return case.model_copy(update={"notes": notes, "interventions": interventions}, deep=True)

    def get_case(self, case_id: str) -> Case | None:
        with self._lock:
            return self._assemble(case_id)

    def open_case_for(self, officer_id: str) -> Case | None:
        with self._lock:
            case_id = self._open_by_officer.get(officer_id)
            return None if case_id is None else self._assemble(case_id)

    def add_note(self, note: Note, *, expected_version: int | None = None) -> None:
        with self._lock:
            if note.case_id not in self._cases:
                raise NotFoundError(f"case {note.case_id} not found")
            notes = self._notes[note.case_id]
            existing = notes.get(_note_order(note))
            if existing is not None:
                if existing == note:
                    return  # a retried request changes nothing
                raise ConflictError(f"note {note.note_id} already exists with other content")
            self._next_version(note.case_id, expected_version)
            notes[_note_order(note)] = note.model_copy()

    def _next_version(self, case_id: str, expected_version: int | None) -> int:
        """Count one more write to a case (the lock is held); PreconditionFailedError on a stale version."""
        stored = self._cases[case_id]
        if expected_version is not None and stored.version != expected_version:
            raise PreconditionFailedError(
                f"case {case_id} changed since version {expected_version}; reload it and retry"
            )
        stored.version += 1
        return stored.version

    def add_alert(self, case_id: str, alert_id: str) -> Case:
        with self._lock:
            case = self._cases.get(case_id)
            if case is None:
                raise NotFoundError(f"case {case_id} not found")
            if alert_id not in case.alert_ids:
                case.alert_ids.append(alert_id)
                case.version += 1
            assembled = self._assemble(case_id)
            assert assembled is not None
            return assembled

    def cases_of(self, officer_id: str, *, limit: int = 100) -> list[Case]:
        with self._lock:
            found = [c.model_copy(deep=True) for c in self._cases.values() if c.officer_id == officer_id]
        return sorted(found, key=lambda case: (sortable_time(case.opened_at), case.case_id), reverse=True)[:limit]

    def list_open_cases(self) -> list[Case]:
        with self._lock:
            open_ids = sorted(self._open_by_officer.values())
            return [self._cases[case_id].model_copy(deep=True) for case_id in open_ids]

    def cases_page(
        self,
        index: CaseIndex,
        value: str,
        *,
        limit: int,
        start: PageKey | None = None,
        where: CaseFilter | None = None,
    ) -> Page[Case]:
        where = where or CaseFilter()
        partition = (index.value, value)
        attrs = case_key_attrs(index)
        begin = check_start(start, attrs, partition)
        after = (begin[CASE_SORT_ATTR], begin["case_id"]) if begin else None

        def indexed(case: Case) -> str | None:
            stored = {
                CaseIndex.STATUS: case.status.value,
                CaseIndex.SUPERVISOR: case.supervisor_id,
                CaseIndex.OFFICER: case.officer_id,
            }
            return stored[index]

        with self._lock:
            found = sorted(
                (case for case in self._cases.values() if indexed(case) == value),
                key=lambda case: (case.review_due_on.isoformat(), case.case_id),
            )
            listed = [
                case.model_copy(deep=True)
                for case in found
                if (after is None or (case.review_due_on.isoformat(), case.case_id) > after)
                and where.keeps(
                    status=case.status.value,
                    supervisor_id=case.supervisor_id,
                    officer_id=case.officer_id,
                    due=case.review_due_on.isoformat(),
                )
            ]
        keys = [
            {"case_id": c.case_id, "sk": "CASE", index.value: value, CASE_SORT_ATTR: c.review_due_on.isoformat()}
            for c in listed
        ]
        return _page(listed, keys, limit)

    def transition_case(
        self, case_id: str, move: CaseTransition, *, expected_moves: int, expected_version: int | None = None
    ) -> Case:
        with self._lock:
            stored = self._cases.get(case_id)
            if stored is None:
                raise NotFoundError(f"case {case_id} not found")
            if expected_version is not None and stored.version != expected_version:
                raise PreconditionFailedError(f"case {case_id} changed since version {expected_version}")
            if stored.status is not move.from_status or len(stored.history) != expected_moves:
                raise ConflictError(f"case {case_id} changed meanwhile; reload and retry")
            closing = move.to_status is CaseStatus.CLOSED
            holder = self._open_by_officer.get(stored.officer_id)
            if not closing and not stored.is_open and holder is not None and holder != case_id:
                raise ConflictError(f"officer {stored.officer_id} already has an open case ({holder})")
            self._cases[case_id] = stored.model_copy(
                update={
                    "status": move.to_status,
                    "disposition": move.disposition if closing else None,
                    "history": [*stored.history, move.model_copy(deep=True)],
                    "version": stored.version + 1,
                },
                deep=True,
            )
            if not closing:
                self._open_by_officer[stored.officer_id] = case_id
            elif holder == case_id:
                del self._open_by_officer[stored.officer_id]
            assembled = self._assemble(case_id)
            assert assembled is not None
            return assembled

    def closed_cases(self, *, closed_before: datetime | None = None) -> Iterator[Case]:
        with self._lock:
            closed = [
                (sortable_time(at), case.case_id, case.model_copy(deep=True))
                for case in self._cases.values()
                if (at := closed_at(case)) is not None and (closed_before is None or at < closed_before)
            ]
        for _, _, case in sorted(closed, key=lambda entry: entry[:2]):
            yield case

    def closed_cases_page(self, *, closed_from: datetime, limit: int, start: PageKey | None = None) -> Page[Case]:
        begin = check_start(start, CLOSED_KEY_ATTRS, ("closed_list", "CLOSED"))
        after = (begin["closed_at"], begin["case_id"]) if begin else None
        since = sortable_time(closed_from)
        with self._lock:
            closed = sorted(
                (sortable_time(at), case.case_id, case.model_copy(deep=True))
                for case in self._cases.values()
                if (at := closed_at(case)) is not None and sortable_time(at) >= since
            )
        listed = [(at, case) for at, case_id, case in closed if after is None or (at, case_id) > after]
        keys = [{"case_id": c.case_id, "sk": "CASE", "closed_list": "CLOSED", "closed_at": at} for at, c in listed]
        return _page([case for _, case in listed], keys, limit)

    def record_escalation(self, case_id: str, level: int, day: date) -> bool:
        with self._lock:
            stored = self._cases.get(case_id)
            if stored is None or stored.escalated_level >= level:
                return False
            self._cases[case_id] = stored.model_copy(update={"escalated_level": level, "escalated_on": day})
            return True

    def assign_case(
        self,
        case_id: str,
        assignment: CaseAssignment,
        *,
        expected_supervisor_id: str | None,
        roster_supervisor_id: str | None,
    ) -> Case:
        with self._lock:
            stored = self._cases.get(case_id)
            if stored is None:
                raise NotFoundError(f"case {case_id} not found")
            if not stored.is_open or stored.supervisor_id != expected_supervisor_id:
                raise ConflictError(f"case {case_id} changed meanwhile; reload and retry")
            self._cases[case_id] = stored.model_copy(
                update={
                    "supervisor_id": assignment.supervisor_id,
                    "awaiting_acknowledgement_by": assignment.supervisor_id,
                    "acknowledged_by": None,
                    "acknowledged_at": None,
                    "roster_supervisor_id": roster_supervisor_id,
                    "assignments": [*stored.assignments, assignment.model_copy(deep=True)],
                },
                deep=True,
            )
            assembled = self._assemble(case_id)
            assert assembled is not None
            return assembled

    def acknowledge_case(self, case_id: str, *, supervisor_id: str, at: datetime) -> Case:
        with self._lock:
            stored = self._cases.get(case_id)
            if stored is None:
                raise NotFoundError(f"case {case_id} not found")
            if stored.awaiting_acknowledgement_by != supervisor_id:
                raise ConflictError(f"case {case_id} is not awaiting acknowledgement by {supervisor_id}")
            self._cases[case_id] = stored.model_copy(
                update={"awaiting_acknowledgement_by": None, "acknowledged_by": supervisor_id, "acknowledged_at": at},
                deep=True,
            )
            assembled = self._assemble(case_id)
            assert assembled is not None
            return assembled

    def put_deferral(self, deferral: Deferral) -> None:
        with self._lock:
            self._deferrals[(deferral.target, deferral.target_id)] = deferral.model_copy(deep=True)

    def get_deferral(self, target: DeferralTarget, target_id: str) -> Deferral | None:
        with self._lock:
            found = self._deferrals.get((target, target_id))
            return None if found is None else found.model_copy(deep=True)

    def active_deferrals(self) -> list[Deferral]:
        with self._lock:
            return [self._deferrals[key].model_copy(deep=True) for key in sorted(self._deferrals)]

    def end_deferral(self, target: DeferralTarget, target_id: str, *, at: datetime, by: str, reason: str) -> Deferral:
        with self._lock:
            found = self._deferrals.pop((target, target_id), None)
            if found is None:
                raise NotFoundError(f"{target.value} {target_id} has no active deferral")
            ended = found.model_copy(update={"ended_at": at, "ended_by": by, "end_reason": reason}, deep=True)
            self._ended_deferrals.append(ended)
            return ended.model_copy(deep=True)

    def mark_deferral_reviewed(self, target: DeferralTarget, target_id: str, day: date) -> bool:
        with self._lock:
            found = self._deferrals.get((target, target_id))
            if found is None or found.review_notified_on is not None:
                return False
            self._deferrals[(target, target_id)] = found.model_copy(update={"review_notified_on": day})
            return True

    def _intervention_slot(self, intervention: Intervention) -> tuple[dict[str, Intervention], Intervention | None]:
        case = self._cases.get(intervention.case_id)
        if case is None:
            raise NotFoundError(f"case {intervention.case_id} not found")
        slot = self._interventions.setdefault(intervention.case_id, {})
        existing = slot.get(intervention.intervention_id)
        return slot, existing

    def _check_case_status(self, case_id: str, statuses: Collection[CaseStatus]) -> None:
        status = self._cases[case_id].status
        if status not in statuses:
            raise ConflictError(f"case {case_id} is {status.value}; its interventions cannot change now")

    def add_intervention(self, intervention: Intervention, *, statuses: Collection[CaseStatus]) -> None:
        with self._lock:
            slot, existing = self._intervention_slot(intervention)
            if existing is not None:
                if existing == intervention:
                    return  # a retried request changes nothing
                raise ConflictError(f"intervention {intervention.intervention_id} already exists with other content")
            self._check_case_status(intervention.case_id, statuses)
            slot[intervention.intervention_id] = intervention.model_copy(deep=True)

    def iter_cases(self) -> Iterator[Case]:
        with self._lock:
            cases = [self._assemble(case_id) for case_id in sorted(self._cases)]
        yield from (case for case in cases if case is not None)

    def update_intervention(
        self, intervention: Intervention, *, expected_revision: int, statuses: Collection[CaseStatus]
    ) -> Intervention:
        with self._lock:
            slot, existing = self._intervention_slot(intervention)
            if existing is None:
                raise NotFoundError(f"intervention {intervention.intervention_id} not found")
            self._check_case_status(intervention.case_id, statuses)
            if existing.revision != expected_revision:
                raise ConflictError(f"intervention {intervention.intervention_id} changed meanwhile; reload and retry")
            stored = intervention.model_copy(update={"revision": expected_revision + 1}, deep=True)
            slot[intervention.intervention_id] = stored
            return stored.model_copy(deep=True)


def _intervention_order(intervention: Intervention) -> tuple[str, str]:
    return sortable_time(intervention.created_at), intervention.intervention_id


def _page(items: list[Any], keys: list[PageKey], limit: int) -> Page[Any]:
    """The first ``limit`` of everything that follows the start, and where the rest resumes."""
    if len(items) > limit:
        return Page(items=items[:limit], keys=keys[:limit], next=keys[limit - 1])
    return Page(items=items, keys=keys, next=None)


class LocalAuditKey:
    """HMAC-SHA-256 with a secret held in memory: the in-memory stand-in for the KMS audit key."""

    def __init__(self, secret: bytes | None = None, *, key_id: str = "local-audit-key") -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._key_id = key_id

    @property
    def key_id(self) -> str:
        return self._key_id

    def mac(self, message: bytes) -> str:
        return base64.b64encode(hmac.new(self._secret, message, hashlib.sha256).digest()).decode()

    def verify(self, message: bytes, mac: str) -> bool:
        return hmac.compare_digest(self.mac(message), mac)


class InMemoryAuditLog:
    def __init__(
        self, chain: str, *, key: LocalAuditKey | None = None, clock: Callable[[], datetime] = _utcnow
    ) -> None:
        self.chain = chain
        self._key = key or LocalAuditKey()
        self._records: list[AuditRecord] = []
        self._checkpoints: dict[int, AuditCheckpoint] = {}
        self._clock = clock
        self._lock = threading.Lock()

    @property
    def key(self) -> LocalAuditKey:
        return self._key

    def append(self, event: AuditEvent) -> AuditRecord:
        check_event_size(event)  # as DynamoAuditLog does: one bound for both adapters
        with self._lock:
            previous = self._records[-1] if self._records else None
            record = AuditRecord.chain(
                event,
                seq=1 if previous is None else previous.seq + 1,
                at=self._clock(),
                prev_hash=GENESIS_HASH if previous is None else previous.hash,
            )
            record.mac = self._key.mac(record_mac_message(self.chain, record.seq, record.hash))
            self._records.append(record)
            return record.model_copy(deep=True)

    def records(self, *, since_seq: int = 0, limit: int = 1000) -> list[AuditRecord]:
        with self._lock:
            return [r.model_copy(deep=True) for r in self._records if r.seq > since_seq][:limit]

    def put_checkpoint(self, checkpoint: AuditCheckpoint) -> None:
        with self._lock:
            self._checkpoints[checkpoint.seq] = checkpoint

    def checkpoints(self) -> list[AuditCheckpoint]:
        with self._lock:
            return [self._checkpoints[seq] for seq in sorted(self._checkpoints)]

    # --- for tamper tests: what someone with write access to the table could do ---------------

    def replace_stored(self, records: Sequence[AuditRecord]) -> None:
        """Overwrite the stored chain wholesale (tests only: simulates direct table edits)."""
        with self._lock:
            self._records = [r.model_copy(deep=True) for r in records]


class InMemoryArtifactStore:
    def __init__(self) -> None:
        self.objects: dict[str, tuple[bytes, str]] = {}  # key -> body, content type
        self._lock = threading.Lock()

    def put_bytes(self, key: str, body: bytes, *, content_type: str = "application/octet-stream") -> None:
        with self._lock:
            self.objects[key] = (bytes(body), content_type)

    def get_bytes(self, key: str) -> bytes:
        with self._lock:
            if key not in self.objects:
                raise NotFoundError(f"object {key} not found")
            return self.objects[key][0]

    def put_json(self, key: str, document: Any) -> None:
        body = json.dumps(document, ensure_ascii=False, default=str).encode()
        self.put_bytes(key, body, content_type="application/json; charset=utf-8")

    def get_json(self, key: str) -> Any:
        return json.loads(self.get_bytes(key))

    def keys(self, prefix: str = "") -> Iterable[str]:
        with self._lock:
            return sorted(key for key in self.objects if key.startswith(prefix))

    def put_new(self, key: str, body: bytes, *, content_type: str = "application/octet-stream") -> bool:
        with self._lock:
            if key in self.objects:
                return False
            self.objects[key] = (bytes(body), content_type)
            return True


@dataclass(frozen=True)
class SentEmail:
    to: tuple[str, ...]
    subject: str
    body: str
    message_id: str


class CapturingMailer:
    """Keeps every email instead of sending it; tests and the local runtime read ``sent``."""

    def __init__(self) -> None:
        self.sent: list[SentEmail] = []

    def send(self, *, to: Sequence[str], subject: str, body: str) -> str:
        if not to:
            raise ValidationFailed("an email needs at least one recipient")
        message_id = f"local-{len(self.sent) + 1}"
        self.sent.append(SentEmail(tuple(to), subject, body, message_id))
        return message_id


class CapturingPublisher:
    """Keeps every published message (and its subject, in ``subjects``) instead of publishing it."""

    def __init__(self) -> None:
        self.published: list[dict[str, Any]] = []
        self.subjects: list[str] = []

    def publish(self, message: dict[str, Any], *, subject: str) -> str:
        # A JSON round trip, like SNS: a message that cannot be serialised fails here too.
        self.published.append(json.loads(json.dumps(message)))
        self.subjects.append(subject)
        return f"local-{len(self.published)}"
