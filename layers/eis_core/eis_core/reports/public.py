"""The public aggregate report: an agency's figures for a year or a quarter, by district and agency-wide.

What it counts (``DICTIONARY`` defines every column): uses of force (and per 1,000 arrests where the
agency sends arrests, otherwise "unknown"), complaints received, closed and sustained, the median
days to close a complaint, officers flagged (alerts raised) and interventions started and completed
by type. No officer identifier, name or single record is ever part of it: only counts by district.

Every count from 1 to 10 is suppressed, with complementary suppression so no suppressed count can be
recovered from a row, a column, a total, or the other periods of the same year: a year's report and
its four quarters' reports are suppressed together as one set of linked tables
(``eis_core.reports.suppression``). Rates and medians derived from a suppressed count are suppressed.
A period with no records at all says so instead of publishing zeros.

Pure: records in, a typed report out; ``publish`` writes it through an ``ArtifactStore`` (the agency's
public-reports bucket, ``public/`` prefix), so a scheduled job or the CLI can run it.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from eis_core.complaints.timeliness import complaint_timings
from eis_core.models.alerts import Alert
from eis_core.models.cases import Case, InterventionOutcome
from eis_core.models.records import Activity, Complaint, Finding, Officer, RecordKind, UseOfForce
from eis_core.reports.suppression import SMALL_MAX, Relation, suppress
from eis_core.storage.ports import AlertStore, ArtifactStore, CaseStore, RecordStore

PUBLIC_PREFIX = "public/"
TOTAL_ROW = "All districts"
UNASSIGNED = "Unassigned"
ALL_TYPES = "all_types"

PUBLISHED = "published"
SUPPRESSED = "suppressed"
UNKNOWN = "unknown"
NOT_APPLICABLE = "not_applicable"

SUMMARY = "district_summary"
STARTED = "interventions_started"
COMPLETED = "interventions_completed"

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-Q(?P<quarter>[1-4]))?$")


@dataclass(frozen=True)
class Period:
    """A calendar year (``2025``) or quarter (``2025-Q3``); ``end`` is the last day, inclusive."""

    label: str
    start: date
    end: date

    @classmethod
    def parse(cls, text: str) -> Period:
        match = _PERIOD.match(text.strip())
        if match is None:
            raise ValueError(f"period {text!r} is not a year (2025) or a quarter (2025-Q3)")
        year = int(match["year"])
        if match["quarter"] is None:
            return cls(str(year), date(year, 1, 1), date(year, 12, 31))
        return cls.quarter(year, int(match["quarter"]))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        start = date(year, 3 * quarter - 2, 1)
        end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
        return cls(f"{year}-Q{quarter}", start, date.fromordinal(end.toordinal() - 1))

    @property
    def year(self) -> int:
        return self.start.year

    def family(self) -> tuple[Period, ...]:
        """The year and its four quarters: the periods published tables of this period add up with."""
        return (Period.parse(str(self.year)), *(Period.quarter(self.year, q) for q in range(1, 5)))

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True)
class Column:
    column_id: str
    label: str
    kind: str  # count, rate or median


SUMMARY_COUNTS = (
    Column("use_of_force", "Uses of force", "count"),
    Column("arrests", "Arrests", "count"),
    Column("complaints_received", "Complaints received", "count"),
    Column("complaints_closed", "Complaints closed", "count"),
    Column("complaints_sustained", "Complaints sustained", "count"),
    Column("officers_flagged", "Officers flagged (alerts)", "count"),
)
FORCE_RATE = Column("force_per_1000_arrests", "Uses of force per 1,000 arrests", "rate")
MEDIAN_DAYS = Column("median_days_to_close", "Median days to close a complaint", "median")

DICTIONARY: tuple[tuple[str, str, str], ...] = (
    (
        "district",
        "District",
        "The district of the officer involved, from the agency's roster (its unit where the "
        "roster has no districts). 'Unassigned': officers with neither. 'All districts': the agency-wide total.",
    ),
    (
        "use_of_force",
        "Uses of force",
        "Use-of-force reports that happened in the period, one per officer involved "
        "(an incident with two officers counts twice).",
    ),
    (
        "arrests",
        "Arrests",
        "Arrests in the activity counts the agency sends for periods starting in this period; "
        "'unknown' where the agency sends none for the district.",
    ),
    (
        FORCE_RATE.column_id,
        FORCE_RATE.label,
        "Uses of force / arrests x 1,000, one decimal. 'unknown' where arrests are "
        "unknown (never zero or infinite); suppressed when either count is suppressed.",
    ),
    (
        "complaints_received",
        "Complaints received",
        "Complaints (all allegations of one complaint number together) "
        "the agency received in the period (the received date it sends, else the intake date). "
        "A complaint about officers of several districts counts in the district "
        "most of its allegations concern (ties: the first district in alphabetical order).",
    ),
    (
        "complaints_closed",
        "Complaints closed",
        "Complaints closed in the period: on the closed date the agency sends, else when the last allegation "
        "was decided.",
    ),
    (
        "complaints_sustained",
        "Complaints sustained",
        "Complaints closed in the period with at least one allegation sustained.",
    ),
    (
        MEDIAN_DAYS.column_id,
        MEDIAN_DAYS.label,
        "Median of days from receipt to closing over the complaints "
        "closed in the period; suppressed when their count is; 'not applicable' when none was closed.",
    ),
    (
        "officers_flagged",
        "Officers flagged (alerts)",
        "Early-intervention alerts raised in the period (each alert "
        "flags one officer; an officer flagged twice counts twice). 'unknown' when the EIS had raised no alert by the "
        "end of the period.",
    ),
    (
        STARTED,
        "Interventions started",
        "Interventions (by the agency's intervention type) started in the period: "
        "their start date, or the date planned where no start was recorded.",
    ),
    (
        COMPLETED,
        "Interventions completed",
        "Interventions completed in the period (outcome 'completed' or 'partially completed').",
    ),
    (
        "status",
        "Cell status",
        f"published; suppressed (a count from 1 to {SMALL_MAX}, or a count hidden so a suppressed one cannot be "
        "worked out from totals or other periods, or a rate or median from a suppressed count); unknown; "
        "not_applicable.",
    ),
)


@dataclass(frozen=True)
class Cell:
    value: int | float | None
    status: str = PUBLISHED


@dataclass(frozen=True)
class Row:
    label: str
    cells: dict[str, Cell]
    total: bool = False


@dataclass(frozen=True)
class PublicTable:
    table_id: str
    title: str
    row_header: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class PublicReport:
    agency_id: str
    period: str
    start: date
    end: date
    generated_on: date
    status: str  # published or no_data
    message: str
    tables: tuple[PublicTable, ...] = ()
    notes: tuple[str, ...] = ()
    suppressed_cells: int = 0

    @property
    def has_data(self) -> bool:
        return self.status == PUBLISHED


@dataclass(frozen=True)
class PublicInputs:
    """What the report reads: the roster, three event kinds, alerts and cases (with interventions)."""

    roster: Sequence[Officer] = ()
    uses_of_force: Sequence[UseOfForce] = ()
    complaints: Sequence[Complaint] = ()
    activity: Sequence[Activity] = ()
    alerts: Sequence[Alert] = ()
    cases: Sequence[Case] = ()


def load_inputs(records: RecordStore, alerts: AlertStore, cases: CaseStore) -> PublicInputs:
    """Read an agency's stores (every record of three kinds: a report job, never an API route)."""
    return PublicInputs(
        roster=[r for r in records.iter_records(RecordKind.ROSTER) if isinstance(r, Officer)],
        uses_of_force=[r for r in records.iter_records(RecordKind.USE_OF_FORCE) if isinstance(r, UseOfForce)],
        complaints=[r for r in records.iter_records(RecordKind.COMPLAINT) if isinstance(r, Complaint)],
        activity=[r for r in records.iter_records(RecordKind.ACTIVITY) if isinstance(r, Activity)],
        alerts=alerts.list_alerts(),
        cases=list(cases.iter_cases()),
    )


# --- counting --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ComplaintCase:
    district: str
    received_on: date
    closed_on: date | None
    sustained: bool


@dataclass
class _Counts:
    """One period's raw counts, keyed by (district, column)."""

    summary: Counter[tuple[str, str]] = field(default_factory=Counter)
    close_days: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    started: Counter[tuple[str, str]] = field(default_factory=Counter)
    completed: Counter[tuple[str, str]] = field(default_factory=Counter)
    records: int = 0


def _district_of(inputs: PublicInputs) -> tuple[dict[str, str], str]:
    use_district = any(officer.district for officer in inputs.roster)
    found = {
        officer.officer_id: ((officer.district if use_district else officer.unit) or UNASSIGNED)
        for officer in inputs.roster
    }
    return found, "District" if use_district or not inputs.roster else "Unit"


def _complaint_cases(complaints: Iterable[Complaint], district: dict[str, str]) -> list[_ComplaintCase]:
    """One case per complaint number; when it was received and closed comes from ``complaints.timeliness``
    (the one reading of those dates: the received and closed dates where sent, else intake and decision)."""
    grouped: dict[str, list[Complaint]] = defaultdict(list)
    for allegation in complaints:
        grouped[allegation.complaint_id].append(allegation)
    found = []
    for timing in complaint_timings(allegation for allegations in grouped.values() for allegation in allegations):
        allegations = grouped[timing.complaint_id]
        districts = Counter(district.get(a.officer_id, UNASSIGNED) for a in allegations)
        top = max(districts.values())
        found.append(
            _ComplaintCase(
                district=min(d for d, n in districts.items() if n == top),
                received_on=timing.received_on,
                closed_on=timing.closed_on,
                sustained=any(a.finding is Finding.SUSTAINED for a in allegations),
            )
        )
    return found


def _count(inputs: PublicInputs, period: Period, district: dict[str, str], complaints: list[_ComplaintCase]) -> _Counts:
    counts = _Counts()

    def where(officer_id: str) -> str:
        return district.get(officer_id, UNASSIGNED)

    for force in inputs.uses_of_force:
        if force.occurred_on in period:
            counts.summary[where(force.officer_id), "use_of_force"] += 1
            counts.records += 1
    for activity in inputs.activity:
        if activity.occurred_on in period:
            counts.summary[where(activity.officer_id), "arrests"] += activity.arrests
            counts.records += 1
    for complaint in complaints:
        if complaint.received_on in period:
            counts.summary[complaint.district, "complaints_received"] += 1
            counts.records += 1
        if complaint.closed_on is not None and complaint.closed_on in period:
            counts.summary[complaint.district, "complaints_closed"] += 1
            counts.summary[complaint.district, "complaints_sustained"] += complaint.sustained
            counts.close_days[complaint.district].append((complaint.closed_on - complaint.received_on).days)
            counts.records += 1
    for alert in inputs.alerts:
        if alert.created_at.date() in period:
            counts.summary[where(alert.officer_id), "officers_flagged"] += 1
            counts.records += 1
    for case in inputs.cases:
        for intervention in case.interventions:
            if (intervention.started_on or intervention.planned_on) in period:
                counts.started[where(case.officer_id), intervention.type] += 1
                counts.records += 1
            done = intervention.outcome in (InterventionOutcome.COMPLETED, InterventionOutcome.PARTIALLY_COMPLETED)
            if done and intervention.completed_on in period:
                counts.completed[where(case.officer_id), intervention.type] += 1
                counts.records += 1
    return counts


# --- the family of tables and their suppression ------------------------------------------------------

Key = tuple[str, str, str, str]  # period, table, row, column


def public_reports(
    inputs: PublicInputs,
    year: int,
    *,
    agency_id: str,
    generated_on: date,
    published: Sequence[dict[str, Any]] = (),
) -> dict[str, PublicReport]:
    """The reports of a year and its four quarters, suppressed together (keyed by period label).

    ``published``: the JSON documents (``to_json``) of this year's reports published before; their
    counts still shown with the same value are treated as public, so a re-run cannot be combined with
    them to recover a suppressed count (``suppression.suppress``'s ``known``).
    """
    family = Period.parse(str(year)).family()
    district, row_header = _district_of(inputs)
    complaints = _complaint_cases(inputs.complaints, district)
    counts = {p.label: _count(inputs, p, district, complaints) for p in family}
    rows = sorted(
        {d for c in counts.values() for d, _ in (*c.summary, *c.started, *c.completed)},
        key=lambda d: (d == UNASSIGNED, d),
    )
    types = sorted({t for c in counts.values() for _, t in (*c.started, *c.completed)})
    intervention_tables = (STARTED, COMPLETED) if types else ()
    cells: dict[Key, int] = {}
    relations: list[Relation[Key]] = []
    for p in family:
        c = counts[p.label]
        for column in SUMMARY_COUNTS:
            for row in rows:
                cells[p.label, SUMMARY, row, column.column_id] = c.summary[row, column.column_id]
            cells[p.label, SUMMARY, TOTAL_ROW, column.column_id] = sum(
                cells[p.label, SUMMARY, row, column.column_id] for row in rows
            )
            relations.append(
                Relation(
                    (p.label, SUMMARY, TOTAL_ROW, column.column_id),
                    tuple((p.label, SUMMARY, r, column.column_id) for r in rows),
                )
            )
        for table in intervention_tables:
            source = c.started if table == STARTED else c.completed
            for row in rows:
                for t in types:
                    cells[p.label, table, row, t] = source[row, t]
            for t in types:
                cells[p.label, table, TOTAL_ROW, t] = sum(source[row, t] for row in rows)
            for row in (*rows, TOTAL_ROW):
                cells[p.label, table, row, ALL_TYPES] = sum(cells[p.label, table, row, t] for t in types)
                relations.append(
                    Relation((p.label, table, row, ALL_TYPES), tuple((p.label, table, row, t) for t in types))
                )
            for t in (*types, ALL_TYPES):
                relations.append(Relation((p.label, table, TOTAL_ROW, t), tuple((p.label, table, r, t) for r in rows)))
    year_label, quarters = family[0].label, [q.label for q in family[1:]]
    for key in [k for k in cells if k[0] == year_label]:
        relations.append(Relation(key, tuple((q, *key[1:]) for q in quarters)))
    result = suppress(cells, relations, known=published_counts(published))
    hidden = result.suppressed

    alerts_known_by = min((a.created_at.date() for a in inputs.alerts), default=None)
    spans = _spans(inputs, complaints)
    reports = {}
    for p in family:
        c = counts[p.label]
        if c.records == 0:
            reports[p.label] = _no_data(agency_id, p, generated_on)
            continue
        alerts_known = alerts_known_by is not None and alerts_known_by <= p.end
        uncovered, notes = _coverage(p, spans)
        if not alerts_known:
            uncovered.add("officers_flagged")
        summary = _summary_table(
            p, rows, cells=cells, hidden=hidden, counts=c, row_header=row_header, uncovered=uncovered
        )
        tables = [summary]
        for table in intervention_tables:
            tables.append(
                _intervention_table(p, table, rows=rows, types=types, cells=cells, hidden=hidden, row_header=row_header)
            )
        if not intervention_tables:
            notes.append(
                "No interventions are recorded in the EIS up to this report: the intervention tables are left out."
            )
        if not alerts_known:
            notes.append("The EIS had raised no alert by the end of this period: officers flagged is 'unknown'.")
        if p.end >= generated_on:
            notes.append(f"The period has not ended ({p.end.isoformat()}): the figures are provisional.")
        in_period = sum(1 for t in tables for r in t.rows for cell in r.cells.values() if cell.status == SUPPRESSED)
        reports[p.label] = PublicReport(
            agency_id=agency_id,
            period=p.label,
            start=p.start,
            end=p.end,
            generated_on=generated_on,
            status=PUBLISHED,
            message=(
                f"Counts from 1 to {SMALL_MAX} are suppressed, and so are other counts where needed so that none "
                "can be worked out from totals or from the year's other reports."
            ),
            tables=tuple(tables),
            notes=tuple(notes),
            suppressed_cells=in_period,
        )
    return reports


def public_report(
    inputs: PublicInputs,
    period: Period,
    *,
    agency_id: str,
    generated_on: date,
    published: Sequence[dict[str, Any]] = (),
) -> PublicReport:
    """One period's report, suppressed together with its year's other periods."""
    family = public_reports(inputs, period.year, agency_id=agency_id, generated_on=generated_on, published=published)
    return family[period.label]


def published_counts(documents: Iterable[dict[str, Any]]) -> dict[Key, int]:
    """The counts earlier reports showed (published cells of count columns), by cell."""
    found: dict[Key, int] = {}
    for document in documents:
        for table in document.get("tables", []):
            counts = [c["column_id"] for c in table["columns"] if c["kind"] == "count"]
            for row in table["rows"]:
                for column in counts:
                    cell = row["cells"][column]
                    if cell["status"] == PUBLISHED and isinstance(cell["value"], int):
                        found[document["period"], table["table_id"], row["label"], column] = cell["value"]
    return found


def published_documents(store: ArtifactStore, year: int, *, prefix: str = PUBLIC_PREFIX) -> list[dict[str, Any]]:
    """The JSON documents of ``year``'s reports already in ``store`` (the year and its quarters)."""
    found = []
    for period in Period.parse(str(year)).family():
        key = report_keys(period.label, prefix)["report.json"]
        if key in set(store.keys(f"{prefix}{period.label}/")):
            found.append(store.get_json(key))
    return found


def _no_data(agency_id: str, period: Period, generated_on: date) -> PublicReport:
    return PublicReport(
        agency_id=agency_id,
        period=period.label,
        start=period.start,
        end=period.end,
        generated_on=generated_on,
        status="no_data",
        message=(
            f"No data for {period.label}: the EIS holds no use of force, complaint, arrest, alert or intervention "
            f"between {period.start.isoformat()} and {period.end.isoformat()}, so no figures are published for it "
            "(an absence of records is not a count of zero)."
        ),
    )


_SPAN_COLUMNS = {
    "use_of_force": ("use_of_force",),
    "complaints_received": ("complaints_received",),
    "complaints_closed": ("complaints_closed", "complaints_sustained"),
}
_SPAN_NAMES = {
    "use_of_force": "use-of-force records",
    "complaints_received": "complaint receipts",
    "complaints_closed": "complaint decisions",
}


def _spans(inputs: PublicInputs, complaints: list[_ComplaintCase]) -> dict[str, tuple[date, date] | None]:
    """The first and last day the agency's records of each kind reach (None: it sent none)."""
    days = {
        "use_of_force": [f.occurred_on for f in inputs.uses_of_force],
        "complaints_received": [c.received_on for c in complaints],
        "complaints_closed": [c.closed_on for c in complaints if c.closed_on is not None],
    }
    return {name: (min(found), max(found)) if found else None for name, found in days.items()}


def _coverage(p: Period, spans: dict[str, tuple[date, date] | None]) -> tuple[set[str], list[str]]:
    """Columns the agency's records do not reach in ``p`` ('unknown', not zero), and notes on partial ones."""
    uncovered: set[str] = set()
    notes: list[str] = []
    for name, span in spans.items():
        what = _SPAN_NAMES[name]
        if span is None or span[1] < p.start or span[0] > p.end:
            uncovered.update(_SPAN_COLUMNS[name])
            reach = "none were sent" if span is None else f"they run from {span[0]} to {span[1]}"
            notes.append(f"No {what} reach this period ({reach}): those counts are 'unknown', not zero.")
        elif span[1] < p.end:
            notes.append(f"The {what} end on {span[1]}, within this period: those counts cover only part of it.")
        elif span[0] > p.start:
            notes.append(f"The {what} start on {span[0]}, within this period: those counts cover only part of it.")
    return uncovered, notes


def _count_cell(key: Key, cells: dict[Key, int], hidden: frozenset[Key]) -> Cell:
    return Cell(None, SUPPRESSED) if key in hidden else Cell(cells[key])


def _summary_table(
    p: Period,
    rows: list[str],
    *,
    cells: dict[Key, int],
    hidden: frozenset[Key],
    counts: _Counts,
    row_header: str,
    uncovered: set[str],
) -> PublicTable:
    out = []
    for row in (*rows, TOTAL_ROW):
        value = {c.column_id: cells[p.label, SUMMARY, row, c.column_id] for c in SUMMARY_COUNTS}
        shown = {c.column_id: _count_cell((p.label, SUMMARY, row, c.column_id), cells, hidden) for c in SUMMARY_COUNTS}
        if value["arrests"] == 0:
            shown["arrests"] = Cell(None, UNKNOWN)
        for column_id in uncovered:
            shown[column_id] = Cell(None, UNKNOWN)
        force, arrests = shown["use_of_force"], shown["arrests"]
        if UNKNOWN in (force.status, arrests.status):
            shown[FORCE_RATE.column_id] = Cell(None, UNKNOWN)
        elif SUPPRESSED in (force.status, arrests.status):
            shown[FORCE_RATE.column_id] = Cell(None, SUPPRESSED)
        else:
            shown[FORCE_RATE.column_id] = Cell(round(value["use_of_force"] / value["arrests"] * 1000, 1))
        closed = shown["complaints_closed"]
        if closed.status == UNKNOWN:
            shown[MEDIAN_DAYS.column_id] = Cell(None, UNKNOWN)
        days = (
            [d for r in rows for d in counts.close_days.get(r, [])]
            if row == TOTAL_ROW
            else counts.close_days.get(row, [])
        )
        if closed.status == UNKNOWN:
            pass
        elif closed.status == SUPPRESSED:
            shown[MEDIAN_DAYS.column_id] = Cell(None, SUPPRESSED)
        elif not days:
            shown[MEDIAN_DAYS.column_id] = Cell(None, NOT_APPLICABLE)
        else:
            shown[MEDIAN_DAYS.column_id] = Cell(float(statistics.median(days)))
        out.append(Row(row, shown, total=row == TOTAL_ROW))
    columns = (*SUMMARY_COUNTS[:2], FORCE_RATE, *SUMMARY_COUNTS[2:5], MEDIAN_DAYS, SUMMARY_COUNTS[5])
    return PublicTable(
        SUMMARY, f"Use of force, complaints and alerts by {row_header.lower()}", row_header, columns, tuple(out)
    )


def _intervention_table(
    p: Period,
    table: str,
    *,
    rows: list[str],
    types: list[str],
    cells: dict[Key, int],
    hidden: frozenset[Key],
    row_header: str,
) -> PublicTable:
    columns = (
        *(Column(t, t.replace("_", " ").capitalize(), "count") for t in types),
        Column(ALL_TYPES, "All types", "count"),
    )
    out = tuple(
        Row(
            row,
            {c.column_id: _count_cell((p.label, table, row, c.column_id), cells, hidden) for c in columns},
            row == TOTAL_ROW,
        )
        for row in (*rows, TOTAL_ROW)
    )
    title = "Interventions started" if table == STARTED else "Interventions completed"
    return PublicTable(table, f"{title} by type and {row_header.lower()}", row_header, columns, out)


# --- rendering and publishing --------------------------------------------------------------------------


def to_json(report: PublicReport) -> dict[str, Any]:
    document = asdict(report)
    document["dictionary"] = [{"field": f, "label": label, "definition": d} for f, label, d in DICTIONARY]
    parsed: dict[str, Any] = json.loads(json.dumps(document, default=str))
    return parsed


def to_csv(report: PublicReport) -> str:
    """Long format: one line per cell (period, table, row, column, value, status)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["period", "table", "row", "column", "value", "status"])
    if not report.has_data:
        writer.writerow([report.period, "", "", "", "", "no_data"])
    for table in report.tables:
        for row in table.rows:
            for column in table.columns:
                cell = row.cells[column.column_id]
                writer.writerow(
                    [report.period, table.table_id, row.label, column.column_id, _plain(cell.value), cell.status]
                )
    return buffer.getvalue()


def dictionary_csv() -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["field", "label", "definition"])
    writer.writerows(DICTIONARY)
    return buffer.getvalue()


def _plain(value: int | float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() and not isinstance(value, float) else str(value)


_SHOWN = {SUPPRESSED: "S", UNKNOWN: "unknown", NOT_APPLICABLE: "n/a"}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem;color:#1b1b1b;max-width:80rem}
h1{font-size:1.6rem}h2{font-size:1.25rem;margin-top:2rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #a9aeb1;padding:.25rem .5rem}td{text-align:right}
th[scope=row]{text-align:left;font-weight:400}tr.total th,tr.total td{font-weight:700;background:#f0f0f0}
td.suppressed{color:#71767a}.notice{border-left:.5rem solid #00bde3;background:#e7f6f8;padding:1rem}
dt{font-weight:700;margin-top:.5rem}dd{margin-left:1rem}
"""


def to_html(report: PublicReport) -> str:
    e = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(report.agency_id)}: public report {e(report.period)}</title><style>{_CSS}</style></head><body>",
        "<main>",
        f"<h1>Public report, {e(report.period)}</h1>",
        f"<p>Agency <strong>{e(report.agency_id)}</strong>, {report.start.isoformat()} to {report.end.isoformat()}, "
        f"generated {report.generated_on.isoformat()}. No officer is identified in this report.</p>",
        f'<p class="notice">{e(report.message)}</p>',
    ]
    parts += [f"<p>{e(note)}</p>" for note in report.notes]
    for table in report.tables:
        parts.append(
            f"<h2>{e(table.title)}</h2><table><caption>{e(table.title)}, {e(report.period)}</caption><thead><tr>"
        )
        parts.append(f'<th scope="col">{e(table.row_header)}</th>')
        parts += [f'<th scope="col">{e(c.label)}</th>' for c in table.columns]
        parts.append("</tr></thead><tbody>")
        for row in table.rows:
            parts.append(f'<tr{" class=total" if row.total else ""}><th scope="row">{e(row.label)}</th>')
            for column in table.columns:
                cell = row.cells[column.column_id]
                text = _SHOWN.get(cell.status) or _number(cell.value)
                parts.append(f'<td class="{cell.status}">{e(text)}</td>')
            parts.append("</tr>")
        parts.append("</tbody></table>")
    if report.has_data:
        parts.append(
            f"<p>S: suppressed (a count from 1 to {SMALL_MAX}, a count hidden so a suppressed one cannot be worked out "
            "from the totals or the year's other reports, or a rate or median from a suppressed count).</p>"
        )
    parts.append("<h2>Data dictionary</h2><dl>")
    for _, label, definition in DICTIONARY:
        parts.append(f"<dt>{e(label)}</dt><dd>{e(definition)}</dd>")
    parts.append("</dl></main></body></html>")
    return "\n".join(parts)


def _number(value: int | float | None) -> str:
    if value is None:
        return ""
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.1f}"


def report_keys(period: str, prefix: str = PUBLIC_PREFIX) -> dict[str, str]:
    return {name: f"{prefix}{period}/{name}" for name in ("report.html", "report.csv", "report.json", "dictionary.csv")}


def publish(report: PublicReport, store: ArtifactStore, *, prefix: str = PUBLIC_PREFIX) -> list[str]:
    """Write the report's HTML, CSV, JSON and data dictionary under ``<prefix><period>/``; returns the keys."""
    keys = report_keys(report.period, prefix)
    store.put_bytes(keys["report.html"], to_html(report).encode(), content_type="text/html; charset=utf-8")
    store.put_bytes(keys["report.csv"], to_csv(report).encode(), content_type="text/csv; charset=utf-8")
    store.put_bytes(
        keys["report.json"], json.dumps(to_json(report), indent=2).encode(), content_type="application/json"
    )
    store.put_bytes(keys["dictionary.csv"], dictionary_csv().encode(), content_type="text/csv; charset=utf-8")
    return list(keys.values())
