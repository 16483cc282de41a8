"""The scoring run: load records, run the pipeline, store scores, raise or merge alerts, report.

Re-running a date is safe. Scores and the run id are deterministic (same records and parameters,
same values) and alert ids are deterministic too: an opaque keyed token of (agency, as_of, officer)
(see ``eis_core.scoring.alert_ids``), so a second run finds its alerts already stored and publishes
nothing. An alert stored before opaque ids, under its old id ``<as_of>-<officer>``, is found as well.
The one exception is recovery: the run report is written last, so when it is missing the previous
run stopped part-way, and alerts it stored as NEW are published again (at least once; the notifier
de-duplicates by alert id) rather than silently never notified.

An officer who already has an open case gets no new alert: the alert is stored as MERGED with the
case id, and appended to the case's alerts, so the case's evidence grows. It is published too: the
notifier tells the case's supervisor of the new evidence (not of a new alert).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict

from eis_core.audit.bounded import bounded
from eis_core.indicators.snapshot import FrameSnapshots
from eis_core.models.alerts import Alert, AlertStatus
from eis_core.models.audit import AuditEvent
from eis_core.models.messages import AlertCreated
from eis_core.models.peers import peer_stats_key
from eis_core.oversight.feedback import FeedbackCounter
from eis_core.oversight.keys import report_key as run_report_key
from eis_core.scoring.alert_ids import AlertIds
from eis_core.scoring.card import ModelCard
from eis_core.scoring.fairness import audit_groups, disparities, fairness_table
from eis_core.scoring.pipeline import Flagged, ScoringConfig, ScoringResult
from eis_core.scoring.population import score_population
from eis_core.scoring.scorer import ModelScorer, Scorer
from eis_core.scoring.store import ModelRepository
from eis_core.storage.ports import AlertStore, ArtifactStore, AuditLog, CaseStore, Publisher, RecordStore, ScoreStore

ACTOR = "eis-score"
ALERT_THREADS = 8
ALERT_SUBJECT = "alert.created"


def report_key(as_of: date) -> str:
    return run_report_key(as_of)


class RunSummary(BaseModel):
    """What one scoring run did."""

    model_config = ConfigDict(frozen=True)

    as_of: date
    run_id: str
    scoring_config_id: str
    trained_model_id: str | None
    model_id: str
    """Deprecated: the old name of ``scoring_config_id``."""
    officers_scored: int
    """In the population, plus those outside it scored for the record (never alerted)."""
    alerts_created: int
    alerts_merged: int
    alerts_existing: int
    alerts_published: int
    report_key: str
    officers_in_population: int | None = None
    """Officers in the spec's population on the run date: the only ones ranked and alerted."""
    officers_outside_population: int | None = None
    """On the roster but outside the population: never alerted."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ScoringService:
    def __init__(
        self,
        *,
        agency_id: str,
        records: RecordStore,
        scores: ScoreStore,
        alerts: AlertStore,
        cases: CaseStore,
        audit: AuditLog,
        artifacts: ArtifactStore,
        publisher: Publisher,
        config: ScoringConfig | None = None,
        scorer: Scorer | None = None,
        clock: Callable[[], datetime] = _utcnow,
        actor: str = ACTOR,
        alert_ids: AlertIds | None = None,
    ) -> None:
        self._agency_id = agency_id
        self._scores = scores
        self._alerts = alerts
        self._cases = cases
        self._audit = audit
        self._artifacts = artifacts
        self._publisher = publisher
        self._config = config or ScoringConfig()
        self._scorer = scorer
        self._models = ModelRepository(artifacts)
        self._frames = FrameSnapshots(records, artifacts)
        self._clock = clock
        self._actor = actor
        self._alert_ids = alert_ids or AlertIds(audit.key, agency_id)

    def run(self, as_of: date, *, request_id: str | None = None) -> RunSummary:
        """Score everyone on the roster as of ``as_of`` (records known strictly before it)."""
        frames = self._frames.load()
        history = frames.history
        scorer, scorer_note, card = self._choose_scorer()
        spec = self._models.spec()
        if isinstance(scorer, ModelScorer):
            rule, rule_source = scorer.model.spec.population, f"trained model {scorer.model.model_id}'s spec"
        else:
            rule, rule_source = spec.population, "the agency's model spec (models/spec.json, or the default)"
        result = score_population(
            frames.events,
            history,
            as_of,
            self._config,
            scorer,
            rule=rule,
            outside=spec.outside_population,
            rule_source=rule_source,
        )
        flagged_ids = {flag.officer_id for flag in result.flagged}
        scored = [score.officer_id for score in result.scores if score.in_population]
        groups = audit_groups(history.demographics.reindex(scored), as_of)
        fairness = fairness_table(pd.Series([o in flagged_ids for o in scored], index=scored, dtype=bool), groups)
        # Audited ahead of the change (docs/adr/0010): no score or alert is written before this record is.
        self._audit.append(
            AuditEvent(
                actor=self._actor,
                role="system",
                action="score.apply",
                target_type="score_run",
                target_id=result.run_id,
                agency_id=self._agency_id,
                request_id=request_id,
                detail={
                    "as_of": as_of.isoformat(),
                    "scoring_config_id": result.scoring_config_id,
                    "trained_model_id": result.trained_model_id,
                    "officers_scored": len(result.scores),
                    "flagged": len(result.flagged),
                    "report_key": report_key(as_of),
                },
            )
        )
        self._scores.put_scores(result.scores)
        if result.peer_stats is not None:  # for the officer snapshot (the case API reads, never recomputes)
            self._artifacts.put_json(peer_stats_key(as_of), result.peer_stats.model_dump(mode="json"))

        key = report_key(as_of)
        previous_run_finished = key in set(self._artifacts.keys(key))
        outcomes: Counter[str] = Counter()
        published: list[str] = []
        merged: list[str] = []
        # One officer per flag, so the alerts are independent: a large agency's thousands of flags take
        # four storage round trips each, which in sequence would dominate the run.
        with ThreadPoolExecutor(ALERT_THREADS) as pool:
            raised = list(pool.map(lambda flag: self._raise_alert(flag, result), result.flagged))
        for outcome, alert in raised:
            outcomes[outcome] += 1
            if outcome == "merged":
                merged.append(alert.alert_id)
            if outcome in ("created", "merged") or (
                outcome == "existing"
                and alert.status in (AlertStatus.NEW, AlertStatus.MERGED)
                and not previous_run_finished
            ):
                self._publish(alert)
                published.append(alert.alert_id)

        summary = RunSummary(
            as_of=as_of,
            run_id=result.run_id,
            scoring_config_id=result.scoring_config_id,
            trained_model_id=result.trained_model_id,
            model_id=result.scoring_config_id,
            officers_scored=len(result.scores),
            alerts_created=outcomes["created"],
            alerts_merged=outcomes["merged"],
            alerts_existing=outcomes["existing"],
            alerts_published=len(published),
            report_key=key,
            officers_in_population=result.population["in_population"],
            officers_outside_population=result.population["outside_population"],
        )
        report = self._report(result, summary, published, merged)
        report["scorer_note"] = scorer_note
        report["records"] = {
            "source": frames.source,
            "records_marker": frames.records_marker,
            "events": frames.events.size,
            "load_seconds": round(frames.seconds, 2),
        }
        report["fairness"] = {
            "note": "Flag rates by group in this run (error rates need outcomes: see the model's validation).",
            "groups": fairness,
            "disparities": disparities(fairness),
            "model_validation": None if card is None else card.temporal_validation.fairness,
        }
        # Reviewers' conclusions known before the run date, per rule and per model version.
        counted_before = datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC)
        report["feedback"] = FeedbackCounter(self._cases, self._alerts).count(counted_before).model_dump(mode="json")
        self._artifacts.put_json(key, report)
        self._audit.append(
            AuditEvent(
                actor=self._actor,
                role="system",
                action="score.run",
                target_type="score_run",
                target_id=result.run_id,
                agency_id=self._agency_id,
                request_id=request_id,
                # A run merging thousands of alerts keeps their ids in the report; the record, their hash.
                detail=bounded(summary.model_dump(mode="json") | {"merged_alert_ids": merged}, object_key=key),
            )
        )
        return summary

    def _choose_scorer(self) -> tuple[Scorer | None, str, ModelCard | None]:
        """The injected scorer, else the agency's current trained model, else the foundation scorer."""
        if self._scorer is not None:
            return self._scorer, f"scorer '{self._scorer.name}' supplied by the caller", None
        model = self._models.load()
        if model is None:
            return None, "no trained model in the artifacts bucket: used the foundation (peer-relative) scorer", None
        return model, f"current trained model {model.model.model_id} (sha256 verified)", model.model.card

    def _raise_alert(self, flag: Flagged, result: ScoringResult) -> tuple[str, Alert]:
        """Store the alert for a flagged officer: 'created', 'merged' into an open case, or 'existing'."""
        alert_id = self._alert_ids.make(flag.officer_id, result.as_of)
        existing = self._alerts.get_alert(alert_id) or self._alerts.get_alert(
            Alert.legacy_id(flag.officer_id, result.as_of)  # stored before opaque ids: keep it, make no second
        )
        if existing is not None:
            if existing.status is AlertStatus.MERGED and existing.case_id is not None:
                self._attach_to_case(existing.case_id, existing.alert_id)  # finishes a merge a crash interrupted
            return "existing", existing

        case = self._cases.open_case_for(flag.officer_id)
        alert = Alert(
            alert_id=alert_id,
            officer_id=flag.officer_id,
            as_of=result.as_of,
            run_id=result.run_id,
            scoring_config_id=result.scoring_config_id,
            trained_model_id=result.trained_model_id,
            model_id=result.scoring_config_id,
            created_at=self._clock(),
            level=flag.level,
            score=flag.score,
            rules=flag.rules,
            factors=flag.factors,
            explanation=flag.explanation,
            status=AlertStatus.NEW if case is None else AlertStatus.MERGED,
            case_id=None if case is None else case.case_id,
        )
        if not self._alerts.create_alert(alert):
            # Another run stored it between our read and write: theirs stands.
            stored = self._alerts.get_alert(alert_id)
            return "existing", stored or alert
        if case is None:
            return "created", alert
        self._attach_to_case(case.case_id, alert_id)
        return "merged", alert

    def _attach_to_case(self, case_id: str, alert_id: str) -> None:
        case = self._cases.get_case(case_id)
        if case is not None and alert_id not in case.alert_ids:
            self._cases.add_alert(case_id, alert_id)

    def _publish(self, alert: Alert) -> None:
        message = AlertCreated(agency_id=self._agency_id, alert_id=alert.alert_id, level=alert.level.value)
        self._publisher.publish(message.model_dump(mode="json"), subject=ALERT_SUBJECT)

    def _report(
        self, result: ScoringResult, summary: RunSummary, published: list[str], merged: list[str]
    ) -> dict[str, Any]:
        levels = Counter(flag.level.value for flag in result.flagged)
        return {
            "as_of": result.as_of.isoformat(),
            "run_id": result.run_id,
            "model_id": result.scoring_config_id,
            "scoring_config_id": result.scoring_config_id,
            "trained_model_id": result.trained_model_id,
            "scorer": result.scorer,
            "generated_at": self._clock().isoformat(),
            "counts": {
                "officers_scored": summary.officers_scored,
                "officers_in_population": summary.officers_in_population,
                "officers_outside_population": summary.officers_outside_population,
                "flagged": len(result.flagged),
                "flagged_by_level": dict(sorted(levels.items())),
                "alerts_created": summary.alerts_created,
                "alerts_merged": summary.alerts_merged,
                "alerts_existing": summary.alerts_existing,
                "alerts_published": summary.alerts_published,
            },
            "rules_fired": result.rules_fired,
            "population": result.population,
            "peer_group_levels": result.peer_levels,
            "published_alert_ids": published,
            "merged_alert_ids": merged,
            "recognition": result.recognition,
            "parameters": result.parameters,
        }
