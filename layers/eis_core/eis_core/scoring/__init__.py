"""Scoring: peer comparison, threshold rules, the scorer step, the agency's model, explanations, the run."""

from eis_core.scoring.card import ModelCard
from eis_core.scoring.estimator import TrainedModel
from eis_core.scoring.peers import PeerComparison, PeerConfig, compare_with_peers
from eis_core.scoring.pipeline import AlertPolicy, Flagged, ScoringConfig, ScoringResult, run_pipeline
from eis_core.scoring.rules import DEFAULT_RULES, RuleConfig, RuleResult, evaluate_rules
from eis_core.scoring.scorer import FoundationScorer, ModelScorer, Scorer, ScoringInputs, scoring_config_id
from eis_core.scoring.service import RunSummary, ScoringService, report_key
from eis_core.scoring.spec import ModelSpec
from eis_core.scoring.store import ModelRepository
from eis_core.scoring.trainer import train_model
from eis_core.scoring.training import RetrainingService, RetrainSummary

__all__ = [
    "DEFAULT_RULES",
    "AlertPolicy",
    "Flagged",
    "FoundationScorer",
    "ModelCard",
    "ModelRepository",
    "ModelScorer",
    "ModelSpec",
    "PeerComparison",
    "PeerConfig",
    "RetrainSummary",
    "RetrainingService",
    "RuleConfig",
    "RuleResult",
    "RunSummary",
    "Scorer",
    "ScoringConfig",
    "ScoringInputs",
    "ScoringResult",
    "ScoringService",
    "TrainedModel",
    "compare_with_peers",
    "evaluate_rules",
    "report_key",
    "run_pipeline",
    "scoring_config_id",
    "train_model",
]
