"""The promotion gate's second condition: the backtest on the latest full year must beat the agency's rule.

Before it promotes, the retraining job backtests the candidate's spec on the latest test year whose
outcome window the records cover (as the backtest job would: trained before that year's Jan 1, scored
on it) and stores the report. This module reads the report at the threshold rule's own flag count
(the spec's ``rule``: the same number of flags as the agency would raise without a model) and holds
a candidate back when the agency's ``promotion_backtest`` setting (``eis_core.settings.PromotionBacktest``)
says the verdict is not good enough:

- ``beat_rule`` (default): the model must *beat* the rule (the paired 95% bootstrap interval of its
  precision minus the rule's lies above zero);
- ``not_beaten_by_rule``: the rule must not beat the model (the interval does not lie below zero);
- ``report_only``: the verdict is recorded in the decision, never holds back.

When the backtest cannot run (too little later data, too little history) or cannot compare (the rule
flags nobody), the decision says so and the validation gate (``eis_core.scoring.promotion``) alone decides.
A retraining that reproduces the current model leaves it current whatever the backtest says.
"""

from __future__ import annotations

from typing import Any

from eis_core.models.oversight import BacktestReport, PromotionBacktestCheck, PromotionDecision
from eis_core.oversight.keys import backtest_key
from eis_core.settings import PromotionBacktest

PASSING_VERDICTS: dict[PromotionBacktest, frozenset[str]] = {
    PromotionBacktest.BEAT_RULE: frozenset({"beats"}),
    PromotionBacktest.NOT_BEATEN_BY_RULE: frozenset({"beats", "does not beat"}),
}


def check_report(report: BacktestReport, requirement: PromotionBacktest) -> PromotionBacktestCheck:
    """The report's verdict against the rule at the rule's flag count, held to ``requirement``."""
    known: dict[str, Any] = {
        "requirement": requirement.value,
        "test_year": report.test_year,
        "report_key": backtest_key(report.test_year),
        "trained_model_id": report.trained_model_id,
    }
    at_rule: dict[str, Any] | None = report.baselines.get("at_rule_count")
    if not at_rule or "rule" not in at_rule:
        problem = f"the rule flagged nobody on {report.test_year}-01-01, so there is no flag count to compare at"
        return PromotionBacktestCheck(**known, rule_flags=0, passed=True, problem=problem)
    rule, model = at_rule["rule"], at_rule["model"]
    verdict = str(rule.get("verdict", "no flags"))
    passed = requirement is PromotionBacktest.REPORT_ONLY or verdict in PASSING_VERDICTS[requirement]
    return PromotionBacktestCheck(
        **known,
        rule_flags=int(rule["flags"]),
        verdict=verdict,
        model_precision=model.get("precision"),
        rule_precision=rule.get("precision"),
        difference_ci=rule.get("model_minus_precision_ci"),
        passed=passed,
    )


def could_not_run(problem: str, requirement: PromotionBacktest) -> PromotionBacktestCheck:
    return PromotionBacktestCheck(requirement=requirement.value, passed=True, problem=problem)


def _figures(check: PromotionBacktestCheck) -> str:
    def rate(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    interval = check.difference_ci
    difference = "" if interval is None else f", difference 95% CI {interval[0]:+.3f} to {interval[1]:+.3f}"
    return (
        f"the backtest on {check.test_year} ({check.report_key}): the model {check.verdict} the agency's threshold "
        f"rule at the rule's {check.rule_flags} flags (precision {rate(check.model_precision)} against "
        f"{rate(check.rule_precision)}{difference})"
    )


def apply_backtest(decision: PromotionDecision, check: PromotionBacktestCheck) -> PromotionDecision:
    """The validation gate's decision with the backtest's check added: held back when the check fails."""
    if check.verdict is None:
        reason = (
            f"{decision.reason}; the backtest could not be used ({check.problem}): the validation gate alone decided"
        )
        return decision.model_copy(update={"backtest": check, "reason": reason})
    figures = _figures(check)
    if check.passed:
        note = " (recorded only: promotion_backtest is report_only)" if check.requirement == "report_only" else ""
        return decision.model_copy(update={"backtest": check, "reason": f"{decision.reason}; {figures}{note}"})
    required = f"promotion_backtest is {check.requirement}"
    if decision.current_model_id is not None and decision.current_model_id == decision.candidate_model_id:
        reason = f"{decision.reason}; {figures}, short of what {required} asks, but it is already the current model"
        return decision.model_copy(update={"backtest": check, "reason": reason})
    if not decision.promoted:
        return decision.model_copy(update={"backtest": check, "reason": f"{decision.reason}; and {figures}"})
    reason = (
        f"{figures}, and {required}: kept as a candidate, an admin may still promote it "
        f"(the validation gate alone: {decision.reason})"
    )
    return decision.model_copy(update={"backtest": check, "promoted": False, "reason": reason})
