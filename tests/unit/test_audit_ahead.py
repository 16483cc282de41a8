"""No change without its audit record: each case-service write kind, with the audit log failing, changes
nothing; with the store failing after the record, a second record voids the first (docs/adr/0010)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

import pytest

from eis_core.audit.ahead import VOIDS, voided
from eis_core.audit.bounded import bounded, reference_matches
from eis_core.cases import interventions as plans
from eis_core.cases.access import Caller, Role
from eis_core.cases.handoff import HandoffService
from eis_core.cases.service import CaseService
from eis_core.cases.workflow import MoveRequest
from eis_core.errors import AuditRecordTooLargeError, StorageError
from eis_core.ingest.service import IngestService
from eis_core.models.audit import MAX_AUDIT_EVENT_BYTES, AuditEvent, AuditOutcome, AuditRecord
from eis_core.models.cases import CaseStatus, DeferralTarget, InterventionOutcome
from eis_core.scoring.wiring import build_scoring_jobs
from eis_core.storage.memory import InMemoryAuditLog
from eis_core.storage.uploads import ArtifactUploadReader
from eis_core.wiring import memory_adapters
from tests import builders
from tests.builders import AS_OF as SCORE_AS_OF
from tests.unit.test_scoring_service import NOW as SCORE_NOW
from tests.unit.test_scoring_service import loaded, squad

AGENCY = "testville"
RISK_MANAGER = Caller(subject="sub-rm", agency_id=AGENCY, roles=frozenset({Role.RISK_MANAGER}))
SERGEANT_S2 = Caller(subject="sub-s2", agency_id=AGENCY, roles=frozenset({Role.SUPERVISOR}), officer_id="S2")
ROSTER = [
    builders.officer("C1", "Casey", "Chief", None),
    builders.officer("S1", "Sam", "Sergeant", "C1"),
    builders.officer("S2", "Sky", "Sergeant", "C1"),
    builders.officer("A1001", "Jordan", "Whitfield", "S1"),
    builders.officer("A2002", "Morgan", "Castellano", "S2"),
]
ROSTER_CSV = """\
source_record_id,officer_id,first_name,last_name,rank,unit,hire_date
r-1,A100,Pat,Doe,Police Officer,Patrol,2015-03-01
r-2,A200,Sam,Roe,Sergeant,Patrol,2012-07-15
"""
ALERT_1, ALERT_2 = "2024-06-01-A1001", "2024-06-01-A2002"
WRITES = frozenset(
    {
        "create_case",
        "set_status",
        "dismiss",
        "add_note",
        "transition_case",
        "add_intervention",
        "update_intervention",
        "assign_case",
        "acknowledge_case",
        "put_deferral",
        "end_deferral",
    }
)


class FlakyAudit:
    """The agency's audit log, refusing every append while ``failing`` is set."""

    def __init__(self, log: InMemoryAuditLog) -> None:
        self.log = log
        self.chain = log.chain
        self.failing = False

    @property
    def key(self) -> Any:
        return self.log.key

    def append(self, event: AuditEvent) -> AuditRecord:
        if self.failing:
            raise StorageError("the audit table is unavailable")
        return self.log.append(event)

    def records(self, *, since_seq: int = 0, limit: int = 1000) -> list[AuditRecord]:
        return self.log.records(since_seq=since_seq, limit=limit)

    def put_checkpoint(self, checkpoint: Any) -> None:
        self.log.put_checkpoint(checkpoint)

    def checkpoints(self) -> list[Any]:
        return self.log.checkpoints()


class Breakable:
    """A store whose writes fail while ``broken`` is set (reads still work)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.broken = False

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)
        if name in WRITES and self.broken:

            def fail(*_args: Any, **_kwargs: Any) -> Any:
                raise StorageError(f"{name} failed")

            return fail
        return attribute


@dataclass
class World:
    """An agency with two new alerts and, for most kinds, an open case on A1001's."""

    audit: FlakyAudit
    cases_store: Breakable
    alerts_store: Breakable
    cases: CaseService
    handoff: HandoffService
    case_id: str = ""
    ids: dict[str, str] = field(default_factory=dict)

    def stored(self) -> Any:
        """Everything a user could see change: alerts, both officers' cases (notes, interventions), deferrals."""
        alerts = [a.model_dump() for a in self.alerts_store.list_alerts(None)]
        cases = [[c.model_dump() for c in self.cases_store.cases_of(o)] for o in ("A1001", "A2002")]
        full = [self.cases_store.get_case(c["case_id"]).model_dump() for group in cases for c in group]
        deferrals = sorted(d.model_dump_json() for d in self.cases_store.active_deferrals())
        return alerts, full, deferrals


def world() -> World:
    adapters = memory_adapters(AGENCY)
    adapters.records.put_records(ROSTER, upload_id="roster")
    adapters.alerts.create_alert(builders.alert("A1001"))
    adapters.alerts.create_alert(builders.alert("A2002"))
    assert isinstance(adapters.audit, InMemoryAuditLog)
    audit, cases, alerts = FlakyAudit(adapters.audit), Breakable(adapters.cases), Breakable(adapters.alerts)
    service = CaseService(
        agency_id=AGENCY, alerts=alerts, cases=cases, records=adapters.records, audit=audit, review_days=30
    )
    handoff = HandoffService(agency_id=AGENCY, cases=cases, records=adapters.records, audit=audit)
    return World(audit, cases, alerts, service, handoff)


def _open(w: World) -> None:
    w.case_id = w.cases.open_case(RISK_MANAGER, ALERT_1).case_id


def _at_intervention_stage(w: World) -> None:
    _open(w)
    w.cases.move_case(RISK_MANAGER, w.case_id, MoveRequest(target=CaseStatus.IN_REVIEW))
    w.cases.move_case(RISK_MANAGER, w.case_id, MoveRequest(target=CaseStatus.INTERVENTION_PLANNED, reason="needed"))


def _planned(w: World) -> None:
    _at_intervention_stage(w)
    plan = w.cases.plan_intervention(RISK_MANAGER, w.case_id, plans.PlanRequest(type="coaching_mentoring"))
    w.ids["intervention"] = plan.intervention_id


def _assigned(w: World) -> None:
    _open(w)
    w.handoff.assign_case(RISK_MANAGER, w.case_id, "S2", "workload")


def _deferred(w: World) -> None:
    _open(w)
    w.handoff.defer_case(RISK_MANAGER, w.case_id, "leave", w.handoff.today() + timedelta(days=10))


def _nothing(_w: World) -> None:
    return None


KINDS: dict[str, tuple[Callable[[World], None], Callable[[World], object]]] = {
    "alert.dismiss": (_nothing, lambda w: w.cases.dismiss_alert(RISK_MANAGER, ALERT_2, "not a concern")),
    "case.open": (_nothing, lambda w: w.cases.open_case(RISK_MANAGER, ALERT_2)),
    "case.note": (_open, lambda w: w.cases.add_note(RISK_MANAGER, w.case_id, "spoke with the officer")),
    "case.transition": (_open, lambda w: w.cases.move_case(RISK_MANAGER, w.case_id, MoveRequest(CaseStatus.IN_REVIEW))),
    "case.intervention.plan": (
        _at_intervention_stage,
        lambda w: w.cases.plan_intervention(RISK_MANAGER, w.case_id, plans.PlanRequest(type="training")),
    ),
    "case.intervention.start": (
        _planned,
        lambda w: w.cases.start_intervention(RISK_MANAGER, w.case_id, w.ids["intervention"]),
    ),
    "case.intervention.checkin": (
        _planned,
        lambda w: w.cases.check_in(RISK_MANAGER, w.case_id, w.ids["intervention"], "going well"),
    ),
    "case.intervention.complete": (
        _planned,
        lambda w: w.cases.complete_intervention(
            RISK_MANAGER, w.case_id, w.ids["intervention"], plans.CompletionRequest(InterventionOutcome.COMPLETED)
        ),
    ),
    "case.assign": (_open, lambda w: w.handoff.assign_case(RISK_MANAGER, w.case_id, "S2", "workload")),
    "case.acknowledge": (_assigned, lambda w: w.handoff.acknowledge_case(SERGEANT_S2, w.case_id)),
    "case.defer": (
        _open,
        lambda w: w.handoff.defer_case(RISK_MANAGER, w.case_id, "leave", w.handoff.today() + timedelta(days=10)),
    ),
    "officer.defer": (
        _nothing,
        lambda w: w.handoff.defer_officer(RISK_MANAGER, "A2002", "leave", w.handoff.today() + timedelta(days=10)),
    ),
    "case.deferral_end": (
        _deferred,
        lambda w: w.handoff.end_deferral(RISK_MANAGER, DeferralTarget.CASE, w.case_id, "back from leave"),
    ),
}


@pytest.mark.parametrize("action", sorted(KINDS))
def test_when_the_audit_log_fails_the_change_is_not_made(action: str) -> None:
    # Given an agency where the change is possible
    prepare, act = KINDS[action]
    w = world()
    prepare(w)
    before, written = w.stored(), len(w.audit.records())

    # When the audit log refuses the change's record
    w.audit.failing = True
    with pytest.raises(StorageError):
        act(w)

    # Then nothing a user could see changed, and the chain holds nothing new
    assert w.stored() == before
    assert len(w.audit.records()) == written


@pytest.mark.parametrize("action", sorted(KINDS))
def test_a_change_that_fails_after_its_record_is_voided_by_a_second_record(action: str) -> None:
    # Given an agency where the change is possible, and the store failing its write
    prepare, act = KINDS[action]
    w = world()
    prepare(w)
    before, written = w.stored(), len(w.audit.records())
    w.cases_store.broken = w.alerts_store.broken = True

    # When the change is made
    with pytest.raises(StorageError):
        act(w)

    # Then nothing changed; the record written first is voided by the one after it
    assert w.stored() == before
    intent, void = w.audit.records()[written:]
    assert (intent.action, intent.outcome) == (action, AuditOutcome.SUCCESS)
    assert (void.action, void.outcome, void.target_id) == (action, AuditOutcome.FAILED, intent.target_id)
    assert void.detail == {VOIDS: intent.seq, "error_type": "StorageError"}
    assert voided(w.audit.records()) == {intent.seq}


@pytest.mark.parametrize("action", sorted(KINDS))
def test_a_change_that_succeeds_leaves_one_record_and_no_void(action: str) -> None:
    prepare, act = KINDS[action]
    w = world()
    prepare(w)
    written = len(w.audit.records())

    act(w)

    [record] = w.audit.records()[written:]
    assert (record.action, record.outcome) == (action, AuditOutcome.SUCCESS)
    assert not voided(w.audit.records())


def test_an_audit_event_over_the_bound_is_refused_before_anything_is_written() -> None:
    log = memory_adapters(AGENCY).audit
    wide = AuditEvent(
        actor="eis-ingest",
        role="system",
        action="upload.ingest",
        target_type="upload",
        target_id="u-1",
        agency_id=AGENCY,
        detail={"dropped_columns": [f"extra_column_{n:05d}" for n in range(30_000)]},
    )
    with pytest.raises(AuditRecordTooLargeError, match="over the limit"):
        log.append(wide)
    assert log.records() == []

    # Bounded, the same detail keeps a reference the report object can be checked against
    columns = wide.detail["dropped_columns"]
    kept = bounded(wide.detail, object_key="reports/u-1.json")["dropped_columns"]
    assert kept["moved_to"] == "reports/u-1.json" and kept["items"] == 30_000
    assert reference_matches(kept, columns) and not reference_matches(kept, columns[:-1])
    small = log.append(wide.model_copy(update={"detail": {"dropped_columns": kept}}))
    assert len(small.model_dump_json()) < MAX_AUDIT_EVENT_BYTES


def test_an_upload_whose_audit_record_fails_applies_no_row_and_its_retry_applies_all() -> None:
    # Given a roster upload, and the audit log refusing appends
    adapters = memory_adapters(AGENCY)
    assert isinstance(adapters.audit, InMemoryAuditLog)
    audit = FlakyAudit(adapters.audit)
    service = IngestService(
        agency_id=AGENCY,
        uploads=ArtifactUploadReader(adapters.uploads),
        records=adapters.records,
        quarantine=adapters.quarantine,
        audit=audit,
        actor="eis-testville-ingest",
    )
    adapters.uploads.put_bytes("incoming/roster/r.csv", ROSTER_CSV.encode())
    audit.failing = True

    # When it is ingested, the invocation fails (so the event is retried) and no row is stored
    with pytest.raises(StorageError):
        service.ingest_object(key="incoming/roster/r.csv", etag="e", version_id="v")
    assert adapters.records.count() == 0 and audit.records() == []

    # And when the audit log is back, the retry stores the rows under its two records
    audit.failing = False
    report = service.ingest_object(key="incoming/roster/r.csv", etag="e", version_id="v")
    assert (report.inserted, adapters.records.count()) == (2, 2)
    assert [r.action for r in audit.records()] == ["upload.apply", "upload.ingest"]


def test_a_score_run_whose_audit_record_fails_writes_no_score_and_no_alert() -> None:
    # Given an agency with a flagged officer, and the audit log refusing appends
    adapters = loaded(squad())
    assert isinstance(adapters.audit, InMemoryAuditLog)
    audit = FlakyAudit(adapters.audit)
    audit.failing = True
    scoring = build_scoring_jobs(replace(adapters, audit=audit), agency_id="testville", clock=lambda: SCORE_NOW).scoring

    # When the daily run fails (the schedule retries it), nothing it would have written is there
    with pytest.raises(StorageError):
        scoring.run(SCORE_AS_OF)
    assert adapters.scores.scores_for(SCORE_AS_OF) == [] and adapters.alerts.list_alerts(None) == []

    # And once the audit log is back, the run writes them under its two records
    audit.failing = False
    summary = scoring.run(SCORE_AS_OF)
    assert summary.alerts_created == 1 and adapters.scores.scores_for(SCORE_AS_OF)
    assert [r.action for r in audit.records()] == ["score.apply", "score.run"]
