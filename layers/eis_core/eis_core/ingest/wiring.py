"""Composition of the ingest service on AWS (or the local moto endpoint) and in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from eis_core.ingest.idempotency import IdempotentIngest
from eis_core.ingest.mapping import load_mapping
from eis_core.ingest.service import IngestService
from eis_core.storage.uploads import ArtifactUploadReader
from eis_core.wiring import Adapters, aws_adapters

if TYPE_CHECKING:
    import boto3

    from eis_core.settings import AgencyStack


def ingest_service(adapters: Adapters, *, agency_id: str, actor: str) -> IngestService:
    """The service on in-memory adapters (tests, the CLI): uploads are read from ``adapters.uploads``."""
    return IngestService(
        agency_id=agency_id,
        uploads=ArtifactUploadReader(adapters.uploads),
        records=adapters.records,
        quarantine=adapters.quarantine,
        audit=adapters.audit,
        actor=actor,
        mapping=lambda: load_mapping(adapters.artifacts, agency_id),
    )


def aws_ingest(settings: AgencyStack, *, actor: str, session: boto3.session.Session | None = None) -> IdempotentIngest:
    """The ingest function's service: S3 streaming reads, DynamoDB stores and idempotency records.

    Every client comes from one session, so AWS_ENDPOINT_URL (the local moto server) reaches all of them.
    """
    import boto3
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    from eis_core.storage.uploads import S3UploadReader

    session = session or boto3.session.Session()
    adapters = aws_adapters(settings, session)
    service = IngestService(
        agency_id=settings.agency_id,
        uploads=S3UploadReader(session.client("s3"), settings.uploads_bucket),
        records=adapters.records,
        quarantine=adapters.quarantine,
        audit=adapters.audit,
        actor=actor,
        # Read on every upload, so a new mapping version applies without a redeploy.
        mapping=lambda: load_mapping(adapters.artifacts, settings.agency_id),
    )
    persistence = DynamoDBPersistenceLayer(table_name=settings.idempotency_table, boto3_session=session)
    return IdempotentIngest(service, uploads_bucket=settings.uploads_bucket, persistence=persistence)
