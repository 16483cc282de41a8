"""The trends report as a self-contained HTML page (inline SVG charts) and as one long CSV.

No script, no external fetch: the page carries its own Content-Security-Policy (``default-src 'none'``,
its one style block allowed by hash), so it opens from a file, an S3 link or behind a strict CSP
unchanged. Every chart is followed by its numbers in a table. Unknown figures print as "unknown"
in the page and as an empty cell in the CSV, never as 0.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
from collections.abc import Sequence
from html import escape

from eis_core.models.trends import Departure, Dimension, MonthRow, TrendsReport

COLOURS = ("#1a4480", "#d83933", "#2e8540", "#e5a000", "#6c3483", "#00838f")
_STYLE = (
    "body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#1b1b1b}"
    "table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem}"
    "th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:right}th{background:#f0f0f0}"
    "td.t,th.t{text-align:left}.flag{background:#fde0db}figure{margin:1rem 0}"
    "figcaption{font-weight:600}.note{color:#555;font-size:.9rem}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
STYLE_SOURCE = f"'sha256-{_STYLE_HASH}'"
"""The page's one style block as a CSP source: the portal's policy allows it too, since a report the
portal opens in a tab (a blob: URL) inherits the portal's policy on top of its own."""
CONTENT_SECURITY_POLICY = f"default-src 'none'; style-src {STYLE_SOURCE}; img-src data:"


def _number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "unknown"
    rounded = round(value, digits)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:,.{digits}f}"


def line_chart(
    title: str, months: Sequence[str], lines: Sequence[tuple[str, Sequence[float | None]]], *, unit: str = ""
) -> str:
    """An inline SVG line chart; a line breaks where its value is unknown."""
    width, height, left, right, top, bottom = 760, 240, 56, 210, 16, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    known = [v for _, values in lines for v in values if v is not None]
    peak = max(known, default=0.0) or 1.0
    n = max(len(months) - 1, 1)

    def x(i: int) -> float:
        return left + plot_w * i / n

    def y(v: float) -> float:
        return top + plot_h * (1 - v / peak)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="{escape(title)}">',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#888"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#888"/>',
    ]
    for tick in range(5):
        value = peak * tick / 4
        parts.append(
            f'<text x="{left - 6}" y="{y(value) + 4:.1f}" font-size="10" text-anchor="end">{_number(value)}</text>'
            f'<line x1="{left}" y1="{y(value):.1f}" x2="{left + plot_w}" y2="{y(value):.1f}" stroke="#eee"/>'
        )
    step = max(1, len(months) // 12)
    for i, month in enumerate(months):
        if i % step == 0:
            parts.append(
                f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" font-size="10" text-anchor="middle">{month}</text>'
            )
    if unit:
        parts.append(f'<text x="{left}" y="{top + plot_h + 34}" font-size="10">{escape(unit)}</text>')
    for number, (name, values) in enumerate(lines):
        colour = COLOURS[number % len(COLOURS)]
        segment: list[str] = []
        for i, point in enumerate([*values, None]):
            if point is not None:
                segment.append(f"{x(i):.1f},{y(point):.1f}")
                parts.append(f'<circle cx="{x(i):.1f}" cy="{y(point):.1f}" r="2.5" fill="{colour}"/>')
            elif segment:
                parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(segment)}"/>')
                segment = []
        legend_y = top + 14 * number + 8
        parts.append(
            f'<rect x="{left + plot_w + 12}" y="{legend_y - 8}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{left + plot_w + 26}" y="{legend_y + 1}" font-size="11">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, flagged: Sequence[bool] = ()) -> str:
    head = "".join(f'<th class="{"t" if i == 0 else ""}">{escape(h)}</th>' for i, h in enumerate(headers))
    body = []
    for r, row in enumerate(rows):
        cls = ' class="flag"' if r < len(flagged) and flagged[r] else ""
        cells = "".join(f'<td class="{"t" if i == 0 else ""}">{escape(c)}</td>' for i, c in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _figure(caption: str, chart: str, table: str) -> str:
    if "<circle" not in chart:  # every line unknown: say so rather than draw empty axes
        unknown = "<p>Unknown: the agency sends no such records.</p>"
        return f"<figure><figcaption>{escape(caption)}</figcaption>{unknown}</figure>"
    return (
        f"<figure><figcaption>{escape(caption)}</figcaption>{chart}"
        f"<details><summary>The numbers</summary>{table}</details></figure>"
    )


def _agency_rows(report: TrendsReport) -> list[MonthRow]:
    rows = {row.month: row for row in report.series if row.dimension is Dimension.AGENCY}
    return [rows[m] for m in report.months if m in rows]


def render_html(report: TrendsReport) -> str:
    months = report.months
    agency = _agency_rows(report)
    sections: list[str] = []
    title = f"Agency trends, {months[0]} to {months[-1]}" if months else "Agency trends"
    sections.append(f"<h1>{escape(title)}</h1>")
    sections.append(
        f'<p class="note">Agency {escape(report.agency_id)}; records known before {report.as_of.isoformat()}; '
        f"generated {report.generated_at.isoformat(timespec='minutes')}. "
        + " ".join(escape(note) for note in report.notes)
        + "</p>"
    )

    # 1. What departs from its season
    flagged = sorted(report.flagged, key=lambda d: (-abs(d.z), d.dimension.value, d.group, d.month))
    sections.append("<h2>Months that depart from their season</h2>")
    sections.append(
        f'<p class="note">Each month against the same month of earlier years; flagged when it departs by '
        f"{_number(report.z_threshold)} or more times the group's own variation.</p>"
    )
    if flagged:
        sections.append(
            _table(
                ["Group", "Month", "Measure", "Value", "Expected", "Own variation (sd)", "z", "Earlier years"],
                [
                    [
                        f"{d.dimension.value} {d.group}",
                        d.month,
                        d.measure,
                        _number(d.value, 2),
                        _number(d.expected, 2),
                        _number(d.spread, 2),
                        _number(d.z, 1),
                        str(d.earlier_years),
                    ]
                    for d in flagged
                ],
            )
        )
        charted: list[tuple[Dimension, str, str]] = []
        for departure in flagged:
            series_key = (departure.dimension, departure.group, departure.measure)
            if series_key not in charted and len(charted) < 6:
                charted.append(series_key)
                sections.append(_departure_figure(report, departure))
    else:
        sections.append("<p>No unit, shift or district departs from its season beyond its own variation.</p>")

    # 2. Agency-wide counts and rates
    count_lines = [(name, [_float(getattr(r, name)) for r in agency]) for name in ("force", "complaints", "injuries")]
    sections.append("<h2>Use of force, complaints and injuries</h2>")
    sections.append(
        _figure(
            "Agency-wide, per month",
            line_chart("Agency-wide counts per month", [r.month for r in agency], count_lines),
            _table(
                ["Month", "Officers", "Force", "Complaints", "Injuries"],
                [
                    [r.month, str(r.officers), _number(r.force), _number(r.complaints), _number(r.injuries)]
                    for r in agency
                ],
            ),
        )
    )
    rate_keys = sorted({key for r in agency for key, v in r.rates.items() if v is not None})
    if rate_keys:
        sections.append(
            _figure(
                "Exposure-adjusted rates, agency-wide",
                line_chart(
                    "Exposure-adjusted rates",
                    [r.month for r in agency],
                    [(k, [r.rates.get(k) for r in agency]) for k in rate_keys],
                ),
                _table(
                    ["Month", *rate_keys],
                    [[r.month, *(_number(r.rates.get(k), 2) for k in rate_keys)] for r in agency],
                ),
            )
        )
    else:
        sections.append(
            '<p class="note">Rates per 100 arrests, 1,000 calls and 1,000 hours: unknown (the agency sends none '
            "of these exposures).</p>"
        )

    # 3. Workload
    sections.append("<h2>Hours and overtime</h2>")
    sections.append(
        _figure(
            "Hours worked and overtime, agency-wide",
            line_chart(
                "Hours and overtime",
                [r.month for r in agency],
                [("hours", [r.hours for r in agency]), ("overtime", [r.overtime_hours for r in agency])],
                unit="hours",
            ),
            _table(
                ["Month", "Hours", "Overtime hours", "Arrests", "Calls for service"],
                [
                    [
                        r.month,
                        _number(r.hours),
                        _number(r.overtime_hours),
                        _number(r.arrests),
                        _number(r.calls_for_service),
                    ]
                    for r in agency
                ],
            ),
        )
    )
    sections.append("<h3>How workload and overtime are spread</h3>")
    sections.append(
        _table(
            [
                "Scope",
                "Officers",
                "Hours",
                "Median hours per officer",
                "90th pct hours",
                "Overtime hours",
                "Overtime by top 10% of officers",
                "Share of agency overtime",
            ],
            [
                [
                    s.scope,
                    str(s.officers),
                    _number(s.hours),
                    _number(s.hours_per_officer_median),
                    _number(s.hours_per_officer_p90),
                    _number(s.overtime_hours),
                    _percent(s.overtime_share_top_10pct),
                    _percent(s.overtime_share_of_agency),
                ]
                for s in report.spread
            ],
        )
    )

    # 4. Alerts
    sections.append("<h2>Alerts and their review</h2>")
    sections.append(
        _figure(
            "Alerts raised per month and what became of them",
            line_chart(
                "Alerts",
                [a.month for a in report.alerts],
                [
                    ("alerts", [float(a.alerts) for a in report.alerts]),
                    ("taken to a case", [float(a.taken_to_case) for a in report.alerts]),
                    ("dismissed", [float(a.dismissed) for a in report.alerts]),
                    ("median days to review", [a.median_days_to_review for a in report.alerts]),
                ],
            ),
            _table(
                [
                    "Month",
                    "Alerts",
                    "Critical",
                    "Taken to a case",
                    "Dismissed",
                    "Awaiting review",
                    "Median days to review",
                    "Cases closed",
                    "Closed by disposition",
                ],
                [
                    [
                        a.month,
                        str(a.alerts),
                        str(a.critical),
                        str(a.taken_to_case),
                        str(a.dismissed),
                        str(a.awaiting_review),
                        _number(a.median_days_to_review),
                        str(a.cases_closed),
                        ", ".join(f"{k} {v}" for k, v in a.closed_by_disposition.items()) or "-",
                    ]
                    for a in report.alerts
                ],
            ),
        )
    )
    sections.append(
        '<p class="note">The data behind every chart, for every unit, shift and district, is in the CSV.</p>'
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>" + "".join(sections) + "</body></html>"
    )


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _percent(value: float | None) -> str:
    return "unknown" if value is None else f"{100 * value:.0f}%"


def _departure_figure(report: TrendsReport, departure: Departure) -> str:
    rows = [
        d
        for d in report.departures
        if (d.dimension, d.group, d.measure) == (departure.dimension, departure.group, departure.measure)
    ]
    rows.sort(key=lambda d: d.month)
    months = [d.month for d in rows]
    name = f"{departure.dimension.value} {departure.group}: {departure.measure}"
    return _figure(
        name,
        line_chart(name, months, [("this year", [d.value for d in rows]), ("expected", [d.expected for d in rows])]),
        _table(
            ["Month", "Value", "Expected", "z"],
            [[d.month, _number(d.value, 2), _number(d.expected, 2), _number(d.z, 1)] for d in rows],
            flagged=[d.flagged for d in rows],
        ),
    )


# --- CSV -------------------------------------------------------------------------------------------

CSV_COLUMNS = ("table", "dimension", "group", "month", "measure", "value")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    """Text a spreadsheet would run as a formula is quoted with an apostrophe."""
    return f"'{value}" if value.startswith(_FORMULA_START) else value


def _cell(value: float | int | None) -> str:
    return "" if value is None else str(value)


def render_csv(report: TrendsReport) -> str:
    """Every figure of the report, one per line: table, dimension, group, month, measure, value (empty = unknown)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.series:
        figures: dict[str, float | int | None] = {
            "officers": row.officers,
            "force": row.force,
            "complaints": row.complaints,
            "injuries": row.injuries,
            "hours": row.hours,
            "overtime_hours": row.overtime_hours,
            "arrests": row.arrests,
            "calls_for_service": row.calls_for_service,
            **row.rates,
        }
        for measure, value in figures.items():
            writer.writerow(["series", row.dimension.value, _text(row.group), row.month, measure, _cell(value)])
    for d in report.departures:
        for measure, value in (
            ("value", d.value),
            ("expected", d.expected),
            ("spread", d.spread),
            ("z", d.z),
            ("flagged", int(d.flagged)),
        ):
            writer.writerow(
                ["season", d.dimension.value, _text(d.group), d.month, f"{d.measure}: {measure}", _cell(value)]
            )
    for s in report.spread:
        for measure, value in s.model_dump(exclude={"scope"}).items():
            writer.writerow(
                [
                    "spread",
                    "shift" if s.scope.startswith("shift ") else "agency",
                    _text(s.scope),
                    "",
                    measure,
                    _cell(value),
                ]
            )
    for a in report.alerts:
        for measure, value in a.model_dump(exclude={"month", "closed_by_disposition"}).items():
            writer.writerow(["alerts", "agency", "all officers", a.month, measure, _cell(value)])
        for disposition, count in a.closed_by_disposition.items():
            writer.writerow(["alerts", "agency", "all officers", a.month, f"closed {disposition}", count])
    return out.getvalue()
