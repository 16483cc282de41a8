"""Scoring: peer comparison, threshold rules, the scorer step, explanations, and the scoring run."""

from eis_core.scoring.peers import PeerComparison, PeerConfig, compare_with_peers
from eis_core.scoring.pipeline import AlertPolicy, Flagged, ScoringConfig, ScoringResult, run_pipeline
from eis_core.scoring.rules import DEFAULT_RULES, RuleConfig, RuleResult, evaluate_rules
from eis_core.scoring.scorer import FoundationScorer, Scorer, ScoringInputs, model_id
from eis_core.scoring.service import RunSummary, ScoringService, report_key

__all__ = [
    "DEFAULT_RULES",
    "AlertPolicy",
    "Flagged",
    "FoundationScorer",
    "PeerComparison",
    "PeerConfig",
    "RuleConfig",
    "RuleResult",
    "RunSummary",
    "Scorer",
    "ScoringConfig",
    "ScoringInputs",
    "ScoringResult",
    "ScoringService",
    "compare_with_peers",
    "evaluate_rules",
    "model_id",
    "report_key",
    "run_pipeline",
]
