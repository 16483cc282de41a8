"""The agency trends report, as the scoring job stores it and the case API reads it (no pandas here).

The score job computes the report (``eis_core.reports.trends``, pandas) and writes it to the agency's
artifacts bucket under ``TRENDS_PREFIX``: the typed document (JSON), its HTML page and its data as CSV,
plus ``latest.json`` naming the newest. The case API only reads those objects.

A figure the agency's records cannot give is ``None`` ("unknown"): hours when the agency sends no
hours, a rate whose exposure is missing or zero. It is never published as 0 or infinity.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

TRENDS_PREFIX = "reports/trends/"
"""Artifacts-bucket prefix of the precomputed trends reports (the case API may read only this prefix)."""
TRENDS_LATEST_KEY = f"{TRENDS_PREFIX}latest.json"


class TrendsFormat(StrEnum):
    HTML = "html"
    CSV = "csv"
    JSON = "json"


CONTENT_TYPES: dict[TrendsFormat, str] = {
    TrendsFormat.HTML: "text/html; charset=utf-8",
    TrendsFormat.CSV: "text/csv; charset=utf-8",
    TrendsFormat.JSON: "application/json",
}


def trends_key(as_of: date, fmt: TrendsFormat) -> str:
    return f"{TRENDS_PREFIX}{as_of.isoformat()}/trends.{fmt.value}"


class Dimension(StrEnum):
    AGENCY = "agency"
    UNIT = "unit"
    SHIFT = "shift"
    DISTRICT = "district"


class MonthRow(BaseModel):
    """One group's figures in one calendar month (``group`` is ``all officers`` for the agency)."""

    model_config = ConfigDict(frozen=True)

    dimension: Dimension
    group: str
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    officers: int = Field(ge=0, description="Officers on the roster in the month (current assignment)")
    force: int | None = Field(default=None, ge=0, description="Unknown when the agency sends no use-of-force records")
    complaints: int | None = Field(default=None, ge=0)
    injuries: int | None = Field(default=None, ge=0, description="Officer injuries; unknown when none are sent")
    hours: float | None = Field(default=None, description="Hours worked; unknown when not sent")
    overtime_hours: float | None = Field(default=None, description="Overtime hours; unknown when not sent")
    arrests: float | None = None
    calls_for_service: float | None = None
    rates: dict[str, float | None] = Field(
        default_factory=dict,
        description="E.g. force_per_1000_hours: events of officers with that exposure over it; None = unknown",
    )


class Departure(BaseModel):
    """A group's month against the same month of earlier years, in units of the group's own variation."""

    model_config = ConfigDict(frozen=True)

    dimension: Dimension
    group: str
    month: str
    measure: str = Field(description="E.g. 'force per 1,000 hours worked' or 'force per 100 officers'")
    value: float
    expected: float = Field(description="Mean of the same calendar month in earlier years")
    spread: float = Field(description="The group's own variation around its seasonal expectation (sd)")
    z: float
    earlier_years: int
    flagged: bool = Field(description="|z| at or above the report's threshold")


class SpreadRow(BaseModel):
    """How workload and overtime are spread across officers within one scope over the report's months."""

    model_config = ConfigDict(frozen=True)

    scope: str = Field(description="'all officers' or a shift")
    officers: int
    hours: float | None
    hours_per_officer_median: float | None
    hours_per_officer_p90: float | None
    overtime_hours: float | None
    overtime_share_top_10pct: float | None = Field(
        default=None, description="Share of the scope's overtime worked by its top 10% of officers (0-1)"
    )
    overtime_share_of_agency: float | None = None


class AlertMonth(BaseModel):
    """Alerts raised in one month, what became of them, and how long review took."""

    model_config = ConfigDict(frozen=True)

    month: str
    alerts: int
    critical: int
    taken_to_case: int
    dismissed: int
    awaiting_review: int
    median_days_to_review: float | None
    cases_closed: int
    closed_by_disposition: dict[str, int] = Field(default_factory=dict)


class TrendsReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    agency_id: str
    as_of: date
    generated_at: datetime
    records_marker: str | None = None
    months: list[str] = Field(description="The report's months, oldest first (earlier ones feed expectations)")
    exposures_sent: dict[str, bool] = Field(description="hours, overtime, arrests, calls_for_service: sent or not")
    kinds_sent: dict[str, bool] = Field(
        default_factory=dict, description="force, complaints, injuries: whether the agency sends that kind at all"
    )
    z_threshold: float
    series: list[MonthRow]
    departures: list[Departure] = Field(description="Every group-month of the report with an expectation")
    spread: list[SpreadRow]
    alerts: list[AlertMonth]
    notes: list[str] = Field(default_factory=list)

    @property
    def flagged(self) -> list[Departure]:
        return [departure for departure in self.departures if departure.flagged]
