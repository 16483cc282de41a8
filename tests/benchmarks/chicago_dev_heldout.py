"""Can Chicago drop to ~2 fits a year? Held-out-year calibration against the 8-fit spec, dev years 2010-2012 only.

    .venv/bin/python tests/benchmarks/chicago_dev_heldout.py [--raw ../shared/data-raw/chicago]
    .venv/bin/python tests/benchmarks/chicago_dev_heldout.py report     # the table from the saved scores

The spec (``specs/chicago-demo.json``) averages two candidates, each Platt-calibrated on 2 folds: per
year 2 validation fits (for the model card) + 2 x (2 folds + 1 final) = 8 boosting fits. The settings
compared here reuse exactly those fits (per year and candidate: the validation fit, trained on the
years whose label windows end by the held-out year, i.e. the latest training year; the two fold fits;
the final fit on every training year):

    spec            the current spec: mean of the 2-fold calibrated candidates (8 fits)
    avg-val-platt   (a) each candidate = its validation fit, Platt-calibrated on its held-out-year
                    scores and labels; the two averaged (2 fits: the validation fits ARE the models)
    avg-val-raw     each candidate = its validation fit, uncalibrated; the two averaged (2 fits)
    avg-final-hop   (b) each candidate = its final fit, calibrated with the Platt map learnt from the
                    validation fit's held-out-year scores; the two averaged (4 fits)
    X-val-platt     (c) candidate X alone as in (a) (1 fit; a single model's ranking is that of its
                    validation fit, calibration is monotone)
    X-k2            candidate X alone as the spec fits it (4 fits), for reference

The rule, the one fixed before results by ``chicago_dev_cost.py`` and applied here against the current
spec's own dev-year figures as this script computes them: a cheaper setting passes when its mean
precision at the top 5% is no more than 0.005 below the spec's and its mean "fewer false positives
than the rule at its true positives" no more than 1.0 point below; of those, the fewest fits win (ties:
the higher fewer-FP). Each difference from the spec carries a paired bootstrap SE over officers (200
resamples, per year, averaged over the years). Test years (2013+) are never built or scored here.
Scores are saved to .eis/reports/chicago-dev-heldout.pkl.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.calibration import _sigmoid_calibration

from eis_core.indicators.history import HistoryFrame, history_features
from eis_core.scoring.estimator import as_matrix, averaged, make_estimator
from eis_core.scoring.fits import CalibratedParts, Job, fit_cost, run_jobs
from eis_core.scoring.panel import Panel, build_panel, training_dates
from eis_core.scoring.spec import ModelSpec, packaged_spec
from eis_core.scoring.trainer import _validation_plan, _ValidationPlan

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests.benchmarks, as a script
from tests.benchmarks.chicago_dev_cost import paired_rows, table

DEV_YEARS = (2010, 2011, 2012)
TEST_YEARS = (2013, 2014, 2015)  # never scored here
OUT = Path(".eis/reports/chicago-dev-heldout.pkl")
BASE = "spec"


def _fit(spec: ModelSpec, features: list[str], panel: Panel, plan: _ValidationPlan) -> Any:
    return make_estimator(spec, features).fit(as_matrix(panel.features[plan.train]), panel.label[plan.train])


def _platt(score: npt.NDArray[np.float64], label: npt.NDArray[np.int64]) -> tuple[float, float]:
    a, b = _sigmoid_calibration(score, label)
    return float(a), float(b)


def _apply(ab: tuple[float, float], score: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.asarray(1.0 / (1.0 + np.exp(ab[0] * score + ab[1])), dtype=np.float64)


def year_scores(frame: HistoryFrame, spec: ModelSpec, year: int) -> dict[str, Any]:
    """Every setting's test-year probabilities (and fit count), labels and the rule's flags for one dev year."""
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
    plans = {}
    for name, s in specs.items():
        plan = _validation_plan(s, panel, all_dates)
        assert not isinstance(plan, str), plan
        plans[name] = plan
    parts = {}
    jobs = [
        Job(fit_cost(s, int(plans[n].train.sum())), partial(_fit, s, features, panel, plans[n]))
        for n, s in specs.items()
    ]
    for name, s in specs.items():
        rows = panel.rows_in([d for d in all_dates if d.year >= (s.first_training_year or all_dates[0].year)])
        parts[name] = CalibratedParts.of(s, features, panel.features[rows], panel.label[rows])
        jobs += parts[name].jobs()
    done = run_jobs(jobs)
    validation_models = dict(zip(specs, done[: len(specs)], strict=True))
    members = {name: p.calibrated() for name, p in parts.items()}

    test = build_panel(frame, spec, [as_of])
    rule_flag = spec.rule.flags(history_features(frame, as_of, test.officer_ids))
    x = test.features[features]
    xm = as_matrix(x)
    held_rows = panel.rows_for(all_dates[-1])
    held_x, held_y = as_matrix(panel.features[held_rows]), panel.label[held_rows]

    out: dict[str, tuple[int, npt.NDArray[np.float64]]] = {}
    spec_model = averaged(members, panel.features[features], panel.label)
    out[BASE] = (8, np.asarray(spec_model.predict_proba(xm)[:, 1], dtype=np.float64))
    val_platt, val_raw, final_hop = {}, {}, {}
    for name in specs:
        model = validation_models[name]
        ab = _platt(model.decision_function(held_x), held_y)
        val_platt[name] = _apply(ab, model.decision_function(xm))
        val_raw[name] = np.asarray(model.predict_proba(xm)[:, 1], dtype=np.float64)
        final_hop[name] = _apply(ab, parts[name].final.decision_function(xm))
        out[f"{name}-val-platt"] = (1, val_platt[name])
        out[f"{name}-k2"] = (4, np.asarray(members[name].predict_proba(xm)[:, 1], dtype=np.float64))
    out["avg-val-platt"] = (2, np.mean(list(val_platt.values()), axis=0))
    out["avg-val-raw"] = (2, np.mean(list(val_raw.values()), axis=0))
    out["avg-final-hop"] = (4, np.mean(list(final_hop.values()), axis=0))
    return {"year": year, "label": test.label, "rule_flag": rule_flag, "held_out": all_dates[-1], "scores": out}


def report(saved: list[dict[str, Any]]) -> str:
    rows = paired_rows(saved, BASE)
    p0, f0 = np.mean(rows[BASE]["p"]), np.mean(rows[BASE]["fewer"])
    years = [y["year"] for y in saved]
    heading = (
        f"development years {years} (held-out years {[str(y['held_out']) for y in saved]}); "
        f"spec mean p@5% {p0:.3f}, fewer FP {100 * f0:.1f}%"
    )
    return "\n".join([heading, *table(rows, BASE, years, fits="fits/yr", verdict="passes rule", mark_base=True)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="run", choices=["run", "report"])
    parser.add_argument("--raw", default="../shared/data-raw/chicago", help="the Chicago release (history cached)")
    args = parser.parse_args()
    if args.command == "run":
        from eis_tools.agency_history import from_chicago_raw

        frame = from_chicago_raw("chicago-demo", args.raw).frame
        spec = packaged_spec("chicago-demo")
        saved = []
        for year in DEV_YEARS:
            started = time.monotonic()
            saved.append(year_scores(frame, spec, year))
            print(f"{year}: {time.monotonic() - started:.0f}s", flush=True)
            OUT.parent.mkdir(parents=True, exist_ok=True)
            OUT.write_bytes(pickle.dumps(saved))
    print(report(pickle.loads(OUT.read_bytes())))


if __name__ == "__main__":
    main()
