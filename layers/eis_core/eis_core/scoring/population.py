"""Who the daily run scores and alerts: the spec's population, the one the model was trained and backtested on.

The model learnt from, and the backtest measured it on, the officers in ``ModelSpec.population`` on
each Jan 1 (``indicators.history.population``: on the roster, minus excluded ranks, short tenure, or
no recent activity, as the agency's spec says). Scoring the whole roster instead would rank officers
the model never saw and alert on far more than the backtest promised (one agency: 83,029 scored and
4,152 alerts against a 12,159-officer cohort expected to yield about 600).

So the run scores the population on its own: peers, ranks, the top-share quota and the critical rules
are among its officers only. Officers on the roster outside it are never alerted; the spec's
``outside_population`` says whether their scores are stored for the record (``"scored"``, computed as
the whole-roster run always did, so the numbers mean what they meant) or not at all (``"not_scored"``).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pandas as pd

from eis_core.indicators.events import EventFrame
from eis_core.indicators.history import HistoryFrame, PopulationRule, population
from eis_core.scoring.pipeline import ScoringConfig, ScoringResult, run_pipeline
from eis_core.scoring.scorer import Scorer
from eis_core.scoring.spec import ModelSpec

OUTSIDE_DEFAULT = ModelSpec.model_fields["outside_population"].default


def population_params(rule: PopulationRule, outside: str) -> dict[str, Any] | None:
    """What goes into the scoring config id: nothing for the default (the roster, outsiders recorded)."""
    if rule == PopulationRule() and outside == OUTSIDE_DEFAULT:
        return None
    return {"rule": rule.model_dump(mode="json"), "outside": outside}


def score_population(
    events: EventFrame,
    history: HistoryFrame,
    as_of: date,
    config: ScoringConfig,
    scorer: Scorer | None,
    *,
    rule: PopulationRule,
    outside: str = OUTSIDE_DEFAULT,
    rule_source: str = "",
) -> ScoringResult:
    """Score and flag the population as of ``as_of``; score officers outside it for the record (or not)."""
    members = population(history, as_of, rule)
    params = population_params(rule, outside)
    result = run_pipeline(events, as_of, config, scorer, history=history, officers=members, population=params)
    inside = [score.model_copy(update={"in_population": True}) for score in result.scores]
    on_roster = events.roster_as_of(as_of).index
    outsiders = on_roster[~on_roster.isin(members)]
    recorded = []
    if outside == "scored" and len(outsiders):
        everyone = run_pipeline(events, as_of, config, scorer, history=history, officers=None)
        wanted = set(outsiders.astype(str))
        recorded = [
            score.model_copy(
                update={
                    "level": None,
                    "run_id": result.run_id,
                    "scoring_config_id": result.scoring_config_id,
                    "model_id": result.scoring_config_id,
                    "in_population": False,
                }
            )
            for score in everyone.scores
            if score.officer_id in wanted
        ]
    unknown_tenure = _unknown_tenure(history, members, as_of, rule)
    counts = {
        "rule": rule.model_dump(mode="json"),
        "rule_source": rule_source,
        "outside_policy": outside,
        "on_roster": len(on_roster),
        "in_population": len(inside),
        "outside_population": len(outsiders),
        "outside_scored": len(recorded),
    }
    if unknown_tenure:
        counts["outside_unknown_tenure"] = unknown_tenure
        counts["note"] = (
            f"{unknown_tenure} officer(s) on the roster have no hire date, so their tenure is unknown and the "
            f"rule's min_tenure_days ({rule.min_tenure_days}) leaves them out"
        )
    return replace(result, scores=inside + recorded, population=counts)


def _unknown_tenure(history: HistoryFrame, members: pd.Index, as_of: date, rule: PopulationRule) -> int:
    """Officers on the roster left out only because a minimum tenure cannot be judged without a hire date."""
    if rule.min_tenure_days == 0:
        return 0
    without = population(history, as_of, rule.model_copy(update={"min_tenure_days": 0}))
    unknown = history.roster["hire_date"].isna()
    missing_hire = set(unknown.index[unknown.to_numpy(bool)])
    inside = set(members)
    return sum(1 for officer in without if officer in missing_hire and officer not in inside)
