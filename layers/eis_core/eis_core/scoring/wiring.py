"""Composition of the score function's jobs: one factory for the handler, the tests, the CLI and benchmarks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from eis_core.audit.export import AuditExporter, ExportSummary
from eis_core.indicators.snapshot import FrameSnapshots
from eis_core.reports.trends_job import TrendsJob
from eis_core.scoring.backtest_job import BacktestJob
from eis_core.scoring.pipeline import ScoringConfig
from eis_core.scoring.service import ACTOR as SCORING_ACTOR
from eis_core.scoring.service import ScoringService
from eis_core.scoring.training import ACTOR as RETRAINING_ACTOR
from eis_core.scoring.training import RetrainingService
from eis_core.settings import ScorePolicy, WellnessPolicy
from eis_core.wellness.checkins import WellnessJob
from eis_core.wellness.thresholds import WellnessThresholds
from eis_core.wiring import Adapters


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ScoringJobs:
    """The score function's jobs over one set of adapters: one composition root, reset by one cache_clear."""

    scoring: ScoringService
    retraining: RetrainingService
    snapshots: FrameSnapshots
    export_audit: Callable[[], ExportSummary]
    backtest: BacktestJob
    trends: TrendsJob | None = None
    """The agency trends report the case API serves (``GET /reports/trends``), refreshed after a run."""
    # The wellness step (eis_core.wellness.checkins): after scoring, apart from it; never a model input.
    wellness: WellnessJob | None = None


def scoring_config(policy: ScorePolicy) -> ScoringConfig:
    """The default scoring configuration with the agency's alert share and rule thresholds."""
    return ScoringConfig().with_top_share(policy.alert_top_share).with_rule_thresholds(policy.rule_thresholds)


def build_scoring_jobs(
    adapters: Adapters,
    *,
    agency_id: str,
    policy: ScorePolicy | None = None,
    actor: str | None = None,
    config: ScoringConfig | None = None,
    clock: Callable[[], datetime] | None = None,
) -> ScoringJobs:
    """Scoring, retraining, the frames snapshot and the audit export for one agency.

    ``config`` replaces the one built from ``policy`` (tests and benchmarks that shape the run);
    ``actor`` names who the audit records (default: each service's own name); ``clock`` fixes "now".
    """
    clock = clock or _utcnow
    scoring = ScoringService(
        agency_id=agency_id,
        records=adapters.records,
        scores=adapters.scores,
        alerts=adapters.alerts,
        cases=adapters.cases,
        audit=adapters.audit,
        artifacts=adapters.artifacts,
        publisher=adapters.publisher,
        config=config if config is not None else scoring_config(policy or ScorePolicy()),
        clock=clock,
        actor=actor or SCORING_ACTOR,
    )
    retraining = RetrainingService(
        agency_id=agency_id,
        records=adapters.records,
        artifacts=adapters.artifacts,
        audit=adapters.audit,
        clock=clock,
        actor=actor or RETRAINING_ACTOR,
        cases=adapters.cases,
        alerts=adapters.alerts,
        operations=adapters.operations,
        promotion_margin=(policy or ScorePolicy()).promotion_margin,
        promotion_backtest=(policy or ScorePolicy()).promotion_backtest,
    )
    exporter = AuditExporter(adapters.audit, adapters.audit_archive, adapters.artifacts, agency_id)
    return ScoringJobs(
        scoring=scoring,
        retraining=retraining,
        snapshots=FrameSnapshots(adapters.records, adapters.artifacts),
        export_audit=exporter.export,
        backtest=BacktestJob(
            agency_id=agency_id,
            records=adapters.records,
            artifacts=adapters.artifacts,
            audit=adapters.audit,
            clock=clock,
            **({"actor": actor} if actor else {}),
        ),
        trends=TrendsJob(
            agency_id=agency_id,
            records=adapters.records,
            alerts=adapters.alerts,
            cases=adapters.cases,
            artifacts=adapters.artifacts,
            clock=clock,
        ),
        wellness=WellnessJob(
            agency_id=agency_id,
            records=adapters.records,
            store=adapters.wellness,
            publisher=adapters.publisher,
            audit=adapters.audit,
            thresholds=policy.wellness_thresholds if isinstance(policy, WellnessPolicy) else WellnessThresholds(),
            notify_supervisor=isinstance(policy, WellnessPolicy) and policy.wellness_notify_supervisor,
            clock=clock,
        ),
    )
