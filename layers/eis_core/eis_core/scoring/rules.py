"""Classic threshold rules: a count in a window at or above a level.

The defaults are the thresholds agencies have long used in early-warning systems. Critical levels
are our choice, documented here: one event above the warning level for every count rule; for sick
leave ten days (two working weeks: one illness often spans several days, and on synthetic and real
rosters about one officer in twenty takes five or more sick days in a quarter, so a lower critical
level would flag ordinary illness); for the combination rule two above (7), because it already adds
five kinds of event together.
An agency replaces the list with its own (``ScoringConfig.rules``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from eis_core.errors import ValidationFailed
from eis_core.indicators.catalogue import format_number
from eis_core.models.alerts import AlertLevel, RuleHit
from eis_core.settings import RuleThreshold


class RuleConfig(BaseModel):
    """Fires at ``warning`` (and at ``critical``, when set) on the sum of its indicator columns.

    An agency changes only the levels, with a ``RuleThreshold`` per rule id (``with_thresholds``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    rule_id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,63}$")
    label: str = Field(
        min_length=1, max_length=200, description="What is counted, e.g. 'use-of-force reports in 90 days'"
    )
    indicators: tuple[str, ...] = Field(min_length=1)
    warning: float = Field(gt=0)
    critical: float | None = None

    @model_validator(mode="after")
    def _levels_are_a_threshold(self) -> RuleConfig:
        try:
            RuleThreshold(warning=self.warning, critical=self.critical)
        except ValidationError as error:
            raise ValueError(f"rule {self.rule_id}: {error.errors()[0]['msg'].removeprefix('Value error, ')}") from None
        return self

    def describe(self, threshold: float) -> str:
        return f"{format_number(threshold)} or more {self.label}"


DEFAULT_RULES: tuple[RuleConfig, ...] = (
    RuleConfig(
        rule_id="force_90d", label="use-of-force reports in 90 days", indicators=("force_90d",), warning=3, critical=4
    ),
    RuleConfig(
        rule_id="complaints_180d", label="complaints in 180 days", indicators=("complaint_180d",), warning=3, critical=4
    ),
    RuleConfig(
        rule_id="preventable_accidents_180d",
        label="preventable vehicle accidents in 180 days",
        indicators=("accident_preventable_180d",),
        warning=2,
        critical=3,
    ),
    RuleConfig(
        rule_id="injuries_180d", label="injuries in 180 days", indicators=("injury_180d",), warning=2, critical=3
    ),
    RuleConfig(
        rule_id="pursuits_180d",
        label="vehicle pursuits in 180 days",
        indicators=("pursuit_180d",),
        warning=2,
        critical=3,
    ),
    RuleConfig(
        rule_id="sick_leave_90d",
        label="sick-leave days in 90 days",
        indicators=("sick_leave_days_90d",),
        warning=3,
        critical=10,
    ),
    RuleConfig(
        rule_id="combination_180d",
        label="incidents of any kind (force, complaints, preventable accidents, pursuits, injuries) in 180 days",
        indicators=("force_180d", "complaint_180d", "accident_preventable_180d", "pursuit_180d", "injury_180d"),
        warning=5,
        critical=7,
    ),
)


def check_rule_ids(rule_ids: Iterable[str], rules: tuple[RuleConfig, ...] = DEFAULT_RULES) -> None:
    """Raise ValueError naming the first id that is not one of ``rules`` (agency config, env, scoring config)."""
    known = [rule.rule_id for rule in rules]
    unknown = sorted(set(rule_ids) - set(known))
    if unknown:
        raise ValueError(
            f"unknown rule {unknown[0]!r} (thresholds for unknown rules: {', '.join(unknown)}); "
            f"the rules are {', '.join(sorted(known))}"
        )


def with_thresholds(
    rules: tuple[RuleConfig, ...], thresholds: Mapping[str, RuleThreshold | Mapping[str, float]]
) -> tuple[RuleConfig, ...]:
    """``rules`` with the agency's own warning/critical levels for the rules it names."""
    check_rule_ids(thresholds, rules)
    levels = {rule_id: RuleThreshold.model_validate(given) for rule_id, given in thresholds.items()}
    return tuple(
        RuleConfig.model_validate(rule.model_dump() | levels[rule.rule_id].model_dump())
        if rule.rule_id in levels
        else rule
        for rule in rules
    )


@dataclass(frozen=True)
class RuleResult:
    """Per officer and rule: the value checked and the level reached (0 none, 1 warning, 2 critical)."""

    rules: tuple[RuleConfig, ...]
    values: pd.DataFrame
    levels: pd.DataFrame

    @property
    def max_level(self) -> pd.Series:
        if self.levels.columns.empty:
            return pd.Series(0, index=self.levels.index, dtype="int64")
        return self.levels.max(axis=1).astype("int64")

    def hits_for(self, officer_id: str) -> list[RuleHit]:
        """The rules that fired for one officer, critical first, then in configuration order."""
        return self.hits_by_officer(only=[officer_id]).get(officer_id, [])

    def hits_by_officer(self, only: list[str] | None = None) -> dict[str, list[RuleHit]]:
        """Every officer with at least one rule fired -> their hits (critical first, then config order)."""
        frame = self.levels if only is None else self.levels.loc[only]
        values = self.values.loc[frame.index].to_numpy()
        rows, cols = np.nonzero(frame.to_numpy())
        officer_ids = frame.index.to_numpy()
        levels = frame.to_numpy()
        hits: dict[str, list[RuleHit]] = {}
        for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
            rule = self.rules[col]
            level = AlertLevel.CRITICAL if levels[row, col] == 2 else AlertLevel.WARNING
            threshold = rule.critical if level is AlertLevel.CRITICAL and rule.critical is not None else rule.warning
            hit = RuleHit(
                rule_id=rule.rule_id,
                description=rule.describe(threshold),
                level=level,
                value=float(values[row, col]),
                threshold=float(threshold),
            )
            hits.setdefault(str(officer_ids[row]), []).append(hit)
        for officer_hits in hits.values():
            officer_hits.sort(key=lambda hit: hit.level is not AlertLevel.CRITICAL)
        return hits

    def fired_counts(self) -> dict[str, dict[str, int]]:
        return {
            rule.rule_id: {
                "warning": int((self.levels[rule.rule_id] == 1).sum()),
                "critical": int((self.levels[rule.rule_id] == 2).sum()),
            }
            for rule in self.rules
        }


def evaluate_rules(indicators: pd.DataFrame, rules: tuple[RuleConfig, ...]) -> RuleResult:
    """Check every rule for every officer at once."""
    missing = sorted({name for rule in rules for name in rule.indicators} - set(indicators.columns))
    if missing:
        raise ValidationFailed(f"rules refer to unknown indicators: {', '.join(missing)}")
    values = pd.DataFrame(
        {rule.rule_id: indicators[list(rule.indicators)].fillna(0.0).sum(axis=1) for rule in rules},
        index=indicators.index,
        columns=[rule.rule_id for rule in rules],
        dtype="float64",
    )
    levels = pd.DataFrame(0, index=indicators.index, columns=values.columns, dtype="int64")
    for rule in rules:
        value = values[rule.rule_id].to_numpy()
        # A tiny tolerance so 3 sick-leave days made of 24 hours / 8 is not missed by float rounding.
        reached = (value >= rule.warning - 1e-9).astype("int64")
        if rule.critical is not None:
            reached = np.where(value >= rule.critical - 1e-9, 2, reached)
        levels[rule.rule_id] = reached
    return RuleResult(rules=rules, values=values, levels=levels)
