"""Oversight outputs for the case API: run reports and model cards, and an admin's explicit promotion.

Read from the agency's artifacts bucket through the ``ArtifactStore`` port, as the scoring and
retraining jobs wrote them, without importing those jobs (pandas, scikit-learn). Risk managers,
admins and auditors read; supervisors are refused (403): these describe the whole agency's officers.
Only admins promote, with a reason; the reason is kept with the promotion record, not in the audit log.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum

from eis_core.cases.access import SEE_ALL, Caller, Role
from eis_core.errors import ConflictError, ForbiddenError, NotFoundError, ValidationFailed
from eis_core.models.audit import AuditEvent
from eis_core.models.oversight import (
    AdminPromotion,
    BacktestReport,
    ModelFeedback,
    PromotionDecision,
    RunReport,
    StoredCard,
)
from eis_core.oversight.keys import (
    BACKTESTS_PREFIX,
    CURRENT_KEY,
    PROMOTIONS_PREFIX,
    RUNS_PREFIX,
    artifact_key,
    backtest_key,
    backtest_year_of,
    card_key,
    promotion_key,
    report_key,
    retrain_key,
    run_date,
)
from eis_core.storage.ports import ArtifactStore, AuditLog

MAX_RUNS_PAGE = 100
MODEL_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
_MODEL_ID = re.compile(MODEL_ID_PATTERN)
ADMINS = frozenset({Role.ADMIN})


class ModelStatus(StrEnum):
    CURRENT = "current"
    CANDIDATE = "candidate"
    """Stored but not what daily scoring uses: kept by the promotion gate, or replaced since."""


@dataclass(frozen=True)
class RunPage:
    as_of: list[date]
    """Run dates, newest first."""
    next_before: date | None
    """Pass as ``before`` for the next page; None on the last page."""


@dataclass(frozen=True)
class ModelView:
    card: StoredCard
    status: ModelStatus
    promotion: PromotionDecision | None
    """The retraining job's gate decision for this model, when it was trained by one."""
    admin_promotions: list[AdminPromotion]
    feedback_on_alerts: ModelFeedback | None
    """Reviewers' conclusions on this model's alerts, from the latest run report that counted any."""
    feedback_as_of: date | None


def _utcnow() -> datetime:
    return datetime.now(UTC)


class OversightService:
    def __init__(
        self,
        *,
        agency_id: str,
        artifacts: ArtifactStore,
        audit: AuditLog,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._agency_id = agency_id
        self._artifacts = artifacts
        self._audit = audit
        self._clock = clock

    # --- run reports ----------------------------------------------------------------------------

    def list_runs(self, caller: Caller, *, limit: int = 30, before: date | None = None) -> RunPage:
        """Scoring run dates with a report, newest first, ``limit`` at most, earlier than ``before``."""
        self._check_reader(caller)
        limit = max(1, min(limit, MAX_RUNS_PAGE))
        dates = sorted(
            {d for key in self._artifacts.keys(RUNS_PREFIX) if (d := run_date(key)) is not None}, reverse=True
        )
        if before is not None:
            dates = [d for d in dates if d < before]
        page = dates[:limit]
        return RunPage(page, page[-1] if len(dates) > limit else None)

    def run_report(self, caller: Caller, as_of: date) -> RunReport:
        self._check_reader(caller)
        try:
            document = self._artifacts.get_json(report_key(as_of))
        except NotFoundError:
            raise NotFoundError(f"no scoring run report for {as_of.isoformat()}") from None
        return RunReport.model_validate(document)

    # --- backtests (the score function's backtest job) ---------------------------------------------

    def list_backtests(self, caller: Caller) -> list[int]:
        """Test years with a stored backtest report, newest first."""
        self._check_reader(caller)
        years = {y for key in self._artifacts.keys(BACKTESTS_PREFIX) if (y := backtest_year_of(key)) is not None}
        return sorted(years, reverse=True)

    def backtest(self, caller: Caller, test_year: int) -> tuple[BacktestReport, str]:
        """One test year's backtest figures and its Markdown report."""
        self._check_reader(caller)
        try:
            report = BacktestReport.model_validate(self._artifacts.get_json(backtest_key(test_year)))
            markdown = self._artifacts.get_bytes(report.markdown_key).decode()
        except NotFoundError:
            raise NotFoundError(f"no backtest report for test year {test_year}") from None
        return report, markdown

    # --- model cards ----------------------------------------------------------------------------

    def current_model(self, caller: Caller) -> ModelView:
        self._check_reader(caller)
        current = self._current_id()
        if current is None:
            raise NotFoundError("the agency has no trained model yet: scoring uses the peer-and-rule scorer")
        return self._view(current, current)

    def model(self, caller: Caller, model_id: str) -> ModelView:
        self._check_reader(caller)
        return self._view(model_id, self._current_id())

    def promote(self, caller: Caller, model_id: str, reason: str, *, request_id: str | None = None) -> ModelView:
        """Make a stored model the current one (admins only, with a reason); ConflictError if it already is."""
        if not caller.any_of(ADMINS):
            raise ForbiddenError("only administrators may promote a model")
        if not reason.strip():
            raise ValidationFailed("reason: say why this model should be the current one")
        previous = self._current_id()
        card = self._card(model_id)
        if previous == model_id:
            raise ConflictError(f"model {model_id} is already the current model")
        artifact = card.artifact_key or artifact_key(model_id)
        if card.artifact_sha256 is None or artifact not in set(self._artifacts.keys(artifact)):
            raise ConflictError(f"model {model_id} has no stored artifact to score with")
        at = self._clock()
        record = AdminPromotion(
            model_id=model_id,
            previous_model_id=previous,
            by=caller.subject,
            by_role=caller.role,
            at=at,
            reason=reason.strip(),
        )
        stamp = at.strftime("%Y%m%dT%H%M%S%fZ")
        self._artifacts.put_json(promotion_key(model_id, stamp), record.model_dump(mode="json"))
        self._artifacts.put_json(CURRENT_KEY, {"model_id": model_id, "artifact_sha256": card.artifact_sha256})
        # The reason stays out of the audit log (free text); the promotion record keeps it.
        self._audit.append(
            AuditEvent(
                actor=caller.subject,
                role=caller.role,
                action="model.promote",
                target_type="model",
                target_id=model_id,
                agency_id=self._agency_id,
                request_id=request_id,
                detail={"previous_model_id": previous, "artifact_sha256": card.artifact_sha256},
            )
        )
        return self._view(model_id, model_id)

    # --- internals ------------------------------------------------------------------------------

    def _check_reader(self, caller: Caller) -> None:
        if not caller.any_of(SEE_ALL):
            raise ForbiddenError("only risk managers, administrators and auditors may read run reports and models")

    def _current_id(self) -> str | None:
        try:
            pointer = self._artifacts.get_json(CURRENT_KEY)
        except NotFoundError:
            return None
        return str(pointer["model_id"])

    def _card(self, model_id: str) -> StoredCard:
        if not _MODEL_ID.match(model_id):
            raise NotFoundError(f"model {model_id} not found")
        try:
            return StoredCard.model_validate(self._artifacts.get_json(card_key(model_id)))
        except NotFoundError:
            raise NotFoundError(f"model {model_id} not found") from None

    def _view(self, model_id: str, current_id: str | None) -> ModelView:
        card = self._card(model_id)
        promotion: PromotionDecision | None = None
        try:
            retrain = self._artifacts.get_json(retrain_key(model_id))
        except NotFoundError:
            retrain = {}
        if isinstance(retrain, dict) and retrain.get("promotion"):
            promotion = PromotionDecision.model_validate(retrain["promotion"])
        admin = sorted(
            (
                AdminPromotion.model_validate(self._artifacts.get_json(key))
                for key in self._artifacts.keys(f"{PROMOTIONS_PREFIX}{model_id}/")
            ),
            key=lambda record: record.at,
        )
        feedback, feedback_as_of = self._feedback_on(model_id)
        return ModelView(
            card=card,
            status=ModelStatus.CURRENT if model_id == current_id else ModelStatus.CANDIDATE,
            promotion=promotion,
            admin_promotions=admin,
            feedback_on_alerts=feedback,
            feedback_as_of=feedback_as_of,
        )

    def _feedback_on(self, model_id: str) -> tuple[ModelFeedback | None, date | None]:
        dates = sorted({d for key in self._artifacts.keys(RUNS_PREFIX) if (d := run_date(key)) is not None})
        if not dates:
            return None, None
        report = RunReport.model_validate(self._artifacts.get_json(report_key(dates[-1])))
        if report.feedback is None:
            return None, None
        found = next((row for row in report.feedback.by_model if row.trained_model_id == model_id), None)
        return found, report.as_of
