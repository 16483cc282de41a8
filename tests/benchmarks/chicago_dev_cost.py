"""Is Chicago's 20-fit model worth its cost? Cheaper settings against it, on development years 2010-2012 only.

    .venv/bin/python tests/benchmarks/chicago_dev_cost.py [--frame FILE]   # ~10 min on 2 idle cores
    .venv/bin/python tests/benchmarks/chicago_dev_cost.py report          # the table from the saved scores

The spec (``specs/chicago-demo.json``) averages four candidates, each Platt-calibrated with 3 folds:
per test year 4 validation fits + 4 x (3 folds + 1 final) = 20 boosting fits. The cheaper settings
compared, all from the same fits (each candidate is fitted once per number of folds on each
development year, exactly as ``train_model`` fits it; the 2- and 3-fold models share the final fit):

    avg4-k3   the spec (20 fits)        avg4-k2   four candidates, 2 folds (16)
    avgAB-kK  two candidates averaged (2 validation fits + 2 x (K + 1): 10 or 8)
    choose-kK validation picks one of the four (4 + K + 1: 8 or 7)
    X-kK      candidate X alone (1 + K + 1: 5 or 4)

The criterion, written before any result was seen: the spec's own two dev-year figures (its notes
cite them), mean precision at the top 5% and mean "fewer false positives than the rule at its true
positives" over the three development years. A cheaper setting is "as good within noise" when its
mean precision is no more than 0.005 below the spec's and its mean fewer-FP no more than 1.0 point
below (the margin by which averaging beat choosing, 23.2% vs 21.9%, was 1.3 points). Of those, the
cheapest wins; among equal cost, the higher mean fewer-FP. Each year's difference from the spec is
shown with a paired bootstrap standard error over officers (200 resamples) as the noise yardstick.
Test years (2013+) are never scored here. Scores are saved to .eis/reports/chicago-dev-cost.pkl.
"""

from __future__ import annotations

import argparse
import itertools
import pickle
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from eis_core.indicators.history import HistoryFrame, history_features
from eis_core.scoring.estimator import averaged
from eis_core.scoring.fits import CalibratedParts, run_jobs
from eis_core.scoring.metrics import fewer_fp_at_rule_tp, ranking_metrics
from eis_core.scoring.panel import build_panel, training_dates
from eis_core.scoring.spec import ModelSpec, packaged_spec
from eis_core.scoring.trainer import _choose, _HeldOut, _validation_job, _validation_plan

DEV_YEARS = (2010, 2011, 2012)
TEST_YEARS = (2013, 2014, 2015)  # never scored here
OUT = Path(".eis/reports/chicago-dev-cost.pkl")
FOLDS = (3, 2)


def newest_cached_frame() -> Path:
    entries = sorted(Path(".eis/cache/frames").glob("*.pkl.gz"), key=lambda p: p.stat().st_mtime)
    if not entries:
        raise SystemExit("no cached Chicago history: run `eis backtest --agency chicago-demo --raw ...` once first")
    return entries[-1]


def load_frame(path: Path) -> HistoryFrame:
    import gzip

    frame: HistoryFrame = pickle.loads(gzip.decompress(path.read_bytes()))
    return frame


def with_folds(spec: ModelSpec, k: int) -> ModelSpec:
    return spec.model_copy(update={"parameters": spec.parameters.model_copy(update={"calibration_folds": k})})


def year_scores(frame: HistoryFrame, spec: ModelSpec, year: int) -> dict[str, Any]:
    """Every candidate's calibrated test-year probabilities for 2 and 3 folds, validations, labels, rule flags."""
    assert year not in TEST_YEARS
    cutoff = as_of = date(year, 1, 1)
    specs = {c.name: spec.resolved(c) for c in spec.candidates}
    earliest = min(s.first_training_year or 0 for s in specs.values()) or None
    all_dates = training_dates(frame, spec.model_copy(update={"first_training_year": earliest}), cutoff)
    features = spec.features()
    labels_as_known = spec
    if spec.censor_training_findings:
        censored = spec.adverse.model_copy(update={"findings_known_by": cutoff})
        labels_as_known = spec.model_copy(update={"adverse": censored})
    panel = build_panel(frame, labels_as_known, all_dates)
    held_out = _HeldOut.of(frame, spec, panel, all_dates)
    plans = {name: _validation_plan(s, panel, all_dates) for name, s in specs.items()}
    jobs, parts = [], {}
    for name, s in specs.items():
        plan = plans[name]
        assert not isinstance(plan, str), plan
        jobs.append(_validation_job(s, features, panel, plan))
    for name, s in specs.items():
        rows = panel.rows_in([d for d in all_dates if d.year >= (s.first_training_year or all_dates[0].year)])
        for k in FOLDS:
            parts[name, k] = CalibratedParts.of(with_folds(s, k), features, panel.features[rows], panel.label[rows])
        jobs += parts[name, 3].jobs() + parts[name, 2].jobs()[:-1]  # the final fit on all rows is the same
    done = run_jobs(jobs)
    validations = {name: held_out.report(spec, done[i]) for i, name in enumerate(specs)}
    members: dict[tuple[str, int], Any] = {}
    for (name, k), p in parts.items():
        if k != 3:
            p.final = parts[name, 3].final
        members[name, k] = p.calibrated()
    test = build_panel(frame, spec, [as_of])
    rule_flag = spec.rule.flags(history_features(frame, as_of, test.officer_ids))
    x = test.features[features]
    return {
        "year": year,
        "label": test.label,
        "rule_flag": rule_flag,
        "validation_precision": {n: v.metrics.precision_at_top if v.metrics else None for n, v in validations.items()},
        "chosen": _choose(validations),
        "members": members,
        "x": x,
        "train_x": panel.features,
        "train_y": panel.label,
    }


def variant_scores(year: dict[str, Any], names: list[str]) -> dict[str, tuple[int, npt.NDArray[np.float64]]]:
    """Each setting's test-year probability and its fit count."""
    from eis_core.scoring.estimator import as_matrix

    members, x = year["members"], year["x"]

    def single(name: str, k: int) -> npt.NDArray[np.float64]:
        return np.asarray(members[name, k].predict_proba(as_matrix(x))[:, 1], dtype=np.float64)

    def average(chosen: tuple[str, ...], k: int) -> npt.NDArray[np.float64]:
        voting = averaged({n: members[n, k] for n in chosen}, year["train_x"][x.columns], year["train_y"])
        return np.asarray(voting.predict_proba(as_matrix(x))[:, 1], dtype=np.float64)

    out: dict[str, tuple[int, npt.NDArray[np.float64]]] = {}
    for k in (3, 2):
        out[f"avg4-k{k}"] = (4 + 4 * (k + 1), average(tuple(names), k))
        for pair in itertools.combinations(names, 2):
            out[f"avg({pair[0]}+{pair[1]})-k{k}"] = (2 + 2 * (k + 1), average(pair, k))
        out[f"choose-k{k}"] = (4 + k + 1, single(year["chosen"], k))
        for name in names:
            out[f"{name}-k{k}"] = (1 + k + 1, single(name, k))
    return out


def metrics(
    score: npt.NDArray[np.float64], label: npt.NDArray[np.int64], rule_flag: npt.NDArray[np.bool_]
) -> tuple[float, float]:
    p = ranking_metrics(score, label, 0.05)["precision_at_top"]
    fewer = fewer_fp_at_rule_tp(score, label, rule_flag)
    return float(p), float("nan") if fewer is None else float(fewer)


def paired_rows(saved: list[dict[str, Any]], base: str) -> dict[str, dict[str, Any]]:
    """Per setting: its fits and each year's precision at the top 5% and fewer false positives, with the
    paired bootstrap standard error (200 resamples over officers) of its difference from ``base``."""
    rng = np.random.default_rng(0)
    rows: dict[str, dict[str, Any]] = {}
    for year in saved:
        label, flag, scores = year["label"], year["rule_flag"], year["scores"]
        resamples = [rng.integers(0, label.size, label.size) for _ in range(200)]
        base_boot = [metrics(scores[base][1][i], label[i], flag[i]) for i in resamples]
        for variant, (fits, score) in scores.items():
            p, fewer = metrics(score, label, flag)
            boot = base_boot if variant == base else [metrics(score[i], label[i], flag[i]) for i in resamples]
            row = rows.setdefault(variant, {"fits": fits, "p": [], "fewer": [], "se_p": [], "se_f": []})
            row["p"].append(p)
            row["fewer"].append(fewer)
            row["se_p"].append(np.std([b[0] - a[0] for a, b in zip(base_boot, boot, strict=True)]))
            row["se_f"].append(np.std([b[1] - a[1] for a, b in zip(base_boot, boot, strict=True)]))
    return rows


def table(
    rows: dict[str, dict[str, Any]], base: str, years: list[int], *, fits: str, verdict: str, mark_base: bool
) -> list[str]:
    """The Markdown table of ``paired_rows``, cheapest first; the verdict is the rule fixed before any result:
    mean precision within 0.005 and mean fewer false positives within 1 point of ``base``."""
    p0, f0 = np.mean(rows[base]["p"]), np.mean(rows[base]["fewer"])
    lines = [
        f"| setting | {fits} | p@5% " + " ".join(str(y) for y in years) + " | mean | d vs spec (SE) "
        "| fewer FP " + " ".join(str(y) for y in years) + f" | mean | d vs spec (SE) | {verdict} |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    ordered = sorted(rows.items(), key=lambda item: (item[1]["fits"], -np.mean(item[1]["fewer"])))
    for variant, row in ordered:
        p, f = np.mean(row["p"]), np.mean(row["fewer"])
        ok = p >= p0 - 0.005 and f >= f0 - 0.010
        lines.append(
            f"| {variant} | {row['fits']} | "
            + " ".join(f"{v:.3f}" for v in row["p"])
            + f" | {p:.3f} | {p - p0:+.3f} ({np.mean(row['se_p']):.3f}) | "
            + " ".join(f"{100 * v:.1f}%" for v in row["fewer"])
            + f" | {100 * f:.1f}% | {100 * (f - f0):+.1f} ({100 * np.mean(row['se_f']):.1f}) "
            + f"| {'-' if mark_base and variant == base else 'yes' if ok else 'no'} |"
        )
    return lines


def report(saved: list[dict[str, Any]]) -> str:
    names = list(saved[0]["names"])
    rows = paired_rows(saved, "avg4-k3")
    years = [y["year"] for y in saved]
    heading = f"development years {years}; spec = avg4-k3; candidates {names}; chosen by validation: " + ", ".join(
        f"{y['year']} {y['chosen']}" for y in saved
    )
    return "\n".join([heading, *table(rows, "avg4-k3", years, fits="fits", verdict="within noise", mark_base=False)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="run", choices=["run", "report"])
    parser.add_argument("--frame", type=Path, help="a cached history (.eis/cache/frames/*.pkl.gz; default newest)")
    args = parser.parse_args()
    if args.command == "run":
        spec = packaged_spec("chicago-demo")
        frame = load_frame(args.frame or newest_cached_frame())
        names = [c.name for c in spec.candidates]
        saved = []
        for year in DEV_YEARS:
            started = time.monotonic()
            scored = year_scores(frame, spec, year)
            saved.append(
                {
                    "year": year,
                    "names": names,
                    "label": scored["label"],
                    "rule_flag": scored["rule_flag"],
                    "chosen": scored["chosen"],
                    "validation_precision": scored["validation_precision"],
                    "scores": variant_scores(scored, names),
                }
            )
            print(f"{year}: {time.monotonic() - started:.0f}s, chosen {scored['chosen']}", flush=True)
            OUT.parent.mkdir(parents=True, exist_ok=True)
            OUT.write_bytes(pickle.dumps(saved))
    print(report(pickle.loads(OUT.read_bytes())))


if __name__ == "__main__":
    main()
