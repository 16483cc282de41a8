"""Backtest: train on as-of dates before a test year, score as of its Jan 1, compare with the threshold rule.

For test year Y the model is trained by ``train_model(frame, spec, cutoff=Y-01-01)``: every training
label window ends by that day, so nothing from the test year is learnt. The rule is the agency's
threshold (``spec.rule``, a ``BacktestRule``: at least N complaints or M force reports in the last 12
months); it ranks its flags first, then by complaints + force over 12 months, 2 years, 5 years and the
career (``eis_core.scoring.baselines``: no arbitrary order among equals), so it has a top 5% too. The model is
also compared, at the same flag counts, with ranking by past complaints and by percentile within the
peer group, each with 95% bootstrap intervals over officers.

Reported per year, for model and rule side by side: base rate, precision, recall and lift at the
top share, AUC; at the rule's own flag count F the true and false positives of each; the flags the
model needs to reach the rule's true positives and its false positives there; median lead time from
the flag (Jan 1) to the first adverse event; and FNR/FDR/FPR by group (``fairness``).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.metrics import precision_recall_curve

from eis_core.indicators.history import HistoryFrame, history_features
from eis_core.scoring.baselines import baseline_scores, baselines_table, compare_many, flags_at, verdicts
from eis_core.scoring.card import ModelCard
from eis_core.scoring.estimator import TrainedModel
from eis_core.scoring.fairness import audit_groups, fairness_table
from eis_core.scoring.metrics import fewer_fp_at_rule_tp, k_for_tp, ranking_metrics, top_flags, topk_tp
from eis_core.scoring.panel import build_panel
from eis_core.scoring.spec import BacktestRule, ModelSpec
from eis_core.scoring.trainer import train_model


@dataclass(frozen=True)
class YearResult:
    test_year: int
    model_id: str
    card: ModelCard
    table: dict[str, Any]
    fairness: dict[str, list[dict[str, Any]]]
    curves: dict[str, tuple[list[float], list[float]]]
    baselines: dict[str, Any] = field(default_factory=dict)
    """The model against three baselines at the rule's flag count and at the top share (``baselines``)."""
    fairness_measurable: bool = True
    """False when the agency sends no demographic columns: the fairness tables would be empty."""
    calibration: list[dict[str, Any]] = field(default_factory=list)
    """By decile of the model's score (1 = highest): officers, mean predicted probability, observed adverse rate."""


def calibration_by_decile(score: npt.NDArray[np.float64], adverse: npt.NDArray[np.int_]) -> list[dict[str, Any]]:
    """Ten equal-count bins by descending score (ties kept in one order: a stable sort), each with its
    mean predicted probability and the share of its officers who had the adverse event."""
    order = np.argsort(-score, kind="stable")
    rows = []
    for decile, members in enumerate(np.array_split(order, 10), start=1):
        if not members.size:
            continue
        rows.append(
            {
                "decile": decile,
                "officers": int(members.size),
                "mean_predicted": float(score[members].mean()),
                "observed_rate": float(adverse[members].mean()),
                "adverse": int(adverse[members].sum()),
            }
        )
    return rows


def _lead_days(first_adverse: npt.NDArray[np.float64], as_of: date, flags: npt.NDArray[np.bool_]) -> float | None:
    hits = first_adverse[flags & ~np.isnan(first_adverse)]
    return float(np.median(hits - as_of.toordinal())) if hits.size else None


DATA_END_GRACE_DAYS = 31


def backtest_year(frame: HistoryFrame, spec: ModelSpec, test_year: int, rule: BacktestRule | None = None) -> YearResult:
    rule = rule or spec.rule
    as_of = date(test_year, 1, 1)
    if frame.size and spec.window_end(as_of) > frame.last_event_day() + timedelta(days=DATA_END_GRACE_DAYS):
        # Outcomes after the data's end are unknown, not absent: every officer would look clean. The
        # grace allows for quiet last days (the last record is not the extract's end date).
        raise ValueError(
            f"test year {test_year}: its {spec.window_months}-month outcome window ends "
            f"{spec.window_end(as_of)}, after the last record ({frame.last_event_day()}); choose an earlier year"
        )
    model: TrainedModel = train_model(frame, spec, cutoff=as_of)
    panel = build_panel(frame, spec, [as_of])
    x, y, ids = panel.features, panel.label, panel.officer_ids
    model_score = model.predict(x)
    full = history_features(frame, as_of, ids)
    baselines = baseline_scores(full, rule, frame.roster["rank"].reindex(pd.Index(ids)).to_numpy(dtype=object))
    rule_score = baselines["rule"]
    rule_flag = rule.flags(full)

    m, r = ranking_metrics(model_score, y, spec.top_share), ranking_metrics(rule_score, y, spec.top_share)
    k = m["flagged"]
    flag_count = int(rule_flag.sum())
    rule_tp = float(y[rule_flag].sum())
    model_tp_at_f = topk_tp(model_score, y, flag_count)
    k_model = k_for_tp(model_score, y, rule_tp)
    model_fp_at_rule_tp = k_model - topk_tp(model_score, y, k_model)
    rule_fp = flag_count - rule_tp
    model_top, rule_top = top_flags(model_score, k, ids), top_flags(rule_score, k, ids)
    model_at_f = top_flags(model_score, flag_count, ids)
    table: dict[str, Any] = {
        "officers": m["officers"],
        "adverse": m["adverse"],
        "base_rate": m["base_rate"],
        "top_share_flags": k,
        "model_precision_at_top": m["precision_at_top"],
        "rule_precision_at_top": r["precision_at_top"],
        "model_recall_at_top": m["recall_at_top"],
        "rule_recall_at_top": r["recall_at_top"],
        "model_lift_at_top": m["lift_at_top"],
        "rule_lift_at_top": r["lift_at_top"],
        "model_auc": m["auc"],
        "rule_auc": r["auc"],
        "rule_flag_count": flag_count,
        "rule_tp_at_rule_count": rule_tp,
        "rule_fp_at_rule_count": rule_fp,
        "model_tp_at_rule_count": model_tp_at_f,
        "model_fp_at_rule_count": flag_count - model_tp_at_f,
        "model_flags_for_rule_tp": k_model,
        "model_fp_at_rule_tp": model_fp_at_rule_tp,
        # Undefined when the rule catches nobody: "the same catch" would be zero officers.
        "model_fp_reduction_at_rule_tp": fewer_fp_at_rule_tp(model_score, y, rule_flag),
        "model_lead_days_top": _lead_days(panel.first_adverse, as_of, model_top),
        "rule_lead_days_top": _lead_days(panel.first_adverse, as_of, rule_top),
        "model_lead_days_at_rule_count": _lead_days(panel.first_adverse, as_of, model_at_f),
        "rule_lead_days_flagged": _lead_days(panel.first_adverse, as_of, rule_flag),
        "mean_predicted_over_base_rate": float(model_score.mean() / m["base_rate"]) if m["base_rate"] else None,
        "training_as_of": [d.isoformat() for d in model.card.training_window.as_of_dates],
        "leakage_warning": spec.leakage_check.warns(test_year, m),
    }
    index = pd.Index(ids)
    groups = audit_groups(frame.demographics.loc[pd.Index(ids)], as_of)
    adverse = pd.Series(y.astype(bool), index=index)
    fairness = {
        "model_top": fairness_table(pd.Series(model_top, index=index), groups, adverse),
        "rule_top": fairness_table(pd.Series(rule_top, index=index), groups, adverse),
        "model_at_rule_count": fairness_table(pd.Series(model_at_f, index=index), groups, adverse),
        "rule_flagged": fairness_table(pd.Series(rule_flag, index=index), groups, adverse),
    }
    curves = {}
    for name, score in (("model", model_score), ("rule", rule_score)):
        precision, recall, _ = precision_recall_curve(y, score)
        step = max(1, len(recall) // 200)
        curves[name] = ([float(v) for v in recall[::step]], [float(v) for v in precision[::step]])
    # Both flag counts from one set of bootstrap draws: each as ``baselines_at`` gives it alone.
    at_counts = [flags_at(model_score, baselines, ids, k)]
    if flag_count:
        at_counts.insert(0, flags_at(model_score, baselines, ids, flag_count, rule_flags=rule_flag))
    compared = compare_many(at_counts, y, seed=spec.seed)
    comparisons = {
        "rule_flag_count": flag_count,
        "top_share_flags": k,
        "peer_group": "rank (the latest on the roster)",
        "at_rule_count": compared[0] if flag_count else None,
        "at_top_share": compared[-1],
    }
    measurable = bool(frame.demographics.reindex(pd.Index(ids)).notna().to_numpy().any())
    calibration = calibration_by_decile(model_score, y)
    return YearResult(
        test_year, model.model_id, model.card, table, fairness, curves, comparisons, measurable, calibration
    )


def run_backtest(
    frame: HistoryFrame,
    spec: ModelSpec,
    test_years: list[int],
    rule: BacktestRule | None = None,
    *,
    workers: int = 1,
) -> list[YearResult]:
    """One ``backtest_year`` per test year (in parallel processes when ``workers`` > 1)."""
    if workers > 1 and len(test_years) > 1:
        from joblib import Parallel, delayed

        results: list[YearResult] = Parallel(n_jobs=min(workers, len(test_years)), backend="loky")(
            delayed(backtest_year)(frame, spec, year, rule) for year in test_years
        )
        return results
    return [backtest_year(frame, spec, year, rule) for year in test_years]


# ---------------------------------------------------------------------------------------- report

_ROWS: list[tuple[str, str, str]] = [
    ("Officers in the population", "officers", "int"),
    ("Adverse officers", "adverse", "int"),
    ("Base rate", "base_rate", "rate"),
    ("Flags at the top share", "top_share_flags", "int"),
    ("**Model precision @ top share**", "model_precision_at_top", "rate"),
    ("Rule precision @ top share", "rule_precision_at_top", "rate"),
    ("Model recall @ top share", "model_recall_at_top", "rate"),
    ("Rule recall @ top share", "rule_recall_at_top", "rate"),
    ("Model lift @ top share", "model_lift_at_top", "x"),
    ("Rule lift @ top share", "rule_lift_at_top", "x"),
    ("Model AUC", "model_auc", "rate"),
    ("Rule AUC", "rule_auc", "rate"),
    ("Rule flag count F", "rule_flag_count", "int"),
    ("Rule TP / FP at F", "rule_tp_at_rule_count|rule_fp_at_rule_count", "pair"),
    ("Model TP / FP at F", "model_tp_at_rule_count|model_fp_at_rule_count", "pair"),
    ("Model flags needed for the rule's TP", "model_flags_for_rule_tp", "int"),
    ("Model FP at the rule's TP (rule FP above)", "model_fp_at_rule_tp", "int"),
    ("**Model: fewer FP at the rule's TP**", "model_fp_reduction_at_rule_tp", "pct"),
    ("Median lead days, model top share", "model_lead_days_top", "int"),
    ("Median lead days, rule top share", "rule_lead_days_top", "int"),
    ("Median lead days, model at F", "model_lead_days_at_rule_count", "int"),
    ("Median lead days, rule flags", "rule_lead_days_flagged", "int"),
    ("Calibration: mean predicted / base rate", "mean_predicted_over_base_rate", "x"),
]


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return "-"
    if kind == "int":
        return f"{value:,.0f}"
    if kind == "rate":
        return f"{value:.3f}"
    if kind == "pct":
        return f"{100 * value:.1f}%"
    return f"{value:.2f}"


def _cell(table: dict[str, Any], key: str, kind: str) -> str:
    if kind == "pair":
        a, b = key.split("|")
        return f"{table[a]:,.0f} / {table[b]:,.0f}"
    return _fmt(table[key], kind)


def _average(results: list[YearResult], key: str, kind: str) -> str:
    if kind == "pair":
        return ""
    values = [r.table[key] for r in results if r.table[key] is not None]
    return _fmt(sum(values) / len(values), kind) if values else "-"


def summary_table(results: list[YearResult]) -> str:
    head = "| | " + " | ".join(str(r.test_year) for r in results) + " | average |"
    lines = [head, "|---" * (len(results) + 2) + "|"]
    for label, key, kind in _ROWS:
        cells = [_cell(r.table, key, kind) for r in results]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {_average(results, key, kind)} |")
    return "\n".join(lines)


def _fnr_table(results: list[YearResult], left: str, right: str, titles: tuple[str, str]) -> str:
    lines = ["| attribute | group | " + " | ".join(f"{r.test_year} {t}" for r in results for t in titles) + " |"]
    lines.append("|---|---|" + "---|" * (2 * len(results)))
    keys: list[tuple[str, str]] = []
    for row in results[0].fairness[left]:
        keys.append((row["attribute"], row["group"]))
    for attribute, group in keys:
        cells = []
        for r in results:
            for which in (left, right):
                matches = [x for x in r.fairness[which] if x["attribute"] == attribute and x["group"] == group]
                if not matches or matches[0].get("fnr_ratio") is None:
                    cells.append("-")
                else:
                    row = matches[0]
                    mark = " ⚠" if "fnr" in row["outside_range"] else ""
                    cells.append(f"{row['fnr_ratio']:.2f} ({row['false_negatives']}/{row['adverse']}){mark}")
        ref = " (ref)" if results[0].fairness[left][keys.index((attribute, group))]["reference"] == group else ""
        lines.append(f"| {attribute} | {group}{ref} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _rate_cell(row: dict[str, Any], rate: str) -> str:
    value, ratio = row.get(rate), row.get(f"{rate}_ratio")
    if value is None:
        return "-"
    mark = " ⚠" if rate in row["outside_range"] else ""
    return f"{value:.3f} ({ratio:.2f}){mark}" if ratio is not None else f"{value:.3f}"


def fairness_section(result: YearResult, model_key: str, rule_key: str) -> str:
    """Flag rate, FPR, FNR and FDR by group for model and rule, each with its ratio to the largest group."""
    rates = ("flag_rate", "fpr", "fnr", "fdr")
    head = "| attribute | group | officers | adverse | " + " | ".join(
        f"{who} {rate.upper().replace('_', ' ')}" for who in ("model", "rule") for rate in rates
    )
    lines = [head + " |", "|---|---|---|---|" + "---|" * (2 * len(rates))]
    rule_rows = {(r["attribute"], r["group"]): r for r in result.fairness[rule_key]}
    for row in result.fairness[model_key]:
        other = rule_rows[(row["attribute"], row["group"])]
        ref = " (ref)" if row["reference"] == row["group"] else ""
        cells = [_rate_cell(row, rate) for rate in rates] + [_rate_cell(other, rate) for rate in rates]
        lines.append(
            f"| {row['attribute']} | {row['group']}{ref} | {row['officers']:,} | {row['adverse']:,} | "
            + " | ".join(cells)
            + " |"
        )
    return "\n".join(lines)


SMALL_GROUP = 30


def model_worse(results: list[YearResult], margin: float = 0.02) -> list[str]:
    """Plain sentences for every group whose FNR ratio (at the rule's flag count) is worse under the model."""
    sentences = []
    for r in results:
        rule_rows = {(x["attribute"], x["group"]): x for x in r.fairness["rule_flagged"]}
        for row in r.fairness["model_at_rule_count"]:
            other = rule_rows[(row["attribute"], row["group"])]
            if row["fnr_ratio"] is None or other["fnr_ratio"] is None or row["group"] == "unknown":
                continue
            if row["fnr_ratio"] > other["fnr_ratio"] + margin:
                small = " (fewer than 30 adverse officers: noise)" if row["adverse"] < SMALL_GROUP else ""
                sentences.append(
                    f"{r.test_year}, {row['attribute']} {row['group']}: model FNR ratio {row['fnr_ratio']:.2f} "
                    f"({row['false_negatives']}/{row['adverse']} missed) vs rule {other['fnr_ratio']:.2f} "
                    f"({other['false_negatives']}/{other['adverse']} missed){small}"
                )
    return sentences


def pr_svg(curves: dict[str, tuple[list[float], list[float]]], title: str, width: int = 360, height: int = 240) -> str:
    """Precision-recall curves as an inline SVG polyline per scorer (no plotting library needed)."""
    pad = 30
    colours = {"model": "#1f77b4", "rule": "#d62728"}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{html.escape(title)}">',
        f'<text x="{pad}" y="14" font-size="12">{html.escape(title)}</text>',
        f'<rect x="{pad}" y="{pad}" width="{width - 2 * pad}" height="{height - 2 * pad}" fill="none" stroke="#999"/>',
        f'<text x="{width // 2}" y="{height - 6}" font-size="10">recall</text>',
        f'<text x="2" y="{height // 2}" font-size="10">precision</text>',
    ]
    for offset, (name, (recall, precision)) in enumerate(curves.items()):
        points = " ".join(
            f"{pad + r * (width - 2 * pad):.1f},{height - pad - p * (height - 2 * pad):.1f}"
            for r, p in zip(recall, precision, strict=True)
        )
        colour = colours.get(name, "#333")
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>')
        parts.append(
            f'<text x="{width - 80}" y="{pad + 14 + 12 * offset}" font-size="10" fill="{colour}">{name}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def baselines_section(results: list[YearResult], share: str) -> list[str]:
    """The model against the three baselines at the rule's flag count and the top share, and plain verdicts."""
    lines = [
        "## The model against three baselines",
        "",
        "At the same number of flags: the agency's rule (its own flags at F), ranking by past complaints, and "
        "percentile of complaints + force within the peer group (rank). Baseline ties are broken by the "
        "next-longer window's counts (2 years, 5 years, career). Brackets: 95% bootstrap intervals over "
        "officers (1,000 draws). The model beats a baseline only where its precision difference's interval "
        "lies above zero.",
        "",
    ]
    sentences: list[str] = []
    for r in results:
        at_f, at_top = r.baselines.get("at_rule_count"), r.baselines.get("at_top_share")
        if at_f is not None:
            where = f"at the rule's flag count F = {r.baselines['rule_flag_count']:,}"
            lines += [f"### {r.test_year}, {where}", "", baselines_table(at_f), ""]
            sentences += verdicts(r.test_year, where, at_f)
        if at_top is not None:
            where = f"at the top {share} ({r.baselines['top_share_flags']:,} flags)"
            lines += [f"### {r.test_year}, {where}", "", baselines_table(at_top), ""]
            sentences += verdicts(r.test_year, where, at_top)
    lines += ["Where the model does not beat a baseline:", ""]
    lines += [f"* {sentence}" for sentence in sentences] or ["* nowhere: it beats all three, at both flag counts."]
    return [*lines, ""]


def fairness_sections(results: list[YearResult], share: str) -> list[str]:
    """False-negative-rate ratios and the fairness table by group, model and rule at the same flag count."""
    lines = [
        "## False-negative-rate ratio vs the largest group (FN / adverse officers)",
        "",
        "At the rule's flag count F (model top F vs rule flags); ⚠ marks ratios outside 0.8-1.25.",
        "",
        _fnr_table(results, "model_at_rule_count", "rule_flagged", ("model@F", "rule")),
        "",
        "Where the model's FNR ratio is worse than the rule's (by more than 0.02):",
        "",
        *([f"* {sentence}" for sentence in model_worse(results)] or ["* nowhere"]),
        "",
        f"At the top {share}:",
        "",
        _fnr_table(results, "model_top", "rule_top", ("model", "rule")),
        "",
        "## Fairness table (rate, and ratio to the largest group)",
        "",
        "Model top F vs rule flags, so both flag the same number of officers; ⚠ marks ratios outside 0.8-1.25.",
        "",
    ]
    for r in results:
        lines += [f"### {r.test_year}", "", fairness_section(r, "model_at_rule_count", "rule_flagged"), ""]
    return lines


def calibration_section(results: list[YearResult]) -> list[str]:
    """Predicted against observed adverse rates by decile of the model's score, per test year."""
    lines = [
        "## Calibration by decile",
        "",
        "Officers ranked by the model's score and cut into ten equal groups (1 = highest). A calibrated model's "
        "mean predicted probability is close to the share of the group who had the adverse event.",
        "",
        "| decile | " + " | ".join(f"{r.test_year} predicted / observed (adverse/officers)" for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]
    for index in range(max((len(r.calibration) for r in results), default=0)):
        cells = []
        for r in results:
            if index < len(r.calibration):
                row = r.calibration[index]
                cells.append(
                    f"{row['mean_predicted']:.3f} / {row['observed_rate']:.3f} ({row['adverse']:,}/{row['officers']:,})"
                )
            else:
                cells.append("-")
        lines.append(f"| {index + 1} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def render_report(
    results: list[YearResult], *, agency_id: str, spec: ModelSpec, rule: BacktestRule, notes: list[str]
) -> str:
    share = f"{100 * spec.top_share:.0f}%"
    lines = [
        f"# Backtest: {agency_id}, test years {', '.join(str(r.test_year) for r in results)}",
        "",
        f"* Adverse event: {spec.adverse.describe()}, known within {spec.window_months} months after Jan 1.",
        f"* Population each Jan 1: {spec.population.model_dump(mode='json')} (on the roster: hired before, "
        "not separated by it).",
        f"* Rule: {rule.describe()}. Top share: {share}. Model ids: "
        + ", ".join(f"{r.test_year} `{r.model_id}`" for r in results),
        "* Each year's model is trained only on as-of dates whose 12-month label windows end by that Jan 1.",
        *[f"* {note}" for note in notes],
        "",
        "## Model vs rule",
        "",
        summary_table(results),
        "",
    ]
    warnings = [r.test_year for r in results if r.table["leakage_warning"]]
    if warnings:
        lines += [f"**Leakage warning** for {warnings}: {spec.leakage_check.describe()}.", ""]
    lines += baselines_section(results, share)
    if all(r.fairness_measurable for r in results):
        lines += fairness_sections(results, share)
    else:
        lines += [
            "## Fairness",
            "",
            "**Fairness cannot be measured for this agency**: its records carry no demographic columns (race, "
            "sex, birth year), so error rates by group are unknown. This is not a pass. To measure it, send them "
            "in the roster extract (they are never model inputs).",
            "",
        ]
    lines += calibration_section(results)
    lines += [
        "## Precision-recall",
        "",
    ]
    for r in results:
        lines.append(pr_svg(r.curves, f"{r.test_year}: model (blue) vs rule (red)"))
    lines += ["", "## Training", ""]
    for r in results:
        validation = r.card.temporal_validation
        metrics = validation.metrics
        precision = float("nan") if metrics is None else metrics.precision_at_top
        auc = (None if metrics is None else metrics.auc) or float("nan")
        lines.append(
            f"* {r.test_year}: as-of dates {r.table['training_as_of'][0]} .. {r.table['training_as_of'][-1]}, "
            f"{r.card.cohort.officer_years:,} officer-years, base rate {r.card.base_rate:.3f}; "
            f"temporal validation on {validation.as_of}: precision@top {precision:.3f}, AUC {auc:.3f}"
        )
    return "\n".join(lines) + "\n"
