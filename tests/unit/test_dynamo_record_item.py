"""The DynamoDB record item, typed by hand, is the item boto3's serializer wrote before, for every kind."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from eis_core.models.records import Record, RecordKind
from eis_core.storage.codec import content_hash, record_body
from eis_core.storage.dynamodb import COMPLAINTS_LISTED, ROSTER_LISTED, DynamoRecordStore, _to_item
from tests.unit.record_samples import samples


def serialized(record: Record, digest: str, upload_id: str, ingested_at: str, version: int) -> dict[str, Any]:
    """The item as the adapter built it with boto3's TypeSerializer (None left out)."""
    occurred = getattr(record, "occurred_on", None)
    return _to_item(
        {
            "pk": record.record_key,
            "kind": record.kind.value,
            "officer_id": getattr(record, "officer_id", None),
            "body": record_body(record),
            "content_hash": digest,
            "upload_id": upload_id,
            "ingested_at": ingested_at,
            "rev": version,
            "roster_list": ROSTER_LISTED
            if record.kind is RecordKind.ROSTER
            else (COMPLAINTS_LISTED if record.kind is RecordKind.COMPLAINT else None),
            "occurred_on": occurred.isoformat() if isinstance(occurred, date) else None,
        }
    )


@pytest.mark.parametrize("kind", list(RecordKind))
def test_every_kind_is_written_as_the_serializer_wrote_it(kind: RecordKind) -> None:
    for version, record in enumerate(samples(kind), start=1):
        args = (record, content_hash(record), "upload-1", "2024-03-01T09:00:00.000000Z", version * 7)

        item = DynamoRecordStore._item(*args)

        assert item == serialized(*args)
        assert list(item) == list(serialized(*args))  # the same attributes, in the same order
