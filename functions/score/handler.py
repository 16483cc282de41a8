"""Score: EventBridge schedule (or an on-demand event) -> eis_core scoring or retraining service.

The scoring date is ``detail.as_of`` when given (on-demand runs and backfills send
``{"as_of": "2025-06-01"}``), otherwise the UTC date of the event's time. Re-delivering the same
event re-runs the same date, which stores nothing new and notifies nobody twice.

``{"job": "audit-export"}`` (its own schedule) appends the audit records written since the last export
to the agency's Object-Lock audit bucket; a rerun with nothing new writes nothing.

``{"job": "curate"}`` (scheduled after the night's uploads, before scoring) rebuilds the frames snapshot
the scoring and retraining jobs read (``eis_core.indicators.snapshot``), so the daily run does not scan
and parse every record; a run that finds the snapshot stale rebuilds it itself.

``{"job": "wellness"}`` runs only the wellness step, which every scoring run also ends with: supportive
check-ins to the wellness coordinator (``eis_core.wellness``), apart from alerts and cases.

``{"job": "retrain"}`` (a separate schedule, or on demand) trains a new model on every label window
that ends by ``as_of`` (default: the event's date) and makes it the current model unless the promotion
gate keeps it as a candidate (then the operations topic is told); daily scoring loads the current one.
Before deciding, it backtests the latest full year and stores the report; a candidate that does not beat
the agency's threshold rule there is kept back unless ``promotion_backtest`` says otherwise.
Retrying it stores the same model again under the same id.

``{"job": "backtest"}`` (on demand, with ``"test_year"`` for another year; every retraining runs it on
the latest full year) backtests the agency's own records and writes the report where risk managers and
auditors read it through the case API (``eis_core.scoring.backtest_job``).
"""

from __future__ import annotations

import functools
import os
from datetime import date
from typing import Any, Literal

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from eis_core.scoring.wiring import ScoringJobs, build_scoring_jobs
from eis_core.settings import ScoreSettings
from eis_core.wiring import aws_adapters

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="EIS")  # explicit: a missing namespace would fail every invocation


class ScoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: date | None = None
    job: Literal["score", "retrain", "audit-export", "curate", "backtest", "wellness"] = "score"
    test_year: int | None = Field(default=None, ge=1900, le=2200, description="backtest: default the latest full year")


class ScoreEvent(EventBridgeModel):
    detail: ScoreRequest


@functools.cache
def _service() -> ScoringJobs:
    settings = ScoreSettings.from_env(os.environ)  # cold start: a missing variable fails here, named
    return build_scoring_jobs(
        aws_adapters(settings),
        agency_id=settings.agency_id,
        policy=settings,
        actor=os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "eis-score"),
    )


def _publish_trends(as_of: date) -> None:
    """Refresh the trends report after the run; a failure is logged, never undoes the run's stored alerts."""
    trends = _service().trends
    if trends is None:
        return
    try:
        published = trends.publish(as_of)
    except Exception:
        logger.exception("trends report failed; the scoring run itself completed")
        metrics.add_metric(name="TrendsReportFailed", unit=MetricUnit.Count, value=1)
        return
    logger.info("trends report", extra=published.model_dump(mode="json"))


def _wellness_step(as_of: date, request_id: str) -> dict[str, Any] | None:
    """Wellness check-ins after the risk run, apart from it (``eis_core.wellness.checkins``)."""
    job = _service().wellness
    if job is None:
        return None
    summary = job.run(as_of, request_id=request_id)
    metrics.add_metric(name="WellnessCheckInsCreated", unit=MetricUnit.Count, value=summary.checkins_created)
    return summary.model_dump(mode="json")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
@event_parser(model=ScoreEvent)
def lambda_handler(event: ScoreEvent, context: LambdaContext) -> dict[str, Any]:
    as_of = event.detail.as_of or event.time.date()
    if event.detail.job == "audit-export":
        exported = _service().export_audit()
        metrics.add_metric(name="AuditRecordsExported", unit=MetricUnit.Count, value=exported.exported)
        logger.info("audit export done", extra=exported.model_dump(mode="json"))
        return exported.model_dump(mode="json")
    if event.detail.job == "curate":
        frames = _service().snapshots.rebuild()
        built = {"events": frames.events.size, "records_marker": frames.records_marker, "seconds": frames.seconds}
        metrics.add_metric(name="FramesSnapshotSeconds", unit=MetricUnit.Seconds, value=frames.seconds)
        logger.info("frames snapshot rebuilt", extra=built)
        return built
    if event.detail.job == "backtest":
        report = _service().backtest.run(as_of, test_year=event.detail.test_year, request_id=context.aws_request_id)
        metrics.add_metric(name="BacktestsRun", unit=MetricUnit.Count, value=1)
        logger.info("backtest done", extra={"test_year": report.test_year, "model_id": report.trained_model_id})
        return {"test_year": report.test_year, "report_key": report.markdown_key, "not_beaten": report.not_beaten}
    if event.detail.job == "retrain":
        logger.info("retraining", extra={"cutoff": as_of.isoformat(), "event_id": event.id})
        trained = _service().retraining.run(as_of, request_id=context.aws_request_id)
        metrics.add_metric(name="ModelsTrained", unit=MetricUnit.Count, value=1)
        if not trained.promoted:  # the promotion gate kept it as a candidate; operations were told
            metrics.add_metric(name="ModelsKeptAsCandidates", unit=MetricUnit.Count, value=1)
        logger.info("retraining done", extra=trained.model_dump(mode="json"))
        return trained.model_dump(mode="json")
    if event.detail.job == "wellness":  # the wellness step alone (on demand); the daily run ends with it
        return _wellness_step(as_of, context.aws_request_id) or {}
    logger.info("scoring run", extra={"as_of": as_of.isoformat(), "event_id": event.id})
    summary = _service().scoring.run(as_of, request_id=context.aws_request_id)
    wellness = _wellness_step(as_of, context.aws_request_id)
    metrics.add_metric(name="OfficersScored", unit=MetricUnit.Count, value=summary.officers_scored)
    metrics.add_metric(name="AlertsCreated", unit=MetricUnit.Count, value=summary.alerts_created)
    metrics.add_metric(name="AlertsMerged", unit=MetricUnit.Count, value=summary.alerts_merged)
    _publish_trends(as_of)
    logger.info("scoring run done", extra=summary.model_dump(mode="json"))
    return summary.model_dump(mode="json") | ({"wellness": wellness} if wellness is not None else {})
