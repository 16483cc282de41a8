"""Threshold rules: levels at their boundaries, the classic defaults, and configuration errors."""

from __future__ import annotations

import pandas as pd
import pytest
from pydantic import ValidationError

from eis_core.errors import ValidationFailed
from eis_core.indicators import INDICATORS
from eis_core.models.alerts import AlertLevel
from eis_core.scoring.rules import DEFAULT_RULES, RuleConfig, evaluate_rules


def indicators(**officers: dict[str, float]) -> pd.DataFrame:
    """A frame with every indicator at 0 except the values given per officer."""
    frame = pd.DataFrame(0.0, index=pd.Index(list(officers), name="officer_id"), columns=list(INDICATORS))
    for officer_id, values in officers.items():
        for name, value in values.items():
            frame.loc[officer_id, name] = value
    return frame


@pytest.mark.parametrize(
    ("uses_of_force", "expected"),
    [(2, None), (3, AlertLevel.WARNING), (4, AlertLevel.CRITICAL), (9, AlertLevel.CRITICAL)],
)
def test_force_rule_levels_at_their_boundaries(uses_of_force: int, expected: AlertLevel | None) -> None:
    # Given an officer with this many uses of force in 90 days
    result = evaluate_rules(indicators(A1={"force_90d": uses_of_force}), DEFAULT_RULES)

    # When the classic rules are checked
    hits = {hit.rule_id: hit for hit in result.hits_for("A1")}

    # Then the force rule is silent below 3, a warning at 3, critical from 4
    if expected is None:
        assert "force_90d" not in hits
    else:
        assert hits["force_90d"].level is expected
        assert hits["force_90d"].value == uses_of_force


def test_a_rule_hit_quotes_the_threshold_it_crossed() -> None:
    result = evaluate_rules(indicators(A1={"force_90d": 3}, B2={"force_90d": 5}), DEFAULT_RULES)

    warning = result.hits_for("A1")[0]
    critical = result.hits_for("B2")[0]

    assert warning.description == "3 or more use-of-force reports in 90 days"
    assert warning.threshold == 3
    assert critical.description == "4 or more use-of-force reports in 90 days"
    assert critical.threshold == 4


@pytest.mark.parametrize(
    ("values", "rule_id", "level"),
    [
        ({"complaint_180d": 3}, "complaints_180d", AlertLevel.WARNING),
        ({"complaint_180d": 2}, "complaints_180d", None),
        ({"accident_preventable_180d": 2}, "preventable_accidents_180d", AlertLevel.WARNING),
        ({"accident_preventable_180d": 3}, "preventable_accidents_180d", AlertLevel.CRITICAL),
        ({"injury_180d": 2}, "injuries_180d", AlertLevel.WARNING),
        ({"pursuit_180d": 1}, "pursuits_180d", None),
        ({"pursuit_180d": 2}, "pursuits_180d", AlertLevel.WARNING),
        ({"sick_leave_days_90d": 2.875}, "sick_leave_90d", None),
        ({"sick_leave_days_90d": 3.0}, "sick_leave_90d", AlertLevel.WARNING),
        ({"sick_leave_days_90d": 9.5}, "sick_leave_90d", AlertLevel.WARNING),
        ({"sick_leave_days_90d": 10.0}, "sick_leave_90d", AlertLevel.CRITICAL),
        # The combination adds kinds that are each below their own rule: 2 + 2 + 1 = 5
        ({"force_180d": 2, "complaint_180d": 2, "pursuit_180d": 1}, "combination_180d", AlertLevel.WARNING),
        ({"force_180d": 2, "complaint_180d": 2}, "combination_180d", None),
        ({"force_180d": 3, "complaint_180d": 2, "injury_180d": 2}, "combination_180d", AlertLevel.CRITICAL),
    ],
)
def test_classic_rules(values: dict[str, float], rule_id: str, level: AlertLevel | None) -> None:
    result = evaluate_rules(indicators(A1=values), DEFAULT_RULES)

    fired = {hit.rule_id: hit.level for hit in result.hits_for("A1")}

    assert fired.get(rule_id) == level


def test_critical_hits_come_first_and_counts_are_reported_per_rule() -> None:
    result = evaluate_rules(
        indicators(A1={"complaint_180d": 3, "force_90d": 4}, B2={"force_90d": 3}, C3={}), DEFAULT_RULES
    )

    assert next(hit.level for hit in result.hits_for("A1")) is AlertLevel.CRITICAL
    assert result.hits_for("C3") == []
    assert result.fired_counts()["force_90d"] == {"warning": 1, "critical": 1}
    assert result.max_level.to_dict() == {"A1": 2, "B2": 1, "C3": 0}


def test_an_agency_rule_without_a_critical_level_only_warns() -> None:
    rule = RuleConfig(rule_id="lawsuits", label="lawsuits in 365 days", indicators=("lawsuit_365d",), warning=1)

    result = evaluate_rules(indicators(A1={"lawsuit_365d": 10}), (rule,))

    assert [hit.level for hit in result.hits_for("A1")] == [AlertLevel.WARNING]


def test_a_critical_level_below_the_warning_level_is_refused() -> None:
    with pytest.raises(ValidationError, match="critical"):
        RuleConfig(rule_id="bad", label="x", indicators=("force_90d",), warning=3, critical=2)


def test_a_rule_on_an_unknown_indicator_is_refused_with_its_name() -> None:
    rule = RuleConfig(rule_id="typo", label="x", indicators=("forse_90d",), warning=1)

    with pytest.raises(ValidationFailed, match="forse_90d"):
        evaluate_rules(indicators(A1={}), (rule,))
