"""The wellness step's rules in memory: how many signals make a check-in, the cool-down, who is emailed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from eis_core.models.records import Leave, LeaveType, Record
from eis_core.models.wellness import WellnessCreated
from eis_core.notify.wellness import WellnessNotifier
from eis_core.storage.memory import CapturingMailer, CapturingPublisher
from eis_core.wellness.checkins import WellnessJob
from eis_core.wellness.thresholds import WellnessThresholds
from eis_core.wiring import Adapters, memory_adapters
from tests.builders import next_id, officer

AS_OF = date(2025, 6, 1)
COORDINATOR = "wellness@testville.example.gov"


def _leave(officer_id: str, days_ago: int, kind: LeaveType, hours: float) -> Leave:
    on = AS_OF - timedelta(days=days_ago)
    return Leave(
        source_record_id=next_id("l"), officer_id=officer_id, occurred_on=on, known_on=on, leave_type=kind, hours=hours
    )


def _agency() -> Adapters:
    """A1 (reports to S1 -> L1): 100 overtime hours this month and no vacation for 400 days; B2 only overtime."""
    adapters = memory_adapters("testville")
    records: list[Record] = [
        officer("L1", email="lt@testville.example.gov"),
        officer("S1", supervisor_id="L1", email="sgt@testville.example.gov"),
        officer("A1", supervisor_id="S1", hire_date=date(2015, 1, 1)),
        officer("B2", supervisor_id="S1", hire_date=date(2015, 1, 1)),
        _leave("A1", 10, LeaveType.OVERTIME, 100.0),
        _leave("A1", 400, LeaveType.VACATION, 40.0),
        _leave("B2", 10, LeaveType.OVERTIME, 100.0),
        _leave("B2", 30, LeaveType.VACATION, 40.0),
    ]
    adapters.records.put_records(records, upload_id="u1")
    return adapters


def _job(adapters: Adapters, *, opt_in: bool = False, **thresholds: object) -> WellnessJob:
    return WellnessJob(
        agency_id="testville",
        records=adapters.records,
        store=adapters.wellness,
        publisher=adapters.publisher,
        audit=adapters.audit,
        thresholds=WellnessThresholds.model_validate(thresholds),
        notify_supervisor=opt_in,
        clock=lambda: datetime(2025, 6, 1, 6, tzinfo=UTC),
    )


def _notifier(adapters: Adapters, *, opt_in: bool) -> WellnessNotifier:
    return WellnessNotifier(
        agency_id="testville",
        store=adapters.wellness,
        records=adapters.records,
        audit=adapters.audit,
        mailer=adapters.mailer,
        portal_url="https://portal.testville.example.gov",
        coordinator_emails=(COORDINATOR,),
        notify_supervisor=opt_in,
    )


def test_two_signals_make_a_check_in_and_one_does_not() -> None:
    adapters = _agency()

    summary = _job(adapters).run(AS_OF)

    assert [c.officer_id for c in adapters.wellness.list_checkins()] == ["A1"]  # overtime and no rest; B2 rested
    assert (summary.officers, summary.with_signals, summary.checkins_created) == (4, 1, 1)
    assert summary.unknown_hours == 4  # no activity sent: hours are unknown, not zero
    assert isinstance(adapters.publisher, CapturingPublisher)
    [published] = adapters.publisher.published
    assert published["type"] == "wellness.checkin_created"


def test_no_new_check_in_for_an_officer_within_the_cool_down() -> None:
    # Given a 90-hour level for overtime in 90 days: A1 and B2 both get a check-in on the first run
    adapters = _agency()
    assert _job(adapters, overtime_90d=90).run(AS_OF).checkins_created == 2

    within = _job(adapters, overtime_90d=90).run(AS_OF + timedelta(days=10))
    after = _job(adapters, overtime_90d=90).run(AS_OF + timedelta(days=31))

    assert (within.checkins_created, within.in_cooldown) == (0, 2)
    # A month on, A1 (still no rest, overtime in 90 days) gets a new one; B2 (rested) is down to one signal
    assert (after.checkins_created, after.in_cooldown) == (1, 0)
    assert sorted(c.officer_id for c in adapters.wellness.list_checkins()) == ["A1", "A1", "B2"]


def test_the_coordinator_alone_is_emailed_unless_the_agency_opts_in_to_the_direct_supervisor() -> None:
    for opt_in, expected in ((False, [COORDINATOR]), (True, [COORDINATOR, "sgt@testville.example.gov"])):
        adapters = _agency()
        _job(adapters, opt_in=opt_in).run(AS_OF)
        [checkin] = adapters.wellness.list_checkins()

        notice = _notifier(adapters, opt_in=opt_in).checkin_created(
            WellnessCreated(agency_id="testville", checkin_id=checkin.checkin_id)
        )

        assert isinstance(adapters.mailer, CapturingMailer)
        [email] = adapters.mailer.sent
        assert list(email.to) == expected  # never the lieutenant above, never a risk team
        assert (notice.recipients, notice.supervisor_included) == (len(expected), opt_in)
        assert "A1" not in email.subject + email.body and "not a risk alert" in email.body


def test_an_agencys_thresholds_come_from_its_environment_and_a_bad_one_fails_the_cold_start() -> None:
    from pydantic import ValidationError

    from eis_core.settings import WellnessPolicy

    policy = WellnessPolicy.from_env(
        {"EIS_WELLNESS_THRESHOLDS": '{"hours_28d": 200, "disabled": ["night_share"], "min_signals": 3}'}
    )

    assert (policy.wellness_thresholds.hours_28d, policy.wellness_thresholds.min_signals) == (200, 3)
    assert policy.wellness_thresholds.overtime_90d == 150  # left out: the default
    assert WellnessPolicy.from_env(policy.to_env()) == policy
    with pytest.raises(ValidationError, match="EIS_WELLNESS_THRESHOLDS"):
        WellnessPolicy.from_env({"EIS_WELLNESS_THRESHOLDS": '{"hours_28d": -1}'})
