"""The efficacy report: event rates after an intervention against before, beside cases closed without one."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pytest

from eis_core.dates import add_months
from eis_core.models.cases import CaseStatus, CaseTransition, Disposition, InterventionOutcome
from eis_core.models.records import RecordKind
from eis_core.reports.efficacy import NO_INTERVENTION, NOT_CAUSAL, Exposure, efficacy_report, exposures_from_cases
from eis_tools.generate.agency import generate_agency
from eis_tools.generate.config import GeneratorConfig
from eis_tools.generate.events import INTERVENTION_AFTER_MONTHS
from tests.builders import case, intervention


def events(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [(officer, date.fromisoformat(day)) for officer, day in rows], columns=["officer_id", "occurred_on"]
    )


def test_rates_are_per_officer_year_over_officers_followed_for_the_whole_window() -> None:
    exposures = [
        Exposure("A1", "training", date(2024, 1, 1)),
        Exposure("A2", "training", date(2024, 1, 1)),
        Exposure("A3", "training", date(2024, 9, 1)),  # not yet six months on by the report date
        Exposure("B1", NO_INTERVENTION, date(2024, 1, 1)),
    ]
    history = events(
        ("A1", "2023-02-01"),
        ("A1", "2023-06-01"),
        ("A1", "2023-12-31"),  # 3 in the year before
        ("A1", "2024-03-01"),  # 1 in the 6 months after
        ("A2", "2023-05-05"),  # 1 before, none after
        ("A1", "2022-06-01"),  # more than a year before: not counted
        ("A3", "2024-10-01"),
        ("B1", "2023-07-01"),
        ("B1", "2024-02-01"),
        ("B1", "2024-05-01"),
    )

    report = efficacy_report(exposures, history, as_of=date(2025, 1, 1))

    training = report.row("training", 6)
    assert training is not None
    assert (training.officers, training.not_yet_followed, training.events_before, training.events_after) == (2, 1, 4, 1)
    assert training.rate_before == pytest.approx(2.0)  # 4 events / 2 officer-years
    assert training.rate_after == pytest.approx(1.0)  # 1 event / 1 officer-year
    assert training.change == pytest.approx(-0.5)
    comparison = report.row(NO_INTERVENTION, 6)
    assert comparison is not None and (comparison.rate_before, comparison.rate_after) == (1.0, 4.0)
    assert report.beside_comparison("training", 6) == pytest.approx(0.5 / 4.0 - 1)
    twelve = report.row("training", 12)
    assert twelve is not None and (twelve.officers, twelve.not_yet_followed) == (2, 1)
    assert "not a causal estimate" in report.statement and report.statement == NOT_CAUSAL
    assert list(report.to_frame()["group"]) == ["training", NO_INTERVENTION, "training", NO_INTERVENTION]


def test_closed_cases_give_their_completed_interventions_and_the_comparison_group() -> None:
    closing = CaseTransition(
        from_status=CaseStatus.IN_REVIEW,
        to_status=CaseStatus.CLOSED,
        at=datetime(2024, 4, 2, 10, tzinfo=UTC),
        by="sub-s1",
        by_role="supervisor",
        reason="Nothing to act on.",
        disposition=Disposition.NO_ACTION_NEEDED,
    )
    coached = case(
        "case-1",
        "A1",
        status=CaseStatus.CLOSED,
        interventions=[
            intervention(outcome=InterventionOutcome.COMPLETED, completed_on=date(2024, 3, 1)),
            intervention("intv-2", type="training"),  # never ended: no exposure
        ],
    )
    closed_without = case("case-2", "B1", status=CaseStatus.CLOSED, history=[closing])
    still_open = case("case-3", "C1", status=CaseStatus.IN_REVIEW)

    assert exposures_from_cases([coached, closed_without, still_open]) == [
        Exposure("A1", "coaching_mentoring", date(2024, 3, 1)),
        Exposure("B1", NO_INTERVENTION, date(2024, 4, 2)),
    ]


def test_the_report_recovers_the_generators_known_intervention_effect() -> None:
    # Given a synthetic agency where coaching cuts an at-risk officer's force and complaint rates by half,
    # and half of the at-risk officers get it six months into their rise; the others' cases close then.
    config = GeneratorConfig(
        officers=600,
        start=date(2019, 1, 1),
        end=date(2024, 12, 31),
        at_risk_share=0.2,
        intervention_effect=0.5,
        seed=11,
    )
    agency = generate_agency(config)
    coached = {i.officer_id: i.completed_on for i in agency.truth.interventions}
    exposures = [
        Exposure(o.officer_id, "coaching_mentoring", coached[o.officer_id])
        if o.officer_id in coached
        else Exposure(o.officer_id, NO_INTERVENTION, add_months(o.rise_start, INTERVENTION_AFTER_MONTHS))
        for o in agency.truth.at_risk
    ]
    indicator_events = pd.DataFrame(
        [
            (record.officer_id, record.occurred_on)  # type: ignore[union-attr]
            for kind in (RecordKind.USE_OF_FORCE, RecordKind.COMPLAINT)
            for record in agency.records[kind]
        ],
        columns=["officer_id", "occurred_on"],
    )

    report = efficacy_report(exposures, indicator_events, as_of=config.end)

    assert len(coached) == 60 and {i.effect for i in agency.truth.interventions} == {0.5}
    for window in (6, 12):
        row, comparison = report.row("coaching_mentoring", window), report.row(NO_INTERVENTION, window)
        assert row is not None and comparison is not None and row.officers >= 40 and comparison.officers >= 40
        # Untreated officers keep rising: a naive before/after for them is far from zero.
        assert comparison.change is not None and comparison.change > 0.5
        effect = report.beside_comparison("coaching_mentoring", window)
        assert effect is not None and -0.65 < effect < -0.35, (window, effect)
