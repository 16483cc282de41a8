"""The agency trends report: monthly series, seasonal departures, workload spread, and its page and CSV."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from datetime import UTC, date, datetime
from functools import cache

from eis_core.models.records import Activity, Leave, LeaveType, Record
from eis_core.models.trends import Dimension, TrendsReport
from eis_core.portal_headers import portal_csp
from eis_core.reports.trends import build_trends
from eis_core.reports.trends_page import render_csv, render_html
from eis_tools.generate import GeneratorConfig, generate_agency
from eis_tools.generate.config import SeasonalShift
from tests.builders import next_id, officer, use_of_force

AS_OF = date(2026, 1, 1)
PLANTED = SeasonalShift(unit="Gang Enforcement", month=date(2025, 7, 1), multiplier=4.0)


@cache
def generated_report(planted: bool) -> TrendsReport:
    config = GeneratorConfig(
        officers=300,
        start=date(2021, 1, 1),
        end=date(2025, 12, 31),
        horizon_months=0,
        seasonal_shift=PLANTED if planted else None,
    )
    agency = generate_agency(config)
    records = [record for kind in agency.records.values() for record in kind]
    return build_trends(records, agency_id="demo", as_of=AS_OF, generated_at=datetime(2026, 1, 1, tzinfo=UTC))


def unit_force_departures(report: TrendsReport) -> list[tuple[str, str, float]]:
    return sorted(
        (
            (d.group, d.month, d.z)
            for d in report.departures
            if d.dimension is Dimension.UNIT and d.measure.startswith("force per")
        ),
        key=lambda found: -found[2],
    )


def test_the_unit_whose_force_rate_shifts_in_one_season_is_flagged_in_that_month() -> None:
    # Given a generated agency where Gang Enforcement's force rate is four times its usual in July 2025
    report = generated_report(planted=True)

    # When the trends report for 2025 sets each month against the same month of 2022-2024
    flagged = {(d.dimension, d.group, d.month, d.measure) for d in report.flagged}

    # Then that unit and month is flagged, per 1,000 hours worked (the agency sends hours)
    assert (Dimension.UNIT, "Gang Enforcement", "2025-07", "force per 1,000 hours worked") in flagged
    # And it is the largest departure of any unit's force rate in the year
    assert unit_force_departures(report)[0][:2] == ("Gang Enforcement", "2025-07")


def test_without_the_plant_the_same_month_is_not_flagged() -> None:
    # Given the same agency without the planted shift
    report = generated_report(planted=False)

    # Then Gang Enforcement's July is within its own variation
    july = [d for d in unit_force_departures(report) if d[:2] == ("Gang Enforcement", "2025-07")]
    assert july and july[0][2] < report.z_threshold


def test_workload_spread_and_exposure_rates_come_from_activity_and_overtime() -> None:
    report = generated_report(planted=True)

    everyone = report.spread[0]
    assert everyone.scope == "all officers"
    # The top 10% of officers work more than 10% of the overtime, and never more than all of it
    assert everyone.overtime_share_top_10pct is not None and 0.1 < everyone.overtime_share_top_10pct <= 1.0
    assert {row.scope for row in report.spread} >= {"shift day", "shift evening", "shift night"}
    january = next(r for r in report.series if r.dimension is Dimension.AGENCY and r.month == "2025-01")
    assert january.hours and january.hours > 0 and january.force is not None
    assert january.rates["force_per_1000_hours"] == round(1000 * january.force / january.hours, 4)


def activity(officer_id: str, first: date, last: date, *, hours: float = 0.0, arrests: int = 0) -> Activity:
    return Activity(
        source_record_id=next_id(),
        officer_id=officer_id,
        occurred_on=first,
        known_on=last,
        period_end=last,
        hours_worked=hours,
        arrests=arrests,
    )


def small_report(records: list[Record]) -> TrendsReport:
    return build_trends(records, agency_id="t", as_of=date(2025, 4, 1), generated_at=datetime(2025, 4, 1, tzinfo=UTC))


def test_missing_exposure_is_unknown_in_the_series_the_page_and_the_csv() -> None:
    # Given an agency that sends payroll-style activity (no hours, arrests or calls) and no overtime
    records: list[Record] = [
        officer("A1", unit="Patrol"),
        use_of_force("A1", occurred_on=date(2025, 2, 10), known_on=date(2025, 2, 10)),
        activity("A1", date(2025, 1, 1), date(2025, 3, 31)),
    ]

    report = small_report(records)

    # Then hours, overtime, exposure and every rate are unknown, never zero or infinite
    february = next(r for r in report.series if r.dimension is Dimension.UNIT and r.month == "2025-02")
    assert february.force == 1
    # And complaints and injuries, which it never sends, are unknown too
    assert (february.complaints, february.injuries) == (None, None)
    assert (february.hours, february.overtime_hours, february.arrests) == (None, None, None)
    assert set(february.rates.values()) == {None}
    assert not any(report.exposures_sent.values())
    rows = list(csv.DictReader(io.StringIO(render_csv(report))))
    cell = next(r for r in rows if r["group"] == "Patrol" and r["month"] == "2025-02" and r["measure"] == "hours")
    assert cell["value"] == ""
    assert "unknown" in render_html(report)


def test_an_officer_without_exposure_adds_no_events_to_a_rate() -> None:
    # Given two officers in one unit: one with 100 arrests over February, one with force and no activity
    records: list[Record] = [
        officer("A1", unit="Patrol"),
        officer("B2", unit="Patrol"),
        activity("A1", date(2025, 2, 1), date(2025, 2, 28), hours=160, arrests=100),
        use_of_force("A1", occurred_on=date(2025, 2, 3), known_on=date(2025, 2, 3)),
        use_of_force("B2", occurred_on=date(2025, 2, 4), known_on=date(2025, 2, 4)),
        Leave(
            source_record_id=next_id(),
            officer_id="A1",
            occurred_on=date(2025, 2, 5),
            known_on=date(2025, 2, 5),
            leave_type=LeaveType.OVERTIME,
            hours=6,
        ),
    ]

    february = next(r for r in small_report(records).series if r.dimension is Dimension.UNIT and r.month == "2025-02")

    # Then the unit counts both uses of force, but its rate counts only the one behind the arrests
    assert february.force == 2
    assert february.rates["force_per_100_arrests"] == 1.0
    assert february.overtime_hours == 6
    # And a month no activity covers has unknown hours, not zero
    january = next(r for r in small_report(records).series if r.dimension is Dimension.UNIT and r.month == "2025-01")
    assert january.hours is None and january.rates["force_per_1000_hours"] is None


def test_the_page_is_self_contained_and_carries_a_strict_policy() -> None:
    page = render_html(generated_report(planted=True))

    assert "<script" not in page
    assert not re.search(r"(src|href)=\"https?:", page)
    assert "default-src 'none'" in page
    assert page.count("<svg") >= 4
    assert "Gang Enforcement" in page


def test_the_portal_policy_allows_the_pages_style_so_a_report_opened_from_the_portal_keeps_its_layout() -> None:
    # A report the portal opens in a tab (a blob: URL) inherits the portal's CSP on top of its own
    page = render_html(generated_report(planted=True))
    blocks = re.findall(r"<style>(.*?)</style>", page, flags=re.DOTALL)
    style_src = portal_csp("https://auth.example.gov").split("style-src ")[1].split(";")[0].split()

    assert len(blocks) == 1
    digest = base64.b64encode(hashlib.sha256(blocks[0].encode()).digest()).decode()
    assert style_src == ["'self'", f"'sha256-{digest}'"]  # that block by its hash, nothing inline besides
    assert " style=" not in page  # a style attribute no hash allows
    assert "'unsafe-inline'" not in portal_csp() and "script-src 'self';" in portal_csp()
