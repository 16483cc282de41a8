"""Exactly-once ingest per object version, on top of Powertools Idempotency.

S3 may deliver an event more than once, and redelivery must change nothing: no second report,
no second audit record. The idempotency key is the object's identity (bucket, key, ETag, version),
so a new version of the same key is ingested, while a redelivered event gets the stored report.
A run that raises leaves no idempotency record, so the retry runs again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from aws_lambda_powertools.utilities.idempotency import (
    BasePersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer
from pydantic import BaseModel, ConfigDict

from eis_core.errors import ValidationFailed
from eis_core.ingest.service import IngestService
from eis_core.models.uploads import UploadReport

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext

# Long enough to cover S3's own redelivery window (hours); a deliberate re-upload is a new version anyway.
IDEMPOTENCY_TTL_SECONDS = 7 * 24 * 3600
IDEMPOTENCY_KEY_PREFIX = "eis-ingest"


class UploadedObject(BaseModel):
    """One version of one uploaded object, as named by an S3 event; the idempotency key."""

    model_config = ConfigDict(frozen=True)

    bucket: str
    key: str
    etag: str | None = None
    version_id: str | None = None


class IdempotentIngest:
    def __init__(
        self,
        service: IngestService,
        *,
        uploads_bucket: str,
        persistence: BasePersistenceLayer,
        expires_after_seconds: int = IDEMPOTENCY_TTL_SECONDS,
    ) -> None:
        self._service = service
        self._uploads_bucket = uploads_bucket
        self._config = IdempotencyConfig(expires_after_seconds=expires_after_seconds)
        self._ingest_once = idempotent_function(
            self._ingest,
            data_keyword_argument="upload",
            persistence_store=persistence,
            config=self._config,
            output_serializer=PydanticSerializer(UploadReport),
            key_prefix=IDEMPOTENCY_KEY_PREFIX,
        )

    def register_lambda_context(self, context: LambdaContext) -> None:
        """Lets an interrupted run's in-progress marker expire with the invocation's timeout."""
        self._config.register_lambda_context(context)

    def ingest(self, upload: UploadedObject, *, request_id: str | None = None) -> UploadReport:
        if upload.bucket != self._uploads_bucket:
            # A wiring mistake, not bad data: fail loudly so the event lands in the dead-letter queue.
            raise ValidationFailed(
                f"event for bucket '{upload.bucket}' reached the ingest function of '{self._uploads_bucket}'"
            )
        return cast(UploadReport, self._ingest_once(upload=upload, request_id=request_id))

    def _ingest(self, *, upload: UploadedObject, request_id: str | None) -> UploadReport:
        report = self._service.ingest_object(
            key=upload.key, etag=upload.etag, version_id=upload.version_id, request_id=request_id
        )
        return compact(report)


KEPT_ITEMS = 50
KEPT_CHARACTERS = 2000


def compact(report: UploadReport) -> UploadReport:
    """The report as the idempotency store keeps it (one DynamoDB item, 400 KB at most): long lists and texts
    cut short. The whole report stays in the report object (``report_key``); a very wide header's dropped
    columns once made the store refuse the item after the rows were applied."""
    return report.model_copy(
        update={
            "dropped_columns": report.dropped_columns[:KEPT_ITEMS],
            "warnings": [warning[:KEPT_CHARACTERS] for warning in report.warnings[:KEPT_ITEMS]],
            "rejection_reason": report.rejection_reason and report.rejection_reason[:KEPT_CHARACTERS],
        }
    )
