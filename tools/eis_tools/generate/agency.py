"""Generate a synthetic agency and write it out as the CSV extracts an agency would upload."""

from __future__ import annotations

import csv
import gc
import random
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Any, cast

from eis_core.complaints.timeliness import add_business_days
from eis_core.models.records import (
    RECORD_MODELS,
    Activity,
    Commendation,
    Complaint,
    Discipline,
    EventRecord,
    Finding,
    Injury,
    Lawsuit,
    LawsuitStatus,
    Leave,
    Officer,
    OfficerStatus,
    Record,
    RecordKind,
    Training,
    UseOfForce,
    VehicleIncident,
)
from eis_tools.generate.config import AdverseEvent, AtRiskOfficer, GeneratedIntervention, GeneratorConfig, GroundTruth
from eis_tools.generate.events import History, RawEvent, simulate
from eis_tools.generate.organisation import Person, build_organisation, horizon_end_of

TRUTH_FILE = "truth.json"

_EVENT_MODELS: dict[RecordKind, type[EventRecord]] = {
    RecordKind.USE_OF_FORCE: UseOfForce,
    RecordKind.COMPLAINT: Complaint,
    RecordKind.VEHICLE_INCIDENT: VehicleIncident,
    RecordKind.INJURY: Injury,
    RecordKind.DISCIPLINE: Discipline,
    RecordKind.ACTIVITY: Activity,
    RecordKind.LEAVE: Leave,
    RecordKind.TRAINING: Training,
    RecordKind.COMMENDATION: Commendation,
    RecordKind.LAWSUIT: Lawsuit,
}
_ID_PREFIX = {
    RecordKind.USE_OF_FORCE: "UOF",
    RecordKind.VEHICLE_INCIDENT: "VEH",
    RecordKind.INJURY: "INJ",
    RecordKind.DISCIPLINE: "DSC",
    RecordKind.ACTIVITY: "ACT",
    RecordKind.LEAVE: "LV",
    RecordKind.TRAINING: "TRN",
    RecordKind.COMMENDATION: "CMD",
    RecordKind.LAWSUIT: "LAW",
}


@dataclass(frozen=True)
class GeneratedAgency:
    """A synthetic agency as of ``config.end``: what its extracts hold, plus the hidden answer key.

    ``records`` has every kind, the roster included (the same list as ``officers``).
    """

    config: GeneratorConfig
    officers: list[Officer]
    records: dict[RecordKind, list[Record]]
    truth: GroundTruth


def generate_agency(config: GeneratorConfig) -> GeneratedAgency:
    """Build the department, simulate its history and return the extracts as of ``config.end``."""
    rng = random.Random(config.seed)  # noqa: S311 - a reproducible simulation, not a secret
    # Millions of short-lived-looking but long-lived objects: cyclic GC passes only cost time here.
    collecting = gc.isenabled()
    gc.disable()
    try:
        organisation = build_organisation(config, rng)
        history = simulate(config, organisation.people, rng)
        _assign_ids(history)
        officers = [_roster_record(p, config) for p in organisation.people if p.hire_date <= config.end]
        records: dict[RecordKind, list[Record]] = {kind: [] for kind in RecordKind}
        records[RecordKind.ROSTER] = list(officers)
        for event in history.events:
            if event.known_on <= config.end:
                records[event.kind].append(_as_known_on_end(event, config.end))
    finally:
        if collecting:
            gc.enable()
    return GeneratedAgency(
        config=config,
        officers=officers,
        records=records,
        truth=_truth(config, history, organisation.district_busyness),
    )


def write_extracts(agency: GeneratedAgency, out_dir: Path) -> dict[RecordKind, Path]:
    """Write one ``<kind>.csv`` per record kind, and ``truth.json`` (the answer key, not an extract).

    Columns are the model's fields in declaration order; dates are ISO, booleans ``true``/``false``,
    and an empty cell means no value.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[RecordKind, Path] = {}
    for kind in RecordKind:
        path = out_dir / f"{kind.value}.csv"
        columns = list(RECORD_MODELS[kind].model_fields)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            for record in agency.records[kind]:
                values = record.__dict__
                writer.writerow([_cell(values[column]) for column in columns])
        written[kind] = path
    (out_dir / TRUTH_FILE).write_text(agency.truth.to_json(), encoding="utf-8")
    return written


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _chronological(event: RawEvent) -> int:
    # One integer (day, then officer, then creation order) sorts much faster than a tuple.
    return (event.occurred_on.toordinal() * 1_000_000 + event.officer.number) * 1_000_000_000 + event.seq


def _assign_ids(history: History) -> None:
    """Source ids follow time, as an agency's case numbers do."""
    for number, case in enumerate(sorted(history.cases, key=lambda c: (c.occurred_on, c.officer.number, c.seq)), 1):
        case.complaint_id = f"CR-{number:06d}"
        for allegation_number, allegation in enumerate(case.allegations, 1):
            allegation.source_record_id = f"{case.complaint_id}-{allegation_number}"
        if case.allegations:
            received = case.allegations[0].known_on
            case.acknowledged_on = min(case.decided_on, acknowledgment_day(received, case.complaint_id, case.seq))
    counters = dict.fromkeys(_ID_PREFIX, 0)
    history.events.sort(key=_chronological)
    for event in history.events:
        if event.kind is RecordKind.COMPLAINT:
            continue
        counters[event.kind] += 1
        event.source_record_id = f"{_ID_PREFIX[event.kind]}-{counters[event.kind]:07d}"


LATE_ACKNOWLEDGMENT_SHARE = 0.15
"""Share of complaints acknowledged after the default window of 5 business days (6 to 40 business days)."""


def acknowledgment_day(received: date, complaint_id: str, seq: int) -> date:
    """When the intake unit acknowledged a complaint: most within 0-4 business days, some late.

    Drawn from the complaint's own generator (not the simulation's), so the rest of the agency is unchanged.
    """
    rng = random.Random(f"acknowledgment-{complaint_id}-{seq}")  # noqa: S311 - a reproducible simulation
    if rng.random() < LATE_ACKNOWLEDGMENT_SHARE:
        return add_business_days(received, rng.randint(6, 40))
    return add_business_days(received, rng.randint(0, 4))


def _as_known_on_end(event: RawEvent, end: date) -> Record:
    """The record as the agency's extract shows it on ``end``: later findings and outcomes are withheld."""
    fields = dict(event.fields)
    settled = event.settled_on is not None and event.settled_on <= end
    if event.kind is RecordKind.COMPLAINT:
        assert event.case is not None
        fields["complaint_id"] = event.case.complaint_id
        acknowledged = event.case.acknowledged_on
        fields["received_on"] = event.known_on
        fields["acknowledged_on"] = acknowledged if acknowledged is not None and acknowledged <= end else None
        fields["closed_on"] = event.case.decided_on if settled else None
        if not settled:
            fields["finding"], fields["finding_decided_on"] = Finding.PENDING, None
    elif event.kind is RecordKind.VEHICLE_INCIDENT and not settled and event.settled_on is not None:
        fields["preventable"] = None
    elif event.kind is RecordKind.LAWSUIT and not settled:
        fields.update(status=LawsuitStatus.OPEN, resolved_on=None, amount_paid=None)
    elif event.kind is RecordKind.DISCIPLINE and event.case is not None:
        fields["related_complaint_id"] = event.case.complaint_id
    record = _EVENT_MODELS[event.kind](
        source_record_id=event.source_record_id,
        officer_id=event.officer.officer_id,
        occurred_on=event.occurred_on,
        known_on=event.known_on,
        **fields,
    )
    return cast(Record, record)


def _roster_record(person: Person, config: GeneratorConfig) -> Officer:
    separated = person.separation_date is not None and person.separation_date <= config.end
    if separated:
        status = OfficerStatus.SEPARATED
    elif person.on_leave_at_end:
        status = OfficerStatus.LEAVE
    else:
        status = OfficerStatus.ACTIVE
    return Officer(
        source_record_id=person.officer_id,
        officer_id=person.officer_id,
        first_name=person.first_name,
        last_name=person.last_name,
        rank=person.rank,
        unit=person.unit,
        district=person.district,
        shift=person.shift,
        supervisor_id=person.supervisor.officer_id if person.supervisor else None,
        # A separated officer's mailbox is closed; nobody should be notified there.
        email=None if separated else person.email(config.email_domain),
        hire_date=person.hire_date,
        separation_date=person.separation_date if separated else None,
        status=status,
        race=person.race,
        sex=person.sex,
        birth_year=person.birth_year,
    )


def _truth(config: GeneratorConfig, history: History, busyness: dict[str, float]) -> GroundTruth:
    adverse = sorted(
        (
            AdverseEvent(
                officer_id=a.officer.officer_id,
                kind=a.event.kind,
                source_record_id=a.event.source_record_id,
                label=a.label,
                occurred_on=a.event.occurred_on,
                known_on=a.known_on,
                in_extract=a.known_on <= config.end,
            )
            for a in history.adverse
        ),
        key=lambda e: (e.occurred_on, e.officer_id, e.source_record_id),
    )
    at_risk = tuple(
        AtRiskOfficer(
            officer_id=episode.officer.officer_id,
            rise_start=episode.rise_start,
            peak_on=episode.peak_on,
            peak_multiplier=episode.peak_multiplier,
            adverse_events=tuple(
                e for e in adverse if e.officer_id == episode.officer.officer_id and e.occurred_on >= episode.rise_start
            ),
        )
        for episode in history.episodes
    )
    return GroundTruth(
        agency_id=config.agency_id,
        seed=config.seed,
        start=config.start,
        end=config.end,
        horizon_end=horizon_end_of(config),
        district_busyness=dict(sorted(busyness.items())),
        at_risk=at_risk,
        adverse_events=tuple(adverse),
        interventions=tuple(
            GeneratedIntervention(officer_id, config.intervention_type, completed_on, config.intervention_effect)
            for officer_id, completed_on in sorted(history.treated.items())
        ),
        overworked=tuple(sorted(history.overworked)),
    )
