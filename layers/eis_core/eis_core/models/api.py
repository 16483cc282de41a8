"""Case API request and response models: the public contract, mapped explicitly from domain models.

Responses carry officer ids only, never names or other personal details: the portal looks a person
up where it is allowed to, the API keeps what crosses the wire minimal.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from eis_core.cases.workflow import Transition
from eis_core.models.alerts import Alert, AlertDismissal, AlertLevel, AlertStatus, Factor, RuleHit
from eis_core.models.audit import AuditOutcome, AuditRecord
from eis_core.models.cases import (
    AssignmentKind,
    Case,
    CaseAssignment,
    CaseStatus,
    CaseTransition,
    CheckIn,
    Deferral,
    DeferralTarget,
    Disposition,
    Intervention,
    InterventionOutcome,
    Note,
)
from eis_core.models.records import RecordKind
from eis_core.models.uploads import RejectionCode, UploadMode, UploadReport

API_TITLE = "EIS case API"
API_VERSION = "1.0.0"


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class RuleHitOut(_Out):
    rule_id: str
    description: str
    level: AlertLevel
    value: float
    threshold: float

    @classmethod
    def from_domain(cls, hit: RuleHit) -> RuleHitOut:
        return cls(
            rule_id=hit.rule_id,
            description=hit.description,
            level=hit.level,
            value=hit.value,
            threshold=hit.threshold,
        )


class FactorOut(_Out):
    indicator: str
    label: str
    officer_value: float
    peer_median: float
    peer_percentile: float
    peer_group: str

    @classmethod
    def from_domain(cls, factor: Factor) -> FactorOut:
        return cls(
            indicator=factor.indicator,
            label=factor.label,
            officer_value=factor.officer_value,
            peer_median=factor.peer_median,
            peer_percentile=factor.peer_percentile,
            peer_group=factor.peer_group,
        )


class DismissalIn(BaseModel):
    """Close an alert without a case (risk managers and admins): why it needs no case."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=1, max_length=2_000, description="Why the alert needs no case")


class DismissalOut(_Out):
    """Who dismissed an alert, when, and why."""

    by: str = Field(description="Subject (user id) of the token that dismissed it")
    by_role: str
    at: datetime
    reason: str

    @classmethod
    def from_domain(cls, dismissal: AlertDismissal) -> DismissalOut:
        return cls(by=dismissal.by, by_role=dismissal.by_role, at=dismissal.at, reason=dismissal.reason)


class AlertOut(_Out):
    """An alert with its explanation: why this officer, compared with which peers."""

    alert_id: str
    officer_id: str
    as_of: date
    created_at: datetime
    level: AlertLevel
    score: float
    status: AlertStatus
    case_id: str | None
    explanation: str
    rules: list[RuleHitOut]
    factors: list[FactorOut]
    scoring_config_id: str = Field(
        description="Hash of the scorer and every setting that shaped this alert (the scoring setup)"
    )
    trained_model_id: str | None = Field(
        description="The trained model's id, its card at models/<id>/card.json in the agency's artifacts "
        "bucket; null when the peer-and-rule scorer ran without a trained model"
    )
    model_id: str = Field(
        deprecated="Use scoring_config_id (the same value); model_id is removed in the next version",
        description="Deprecated: the same value as scoring_config_id",
    )
    run_id: str
    dismissal: DismissalOut | None = Field(default=None, description="Set when the alert was dismissed")

    @classmethod
    def from_domain(cls, alert: Alert) -> AlertOut:
        return cls(
            alert_id=alert.alert_id,
            officer_id=alert.officer_id,
            as_of=alert.as_of,
            created_at=alert.created_at,
            level=alert.level,
            score=alert.score,
            status=alert.status,
            case_id=alert.case_id,
            explanation=alert.explanation,
            rules=[RuleHitOut.from_domain(hit) for hit in alert.rules],
            factors=[FactorOut.from_domain(factor) for factor in alert.factors],
            scoring_config_id=alert.scoring_config_id,
            trained_model_id=alert.trained_model_id,
            model_id=alert.scoring_config_id,
            run_id=alert.run_id,
            dismissal=None if alert.dismissal is None else DismissalOut.from_domain(alert.dismissal),
        )


class AlertList(_Out):
    alerts: list[AlertOut]
    count: int
    next_cursor: str | None = Field(
        default=None, description="Pass as cursor for the next page; null on the last page (a page may be short)"
    )

    @classmethod
    def from_domain(cls, alerts: Sequence[Alert], next_cursor: str | None = None) -> AlertList:
        return cls(alerts=[AlertOut.from_domain(alert) for alert in alerts], count=len(alerts), next_cursor=next_cursor)


class NoteIn(BaseModel):
    """A supervisor's note on a case. Describe the review and the support offered, not third parties."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=10_000)


class NoteOut(_Out):
    note_id: str
    case_id: str
    created_at: datetime
    author: str = Field(description="Subject (user id) of the author")
    author_role: str
    text: str

    @classmethod
    def from_domain(cls, note: Note) -> NoteOut:
        return cls(
            note_id=note.note_id,
            case_id=note.case_id,
            created_at=note.created_at,
            author=note.author,
            author_role=note.author_role,
            text=note.text,
        )


_Label = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:\-]+$")


class TransitionIn(BaseModel):
    """Move a case along the workflow. Which fields a move needs is in the case's next_transitions."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    to: CaseStatus
    reason: str | None = Field(default=None, max_length=2_000, description="Why; every move but starting a review")
    disposition: Disposition | None = Field(default=None, description="Why the case closes; closures only")
    referred_to: str | None = Field(
        default=None, max_length=200, description="Where the case went, e.g. internal affairs (referred_outside_eis)"
    )
    disagreed_rules: list[Annotated[str, _Label]] = Field(
        default_factory=list, max_length=50, description="Rule ids of the alerts the reviewer disagrees with"
    )
    disagreed_factors: list[Annotated[str, _Label]] = Field(
        default_factory=list, max_length=50, description="Factor indicators of the alerts the reviewer disagrees with"
    )


class CaseTransitionOut(_Out):
    from_status: CaseStatus
    to_status: CaseStatus
    at: datetime
    by: str = Field(description="Subject (user id) of who moved the case")
    by_role: str
    reason: str | None
    disposition: Disposition | None
    referred_to: str | None
    disagreed_rules: list[str]
    disagreed_factors: list[str]

    @classmethod
    def from_domain(cls, move: CaseTransition) -> CaseTransitionOut:
        return cls(
            from_status=move.from_status,
            to_status=move.to_status,
            at=move.at,
            by=move.by,
            by_role=move.by_role,
            reason=move.reason,
            disposition=move.disposition,
            referred_to=move.referred_to,
            disagreed_rules=list(move.disagreed_rules),
            disagreed_factors=list(move.disagreed_factors),
        )


class NextTransitionOut(_Out):
    """A move the caller may make next, and what it needs."""

    to: CaseStatus
    requires: list[str] = Field(description="Fields the move cannot do without")
    dispositions: list[Disposition] = Field(description="The dispositions this closure accepts; empty otherwise")
    description: str

    @classmethod
    def from_domain(cls, row: Transition) -> NextTransitionOut:
        return cls(
            to=row.target,
            requires=list(row.requires),
            dispositions=sorted(row.dispositions),
            description=row.why,
        )


_TypeId = Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")


class InterventionIn(BaseModel):
    """Plan an intervention on a case (while it is intervention_planned, intervention_in_progress or monitoring)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    type: Annotated[str, _TypeId] = Field(description="An id from the agency's intervention catalogue")
    owner: str | None = Field(
        default=None, max_length=128, description="Officer id of who delivers it; default the case's supervisor"
    )
    planned_on: date | None = Field(default=None, description="Default today")
    due_on: date | None = Field(default=None, description="When it should be done; default one check-in period on")
    notes: str | None = Field(default=None, max_length=10_000, description="The plan (never in the audit log)")


class InterventionStartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    started_on: date | None = Field(default=None, description="Default today; not in the future")


class InterventionCompletionIn(BaseModel):
    """End an intervention. The outcome is required; check-ins stop and its monitoring period begins."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    outcome: InterventionOutcome
    completed_on: date | None = Field(default=None, description="Default today; not in the future")
    outcome_notes: str | None = Field(default=None, max_length=10_000, description="How it went (never audited)")


class CheckInIn(BaseModel):
    """A check-in on an intervention that has not ended; the next one falls due one check-in period later."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(min_length=1, max_length=4_000, description="How it is going (never in the audit log)")


class CheckInOut(_Out):
    checkin_id: str
    at: datetime
    by: str = Field(description="Subject (user id) of who checked in")
    by_role: str
    note: str
    next_due_on: date

    @classmethod
    def from_domain(cls, checkin: CheckIn) -> CheckInOut:
        return cls(
            checkin_id=checkin.checkin_id,
            at=checkin.at,
            by=checkin.by,
            by_role=checkin.by_role,
            note=checkin.note,
            next_due_on=checkin.next_due_on,
        )


class InterventionOut(_Out):
    intervention_id: str
    case_id: str
    type: str
    owner: str | None = Field(description="Officer id of who delivers it")
    planned_on: date
    due_on: date
    started_on: date | None
    completed_on: date | None
    outcome: InterventionOutcome | None = Field(description="Set when it has ended")
    notes: str | None
    outcome_notes: str | None
    checkins: list[CheckInOut] = Field(description="Oldest first")
    next_checkin_due_on: date | None = Field(description="When the next check-in is due; null once it has ended")
    created_at: datetime
    created_by: str

    @classmethod
    def from_domain(cls, intervention: Intervention) -> InterventionOut:
        return cls(
            intervention_id=intervention.intervention_id,
            case_id=intervention.case_id,
            type=intervention.type,
            owner=intervention.owner,
            planned_on=intervention.planned_on,
            due_on=intervention.due_on,
            started_on=intervention.started_on,
            completed_on=intervention.completed_on,
            outcome=intervention.outcome,
            notes=intervention.notes,
            outcome_notes=intervention.outcome_notes,
            checkins=[CheckInOut.from_domain(checkin) for checkin in intervention.checkins],
            next_checkin_due_on=intervention.next_checkin_due_on,
            created_at=intervention.created_at,
            created_by=intervention.created_by,
        )


class CaseOut(_Out):
    case_id: str
    officer_id: str
    alert_ids: list[str]
    status: CaseStatus
    disposition: Disposition | None = Field(description="Why the case was closed; null while it is open")
    opened_at: datetime
    opened_by: str
    supervisor_id: str | None
    review_due_on: date
    history: list[CaseTransitionOut] = Field(description="Every move of the case, oldest first")
    next_transitions: list[NextTransitionOut] = Field(description="The moves the caller may make next")
    notes: list[NoteOut]
    awaiting_acknowledgement_by: str | None = Field(
        default=None, description="Officer id of the supervisor the case was handed to, until they acknowledge it"
    )
    acknowledged_by: str | None = Field(default=None, description="Who acknowledged the last hand-off")
    acknowledged_at: datetime | None = None
    assignments: list[CaseAssignmentOut] = Field(default_factory=list, description="Every hand-off, oldest first")
    deferral: DeferralOut | None = Field(
        default=None,
        description=(
            "The deferral hiding the case from the chain of command (risk managers, admins, auditors; shown on "
            "GET /cases/{case_id} and the assignment, acknowledgement and deferral answers)"
        ),
    )
    deferral_expired: bool = Field(
        default=False, description="True from the deferral's review date until a risk manager ends or renews it"
    )
    interventions: list[InterventionOut] = Field(description="Oldest first")
    monitoring_ends_on: date | None = Field(
        description="In monitoring with every intervention ended: when monitoring ends and closing is due"
    )

    @classmethod
    def from_domain(cls, case: Case, next_moves: Sequence[Transition] = ()) -> CaseOut:
        return cls(
            case_id=case.case_id,
            officer_id=case.officer_id,
            alert_ids=list(case.alert_ids),
            status=case.status,
            disposition=case.disposition,
            opened_at=case.opened_at,
            opened_by=case.opened_by,
            supervisor_id=case.supervisor_id,
            review_due_on=case.review_due_on,
            history=[CaseTransitionOut.from_domain(move) for move in case.history],
            next_transitions=[NextTransitionOut.from_domain(row) for row in next_moves],
            notes=[NoteOut.from_domain(note) for note in case.notes],
            interventions=[InterventionOut.from_domain(intervention) for intervention in case.interventions],
            monitoring_ends_on=case.monitoring_ends_on,
            awaiting_acknowledgement_by=case.awaiting_acknowledgement_by,
            acknowledged_by=case.acknowledged_by,
            acknowledged_at=case.acknowledged_at,
            assignments=[CaseAssignmentOut.from_domain(a) for a in case.assignments],
        )

    def with_deferral(self, deferral: Deferral | None, today: date) -> CaseOut:
        """This answer with the deferral covering the case (None for callers who may not see deferrals)."""
        if deferral is None:
            return self
        return self.model_copy(
            update={"deferral": DeferralOut.from_domain(deferral, today), "deferral_expired": deferral.expired(today)}
        )


class AuditRecordOut(_Out):
    seq: int
    at: datetime
    actor: str
    role: str
    action: str
    target_type: str
    target_id: str
    outcome: AuditOutcome
    request_id: str | None
    detail: dict[str, Any]
    prev_hash: str
    hash: str

    @classmethod
    def from_domain(cls, record: AuditRecord) -> AuditRecordOut:
        return cls(
            seq=record.seq,
            at=record.at,
            actor=record.actor,
            role=record.role,
            action=record.action,
            target_type=record.target_type,
            target_id=record.target_id,
            outcome=record.outcome,
            request_id=record.request_id,
            detail=dict(record.detail),
            prev_hash=record.prev_hash,
            hash=record.hash,
        )


class AuditPage(_Out):
    records: list[AuditRecordOut]
    chain_valid: bool = Field(description="True when every record's hash links to the one before it")
    chain_problem: str | None = Field(description="Which record breaks the chain, and how")
    next_since_seq: int | None = Field(description="Pass as since_seq to read on; null at the end")

    @classmethod
    def from_domain(
        cls, records: Sequence[AuditRecord], *, chain_valid: bool, chain_problem: str | None, limit: int
    ) -> AuditPage:
        return cls(
            records=[AuditRecordOut.from_domain(record) for record in records],
            chain_valid=chain_valid,
            chain_problem=chain_problem,
            next_since_seq=records[-1].seq if records and len(records) >= limit else None,
        )


class UploadOut(_Out):
    """What ingest made of one uploaded file: counts by outcome, warnings, and why it was rejected."""

    upload_id: str
    key: str = Field(description="Object key in the uploads bucket")
    version_id: str | None
    kind: RecordKind | None
    mode: UploadMode
    file_format: str | None
    mapping_version: int
    rows_read: int
    rows_accepted: int
    rows_quarantined: int
    inserted: int
    replaced: int
    unchanged: int
    retracted: int
    dropped_columns: list[str] = Field(description="Columns not on the record model; their values were never read")
    warnings: list[str]
    rejected: bool
    rejection_code: RejectionCode | None
    rejection_reason: str | None
    has_quarantine: bool = Field(description="True when GET /uploads/{upload_id}/quarantine has rows to show")
    started_at: datetime
    finished_at: datetime
    duration_ms: int

    @classmethod
    def from_domain(cls, report: UploadReport) -> UploadOut:
        return cls(
            upload_id=report.upload_id,
            key=report.key,
            version_id=report.version_id,
            kind=report.kind,
            mode=report.mode,
            file_format=report.file_format,
            mapping_version=report.mapping_version,
            rows_read=report.rows_read,
            rows_accepted=report.rows_accepted,
            rows_quarantined=report.rows_quarantined,
            inserted=report.inserted,
            replaced=report.replaced,
            unchanged=report.unchanged,
            retracted=report.retracted,
            dropped_columns=list(report.dropped_columns),
            warnings=list(report.warnings),
            rejected=report.rejected,
            rejection_code=report.rejection_code,
            rejection_reason=report.rejection_reason,
            has_quarantine=report.quarantine_key is not None,
            started_at=report.started_at,
            finished_at=report.finished_at,
            duration_ms=report.duration_ms,
        )


class UploadList(_Out):
    uploads: list[UploadOut] = Field(description="Newest first")
    count: int

    @classmethod
    def from_domain(cls, reports: Sequence[UploadReport]) -> UploadList:
        return cls(uploads=[UploadOut.from_domain(report) for report in reports], count=len(reports))


class ErrorOut(_Out):
    """Every error response: a stable code, a message saying what to do, and related ids when useful."""

    error: str
    message: str
    case_id: str | None = Field(default=None, description="The conflicting open case, on 409")
    allowed_transitions: list[CaseStatus] | None = Field(
        default=None, description="On 409 for a move the workflow does not allow: where the case may go instead"
    )
    field: str | None = Field(default=None, description="On 422 from a case move: the field that is missing or wrong")
    intervention_types: list[str] | None = Field(
        default=None, description="On 422 for an unknown intervention type: the agency's catalogue"
    )


# --- hand-off and deferral (eis_core.cases.handoff) -------------------------------------------------

_OfficerRef = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:\-]+$")


class AssignmentIn(BaseModel):
    """Hand a case to a supervisor (an officer id on the roster who supervises someone and is active)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    supervisor_id: Annotated[str, _OfficerRef]
    reason: str = Field(max_length=2_000, description="Why the case changes hands (kept on the case, not audited)")


class DeferralIn(BaseModel):
    """Defer notification of a case or an officer until a review date (risk managers and admins)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(max_length=2_000, description="Why, e.g. a criminal investigation (kept, not audited)")
    review_on: date = Field(description="When the risk team reviews it: after today, at most 366 days ahead")


class DeferralEndIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(max_length=2_000, description="Why the deferral ends")


class CaseAssignmentOut(_Out):
    kind: AssignmentKind
    supervisor_id: str
    previous_supervisor_id: str | None
    at: datetime
    by: str = Field(description="Subject of who assigned it; 'notify' for a roster transfer")
    by_role: str
    reason: str

    @classmethod
    def from_domain(cls, assignment: CaseAssignment) -> CaseAssignmentOut:
        return cls(
            kind=assignment.kind,
            supervisor_id=assignment.supervisor_id,
            previous_supervisor_id=assignment.previous_supervisor_id,
            at=assignment.at,
            by=assignment.by,
            by_role=assignment.by_role,
            reason=assignment.reason,
        )


class DeferralOut(_Out):
    target: DeferralTarget
    target_id: str = Field(description="The case id or the officer id")
    officer_id: str
    reason: str
    review_on: date
    expired: bool = Field(description="True from the review date: waiting for a risk manager to end or renew it")
    deferred_at: datetime
    deferred_by: str
    review_notified_on: date | None = Field(description="When the risk team was emailed that it is due for review")
    ended_at: datetime | None
    ended_by: str | None

    @classmethod
    def from_domain(cls, deferral: Deferral, today: date) -> DeferralOut:
        return cls(
            target=deferral.target,
            target_id=deferral.target_id,
            officer_id=deferral.officer_id,
            reason=deferral.reason,
            review_on=deferral.review_on,
            expired=deferral.expired(today),
            deferred_at=deferral.deferred_at,
            deferred_by=deferral.deferred_by,
            review_notified_on=deferral.review_notified_on,
            ended_at=deferral.ended_at,
            ended_by=deferral.ended_by,
        )


class DeferralList(_Out):
    deferrals: list[DeferralOut] = Field(description="Active deferrals, expired ones first")
    count: int

    @classmethod
    def from_domain(cls, deferrals: Sequence[Deferral], today: date) -> DeferralList:
        return cls(deferrals=[DeferralOut.from_domain(d, today) for d in deferrals], count=len(deferrals))
