"""Serialisation shared by the adapters, so in-memory and DynamoDB stores agree on identity and order."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import cast

from eis_core.models.records import RECORD_MODELS, Record, RecordKind

# One encoder, built once: json.dumps with these options builds a new one on every call.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def canonical_json(document: object) -> str:
    return _CANONICAL.encode(document)


def record_body(record: Record) -> str:
    return record.model_dump_json()


def content_hash(record: Record) -> str:
    """Same content, same hash, whatever the field order: a re-sent record is 'unchanged'.

    The hash is stored with every record (DynamoDB ``content_hash``), so its value must never change:
    it is the SHA-256 of the canonical JSON of ``{"kind": ..., **record.model_dump(mode="json")}``.
    A record's field values (text, codes, dates, numbers, booleans, decimals) already encode to that
    same JSON (a code is a ``str``, ``default=str`` writes a date or a decimal as pydantic's JSON mode
    does, and a float as its ``repr`` either way), so they are encoded directly, without the dump.
    """
    values = record.__dict__
    return hashlib.sha256(_CANONICAL.encode({"kind": record.kind.value, **values}).encode()).hexdigest()


def record_from_body(kind: RecordKind | str, body: str) -> Record:
    return cast("Record", RECORD_MODELS[RecordKind(kind)].model_validate_json(body))


def sortable_time(moment: datetime) -> str:
    """Fixed-width UTC timestamp: lexical order is time order (sort keys, GSI ranges).

    Naive datetimes are taken as UTC, the only zone EIS stores.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
