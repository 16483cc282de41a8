"""Simulates what happens to every officer, month by month, from ``start`` into the horizon after ``end``.

Counts per officer-month are Poisson draws (vectorised with numpy) whose rates depend on the
assignment (unit, shift, district busyness, rank), on a personal propensity (some officers are
simply more often involved, for legitimate or other reasons) and, for the hidden at-risk officers,
on a latent risk multiplier that rises over months. Details of each event are then drawn one by one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
import numpy.typing as npt

from eis_core.dates import add_months
from eis_core.models.records import (
    AllegationCategory,
    DisciplineAction,
    Finding,
    ForceType,
    LawsuitStatus,
    LeaveType,
    RecordKind,
    VehicleIncidentType,
)
from eis_tools.generate import tables as t
from eis_tools.generate.config import GeneratorConfig, SeasonalShift
from eis_tools.generate.organisation import Person, horizon_end_of
from eis_tools.generate.wellness import choose_overworked, plant_overtime, skips_rest

FloatMatrix = npt.NDArray[np.float64]
IntMatrix = npt.NDArray[np.int64]

_RISK_WINDOW_MONTHS = (42, 12)
"""At-risk officers start rising 42 to 12 months before ``end``: a year or more into the rise by then."""
INTERVENTION_AFTER_MONTHS = 6
"""A treated at-risk officer's intervention is completed this many months into the rise (flagged, then coached)."""
_INTERVENED_KINDS = frozenset({t.FORCE, t.COMPLAINT, t.INTERNAL, t.PURSUIT})
"""The conduct rates an intervention lowers (``GeneratorConfig.intervention_effect``)."""


@dataclass(eq=False)
class RawEvent:
    """An event as it really happened; the extract shows it as the agency knew it on ``end``."""

    kind: RecordKind
    officer: Person
    occurred_on: date
    known_on: date
    fields: dict[str, Any]
    seq: int
    source_record_id: str = ""
    settled_on: date | None = None
    """When a later fact (finding, review, court outcome) became known; before that it is withheld."""
    case: ComplaintCase | None = None


@dataclass(eq=False)
class ComplaintCase:
    """One complaint (intake) with one or more allegations against one officer."""

    officer: Person
    occurred_on: date
    decided_on: date
    seq: int
    allegations: list[RawEvent] = field(default_factory=list)
    complaint_id: str = ""
    acknowledged_on: date | None = None  # set with the complaint id (``acknowledgment_day``)

    @property
    def sustained(self) -> list[RawEvent]:
        return [a for a in self.allegations if a.fields["finding"] is Finding.SUSTAINED]


@dataclass(frozen=True)
class RiskEpisode:
    officer: Person
    rise_start: date
    peak_on: date
    peak_multiplier: float


@dataclass(eq=False)
class Adverse:
    officer: Person
    label: str
    event: RawEvent
    known_on: date


@dataclass
class History:
    events: list[RawEvent]
    cases: list[ComplaintCase]
    adverse: list[Adverse]
    episodes: list[RiskEpisode]
    treated: dict[str, date] = field(default_factory=dict)  # officer id -> intervention completed on
    overworked: dict[str, date] = field(default_factory=dict)  # planted overworked officer id -> overwork from


def _ordinal_months(first: date, last: date) -> list[tuple[int, int]]:
    """(first day, last day) ordinals of every month from ``first`` to ``last``, clamped to them."""
    months = []
    cursor = date(first.year, first.month, 1)
    while cursor <= last:
        following = add_months(cursor, 1)
        months.append((max(cursor, first).toordinal(), min(following - timedelta(days=1), last).toordinal()))
        cursor = following
    return months


class Simulation:
    def __init__(self, config: GeneratorConfig, people: list[Person], rng: random.Random) -> None:
        self.config = config
        self.people = people
        self.rng = rng
        self.np_rng = np.random.default_rng([config.seed, 20_190_101])
        self.end = config.end
        self.horizon_end = horizon_end_of(config)
        self.events: list[RawEvent] = []
        self.cases: list[ComplaintCase] = []
        self.adverse: list[Adverse] = []
        self._seq = 0

        months = _ordinal_months(config.start, self.horizon_end)
        month_first = np.array([m[0] for m in months], dtype=np.int64)
        self.month_first = month_first
        month_last = np.array([m[1] for m in months], dtype=np.int64)
        self.month_last = month_last
        active_first = np.array([max(p.street_date, config.start).toordinal() for p in people], dtype=np.int64)
        active_last = np.array(
            [min(p.separation_date or self.horizon_end, self.horizon_end).toordinal() for p in people],
            dtype=np.int64,
        )
        self.lo: IntMatrix = np.maximum(active_first[:, None], month_first[None, :])
        self.hi: IntMatrix = np.minimum(active_last[:, None], month_last[None, :])
        days = (month_last - month_first + 1).astype(np.float64)
        self.exposure: FloatMatrix = np.clip(self.hi - self.lo + 1, 0, None) / days[None, :]
        self.month_mid = (month_first + month_last) // 2
        self.row = {p.number: i for i, p in enumerate(people)}
        self.episodes = self._choose_at_risk()
        self.risk = self._risk_matrix()
        self.treated, self.intervened = self._interventions()
        self.overworked = choose_overworked(config, people, {e.officer.number for e in self.episodes})

    # ---- the hidden at-risk officers --------------------------------------------------------------

    def _choose_at_risk(self) -> list[RiskEpisode]:
        config, rng = self.config, self.rng
        earliest = max(add_months(config.end, -_RISK_WINDOW_MONTHS[0]), add_months(config.start, 12))
        latest = add_months(config.end, -_RISK_WINDOW_MONTHS[1])
        eligible = [
            p
            for p in self.people
            if p.rank == t.POLICE_OFFICER
            and p.rate_unit in (t.PATROL, t.GANG, t.TRAFFIC)
            and (p.separation_date is None or p.separation_date > config.end)
            and max(earliest, add_months(p.street_date, 6)) <= latest
        ]
        wanted = round(config.at_risk_share * config.officers)
        if config.at_risk_share > 0:
            wanted = max(1, wanted)
        chosen = sorted(rng.sample(eligible, min(wanted, len(eligible))), key=lambda p: p.number)
        episodes = []
        for person in chosen:
            first = max(earliest, add_months(person.street_date, 6))
            rise_start = date.fromordinal(rng.randint(first.toordinal(), latest.toordinal()))
            episodes.append(
                RiskEpisode(
                    officer=person,
                    rise_start=rise_start,
                    peak_on=add_months(rise_start, rng.randint(9, 15)),
                    peak_multiplier=round(rng.uniform(3.5, 5.5), 2),
                )
            )
        return episodes

    def _risk_matrix(self) -> FloatMatrix:
        risk = np.ones(self.exposure.shape, dtype=np.float64)
        for episode in self.episodes:
            rise, peak = episode.rise_start.toordinal(), episode.peak_on.toordinal()
            progress = np.clip((self.month_mid - rise) / (peak - rise), 0.0, 1.0)
            risk[self.row[episode.officer.number]] = 1.0 + (episode.peak_multiplier - 1.0) * progress
        return risk

    def _interventions(self) -> tuple[dict[str, date], FloatMatrix]:
        """Which at-risk officers are treated, and each officer-month's rate multiplier (1 untreated).

        Drawn from a generator of its own, and only when there is an effect, so that an agency generated
        without one is exactly what it was before interventions existed.
        """
        multiplier = np.ones(self.exposure.shape, dtype=np.float64)
        effect = self.config.intervention_effect
        if effect <= 0 or not self.episodes:
            return {}, multiplier
        chooser = random.Random(self.config.seed * 7919 + 1)  # noqa: S311 - a reproducible simulation
        wanted = round(self.config.intervention_share * len(self.episodes))
        treated: dict[str, date] = {}
        for episode in sorted(chooser.sample(self.episodes, wanted), key=lambda e: e.officer.number):
            completed_on = add_months(episode.rise_start, INTERVENTION_AFTER_MONTHS)
            treated[episode.officer.officer_id] = completed_on
            multiplier[self.row[episode.officer.number], self.month_first > completed_on.toordinal()] = 1.0 - effect
        return treated, multiplier

    # ---- helpers ---------------------------------------------------------------------------------

    def _event(
        self,
        kind: RecordKind,
        officer: Person,
        occurred_on: date,
        known_on: date,
        settled_on: date | None = None,
        **fields: Any,
    ) -> RawEvent:
        self._seq += 1
        event = RawEvent(kind, officer, occurred_on, known_on, fields, self._seq, settled_on=settled_on)
        self.events.append(event)
        return event

    def _after(self, day: date, low: int, high: int) -> date:
        return day + timedelta(days=self._between(low, high))

    def _between(self, low: int, high: int) -> int:
        """A uniform whole number in [low, high] (``random.randint`` is several times slower)."""
        return low + int(self.rng.random() * (high - low + 1))

    def _pick(self, weights: dict[Any, float]) -> Any:
        return self.rng.choices(list(weights), list(weights.values()))[0]

    def _base_rates(self, kind: str) -> FloatMatrix:
        rates = np.empty(len(self.people), dtype=np.float64)
        for i, p in enumerate(self.people):
            rate = t.COMMON_RATES.get(kind) or t.UNIT_RATES[p.rate_unit][kind]
            rate *= t.SHIFT_FACTOR.get(kind, {}).get(p.shift, 1.0)
            rate *= p.busyness ** t.BUSYNESS_EXPONENT.get(kind, 0.0)
            rate *= t.RANK_FACTOR[p.rank].get(kind, 1.0)
            rates[i] = rate
        return rates

    def _counts(self, kind: str, propensity: FloatMatrix) -> IntMatrix:
        bend = np.maximum(1.0 + t.RISK_WEIGHT[kind] * (self.risk - 1.0), 0.2)
        rate = (self._base_rates(kind) * propensity)[:, None] * self.exposure * bend
        if kind in _INTERVENED_KINDS and self.treated:
            rate = rate * self.intervened
        if kind == t.FORCE and self.config.seasonal_shift is not None:
            rate = rate * self._seasonal_shift(self.config.seasonal_shift)
        counts: IntMatrix = self.np_rng.poisson(rate).astype(np.int64)
        return counts

    def _seasonal_shift(self, shift: SeasonalShift) -> FloatMatrix:
        """Each officer-month's force multiplier: ``shift.multiplier`` for the unit in that month, else 1."""
        multiplier = np.ones(self.exposure.shape, dtype=np.float64)
        day = date(shift.month.year, shift.month.month, 1).toordinal()
        in_unit = np.array([p.unit == shift.unit for p in self.people], dtype=bool)
        multiplier[np.ix_(in_unit, self.month_first == day)] = shift.multiplier
        return multiplier

    # ---- the simulation --------------------------------------------------------------------------

    def run(self) -> History:
        n = len(self.people)
        # Personal propensities (mean 1): conduct drives force and complaints, the others are independent.
        conduct = self.np_rng.gamma(4.0, 0.25, n)
        for episode in self.episodes:
            # Before the rise an at-risk officer is no gentler than average; the rise is what sets them apart.
            i = self.row[episode.officer.number]
            conduct[i] = max(conduct[i], 1.0)
        driving = self.np_rng.gamma(4.0, 0.25, n)
        health = self.np_rng.gamma(3.0, 1 / 3, n)
        merit = self.np_rng.gamma(3.0, 1 / 3, n)
        plain = np.ones(n, dtype=np.float64)
        handlers = (
            (t.FORCE, conduct, self._use_of_force),
            (t.COMPLAINT, conduct, self._civilian_complaint),
            (t.INTERNAL, conduct, self._internal_complaint),
            (t.ACCIDENT, driving, self._accident),
            (t.PURSUIT, conduct, self._pursuit),
            (t.INJURY, health, self._injury_event),
            (t.SICK, health, self._sick),
            (t.VACATION, plain, self._vacation),
            (t.COMMENDATION, merit, self._commendation),
            (t.ELECTIVE, plain, self._elective_training),
        )
        for kind, propensity, handle in handlers:
            counts = self._counts(kind, propensity)
            rows, cols = np.nonzero(counts)
            for i, m in zip(rows.tolist(), cols.tolist(), strict=True):
                lo, hi = int(self.lo[i, m]), int(self.hi[i, m])
                for _ in range(int(counts[i, m])):
                    handle(self.people[i], date.fromordinal(self._between(lo, hi)), float(self.risk[i, m]))
        self._activity_and_overtime()
        self._scheduled_training()
        self._discipline()
        overworked = {self.people[self.row[n]].officer_id: start for n, start in self.overworked.items()}
        return History(self.events, self.cases, self.adverse, self.episodes, self.treated, overworked=overworked)

    def _use_of_force(self, officer: Person, day: date, risk: float) -> None:
        style = "tactical" if officer.rate_unit == t.GANG else "street"
        force_type: ForceType = self._pick(t.FORCE_TYPES[style])
        injured = self.rng.random() < min(0.9, t.SUBJECT_INJURY[force_type] * (1 + 0.5 * (risk - 1)))
        officer_injured = self.rng.random() < 0.07
        # Most reports are filed by the end of the shift; a few trickle in days later.
        chance = self.rng.random()
        lag = 0 if chance < 0.65 else (1 if chance < 0.9 else self._between(2, 5))
        event = self._event(
            RecordKind.USE_OF_FORCE,
            officer,
            day,
            day + timedelta(days=lag),
            force_type=force_type,
            subject_injured=injured,
            officer_injured=officer_injured,
        )
        if injured:
            self.adverse.append(Adverse(officer, "force_subject_injured", event, event.known_on))
            if self.rng.random() < 0.05 * (1 + 0.3 * (risk - 1)):
                self._lawsuit(officer, day, t.CLAIM_FORCE)
        if officer_injured:
            self._injury(officer, day, t.INJURY_DURING_FORCE)
        if self.rng.random() < 0.08 * (1 + 0.5 * (risk - 1)):
            self._complaint(officer, day, risk, internal=False, first=AllegationCategory.EXCESSIVE_FORCE)

    def _civilian_complaint(self, officer: Person, day: date, risk: float) -> None:
        self._complaint(officer, day, risk, internal=False)

    def _internal_complaint(self, officer: Person, day: date, risk: float) -> None:
        self._complaint(officer, day, risk, internal=True)

    def _complaint(
        self,
        officer: Person,
        day: date,
        risk: float,
        *,
        internal: bool,
        first: AllegationCategory | None = None,
    ) -> None:
        rng = self.rng
        if internal:
            weights = dict(t.INTERNAL_CATEGORIES)
            known_on = self._after(day, 0, 14)
            decided_on = known_on + timedelta(days=10 + round(rng.gammavariate(2.0, 40.0)))
        else:
            # An officer on the way to trouble draws more force and demeanour allegations.
            weights = dict(t.CIVILIAN_CATEGORIES)
            for tilted in (AllegationCategory.EXCESSIVE_FORCE, AllegationCategory.VERBAL_ABUSE):
                weights[tilted] *= 1 + 0.5 * (risk - 1)
            known_on = self._after(day, 0, 3) if rng.random() < 0.7 else self._after(day, 4, 60)
            decided_on = known_on + timedelta(days=14 + round(rng.gammavariate(2.5, 60.0)))
        wanted = self._pick({1: 0.6, 2: 0.3, 3: 0.1})
        categories: list[AllegationCategory] = [first] if first else []
        while len(categories) < wanted:
            category = self._pick({c: w for c, w in weights.items() if c not in categories})
            categories.append(category)
        self._seq += 1
        case = ComplaintCase(officer, day, decided_on, self._seq)
        for category in categories:
            if internal:
                sustain = min(0.8, t.INTERNAL_SUSTAIN_RATE * (1 + 0.2 * (risk - 1)))
            else:
                sustain = min(0.6, t.SUSTAIN_RATE[category] * (1 + 0.6 * (risk - 1)))
            if rng.random() < sustain:
                finding = Finding.SUSTAINED
            else:
                finding = self._pick(
                    {
                        Finding.NOT_SUSTAINED: 0.4,
                        Finding.UNFOUNDED: 0.25,
                        Finding.EXONERATED: 0.25 if category in t.EXONERABLE else 0.05,
                        Finding.NO_FINDING: 0.1,
                    }
                )
            allegation = self._event(
                RecordKind.COMPLAINT,
                officer,
                day,
                known_on,
                settled_on=decided_on,
                category=category,
                finding=finding,
                finding_decided_on=decided_on,
                internal=internal,
            )
            allegation.case = case
            case.allegations.append(allegation)
        self.cases.append(case)
        sustained = case.sustained
        if not sustained:
            return
        self.adverse.append(Adverse(officer, "complaint_sustained", sustained[0], decided_on))
        for allegation in sustained:
            category = allegation.fields["category"]
            if category in t.LITIGABLE and rng.random() < 0.12:
                self._lawsuit(officer, day, t.LITIGABLE[category])
                break
        if any(a.fields["category"] is AllegationCategory.EXCESSIVE_FORCE for a in sustained) and rng.random() < 0.5:
            self._training(officer, self._after(decided_on, 14, 90), t.REMEDIAL_DEESCALATION, 8.0)

    def _accident(self, officer: Person, day: date, risk: float) -> None:
        reviewed_on = self._after(day, 20, 90)
        preventable = self.rng.random() < min(0.9, 0.45 * (1 + 0.2 * (risk - 1)))
        self._event(
            RecordKind.VEHICLE_INCIDENT,
            officer,
            day,
            self._after(day, 0, 2),
            settled_on=reviewed_on,
            incident_type=VehicleIncidentType.ACCIDENT,
            preventable=preventable,
        )
        if self.rng.random() < 0.12:
            self._injury(officer, day, t.INJURY_IN_COLLISION)
        if self.rng.random() < 0.02:
            self._lawsuit(officer, day, t.CLAIM_VEHICLE)
        if preventable and self.rng.random() < 0.5:
            action = self._pick({DisciplineAction.COUNSELING: 0.7, DisciplineAction.REPRIMAND: 0.3})
            imposed = self._after(reviewed_on, 7, 30)
            if _gone(officer, imposed):
                return
            self._event(
                RecordKind.DISCIPLINE,
                officer,
                imposed,
                self._after(imposed, 0, 5),
                action=action,
                days_suspended=0,
                related_complaint_id=None,
            )
            if self.rng.random() < 0.5:
                self._training(officer, self._after(imposed, 7, 60), t.REMEDIAL_DRIVING, 8.0)

    def _pursuit(self, officer: Person, day: date, risk: float) -> None:
        self._event(
            RecordKind.VEHICLE_INCIDENT,
            officer,
            day,
            self._after(day, 0, 2),
            incident_type=VehicleIncidentType.PURSUIT,
            preventable=None,
        )
        if self.rng.random() < 0.12:
            self._accident(officer, day, risk)

    def _injury_event(self, officer: Person, day: date, risk: float) -> None:
        kind = t.INJURY_IN_TRAINING if officer.rate_unit == t.ACADEMY else self.rng.choice(t.INJURY_TYPES)
        self._injury(officer, day, kind, on_duty=self.rng.random() < 0.95)

    def _injury(self, officer: Person, day: date, injury_type: str, *, on_duty: bool = True) -> None:
        rng = self.rng
        if rng.random() < 0.55:
            days_lost = 0
        elif rng.random() < 0.94:
            days_lost = 1 + int(rng.expovariate(1 / 8))
        else:
            days_lost = rng.randint(30, 180)
        self._event(
            RecordKind.INJURY,
            officer,
            day,
            self._after(day, 0, 2),
            injury_type=injury_type,
            on_duty=on_duty,
            days_lost=days_lost,
        )
        # Time lost to an injury shows up in leave, one record per month-sized stretch.
        for offset in range(0, days_lost, 30):
            stretch_start = day + timedelta(days=offset + 1)
            stretch_days = min(30, days_lost - offset)
            self._event(
                RecordKind.LEAVE,
                officer,
                stretch_start,
                self._after(stretch_start, 0, 10),
                leave_type=LeaveType.INJURY,
                hours=float(stretch_days * 8),
            )
        back_on = day + timedelta(days=days_lost)
        if days_lost and day <= self.end < back_on:
            officer.on_leave_at_end = True

    def _sick(self, officer: Person, day: date, risk: float) -> None:
        days = self._pick({1: 0.6, 2: 0.25, 3: 0.15})
        self._event(
            RecordKind.LEAVE,
            officer,
            day,
            self._after(day, 0, 14),
            leave_type=LeaveType.SICK,
            hours=float(days * 8),
        )

    def _vacation(self, officer: Person, day: date, risk: float) -> None:
        if skips_rest(self.overworked, officer, day, self.end):
            return
        hours = self._pick({8.0: 0.3, 16.0: 0.2, 24.0: 0.15, 40.0: 0.25, 80.0: 0.1})
        self._event(RecordKind.LEAVE, officer, day, self._after(day, 0, 14), leave_type=LeaveType.VACATION, hours=hours)

    def _commendation(self, officer: Person, day: date, risk: float) -> None:
        award = self.rng.choices([a for a, _ in t.AWARDS], [w for _, w in t.AWARDS])[0]
        self._event(RecordKind.COMMENDATION, officer, day, self._after(day, 7, 60), award_type=award)

    def _elective_training(self, officer: Person, day: date, risk: float) -> None:
        course, hours = self.rng.choice(t.ELECTIVE_COURSES)
        if officer.rank != t.POLICE_OFFICER and self.rng.random() < 0.15:
            course, hours = t.SUPERVISOR_COURSE
        self._training(officer, day, course, hours)

    def _training(self, officer: Person, day: date, course: str, hours: float, *, passed: bool = True) -> None:
        if day > self.horizon_end or _gone(officer, day):
            return
        self._event(
            RecordKind.TRAINING,
            officer,
            day,
            self._after(day, 0, 30),
            course=course,
            hours=hours,
            passed=passed,
        )

    def _lawsuit(self, officer: Person, incident_on: date, claim_type: str) -> None:
        rng = self.rng
        filed_on = self._after(incident_on, 60, 700)
        resolved_on = self._after(filed_on, 180, 1400)
        status = self._pick(
            {
                LawsuitStatus.SETTLED: 0.45,
                LawsuitStatus.DISMISSED: 0.3,
                LawsuitStatus.JUDGMENT_DEFENSE: 0.15,
                LawsuitStatus.JUDGMENT_PLAINTIFF: 0.1,
            }
        )
        amount = None
        if status is LawsuitStatus.SETTLED:
            amount = Decimal(f"{rng.lognormvariate(10.6, 1.0):.2f}")
        elif status is LawsuitStatus.JUDGMENT_PLAINTIFF:
            amount = Decimal(f"{rng.lognormvariate(11.9, 1.0):.2f}")
        event = self._event(
            RecordKind.LAWSUIT,
            officer,
            incident_on,
            filed_on,
            settled_on=resolved_on,
            claim_type=claim_type,
            status=status,
            resolved_on=resolved_on,
            amount_paid=amount,
        )
        self.adverse.append(Adverse(officer, "lawsuit_filed", event, filed_on))

    def _activity_and_overtime(self) -> None:
        """Monthly activity counts and overtime: the exposure behind every rate."""
        activity = np.array(
            [
                [value * t.ACTIVITY_RANK_FACTOR[p.rank] for value in t.ACTIVITY[p.rate_unit]]
                if p.rate_unit in t.ACTIVITY
                else [0.0, 0.0, 0.0]
                for p in self.people
            ],
            dtype=np.float64,
        )
        busyness = np.array([p.busyness for p in self.people], dtype=np.float64)
        night = np.array([1.2 if p.shift == t.NIGHT else 1.0 for p in self.people], dtype=np.float64)
        exposure, risk = self.exposure, self.risk
        calls = self.np_rng.poisson((activity[:, 0] * busyness)[:, None] * exposure)
        arrests = self.np_rng.poisson((activity[:, 1] * busyness * night)[:, None] * exposure * (0.85 + 0.15 * risk))
        stops = self.np_rng.poisson(activity[:, 2][:, None] * exposure)
        overtime_mean = np.array([t.OVERTIME.get(p.rate_unit, 4.0) for p in self.people], dtype=np.float64)
        overtime_share = np.where(overtime_mean >= 10.0, 0.75, 0.35)
        works_overtime = self.np_rng.random(exposure.shape) < overtime_share[:, None]
        overtime = self.np_rng.gamma(
            2.0, (overtime_mean / overtime_share / 2.0)[:, None] * exposure * (0.9 + 0.1 * risk)
        )
        overtime = np.where(works_overtime, np.clip(np.round(overtime * 2) / 2, 0.5, 200.0), 0.0)
        overtime = plant_overtime(self.overworked, self.people, self.month_first, overtime, self.config.seed)
        hours = np.round(t.REGULAR_HOURS_PER_MONTH * exposure + overtime, 1)
        rows, cols = np.nonzero(exposure > 0)
        for i, m in zip(rows.tolist(), cols.tolist(), strict=True):
            officer = self.people[i]
            first_day = date.fromordinal(int(self.lo[i, m]))
            last_day = date.fromordinal(int(self.hi[i, m]))
            reported_on = self._after(date.fromordinal(int(self.month_last[m])), 3, 20)
            self._event(
                RecordKind.ACTIVITY,
                officer,
                first_day,
                reported_on,
                period_end=last_day,
                arrests=int(arrests[i, m]),
                calls_for_service=int(calls[i, m]),
                traffic_stops=int(stops[i, m]),
                hours_worked=float(hours[i, m]),
            )
            if overtime[i, m] > 0:
                self._event(
                    RecordKind.LEAVE,
                    officer,
                    last_day,
                    self._after(last_day, 0, 14),
                    leave_type=LeaveType.OVERTIME,
                    hours=float(overtime[i, m]),
                )

    def _scheduled_training(self) -> None:
        """Academy for recruits, yearly in-service and twice-yearly firearms qualification for everyone."""
        start, horizon_end = self.config.start, self.horizon_end
        for officer in self.people:
            street = officer.street_date
            active_to = min(officer.separation_date or horizon_end, horizon_end)
            if start <= street <= horizon_end:
                self._training(officer, street - timedelta(days=1), t.BASIC_ACADEMY, 880.0)
            for year in range(start.year, horizon_end.year + 1):
                sessions = [
                    (date(year, self._between(1, 12), self._between(1, 28)), t.ANNUAL_IN_SERVICE, 40.0),
                    (date(year, self._between(3, 5), self._between(1, 28)), t.FIREARMS_QUALIFICATION, 6.0),
                    (date(year, self._between(9, 11), self._between(1, 28)), t.FIREARMS_QUALIFICATION, 6.0),
                ]
                for day, course, hours in sessions:
                    if not (max(street, start) <= day <= active_to):
                        continue
                    passed = True
                    if course == t.FIREARMS_QUALIFICATION:
                        month = (day.year - start.year) * 12 + day.month - start.month
                        stressed = self.risk[self.row[officer.number], month] > 2.0
                        passed = self.rng.random() < (0.88 if stressed else 0.96)
                    self._training(officer, day, course, hours, passed=passed)

    def _discipline(self) -> None:
        """Discipline follows sustained complaints, escalating with the officer's recent sustained history."""
        by_officer: dict[int, list[ComplaintCase]] = {}
        for case in self.cases:
            if case.sustained:
                by_officer.setdefault(case.officer.number, []).append(case)
        for number in sorted(by_officer):
            history: list[date] = []
            for case in sorted(by_officer[number], key=lambda c: (c.decided_on, c.seq)):
                recent = sum(1 for d in history if (case.decided_on - d).days <= 730)
                history.append(case.decided_on)
                serious = any(a.fields["category"] in t.SERIOUS for a in case.sustained)
                level = (2 if serious else 1) + recent
                if level == 1:
                    action = self._pick({DisciplineAction.COUNSELING: 0.5, DisciplineAction.REPRIMAND: 0.5})
                elif level == 2:
                    action = self._pick({DisciplineAction.REPRIMAND: 0.5, DisciplineAction.SUSPENSION: 0.5})
                else:
                    action = self._pick({DisciplineAction.SUSPENSION: 0.85, DisciplineAction.OTHER: 0.15})
                days = 0
                if action is DisciplineAction.SUSPENSION:
                    days = self.rng.randint(1, 5) if level == 2 else self.rng.randint(5, 30)
                imposed = self._after(case.decided_on, 7, 45)
                if _gone(case.officer, imposed):
                    continue
                event = self._event(
                    RecordKind.DISCIPLINE,
                    case.officer,
                    imposed,
                    self._after(imposed, 0, 5),
                    action=action,
                    days_suspended=days,
                    related_complaint_id=None,
                )
                event.case = case


def _gone(officer: Person, day: date) -> bool:
    return officer.separation_date is not None and day > officer.separation_date


def simulate(config: GeneratorConfig, people: list[Person], rng: random.Random) -> History:
    return Simulation(config, people, rng).run()
