"""The deployed backtest, on the agency's own records: run by every retraining before it promotes a model,
and on demand by ``{"job": "backtest"}`` on the score function (with ``"test_year"`` for another year).

It trains a model before the latest test year whose whole outcome window the data covers, scores that
year's Jan 1, and compares it with the agency's rule and the other baselines, exactly as
``eis backtest --agency ID`` does from the agency's store. The report goes to the artifacts bucket
(``reports/backtests/<year>/report.json`` and ``report.md``), where risk managers and auditors read it
through the case API (``GET /reports/backtests``). A retried job writes the same report again. The
retraining job runs it through ``run_on`` on the spec and frame it has already loaded, and its promotion
gate reads the verdict at the rule's flag count (``eis_core.scoring.backtest_gate``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from eis_core.errors import ValidationFailed
from eis_core.indicators.history import HistoryFrame
from eis_core.models.audit import AuditEvent
from eis_core.models.oversight import BacktestReport
from eis_core.oversight.keys import backtest_key
from eis_core.scoring.backtest import DATA_END_GRACE_DAYS, backtest_year, render_report
from eis_core.scoring.baselines import verdicts
from eis_core.scoring.inputs import TrainingInputs, TrainingInputsLoader
from eis_core.scoring.spec import ModelSpec
from eis_core.storage.ports import ArtifactStore, AuditLog, RecordStore

ACTOR = "eis-backtest"


def latest_full_year(frame: HistoryFrame, spec: ModelSpec, as_of: date) -> int:
    """The latest test year whose outcome window has ended by ``as_of`` and is covered by the records."""
    data_end = min(as_of, frame.last_event_day() + timedelta(days=DATA_END_GRACE_DAYS))
    year = as_of.year
    while year > 1900 and spec.window_end(date(year, 1, 1)) > data_end:
        year -= 1
    return year


class BacktestJob:
    def __init__(
        self,
        *,
        agency_id: str,
        records: RecordStore,
        artifacts: ArtifactStore,
        audit: AuditLog,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        actor: str = ACTOR,
    ) -> None:
        self._agency_id = agency_id
        self._artifacts = artifacts
        self._inputs = TrainingInputsLoader(records, artifacts)
        self._audit = audit
        self._clock = clock
        self._actor = actor

    def run(self, as_of: date, *, test_year: int | None = None, request_id: str | None = None) -> BacktestReport:
        """Backtest ``test_year`` (default: the latest full year before ``as_of``) and store the report."""
        inputs = self._inputs.load()
        return self.run_on(inputs, as_of, test_year=test_year, request_id=request_id)

    def run_on(
        self,
        inputs: TrainingInputs,
        as_of: date,
        *,
        test_year: int | None = None,
        request_id: str | None = None,
        run_by: str = "the deployed backtest job",
    ) -> BacktestReport:
        """The backtest on spec and frame already loaded (the retraining job's); ValidationFailed if it cannot run."""
        spec, frame = inputs.spec, inputs.frame
        if not frame.size:
            raise ValidationFailed("the agency has no records yet: upload its extracts before a backtest")
        year = test_year or latest_full_year(frame, spec, as_of)
        try:
            result = backtest_year(frame, spec, year)
        except ValueError as error:  # the year's outcome window is not covered, or too little history
            raise ValidationFailed(str(error)) from None
        markdown = render_report(
            [result],
            agency_id=self._agency_id,
            spec=spec,
            rule=spec.rule,
            notes=[f"Run by {run_by} on {as_of.isoformat()} from the agency's own records."],
        )
        markdown_key = backtest_key(year, "report.md")
        self._artifacts.put_bytes(markdown_key, markdown.encode(), content_type="text/markdown; charset=utf-8")
        not_beaten = []
        for where, key in (("at the rule's flag count", "at_rule_count"), ("at the top share", "at_top_share")):
            comparison = result.baselines.get(key)
            if comparison is not None:
                not_beaten += verdicts(year, where, comparison)
        report = BacktestReport(
            test_year=year,
            as_of=as_of,
            # The job's date, not the wall clock, so a retried job writes the same report.
            generated_at=datetime(as_of.year, as_of.month, as_of.day, tzinfo=UTC),
            trained_model_id=result.model_id,
            spec_source=inputs.spec_source,
            table=result.table,
            baselines=result.baselines,
            not_beaten=not_beaten,
            calibration=result.calibration,
            fairness_measurable=result.fairness_measurable,
            fairness=result.fairness if result.fairness_measurable else None,
            markdown_key=markdown_key,
        )
        self._artifacts.put_json(backtest_key(year), report.model_dump(mode="json"))
        self._audit.append(
            AuditEvent(
                actor=self._actor,
                role="system",
                action="model.backtest",
                target_type="model",
                target_id=result.model_id,
                agency_id=self._agency_id,
                request_id=request_id,
                detail={
                    "test_year": year,
                    "report_key": backtest_key(year),
                    "model_precision_at_top": result.table["model_precision_at_top"],
                    "rule_precision_at_top": result.table["rule_precision_at_top"],
                    "baselines_not_beaten": len(not_beaten),
                },
            )
        )
        return report
