"""Ranking metrics for a top share of flags (triage's ``evaluation``): precision, recall, lift, AUC,
true positives with ties counted fairly, and the model's false positives at the rule's catch."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import roc_auc_score


def topk_tp(score: npt.ArrayLike, y: npt.ArrayLike, k: int) -> float:
    """True positives among the top k; ties at the boundary count at their average (random tie-break)."""
    s, labels = np.asarray(score, float), np.asarray(y, float)
    if k <= 0 or s.size == 0:
        return 0.0
    k = min(k, s.size)
    threshold = np.sort(s)[::-1][k - 1]
    above, tie = s > threshold, s == threshold
    return float(labels[above].sum() + (k - above.sum()) * labels[tie].mean())


def k_for_tp(score: npt.ArrayLike, y: npt.ArrayLike, target: float) -> int:
    """The fewest flags (by score) whose expected true positives reach ``target``."""
    s, labels = np.asarray(score, float), np.asarray(y, float)
    order = np.argsort(-s, kind="stable")
    k = int(np.searchsorted(np.cumsum(labels[order]), target - 1e-9) + 1)
    while k > 1 and topk_tp(s, labels, k - 1) >= target - 1e-9:
        k -= 1
    while k < s.size and topk_tp(s, labels, k) < target - 1e-9:
        k += 1
    return k


def top_flags(score: npt.ArrayLike, k: int, officer_ids: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """Exactly k flags: highest score first, ties by officer id (reproducible)."""
    frame = pd.DataFrame({"score": np.asarray(score, float), "officer": np.asarray(officer_ids, dtype=object)})
    order = frame.sort_values(["score", "officer"], ascending=[False, True], kind="stable").index[:k]
    flags = np.zeros(len(frame), dtype=bool)
    flags[order] = True
    return flags


def fewer_fp_at_rule_tp(
    score: npt.ArrayLike, y: npt.NDArray[np.int64], rule_flag: npt.NDArray[np.bool_]
) -> float | None:
    """1 - the model's false positives at the rule's true-positive count / the rule's false positives.

    Undefined when the rule catches nobody or flags nobody wrongly.
    """
    rule_tp = float(y[rule_flag].sum())
    rule_fp = float(rule_flag.sum()) - rule_tp
    if not rule_tp or not rule_fp:
        return None
    k = k_for_tp(score, y, rule_tp)
    return 1 - (k - topk_tp(score, y, k)) / rule_fp


def ranking_metrics(score: npt.ArrayLike, y: npt.NDArray[np.int64], top_share: float) -> dict[str, Any]:
    n = int(y.size)
    k = max(1, int(np.ceil(top_share * n)))
    base = float(y.mean()) if n else 0.0
    tp = topk_tp(score, y, k)
    positives = int(y.sum())
    return {
        "officers": n,
        "adverse": positives,
        "base_rate": base,
        "flagged": k,
        "precision_at_top": tp / k,
        "recall_at_top": tp / positives if positives else None,
        "lift_at_top": (tp / k) / base if base else None,
        "auc": float(roc_auc_score(y, score)) if 0 < positives < n else None,
    }
