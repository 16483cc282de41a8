"""Builders for the records, alerts, cases and audit events the suites share (not a test module).

Each builder makes a valid object from defaults and takes any model field as a keyword override, so a
test names only what it is about: ``officer("A1", shift="day")``, ``use_of_force("A1", 90, subject_injured=True)``.
Event dates are a ``date`` or a number of days before ``AS_OF`` (``known`` defaults to the day it happened).
"""

from __future__ import annotations

import functools
import itertools
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from eis_core.models.alerts import Alert, AlertLevel
from eis_core.models.audit import AuditEvent
from eis_core.models.cases import Case, CaseStatus, CaseTransition, Disposition, Intervention
from eis_core.models.records import AllegationCategory, Complaint, Finding, Officer, Record, UseOfForce
from eis_core.storage.ports import CaseStore
from eis_tools.agency_history import generated_records

AS_OF = date(2025, 6, 1)
"""The scoring date most suites work at (also the time of tests/events/eventbridge_scheduled.json)."""
AGENCY = "testville"

_ids = itertools.count(1)


def next_id(prefix: str = "r") -> str:
    """A source record id no other builder call returns."""
    return f"{prefix}{next(_ids)}"


def ago(days: int, as_of: date = AS_OF) -> date:
    return as_of - timedelta(days=days)


def day(when: date | int, as_of: date = AS_OF) -> date:
    """``when`` itself, or ``when`` days before ``as_of``."""
    return when if isinstance(when, date) else ago(when, as_of)


# --- records -----------------------------------------------------------------------------------


def officer(
    officer_id: str = "A1",
    first_name: str = "Pat",
    last_name: str = "Doe",
    supervisor_id: str | None = None,
    email: str | None = None,
    **overrides: Any,
) -> Officer:
    """A night-shift police officer in District 7, hired in 2015 (the chain of command through ``supervisor_id``)."""
    fields: dict[str, Any] = {
        "source_record_id": f"roster-{officer_id}",
        "officer_id": officer_id,
        "first_name": first_name,
        "last_name": last_name,
        "rank": "Police Officer",
        "unit": "District 7",
        "shift": "night",
        "supervisor_id": supervisor_id,
        "email": email,
        "hire_date": date(2015, 1, 1),
    }
    return Officer.model_validate(fields | overrides)


def use_of_force(
    officer_id: str = "A1", when: date | int = date(2024, 1, 5), *, known: date | int | None = None, **overrides: Any
) -> UseOfForce:
    """A taser use of force on ``when``, known the same day unless ``known`` says otherwise."""
    occurred = day(when)
    fields: dict[str, Any] = {
        "source_record_id": next_id("uof-"),
        "officer_id": officer_id,
        "occurred_on": occurred,
        "known_on": occurred if known is None else day(known),
        "force_type": "taser",
    }
    return UseOfForce.model_validate(fields | overrides)


def complaint(
    officer_id: str = "A1",
    when: date | int = date(2024, 1, 5),
    *,
    known: date | int | None = None,
    decided: date | int | None = None,
    **overrides: Any,
) -> Complaint:
    """A pending verbal-abuse complaint on ``when`` (its own complaint id); ``decided`` sets the finding's date."""
    occurred = day(when)
    fields: dict[str, Any] = {
        "source_record_id": next_id("cmp-"),
        "officer_id": officer_id,
        "occurred_on": occurred,
        "known_on": occurred if known is None else day(known),
        "complaint_id": next_id("C-"),
        "category": AllegationCategory.VERBAL_ABUSE,
        "finding": Finding.PENDING,
        "finding_decided_on": None if decided is None else day(decided),
    }
    return Complaint.model_validate(fields | overrides)


def learnable_agency(
    officers: int = 200, *, start: date = date(2018, 1, 1), end: date = date(2025, 5, 31), seed: int = 5
) -> list[Record]:
    """A small agency with a learnable history: risky officers have more complaints, force and adverse events."""
    rng = random.Random(seed)
    races, sexes = ("W", "B", "H"), ("M", "F")
    records: list[Record] = []
    days = (end - start).days
    for n in range(officers):
        officer_id = f"P{n:04d}"
        records.append(
            officer(
                officer_id,
                unit=f"District {n % 4}",
                shift=None,
                hire_date=date(2012, 1, 1),
                race=races[n % 3],
                sex=sexes[n % 2],
                birth_year=1970 + n % 30,
            )
        )
        risk = 6.0 if n % 10 == 0 else 1.0  # one officer in ten is far more active
        for i in range(int(rng.expovariate(1 / (8 * risk)))):
            when = start + timedelta(days=rng.randrange(days))
            records.append(
                use_of_force(
                    officer_id,
                    when,
                    source_record_id=f"f-{officer_id}-{i}",
                    force_type="physical",
                    subject_injured=rng.random() < 0.25,
                )
            )
        for i in range(int(rng.expovariate(1 / (4 * risk)))):
            when = start + timedelta(days=rng.randrange(days))
            sustained = rng.random() < 0.2
            decided = when + timedelta(days=120)
            category = AllegationCategory.EXCESSIVE_FORCE if rng.random() < 0.3 else AllegationCategory.OTHER
            records.append(
                complaint(
                    officer_id,
                    when,
                    source_record_id=f"c-{officer_id}-{i}",
                    complaint_id=f"C-{officer_id}-{i}",
                    category=category,
                    finding=(Finding.SUSTAINED if sustained else Finding.NOT_SUSTAINED)
                    if decided < end
                    else Finding.PENDING,
                    decided=decided if decided < end else None,
                )
            )
    return records


def rule_blind_agency(
    officers: int = 120, *, start: date = date(2018, 1, 1), end: date = date(2025, 5, 31), seed: int = 7
) -> list[Record]:
    """An agency whose threshold rule cannot tell who is at risk, and a model can.

    Every officer uses force at the same rate (1.2 reports a year, so the rule's ">= 2 in 12 months"
    flags officers by chance); one officer in five injures the subject nearly every time, which is the
    adverse event and shows in the ``force_injury`` features. No complaints.
    """
    rng = random.Random(seed)
    days = (end - start).days
    records: list[Record] = []
    for n in range(officers):
        officer_id = f"P{n:04d}"
        records.append(officer(officer_id, unit=f"District {n % 4}", shift=None, hire_date=date(2012, 1, 1)))
        risky = n % 5 == 0
        elapsed, i = rng.expovariate(1.2 / 365), 0
        while elapsed < days:
            records.append(
                use_of_force(
                    officer_id,
                    start + timedelta(days=int(elapsed)),
                    source_record_id=f"f-{officer_id}-{i}",
                    force_type="physical",
                    subject_injured=risky and rng.random() < 0.9,
                )
            )
            elapsed, i = elapsed + rng.expovariate(1.2 / 365), i + 1
    return records


# --- alerts, cases, audit ----------------------------------------------------------------------


def alert(officer_id: str = "A1001", *, as_of: date = date(2024, 6, 1), **overrides: Any) -> Alert:
    """A new warning alert from the 06:00 run on ``as_of``.

    Its id is old-style (``2024-06-01-A1001``, as stored before opaque ids) unless ``alert_id`` is given:
    tests of new alerts pass an opaque one.
    """
    fields: dict[str, Any] = {
        "alert_id": Alert.legacy_id(officer_id, as_of),
        "officer_id": officer_id,
        "as_of": as_of,
        "run_id": f"run-{as_of.isoformat()}",
        "model_id": "model-abc123",
        "created_at": datetime(as_of.year, as_of.month, as_of.day, 6, 0, tzinfo=UTC),
        "level": AlertLevel.WARNING,
        "score": 0.91,
        "explanation": "Uses of force in the last 90 days are well above peers in the same assignment.",
    }
    return Alert.model_validate(fields | overrides)


def case(case_id: str = "case-1", officer_id: str = "A1001", **overrides: Any) -> Case:
    """An open case the risk team opened on 1 May 2024 from that day's alert, review due 15 May."""
    fields: dict[str, Any] = {
        "case_id": case_id,
        "officer_id": officer_id,
        "alert_ids": [f"2024-05-01-{officer_id}"],
        "opened_at": datetime(2024, 5, 1, 9, 0, tzinfo=UTC),
        "opened_by": "sub-risk",
        "review_due_on": date(2024, 5, 15),
    }
    return Case.model_validate(fields | overrides)


def move_stored(cases: CaseStore, case_id: str, to: CaseStatus, **fields: Any) -> Case:
    """Move a stored case to ``to`` the way the workflow's store does (one move appended to its history).

    For tests that need a case in some status: the store takes any move, the case service checks the table.
    """
    stored = cases.get_case(case_id)
    assert stored is not None, f"no case {case_id}"
    if to is CaseStatus.CLOSED:
        fields.setdefault("disposition", Disposition.NO_ACTION_NEEDED)
    move = CaseTransition(
        from_status=stored.status,
        to_status=to,
        at=datetime.now(UTC),
        by="sub-risk",
        by_role="risk_manager",
        reason="Moved for the test.",
        **fields,
    )
    return cases.transition_case(case_id, move, expected_moves=len(stored.history))


def intervention(intervention_id: str = "intv-1", case_id: str = "case-1", **overrides: Any) -> Intervention:
    """Coaching planned on 2 May 2024 by the risk team, due and first checked on 1 June, owned by S1."""
    fields: dict[str, Any] = {
        "intervention_id": intervention_id,
        "case_id": case_id,
        "type": "coaching_mentoring",
        "owner": "S1",
        "planned_on": date(2024, 5, 2),
        "due_on": date(2024, 6, 1),
        "next_checkin_due_on": date(2024, 6, 1),
        "created_at": datetime(2024, 5, 2, 9, 0, tzinfo=UTC),
        "created_by": "sub-risk",
        "created_by_role": "risk_manager",
    }
    return Intervention.model_validate(fields | overrides)


def audit_event(action: str = "case.open", **overrides: Any) -> AuditEvent:
    """A supervisor's successful action on case c-1."""
    fields: dict[str, Any] = {
        "actor": "sup-1",
        "role": "supervisor",
        "action": action,
        "target_type": "case",
        "target_id": "c-1",
        "agency_id": AGENCY,
    }
    return AuditEvent.model_validate(fields | overrides)


@functools.cache
def generated_agency(start: date, end: date, officers: int = 150, seed: int = 3) -> tuple[Record, ...]:
    """Every record of a generated agency (the ``eis generate`` default id), made once per test session: modules
    that train on the same agency share it instead of generating it again (about 2 s each)."""
    return tuple(generated_records("demo", officers, seed, start, end))
