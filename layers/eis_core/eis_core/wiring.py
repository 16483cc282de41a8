"""Composition: the adapters a service needs, built once per function (AWS) or per test (memory).

Each function's service is then built by one factory next to it: ``eis_core.ingest.wiring``,
``eis_core.scoring.wiring``, ``eis_core.notify.wiring``, ``eis_core.cases.wiring``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import boto3
from botocore.config import Config

from eis_core.errors import ValidationFailed
from eis_core.settings import AgencyStack, AlertsTopic, NotifyPolicy, OperationsTopic
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
    VisitStore,
    WellnessStore,
)
from eis_core.storage.s3 import S3ArtifactStore
from eis_core.storage.visits import DynamoVisitStore, InMemoryVisitStore
from eis_core.storage.wellness import DynamoWellnessStore, InMemoryWellnessStore


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
    # The operations topic (retraining tells it of a model kept as a candidate); None where not configured.
    operations: Publisher | None = None
    # Wellness check-ins (eis_core.wellness): their own partition of the cases table, never a case.
    wellness: WellnessStore = field(default_factory=InMemoryWellnessStore)
    # Each portal user's last visit to their queue (eis_core.cases.visits): a partition of the cases table.
    visits: VisitStore = field(default_factory=InMemoryVisitStore)


class _NotConfigured:
    """The mailer or publisher of a function whose settings have no sender or topic: using it is refused."""

    def __init__(self, variable: str) -> None:
        self._variable = variable

    def send(self, *, to: Sequence[str], subject: str, body: str) -> str:
        raise ValidationFailed(f"this function sends no email (no {self._variable} in its settings)")

    def publish(self, message: dict[str, Any], *, subject: str) -> str:
        raise ValidationFailed(f"this function publishes no alerts (no {self._variable} in its settings)")


def aws_adapters(settings: AgencyStack, session: boto3.session.Session | None = None) -> Adapters:
    """Adapters on the agency's real (or moto) resources, from any function's settings.

    The mailer exists for settings with a sender (``NotifyPolicy``), the publisher for settings with
    the alerts topic (``AlertsTopic``); other functions get neither client. boto3 honours
    AWS_ENDPOINT_URL, which the local runtime points at its moto server.
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
        mailer=(
            SesMailer(session.client("ses", config=config), settings.sender_email)
            if isinstance(settings, NotifyPolicy)
            else _NotConfigured("EIS_SENDER_EMAIL")
        ),
        publisher=(
            SnsPublisher(session.client("sns", config=config), settings.alerts_topic_arn)
            if isinstance(settings, AlertsTopic)
            else _NotConfigured("EIS_ALERTS_TOPIC_ARN")
        ),
        audit_archive=S3ArtifactStore(s3, settings.audit_bucket),
        operations=(
            SnsPublisher(session.client("sns", config=config), settings.operations_topic_arn)
            if isinstance(settings, OperationsTopic) and settings.operations_topic_arn
            else None
        ),
        wellness=DynamoWellnessStore(dynamodb, settings.cases_table),
        visits=DynamoVisitStore(dynamodb, settings.cases_table),
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
        operations=CapturingPublisher(),
    )
