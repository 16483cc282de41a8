"""Chicago's records-system export, played from the CPDP 2018 public release (``shared/data-raw/chicago``).

The public release is a set of normalised tables; an agency's export job would join them into one
extract per record kind. This module does that join and nothing more: Chicago's own column names
and codes are kept (``UID``, ``cr_id``, ``final_finding`` = ``SU``/``NS``/..., ``trr_date``, ...), and
some civilian columns are deliberately kept too, as a real export would carry them (complaint
address, TRR subject demographics, plaintiff). Translating codes, choosing dates and dropping the
civilian columns is the job of the agency's ingest mapping (``eis_core/ingest/mappings/chicago-demo.json``).

What the export itself changes, and why:

* CPDP stores ``UID`` (and years, birth years, status flags) as floats in some files (``100011.0``);
  a records system exports them as integers, so the trailing ``.0`` is removed.
* Settlement amounts are published as text (``$35,000``); the export gives the number (``35000``).
* Rows the records system could not export are skipped and counted in the manifest: a record
  with no officer ``UID``, an officer with no appointed date, a settlement with no incident date.
  Everything else, however odd (a complaint received before its incident, a finding with no
  decision date), is exported as is, for ingest to quarantine and report.

Derived columns (each a value a real export has and the public release only implies):
``cleaned_rank``/``payroll_year`` (latest payroll rank), ``unit``/``unit_start_date`` (latest unit
assignment), ``member_action``/``force_type`` (the most serious member action on the report),
``suspension_days`` (from the penalty text) and ``case_filed_by`` (31 December of the case number's
filing year: the latest date by which the city knew of the suit).
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

import eis_core
from eis_core.models.records import RecordKind
from eis_core.models.uploads import UploadReport

AGENCY_ID = "chicago-demo"
# Shipped with eis_core (package data), not with the tools: the ingest function reads agency mappings there.
MAPPING_PATH = Path(eis_core.__file__).resolve().parent / "ingest" / "mappings" / f"{AGENCY_ID}.json"
"""The agency's ingest mapping; the CLI stores it where ingest reads mappings before uploading."""
MANIFEST_NAME = "manifest.json"

RAW_FILES = {
    "profiles": "profiles/final-profiles.csv.gz",
    "salary": "salary/salary-ranks_2002-2017_2017-09.csv.gz",
    "unit_history": "unit-history/unit-history.csv.gz",
    "unit_reference": "data-dictionary/unit_reference.csv",
    "accused": "complaints/complaints-accused.csv.gz",
    "complaints": "complaints/complaints-complaints.csv.gz",
    "trr_main": "TRR/TRR-main_2004-2016_2016-09.csv.gz",
    "trr_officers": "TRR/TRR-officers_2004-2016_2016-09.csv.gz",
    "trr_subjects": "TRR/TRR-subjects_2004-2016_2016-09.csv.gz",
    "trr_actions": "TRR/TRR-actions-responses_2004-2016_2016-09.csv.gz",
    "settlements": "settlements/settlements_1952-2016_2017-01.csv.gz",
}

_UNIT_NAME_2017 = "current_unit_description (April 2017 roster)"
_UNIT_NAME_2016 = "From PDF (May 2016)"
_UNIT_ACTIVE_2016 = "Status from PDF (May 2016)"

# The columns each table contributes; everything else in the public files is never read.
_COLUMNS = {
    "profiles": [
        "UID",
        "first_name",
        "last_name",
        "middle_initial",
        "birth_year",
        "race",
        "gender",
        "appointed_date",
        "resignation_date",
        "current_status",
        "current_unit",
        "cleaned_rank",
    ],
    "salary": ["UID", "year", "cleaned_rank", "pay_grade"],
    "unit_history": ["UID", "unit", "unit_start_date"],
    "unit_reference": ["current_unit", _UNIT_NAME_2017, _UNIT_NAME_2016, _UNIT_ACTIVE_2016],
    "accused": ["UID", "cr_id", "complaint_category", "complaint_code", "final_finding", "final_outcome"],
    "complaints": ["cr_id", "incident_date", "complaint_date", "closed_date", "add1", "add2", "beat", "city"],
    "trr_main": ["trr_id", "trr_date", "block", "street", "beat"],
    "trr_officers": ["trr_id", "UID", "injured", "unit", "rank"],
    "trr_subjects": ["trr_id", "gender", "race", "age", "armed", "injured", "alleged_injury"],
    "trr_actions": ["trr_id", "person", "action", "force_type", "action_sub_category"],
    "settlements": ["case_id", "UID", "complaint", "incident_date", "location", "plantiff", "settlement"],
}

# Columns the export carries that describe civilians, not officers: ingest must drop them unread.
CIVILIAN_COLUMNS: dict[RecordKind, tuple[str, ...]] = {
    RecordKind.ROSTER: (),
    RecordKind.COMPLAINT: ("add1", "add2", "beat", "city"),
    RecordKind.DISCIPLINE: (),
    RecordKind.USE_OF_FORCE: (
        "block",
        "street",
        "beat",
        "subject_gender",
        "subject_race",
        "subject_age",
        "subject_armed",
    ),
    RecordKind.LAWSUIT: ("plantiff", "location"),
    RecordKind.ACTIVITY: (),
}

EXPORT_KINDS = (
    RecordKind.ROSTER,
    RecordKind.COMPLAINT,
    RecordKind.DISCIPLINE,
    RecordKind.USE_OF_FORCE,
    RecordKind.LAWSUIT,
    RecordKind.ACTIVITY,
)

# A sustained allegation's outcome that is a penalty the department imposed (CPD's own spellings).
_PENALTY = re.compile(r"REPRIMAND|VIOLATION NOTED|SUSPEN|^SEPARATION$|TERMINATION", re.IGNORECASE)
_SUSPENSION_DAYS = re.compile(r"(\d+)\s*DAYS?\b", re.IGNORECASE)
_CASE_YEAR = re.compile(r"^(\d{2})-")
_ACTIONS_CHUNK_ROWS = 200_000

MISSING_UID = "no officer UID"
MISSING_APPOINTED = "officer has no appointed date"
MISSING_INCIDENT_DATE = "no incident date"
UNREADABLE_CASE_YEAR = "case number has no filing year"
NOT_SUSTAINED = "allegation not sustained (no discipline)"
# Corrections the export applies to CPD's complaint dates, as the published analyses of these data do.
# Each is counted in the manifest; none invents a finding: an uncertain finding stays pending forever.
CLOSED_WITHOUT_FINDING = "closed without a recorded finding: kept as pending (no decision date)"
FINDING_WITHOUT_CLOSED_DATE = "finding without a closed date: kept as pending (decision date unknown)"
COMPLAINT_BEFORE_INCIDENT = "complaint dated before the incident: incident date set to the complaint date"
CLOSED_BEFORE_COMPLAINT = "closed before the complaint date: closed date set to the complaint date"
NO_PENALTY = "sustained without a penalty (no action, not served, resigned, reinstated or an unknown code)"
OUTSIDE_SAMPLE = "officer outside the selected units"
SECOND_PAYROLL_ROW = "another payroll row for the same officer and year"
MISSING_YEAR = "no payroll year"


def _before_since(since: int) -> str:
    return f"before {since}"


def _separated_before(since: int) -> str:
    return f"separated before {since}"


class KindExport(BaseModel):
    """What one extract holds and what was left out, so its upload report can be reconciled."""

    model_config = ConfigDict(frozen=True)

    kind: RecordKind
    file: str
    source_table: str = Field(description="The raw table with one row per exported record")
    source_rows: int = Field(description="Rows in that table")
    exported_rows: int
    skipped: dict[str, int] = Field(description="Rows of the source table not exported, by reason")
    repaired: dict[str, int] = Field(
        default_factory=dict, description="Exported rows whose values the export corrected, by correction"
    )
    civilian_columns: list[str] = Field(description="Columns kept as a real export would; ingest must drop them")


class ExportManifest(BaseModel):
    model_config = ConfigDict(frozen=True)

    agency_id: str = AGENCY_ID
    raw: str
    since: int | None
    units: list[str] | None
    created_at: datetime
    kinds: dict[RecordKind, KindExport]


@dataclass
class _Extract:
    frame: pd.DataFrame
    source_table: str
    source_rows: int
    skipped: Counter[str] = field(default_factory=Counter)
    repaired: Counter[str] = field(default_factory=Counter)

    def check(self, kind: RecordKind) -> None:
        # Every source row is either exported or counted as skipped: the manifest must add up.
        accounted = len(self.frame) + sum(self.skipped.values())
        if accounted != self.source_rows:
            raise AssertionError(f"{kind.value}: {accounted} rows accounted for, {self.source_rows} in the source")


def read_raw(raw: Path, table: str) -> pd.DataFrame:
    """One public table as text, empty cells as ''; only the columns the export uses."""
    path = raw / RAW_FILES[table]
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: expected the CPDP 2018 release under {raw}")
    return pd.read_csv(path, dtype=str, keep_default_na=False, usecols=_COLUMNS[table])


def integer_text(values: pd.Series) -> pd.Series:
    """'100011.0' -> '100011' (CPDP's float artefact); '' stays ''.

    Cleaned once per distinct value (ids repeat across rows: a tenth as many string operations)."""
    codes, distinct = pd.factorize(values, use_na_sentinel=True)
    cleaned = pd.Series(distinct, dtype=values.dtype).str.strip().str.replace(r"\.0+$", "", regex=True)
    return pd.Series(cleaned.reindex(codes).to_numpy(), index=values.index, dtype=values.dtype, name=values.name)


def per_distinct(values: pd.Series, transform: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """``transform(values)`` for an element-wise ``transform``, computed once per distinct value.

    Codes and statuses repeat across hundreds of thousands of rows: a string operation on the few distinct
    values, then one take, gives the same series for a fraction of the work."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    result = transform(pd.Series(distinct, dtype=values.dtype))
    return pd.Series(result.to_numpy()[codes], index=values.index, name=values.name, dtype=result.dtype)


def _unique_keys(frame: pd.DataFrame, key: str, side: str) -> None:
    # What merge(validate=...) checks, by hashing: pandas' own check sorts the string keys (seconds on the allegations).
    if not frame[key].is_unique:
        raise pd.errors.MergeError(f"Merge keys are not unique in {side} dataset; not a one-to-one merge")


def _merge_one(left: pd.DataFrame, right: pd.DataFrame, key: str, *, many_to_one: bool = False) -> pd.DataFrame:
    """``left.merge(right, on=key, how="left", validate="one_to_one" or "many_to_one")`` with a cheap check."""
    if not many_to_one:
        _unique_keys(left, key, "left")
    _unique_keys(right, key, "right")
    return left.merge(right, on=key, how="left")


def _drop(frame: pd.DataFrame, mask: pd.Series, reason: str, skipped: Counter[str]) -> pd.DataFrame:
    count = int(mask.sum())
    if count:
        skipped[reason] += count
    return frame[~mask]


def _year(dates: pd.Series) -> pd.Series:
    return pd.to_numeric(dates.str[:4], errors="coerce")


def _unparseable(dates: pd.Series) -> pd.Series:
    return pd.to_datetime(dates, format="%Y-%m-%d", errors="coerce").isna()


# ---------------------------------------------------------------- roster


def unit_names(unit_reference: pd.DataFrame) -> pd.Series:
    """Unit code ('007') -> name; a code listed twice takes its 2017 name, else its active 2016 name."""
    named = unit_reference.assign(
        unit=integer_text(unit_reference.current_unit).str.zfill(3),
        name=unit_reference[_UNIT_NAME_2017].where(
            unit_reference[_UNIT_NAME_2017].ne(""), unit_reference[_UNIT_NAME_2016]
        ),
        preference=unit_reference[_UNIT_NAME_2017].ne("") * 2 + unit_reference[_UNIT_ACTIVE_2016].eq("Y"),
    )
    best = named[named.name.ne("")].sort_values(["unit", "preference"]).drop_duplicates("unit", keep="last")
    return best.set_index("unit").name


def roster_extract(
    profiles: pd.DataFrame,
    salary: pd.DataFrame,
    unit_history: pd.DataFrame,
    unit_reference: pd.DataFrame,
    *,
    since: int | None = None,
    units: Collection[str] | None = None,
) -> _Extract:
    """One row per officer: the profile, the latest payroll rank and the latest unit assignment."""
    extract = _Extract(pd.DataFrame(), "profiles", len(profiles))
    officers = profiles.assign(UID=integer_text(profiles.UID))
    officers = _drop(officers, officers.UID.eq(""), MISSING_UID, extract.skipped)
    officers = _drop(officers, _unparseable(officers.appointed_date), MISSING_APPOINTED, extract.skipped)

    payroll = salary.assign(UID=integer_text(salary.UID), year=integer_text(salary.year))
    payroll = payroll[payroll.cleaned_rank.ne("")].sort_values(["UID", "year"]).drop_duplicates("UID", keep="last")
    payroll = payroll.rename(columns={"cleaned_rank": "payroll_rank", "year": "payroll_year"})

    history = unit_history.assign(UID=integer_text(unit_history.UID), unit=integer_text(unit_history.unit))
    latest_unit = history.sort_values(["UID", "unit_start_date"]).drop_duplicates("UID", keep="last")

    roster = _merge_one(_merge_one(officers, payroll, "UID"), latest_unit, "UID")
    roster = roster.fillna("")
    # The payroll's rank when the officer was ever paid, else the profile's; the same for units.
    roster["cleaned_rank"] = roster.payroll_rank.where(roster.payroll_rank.ne(""), roster.cleaned_rank)
    unit = roster.unit.where(roster.unit.ne(""), integer_text(roster.current_unit))
    roster["unit"] = unit.where(unit.eq(""), unit.str.zfill(3))
    roster["unit_description"] = roster.unit.map(unit_names(unit_reference)).fillna("")
    for column in ("birth_year", "current_status"):
        roster[column] = integer_text(roster[column])

    if since is not None:
        separated = roster.resignation_date.ne("") & (_year(roster.resignation_date) < since)
        roster = _drop(roster, separated, _separated_before(since), extract.skipped)
    if units is not None:
        roster = _drop(roster, ~roster.unit.isin(set(units)), OUTSIDE_SAMPLE, extract.skipped)

    extract.frame = roster[
        [
            "UID",
            "first_name",
            "last_name",
            "middle_initial",
            "birth_year",
            "race",
            "gender",
            "appointed_date",
            "resignation_date",
            "current_status",
            "cleaned_rank",
            "payroll_year",
            "unit",
            "unit_description",
            "unit_start_date",
        ]
    ].reset_index(drop=True)
    return extract


# ---------------------------------------------------------------- complaints and discipline


def _allegations(accused: pd.DataFrame, complaints: pd.DataFrame) -> pd.DataFrame:
    dates = complaints.drop_duplicates("cr_id")
    joined = accused.merge(dates, on="cr_id", how="left").fillna("")  # the right side is unique by construction
    return joined.assign(UID=integer_text(joined.UID))


def _in_sample(
    frame: pd.DataFrame, extract: _Extract, officers: Collection[str] | None, date_column: str, since: int | None
) -> pd.DataFrame:
    frame = _drop(frame, frame.UID.eq(""), MISSING_UID, extract.skipped)
    if officers is not None:
        frame = _drop(frame, ~frame.UID.isin(set(officers)), OUTSIDE_SAMPLE, extract.skipped)
    if since is not None:
        # An undated row cannot be placed in the window; it goes through for ingest to report.
        frame = _drop(frame, _year(frame[date_column]) < since, _before_since(since), extract.skipped)
    return frame


def complaint_extract(
    accused: pd.DataFrame,
    complaints: pd.DataFrame,
    *,
    since: int | None = None,
    officers: Collection[str] | None = None,
) -> _Extract:
    """One row per accused allegation, with its complaint's incident, complaint and closed dates."""
    return _complaints(_allegations(accused, complaints), since=since, officers=officers)


def _complaints(allegations: pd.DataFrame, *, since: int | None, officers: Collection[str] | None) -> _Extract:
    extract = _Extract(pd.DataFrame(), "complaints-accused", len(allegations))
    rows = _in_sample(allegations, extract, officers, "complaint_date", since)
    rows = repair_complaint_dates(rows, extract.repaired)
    extract.frame = rows[
        [
            "cr_id",
            "UID",
            "complaint_category",
            "complaint_code",
            "final_finding",
            "final_outcome",
            "incident_date",
            "complaint_date",
            "closed_date",
            *CIVILIAN_COLUMNS[RecordKind.COMPLAINT],
        ]
    ].reset_index(drop=True)
    return extract


def repair_complaint_dates(rows: pd.DataFrame, repaired: Counter[str]) -> pd.DataFrame:
    """Make each allegation's dates consistent without guessing a finding (ISO text compares as dates)."""
    rows = rows.copy()

    def fix(mask: pd.Series, reason: str, column: str, value: pd.Series | str) -> None:
        if mask.any():
            repaired[reason] += int(mask.sum())
            rows.loc[mask, column] = value[mask] if isinstance(value, pd.Series) else value

    no_finding, no_closed = rows.final_finding.eq(""), rows.closed_date.eq("")
    fix(no_finding & ~no_closed, CLOSED_WITHOUT_FINDING, "closed_date", "")
    fix(~no_finding & no_closed, FINDING_WITHOUT_CLOSED_DATE, "final_finding", "")
    dated = rows.incident_date.ne("") & rows.complaint_date.ne("")
    fix(
        dated & rows.complaint_date.lt(rows.incident_date),
        COMPLAINT_BEFORE_INCIDENT,
        "incident_date",
        rows.complaint_date,
    )
    closed = rows.closed_date.ne("") & rows.complaint_date.ne("")
    fix(closed & rows.closed_date.lt(rows.complaint_date), CLOSED_BEFORE_COMPLAINT, "closed_date", rows.complaint_date)
    return rows


def suspension_days(outcome: pd.Series) -> pd.Series:
    """'10 DAY SUSPENSION' -> '10'; '' when the penalty text names no number of days."""
    return per_distinct(outcome, lambda text: text.str.extract(_SUSPENSION_DAYS, expand=False).fillna(""))


def discipline_extract(
    accused: pd.DataFrame,
    complaints: pd.DataFrame,
    *,
    since: int | None = None,
    officers: Collection[str] | None = None,
) -> _Extract:
    """One row per sustained allegation that carried a penalty, dated by the complaint's closed date."""
    return _discipline(_allegations(accused, complaints), since=since, officers=officers)


def _discipline(allegations: pd.DataFrame, *, since: int | None, officers: Collection[str] | None) -> _Extract:
    extract = _Extract(pd.DataFrame(), "complaints-accused", len(allegations))
    rows = allegations
    sustained = per_distinct(rows.final_finding, lambda finding: finding.str.upper().eq("SU"))
    rows = _drop(rows, ~sustained, NOT_SUSTAINED, extract.skipped)
    penalty = per_distinct(rows.final_outcome, lambda outcome: outcome.str.strip().str.contains(_PENALTY))
    rows = _drop(rows, ~penalty, NO_PENALTY, extract.skipped)
    rows = _in_sample(rows, extract, officers, "closed_date", since)
    rows = rows.assign(suspension_days=suspension_days(rows.final_outcome))
    extract.frame = rows[
        ["cr_id", "UID", "final_finding", "final_outcome", "suspension_days", "closed_date"]
    ].reset_index(drop=True)
    return extract


# ---------------------------------------------------------------- use of force


def _strongest_per_report(member: pd.DataFrame) -> pd.DataFrame:
    """Per report, its row highest by (severity, named), the later row on a tie; in no particular order.

    What a stable sort by (trr_id, severity, named) and keeping each report's last row gives, with the report
    ids factorised (hashing) instead of sorted as text."""
    codes, _ = pd.factorize(member.trr_id, use_na_sentinel=False)
    order = np.lexsort((member.named.to_numpy(), member.severity.to_numpy(), codes))  # stable: ties keep row order
    grouped = codes[order]
    last = np.append(grouped[1:] != grouped[:-1], True)
    best: pd.DataFrame = member.iloc[order[last]]
    return best


def _scored_member_actions(actions: pd.DataFrame) -> pd.DataFrame:
    member = actions[actions.person.eq("Member Action")]
    scored = member.assign(
        severity=per_distinct(
            member.action_sub_category, lambda category: pd.to_numeric(category, errors="coerce").fillna(-1)
        ),
        named=per_distinct(member.action, lambda action: action.str.upper().ne("OTHER (SPECIFY)")),
    )
    return _strongest_per_report(scored[["trr_id", "action", "force_type", "severity", "named"]])


def most_serious_actions(actions: pd.DataFrame) -> pd.DataFrame:
    """Per TRR, the member action highest on CPD's force scale (``action_sub_category``).

    Ties prefer a named action over 'OTHER (SPECIFY)'. Columns: trr_id, member_action, force_type.
    """
    return _as_member_action(_strongest_per_report(_scored_member_actions(actions)))


def _as_member_action(best: pd.DataFrame) -> pd.DataFrame:
    ordered = best.sort_values("trr_id")  # one row per report: the order is the ids'
    chosen = ordered[["trr_id", "action", "force_type"]].rename(columns={"action": "member_action"})
    return chosen.reset_index(drop=True)


def read_most_serious_actions(raw: Path) -> pd.DataFrame:
    """``most_serious_actions`` over the half-million-row actions table, a chunk at a time."""
    path = raw / RAW_FILES["trr_actions"]
    chunks = pd.read_csv(
        path, dtype=str, keep_default_na=False, usecols=_COLUMNS["trr_actions"], chunksize=_ACTIONS_CHUNK_ROWS
    )
    # A report's actions may straddle two chunks: the per-chunk winners are reduced once more.
    winners = pd.concat([_scored_member_actions(chunk) for chunk in chunks], ignore_index=True)
    return _as_member_action(_strongest_per_report(winners))


def use_of_force_extract(
    trr_officers: pd.DataFrame,
    trr_main: pd.DataFrame,
    trr_subjects: pd.DataFrame,
    serious_actions: pd.DataFrame,
    *,
    since: int | None = None,
    officers: Collection[str] | None = None,
) -> _Extract:
    """One row per officer on a Tactical Response Report, with its date, subject injury and most serious force."""
    extract = _Extract(pd.DataFrame(), "TRR-officers", len(trr_officers))
    subjects = trr_subjects.rename(
        columns={
            "gender": "subject_gender",
            "race": "subject_race",
            "age": "subject_age",
            "armed": "subject_armed",
            "injured": "subject_injured",
            "alleged_injury": "subject_alleged_injury",
        }
    )
    joined = trr_officers.rename(columns={"unit": "officer_unit", "rank": "officer_rank"})
    for right in (trr_main, subjects.drop_duplicates("trr_id"), serious_actions):
        joined = _merge_one(joined, right, "trr_id")
    joined = joined.fillna("")
    joined = joined.assign(UID=integer_text(joined.UID))
    rows = _in_sample(joined, extract, officers, "trr_date", since)
    extract.frame = rows[
        [
            "trr_id",
            "UID",
            "trr_date",
            "officer_unit",
            "officer_rank",
            "injured",
            "member_action",
            "force_type",
            "subject_injured",
            "subject_alleged_injury",
            *CIVILIAN_COLUMNS[RecordKind.USE_OF_FORCE],
        ]
    ].reset_index(drop=True)
    return extract


# ---------------------------------------------------------------- lawsuits


def case_filed_by(case_id: pd.Series) -> pd.Series:
    """'14-CV-4800' -> '2014-12-31' (two-digit years above the release's 2017 are 19xx); '' if none."""
    years = pd.to_numeric(case_id.str.extract(_CASE_YEAR, expand=False), errors="coerce")
    century = years.where(years.isna(), years.where(years > 17, years + 100) + 1900)
    return century.map(lambda year: "" if pd.isna(year) else f"{int(year)}-12-31")


def lawsuit_extract(
    settlements: pd.DataFrame, *, since: int | None = None, officers: Collection[str] | None = None
) -> _Extract:
    """One row per (settled case, officer): claim type, incident date, filing year end and amount paid."""
    extract = _Extract(pd.DataFrame(), "settlements", len(settlements))
    rows = settlements.assign(
        UID=integer_text(settlements.UID),
        case_filed_by=case_filed_by(settlements.case_id),
        settlement=settlements.settlement.str.replace(r"[$,\s]", "", regex=True),
    )
    rows = _drop(rows, rows.UID.eq(""), MISSING_UID, extract.skipped)
    rows = _drop(rows, _unparseable(rows.incident_date), MISSING_INCIDENT_DATE, extract.skipped)
    rows = _drop(rows, rows.case_filed_by.eq(""), UNREADABLE_CASE_YEAR, extract.skipped)
    rows = _in_sample(rows, extract, officers, "case_filed_by", since)
    extract.frame = rows[
        ["case_id", "UID", "complaint", "incident_date", "case_filed_by", "settlement", "plantiff", "location"]
    ].reset_index(drop=True)
    return extract


def payroll_extract(
    salary: pd.DataFrame,
    appointed: pd.DataFrame,
    *,
    since: int | None = None,
    officers: Collection[str] | None = None,
) -> _Extract:
    """One activity row per officer and payroll year: being paid that year is the exposure CPD publishes.

    Scoring's population rule ("on the payroll the year before") reads these; hours are not published.
    """
    extract = _Extract(pd.DataFrame(), "salary", len(salary))
    rows = salary.assign(UID=integer_text(salary.UID), year=integer_text(salary.year))
    rows = _drop(rows, rows.UID.eq(""), MISSING_UID, extract.skipped)
    four_digits = per_distinct(rows.year, lambda year: year.str.fullmatch(r"\d{4}"))
    rows = _drop(rows, ~four_digits, MISSING_YEAR, extract.skipped)
    rows = rows.sort_values(["UID", "year", "cleaned_rank"], kind="stable")
    rows = _drop(rows, rows.duplicated(["UID", "year"], keep="first"), SECOND_PAYROLL_ROW, extract.skipped)
    rows = rows.assign(
        period_start=per_distinct(rows.year, lambda year: year + "-01-01"),
        period_end=per_distinct(rows.year, lambda year: year + "-12-31"),
    )
    # The appointment year's pay period starts on the appointed date (ISO text compares as dates).
    hired = rows.UID.map(appointed.drop_duplicates("UID").set_index("UID").appointed_date).fillna("")
    starts_later = hired.gt(rows.period_start) & per_distinct(hired, lambda date: date.str[:4]).eq(rows.year)
    rows.loc[starts_later, "period_start"] = hired[starts_later]
    if officers is not None:
        rows = _drop(rows, ~rows.UID.isin(set(officers)), OUTSIDE_SAMPLE, extract.skipped)
    if since is not None:
        # The year before ``since`` is kept: the population as of Jan 1 of ``since`` needs it.
        rows = _drop(rows, rows.year.astype(int) < since - 1, _before_since(since - 1), extract.skipped)
    extract.frame = rows[["UID", "year", "pay_grade", "cleaned_rank", "period_start", "period_end"]].reset_index(
        drop=True
    )
    return extract


# ---------------------------------------------------------------- the export job


def extract_file_name(kind: RecordKind, *, compress: bool) -> str:
    return f"{AGENCY_ID}-{kind.value}.csv" + (".gz" if compress else "")


# What makes the csv module quote a value in a row of two or more fields (minimal quoting, comma, '"', no escape
# character): anything else is written as it is.
_QUOTED_IF = (",", '"', "\r", "\n")


def _csv_cells(values: pd.Series, end: str) -> list[str] | None:
    """Each value as the csv module writes it in a row (minimal quoting), followed by ``end``; None if not text.

    A column of text without a character that needs quoting (most: ids, codes, dates) is its values as they
    are. Otherwise each distinct value is quoted once, by the csv module itself (a value's quoting does not
    depend on its neighbours in a row of two or more fields), then spread back over the rows.
    """
    plain: list[str] = values.tolist()
    try:
        text = "".join(plain)  # a TypeError for anything but text (a missing value, a number)
    except TypeError:
        return None
    if not any(character in text for character in _QUOTED_IF):
        return plain if not end else [value + end for value in plain]
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    ends = []
    for value in distinct.tolist():
        if type(value) is not str:  # a missing value or a number: pandas formats those
            return None
        writer.writerow((value, ""))  # the value, then ",\n"
        ends.append(buffer.tell())
    text = buffer.getvalue()
    cells = [text[start : stop - 2] + end for start, stop in zip([0, *ends], ends, strict=False)]
    taken: list[str] = np.array(cells, dtype=object)[codes].tolist()
    return taken


def _write(frame: pd.DataFrame, path: Path, *, compress: bool) -> None:
    """``frame.to_csv(path, index=False, lineterminator="\\n")``, gzipped at level 1 with mtime 0 if ``compress``.

    mtime 0: the same extract gives the same bytes, so a re-upload is recognised as unchanged. Level 1: gzip
    at its default level 9 was about 30% of the export in the profile; files are a bit larger.
    A text frame of two or more columns (every extract) is written the way pandas writes it (the csv module's
    quoting; one write per row into a UTF-8 text layer over the gzip file, and the same writes give the same
    deflate stream, so the same bytes) with each distinct value quoted once and the rows joined in C:
    a third of pandas' time.
    """
    compression: dict[str, object] | None = {"method": "gzip", "mtime": 0, "compresslevel": 1} if compress else None
    names = list(frame.columns)
    columns = [_csv_cells(frame[name], "\n" if index == len(names) - 1 else "") for index, name in enumerate(names)]
    if len(names) < 2 or any(column is None for column in columns):  # a lone empty cell is quoted: pandas' way
        frame.to_csv(path, index=False, lineterminator="\n", compression=compression)
        return
    binary = gzip.GzipFile(filename=str(path), mode="wb", compresslevel=1, mtime=0) if compress else path.open("wb")
    with io.TextIOWrapper(binary, encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerow(names)
        handle.write("".join(map(",".join, zip(*columns, strict=True))))  # the rows in one write: no step per row


def export_chicago(
    raw: Path,
    out: Path,
    *,
    since: int | None = None,
    units: Collection[str] | None = None,
    compress: bool = True,
    clock: datetime | None = None,
) -> ExportManifest:
    """Join the raw tables into one extract per kind under ``out`` and write ``manifest.json`` beside them.

    ``since`` keeps events from that year on (and officers not separated before it); ``units`` keeps the
    officers whose latest unit is one of these (zero-padded, e.g. '007') and only their events.
    """
    out.mkdir(parents=True, exist_ok=True)
    unit_codes = None if units is None else sorted(str(unit).zfill(3) for unit in units)
    salary = read_raw(raw, "salary")
    roster = roster_extract(
        read_raw(raw, "profiles"),
        salary,
        read_raw(raw, "unit_history"),
        read_raw(raw, "unit_reference"),
        since=since,
        units=unit_codes,
    )
    sample = None if unit_codes is None else frozenset(roster.frame.UID)
    # One join of allegations to their complaints for both extracts that read it.
    allegations = _allegations(read_raw(raw, "accused"), read_raw(raw, "complaints"))
    extracts = {
        RecordKind.ROSTER: roster,
        RecordKind.COMPLAINT: _complaints(allegations, since=since, officers=sample),
        RecordKind.DISCIPLINE: _discipline(allegations, since=since, officers=sample),
    }
    del allegations
    extracts[RecordKind.USE_OF_FORCE] = use_of_force_extract(
        read_raw(raw, "trr_officers"),
        read_raw(raw, "trr_main"),
        read_raw(raw, "trr_subjects"),
        read_most_serious_actions(raw),
        since=since,
        officers=sample,
    )
    extracts[RecordKind.LAWSUIT] = lawsuit_extract(read_raw(raw, "settlements"), since=since, officers=sample)
    extracts[RecordKind.ACTIVITY] = payroll_extract(salary, roster.frame, since=since, officers=sample)

    kinds: dict[RecordKind, KindExport] = {}
    for kind, extract in extracts.items():
        extract.check(kind)
        name = extract_file_name(kind, compress=compress)
        _write(extract.frame, out / name, compress=compress)
        kinds[kind] = KindExport(
            kind=kind,
            file=name,
            source_table=extract.source_table,
            source_rows=extract.source_rows,
            exported_rows=len(extract.frame),
            skipped=dict(extract.skipped),
            repaired=dict(extract.repaired),
            civilian_columns=list(CIVILIAN_COLUMNS[kind]),
        )
    manifest = ExportManifest(
        raw=str(raw),
        since=since,
        units=unit_codes,
        created_at=clock or datetime.now(UTC),
        kinds=kinds,
    )
    (out / MANIFEST_NAME).write_text(manifest.model_dump_json(indent=2) + "\n")
    return manifest


def read_manifest(out: Path) -> ExportManifest:
    return ExportManifest.model_validate_json((out / MANIFEST_NAME).read_text())


# ---------------------------------------------------------------- reconciling an export with its upload reports

_QUOTED = re.compile(r"'[^']*'")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def quarantine_reasons(quarantine_csv: bytes) -> Counter[str]:
    """Problems in a quarantine file by 'column: reason', quoted values and dates folded so like counts with like."""
    counts: Counter[str] = Counter()
    for problem in csv.DictReader(io.StringIO(quarantine_csv.decode("utf-8"))):
        reason = _DATE.sub("<date>", _QUOTED.sub("'…'", problem.get("reason", "")))
        counts[f"{problem.get('column', '')}: {reason}"] += 1
    return counts


class Reconciliation(BaseModel):
    """One kind, from the raw table to the curated store: every row is accounted for exactly once."""

    model_config = ConfigDict(frozen=True)

    kind: RecordKind
    source_table: str
    source_rows: int
    skipped: dict[str, int]
    repaired: dict[str, int] = Field(default_factory=dict)
    exported_rows: int
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    rejected: bool
    rejection_reason: str | None
    dropped_columns: list[str]
    civilian_columns_kept: list[str] = Field(description="Civilian columns ingest did not drop (must be empty)")
    quarantine_reasons: dict[str, int] = Field(description="Problems by 'column: reason' (a row may have several)")

    @property
    def balanced(self) -> bool:
        return (
            not self.rejected
            and not self.civilian_columns_kept
            and self.source_rows == self.exported_rows + sum(self.skipped.values())
            and self.exported_rows == self.rows_read == self.rows_accepted + self.rows_quarantined
        )


def reconcile(export: KindExport, report: UploadReport, reasons: Counter[str]) -> Reconciliation:
    dropped = {column.casefold() for column in report.dropped_columns}
    return Reconciliation(
        kind=export.kind,
        source_table=export.source_table,
        source_rows=export.source_rows,
        skipped=export.skipped,
        repaired=export.repaired,
        exported_rows=export.exported_rows,
        rows_read=report.rows_read,
        rows_accepted=report.rows_accepted,
        rows_quarantined=report.rows_quarantined,
        rejected=report.rejected,
        rejection_reason=report.rejection_reason,
        dropped_columns=report.dropped_columns,
        civilian_columns_kept=[c for c in export.civilian_columns if c.casefold() not in dropped],
        quarantine_reasons=dict(reasons.most_common()),
    )
