"""Composition: the adapters a service needs, built once per function (AWS) or per test (memory)."""

from __future__ import annotations

from dataclasses import dataclass

import boto3
from botocore.config import Config

from eis_core.settings import Settings
from eis_core.storage.dynamodb import (
    DynamoAlertStore,
    DynamoAuditLog,
    DynamoCaseStore,
    DynamoRecordStore,
    DynamoScoreStore,
)
from eis_core.storage.kms import KmsAuditKey
from eis_core.storage.memory import (
    CapturingMailer,
    CapturingPublisher,
    InMemoryAlertStore,
    InMemoryArtifactStore,
    InMemoryAuditLog,
    InMemoryCaseStore,
    InMemoryRecordStore,
    InMemoryScoreStore,
    LocalAuditKey,
)
from eis_core.storage.messaging import SesMailer, SnsPublisher
from eis_core.storage.ports import (
    AlertStore,
    ArchiveStore,
    ArtifactStore,
    AuditLog,
    CaseStore,
    Mailer,
    Publisher,
    RecordStore,
    ScoreStore,
)
from eis_core.storage.s3 import S3ArtifactStore


@dataclass(frozen=True)
class Adapters:
    records: RecordStore
    scores: ScoreStore
    alerts: AlertStore
    cases: CaseStore
    audit: AuditLog
    uploads: ArtifactStore
    quarantine: ArtifactStore
    artifacts: ArtifactStore
    mailer: Mailer
    publisher: Publisher
    # The Object-Lock audit bucket: exported audit segments, written once (see eis_core.audit.export).
    audit_archive: ArchiveStore


def aws_adapters(settings: Settings, session: boto3.session.Session | None = None) -> Adapters:
    """Adapters on the agency's real (or moto) resources.

    boto3 honours AWS_ENDPOINT_URL, which the local runtime points at its moto server.
    """
    session = session or boto3.session.Session()
    # Standard retries back off on throttling; short connect and bounded read timeouts keep a Lambda
    # from spending its whole budget on one stuck call.
    config = Config(
        retries={"mode": "standard", "max_attempts": 5},
        connect_timeout=5,
        read_timeout=30,
        tcp_keepalive=True,
    )
    dynamodb = session.client("dynamodb", config=config)
    s3 = session.client("s3", config=config)
    return Adapters(
        records=DynamoRecordStore(dynamodb, settings.records_table),
        scores=DynamoScoreStore(dynamodb, settings.scores_table),
        alerts=DynamoAlertStore(dynamodb, settings.alerts_table),
        cases=DynamoCaseStore(dynamodb, settings.cases_table),
        audit=DynamoAuditLog(
            dynamodb,
            settings.audit_table,
            chain=settings.agency_id,
            key=KmsAuditKey(session.client("kms", config=config), settings.audit_key_id),
        ),
        uploads=S3ArtifactStore(s3, settings.uploads_bucket),
        quarantine=S3ArtifactStore(s3, settings.quarantine_bucket),
        artifacts=S3ArtifactStore(s3, settings.artifacts_bucket),
        mailer=SesMailer(session.client("ses", config=config), settings.sender_email),
        publisher=SnsPublisher(session.client("sns", config=config), settings.alerts_topic_arn),
        audit_archive=S3ArtifactStore(s3, settings.audit_bucket),
    )


def memory_adapters(agency_id: str, *, audit_key: LocalAuditKey | None = None) -> Adapters:
    """Fresh in-memory adapters; the mailer and publisher capture what would be sent.

    The audit log signs with ``audit_key``, or a fresh random key of its own.
    """
    return Adapters(
        records=InMemoryRecordStore(),
        scores=InMemoryScoreStore(),
        alerts=InMemoryAlertStore(),
        cases=InMemoryCaseStore(),
        audit=InMemoryAuditLog(agency_id, key=audit_key),
        uploads=InMemoryArtifactStore(),
        quarantine=InMemoryArtifactStore(),
        artifacts=InMemoryArtifactStore(),
        mailer=CapturingMailer(),
        publisher=CapturingPublisher(),
        audit_archive=InMemoryArtifactStore(),
    )
