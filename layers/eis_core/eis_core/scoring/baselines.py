"""Three baselines for the backtest, at the same flag count as the model, with bootstrap intervals.

A model is worth its complexity only if it beats what an agency could do without it (NBER WP 32432
found even ranking by past complaints worth acting on). So, at the same number of flags:

* **rule**: the agency's own threshold rule (``ModelSpec.rule``), its flags first;
* **past complaints**: officers ranked by complaints in the last 12 months;
* **peer percentile**: officers ranked by their percentile, within their peer group (rank: the history
  keeps no unit), of complaints plus use-of-force reports in the last 12 months.

Every baseline ranking breaks ties by the next-longer window's counts (2 years, 5 years, career), so
no baseline is understated by an arbitrary order among equals. Precision, recall and true/false
positives come with 95% bootstrap intervals over officers (the flags fixed, officers resampled), and
the model's precision minus each baseline's with a paired interval: the model *beats* a baseline
only when that interval lies above zero.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from eis_core.scoring.metrics import top_flags
from eis_core.scoring.spec import BacktestRule

WINDOWS = ("1y", "2y", "5y", "career")
BOOTSTRAP_DRAWS = 1000
BOOTSTRAP_CHUNK = 100
BASELINES = {
    "rule": "the agency's threshold rule",
    "complaints": "ranking by past complaints",
    "peer_percentile": "percentile within the peer group",
}


def lexicographic(*keys: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """One score ordering officers by the first key, ties broken by the next: equal only if every key is."""
    frame = pd.DataFrame({f"k{i}": np.asarray(key, dtype=np.float64) for i, key in enumerate(keys)})
    if frame.empty:
        return np.zeros(0)
    groups = frame.groupby(list(frame.columns), sort=True).ngroup()
    return np.asarray(groups, dtype=np.float64)


def _incidents(features: pd.DataFrame, window: str) -> npt.NDArray[np.float64]:
    return (features[f"complaints_{window}"] + features[f"force_{window}"]).to_numpy(np.float64)


def baseline_scores(
    features: pd.DataFrame, rule: BacktestRule, peer_group: npt.ArrayLike
) -> dict[str, npt.NDArray[np.float64]]:
    """Each baseline's ranking score (higher = flagged first), from the full history features."""
    rule_flag = rule.flags(features).astype(np.float64)
    complaints = [features[f"complaints_{window}"].to_numpy(np.float64) for window in WINDOWS]
    groups = pd.Series(np.asarray(peer_group, dtype=object)).fillna("unknown").to_numpy()
    percentiles = [
        pd.Series(_incidents(features, window)).groupby(groups).rank(pct=True).to_numpy(np.float64)
        for window in WINDOWS
    ]
    return {
        "rule": lexicographic(rule_flag, *(_incidents(features, window) for window in WINDOWS)),
        "complaints": lexicographic(*complaints),
        "peer_percentile": lexicographic(*percentiles),
    }


def _interval(values: npt.NDArray[np.float64]) -> list[float] | None:
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    low, high = np.percentile(finite, [2.5, 97.5])
    return [float(low), float(high)]


def compare_at(
    flags: dict[str, npt.NDArray[np.bool_]],
    y: npt.NDArray[np.int64],
    *,
    reference: str = "model",
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """Per scorer: flags, TP, FP, precision and recall with 95% bootstrap intervals over officers, and
    (for the others) the reference's precision minus theirs with its paired interval and a verdict."""
    return compare_many([flags], y, reference=reference, draws=draws, seed=seed)[0]


def compare_many(
    flag_sets: list[dict[str, npt.NDArray[np.bool_]]],
    y: npt.NDArray[np.int64],
    *,
    reference: str = "model",
    draws: int = BOOTSTRAP_DRAWS,
    seed: int = 0,
) -> list[dict[str, dict[str, Any]]]:
    """``compare_at`` for each set of flags, from one set of bootstrap draws: each set's figures are those
    ``compare_at`` gives it alone (the same seed draws the same officers; the sums are whole numbers)."""
    n = int(y.size)
    positive = np.asarray(y, dtype=bool)
    columns = [flags[name] for flags in flag_sets for name in flags]
    hit = np.stack([column & positive for column in columns]).astype(np.float64)
    flagged = np.stack(columns).astype(np.float64)
    # Officers alike in every column (hit, flagged, positive) count alike: a draw's sums are its count of each
    # such pattern (a few dozen) times the pattern, whole numbers as exact as summing officer by officer.
    patterns, pattern_of = np.unique(np.vstack([hit, flagged, positive[None, :]]).T, axis=0, return_inverse=True)
    pattern_of = pattern_of.reshape(-1)
    width = len(patterns)
    rng = np.random.default_rng(seed)
    sums = []
    for start in range(0, draws, BOOTSTRAP_CHUNK):
        rows = min(BOOTSTRAP_CHUNK, draws - start)
        picks = pattern_of[rng.integers(0, n, size=(rows, n))] + (np.arange(rows) * width)[:, None]
        counts = np.bincount(picks.ravel(), minlength=rows * width).reshape(rows, width).astype(np.float64)
        sums.append(counts @ patterns)
    drawn = np.vstack(sums)
    c = len(columns)
    tp_b, flag_b, pos_b = drawn[:, :c], drawn[:, c : 2 * c], drawn[:, 2 * c]
    results, first = [], 0
    for flags in flag_sets:
        taken = slice(first, first + len(flags))
        first += len(flags)
        results.append(
            _compared(
                list(flags),
                positive,
                (hit[taken], flagged[taken]),
                (tp_b[:, taken], flag_b[:, taken], pos_b),
                reference,
            )
        )
    return results


def _compared(
    names: list[str],
    positive: npt.NDArray[np.bool_],
    counts: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]],
    bootstrap: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]],
    reference: str,
) -> dict[str, dict[str, Any]]:
    """One set's figures: ``counts`` its hits and flags per scorer, ``bootstrap`` their TP, flags, positives a draw."""
    hit, flagged = counts
    tp_b, flag_b, pos_b = bootstrap
    with np.errstate(invalid="ignore", divide="ignore"):
        precision_b = tp_b / flag_b
        recall_b = tp_b / pos_b[:, None]
    out: dict[str, dict[str, Any]] = {}
    positives = int(positive.sum())
    for column, name in enumerate(names):
        tp = int(hit[column].sum())
        count = int(flagged[column].sum())
        out[name] = {
            "flags": count,
            "tp": tp,
            "fp": count - tp,
            "tp_ci": _interval(tp_b[:, column]),
            "fp_ci": _interval(flag_b[:, column] - tp_b[:, column]),
            "precision": tp / count if count else None,
            "precision_ci": _interval(precision_b[:, column]),
            "recall": tp / positives if positives else None,
            "recall_ci": _interval(recall_b[:, column]),
        }
    if reference in names:
        ref = names.index(reference)
        for column, name in enumerate(names):
            if name == reference:
                continue
            difference = precision_b[:, ref] - precision_b[:, column]
            point = (
                None
                if out[reference]["precision"] is None or out[name]["precision"] is None
                else out[reference]["precision"] - out[name]["precision"]
            )
            interval = _interval(difference)
            verdict = "no flags"
            if interval is not None:
                verdict = "beats" if interval[0] > 0 else ("is beaten by" if interval[1] < 0 else "does not beat")
            out[name] |= {"model_minus_precision": point, "model_minus_precision_ci": interval, "verdict": verdict}
    return out


def baselines_at(
    model_score: npt.ArrayLike,
    baselines: dict[str, npt.NDArray[np.float64]],
    y: npt.NDArray[np.int64],
    officer_ids: npt.ArrayLike,
    k: int,
    *,
    rule_flags: npt.NDArray[np.bool_] | None = None,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """The model's top ``k`` against each baseline's top ``k`` (the rule's own flags when ``k`` is its count)."""
    return compare_at(flags_at(model_score, baselines, officer_ids, k, rule_flags=rule_flags), y, seed=seed)


def flags_at(
    model_score: npt.ArrayLike,
    baselines: dict[str, npt.NDArray[np.float64]],
    officer_ids: npt.ArrayLike,
    k: int,
    *,
    rule_flags: npt.NDArray[np.bool_] | None = None,
) -> dict[str, npt.NDArray[np.bool_]]:
    """The flags ``baselines_at`` compares: the model's top ``k`` and each baseline's (the rule's own at its count)."""
    flags = {"model": top_flags(model_score, k, officer_ids)}
    for name, score in baselines.items():
        if name == "rule" and rule_flags is not None and int(rule_flags.sum()) == k:
            flags[name] = rule_flags
        else:
            flags[name] = top_flags(score, k, officer_ids)
    return flags


def _ci(values: list[float] | None, kind: str) -> str:
    if values is None:
        return ""
    if kind == "int":
        return f" ({values[0]:,.0f} to {values[1]:,.0f})"
    if kind == "signed":
        return f" ({values[0]:+.3f} to {values[1]:+.3f})"
    return f" ({values[0]:.3f} to {values[1]:.3f})"


def _value(value: float | None, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "signed":
        return f"{value:+.3f}"
    return f"{value:,.0f}" if kind == "int" else f"{value:.3f}"


def baselines_table(comparison: dict[str, dict[str, Any]]) -> str:
    """Markdown: one row per scorer, 95% intervals in brackets."""
    lines = [
        "| | flags | TP (95% CI) | FP (95% CI) | precision (95% CI) | recall (95% CI) "
        "| model minus it, precision (95% CI) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in comparison.items():
        label = "**model**" if name == "model" else BASELINES.get(name, name)
        difference = (
            ""
            if name == "model"
            else (
                f"{_value(row['model_minus_precision'], 'signed')}{_ci(row['model_minus_precision_ci'], 'signed')} "
                f"({row['verdict']})"
            )
        )
        lines.append(
            f"| {label} | {row['flags']:,} | {_value(row['tp'], 'int')}{_ci(row['tp_ci'], 'int')} | "
            f"{_value(row['fp'], 'int')}{_ci(row['fp_ci'], 'int')} | "
            f"{_value(row['precision'], 'rate')}{_ci(row['precision_ci'], 'rate')} | "
            f"{_value(row['recall'], 'rate')}{_ci(row['recall_ci'], 'rate')} | {difference} |"
        )
    return "\n".join(lines)


def verdicts(test_year: int, where: str, comparison: dict[str, dict[str, Any]]) -> list[str]:
    """Plain sentences for every baseline the model does not beat."""
    sentences = []
    for name, row in comparison.items():
        if name == "model" or row.get("verdict") == "beats":
            continue
        interval = row.get("model_minus_precision_ci") or [float("nan"), float("nan")]
        sentences.append(
            f"{test_year}, {where}: the model {row.get('verdict', 'does not beat')} {BASELINES.get(name, name)} "
            f"(precision {_value(comparison['model']['precision'], 'rate')} vs {_value(row['precision'], 'rate')}; "
            f"difference 95% CI {interval[0]:+.3f} to {interval[1]:+.3f})."
        )
    return sentences
