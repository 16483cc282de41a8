"""Canonical records an agency's extracts are normalised into.

Every event carries when it happened (``occurred_on``) and when the agency knew it (``known_on``).
Scoring as of a date D only sees records with ``known_on < D``; a complaint's finding is only
visible once ``finding_decided_on < D``. Civilian or offender details have no field here: ingest
drops every column that is not on a model (the allowlist is the model itself).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

OfficerId = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
SourceRecordId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class RecordKind(StrEnum):
    """The extract kinds EIS ingests. The value is the upload folder and the CSV file stem."""

    ROSTER = "roster"
    USE_OF_FORCE = "use_of_force"
    COMPLAINT = "complaint"
    VEHICLE_INCIDENT = "vehicle_incident"
    INJURY = "injury"
    DISCIPLINE = "discipline"
    ACTIVITY = "activity"
    LEAVE = "leave"
    TRAINING = "training"
    COMMENDATION = "commendation"
    LAWSUIT = "lawsuit"


class OfficerStatus(StrEnum):
    ACTIVE = "active"
    LEAVE = "leave"
    SEPARATED = "separated"


class Finding(StrEnum):
    PENDING = "pending"
    SUSTAINED = "sustained"
    NOT_SUSTAINED = "not_sustained"
    UNFOUNDED = "unfounded"
    EXONERATED = "exonerated"
    NO_FINDING = "no_finding"


class AllegationCategory(StrEnum):
    EXCESSIVE_FORCE = "excessive_force"
    ILLEGAL_SEARCH = "illegal_search"
    VERBAL_ABUSE = "verbal_abuse"
    FALSE_ARREST = "false_arrest"
    RACIAL_PROFILING = "racial_profiling"
    NEGLECT_OF_DUTY = "neglect_of_duty"
    CONDUCT_UNBECOMING = "conduct_unbecoming"
    OPERATIONS = "operations"
    OTHER = "other"


class ForceType(StrEnum):
    PHYSICAL = "physical"
    TAKEDOWN = "takedown"
    OC_SPRAY = "oc_spray"
    TASER = "taser"
    BATON = "baton"
    CANINE = "canine"
    FIREARM_POINTED = "firearm_pointed"
    FIREARM_DISCHARGED = "firearm_discharged"
    OTHER = "other"


class VehicleIncidentType(StrEnum):
    ACCIDENT = "accident"
    PURSUIT = "pursuit"


class DisciplineAction(StrEnum):
    COUNSELING = "counseling"
    REPRIMAND = "reprimand"
    SUSPENSION = "suspension"
    DEMOTION = "demotion"
    TERMINATION = "termination"
    OTHER = "other"


class LeaveType(StrEnum):
    SICK = "sick"
    INJURY = "injury"
    VACATION = "vacation"
    PERSONAL = "personal"
    OVERTIME = "overtime"
    OTHER = "other"


class LawsuitStatus(StrEnum):
    OPEN = "open"
    SETTLED = "settled"
    JUDGMENT_PLAINTIFF = "judgment_plaintiff"
    JUDGMENT_DEFENSE = "judgment_defense"
    DISMISSED = "dismissed"


class _Record(BaseModel):
    # Schemas built on first use: the case API and the notifier read officers, not the ten event kinds.
    model_config = ConfigDict(
        extra="forbid", frozen=True, str_strip_whitespace=True, use_enum_values=False, defer_build=True
    )

    kind: ClassVar[RecordKind]
    source_record_id: SourceRecordId = Field(description="Stable id of the record in the agency's source system")

    @property
    def record_key(self) -> str:
        """The identity of a record across uploads: a re-sent record with this key replaces the old one."""
        return f"{self.kind.value}#{self.source_record_id}"


class Officer(_Record):
    """One sworn member on the agency's roster. Demographics are used only for fairness audits."""

    kind: ClassVar[RecordKind] = RecordKind.ROSTER

    officer_id: OfficerId
    first_name: ShortText
    last_name: ShortText
    rank: ShortText
    unit: ShortText = Field(description="Unit or assignment")
    district: ShortText | None = None
    shift: ShortText | None = None
    supervisor_id: OfficerId | None = None
    email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)] | None = None
    hire_date: date | None = Field(
        default=None,
        description="None: not in the agency's records. Tenure is then unknown (never invented), and the officer "
        "counts as on the roster from the start of the agency's records",
    )
    separation_date: date | None = None
    status: OfficerStatus = OfficerStatus.ACTIVE
    race: ShortText | None = Field(default=None, description="Fairness audits only; never a model input")
    sex: ShortText | None = Field(default=None, description="Fairness audits only; never a model input")
    birth_year: int | None = Field(default=None, ge=1900, le=2100, description="Fairness audits only")

    @model_validator(mode="after")
    def _dates_in_order(self) -> Officer:
        if self.separation_date is not None and self.hire_date is not None and self.separation_date < self.hire_date:
            raise ValueError("separation_date is before hire_date")
        if self.supervisor_id == self.officer_id:
            raise ValueError("an officer cannot be their own supervisor")
        return self

    def on_roster(self, as_of: date) -> bool:
        """True when the officer was hired before ``as_of`` (an unknown hire date counts as hired from the start of
        the records) and had not separated by then."""
        return (self.hire_date is None or self.hire_date < as_of) and (
            self.separation_date is None or self.separation_date >= as_of
        )


class EventRecord(_Record):
    """Something that happened to or was done by one officer."""

    officer_id: OfficerId
    occurred_on: date = Field(description="When it happened")
    known_on: date = Field(description="When the agency knew it (report or intake date)")

    @model_validator(mode="after")
    def _known_after_it_happened(self) -> EventRecord:
        if self.known_on < self.occurred_on:
            raise ValueError("known_on is before occurred_on")
        return self

    def known_before(self, as_of: date) -> bool:
        """The leakage gate: a record counts as of ``as_of`` only when it was known strictly before."""
        return self.known_on < as_of


class UseOfForce(EventRecord):
    kind: ClassVar[RecordKind] = RecordKind.USE_OF_FORCE

    force_type: ForceType
    subject_injured: bool = False
    officer_injured: bool = False


class Complaint(EventRecord):
    """One allegation against one officer; the finding is known only from its decision date."""

    kind: ClassVar[RecordKind] = RecordKind.COMPLAINT

    complaint_id: SourceRecordId = Field(description="The case the allegation belongs to")
    category: AllegationCategory
    finding: Finding = Finding.PENDING
    finding_decided_on: date | None = None
    internal: bool = Field(default=False, description="Filed by the department rather than a civilian")
    # Timeliness (``eis_core.complaints.timeliness``), where the agency sends them; older extracts lack them.
    received_on: date | None = Field(default=None, description="When the intake unit received the complaint")
    acknowledged_on: date | None = Field(default=None, description="When the complainant was sent an acknowledgment")
    closed_on: date | None = Field(default=None, description="When the complaint's investigation was closed")

    @property
    def received(self) -> date:
        """The received date, or the intake date (``known_on``) when the agency does not send one."""
        return self.received_on or self.known_on

    @property
    def closed(self) -> date | None:
        """The closing date, or the finding's decision date when the agency sends no closing date."""
        return self.closed_on or self.finding_decided_on

    @model_validator(mode="after")
    def _timeliness_in_order(self) -> Complaint:
        received = "received_on" if self.received_on is not None else "known_on (the intake date)"
        if self.received_on is not None and self.received_on < self.occurred_on:
            raise ValueError("received_on is before occurred_on")
        if self.acknowledged_on is not None and self.acknowledged_on < self.received:
            raise ValueError(f"acknowledged_on is before {received}")
        if self.closed_on is not None and self.closed_on < self.received:
            raise ValueError(f"closed_on is before {received}")
        return self

    @model_validator(mode="after")
    def _finding_consistent(self) -> Complaint:
        if self.finding is Finding.PENDING and self.finding_decided_on is not None:
            raise ValueError("a pending finding has no finding_decided_on")
        if self.finding is not Finding.PENDING and self.finding_decided_on is None:
            raise ValueError(f"finding {self.finding.value} needs finding_decided_on")
        if self.finding_decided_on is not None and self.finding_decided_on < self.occurred_on:
            raise ValueError("finding_decided_on is before occurred_on")
        return self

    def finding_as_of(self, as_of: date) -> Finding:
        """The finding as the agency knew it on ``as_of``: pending until the decision date has passed."""
        if self.finding_decided_on is None or self.finding_decided_on >= as_of:
            return Finding.PENDING
        return self.finding


class VehicleIncident(EventRecord):
    """A vehicle accident or a pursuit."""

    kind: ClassVar[RecordKind] = RecordKind.VEHICLE_INCIDENT

    incident_type: VehicleIncidentType
    preventable: bool | None = Field(default=None, description="Accidents: ruled preventable by review")


class Injury(EventRecord):
    kind: ClassVar[RecordKind] = RecordKind.INJURY

    injury_type: ShortText
    on_duty: bool = True
    days_lost: int = Field(default=0, ge=0, le=3650)


class Discipline(EventRecord):
    kind: ClassVar[RecordKind] = RecordKind.DISCIPLINE

    action: DisciplineAction
    days_suspended: int = Field(default=0, ge=0, le=3650)
    related_complaint_id: SourceRecordId | None = None


class Activity(EventRecord):
    """Activity counts for one officer over one period (the exposure behind rates)."""

    kind: ClassVar[RecordKind] = RecordKind.ACTIVITY

    period_end: date
    arrests: int = Field(default=0, ge=0)
    calls_for_service: int = Field(default=0, ge=0)
    traffic_stops: int = Field(default=0, ge=0)
    hours_worked: float = Field(default=0.0, ge=0)
    shifts: int | None = Field(default=None, ge=0, description="Shifts worked in the period (wellness)")
    night_shifts: int | None = Field(default=None, ge=0, description="Of them, night shifts (wellness)")

    @model_validator(mode="after")
    def _period_in_order(self) -> Activity:
        if self.period_end < self.occurred_on:
            raise ValueError("period_end is before occurred_on")
        return self

    @model_validator(mode="after")
    def _at_most_24_hours_a_day(self) -> Activity:
        days = (self.period_end - self.occurred_on).days + 1
        if self.hours_worked > 24 * days:
            raise ValueError(
                f"hours_worked {self.hours_worked:g} is more than 24 hours a day over the {days}-day period"
            )
        if self.night_shifts is not None and self.night_shifts > (self.shifts or 0):
            raise ValueError("night_shifts is more than shifts")
        return self


class Leave(EventRecord):
    """Hours of leave or overtime taken on one day."""

    kind: ClassVar[RecordKind] = RecordKind.LEAVE

    leave_type: LeaveType
    hours: float = Field(gt=0, le=24 * 31)

    @model_validator(mode="before")
    @classmethod
    def _no_negative_hours(cls, data: object) -> object:
        """Named before the generic bound: negative overtime is a data error the agency must fix."""
        if isinstance(data, dict):
            try:
                hours = float(data.get("hours"))  # type: ignore[arg-type]
            except (TypeError, ValueError):
                return data
            if hours < 0:
                what = "overtime" if str(data.get("leave_type", "")).lower().endswith("overtime") else "leave"
                raise ValueError(f"hours {hours:g} is negative: {what} hours cannot be below zero")
        return data


class Training(EventRecord):
    kind: ClassVar[RecordKind] = RecordKind.TRAINING

    course: ShortText
    hours: float = Field(default=0.0, ge=0, le=2000)
    passed: bool = True


class Commendation(EventRecord):
    kind: ClassVar[RecordKind] = RecordKind.COMMENDATION

    award_type: ShortText


class Lawsuit(EventRecord):
    kind: ClassVar[RecordKind] = RecordKind.LAWSUIT

    claim_type: ShortText
    status: LawsuitStatus = LawsuitStatus.OPEN
    resolved_on: date | None = None
    amount_paid: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=2)


Record = (
    Officer
    | UseOfForce
    | Complaint
    | VehicleIncident
    | Injury
    | Discipline
    | Activity
    | Leave
    | Training
    | Commendation
    | Lawsuit
)

RECORD_MODELS: dict[RecordKind, type[_Record]] = {
    model.kind: model
    for model in (
        Officer,
        UseOfForce,
        Complaint,
        VehicleIncident,
        Injury,
        Discipline,
        Activity,
        Leave,
        Training,
        Commendation,
        Lawsuit,
    )
}
