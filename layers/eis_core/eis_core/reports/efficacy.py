"""The efficacy report: do officers' indicator event rates change after an intervention?

Per intervention type, the officers' indicator event rate (events per officer-year) in the 6 and 12
months after the intervention was completed, against the 12 months before it; beside the same for
flagged officers whose cases closed without any intervention (from the day the case closed). Only
officers followed for the whole window by ``as_of`` are counted in it, and the counts are shown.

Pure: exposures (who, which group, from when) and events (officer, day) in, a typed report out. It is
descriptive, never causal (``NOT_CAUSAL``): supervisors choose who gets what, alerts pick officers at
a peak (rates fall back towards the average anyway), and the comparison officers differ in ways no
table sees.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import pandas as pd

from eis_core.dates import add_months
from eis_core.models.cases import Case, CaseStatus
from eis_core.models.records import EventRecord, RecordKind
from eis_core.storage.ports import CaseStore, RecordStore

NO_INTERVENTION = "no_intervention"
"""The comparison group: flagged officers whose cases closed without an intervention."""
BEFORE_MONTHS = 12
WINDOWS = (6, 12)
DAYS_PER_YEAR = 365.25

NOT_CAUSAL = (
    "This is not a causal estimate. Officers were not assigned to interventions at random: supervisors chose "
    "who received which intervention, officers are flagged when their rates are unusually high (and such rates "
    "tend to fall back on their own), and officers whose cases closed without an intervention differ from those "
    "who received one. Read the changes beside the comparison group and the counts, as a prompt for questions, "
    "not as proof that an intervention works."
)


@dataclass(frozen=True)
class Exposure:
    """One officer in one group from one day: an intervention completed, or a case closed without one."""

    officer_id: str
    group: str
    on: date


@dataclass(frozen=True)
class EfficacyRow:
    group: str
    window_months: int
    officers: int  # followed for the whole window by as_of
    not_yet_followed: int  # in the group, but the window has not ended by as_of
    events_before: int  # in the 12 months before
    events_after: int  # in the window after
    rate_before: float | None  # events per officer-year
    rate_after: float | None
    change: float | None  # rate_after / rate_before - 1


@dataclass(frozen=True)
class EfficacyReport:
    as_of: date
    rows: tuple[EfficacyRow, ...]
    statement: str = NOT_CAUSAL

    def row(self, group: str, window_months: int) -> EfficacyRow | None:
        return next((r for r in self.rows if r.group == group and r.window_months == window_months), None)

    def beside_comparison(self, group: str, window_months: int) -> float | None:
        """The group's rate ratio (after/before) over the comparison group's, minus 1 (-0.3: 30% lower)."""
        treated, comparison = self.row(group, window_months), self.row(NO_INTERVENTION, window_months)
        if treated is None or comparison is None or treated.change is None or comparison.change is None:
            return None
        if comparison.change == -1:
            return None
        return (1 + treated.change) / (1 + comparison.change) - 1

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.__dict__ for r in self.rows])


def exposures_from_cases(cases: Iterable[Case]) -> list[Exposure]:
    """Each completed intervention on a case (from its completion), and each closed case without one (from closing).

    Interventions that ended without being taken up (declined, not completed) count under their type too:
    the report is per type planned, with the outcomes left to the case pages.
    """
    found: list[Exposure] = []
    for case in cases:
        ended = [i for i in case.interventions if i.done and i.completed_on is not None]
        for intervention in ended:
            assert intervention.completed_on is not None
            found.append(Exposure(case.officer_id, intervention.type, intervention.completed_on))
        if not case.interventions and case.status is CaseStatus.CLOSED and case.history:
            found.append(Exposure(case.officer_id, NO_INTERVENTION, case.history[-1].at.date()))
    return found


def efficacy_report(
    exposures: Sequence[Exposure], events: pd.DataFrame, *, as_of: date, windows: Sequence[int] = WINDOWS
) -> EfficacyReport:
    """The report as of ``as_of``; ``events`` has one row per indicator event: ``officer_id``, ``occurred_on``."""
    if not exposures:
        return EfficacyReport(as_of=as_of, rows=())
    frame = pd.DataFrame(
        {
            "exposure": range(len(exposures)),
            "officer_id": [e.officer_id for e in exposures],
            "group": [e.group for e in exposures],
            "on": pd.to_datetime([e.on for e in exposures]),
            "before": pd.to_datetime([add_months(e.on, -BEFORE_MONTHS) for e in exposures]),
        }
    )
    days = events.loc[events["officer_id"].isin(frame["officer_id"]), ["officer_id", "occurred_on"]].copy()
    days["occurred_on"] = pd.to_datetime(days["occurred_on"])
    joined = frame.merge(days, on="officer_id", how="left")
    before = (joined["occurred_on"] >= joined["before"]) & (joined["occurred_on"] < joined["on"])
    counts_before = before.groupby(joined["exposure"]).sum()
    groups = [*sorted(set(frame["group"]) - {NO_INTERVENTION}), NO_INTERVENTION]
    rows: list[EfficacyRow] = []
    for window in windows:
        end = pd.to_datetime([add_months(e.on, window) for e in exposures])
        frame["end"] = end
        joined["end"] = joined["exposure"].map(frame.set_index("exposure")["end"])
        after = (joined["occurred_on"] > joined["on"]) & (joined["occurred_on"] <= joined["end"])
        counts_after = after.groupby(joined["exposure"]).sum()
        followed = frame["end"] <= pd.Timestamp(as_of)
        for group in groups:
            in_group = frame["group"] == group
            if not in_group.any():
                continue
            chosen = frame.loc[in_group & followed, "exposure"]
            n = len(chosen)
            events_before = int(counts_before.reindex(chosen, fill_value=0).sum())
            events_after = int(counts_after.reindex(chosen, fill_value=0).sum())
            rate_before = events_before / (n * BEFORE_MONTHS / 12) if n else None
            rate_after = events_after / (n * window / 12) if n else None
            change = rate_after / rate_before - 1 if rate_before and rate_after is not None else None
            rows.append(
                EfficacyRow(
                    group=group,
                    window_months=window,
                    officers=n,
                    not_yet_followed=int((in_group & ~followed).sum()),
                    events_before=events_before,
                    events_after=events_after,
                    rate_before=rate_before,
                    rate_after=rate_after,
                    change=change,
                )
            )
    return EfficacyReport(as_of=as_of, rows=tuple(rows))


INDICATOR_KINDS = (RecordKind.USE_OF_FORCE, RecordKind.COMPLAINT)
"""The indicator events counted by default: uses of force and complaints (each allegation row)."""


def agency_efficacy(
    cases: CaseStore, records: RecordStore, *, as_of: date, kinds: Sequence[RecordKind] = INDICATOR_KINDS
) -> EfficacyReport:
    """The report for an agency's stored cases and records (reads every case: a report job, not an API route)."""
    exposures = exposures_from_cases(cases.iter_cases())
    officers = {exposure.officer_id for exposure in exposures}
    rows = [
        (record.officer_id, record.occurred_on)
        for kind in kinds
        for record in records.iter_records(kind)
        if isinstance(record, EventRecord) and record.officer_id in officers and record.known_before(as_of)
    ]
    return efficacy_report(exposures, pd.DataFrame(rows, columns=["officer_id", "occurred_on"]), as_of=as_of)


def format_report(report: EfficacyReport) -> str:
    """The report as plain text: one line per group and window, then the statement."""
    lines = [
        f"Efficacy report as of {report.as_of}: indicator events per officer-year, "
        f"{BEFORE_MONTHS} months before against the months after",
        f"{'group':<24}{'window':>7}{'officers':>10}{'not yet':>9}{'before':>9}{'after':>9}{'change':>9}",
    ]
    for row in report.rows:
        before = "-" if row.rate_before is None else f"{row.rate_before:.2f}"
        after = "-" if row.rate_after is None else f"{row.rate_after:.2f}"
        change = "-" if row.change is None else f"{row.change:+.0%}"
        lines.append(
            f"{row.group:<24}{row.window_months:>6}m{row.officers:>10}{row.not_yet_followed:>9}"
            f"{before:>9}{after:>9}{change:>9}"
        )
    if not report.rows:
        lines.append("(no completed interventions and no case closed without one yet)")
    lines.append("")
    lines.append(report.statement)
    return "\n".join(lines)
