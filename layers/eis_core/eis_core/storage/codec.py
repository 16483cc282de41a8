"""Serialisation shared by the adapters, so in-memory and DynamoDB stores agree on identity and order."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import cast

from eis_core.models.records import RECORD_MODELS, Record, RecordKind


def canonical_json(document: object) -> str:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def record_body(record: Record) -> str:
    return record.model_dump_json()


def content_hash(record: Record) -> str:
    """Same content, same hash, whatever the field order: a re-sent record is 'unchanged'."""
    document = {"kind": record.kind.value, **record.model_dump(mode="json")}
    return hashlib.sha256(canonical_json(document).encode()).hexdigest()


def record_from_body(kind: RecordKind | str, body: str) -> Record:
    return cast("Record", RECORD_MODELS[RecordKind(kind)].model_validate_json(body))


def sortable_time(moment: datetime) -> str:
    """Fixed-width UTC timestamp: lexical order is time order (sort keys, GSI ranges).

    Naive datetimes are taken as UTC, the only zone EIS stores.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
