"""Command staff's view (``GET /reports/command``): overdue cases by unit, alert volume and outcomes by month.

Aggregates only: counts and days, never an officer, a name or free text. Computed on request from the
listing indexes over a bounded period (``eis_core.cases.command``); ``truncated`` says when a listing
stopped at its bound, so the figures are then lower bounds.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from eis_core.models.cases import Disposition


class UnitOverdueOut(BaseModel):
    """One unit's open cases, and how many of them are past their review date (and by how much)."""

    model_config = ConfigDict(frozen=True)

    unit: str = Field(description="The officer's unit on the current roster ('Not on the roster' when unknown)")
    open_cases: int = Field(ge=0, description="Cases not closed")
    overdue: int = Field(ge=0, description="Open cases whose review date has passed")
    overdue_1_to_7_days: int = Field(ge=0)
    overdue_8_to_30_days: int = Field(ge=0)
    overdue_over_30_days: int = Field(ge=0)
    most_days_overdue: int | None = Field(default=None, ge=1, description="None when nothing is overdue")


class AlertMonthOut(BaseModel):
    """Alerts raised in one month (by creation time, UTC) and where each stands now."""

    model_config = ConfigDict(frozen=True)

    month: str = Field(pattern=r"^\d{4}-\d{2}$", description="YYYY-MM")
    raised: int = Field(ge=0)
    awaiting_review: int = Field(ge=0, description="Still new: no case, not dismissed")
    dismissed: int = Field(ge=0)
    case_open: int = Field(ge=0, description="A case was opened (or the alert joined the officer's open case)")
    case_closed: int = Field(ge=0, description="Its case was closed; by disposition in closed_by_disposition")
    closed_by_disposition: dict[Disposition, int] = Field(
        description="Alerts whose case closed, by the case's disposition (every disposition, zeros included)"
    )
    closed_disposition_unknown: int = Field(
        ge=0, description="Alerts whose closed case was not found in the closed-case listing read"
    )


class CommandOverviewOut(BaseModel):
    """What command staff see: overdue cases by unit and the alert months of the period."""

    model_config = ConfigDict(frozen=True)

    today: date
    period_from: date = Field(description="The first day of the first month counted (alerts created since)")
    months: int = Field(ge=1, description="Months counted, this one included")
    units: list[UnitOverdueOut] = Field(description="Units with open cases, most overdue first")
    alert_months: list[AlertMonthOut] = Field(description="Every month of the period, oldest first")
    pages_read: int = Field(ge=0, description="Index pages read to answer (each a bounded query)")
    truncated: bool = Field(description="True when a listing stopped at its bound: the figures are then lower bounds")
    truncated_listings: list[str] = Field(default_factory=list, description="Which listings stopped early")
    deferred_hidden: bool = Field(
        description="True when deferred cases and alerts were left out (callers who may not see deferrals)"
    )
