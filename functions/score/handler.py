"""Score: EventBridge schedule (or an on-demand event) -> eis_core scoring service.

The scoring date is ``detail.as_of`` when given (on-demand runs and backfills send
``{"as_of": "2025-06-01"}``), otherwise the UTC date of the event's time. Re-delivering the same
event re-runs the same date, which stores nothing new and notifies nobody twice.
"""

from __future__ import annotations

import functools
import os
from datetime import date
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from eis_core.scoring.pipeline import ScoringConfig
from eis_core.scoring.service import ScoringService
from eis_core.settings import Settings
from eis_core.wiring import aws_adapters

logger = Logger()
tracer = Tracer()
metrics = Metrics()


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = None


class ScoreEvent(EventBridgeModel):
    detail: ScoreRequest


@functools.cache
def _service() -> ScoringService:
    settings = Settings.from_env(os.environ)
    adapters = aws_adapters(settings)
    return ScoringService(
        agency_id=settings.agency_id,
        records=adapters.records,
        scores=adapters.scores,
        alerts=adapters.alerts,
        cases=adapters.cases,
        audit=adapters.audit,
        artifacts=adapters.artifacts,
        publisher=adapters.publisher,
        config=ScoringConfig().with_top_share(settings.alert_top_share),
        actor=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "eis-score"),
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ScoreEvent)
def lambda_handler(event: ScoreEvent, context: LambdaContext) -> dict[str, Any]:
    as_of = event.detail.as_of or event.time.date()
    logger.info("scoring run", extra={"as_of": as_of.isoformat(), "event_id": event.id})
    summary = _service().run(as_of, request_id=context.aws_request_id)
    metrics.add_metric(name="OfficersScored", unit=MetricUnit.Count, value=summary.officers_scored)
    metrics.add_metric(name="AlertsCreated", unit=MetricUnit.Count, value=summary.alerts_created)
    metrics.add_metric(name="AlertsMerged", unit=MetricUnit.Count, value=summary.alerts_merged)
    logger.info("scoring run done", extra=summary.model_dump(mode="json"))
    return summary.model_dump(mode="json")
