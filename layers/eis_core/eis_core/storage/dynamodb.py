"""DynamoDB adapters. Item shapes follow ``schema.TABLE_SPECS``; ClientErrors become domain errors.

Each adapter takes a low-level ``dynamodb`` client in ``__init__``. Reads that decide a write are
strongly consistent; GSIs (eventually consistent) only serve listings, never a correctness check.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from eis_core.errors import (
    ConflictError,
    CorruptItemError,
    NotFoundError,
    PreconditionFailedError,
    StorageError,
    UnreadableAuditRecordError,
)
from eis_core.models.alerts import Alert, AlertDismissal, AlertStatus, OfficerScore
from eis_core.models.audit import (
    GENESIS_HASH,
    AuditCheckpoint,
    AuditEvent,
    AuditOutcome,
    AuditRecord,
    check_event_size,
    record_mac_message,
)
from eis_core.models.cases import (
    LEGACY_STATUSES,
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
from eis_core.models.records import Complaint, Officer, Record, RecordKind
from eis_core.storage.codec import (
    RECORD_CODECS,
    canonical_json,
    content_hash,
    record_body,
    record_from_body,
    sortable_time,
)
from eis_core.storage.dynamodb_paging import query_page
from eis_core.storage.paging import (
    ALERT_KEY_ATTRS,
    CASE_INDEX_NAMES,
    CASE_SORT_ATTR,
    CLOSED_KEY_ATTRS,
    CaseFilter,
    CaseIndex,
    Page,
    PageKey,
    case_key_attrs,
    check_start,
)
from eis_core.storage.ports import AuditKey, RecordVersion, WriteSummary
from eis_core.storage.schema import audit_checkpoint_partition, audit_sequence_partition

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

Item = dict[str, Any]  # a low-level (typed) DynamoDB item

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

OFFICER_INDEX = "by_officer"
"""The records, scores, alerts and cases tables each index their items by officer under this name."""
BATCH_GET_MAX = 100
BATCH_WRITE_MAX = 25
WRITE_THREADS = 8  # concurrent batch requests per put_records call (boto3 clients are thread-safe)
_UNPROCESSED_ATTEMPTS = 8
ROSTER_INDEX = "roster"
ROSTER_LISTED = "current"
"""``roster_list`` of a current roster item: what the sparse roster index is keyed on."""
COMPLAINTS_LISTED = "complaint"
"""``roster_list`` of a current complaint: the sparse roster index also lists complaints, under this key
(``complaints``), so the notifier's daily complaint duties never scan the table. ``roster`` reads only
the ``current`` key, so it still lists officers alone."""
CHANGES_KEY = "#changes"
"""The records table's change counter: no ``kind``, so no scan by kind ever returns it."""
# Audit appends (see DynamoAuditLog): give up after 15 s, which leaves a case API call (29 s timeout) room
# to answer; fill a predecessor's slot with a gap record once the chain below made no progress for 8 s; poll
# for it meanwhile.
_AUDIT_APPEND_SECONDS = 15.0
_AUDIT_GAP_AFTER = 8.0
_AUDIT_POLL_FIRST = 0.002
_AUDIT_POLL_MAX = 0.05


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _to_item(values: Mapping[str, Any]) -> Item:
    """Serialise plain values, leaving out None (absent attributes keep sparse indexes sparse)."""
    return {name: _serializer.serialize(value) for name, value in values.items() if value is not None}


def _from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _deserializer.deserialize(value) for name, value in item.items()}


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


def _is_condition_failure(error: ClientError) -> bool:
    return _code(error) == "ConditionalCheckFailedException"


def _cancellation_codes(error: ClientError) -> list[str]:
    """Per-item reasons of a cancelled transaction, in request order ("None" for items that passed)."""
    reasons = error.response.get("CancellationReasons")
    if isinstance(reasons, list):
        return [str(reason.get("Code", "None")) for reason in reasons]
    # Some endpoints only put the reasons in the message: "... reasons [ConditionalCheckFailed, None]".
    found = re.search(r"\[([^\]]*)\]", str(error.response.get("Error", {}).get("Message", "")))
    return [part.strip() for part in found.group(1).split(",")] if found else []


@contextmanager
def _translated(table: str) -> Iterator[None]:
    """Turn provider errors nobody handled more specifically into StorageError naming the table."""
    try:
        yield
    except ClientError as error:
        code = _code(error)
        if code == "ResourceNotFoundException":
            raise StorageError(f"DynamoDB table {table} does not exist (or is not visible)") from error
        if code == "ConditionalCheckFailedException":
            raise ConflictError(f"write to {table} conflicts with the current state") from error
        raise StorageError(f"DynamoDB {code or 'error'} on table {table}: {error}") from error


def _backoff(attempt: int) -> None:
    time.sleep(min(0.05 * 2**attempt, 2.0))


def _batch_write(client: DynamoDBClient, table: str, items: Sequence[Item]) -> None:
    """Put items 25 at a time, ``WRITE_THREADS`` batches in flight; all are written when it returns."""
    batches = [items[start : start + BATCH_WRITE_MAX] for start in range(0, len(items), BATCH_WRITE_MAX)]
    if len(batches) <= 1:
        for batch in batches:
            _write_batch(client, table, batch)
        return
    with ThreadPoolExecutor(WRITE_THREADS) as pool:
        list(pool.map(lambda batch: _write_batch(client, table, batch), batches))


def _write_batch(client: DynamoDBClient, table: str, batch: Sequence[Item]) -> None:
    """One BatchWriteItem, retrying what DynamoDB leaves unprocessed (throttling) with backoff."""
    requests: list[Any] = [{"PutRequest": {"Item": item}} for item in batch]
    for attempt in range(_UNPROCESSED_ATTEMPTS):
        response = client.batch_write_item(RequestItems={table: requests})
        requests = list(response.get("UnprocessedItems", {}).get(table, []))
        if not requests:
            return
        _backoff(attempt)
    raise StorageError(f"{len(requests)} items could not be written to {table} (throttled); retry")


def _batch_get(
    client: DynamoDBClient,
    table: str,
    keys: Sequence[Item],
    projection: str,
    names: Mapping[str, str] | None = None,
) -> list[Item]:
    """Get items 100 keys at a time (strongly consistent), retrying unprocessed keys with backoff."""
    found: list[Item] = []
    for start in range(0, len(keys), BATCH_GET_MAX):
        request: Any = {"Keys": list(keys[start : start + BATCH_GET_MAX]), "ProjectionExpression": projection}
        if names:
            request["ExpressionAttributeNames"] = dict(names)
        request["ConsistentRead"] = True
        for attempt in range(_UNPROCESSED_ATTEMPTS):
            response = client.batch_get_item(RequestItems={table: request})
            found.extend(response.get("Responses", {}).get(table, []))
            unprocessed = response.get("UnprocessedKeys", {}).get(table)
            if not unprocessed or not unprocessed.get("Keys"):
                break
            request = unprocessed
            _backoff(attempt)
        else:
            raise StorageError(f"keys could not be read from {table} (throttled); retry")
    return found


_RECORD_PROJECTION = "pk, #kind, body, content_hash, upload_id, ingested_at, rev, retracted_by"
_RECORD_NAMES = {"#kind": "kind"}


class DynamoRecordStore:
    """Curated records: one item per ``record_key``; a content hash tells unchanged from replaced.

    The current version is the item ``pk=<record_key>`` (``rev`` N, absent means 1). A replaced
    version is kept as ``pk=<record_key>#v<n>``, whose kind is in ``history_kind`` rather than
    ``kind``, so scans by kind never see history. A retracted record carries ``retracted_by``.
    """

    def __init__(self, client: DynamoDBClient, table_name: str, *, clock: Callable[[], datetime] = _utcnow) -> None:
        self._db = client
        self.table_name = table_name
        self._clock = clock

    def put_records(self, records: Sequence[Record], *, upload_id: str) -> WriteSummary:
        """Counts are as if the records were put one by one, in order; only changed items are written.

        Reads and writes go out in parallel (``WRITE_THREADS`` batches at a time), history items
        before the new current versions. A failure part-way raises StorageError; re-sending the same
        records is then safe, because those already written count as unchanged.
        """
        return self._put(records, [content_hash(record) for record in records], upload_id=upload_id)

    def put_packed(self, kind: RecordKind, rows: Sequence[tuple[Any, ...]], *, upload_id: str) -> WriteSummary:
        """``put_records`` for rows ``RECORD_CODECS[kind].pack`` wrote: their hashes are used as they are; the
        records are decoded (not validated again) to build the items' JSON bodies."""
        codec = RECORD_CODECS[kind]
        records = [codec.decode(row) for row in rows]
        return self._put(records, [codec.packed_hash(row) for row in rows], upload_id=upload_id)

    def _put(self, records: Sequence[Record], digests: Sequence[str], *, upload_id: str) -> WriteSummary:
        inserted = replaced = unchanged = 0
        ingested_at = sortable_time(self._clock())
        keys = [{"pk": {"S": key}} for key in dict.fromkeys(r.record_key for r in records)]
        with _translated(self.table_name), ThreadPoolExecutor(WRITE_THREADS) as pool:
            pages = pool.map(
                lambda start: _batch_get(
                    self._db, self.table_name, keys[start : start + BATCH_GET_MAX], _RECORD_PROJECTION, _RECORD_NAMES
                ),
                range(0, len(keys), BATCH_GET_MAX),
            )
            known: dict[str, Item] = {item["pk"]["S"]: item for page in pages for item in page}
            history: dict[str, Item] = {}
            to_write: dict[str, Item] = {}  # one write per key (a batch refuses duplicates): the last wins
            for record, digest in zip(records, digests, strict=True):
                current = known.get(record.record_key)
                if current is not None and current["content_hash"]["S"] == digest and "retracted_by" not in current:
                    unchanged += 1
                    continue
                version = 1
                if current is None:
                    inserted += 1
                else:
                    replaced += 1
                    version = _rev(current) + 1
                    old = self._history_item(current)
                    history[old["pk"]["S"]] = old
                item = self._item(record, digest, upload_id, ingested_at, version)
                known[record.record_key] = item
                to_write[record.record_key] = item
            _batch_write(self._db, self.table_name, list(history.values()))  # history first: never lost
            _batch_write(self._db, self.table_name, list(to_write.values()))
            if to_write:
                self._count_change(ingested_at)
        return WriteSummary(inserted=inserted, replaced=replaced, unchanged=unchanged)

    @staticmethod
    def _item(record: Record, digest: str, upload_id: str, ingested_at: str, version: int) -> Item:
        """The record's item, typed by hand: what ``_to_item`` writes for these values (strings and one number,
        None left out), without boto3's serializer, which cost several times the JSON body for each record."""
        kind = record.kind
        item: Item = {"pk": {"S": record.record_key}, "kind": {"S": kind.value}}
        if isinstance(officer_id := getattr(record, "officer_id", None), str):
            item["officer_id"] = {"S": officer_id}
        elif officer_id is not None:
            item["officer_id"] = _serializer.serialize(officer_id)
        item["body"] = {"S": record_body(record)}
        item["content_hash"] = {"S": digest}
        item["upload_id"] = {"S": upload_id}
        item["ingested_at"] = {"S": ingested_at}
        item["rev"] = {"N": str(version)}
        if kind is RecordKind.ROSTER:
            item["roster_list"] = {"S": ROSTER_LISTED}
        elif kind is RecordKind.COMPLAINT:
            item["roster_list"] = {"S": COMPLAINTS_LISTED}
        # Key of the by_officer index (events only: roster items stay out of it).
        if isinstance(occurred := getattr(record, "occurred_on", None), date):
            item["occurred_on"] = {"S": occurred.isoformat()}
        return item

    @staticmethod
    def _history_item(current: Item) -> Item:
        item = {
            name: value for name, value in current.items() if name not in {"pk", "kind", "officer_id", "roster_list"}
        }
        item["pk"] = {"S": f"{current['pk']['S']}#v{_rev(current)}"}
        item["history_kind"] = current["kind"]
        item["rev"] = {"N": str(_rev(current))}
        return item

    def _scan(self, kind: RecordKind | None, *, include_retracted: bool = False, **extra: Any) -> Iterator[Any]:
        # History items have no `kind`, so every scan filters on it.
        conditions = ["attribute_exists(#kind)" if kind is None else "#kind = :kind"]
        names = {"#kind": "kind", **extra.pop("ExpressionAttributeNames", {})}
        kwargs: dict[str, Any] = {"TableName": self.table_name, "ConsistentRead": True, **extra}
        if kind is not None:
            kwargs["ExpressionAttributeValues"] = {":kind": {"S": RecordKind(kind).value}}
        if not include_retracted:
            conditions.append("attribute_not_exists(retracted_by)")
        kwargs["FilterExpression"] = " AND ".join(conditions)
        kwargs["ExpressionAttributeNames"] = names
        with _translated(self.table_name):
            yield from self._db.get_paginator("scan").paginate(**kwargs)

    def iter_records(self, kind: RecordKind | None = None, *, include_retracted: bool = False) -> Iterator[Record]:
        """Streams page by page (1 MB each), so scoring never holds the raw table twice."""
        for page in self._scan(kind, include_retracted=include_retracted, ProjectionExpression="#kind, body"):
            for item in page.get("Items", []):
                yield record_from_body(item["kind"]["S"], item["body"]["S"])

    def count(self, kind: RecordKind | None = None) -> int:
        return sum(int(page.get("Count", 0)) for page in self._scan(kind, Select="COUNT"))

    def history(self, kind: RecordKind, source_record_id: str) -> list[RecordVersion]:
        key = f"{RecordKind(kind).value}#{source_record_id}"
        with _translated(self.table_name):
            found = _batch_get(self._db, self.table_name, [{"pk": {"S": key}}], _RECORD_PROJECTION, _RECORD_NAMES)
            if not found:
                return []
            current = found[0]
            keys = [{"pk": {"S": f"{key}#v{n}"}} for n in range(1, _rev(current))]
            projection = _RECORD_PROJECTION.replace("#kind", "history_kind")
            earlier = _batch_get(self._db, self.table_name, keys, projection) if keys else []
        versions = sorted((self._version(item, kind, current=False) for item in earlier), key=lambda v: v.version)
        return [*versions, self._version(current, kind, current=True)]

    @staticmethod
    def _version(item: Item, kind: RecordKind, *, current: bool) -> RecordVersion:
        return RecordVersion(
            record=record_from_body(kind, item["body"]["S"]),
            version=_rev(item),
            upload_id=item["upload_id"]["S"],
            ingested_at=item.get("ingested_at", {}).get("S", ""),
            retracted_by=item.get("retracted_by", {}).get("S"),
            current=current,
        )

    def retract_missing(self, kind: RecordKind, present: Collection[str], *, upload_id: str) -> int:
        prefix = f"{RecordKind(kind).value}#"
        missing = [
            item["pk"]["S"]
            for page in self._scan(kind, ProjectionExpression="pk")
            for item in page.get("Items", [])
            if item["pk"]["S"].removeprefix(prefix) not in present
        ]
        retracted_at = sortable_time(self._clock())
        with _translated(self.table_name):
            for key in missing:
                try:
                    self._db.update_item(
                        TableName=self.table_name,
                        Key={"pk": {"S": key}},
                        UpdateExpression="SET retracted_by = :upload, retracted_at = :at REMOVE roster_list",
                        ConditionExpression="attribute_exists(pk) AND attribute_not_exists(retracted_by)",
                        ExpressionAttributeValues={":upload": {"S": upload_id}, ":at": {"S": retracted_at}},
                    )
                except ClientError as error:
                    if not _is_condition_failure(error):  # already retracted by a concurrent run: fine
                        raise
            if missing:
                self._count_change(retracted_at)
        return len(missing)

    def count_missing(self, kind: RecordKind, present: Collection[str]) -> tuple[int, int]:
        prefix = f"{RecordKind(kind).value}#"
        missing = stored = 0
        for page in self._scan(kind, ProjectionExpression="pk"):
            for item in page.get("Items", []):
                stored += 1
                missing += item["pk"]["S"].removeprefix(prefix) not in present
        return missing, stored

    def roster(self) -> list[Officer]:
        officers: list[Officer] = []
        with _translated(self.table_name):
            pages = self._db.get_paginator("query").paginate(
                TableName=self.table_name,
                IndexName=ROSTER_INDEX,
                KeyConditionExpression="roster_list = :listed",
                ExpressionAttributeValues={":listed": {"S": ROSTER_LISTED}},
                ProjectionExpression="body",
            )
            for page in pages:
                bodies = (item["body"]["S"] for item in page.get("Items", []))
                officers += [cast("Officer", record_from_body(RecordKind.ROSTER, body)) for body in bodies]
        return officers

    def hire_dates(self) -> dict[str, date | None]:
        """The scan ``iter_records(RecordKind.ROSTER)`` makes (consistent, roster items only by its filter; the
        roster index may lag), reading each item's body alone."""
        found: dict[str, date | None] = {}
        for page in self._scan(RecordKind.ROSTER, ProjectionExpression="body"):
            for item in page.get("Items", []):
                officer = record_from_body(RecordKind.ROSTER, item["body"]["S"])
                if isinstance(officer, Officer):
                    found[officer.officer_id] = officer.hire_date
        return found

    def complaints(self) -> list[Complaint]:
        found: list[Complaint] = []
        with _translated(self.table_name):
            pages = self._db.get_paginator("query").paginate(
                TableName=self.table_name,
                IndexName=ROSTER_INDEX,
                KeyConditionExpression="roster_list = :listed",
                ExpressionAttributeValues={":listed": {"S": COMPLAINTS_LISTED}},
                ProjectionExpression="body",
            )
            for page in pages:
                bodies = (item["body"]["S"] for item in page.get("Items", []))
                found += [cast("Complaint", record_from_body(RecordKind.COMPLAINT, body)) for body in bodies]
        return found

    def _count_change(self, at: str) -> None:
        self._db.update_item(
            TableName=self.table_name,
            Key={"pk": {"S": CHANGES_KEY}},
            UpdateExpression="ADD changes :one SET changed_at = :at",
            ExpressionAttributeValues={":one": {"N": "1"}, ":at": {"S": at}},
        )

    def change_marker(self) -> str:
        with _translated(self.table_name):
            item = self._db.get_item(TableName=self.table_name, Key={"pk": {"S": CHANGES_KEY}}, ConsistentRead=True)
        return str(item.get("Item", {}).get("changes", {}).get("N", "0"))

    def officer_events(
        self, officer_id: str, *, since: date, kinds: Collection[RecordKind] | None = None
    ) -> list[Record]:
        """Items written before the by_officer index carry no ``occurred_on`` and appear once re-written."""
        values: dict[str, Any] = {":officer": {"S": officer_id}, ":since": {"S": since.isoformat()}}
        conditions = ["attribute_not_exists(retracted_by)"]
        if kinds is not None:
            wanted = sorted(RecordKind(kind).value for kind in kinds)
            if not wanted:
                return []
            values |= {f":k{n}": {"S": kind} for n, kind in enumerate(wanted)}
            conditions.append("#kind IN (" + ", ".join(f":k{n}" for n in range(len(wanted))) + ")")
        found: list[Record] = []
        with _translated(self.table_name):
            pages = self._db.get_paginator("query").paginate(
                TableName=self.table_name,
                IndexName=OFFICER_INDEX,
                KeyConditionExpression="officer_id = :officer AND occurred_on >= :since",
                FilterExpression=" AND ".join(conditions),
                ProjectionExpression="#kind, body",
                ExpressionAttributeNames={"#kind": "kind"},
                ExpressionAttributeValues=values,
                ScanIndexForward=False,
            )
            for page in pages:
                found += [record_from_body(item["kind"]["S"], item["body"]["S"]) for item in page.get("Items", [])]
        return sorted(found, key=lambda r: (-getattr(r, "occurred_on", since).toordinal(), r.record_key))


def _rev(item: Mapping[str, Any]) -> int:
    return int(item["rev"]["N"]) if "rev" in item else 1


class DynamoScoreStore:
    """One item per officer per run date: pk ``as_of`` (ISO date), sk ``officer_id``."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._db = client
        self.table_name = table_name

    def put_scores(self, scores: Sequence[OfficerScore]) -> None:
        latest = {(s.as_of, s.officer_id): s for s in scores}  # last wins, as with single puts
        items = [
            _to_item(
                {
                    "as_of": score.as_of.isoformat(),
                    "officer_id": score.officer_id,
                    "run_id": score.run_id,
                    "body": score.model_dump_json(),
                }
            )
            for score in latest.values()
        ]
        with _translated(self.table_name):
            _batch_write(self._db, self.table_name, items)

    def scores_for(self, as_of: date) -> list[OfficerScore]:
        with _translated(self.table_name):
            pages = self._db.get_paginator("query").paginate(
                TableName=self.table_name,
                KeyConditionExpression="as_of = :as_of",
                ExpressionAttributeValues={":as_of": {"S": as_of.isoformat()}},
                ConsistentRead=True,
            )
            return [
                OfficerScore.model_validate_json(item["body"]["S"]) for page in pages for item in page.get("Items", [])
            ]

    def scores_of(self, officer_id: str, *, since: date) -> list[OfficerScore]:
        with _translated(self.table_name):
            pages = self._db.get_paginator("query").paginate(
                TableName=self.table_name,
                IndexName=OFFICER_INDEX,
                KeyConditionExpression="officer_id = :officer AND as_of >= :since",
                ExpressionAttributeValues={":officer": {"S": officer_id}, ":since": {"S": since.isoformat()}},
                ProjectionExpression="body",
            )
            scores = [
                OfficerScore.model_validate_json(item["body"]["S"]) for page in pages for item in page.get("Items", [])
            ]
        return sorted(scores, key=lambda score: score.as_of)


class DynamoAlertStore:
    """Item: ``alert_id``; ``status`` and ``created_at`` feed the by_status GSI; the rest is JSON."""

    BY_STATUS = "by_status"

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._db = client
        self.table_name = table_name

    def create_alert(self, alert: Alert) -> bool:
        item = _to_item(
            {
                "alert_id": alert.alert_id,
                "status": alert.status.value,
                "created_at": sortable_time(alert.created_at),
                "case_id": alert.case_id,
                "officer_id": alert.officer_id,
                "as_of": alert.as_of.isoformat(),
                # status and case_id live only in their attributes so set_status is one UpdateItem.
                "body": alert.model_dump_json(exclude={"status", "case_id", *_ALERT_ATTRIBUTES}),
                **_alert_attributes(alert),
            }
        )
        with _translated(self.table_name):
            try:
                self._db.put_item(
                    TableName=self.table_name, Item=item, ConditionExpression="attribute_not_exists(alert_id)"
                )
            except ClientError as error:
                if _is_condition_failure(error):
                    return False
                raise
        return True

    @staticmethod
    def _alert(item: Mapping[str, Any]) -> Alert:
        try:
            document = json.loads(item["body"]["S"])
            document["status"] = item["status"]["S"]
            document["case_id"] = item["case_id"]["S"] if "case_id" in item else None
            if "dismissal" in item:
                document["dismissal"] = json.loads(item["dismissal"]["S"])
            if "escalated_level" in item:
                document["escalated_level"] = int(item["escalated_level"]["N"])
            if "escalated_on" in item:
                document["escalated_on"] = item["escalated_on"]["S"]
            return Alert.model_validate(document)
        except (KeyError, TypeError, ValueError):  # pydantic's ValidationError is a ValueError
            raise CorruptItemError("alert", str(item.get("alert_id", {}).get("S", "?"))) from None

    def get_alert(self, alert_id: str) -> Alert | None:
        with _translated(self.table_name):
            response = self._db.get_item(
                TableName=self.table_name, Key={"alert_id": {"S": alert_id}}, ConsistentRead=True
            )
        item = response.get("Item")
        return None if item is None else self._alert(item)

    def list_alerts(self, status: AlertStatus | None = None) -> list[Alert]:
        """Oldest first. The status index is eventually consistent: a change may show a moment later."""
        statuses = list(AlertStatus) if status is None else [AlertStatus(status)]
        with _translated(self.table_name):
            # Every status in turn: a query of the status index per status, never a table scan.
            pages = [
                page
                for each in statuses
                for page in self._db.get_paginator("query").paginate(
                    TableName=self.table_name,
                    IndexName=self.BY_STATUS,
                    KeyConditionExpression="#status = :status",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={":status": {"S": each.value}},
                )
            ]
            items = [item for page in pages for item in page.get("Items", [])]
        items.sort(key=lambda item: (item["created_at"]["S"], item["alert_id"]["S"]))
        return [self._alert(item) for item in items]

    def alerts_of(self, officer_id: str, *, limit: int = 100) -> list[Alert]:
        items = _query_newest(
            self._db,
            self.table_name,
            key="officer_id = :officer",
            values={":officer": {"S": officer_id}},
            limit=limit,
        )
        return [self._alert(item) for item in items]

    def set_status(self, alert_id: str, status: AlertStatus, *, case_id: str | None) -> Alert:
        names = {"#status": "status"}
        values: dict[str, Any] = {":status": {"S": AlertStatus(status).value}}
        if case_id is None:
            update = "SET #status = :status REMOVE case_id"
        else:
            update = "SET #status = :status, case_id = :case_id"
            values[":case_id"] = {"S": case_id}
        with _translated(self.table_name):
            try:
                response = self._db.update_item(
                    TableName=self.table_name,
                    Key={"alert_id": {"S": alert_id}},
                    UpdateExpression=update,
                    ConditionExpression="attribute_exists(alert_id)",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                    ReturnValues="ALL_NEW",
                )
            except ClientError as error:
                if _is_condition_failure(error):
                    raise NotFoundError(f"alert {alert_id} not found") from error
                raise
        return self._alert(response["Attributes"])

    def dismiss(self, alert_id: str, dismissal: AlertDismissal) -> Alert:
        """Conditional on the alert being new and without a case: a concurrent case or dismissal wins."""
        with _translated(self.table_name):
            try:
                response = self._db.update_item(
                    TableName=self.table_name,
                    Key={"alert_id": {"S": alert_id}},
                    UpdateExpression="SET #status = :dismissed, dismissal = :dismissal",
                    ConditionExpression=(
                        "attribute_exists(alert_id) AND #status = :new AND attribute_not_exists(case_id)"
                    ),
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={
                        ":dismissed": {"S": AlertStatus.DISMISSED.value},
                        ":new": {"S": AlertStatus.NEW.value},
                        ":dismissal": {"S": dismissal.model_dump_json()},
                    },
                    ReturnValues="ALL_NEW",
                )
            except ClientError as error:
                if not _is_condition_failure(error):
                    raise
                stored = self.get_alert(alert_id)
                if stored is None:
                    raise NotFoundError(f"alert {alert_id} not found") from error
                raise ConflictError(
                    f"alert {alert_id} is {stored.status.value}; only a new alert without a case can be dismissed"
                ) from error
        return self._alert(response["Attributes"])

    def record_escalation(self, alert_id: str, level: int, day: date) -> bool:
        key = {"alert_id": {"S": alert_id}}
        return _record_escalation(self._db, self.table_name, key, key_name="alert_id", level=level, day=day)

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
        with _translated(self.table_name):
            return query_page(
                self._db,
                table=self.table_name,
                index=self.BY_STATUS,
                partition=partition,
                key_attrs=ALERT_KEY_ATTRS,
                limit=limit,
                start=check_start(start, ALERT_KEY_ATTRS, partition),
                parse=self._alert,
                only=None if officer_ids is None else ("officer_id", officer_ids),
                sort_from=None if created_from is None else ("created_at", sortable_time(created_from)),
            )


_ALERT_ATTRIBUTES = frozenset({"dismissal", "escalated_level", "escalated_on"})
"""Alert fields kept in attributes of their own (not the JSON body), so one UpdateItem changes each."""


def _alert_attributes(alert: Alert) -> dict[str, Any]:
    values: dict[str, Any] = {"escalated_level": alert.escalated_level}
    if alert.dismissal is not None:
        values["dismissal"] = alert.dismissal.model_dump_json()
    if alert.escalated_on is not None:
        values["escalated_on"] = alert.escalated_on.isoformat()
    return values


def _record_escalation(client: DynamoDBClient, table: str, key: Item, *, key_name: str, level: int, day: date) -> bool:
    """Raise an item's escalation level to ``level`` (sent on ``day``); False when it was there already."""
    with _translated(table):
        try:
            client.update_item(
                TableName=table,
                Key=key,
                UpdateExpression="SET escalated_level = :level, escalated_on = :day",
                ConditionExpression=(
                    f"attribute_exists({key_name}) AND "
                    "(attribute_not_exists(escalated_level) OR escalated_level < :level)"
                ),
                ExpressionAttributeValues={":level": {"N": str(level)}, ":day": {"S": day.isoformat()}},
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
    return True


def _query_newest(client: DynamoDBClient, table: str, *, key: str, values: Mapping[str, Any], limit: int) -> list[Item]:
    """Up to ``limit`` items of the by_officer index for one key condition, newest (highest sort key) first."""
    found: list[Item] = []
    kwargs: dict[str, Any] = {
        "TableName": table,
        "IndexName": OFFICER_INDEX,
        "KeyConditionExpression": key,
        "ExpressionAttributeValues": dict(values),
        "ScanIndexForward": False,
    }
    with _translated(table):
        while len(found) < limit:
            response = client.query(**kwargs, Limit=limit - len(found))
            found.extend(response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
    return found


def _officer_of(item: Mapping[str, Any]) -> str:
    return str(item.get("officer_id", {}).get("S", ""))


CASE_SK = "CASE"
NOTE_PREFIX = "NOTE#"
LOCK_SK = "OPEN_CASE_LOCK"
DEFERRALS_PK = "DEFERRALS"
"""The cases-table partition of active deferrals (sk ``case#<case_id>`` or ``officer#<officer_id>``):
few items, read whole with one query, so no list or check ever scans for them."""
ENDED_DEFERRALS_PK = "DEFERRALS#ENDED"


CLOSED_LIST = "CLOSED"
CLOSED_ATTRIBUTES = ("closed_list", "closed_at")
"""Set only on closed cases: the sparse ``closed`` index lists closures in time order (feedback counts)."""


def _closed_attributes(case: Case) -> dict[str, str]:
    moment = closed_at(case)
    return {} if moment is None else {"closed_list": CLOSED_LIST, "closed_at": sortable_time(moment)}


INTERVENTION_PREFIX = "INTV#"


def _lock_key(officer_id: str) -> Item:
    return {"case_id": {"S": f"OFFICER#{officer_id}"}, "sk": {"S": LOCK_SK}}


def _note_sk(note: Note) -> str:
    return f"{NOTE_PREFIX}{sortable_time(note.created_at)}#{note.note_id}"


def _version_condition(condition: str, expected_version: int | None) -> tuple[str, dict[str, Any]]:
    """``condition``, and when the caller named a version, that the stored case still has it."""
    if expected_version is None:
        return condition, {}
    match = "#version = :expected_version"
    if expected_version == 0:  # cases stored before versions have none: they are at 0
        match = f"(attribute_not_exists(#version) OR {match})"
    return f"{condition} AND {match}", {":expected_version": {"N": str(expected_version)}}


class DynamoCaseStore:
    """A case item (sk ``CASE``) and its notes (sk ``NOTE#<utc time>#<id>``) share a partition.

    ``open_officer_id`` is set only while a case is open, so the sparse ``open_by_officer`` GSI lists
    open cases. That index is eventually consistent, so it cannot guard "one open case per officer":
    a lock item (pk ``OFFICER#<officer_id>``, sk ``OPEN_CASE_LOCK``, ``holder`` = case id) is written
    in the same transaction that opens a case and deleted in the one that closes it. Two concurrent
    openings for one officer cannot both put the lock, so one of them gets ConflictError.
    """

    OPEN_BY_OFFICER = "open_by_officer"
    CLOSED = "closed"

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._db = client
        self.table_name = table_name

    def _case_item(self, case: Case) -> Item:
        values = case.model_dump(mode="json", exclude={"notes", "interventions"})
        values |= {"sk": CASE_SK, "open_officer_id": case.officer_id if case.is_open else None}
        values |= _closed_attributes(case)
        return _to_item(values)

    def _lock_put(self, case: Case) -> dict[str, Any]:
        return {
            "Put": {
                "TableName": self.table_name,
                "Item": _lock_key(case.officer_id) | {"holder": {"S": case.case_id}},
                "ConditionExpression": "attribute_not_exists(case_id)",
            }
        }

    def _open_conflict(self, officer_id: str) -> ConflictError:
        holder = self._lock_holder(officer_id)
        return ConflictError(f"officer {officer_id} already has an open case ({holder or 'unknown'})")

    def create_case(self, case: Case) -> None:
        actions: list[Any] = [
            {
                "Put": {
                    "TableName": self.table_name,
                    "Item": self._case_item(case),
                    "ConditionExpression": "attribute_not_exists(case_id)",
                }
            }
        ]
        if case.is_open:
            actions.append(self._lock_put(case))
        with _translated(self.table_name):
            try:
                self._db.transact_write_items(TransactItems=actions)
            except ClientError as error:
                if _code(error) != "TransactionCanceledException":
                    raise
                codes = _cancellation_codes(error)
                if codes[:1] == ["ConditionalCheckFailed"] or self.get_case(case.case_id) is not None:
                    raise ConflictError(f"case {case.case_id} already exists") from error
                if case.is_open:
                    raise self._open_conflict(case.officer_id) from error
                raise
            for note in case.notes:
                self.add_note(note)
            for intervention in case.interventions:
                self.add_intervention(intervention, statuses=[case.status])

    def get_case(self, case_id: str) -> Case | None:
        with _translated(self.table_name):
            pages = self._db.get_paginator("query").paginate(
                TableName=self.table_name,
                KeyConditionExpression="case_id = :case_id",
                ExpressionAttributeValues={":case_id": {"S": case_id}},
                ConsistentRead=True,
            )
            items = [item for page in pages for item in page.get("Items", [])]
        case_values: dict[str, Any] | None = None
        notes: list[Note] = []
        interventions: list[Intervention] = []
        try:
            for item in items:  # sorted by sk: notes come in time order
                values = _from_item(item)
                sk = values.pop("sk")
                if sk == CASE_SK:
                    values.pop("open_officer_id", None)
                    case_values = values
                elif sk.startswith(NOTE_PREFIX):
                    notes.append(Note.model_validate(values))
                elif sk.startswith(INTERVENTION_PREFIX):
                    interventions.append(Intervention.model_validate(values))
            if case_values is None:
                return None
            interventions.sort(key=lambda i: (sortable_time(i.created_at), i.intervention_id))
            return Case.model_validate(case_values | {"notes": notes, "interventions": interventions})
        except (KeyError, TypeError, ValueError, AttributeError):
            raise CorruptItemError("case", case_id) from None

    def _lock_holder(self, officer_id: str) -> str | None:
        with _translated(self.table_name):
            response = self._db.get_item(TableName=self.table_name, Key=_lock_key(officer_id), ConsistentRead=True)
        item = response.get("Item")
        return None if item is None else str(item["holder"]["S"])

    def open_case_for(self, officer_id: str) -> Case | None:
        # The lock item, read strongly consistent, rather than the (eventually consistent) GSI.
        holder = self._lock_holder(officer_id)
        if holder is None:
            return None
        case = self.get_case(holder)
        return case if case is not None and case.is_open else None

    def cases_of(self, officer_id: str, *, limit: int = 100) -> list[Case]:
        items = _query_newest(
            self._db,
            self.table_name,
            key="officer_id = :officer",
            values={":officer": {"S": officer_id}},
            limit=limit,
        )
        cases = [case for case in map(_case_from_index_item, items) if case is not None]
        return cases

    def list_open_cases(self) -> list[Case]:
        # The status listing index (case items only, every status): one query per status not closed.
        index = CASE_INDEX_NAMES[CaseIndex.STATUS]
        with _translated(self.table_name):
            items = [
                item
                for status in [*CaseStatus, *LEGACY_STATUSES]
                if _read_status_value(status) is not CaseStatus.CLOSED
                for page in self._db.get_paginator("query").paginate(
                    TableName=self.table_name,
                    IndexName=index,
                    KeyConditionExpression="#status = :status",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={":status": {"S": str(status)}},
                )
                for item in page.get("Items", [])
            ]
        cases = [case for case in map(_case_from_index_item, items) if case is not None]
        return sorted(cases, key=lambda case: case.case_id)

    def closed_cases(self, *, closed_before: datetime | None = None) -> Iterator[Case]:
        # The sparse index holds only closed case items, ordered by closing time; read a page at a time.
        condition = "closed_list = :closed_list"
        values: dict[str, Any] = {":closed_list": {"S": CLOSED_LIST}}
        if closed_before is not None:
            condition += " AND closed_at < :before"
            values[":before"] = {"S": sortable_time(closed_before)}
        with _translated(self.table_name):
            pages = self._db.get_paginator("query").paginate(
                TableName=self.table_name,
                IndexName=self.CLOSED,
                KeyConditionExpression=condition,
                ExpressionAttributeValues=values,
            )
            for page in pages:
                for item in page.get("Items", []):
                    case = _case_from_index_item(item)
                    if case is not None:
                        yield case

    def _check_version(self, case_id: str, expected_version: int | None, error: ClientError) -> None:
        """After a refused write: PreconditionFailedError when the caller's version is no longer stored."""
        if expected_version is None:
            return
        stored = self.get_case(case_id)
        if stored is not None and stored.version != expected_version:
            raise PreconditionFailedError(
                f"case {case_id} changed since version {expected_version}; reload it and retry"
            ) from error

    def add_note(self, note: Note, *, expected_version: int | None = None) -> None:
        item = _to_item(note.model_dump(mode="json") | {"sk": _note_sk(note)})
        condition, version_values = _version_condition("attribute_exists(case_id)", expected_version)
        with _translated(self.table_name):
            try:
                self._db.transact_write_items(
                    TransactItems=[
                        {
                            "Update": {  # a note is a write to the case: its version moves on
                                "TableName": self.table_name,
                                "Key": {"case_id": {"S": note.case_id}, "sk": {"S": CASE_SK}},
                                "UpdateExpression": "ADD #version :one",
                                "ConditionExpression": condition,
                                "ExpressionAttributeNames": {"#version": "version"},
                                "ExpressionAttributeValues": {":one": {"N": "1"}} | version_values,
                            }
                        },
                        {
                            "Put": {
                                "TableName": self.table_name,
                                "Item": item,
                                "ConditionExpression": "attribute_not_exists(case_id)",
                            }
                        },
                    ]
                )
            except ClientError as error:
                if _code(error) != "TransactionCanceledException":
                    raise
                self._check_version(note.case_id, expected_version, error)
                self._explain_note_failure(note, error)

    def _explain_note_failure(self, note: Note, error: ClientError) -> None:
        case = self.get_case(note.case_id)
        if case is None:
            raise NotFoundError(f"case {note.case_id} not found") from error
        same_slot = [n for n in case.notes if _note_sk(n) == _note_sk(note)]
        if same_slot and same_slot[0] == note:
            return  # a retried request changes nothing
        if same_slot:
            raise ConflictError(f"note {note.note_id} already exists with other content") from error
        raise StorageError(f"note {note.note_id} was not written: {error}") from error

    def add_alert(self, case_id: str, alert_id: str) -> Case:
        with _translated(self.table_name):
            try:
                self._db.update_item(
                    TableName=self.table_name,
                    Key={"case_id": {"S": case_id}, "sk": {"S": CASE_SK}},
                    UpdateExpression="SET alert_ids = list_append(alert_ids, :new) ADD #version :one",
                    ConditionExpression="attribute_exists(case_id) AND NOT contains(alert_ids, :alert_id)",
                    ExpressionAttributeNames={"#version": "version"},
                    ExpressionAttributeValues={
                        ":new": {"L": [{"S": alert_id}]},
                        ":alert_id": {"S": alert_id},
                        ":one": {"N": "1"},
                    },
                )
            except ClientError as error:
                if not _is_condition_failure(error):
                    raise
                # Either the case is missing, or the alert is already on it (a retry): tell which.
        case = self.get_case(case_id)
        if case is None:
            raise NotFoundError(f"case {case_id} not found")
        return case

    def transition_case(
        self, case_id: str, move: CaseTransition, *, expected_moves: int, expected_version: int | None = None
    ) -> Case:
        stored = self.get_case(case_id)
        if stored is None:
            raise NotFoundError(f"case {case_id} not found")
        closing = move.to_status is CaseStatus.CLOSED
        names = {"#status": "status", "#history": "history"}
        values: dict[str, Any] = {
            ":to": {"S": move.to_status.value},
            ":from": {"S": move.from_status.value},
            ":moves": {"N": str(expected_moves)},
            ":move": _to_item({"m": [move.model_dump(mode="json")]})["m"],
            ":none": {"L": []},
        }
        sets = ["#status = :to", "#history = list_append(if_not_exists(#history, :none), :move)"]
        removes: list[str] = []
        actions: list[Any] = []
        if closing:
            sets.append("disposition = :disposition")
            values[":disposition"] = {"S": move.disposition.value} if move.disposition else {"NULL": True}
            sets += ["closed_list = :closed_list", "closed_at = :closed_at"]
            values |= {":closed_list": {"S": CLOSED_LIST}, ":closed_at": {"S": sortable_time(move.at)}}
            removes.append("open_officer_id")
            if stored.is_open:  # closing frees the officer for a new case
                actions.append(
                    {
                        "Delete": {
                            "TableName": self.table_name,
                            "Key": _lock_key(stored.officer_id),
                            "ConditionExpression": "attribute_not_exists(case_id) OR holder = :holder",
                            "ExpressionAttributeValues": {":holder": {"S": stored.case_id}},
                        }
                    }
                )
        else:
            sets.append("open_officer_id = :officer_id")
            values[":officer_id"] = {"S": stored.officer_id}
            removes.append("disposition")
            removes += list(CLOSED_ATTRIBUTES)
            if not stored.is_open:  # reopening takes the officer's lock again
                actions.append(self._lock_put(stored))
        # Items stored before the workflow have no history: they count as none.
        moves_match = "size(#history) = :moves"
        if expected_moves == 0:
            moves_match = f"(attribute_not_exists(#history) OR {moves_match})"
        names["#version"] = "version"
        condition, version_values = _version_condition(
            f"attribute_exists(case_id) AND #status = :from AND {moves_match}", expected_version
        )
        values |= {":one": {"N": "1"}} | version_values
        transaction: list[Any] = [
            {
                "Update": {
                    "TableName": self.table_name,
                    "Key": {"case_id": {"S": case_id}, "sk": {"S": CASE_SK}},
                    "UpdateExpression": "SET "
                    + ", ".join(sets)
                    + " REMOVE "
                    + ", ".join(removes)
                    + " ADD #version :one",
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            },
            *actions,
        ]
        with _translated(self.table_name):
            try:
                self._db.transact_write_items(TransactItems=transaction)
            except ClientError as error:
                if _code(error) != "TransactionCanceledException":
                    raise
                codes = _cancellation_codes(error)
                if codes[1:2] == ["ConditionalCheckFailed"] and codes[:1] != ["ConditionalCheckFailed"]:
                    raise self._open_conflict(stored.officer_id) from error
                self._check_version(case_id, expected_version, error)
                raise ConflictError(f"case {case_id} changed meanwhile; reload and retry") from error
        updated = self.get_case(case_id)
        assert updated is not None
        return updated

    def record_escalation(self, case_id: str, level: int, day: date) -> bool:
        key = {"case_id": {"S": case_id}, "sk": {"S": CASE_SK}}
        return _record_escalation(self._db, self.table_name, key, key_name="case_id", level=level, day=day)

    # --- hand-off ------------------------------------------------------------------------------------

    def _case_key(self, case_id: str) -> Item:
        return {"case_id": {"S": case_id}, "sk": {"S": CASE_SK}}

    def _after_condition(self, case_id: str, error: ClientError, message: str) -> ConflictError | NotFoundError:
        if not _is_condition_failure(error):
            raise error
        if self.get_case(case_id) is None:
            return NotFoundError(f"case {case_id} not found")
        return ConflictError(message)

    def assign_case(
        self,
        case_id: str,
        assignment: CaseAssignment,
        *,
        expected_supervisor_id: str | None,
        roster_supervisor_id: str | None,
    ) -> Case:
        names = {"#status": "status", "#assignments": "assignments"}
        values: dict[str, Any] = {
            ":supervisor": {"S": assignment.supervisor_id},
            ":closed": {"S": CaseStatus.CLOSED.value},
            ":assignment": _to_item({"a": [assignment.model_dump(mode="json")]})["a"],
            ":none": {"L": []},
        }
        sets = [
            "supervisor_id = :supervisor",
            "awaiting_acknowledgement_by = :supervisor",
            "#assignments = list_append(if_not_exists(#assignments, :none), :assignment)",
        ]
        removes = ["acknowledged_by", "acknowledged_at"]
        if roster_supervisor_id is None:
            removes.append("roster_supervisor_id")
        else:
            sets.append("roster_supervisor_id = :roster")
            values[":roster"] = {"S": roster_supervisor_id}
        if expected_supervisor_id is None:
            expected = "attribute_not_exists(supervisor_id)"
        else:
            expected = "supervisor_id = :expected"
            values[":expected"] = {"S": expected_supervisor_id}
        with _translated(self.table_name):
            try:
                self._db.update_item(
                    TableName=self.table_name,
                    Key=self._case_key(case_id),
                    UpdateExpression="SET " + ", ".join(sets) + " REMOVE " + ", ".join(removes),
                    ConditionExpression=f"attribute_exists(case_id) AND #status <> :closed AND {expected}",
                    ExpressionAttributeNames=names,
                    ExpressionAttributeValues=values,
                )
            except ClientError as error:
                raise self._after_condition(
                    case_id, error, f"case {case_id} changed meanwhile; reload and retry"
                ) from None
        updated = self.get_case(case_id)
        assert updated is not None
        return updated

    def acknowledge_case(self, case_id: str, *, supervisor_id: str, at: datetime) -> Case:
        with _translated(self.table_name):
            try:
                self._db.update_item(
                    TableName=self.table_name,
                    Key=self._case_key(case_id),
                    UpdateExpression="SET acknowledged_by = :supervisor, acknowledged_at = :at "
                    "REMOVE awaiting_acknowledgement_by",
                    ConditionExpression="attribute_exists(case_id) AND awaiting_acknowledgement_by = :supervisor",
                    ExpressionAttributeValues={
                        ":supervisor": {"S": supervisor_id},
                        ":at": {"S": at.isoformat().replace("+00:00", "Z")},
                    },
                )
            except ClientError as error:
                raise self._after_condition(
                    case_id, error, f"case {case_id} is not awaiting acknowledgement by {supervisor_id}"
                ) from None
        updated = self.get_case(case_id)
        assert updated is not None
        return updated

    # --- deferrals -----------------------------------------------------------------------------------

    @staticmethod
    def _deferral_key(target: DeferralTarget, target_id: str) -> Item:
        return {"case_id": {"S": DEFERRALS_PK}, "sk": {"S": f"{target.value}#{target_id}"}}

    @staticmethod
    def _deferral(item: Mapping[str, Any]) -> Deferral:
        values = _from_item(item)
        values.pop("case_id", None)
        sk = str(values.pop("sk", "?"))
        try:
            return Deferral.model_validate(values)
        except ValueError:
            raise CorruptItemError("deferral", sk) from None

    def put_deferral(self, deferral: Deferral) -> None:
        item = self._deferral_key(deferral.target, deferral.target_id) | _to_item(deferral.model_dump(mode="json"))
        with _translated(self.table_name):
            self._db.put_item(TableName=self.table_name, Item=item)

    def get_deferral(self, target: DeferralTarget, target_id: str) -> Deferral | None:
        with _translated(self.table_name):
            response = self._db.get_item(
                TableName=self.table_name, Key=self._deferral_key(target, target_id), ConsistentRead=True
            )
        item = response.get("Item")
        return None if item is None else self._deferral(item)

    def active_deferrals(self) -> list[Deferral]:
        with _translated(self.table_name):
            pages = self._db.get_paginator("query").paginate(
                TableName=self.table_name,
                KeyConditionExpression="case_id = :pk",
                ExpressionAttributeValues={":pk": {"S": DEFERRALS_PK}},
                ConsistentRead=True,
            )
            items = [item for page in pages for item in page.get("Items", [])]
        return [self._deferral(item) for item in items]

    def end_deferral(self, target: DeferralTarget, target_id: str, *, at: datetime, by: str, reason: str) -> Deferral:
        found = self.get_deferral(target, target_id)
        if found is None:
            raise NotFoundError(f"{target.value} {target_id} has no active deferral")
        ended = found.model_copy(update={"ended_at": at, "ended_by": by, "end_reason": reason})
        history_key = {
            "case_id": {"S": ENDED_DEFERRALS_PK},
            "sk": {"S": f"{sortable_time(at)}#{target.value}#{target_id}"},
        }
        # One transaction: the active item goes (only if it is the one read) and its history item comes.
        with _translated(self.table_name):
            try:
                self._db.transact_write_items(
                    TransactItems=[
                        {
                            "Delete": {
                                "TableName": self.table_name,
                                "Key": self._deferral_key(target, target_id),
                                "ConditionExpression": "deferred_at = :deferred_at",
                                "ExpressionAttributeValues": {
                                    ":deferred_at": {"S": found.model_dump(mode="json")["deferred_at"]}
                                },
                            }
                        },
                        {
                            "Put": {
                                "TableName": self.table_name,
                                "Item": history_key | _to_item(ended.model_dump(mode="json")),
                            }
                        },
                    ]
                )
            except ClientError as error:
                if _code(error) != "TransactionCanceledException":
                    raise
                raise ConflictError(f"the deferral of {target.value} {target_id} changed meanwhile; reload") from None
        return ended

    def mark_deferral_reviewed(self, target: DeferralTarget, target_id: str, day: date) -> bool:
        with _translated(self.table_name):
            try:
                self._db.update_item(
                    TableName=self.table_name,
                    Key=self._deferral_key(target, target_id),
                    UpdateExpression="SET review_notified_on = :day",
                    ConditionExpression="attribute_exists(sk) AND attribute_not_exists(review_notified_on)",
                    ExpressionAttributeValues={":day": {"S": day.isoformat()}},
                )
            except ClientError as error:
                if not _is_condition_failure(error):
                    raise
                return False
        return True

    # --- interventions: items ``INTV#<id>`` beside the case item ---------------------------------------

    def _status_check(self, case_id: str, statuses: Collection[CaseStatus]) -> dict[str, Any]:
        names = [f":status{index}" for index in range(len(statuses))]
        return {
            "ConditionCheck": {
                "TableName": self.table_name,
                "Key": {"case_id": {"S": case_id}, "sk": {"S": CASE_SK}},
                "ConditionExpression": f"#status IN ({', '.join(names)})",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": {
                    name: {"S": status.value} for name, status in zip(names, statuses, strict=True)
                },
            }
        }

    def _intervention_item(self, intervention: Intervention) -> Item:
        sk = INTERVENTION_PREFIX + intervention.intervention_id
        return _to_item(intervention.model_dump(mode="json") | {"sk": sk})

    def _stored_intervention(self, case_id: str, intervention_id: str) -> tuple[Case, Intervention | None]:
        case = self.get_case(case_id)
        if case is None:
            raise NotFoundError(f"case {case_id} not found")
        return case, case.intervention(intervention_id)

    def add_intervention(self, intervention: Intervention, *, statuses: Collection[CaseStatus]) -> None:
        statuses = list(statuses)
        put: dict[str, Any] = {
            "Put": {
                "TableName": self.table_name,
                "Item": self._intervention_item(intervention),
                "ConditionExpression": "attribute_not_exists(case_id)",
            }
        }
        with _translated(self.table_name):
            try:
                transaction: list[Any] = [self._status_check(intervention.case_id, statuses), put]
                self._db.transact_write_items(TransactItems=transaction)
            except ClientError as error:
                if _code(error) != "TransactionCanceledException":
                    raise
                case, existing = self._stored_intervention(intervention.case_id, intervention.intervention_id)
                if existing == intervention:
                    return  # a retried request changes nothing
                if existing is not None:
                    raise ConflictError(
                        f"intervention {intervention.intervention_id} already exists with other content"
                    ) from error
                if case.status not in statuses:
                    raise ConflictError(
                        f"case {case.case_id} is {case.status.value}; its interventions cannot change now"
                    ) from error
                raise StorageError(f"intervention {intervention.intervention_id} was not written: {error}") from error

    def iter_cases(self) -> Iterator[Case]:
        # A scan for the case items' ids, then each case read with its notes and interventions.
        with _translated(self.table_name):
            pages = self._db.get_paginator("scan").paginate(
                TableName=self.table_name,
                FilterExpression="sk = :case",
                ProjectionExpression="case_id",
                ExpressionAttributeValues={":case": {"S": CASE_SK}},
            )
            case_ids = sorted(str(item["case_id"]["S"]) for page in pages for item in page.get("Items", []))
        for case_id in case_ids:
            case = self.get_case(case_id)
            if case is not None:
                yield case

    def update_intervention(
        self, intervention: Intervention, *, expected_revision: int, statuses: Collection[CaseStatus]
    ) -> Intervention:
        statuses = list(statuses)
        stored = intervention.model_copy(update={"revision": expected_revision + 1}, deep=True)
        put: dict[str, Any] = {
            "Put": {
                "TableName": self.table_name,
                "Item": self._intervention_item(stored),
                "ConditionExpression": "attribute_exists(case_id) AND revision = :expected",
                "ExpressionAttributeValues": {":expected": {"N": str(expected_revision)}},
            }
        }
        with _translated(self.table_name):
            try:
                transaction: list[Any] = [self._status_check(intervention.case_id, statuses), put]
                self._db.transact_write_items(TransactItems=transaction)
            except ClientError as error:
                if _code(error) != "TransactionCanceledException":
                    raise
                case, existing = self._stored_intervention(intervention.case_id, intervention.intervention_id)
                if existing is None:
                    raise NotFoundError(f"intervention {intervention.intervention_id} not found") from error
                if case.status not in statuses:
                    raise ConflictError(
                        f"case {case.case_id} is {case.status.value}; its interventions cannot change now"
                    ) from error
                raise ConflictError(
                    f"intervention {intervention.intervention_id} changed meanwhile; reload and retry"
                ) from error
        return stored

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

        def keep(item: Mapping[str, Any]) -> bool:
            if item.get("sk", {}).get("S") != CASE_SK:
                return False
            return where.keeps(
                status=str(item.get("status", {}).get("S", "")),
                supervisor_id=item["supervisor_id"]["S"] if "supervisor_id" in item else None,
                officer_id=_officer_of(item),
                due=str(item.get(CASE_SORT_ATTR, {}).get("S", "")),
            )

        with _translated(self.table_name):
            return query_page(
                self._db,
                table=self.table_name,
                index=CASE_INDEX_NAMES[index],
                partition=partition,
                key_attrs=attrs,
                limit=limit,
                start=check_start(start, attrs, partition),
                parse=_listed_case,
                keep=keep,
                sort_below=(CASE_SORT_ATTR, where.due_before.isoformat()) if where.due_before else None,
                only=None if where.officer_ids is None else ("officer_id", where.officer_ids),
            )

    def closed_cases_page(self, *, closed_from: datetime, limit: int, start: PageKey | None = None) -> Page[Case]:
        partition = ("closed_list", CLOSED_LIST)
        with _translated(self.table_name):
            return query_page(
                self._db,
                table=self.table_name,
                index=self.CLOSED,
                partition=partition,
                key_attrs=CLOSED_KEY_ATTRS,
                limit=limit,
                start=check_start(start, CLOSED_KEY_ATTRS, partition),
                parse=_listed_case,
                keep=lambda item: item.get("sk", {}).get("S") == CASE_SK,
                sort_from=("closed_at", sortable_time(closed_from)),
            )


def _read_status_value(value: str) -> CaseStatus:
    return LEGACY_STATUSES.get(value) or CaseStatus(value)


def _case_from_index_item(item: Mapping[str, Any]) -> Case | None:
    """A case item read from an index (no notes or interventions); None for an item that is not a case's."""
    values = _from_item(item)
    if values.pop("sk", None) != CASE_SK:
        return None
    for name in ("open_officer_id", *CLOSED_ATTRIBUTES):
        values.pop(name, None)
    try:
        return Case.model_validate(values | {"notes": []})
    except ValueError:
        raise CorruptItemError("case", str(values.get("case_id", "?"))) from None


def _listed_case(item: Mapping[str, Any]) -> Case:
    """A case listing's item (``cases_page`` keeps only case items before it parses them)."""
    case = _case_from_index_item(item)
    if case is None:
        raise CorruptItemError("case", str(item.get("case_id", {}).get("S", "?")))
    return case


class DynamoAuditLog:
    """One keyed hash chain per agency: pk ``chain``, sk ``seq``, appended in ticket order.

    Concurrent writers do not race for the next slot (under 20 writers, most of that work was wasted and
    9 of 98 appends gave up). Each append takes a ticket from an atomic counter (partition
    ``<chain>#sequence``): its own sequence number, which no other writer holds. It waits for the record
    before it, chains onto it and writes its slot (conditional on the slot being empty). A writer that
    dies between ticket and write would stall the chain, so once the chain below has not moved for ``gap_after``
    seconds the next writer
    fills the empty slot with a signed ``audit.gap`` record, in plain sight; a writer that finds its slot
    filled takes a new ticket, so no event is lost. Checkpoints live in partition ``<chain>#checkpoints``.
    """

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        chain: str,
        *,
        key: AuditKey,
        clock: Callable[[], datetime] = _utcnow,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        append_seconds: float = _AUDIT_APPEND_SECONDS,
        gap_after: float = _AUDIT_GAP_AFTER,
    ) -> None:
        self._db = client
        self.table_name = table_name
        self.chain = chain
        self._key = key
        self._clock = clock
        self._sleep = sleep
        self._monotonic = monotonic
        self._append_seconds = append_seconds
        self._gap_after = gap_after

    @property
    def key(self) -> AuditKey:
        return self._key

    @property
    def checkpoint_partition(self) -> str:
        return audit_checkpoint_partition(self.chain)

    @property
    def sequence_partition(self) -> str:
        return audit_sequence_partition(self.chain)

    def _last(self, *, below: int | None = None) -> tuple[int, str] | None:
        """Seq and hash of the newest record (below ``below``): all an append needs, even if the rest is corrupt."""
        condition, values = "chain = :chain", {":chain": {"S": self.chain}}
        if below is not None:
            condition += " AND seq < :below"
            values[":below"] = {"N": str(below)}
        response = self._db.query(
            TableName=self.table_name,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = response.get("Items", [])
        return self._tail(items[0]) if items else None

    @staticmethod
    def _tail(item: Mapping[str, Any]) -> tuple[int, str]:
        try:
            return int(item["seq"]["N"]), str(item["hash"]["S"])
        except (KeyError, TypeError, ValueError):
            raise UnreadableAuditRecordError(0, "an audit item has no seq or hash") from None

    def _slot(self, seq: int) -> tuple[int, str] | None:
        response = self._db.get_item(
            TableName=self.table_name,
            Key={"chain": {"S": self.chain}, "seq": {"N": str(seq)}},
            ConsistentRead=True,
            ProjectionExpression="seq, #h",
            ExpressionAttributeNames={"#h": "hash"},
        )
        item = response.get("Item")
        return self._tail(item) if item else None

    def _ticket(self) -> int:
        response = self._db.update_item(
            TableName=self.table_name,
            Key={"chain": {"S": self.sequence_partition}, "seq": {"N": "0"}},
            UpdateExpression="ADD next_seq :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
            ReturnValues="UPDATED_NEW",
        )
        return int(response["Attributes"]["next_seq"]["N"])

    def _catch_up(self) -> None:
        """Move the counter past the newest record (a chain written before the counter existed)."""
        newest = self._last()
        if newest is None:
            return
        try:
            self._db.update_item(
                TableName=self.table_name,
                Key={"chain": {"S": self.sequence_partition}, "seq": {"N": "0"}},
                UpdateExpression="SET next_seq = :newest",
                ConditionExpression="attribute_not_exists(next_seq) OR next_seq < :newest",
                ExpressionAttributeValues={":newest": {"N": str(newest[0])}},
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise

    def _signed(self, event: AuditEvent, seq: int, prev_hash: str) -> AuditRecord:
        record = AuditRecord.chain(event, seq=seq, at=self._clock(), prev_hash=prev_hash)
        record.mac = self._key.mac(record_mac_message(self.chain, record.seq, record.hash))
        return record

    def _put_new(self, record: AuditRecord) -> bool:
        try:
            self._db.put_item(
                TableName=self.table_name, Item=self._item(record), ConditionExpression="attribute_not_exists(seq)"
            )
        except ClientError as error:
            if _is_condition_failure(error):
                return False
            raise
        return True

    def _fill_gaps(self, through: int, agency_id: str) -> tuple[int, str]:
        """Write ``audit.gap`` records into every empty slot up to ``through``; the tail it ends on."""
        newest = self._last(below=through + 1)
        seq, prev_hash = newest if newest is not None else (0, GENESIS_HASH)
        while seq < through:
            gap = AuditEvent(
                actor="eis-audit",
                role="system",
                action="audit.gap",
                target_type="audit",
                target_id=str(seq + 1),
                outcome=AuditOutcome.FAILED,
                agency_id=agency_id,
                detail={"reason": "the writer holding this sequence number did not write it in time"},
            )
            record = self._signed(gap, seq + 1, prev_hash)
            if self._put_new(record):
                seq, prev_hash = record.seq, record.hash
            else:  # its writer (or another filler) got there first
                found = self._slot(seq + 1)
                assert found is not None
                seq, prev_hash = found
        return seq, prev_hash

    def _previous(self, seq: int, deadline: float, agency_id: str) -> tuple[int, str]:
        """The record before ``seq`` once it is written, or a gap record when its writer never does.

        The writer before us is taken for gone only when the chain below us made no progress for ``gap_after``
        seconds: under load a live writer may wait a long time for its own predecessor, and while records
        below us keep landing, the queue is moving (on a starved 2-core machine, timing each wait alone made
        11 gaps among 100 appends by live writers)."""
        if seq == 1:
            return 0, GENESIS_HASH
        started = self._monotonic()
        pause = _AUDIT_POLL_FIRST
        progress: int | None = None  # the newest seq below ours when the timer last started
        while True:
            found = self._slot(seq - 1)
            if found is not None:
                return found
            now = self._monotonic()
            if now >= deadline:
                return self._fill_gaps(seq - 1, agency_id)
            if progress is None or now - started >= self._gap_after:
                newest = self._last(below=seq)
                newest_seq = newest[0] if newest is not None else 0
                if progress is not None and newest_seq <= progress:
                    return self._fill_gaps(seq - 1, agency_id)
                progress, started = newest_seq, now  # first look, or the chain moved: wait another period
            self._sleep(pause)
            pause = min(pause * 2, _AUDIT_POLL_MAX)

    def append(self, event: AuditEvent) -> AuditRecord:
        check_event_size(event)  # before a ticket is taken: a record too large to store must leave no gap
        deadline = self._monotonic() + self._append_seconds
        tickets = 0
        with _translated(self.table_name):
            while True:
                seq = self._ticket()
                tickets += 1
                _prev_seq, prev_hash = self._previous(seq, deadline, event.agency_id)
                record = self._signed(event, seq, prev_hash)
                if self._put_new(record):
                    return record
                # Our slot is taken: we were too slow and it holds a gap, or the counter lags the chain.
                self._catch_up()
                if self._monotonic() >= deadline:
                    break
        raise StorageError(f"audit chain {self.chain} is too busy: no slot after {tickets} tickets")

    def _item(self, record: AuditRecord) -> Item:
        values = record.model_dump(mode="json")
        values |= {"chain": self.chain, "seq": record.seq, "detail": canonical_json(values["detail"])}
        return _to_item(values)

    @staticmethod
    def _record(item: Mapping[str, Any]) -> AuditRecord:
        values = _from_item(item)
        seq = values.get("seq")
        try:
            values.pop("chain", None)
            values["seq"] = int(values["seq"])
            values["detail"] = json.loads(values.get("detail", "{}"))
            return AuditRecord.model_validate(values)
        except (KeyError, TypeError, ValueError) as error:  # pydantic's ValidationError is a ValueError
            position = int(seq) if isinstance(seq, int | Decimal) else 0
            raise UnreadableAuditRecordError(position, type(error).__name__) from None

    def records(self, *, since_seq: int = 0, limit: int = 1000) -> list[AuditRecord]:
        found: list[AuditRecord] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "chain = :chain AND seq > :since",
            "ExpressionAttributeValues": {":chain": {"S": self.chain}, ":since": {"N": str(since_seq)}},
            "ConsistentRead": True,
        }
        with _translated(self.table_name):
            while len(found) < limit:
                response = self._db.query(**kwargs, Limit=limit - len(found))
                found.extend(self._record(item) for item in response.get("Items", []))
                if "LastEvaluatedKey" not in response:
                    break
                kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found

    def put_checkpoint(self, checkpoint: AuditCheckpoint) -> None:
        values = checkpoint.model_dump(mode="json")
        values |= {"checkpoint_chain": values.pop("chain"), "chain": self.checkpoint_partition, "seq": checkpoint.seq}
        with _translated(self.table_name):
            self._db.put_item(TableName=self.table_name, Item=_to_item(values))

    def checkpoints(self) -> list[AuditCheckpoint]:
        found: list[AuditCheckpoint] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "chain = :chain",
            "ExpressionAttributeValues": {":chain": {"S": self.checkpoint_partition}},
            "ConsistentRead": True,
        }
        with _translated(self.table_name):
            while True:
                response = self._db.query(**kwargs)
                for item in response.get("Items", []):
                    values = _from_item(item)
                    values["chain"] = values.pop("checkpoint_chain", self.chain)
                    values["seq"] = int(values["seq"])
                    try:
                        found.append(AuditCheckpoint.model_validate(values))
                    except ValueError:
                        continue  # an unreadable checkpoint vouches for nothing; the locked copy decides
                if "LastEvaluatedKey" not in response:
                    return found
                kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
