"""S3 upload -> ingest service. The upload contract is in ``eis_core.ingest``.

A rejected file is a normal outcome (its report says why; nothing to retry). Anything that raises,
such as a storage failure, fails the invocation so that S3's retries and the dead-letter queue apply.
"""

from __future__ import annotations

import functools
import os
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import S3Model
from aws_lambda_powertools.utilities.typing import LambdaContext

from eis_core.ingest import IdempotentIngest, UploadedObject
from eis_core.ingest.wiring import aws_ingest
from eis_core.settings import IngestSettings

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="EIS")  # explicit: a missing namespace would fail every invocation

SUMMARY_FIELDS = {
    "upload_id",
    "key",
    "kind",
    "report_key",
    "rejected",
    "rejection_code",
    "rejection_reason",
    "rows_read",
    "rows_accepted",
    "rows_quarantined",
}


@functools.cache
def _service() -> IdempotentIngest:
    # The service logs through the standard library: give those logs this function's JSON format.
    copy_config_to_registered_loggers(source_logger=logger, include={"eis_core"})
    settings = IngestSettings.from_env(os.environ)
    actor = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "eis-ingest")
    return aws_ingest(settings, actor=actor)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=S3Model)
def lambda_handler(event: S3Model, context: LambdaContext) -> dict[str, Any]:
    ingest = _service()
    ingest.register_lambda_context(context)
    reports: list[dict[str, Any]] = []
    for record in event.Records:
        s3_object = record.s3.object
        if s3_object is None or not record.eventName.startswith("ObjectCreated"):
            logger.info("not an object-created record; skipped", extra={"event_name": record.eventName})
            continue
        upload = UploadedObject(
            bucket=record.s3.bucket.name,
            key=unquote_plus(s3_object.key),
            etag=s3_object.eTag or None,
            version_id=s3_object.versionId or None,
        )
        report = ingest.ingest(upload, request_id=context.aws_request_id)
        metrics.add_metric(name="RowsAccepted", unit=MetricUnit.Count, value=report.rows_accepted)
        metrics.add_metric(name="RowsQuarantined", unit=MetricUnit.Count, value=report.rows_quarantined)
        metrics.add_metric(name="FilesRejected", unit=MetricUnit.Count, value=int(report.rejected))
        reports.append(report.model_dump(mode="json", include=SUMMARY_FIELDS))
    return {"reports": reports}
