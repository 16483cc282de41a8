"""The fairness table on a generated population with a known answer."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from eis_core.scoring.fairness import audit_groups, disparities, fairness_table


def _population() -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """60 officers in group A, 40 in B; A: 20 adverse, B: 20 adverse.

    Flagged: in A, 10 adverse + 5 not; in B, 5 adverse + 5 not.
    So FNR A = 10/20 = 0.5, B = 15/20 = 0.75 (ratio 1.5); FPR A = 5/40, B = 5/20 (ratio 2.0);
    FDR A = 5/15, B = 5/10 (ratio 1.5); flag rate A = 15/60, B = 10/40 (ratio 1.0).
    """
    rows = []
    for group, size, adverse, flagged_adverse, flagged_other in (("A", 60, 20, 10, 5), ("B", 40, 20, 5, 5)):
        for i in range(size):
            is_adverse = i < adverse
            flagged = i < flagged_adverse if is_adverse else i - adverse < flagged_other
            rows.append(
                (f"{group}{i:02d}", group, "F" if i % 2 else "M", 1980 if i < 30 else 1995, is_adverse, flagged)
            )
    frame = pd.DataFrame(rows, columns=["officer_id", "race", "sex", "birth_year", "adverse", "flagged"])
    frame = frame.set_index("officer_id")
    return frame["flagged"], frame["adverse"], frame[["race", "sex", "birth_year"]]


def test_error_rates_and_ratios_match_the_known_answer() -> None:
    flagged, adverse, demographics = _population()
    rows = fairness_table(flagged, audit_groups(demographics, date(2025, 1, 1)), adverse)
    race = {row["group"]: row for row in rows if row["attribute"] == "race"}
    assert race["A"]["reference"] == "A"  # the largest group
    assert race["B"]["fnr"] == pytest.approx(0.75) and race["A"]["fnr"] == pytest.approx(0.5)
    assert race["B"]["fnr_ratio"] == pytest.approx(1.5)
    assert race["B"]["fpr_ratio"] == pytest.approx(2.0)
    assert race["B"]["fdr_ratio"] == pytest.approx(1.5)
    assert race["B"]["flag_rate_ratio"] == pytest.approx(1.0)
    assert race["B"]["outside_range"] == ["fpr", "fnr", "fdr"]
    assert race["A"]["outside_range"] == []
    assert (race["B"]["false_negatives"], race["B"]["adverse"]) == (15, 20)
    assert any("FNR for race 'B' is 1.50x" in sentence for sentence in disparities(rows))


def test_age_bands_and_a_run_without_outcomes_report_flag_rates_only() -> None:
    flagged, _, demographics = _population()
    groups = audit_groups(demographics, date(2025, 1, 1))
    assert set(groups["age_band"]) == {"40-49", "30-39"}
    rows = fairness_table(flagged, groups)
    assert {row["attribute"] for row in rows} == {"race", "sex", "age_band"}
    assert all("fnr" not in row and row["fnr_ratio"] is None for row in rows)


def test_an_attribute_the_roster_does_not_record_is_left_out() -> None:
    flagged, adverse, demographics = _population()
    rows = fairness_table(flagged, audit_groups(demographics.assign(sex=None), date(2025, 1, 1)), adverse)
    assert "sex" not in {row["attribute"] for row in rows}
