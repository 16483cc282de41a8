"""The agency trends report: monthly series by unit, shift and district, against their seasons.

Pure: records, alerts and cases in, a typed ``TrendsReport`` out (``eis_core.models.trends``). Only
records known before ``as_of`` count, and only whole months before it are reported.

* **Series.** Per group (agency, unit, shift, district) and month: officers on the roster, use of
  force, complaints (one per complaint and officer), officer injuries, hours worked, overtime, arrests
  and calls for service, and force and complaints per 100 arrests, per 1,000 calls and per 1,000
  hours. Activity records cover a period; their counts are spread over its months by days.
* **Unknown is not zero.** Hours, arrests and calls are unknown (``None``) when the agency sends none
  of them, and for a group-month no activity record covers. A rate counts only the events of
  officer-months its exposure covers, over that exposure; with no such exposure it is unknown.
  Overtime (leave records of type overtime) is unknown when the agency sends none.
* **Seasons.** Each report month is set against the same calendar month of up to ``seasonal_years``
  earlier years (at least two needed): expected = their mean. The group's own variation is the sd of
  its earlier months around their seasonal means, floored at what one event or Poisson noise moves
  the rate, and widened by the uncertainty of a mean of a few years. ``|z| >= z_threshold`` flags
  the month (upwards only with at least ``min_events`` events). Force, complaints and injuries are
  measured per 1,000 hours where the agency sends hours, else per 100 officers.
* Officers are grouped by their current roster assignment (the roster carries no assignment history).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

import numpy as np
import pandas as pd

from eis_core.models.alerts import Alert, AlertLevel, AlertStatus
from eis_core.models.cases import Case
from eis_core.models.oversight import closed_at, closing_move
from eis_core.models.records import Activity, Complaint, Injury, Leave, LeaveType, Officer, Record, UseOfForce
from eis_core.models.trends import (
    AlertMonth,
    Departure,
    Dimension,
    MonthRow,
    SpreadRow,
    TrendsReport,
)

EVERYONE = "all officers"
NOT_ON_ROSTER = "not on roster"
COUNTS: tuple[str, ...] = ("force", "complaints", "injuries")
EXPOSURES: dict[str, tuple[int, str]] = {
    "arrests": (100, "arrests"),
    "calls_for_service": (1000, "calls"),
    "hours": (1000, "hours"),
}
"""Exposure column -> (events per how many, short name in the rate's key)."""
RATE_KEYS: tuple[str, ...] = tuple(
    f"{event}_per_{per}_{short}" for event in ("force", "complaints") for per, short in EXPOSURES.values()
)
_COUNT_OF: dict[type, str] = {UseOfForce: "force", Complaint: "complaints", Injury: "injuries"}
_MEASURE_WORDS = {"hours": "1,000 hours worked", "officers": "100 officers"}


@dataclass(frozen=True)
class TrendsOptions:
    months: int = 12
    seasonal_years: int = 3
    min_earlier_years: int = 2
    z_threshold: float = 3.0
    min_events: int = 3


def month_label(index: int) -> str:
    year, month = divmod(index, 12)
    return f"{year:04d}-{month + 1:02d}"


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def _month_start(index: int) -> int:
    year, month = divmod(index, 12)
    return date(year, month + 1, 1).toordinal()


class _Collected:
    """The records the report needs, as plain lists (one pass over the records)."""

    def __init__(self) -> None:
        self.roster: dict[str, Officer] = {}
        self.events: list[tuple[str, str, int, str | None]] = []  # officer, count column, day, complaint id
        self.activity: list[tuple[str, int, int, float, float, float]] = []  # officer, first, last, h, arrests, calls
        self.overtime: list[tuple[str, int, float]] = []
        self.kinds: set[str] = set()  # the count columns the agency sends at all, whatever their dates

    def add(self, record: Record, as_of: date) -> None:
        if isinstance(record, Officer):
            previous = self.roster.get(record.officer_id)
            if previous is None or previous.source_record_id < record.source_record_id:
                self.roster[record.officer_id] = record
            return
        column = _COUNT_OF.get(type(record))
        if column is not None:
            self.kinds.add(column)
        if record.known_on >= as_of or record.occurred_on >= as_of:
            return
        day = record.occurred_on.toordinal()
        if isinstance(record, UseOfForce):
            self.events.append((record.officer_id, "force", day, None))
        elif isinstance(record, Complaint):
            self.events.append((record.officer_id, "complaints", day, record.complaint_id))
        elif isinstance(record, Injury):
            self.events.append((record.officer_id, "injuries", day, None))
        elif isinstance(record, Activity):
            last = min(record.period_end.toordinal(), as_of.toordinal() - 1)
            self.activity.append(
                (
                    record.officer_id,
                    day,
                    last,
                    record.hours_worked,
                    float(record.arrests),
                    float(record.calls_for_service),
                )
            )
        elif isinstance(record, Leave) and record.leave_type is LeaveType.OVERTIME:
            self.overtime.append((record.officer_id, day, record.hours))


def build_trends(
    records: Iterable[Record],
    *,
    agency_id: str,
    as_of: date,
    generated_at: datetime,
    alerts: Sequence[Alert] = (),
    cases: Sequence[Case] = (),
    options: TrendsOptions | None = None,
    records_marker: str | None = None,
) -> TrendsReport:
    """The trends report of the ``options.months`` whole months before ``as_of``."""
    options = options or TrendsOptions()
    collected = _Collected()
    for record in records:
        collected.add(record, as_of)
    last = month_index(as_of) - 1
    first_report = last - options.months + 1
    first = first_report - 12 * options.seasonal_years
    grid = np.arange(first, last + 1)
    sent = {
        "hours": any(row[3] > 0 for row in collected.activity),
        "arrests": any(row[4] > 0 for row in collected.activity),
        "calls_for_service": any(row[5] > 0 for row in collected.activity),
        "overtime": bool(collected.overtime),
    }
    kinds = {column: column in collected.kinds for column in COUNTS}
    roster = _roster_frame(collected.roster)
    panel = _officer_months(collected, roster, grid)
    series = _series(panel, roster, sent | kinds, grid)
    report_months = [month_label(m) for m in range(first_report, last + 1)]
    departures = _departures(series, sent, first_report, options)  # unknown counts have no departures
    notes = [
        "Officers are counted in their current unit, shift and district (the roster has no assignment history).",
        "Unknown figures (no records of that exposure) are blank, never zero.",
    ]
    if not sent["hours"]:
        notes.append("The agency sends no hours worked: seasonal comparisons use events per 100 officers.")
    return TrendsReport(
        agency_id=agency_id,
        as_of=as_of,
        generated_at=generated_at,
        records_marker=records_marker,
        months=report_months,
        exposures_sent=sent,
        kinds_sent=kinds,
        z_threshold=options.z_threshold,
        series=[row for row in series if row.month >= report_months[0]],
        departures=departures,
        spread=_spread(panel, roster, sent, first_report),
        alerts=_alert_months(alerts, cases, report_months),
        notes=notes,
    )


# --- officer-months -------------------------------------------------------------------------------


def _roster_frame(officers: dict[str, Officer]) -> pd.DataFrame:
    rows = {
        officer_id: {
            "unit": officer.unit,
            "shift": officer.shift,
            "district": officer.district,
            "hired": -np.inf if officer.hire_date is None else officer.hire_date.toordinal(),  # unknown: from the start
            "separated": officer.separation_date.toordinal() if officer.separation_date else np.nan,
        }
        for officer_id, officer in officers.items()
    }
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["unit", "shift", "district", "hired", "separated"])
    frame.index.name = "officer"
    return frame


def _officer_months(collected: _Collected, roster: pd.DataFrame, grid: np.ndarray) -> pd.DataFrame:
    """One row per officer and month with anything in it: counts, exposure (NaN = not covered), on roster."""
    first, last = int(grid[0]), int(grid[-1])
    parts: list[pd.DataFrame] = []
    if collected.events:
        events = pd.DataFrame(collected.events, columns=["officer", "column", "day", "key"])
        keyed = events["key"].notna()
        # Several allegations of one complaint against one officer count once, in the month of the first.
        events = pd.concat(
            [events[~keyed], events[keyed].sort_values("day").drop_duplicates(["officer", "key"], keep="first")]
        )
        events["month"] = [month_index(date.fromordinal(int(d))) for d in events["day"]]
        events = events[(events["month"] >= first) & (events["month"] <= last)]
        counts = events.groupby(["officer", "month", "column"]).size().unstack("column", fill_value=0)
        parts.append(counts)
    if collected.activity:
        parts.append(_activity_months(collected.activity, grid))
    if collected.overtime:
        overtime = pd.DataFrame(collected.overtime, columns=["officer", "day", "overtime_hours"])
        overtime["month"] = [month_index(date.fromordinal(int(d))) for d in overtime["day"]]
        overtime = overtime[(overtime["month"] >= first) & (overtime["month"] <= last)]
        parts.append(overtime.groupby(["officer", "month"])[["overtime_hours"]].sum())
    # Officers on the roster in each month, so a quiet officer still counts among the unit's officers.
    starts = np.array([_month_start(m) for m in grid])
    ends = np.array([_month_start(m + 1) for m in grid])
    hired = roster["hired"].to_numpy(dtype="float64")[:, None]
    separated = roster["separated"].to_numpy(dtype="float64")[:, None]
    present = (hired < ends[None, :]) & (np.isnan(separated) | (separated >= starts[None, :]))
    who, when = np.nonzero(present)
    on_roster = pd.DataFrame(
        {"on_roster": 1},
        index=pd.MultiIndex.from_arrays([roster.index.to_numpy()[who], grid[when]], names=["officer", "month"]),
    )
    parts.append(on_roster)
    panel = pd.concat(parts, axis=1)
    for column in (*COUNTS, "on_roster"):
        panel[column] = panel[column].fillna(0).astype("int64") if column in panel else 0
    for column in ("hours", "arrests", "calls_for_service", "overtime_hours"):
        if column not in panel:
            panel[column] = np.nan
    return panel.reset_index()


def _activity_months(activity: list[tuple[str, int, int, float, float, float]], grid: np.ndarray) -> pd.DataFrame:
    """Each activity record's counts spread over the months of its period, by days."""
    frame = pd.DataFrame(activity, columns=["officer", "first", "last", "hours", "arrests", "calls_for_service"])
    first, last = frame["first"].to_numpy(), frame["last"].to_numpy()
    length = np.maximum(last - first + 1, 1)
    pieces = []
    for month in grid:
        start, end = _month_start(int(month)), _month_start(int(month) + 1) - 1
        overlap = np.minimum(last, end) - np.maximum(first, start) + 1
        inside = overlap > 0
        if not inside.any():
            continue
        share = overlap[inside] / length[inside]
        piece = frame.loc[inside, ["officer", "hours", "arrests", "calls_for_service"]].copy()
        piece[["hours", "arrests", "calls_for_service"]] = piece[["hours", "arrests", "calls_for_service"]].mul(
            share, axis=0
        )
        piece["month"] = int(month)
        pieces.append(piece)
    if not pieces:
        return pd.DataFrame(columns=["hours", "arrests", "calls_for_service"])
    months: pd.DataFrame = (
        pd.concat(pieces).groupby(["officer", "month"])[["hours", "arrests", "calls_for_service"]].sum()
    )
    return months


# --- series ---------------------------------------------------------------------------------------


def _groups(panel: pd.DataFrame, roster: pd.DataFrame, dimension: Dimension) -> pd.Series:
    if dimension is Dimension.AGENCY:
        return pd.Series(EVERYONE, index=panel.index)
    labels = panel["officer"].map(roster[dimension.value])
    known = panel["officer"].isin(roster.index)
    return labels.where(known, NOT_ON_ROSTER).fillna("(none)").astype(str)


def _series(panel: pd.DataFrame, roster: pd.DataFrame, sent: dict[str, bool], grid: np.ndarray) -> list[MonthRow]:
    work = panel.copy()
    columns = {"officers": work["on_roster"], **{c: work[c] for c in COUNTS}}
    for exposure in EXPOSURES:
        covered = work[exposure].notna() if sent[exposure] else pd.Series(False, index=work.index)
        columns[f"{exposure}_value"] = work[exposure].where(covered, 0.0)
        columns[f"{exposure}_covered"] = covered.astype("int64")
        for event in ("force", "complaints"):
            columns[f"{event}_over_{exposure}"] = work[event].where(covered, 0)
    columns["overtime_hours"] = work["overtime_hours"].fillna(0.0)
    table = pd.DataFrame(columns)
    rows: list[MonthRow] = []
    for dimension in Dimension:
        if dimension is not Dimension.AGENCY and roster[dimension.value].isna().all():
            continue  # the agency sends no shifts (or districts): no such series
        sums = table.groupby([_groups(work, roster, dimension), work["month"]]).sum()
        for key, values in sums.iterrows():
            group, month = cast("tuple[str, int]", key)  # a MultiIndex row key is a tuple
            rows.append(_month_row(dimension, str(group), int(month), values, sent))
    return rows


def _month_row(dimension: Dimension, group: str, month: int, values: pd.Series, sent: dict[str, bool]) -> MonthRow:
    def exposure(name: str) -> float | None:
        return round(float(values[f"{name}_value"]), 2) if values[f"{name}_covered"] > 0 else None

    rates: dict[str, float | None] = {}
    for name, (per, short) in EXPOSURES.items():
        amount = float(values[f"{name}_value"])
        for event in ("force", "complaints"):
            rates[f"{event}_per_{per}_{short}"] = (
                round(per * float(values[f"{event}_over_{name}"]) / amount, 4) if amount > 0 and sent[event] else None
            )
    return MonthRow(
        dimension=dimension,
        group=group,
        month=month_label(month),
        officers=int(values["officers"]),
        force=int(values["force"]) if sent["force"] else None,
        complaints=int(values["complaints"]) if sent["complaints"] else None,
        injuries=int(values["injuries"]) if sent["injuries"] else None,
        hours=exposure("hours"),
        overtime_hours=round(float(values["overtime_hours"]), 2) if sent["overtime"] else None,
        arrests=exposure("arrests"),
        calls_for_service=exposure("calls_for_service"),
        rates=rates,
    )


# --- seasons --------------------------------------------------------------------------------------


def _departures(
    series: list[MonthRow], sent: dict[str, bool], first_report: int, options: TrendsOptions
) -> list[Departure]:
    by_hours = sent["hours"]
    unit = "hours" if by_hours else "officers"
    per = 1000.0 if by_hours else 100.0
    found: list[Departure] = []
    grouped: dict[tuple[Dimension, str], dict[int, MonthRow]] = {}
    for row in series:
        year, month = (int(part) for part in row.month.split("-"))
        grouped.setdefault((row.dimension, row.group), {})[year * 12 + month - 1] = row
    for (dimension, group), months in grouped.items():
        for event in COUNTS:
            values: dict[int, tuple[float, float, int]] = {}  # month -> (rate, exposure, count)
            for index, row in months.items():
                amount = (row.hours or 0.0) if by_hours else float(row.officers)
                count = getattr(row, event)
                if amount > 0 and count is not None:
                    values[index] = (per * count / amount, amount, count)
            measure = f"{event} per {_MEASURE_WORDS[unit]}"
            found += _group_departures(
                dimension, group, measure, values, first_report=first_report, per=per, options=options
            )
    return found


def _group_departures(
    dimension: Dimension,
    group: str,
    measure: str,
    values: dict[int, tuple[float, float, int]],
    *,
    first_report: int,
    per: float,
    options: TrendsOptions,
) -> list[Departure]:
    def expectation(index: int) -> list[float]:
        years = range(1, options.seasonal_years + 1)
        return [values[index - 12 * y][0] for y in years if index - 12 * y in values]

    # The group's own variation: its months before the report around their own seasonal means.
    history = [index for index in values if index < first_report]
    residuals = []
    for index in history:
        same = [values[other][0] for other in history if other % 12 == index % 12]
        if len(same) >= 2:  # scaled up: a residual around a mean of n values is sqrt((n-1)/n) too small
            residuals.append((values[index][0] - float(np.mean(same))) * math.sqrt(len(same) / (len(same) - 1)))
    own = float(np.std(residuals, ddof=1)) if len(residuals) >= 3 else 0.0
    found = []
    for index in sorted(i for i in values if i >= first_report):
        earlier = expectation(index)
        if len(earlier) < options.min_earlier_years:
            continue
        value, amount, count = values[index]
        expected = float(np.mean(earlier))
        expected_count = expected * amount / per
        noise = per / amount * math.sqrt(max(expected_count, 1.0))  # Poisson, at least one event's worth
        # The expectation is itself a mean of a few years: its uncertainty widens the spread.
        spread = max(own, noise) * math.sqrt(1 + 1 / len(earlier))
        z = (value - expected) / spread
        flagged = abs(z) >= options.z_threshold and (z < 0 or count >= options.min_events)
        found.append(
            Departure(
                dimension=dimension,
                group=group,
                month=month_label(index),
                measure=measure,
                value=round(value, 4),
                expected=round(expected, 4),
                spread=round(spread, 4),
                z=round(z, 2),
                earlier_years=len(earlier),
                flagged=flagged,
            )
        )
    return found


# --- workload spread ------------------------------------------------------------------------------


def _spread(panel: pd.DataFrame, roster: pd.DataFrame, sent: dict[str, bool], first_report: int) -> list[SpreadRow]:
    period = panel[panel["month"] >= first_report]
    per_officer = period.groupby("officer").agg(
        on_roster=("on_roster", "max"),
        hours=("hours", lambda s: s.sum(min_count=1)),
        overtime=("overtime_hours", "sum"),
    )
    per_officer = per_officer[per_officer["on_roster"] > 0]
    total_overtime = float(per_officer["overtime"].sum())
    scopes: list[tuple[str, pd.DataFrame]] = [(EVERYONE, per_officer)]
    shifts = per_officer.index.to_series().map(roster["shift"])
    for shift in sorted(shifts.dropna().unique()):
        scopes.append((f"shift {shift}", per_officer[(shifts == shift).to_numpy()]))
    rows = []
    for scope, officers in scopes:
        hours = officers["hours"].dropna() if sent["hours"] else pd.Series(dtype="float64")
        overtime = officers["overtime"].sort_values(ascending=False)
        top = max(1, math.ceil(0.1 * len(officers)))
        scope_overtime = float(overtime.sum())
        rows.append(
            SpreadRow(
                scope=scope,
                officers=len(officers),
                hours=round(float(hours.sum()), 1) if len(hours) else None,
                hours_per_officer_median=round(float(hours.median()), 1) if len(hours) else None,
                hours_per_officer_p90=round(float(hours.quantile(0.9)), 1) if len(hours) else None,
                overtime_hours=round(scope_overtime, 1) if sent["overtime"] else None,
                overtime_share_top_10pct=(
                    round(float(overtime.head(top).sum()) / scope_overtime, 4)
                    if sent["overtime"] and scope_overtime > 0
                    else None
                ),
                overtime_share_of_agency=(
                    round(scope_overtime / total_overtime, 4) if sent["overtime"] and total_overtime > 0 else None
                ),
            )
        )
    return rows


# --- alerts ---------------------------------------------------------------------------------------


def _alert_months(alerts: Sequence[Alert], cases: Sequence[Case], months: list[str]) -> list[AlertMonth]:
    cases_by_id = {case.case_id: case for case in cases}
    rows = []
    for month in months:
        raised = [alert for alert in alerts if alert.as_of.isoformat()[:7] == month]
        review_days = []
        for alert in raised:
            reviewed_at = None
            if alert.status is AlertStatus.DISMISSED and alert.dismissal is not None:
                reviewed_at = alert.dismissal.at
            elif alert.status is AlertStatus.CASE_OPENED and alert.case_id in cases_by_id:
                reviewed_at = cases_by_id[alert.case_id].opened_at
            if reviewed_at is not None:
                review_days.append(max((reviewed_at - alert.created_at).total_seconds(), 0.0) / 86400)
        closed = [case for case in cases if (at := closed_at(case)) is not None and at.isoformat()[:7] == month]
        dispositions: dict[str, int] = {}
        for case in closed:
            move = closing_move(case)
            disposition = case.disposition or (move.disposition if move else None)
            key = disposition.value if disposition is not None else "unknown"
            dispositions[key] = dispositions.get(key, 0) + 1
        rows.append(
            AlertMonth(
                month=month,
                alerts=len(raised),
                critical=sum(alert.level is AlertLevel.CRITICAL for alert in raised),
                taken_to_case=sum(a.status in (AlertStatus.CASE_OPENED, AlertStatus.MERGED) for a in raised),
                dismissed=sum(alert.status is AlertStatus.DISMISSED for alert in raised),
                awaiting_review=sum(alert.status is AlertStatus.NEW for alert in raised),
                median_days_to_review=round(float(np.median(review_days)), 1) if review_days else None,
                cases_closed=len(closed),
                closed_by_disposition=dict(sorted(dispositions.items())),
            )
        )
    return rows
