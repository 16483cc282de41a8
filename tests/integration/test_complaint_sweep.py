"""The daily sweep's complaint duties on moto: late acknowledgments chased, supervisors told of new complaints."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from moto.backends import get_backend

from eis_core.complaints.timeliness import add_business_days
from eis_core.models.audit import AuditRecord
from eis_core.models.cases import Deferral, DeferralTarget
from eis_core.models.records import Complaint, RecordKind
from eis_core.notify.complaints import ComplaintNotice
from eis_core.notify.wiring import build_notification_service
from eis_core.settings import ComplaintPolicy, NotifyPolicy
from eis_core.storage.memory import CapturingMailer
from eis_core.wiring import Adapters, aws_adapters, memory_adapters
from eis_tools.generate import GeneratorConfig, generate_agency
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.notify import handler
from tests import builders
from tests.conftest import ACCOUNT, EVENTS, REGION
from tests.integration.test_deadline_sweep import PORTAL, ROSTER, SERGEANT

INTAKE = "intake@testville.example.gov"
SWEEP_DAY = date(2024, 6, 20)  # a Thursday


def _complaint(number: str, officer_id: str, received: date, **fields: Any) -> Complaint:
    return builders.complaint(officer_id, received, complaint_id=number, received_on=received, **fields)


COMPLAINTS = [
    # Received Monday 10 June, due by Monday 17 June, still unacknowledged on the 20th: chased.
    _complaint("CR-LATE", "A1001", date(2024, 6, 10)),
    # Received the same day, acknowledged in two days: not chased.
    _complaint("CR-ONTIME", "A2002", date(2024, 6, 10), acknowledged_on=date(2024, 6, 12)),
    # Received Monday 17 June: its window runs to the 24th.
    _complaint("CR-WINDOW", "A2002", date(2024, 6, 17)),
    # Received 3 June and closed on the 7th without an acknowledgment on file: nothing to chase.
    _complaint("CR-CLOSED", "A3003", date(2024, 6, 3), closed_on=date(2024, 6, 7)),
]


@pytest.fixture
def adapters(settings: LocalSettings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Adapters]:
    """Given the chain C1 <- L1 <- S1 <- officers, an intake contact, and four complaints around the sweep day."""
    monkeypatch.setenv("EIS_INTAKE_EMAIL", INTAKE)
    handler._service.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(ROSTER, upload_id="upload-roster")
    built.records.put_records(COMPLAINTS, upload_id="upload-complaints")
    yield built
    handler._service.cache_clear()


def sweep(day: date, request_id: str) -> dict[str, Any]:
    event = copy.deepcopy(json.loads((EVENTS / "eventbridge_deadline_sweep.json").read_text()))
    event["time"] = f"{day.isoformat()}T13:00:00Z"
    context = LocalLambdaContext(function_name="eis-testville-notify", aws_request_id=request_id)
    result: dict[str, Any] = handler.lambda_handler(event, context)
    return result


def sent_emails() -> list[Any]:
    return list(get_backend("ses")[ACCOUNT][REGION].sent_messages)


def complaint_audits(adapters: Adapters) -> list[AuditRecord]:
    return [r for r in adapters.audit.records(since_seq=0, limit=1000) if r.action.startswith("complaint.")]


def test_a_late_acknowledgment_is_chased_and_supervisors_hear_of_new_complaints(adapters: Adapters) -> None:
    result = sweep(SWEEP_DAY, "req-1")

    assert result == result | {"complaints_chased": 1, "new_complaints_told": 3}
    to_intake = [e for e in sent_emails() if e.destinations["ToAddresses"] == [INTAKE]]
    [chase] = to_intake
    assert chase.subject == "EIS complaint CR-LATE: not acknowledged within 5 business days"
    assert "Received:         2024-06-10" in chase.body and "Acknowledge by:   2024-06-17" in chase.body
    assert "Business days waiting: 8" in chase.body
    # Received within the last two weeks: CR-LATE, CR-ONTIME and CR-WINDOW (CR-CLOSED is older).
    to_supervisor = [e for e in sent_emails() if e.destinations["ToAddresses"] == [SERGEANT]]
    assert sorted(e.body.split("Complaint:  ")[1].split()[0] for e in to_supervisor) == [
        "CR-LATE",
        "CR-ONTIME",
        "CR-WINDOW",
    ]
    late = next(e for e in to_supervisor if "CR-LATE" in e.body)
    assert late.subject == "EIS: a new complaint about an officer you supervise"
    assert f"{PORTAL}/#/officers/A1001" in late.body
    for email in to_supervisor:
        for officer in ROSTER:
            assert officer.officer_id not in email.subject and officer.last_name not in email.subject + email.body
    for email in to_intake:
        for officer in ROSTER:
            assert officer.officer_id not in email.subject + email.body
    audits = {(r.action, r.target_id): r for r in complaint_audits(adapters)}
    assert set(audits) == {
        ("complaint.ack_overdue", "CR-LATE"),
        ("complaint.new", "CR-LATE"),
        ("complaint.new", "CR-ONTIME"),
        ("complaint.new", "CR-WINDOW"),
    }
    assert audits[("complaint.ack_overdue", "CR-LATE")].detail == audits[
        ("complaint.ack_overdue", "CR-LATE")
    ].detail | {"acknowledge_by": "2024-06-17", "business_days_waiting": 8, "routed_to": "intake"}


def test_each_complaint_is_chased_and_announced_once_across_sweeps_and_re_sent_extracts(adapters: Adapters) -> None:
    sweep(SWEEP_DAY, "req-1")
    first = len(sent_emails())

    # The next day the agency re-sends the same complaints (a re-delivered extract), and the sweep runs twice.
    adapters.records.put_records(COMPLAINTS, upload_id="upload-complaints-again")
    again = sweep(SWEEP_DAY + timedelta(days=1), "req-2")
    retried = sweep(SWEEP_DAY + timedelta(days=1), "req-3")

    assert len(sent_emails()) == first == 4
    assert again == again | {"complaints_chased": 0, "new_complaints_told": 0, "complaint_notices_already_sent": 4}
    assert retried["complaint_notices_already_sent"] == 4
    # CR-WINDOW's window ends Monday 24 June: on the 25th it is chased, once.
    later = sweep(date(2024, 6, 25), "req-4")
    assert later["complaints_chased"] == 1
    assert [e.subject for e in sent_emails()[first:]] == [
        "EIS complaint CR-WINDOW: not acknowledged within 5 business days"
    ]


@pytest.mark.parametrize(("holidays", "chased"), [("", 1), ("2024-06-19", 0)])
def test_the_agencys_holidays_are_not_business_days(
    settings: LocalSettings, monkeypatch: pytest.MonkeyPatch, holidays: str, chased: int
) -> None:
    # Given a complaint received Thursday 13 June: five business days end Thursday the 20th, or Friday
    # the 21st when Juneteenth (Wednesday the 19th) is one of the agency's holidays.
    monkeypatch.setenv("EIS_INTAKE_EMAIL", INTAKE)
    monkeypatch.setenv("EIS_HOLIDAYS", holidays)
    handler._service.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(ROSTER, upload_id="upload-roster")
    built.records.put_records([_complaint("CR-13", "A1001", date(2024, 6, 13))], upload_id="u-1")

    result = sweep(date(2024, 6, 21), "req-1")

    assert result["complaints_chased"] == chased
    handler._service.cache_clear()


def test_without_an_intake_contact_nothing_is_chased(settings: LocalSettings) -> None:
    handler._service.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(ROSTER, upload_id="upload-roster")
    built.records.put_records(COMPLAINTS, upload_id="upload-complaints")

    result = sweep(SWEEP_DAY, "req-1")

    assert (result["complaints_chased"], result["new_complaints_told"]) == (0, 3)
    assert not [e for e in sent_emails() if INTAKE in e.destinations["ToAddresses"]]
    handler._service.cache_clear()


def test_a_deferred_officers_supervisor_is_not_told_of_a_new_complaint() -> None:
    adapters = memory_adapters("testville")
    adapters.records.put_records(ROSTER, upload_id="upload-roster")
    adapters.records.put_records([_complaint("CR-D", "A1001", date(2024, 6, 18))], upload_id="u-1")
    adapters.cases.put_deferral(
        Deferral(
            target=DeferralTarget.OFFICER,
            target_id="A1001",
            officer_id="A1001",
            reason="Internal affairs investigation under way.",
            review_on=date(2024, 9, 1),
            deferred_at=datetime(2024, 6, 1, 9, tzinfo=UTC),
            deferred_by="sub-r1",
            deferred_by_role="risk_manager",
        )
    )
    service = build_notification_service(
        adapters,
        agency_id="testville",
        policy=NotifyPolicy(sender_email="eis@testville.example.gov"),
        portal_url=PORTAL,
    )

    result = service.complaints.run(SWEEP_DAY, request_id="req-1")

    assert (result.supervisors_told, result.skipped) == (0, 1)
    assert isinstance(adapters.mailer, CapturingMailer) and adapters.mailer.sent == []
    [audit] = [r for r in adapters.audit.records(since_seq=0, limit=100) if r.action == "complaint.new"]
    assert audit.detail["routed_to"] == "withheld"


# --- the generated agency ----------------------------------------------------------------------------

GENERATED = GeneratorConfig(officers=300, start=date(2023, 1, 1), end=date(2025, 6, 30), seed=11)


def test_on_a_generated_agency_the_late_acknowledgments_are_chased_once_and_the_on_time_ones_never() -> None:
    # Given a generated agency's records as of its extract date, and a sweep every day of its last 200 days.
    agency = generate_agency(GENERATED)
    adapters = memory_adapters(GENERATED.agency_id)
    for kind in (RecordKind.ROSTER, RecordKind.COMPLAINT):
        adapters.records.put_records(agency.records[kind], upload_id=f"u-{kind.value}")
    service = build_notification_service(
        adapters,
        agency_id=GENERATED.agency_id,
        policy=NotifyPolicy(sender_email="eis@demo.example.gov"),
        portal_url=PORTAL,
        complaint_policy=ComplaintPolicy(intake_email="intake@demo.example.gov"),
    )
    done: dict[tuple[str, str, str], dict[str, object]] = {}

    def once(notice: ComplaintNotice) -> dict[str, object]:  # what the function's idempotency records do
        key = (notice.kind.value, notice.complaint_id, notice.officer_id)
        if key not in done:
            done[key] = service.complaints.send(notice)
        return done[key]

    first_day = GENERATED.end - timedelta(days=200)
    for offset in range(201):
        day = first_day + timedelta(days=offset)
        service.complaints.run(day, request_id=f"sweep-{day}", send=once)

    # Then: each complaint whose window ended in those days unacknowledged (and open) was chased, once.
    complaints = [r for r in agency.records[RecordKind.COMPLAINT] if isinstance(r, Complaint)]
    first: dict[str, Complaint] = {}
    for c in complaints:
        first.setdefault(c.complaint_id, c)
    due = {number: add_business_days(c.received, 5) for number, c in first.items()}
    in_period = {n for n, d in due.items() if first_day <= d < GENERATED.end}

    def waiting_after(number: str, day: date) -> bool:
        records = [c for c in complaints if c.complaint_id == number]
        acknowledged = [c.acknowledged_on for c in records if c.acknowledged_on is not None]
        closed = [c.closed for c in records]
        is_closed = all(d is not None and d <= day for d in closed)
        return not is_closed and not (acknowledged and min(acknowledged) <= day)

    late = {n for n in in_period if waiting_after(n, due[n] + timedelta(days=1))}
    on_time = {n for n in in_period if not waiting_after(n, due[n])}
    chases = [r for r in adapters.audit.records(since_seq=0, limit=100_000) if r.action == "complaint.ack_overdue"]
    chased = [r.target_id for r in chases]
    assert len(chased) == len(set(chased))  # once each
    assert set(chased) & on_time == set()
    assert late and late <= set(chased)
    intake = [e for e in adapters.mailer.sent if e.to == ("intake@demo.example.gov",)]  # type: ignore[attr-defined]
    assert len(intake) == len(chased)
