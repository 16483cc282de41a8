"""The promotion gate's backtest condition, on its own: how the verdict at the rule's flag count combines
with the validation gate's decision."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from eis_core.models.oversight import BacktestReport, PromotionDecision
from eis_core.scoring.backtest_gate import apply_backtest, check_report, could_not_run
from eis_core.settings import PromotionBacktest


def report(verdict: str | None, *, rule_flags: int = 37) -> BacktestReport:
    at_rule: dict[str, Any] | None = None
    if verdict is not None:
        at_rule = {
            "model": {"flags": rule_flags, "precision": 0.2},
            "rule": {
                "flags": rule_flags,
                "precision": 0.15,
                "verdict": verdict,
                "model_minus_precision_ci": [-0.1, 0.2],
            },
        }
    return BacktestReport(
        test_year=2024,
        as_of=date(2025, 6, 1),
        generated_at=datetime(2025, 6, 1, tzinfo=UTC),
        trained_model_id="model-backtest",
        spec_source="default",
        table={},
        baselines={"rule_flag_count": rule_flags if verdict else 0, "at_rule_count": at_rule},
        not_beaten=[],
        calibration=[],
        fairness_measurable=False,
        markdown_key="reports/backtests/2024/report.md",
    )


def decision(
    *, promoted: bool = True, current: str | None = "model-old", candidate: str = "model-new"
) -> PromotionDecision:
    return PromotionDecision(
        candidate_model_id=candidate,
        current_model_id=current,
        promoted=promoted,
        margin=0.02,
        reason="validation says so",
    )


@pytest.mark.parametrize(
    ("requirement", "verdict", "passed"),
    [
        (PromotionBacktest.BEAT_RULE, "beats", True),
        (PromotionBacktest.BEAT_RULE, "does not beat", False),
        (PromotionBacktest.NOT_BEATEN_BY_RULE, "does not beat", True),
        (PromotionBacktest.NOT_BEATEN_BY_RULE, "is beaten by", False),
        (PromotionBacktest.REPORT_ONLY, "is beaten by", True),
    ],
)
def test_each_setting_asks_for_its_verdict(requirement: PromotionBacktest, verdict: str, passed: bool) -> None:
    check = check_report(report(verdict), requirement)
    decided = apply_backtest(decision(), check)
    assert (check.passed, decided.promoted) == (passed, passed)
    assert f"the model {verdict} the agency's threshold rule at the rule's 37 flags" in decided.reason


def test_a_candidate_already_held_back_keeps_both_reasons() -> None:
    check = check_report(report("does not beat"), PromotionBacktest.BEAT_RULE)
    decided = apply_backtest(decision(promoted=False), check)
    assert not decided.promoted
    assert decided.reason.startswith("validation says so; and the backtest on 2024")


def test_a_repeated_retraining_leaves_the_current_model_current() -> None:
    check = check_report(report("does not beat"), PromotionBacktest.BEAT_RULE)
    decided = apply_backtest(decision(current="model-same", candidate="model-same"), check)
    assert decided.promoted and "already the current model" in decided.reason


def test_a_rule_that_flags_nobody_cannot_be_compared_and_says_so() -> None:
    check = check_report(report(None), PromotionBacktest.BEAT_RULE)
    decided = apply_backtest(decision(), check)
    assert decided.promoted and check.passed and check.verdict is None
    assert "the rule flagged nobody on 2024-01-01" in decided.reason
    assert decided.reason.endswith("the validation gate alone decided")


def test_a_backtest_that_could_not_run_is_named() -> None:
    decided = apply_backtest(decision(), could_not_run("need at least two training years", PromotionBacktest.BEAT_RULE))
    assert decided.promoted and decided.backtest is not None and decided.backtest.test_year is None
    assert "the backtest could not be used (need at least two training years)" in decided.reason
