"""The audit export on moto: new records to the Object-Lock audit bucket as one segment, never twice."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from eis_core.audit.export import STATE_KEY, AuditChainBrokenError, AuditExporter, run_audit_export
from eis_core.errors import StorageError
from eis_core.models.audit import GENESIS_HASH, AuditEvent
from eis_core.storage.memory import InMemoryArtifactStore
from eis_core.wiring import Adapters, aws_adapters, memory_adapters
from eis_tools.local.resources import LocalSettings
from tests.builders import audit_event

AGENCY = "testville"


def _event(n: int) -> AuditEvent:
    return audit_event(
        "api.get./alerts",
        actor="sub-risk",
        role="risk_manager",
        target_type="api",
        target_id=f"/alerts/{n}",
        detail={"status_code": 200, "n": n},
    )


def append(adapters: Adapters, count: int) -> None:
    for n in range(count):
        adapters.audit.append(_event(n))


@pytest.fixture
def adapters(settings: LocalSettings) -> Adapters:
    """Given the agency's audit bucket with Object Lock (compliance mode), as the stack creates it."""
    s3 = boto3.client("s3")
    s3.delete_bucket(Bucket=settings.audit_bucket)
    s3.create_bucket(Bucket=settings.audit_bucket, ObjectLockEnabledForBucket=True)
    s3.put_object_lock_configuration(
        Bucket=settings.audit_bucket,
        ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "COMPLIANCE", "Days": 2557}},
        },
    )
    return aws_adapters(settings)


def archived(settings: LocalSettings) -> dict[str, list[dict[str, Any]]]:
    """Every object version in the audit bucket, by key."""
    versions: list[Any] = boto3.client("s3").list_object_versions(Bucket=settings.audit_bucket).get("Versions", [])
    found: dict[str, list[dict[str, Any]]] = {}
    for version in versions:
        found.setdefault(version["Key"], []).append(version)
    return found


def read(settings: LocalSettings, key: str) -> bytes:
    body: bytes = boto3.client("s3").get_object(Bucket=settings.audit_bucket, Key=key)["Body"].read()
    return body


def test_new_records_are_exported_as_one_segment_with_a_manifest(adapters: Adapters, settings: LocalSettings) -> None:
    append(adapters, 5)

    summary = run_audit_export(adapters, settings)

    key = "audit/testville/000000000001-000000000005.jsonl"
    manifest_key = "audit/testville/000000000001-000000000005.manifest.json"
    assert set(archived(settings)) == {key, manifest_key}
    lines = read(settings, key).decode().splitlines()
    assert [json.loads(line)["seq"] for line in lines] == [1, 2, 3, 4, 5]
    records = adapters.audit.records(since_seq=0, limit=10)
    manifest = json.loads(read(settings, manifest_key))
    assert manifest == manifest | {"from_seq": 1, "to_seq": 5, "count": 5, "prev_hash": GENESIS_HASH}
    assert manifest["head_hash"] == records[-1].hash == summary.head_hash
    assert (summary.exported, summary.head_seq) == (5, 5)
    state = adapters.artifacts.get_json(STATE_KEY)
    assert (state["last_seq"], state["last_hash"], state["pending_to_seq"]) == (5, records[-1].hash, None)


def test_a_rerun_with_nothing_new_writes_nothing(adapters: Adapters, settings: LocalSettings) -> None:
    append(adapters, 3)
    run_audit_export(adapters, settings)
    before = archived(settings)

    again = run_audit_export(adapters, settings)

    assert again.segments == [] and again.exported == 0 and again.head_seq == 3
    assert archived(settings) == before


def test_the_next_export_continues_the_chain_where_the_last_ended(adapters: Adapters, settings: LocalSettings) -> None:
    append(adapters, 3)
    first = run_audit_export(adapters, settings)
    append(adapters, 2)

    second = run_audit_export(adapters, settings)

    [segment] = second.segments
    assert (segment.from_seq, segment.to_seq) == (4, 5)
    manifest = json.loads(read(settings, segment.manifest_key))
    assert manifest["prev_hash"] == first.head_hash  # the segments chain onto each other
    assert all(len(versions) == 1 for versions in archived(settings).values())  # nothing overwritten


def test_a_tampered_record_fails_the_export_loudly_and_nothing_is_written(
    adapters: Adapters, settings: LocalSettings
) -> None:
    append(adapters, 4)
    # Someone with table access rewrites history before it was exported.
    boto3.client("dynamodb").update_item(
        TableName=settings.audit_table,
        Key={"chain": {"S": AGENCY}, "seq": {"N": "3"}},
        UpdateExpression="SET #a = :a",
        ExpressionAttributeNames={"#a": "action"},
        ExpressionAttributeValues={":a": {"S": "api.get./nothing-to-see"}},
    )

    with pytest.raises(AuditChainBrokenError, match="record 3 was altered"):
        run_audit_export(adapters, settings)

    assert archived(settings) == {}
    assert list(adapters.artifacts.keys("audit-export/")) == []


def test_a_changed_last_exported_record_stops_the_next_export(adapters: Adapters, settings: LocalSettings) -> None:
    append(adapters, 2)
    run_audit_export(adapters, settings)
    append(adapters, 1)
    # The exported head is deleted and replaced in the table: the new record no longer links to the export.
    boto3.client("dynamodb").update_item(
        TableName=settings.audit_table,
        Key={"chain": {"S": AGENCY}, "seq": {"N": "2"}},
        UpdateExpression="SET #h = :h",
        ExpressionAttributeNames={"#h": "hash"},
        ExpressionAttributeValues={":h": {"S": "f" * 64}},
    )

    with pytest.raises(AuditChainBrokenError, match="record 2, the last one exported"):
        run_audit_export(adapters, settings)

    assert len(archived(settings)) == 2  # only the first segment and its manifest


def test_a_long_trail_is_exported_in_bounded_segments(settings: LocalSettings, adapters: Adapters) -> None:
    append(adapters, 5)

    summary = AuditExporter(
        adapters.audit, adapters.audit_archive, adapters.artifacts, AGENCY, max_segment_records=2
    ).export()

    assert [(s.from_seq, s.to_seq) for s in summary.segments] == [(1, 2), (3, 4), (5, 5)]
    assert summary.exported == 5 and len(archived(settings)) == 6


class _FailingOnManifest(InMemoryArtifactStore):
    """An archive that fails (like a timeout) on the first manifest write."""

    def __init__(self) -> None:
        super().__init__()
        self.fail = True

    def put_new(self, key: str, body: bytes, *, content_type: str = "application/octet-stream") -> bool:
        if self.fail and key.endswith(".manifest.json"):
            self.fail = False
            raise StorageError("timed out")
        return super().put_new(key, body, content_type=content_type)


def test_an_interrupted_export_is_finished_with_the_same_range_by_the_next_run() -> None:
    memory = memory_adapters(AGENCY)
    append(memory, 3)
    archive = _FailingOnManifest()
    exporter = AuditExporter(memory.audit, archive, memory.artifacts, AGENCY)
    with pytest.raises(StorageError):
        exporter.export()
    append(memory, 2)  # records keep arriving before the retry

    retried = exporter.export()

    assert [(s.from_seq, s.to_seq) for s in retried.segments] == [(1, 3), (4, 5)]
    assert sorted(archive.objects) == [
        "audit/testville/000000000001-000000000003.jsonl",
        "audit/testville/000000000001-000000000003.manifest.json",
        "audit/testville/000000000004-000000000005.jsonl",
        "audit/testville/000000000004-000000000005.manifest.json",
    ]
