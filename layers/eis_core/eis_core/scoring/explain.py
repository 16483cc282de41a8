"""Factors and plain-language explanations: the numbers behind a score, in sentences."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from eis_core.indicators.catalogue import INDICATORS, format_number
from eis_core.models.alerts import AlertLevel, Factor, RuleHit
from eis_core.scoring.peers import PeerComparison


def top_factors(
    indicators: pd.DataFrame,
    peers: PeerComparison,
    candidates: Sequence[str],
    *,
    max_factors: int,
    min_z: float,
) -> dict[str, list[Factor]]:
    """Per officer, up to ``max_factors`` indicators furthest above peers (robust z >= ``min_z``)."""
    columns = [c for c in candidates if c in indicators.columns and INDICATORS[c].higher_is_worse]
    z = peers.robust_z[columns].to_numpy(dtype="float64", na_value=np.nan)
    value = indicators[columns].to_numpy(dtype="float64", na_value=np.nan)
    median = peers.median[columns].to_numpy(dtype="float64", na_value=np.nan)
    percentile = np.clip(peers.percentile[columns].to_numpy(dtype="float64", na_value=np.nan), 0.0, 100.0)
    eligible = (z >= min_z) & (value > median)
    ranked = np.where(eligible, z, -np.inf)
    # Stable order: highest z first, ties in candidate order, so explanations are reproducible.
    order = np.argsort(-ranked, axis=1, kind="stable")[:, :max_factors]
    groups = peers.group.to_numpy()
    factors: dict[str, list[Factor]] = {}
    for row, officer_id in enumerate(indicators.index):
        chosen = [col for col in order[row] if eligible[row, col]]
        factors[str(officer_id)] = [
            Factor(
                indicator=columns[col],
                label=INDICATORS[columns[col]].label,
                officer_value=float(value[row, col]),
                peer_median=float(median[row, col]),
                peer_percentile=float(percentile[row, col]),
                peer_group=str(groups[row]),
            )
            for col in chosen
        ]
    return factors


def ordinal(number: int) -> str:
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def percentile_words(percentile: float) -> str:
    # Floored, so the top of a group reads "99th", never "100th".
    return f"{ordinal(min(int(percentile), 99))} percentile"


def factor_sentence(factor: Factor) -> str:
    """E.g. '4 use-of-force reports in the last 90 days (peer median 1, 97th percentile among ...)'."""
    spec = INDICATORS[factor.indicator]
    return (
        f"{spec.describe(factor.officer_value)} (peer median {format_number(factor.peer_median)}, "
        f"{percentile_words(factor.peer_percentile)} among {factor.peer_group})"
    )


def rule_sentence(hit: RuleHit) -> str:
    return f"{hit.description} ({hit.level.value}): {format_number(hit.value)} recorded"


def explain(
    *,
    as_of: date,
    level: AlertLevel,
    score: float,
    rank: int,
    officers: int,
    peer_group: str,
    peer_group_size: int,
    factors: Sequence[Factor],
    rules: Sequence[RuleHit],
    model_reasons: Sequence[str] = (),
) -> str:
    """The alert text a supervisor reads first: why, in numbers, and what it is not.

    ``model_reasons`` (from a trained model) name the history that raised its risk estimate most.
    """
    sentences = [
        f"Flagged for supervisor review ({level.value}) on the records known before {as_of.isoformat()}; "
        "this is a prompt for a supportive conversation, not a finding of misconduct.",
    ]
    standing = f"ranks {ordinal(rank)} of {officers} officers by risk (top {_share(rank, officers)})"
    if model_reasons:
        # The rank is what flagged the officer; the probability drifts with the agency's base rate.
        sentences.append(
            f"The agency's model {standing}, an estimated {100 * score:.0f}% chance of an adverse event in the "
            "next year; what raised it most: " + "; ".join(model_reasons) + "."
        )
        sentences.append(f"Compared with a peer group of {peer_group_size} officers ({peer_group}).")
    else:
        sentences.append(
            f"Compared with a peer group of {peer_group_size} officers ({peer_group}); "
            f"peer-relative score {score:.1f}, which {standing}."
        )
    sentences += [f"{_capitalised(factor_sentence(factor))}." for factor in factors]
    if rules:
        sentences.append("Threshold rules fired: " + "; ".join(rule_sentence(hit) for hit in rules) + ".")
    else:
        sentences.append("No threshold rule fired; the alert comes from the comparison with peers.")
    return " ".join(sentences)


def _share(rank: int, officers: int) -> str:
    share = 100 * rank / officers if officers else 100.0
    return f"{share:.0f}%" if share >= 1 else "1%"


def _capitalised(sentence: str) -> str:
    return sentence[:1].upper() + sentence[1:]
