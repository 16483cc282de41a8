"""The pure scoring pipeline for one date: indicators -> peers -> rules -> scorer -> flags.

No storage here: the service loads records and writes results. Who is flagged:

* the top ``alerts.top_share`` of the population by score, among officers whose score is at least
  ``alerts.min_score`` (robust z units: clearly above their peers, so a quiet month does not flag
  the "least quiet" officers just to fill a quota), ties broken by officer id; plus
* every officer with a rule at its critical level, whatever their rank.

A flag is critical when a critical rule fired, otherwise a warning. Warning-level rules alone do not
flag an officer; they are recorded on the score and quoted in any alert.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from eis_core.indicators.catalogue import INDICATORS, RATE_INDICATORS, format_number
from eis_core.indicators.compute import compute_indicators
from eis_core.indicators.events import EventFrame
from eis_core.indicators.history import HistoryFrame
from eis_core.models.alerts import AlertLevel, Factor, OfficerScore, RuleHit
from eis_core.models.peers import PeerStatsRun
from eis_core.scoring.explain import explain, top_factors
from eis_core.scoring.peer_stats import officer_standings, peer_group_stats, snapshot_columns
from eis_core.scoring.peers import PeerComparison, PeerConfig, compare_with_peers
from eis_core.scoring.rules import DEFAULT_RULES, RuleConfig, evaluate_rules, with_thresholds
from eis_core.scoring.scorer import DEFAULT_WEIGHTS, FoundationScorer, Scorer, ScoringInputs, scoring_config_id
from eis_core.settings import RuleThreshold


class AlertPolicy(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    top_share: float = Field(default=0.05, gt=0, le=1)
    min_score: float = Field(default=2.0, ge=0, description="Minimum score (robust z) to be flagged by rank")


class ScoringConfig(BaseModel):
    """Everything that shapes scores and alerts besides the scorer; all of it goes into the scoring config id."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    peers: PeerConfig = PeerConfig()
    rules: tuple[RuleConfig, ...] = DEFAULT_RULES
    alerts: AlertPolicy = AlertPolicy()
    # The exposure-adjusted rates explain too: "12 uses of force per 1,000 hours worked" where exposure is sent.
    explain_indicators: tuple[str, ...] = (*DEFAULT_WEIGHTS, *RATE_INDICATORS)
    max_factors: int = Field(default=3, ge=1, le=10)
    min_factor_z: float = Field(default=1.0, ge=0)

    @field_validator("rules")
    @classmethod
    def _unique_rule_ids(cls, rules: tuple[RuleConfig, ...]) -> tuple[RuleConfig, ...]:
        ids = [rule.rule_id for rule in rules]
        if len(ids) != len(set(ids)):
            raise ValueError("rule ids must be unique")
        return rules

    @field_validator("explain_indicators")
    @classmethod
    def _known_indicators(cls, names: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(names) - set(INDICATORS))
        if unknown:
            raise ValueError(f"unknown indicators: {', '.join(unknown)}")
        return names

    def with_top_share(self, top_share: float) -> ScoringConfig:
        return self.model_copy(update={"alerts": self.alerts.model_copy(update={"top_share": top_share})})

    def with_rule_thresholds(self, thresholds: Mapping[str, RuleThreshold | Mapping[str, float]]) -> ScoringConfig:
        """The agency's own warning/critical levels for named rules; an unknown rule id is an error."""
        return self.model_copy(update={"rules": with_thresholds(self.rules, thresholds)})


@dataclass(frozen=True)
class Flagged:
    """An officer this run flags for review, with everything an alert needs."""

    officer_id: str
    level: AlertLevel
    score: float
    rules: list[RuleHit]
    factors: list[Factor]
    explanation: str


@dataclass(frozen=True)
class ScoringResult:
    as_of: date
    run_id: str
    scoring_config_id: str
    """Hash of the scorer and the configuration (``scorer.scoring_config_id``)."""
    trained_model_id: str | None
    """The trained model's card id, None when no trained model scored."""
    scorer: str
    scores: list[OfficerScore]
    flagged: list[Flagged]
    recognition: list[dict[str, Any]]
    rules_fired: dict[str, dict[str, int]]
    peer_levels: dict[str, int]
    parameters: dict[str, Any] = field(default_factory=dict)
    population: dict[str, Any] = field(default_factory=dict)
    """Who was scored and alerted on (``scoring.population``): the rule and the counts in and out of it."""
    peer_stats: PeerStatsRun | None = None
    """Per peer group quantiles of the snapshot indicators (stored once per run for the officer snapshot)."""

    @property
    def model_id(self) -> str:
        """Deprecated: the old name of ``scoring_config_id``."""
        return self.scoring_config_id


def pipeline_id(scorer: Scorer, config: ScoringConfig, population: Mapping[str, Any] | None = None) -> str:
    params = config.model_dump(mode="json")
    if population is not None:
        params["population"] = dict(population)
    return scoring_config_id(scorer, params)


def run_pipeline(
    events: EventFrame,
    as_of: date,
    config: ScoringConfig,
    scorer: Scorer | None = None,
    history: HistoryFrame | None = None,
    *,
    officers: pd.Index | None = None,
    population: Mapping[str, Any] | None = None,
) -> ScoringResult:
    """Score everyone on the roster as of the date, flag the few to review, and explain why.

    ``history`` is the career event history a trained model scores from (``indicators.history``).
    ``officers`` limits the run to these officers on the roster (``scoring.population``): peers, ranks
    and the alert quota are then among them only. ``population`` describes that choice and goes into
    the scoring config id.
    """
    scorer = scorer or FoundationScorer()
    config_id = pipeline_id(scorer, config, population)
    trained_model_id: str | None = getattr(scorer, "trained_model_id", None)
    run_id = f"{as_of.isoformat()}-{config_id}"
    indicators = compute_indicators(events, as_of)
    if officers is not None:
        indicators = indicators[indicators.index.isin(officers)]
    roster = events.roster_as_of(as_of)
    peers = compare_with_peers(indicators, roster, config.peers)
    rules = evaluate_rules(indicators, config.rules)
    inputs = ScoringInputs(as_of=as_of, indicators=indicators, roster=roster, peers=peers, rules=rules, history=history)
    score = scorer.score(inputs).reindex(indicators.index).fillna(0.0).astype("float64")

    max_level = rules.max_level
    # A probability has no "clearly above peers" floor: a model scorer sets its own (usually 0).
    policy = config.alerts
    floor = getattr(scorer, "min_flag_score", None)
    if floor is not None:
        policy = policy.model_copy(update={"min_score": float(floor)})
    selected = _select(score, max_level, policy)
    model_reasons: dict[str, list[str]] = {}
    explain_model = getattr(scorer, "explain", None)
    if callable(explain_model):
        model_reasons = explain_model(inputs, sorted(selected), config.max_factors)
    factors = top_factors(
        indicators, peers, config.explain_indicators, max_factors=config.max_factors, min_z=config.min_factor_z
    )
    hits_by_officer = rules.hits_by_officer()
    # Plain arrays for the per-officer loop: label lookups on pandas objects cost microseconds each.
    officer_ids = [str(officer) for officer in indicators.index]
    values = [round(float(v), 6) for v in score.to_numpy()]
    groups = peers.group.to_numpy(dtype=object)
    sizes = peers.group_size.to_numpy()
    ranks = score.rank(ascending=False, method="min").to_numpy(dtype="int64")
    levels = peers.level.to_numpy(dtype=object)
    snapshot = snapshot_columns(indicators)
    standings = officer_standings(indicators, peers, snapshot)

    scores: list[OfficerScore] = []
    flagged: list[Flagged] = []
    for row, officer in enumerate(officer_ids):
        hits = hits_by_officer.get(officer, [])
        level = selected.get(officer)
        scores.append(
            OfficerScore(
                officer_id=officer,
                as_of=as_of,
                run_id=run_id,
                scoring_config_id=config_id,
                trained_model_id=trained_model_id,
                model_id=config_id,
                score=values[row],
                level=level,
                peer_group=str(groups[row]),
                rules=hits,
                factors=factors[officer],
                rank=int(ranks[row]),
                officers_scored=len(officer_ids),
                peer_level=str(levels[row]),
                standings=standings[row],
            )
        )
        if level is not None:
            text = explain(
                as_of=as_of,
                level=level,
                score=values[row],
                rank=int(ranks[row]),
                officers=len(officer_ids),
                peer_group=str(groups[row]),
                peer_group_size=int(sizes[row]),
                factors=factors[officer],
                rules=hits,
                model_reasons=model_reasons.get(officer, ()),
            )
            flagged.append(Flagged(officer, level, values[row], hits, factors[officer], text))

    return ScoringResult(
        as_of=as_of,
        run_id=run_id,
        scoring_config_id=config_id,
        trained_model_id=trained_model_id,
        scorer=scorer.name,
        scores=scores,
        flagged=flagged,
        recognition=recognise(indicators, peers),
        rules_fired=rules.fired_counts(),
        peer_levels=peers.level_counts(),
        parameters={"scorer": scorer.params(), "config": config.model_dump(mode="json")},
        peer_stats=peer_group_stats(indicators, roster, peers, config.peers, snapshot, as_of=as_of, run_id=run_id),
    )


def _select(score: pd.Series, max_level: pd.Series, policy: AlertPolicy) -> dict[str, AlertLevel]:
    population = len(score)
    if population == 0:
        return {}
    quota = math.ceil(policy.top_share * population)
    ranked = pd.DataFrame({"score": score.to_numpy(), "officer_id": score.index.astype(str)})
    ranked = ranked[ranked["score"] >= policy.min_score].sort_values(
        ["score", "officer_id"], ascending=[False, True], kind="stable"
    )
    chosen = {str(officer): AlertLevel.WARNING for officer in ranked["officer_id"].head(quota)}
    for officer in max_level.index[max_level.to_numpy() >= 2]:
        chosen[str(officer)] = AlertLevel.CRITICAL
    return chosen


def recognise(indicators: pd.DataFrame, peers: PeerComparison) -> list[dict[str, Any]]:
    """Officers with an exceptional record against their peers, for the run report.

    Recognised: no use of force and no complaints in 365 days while the peer median of at least one
    of them is positive, and more commendations in 365 days than the peer median.
    """
    force, complaints = indicators["force_365d"], indicators["complaint_365d"]
    commendations = indicators["commendation_365d"]
    force_median, complaint_median = peers.median["force_365d"], peers.median["complaint_365d"]
    commendation_median = peers.median["commendation_365d"]
    chosen = (
        (force == 0)
        & (complaints == 0)
        & ((force_median > 0) | (complaint_median > 0))
        & (commendations > commendation_median)
    )
    entries = [
        {
            "officer_id": str(officer),
            "peer_group": str(peers.group[officer]),
            "commendations_365d": float(commendations[officer]),
            "peer_median_commendations_365d": float(commendation_median[officer]),
            "peer_median_force_365d": float(force_median[officer]),
            "peer_median_complaints_365d": float(complaint_median[officer]),
            "reason": (
                f"No use of force or complaints in the last 365 days (peer medians: force "
                f"{format_number(force_median[officer])}, complaints {format_number(complaint_median[officer])}); "
                f"{INDICATORS['commendation_365d'].describe(commendations[officer])} "
                f"(peer median {format_number(commendation_median[officer])})"
            ),
        }
        for officer in indicators.index[chosen.to_numpy()]
    ]
    return sorted(entries, key=lambda e: (-e["commendations_365d"], e["officer_id"]))
