"""The backtest's baselines: tie-breaks, bootstrap intervals, plain verdicts, and fairness only when measurable."""

from __future__ import annotations

import dataclasses
from datetime import date

import numpy as np
import pandas as pd
import pytest

from eis_core.indicators.history import HistoryFrame
from eis_core.scoring.backtest import backtest_year, render_report
from eis_core.scoring.baselines import WINDOWS, baseline_scores, compare_at, compare_many, lexicographic
from eis_core.scoring.spec import BacktestRule, ModelSpec
from tests.builders import generated_agency

SPEC = ModelSpec(parameters={"min_samples_leaf": 20, "max_iter": 30})


@pytest.fixture(scope="module")
def frame() -> HistoryFrame:
    return HistoryFrame.from_records(generated_agency(date(2018, 1, 1), date(2023, 12, 31)))


def features(**columns: list[float]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    table = {f"{kind}_{window}": [0.0] * n for kind in ("complaints", "force") for window in WINDOWS}
    return pd.DataFrame(table | columns)


def test_baseline_ties_are_broken_by_the_next_longer_windows_counts() -> None:
    # Given three officers with one complaint each this year; B had two more the year before, C one
    x = features(complaints_1y=[1, 1, 1], complaints_2y=[1, 3, 2], complaints_5y=[9, 3, 2])

    scores = baseline_scores(x, BacktestRule(), ["Officer"] * 3)

    # Then ranking by past complaints puts B, then C, then A (A's 5-year count does not outrank 2 years)
    assert list(np.argsort(-scores["complaints"])) == [1, 2, 0]
    assert len(set(scores["complaints"])) == 3
    assert lexicographic([1, 1], [2, 2]).tolist()[0] == lexicographic([1, 1], [2, 2]).tolist()[1]


def test_the_rule_ranks_its_own_flags_first_then_by_incidents_over_longer_windows() -> None:
    x = features(complaints_1y=[3, 0, 1, 1], force_1y=[0, 2, 0, 0], complaints_2y=[3, 0, 1, 4])

    score = baseline_scores(x, BacktestRule(min_complaints_1y=3, min_force_1y=2), ["Officer"] * 4)["rule"]

    assert set(np.argsort(-score)[:2]) == {0, 1}  # the two the rule flags
    assert list(np.argsort(-score)[2:]) == [3, 2]  # then the one with more complaints over two years


def test_the_peer_percentile_ranks_within_each_peer_group() -> None:
    # A sergeant with one complaint is at the top of the sergeants; an officer with two is mid-pack
    x = features(complaints_1y=[1, 0, 0, 2, 3, 4])
    score = baseline_scores(x, BacktestRule(), ["Sergeant"] * 3 + ["Officer"] * 3)["peer_percentile"]
    assert score[0] > score[3]


def test_a_model_no_better_than_a_baseline_is_said_not_to_beat_it_and_a_better_one_beats_it() -> None:
    # Given 2,000 officers, 300 adverse; at 100 flags the model catches 80, one baseline 78 (other
    # officers), another 30
    y = np.zeros(2000, dtype=np.int64)
    y[:300] = 1

    def flags(hits: int, first: int) -> np.ndarray:
        chosen = np.zeros(2000, dtype=bool)
        chosen[first : first + hits] = True
        chosen[1000 + first : 1000 + first + 100 - hits] = True
        return chosen

    result = compare_at({"model": flags(80, 0), "complaints": flags(78, 100), "rule": flags(30, 200)}, y, draws=400)

    assert result["complaints"]["verdict"] == "does not beat"
    assert result["rule"]["verdict"] == "beats"
    low, high = result["model"]["precision_ci"]
    assert low < 0.80 < high and result["model"]["tp"] == 80 and result["model"]["fp"] == 20
    assert result["rule"]["model_minus_precision"] == pytest.approx(0.5)


def test_the_backtest_reports_the_three_baselines_with_intervals(frame: HistoryFrame) -> None:
    result = backtest_year(frame, SPEC, 2023)

    at_f = result.baselines["at_rule_count"]
    assert set(at_f) == {"model", "rule", "complaints", "peer_percentile"}
    assert {row["flags"] for row in at_f.values()} == {result.table["rule_flag_count"]}
    assert at_f["rule"]["tp"] == result.table["rule_tp_at_rule_count"]
    for row in at_f.values():
        low, high = row["precision_ci"]
        assert low <= row["precision"] <= high
    report = render_report([result], agency_id="demo", spec=SPEC, rule=SPEC.rule, notes=[])
    assert "The model against three baselines" in report and "ranking by past complaints" in report
    assert "Where the model does not beat a baseline" in report
    assert "Fairness table" in report and "cannot be measured" not in report


def test_without_demographics_the_report_says_fairness_cannot_be_measured(frame: HistoryFrame) -> None:
    # Given an agency that sends no race, sex or birth year
    blank = frame.demographics.mask(np.ones(frame.demographics.shape, dtype=bool))
    result = backtest_year(dataclasses.replace(frame, demographics=blank), SPEC, 2023)

    report = render_report([result], agency_id="demo", spec=SPEC, rule=SPEC.rule, notes=[])

    # Then the report says so plainly instead of printing empty tables that read like a pass
    assert not result.fairness_measurable
    assert "Fairness cannot be measured" in report
    assert "Fairness table" not in report and "False-negative-rate ratio" not in report


def test_calibration_by_decile_compares_predicted_with_observed(frame: HistoryFrame) -> None:
    result = backtest_year(frame, SPEC, 2023)

    # Ten groups covering every officer, highest scores first, observed rates counted from the labels
    rows = result.calibration
    assert [row["decile"] for row in rows] == list(range(1, 11))
    assert sum(row["officers"] for row in rows) == result.table["officers"]
    assert sum(row["adverse"] for row in rows) == result.table["adverse"]
    predicted = [row["mean_predicted"] for row in rows]
    assert predicted == sorted(predicted, reverse=True)
    for row in rows:
        assert row["observed_rate"] == pytest.approx(row["adverse"] / row["officers"])
    report = render_report([result], agency_id="demo", spec=SPEC, rule=SPEC.rule, notes=[])
    assert "## Calibration by decile" in report
    first = rows[0]
    assert f"{first['mean_predicted']:.3f} / {first['observed_rate']:.3f}" in report


def test_several_flag_counts_from_one_set_of_draws_are_each_compared_as_alone() -> None:
    # Given the flags of three scorers at two flag counts
    rng = np.random.default_rng(21)
    y = (rng.random(900) < 0.2).astype(np.int64)
    at = [{name: rng.random(900) < share for name in ("model", "rule", "complaints")} for share in (0.05, 0.2)]
    # When both are compared from one set of bootstrap draws
    together = compare_many(at, y, draws=300, seed=4)
    # Then each is what comparing it alone gives, every interval included
    assert together == [compare_at(flags, y, draws=300, seed=4) for flags in at]
