"""The wellness step end to end on moto, on a generated agency with planted overworked officers.

Score job -> check-ins in their own store -> ``wellness.checkin_created`` on the alerts topic -> notify
-> email to the wellness coordinator only. The planted officers (long hours, heavy overtime, no
vacation for a year) are found; nobody in the chain of command or the risk team is emailed, and no
alert or case is made of a check-in.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import boto3
import pytest
from moto.backends import get_backend

from eis_core.models.records import RecordKind
from eis_core.wellness.checkins import WELLNESS_KINDS
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.generate.agency import GeneratedAgency, generate_agency
from eis_tools.generate.config import GeneratorConfig
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalAgency, LocalSettings
from tests.conftest import ACCOUNT, EVENTS, REGION

COORDINATOR = "wellness.unit@testville.example.gov"
RISK_TEAM = "risk.team@testville.example.gov"
CONFIG = GeneratorConfig(
    agency_id="testville", officers=100, start=date(2024, 1, 1), end=date(2025, 12, 31), seed=5, overworked_share=0.03
)
AS_OF = CONFIG.end + timedelta(days=1)


@pytest.fixture(scope="module")
def agency() -> GeneratedAgency:
    return generate_agency(CONFIG)


@pytest.fixture
def adapters(agency: GeneratedAgency, moto_agency: LocalAgency, monkeypatch: pytest.MonkeyPatch) -> Iterator[Adapters]:
    """Given the generated agency's records in moto, a wellness coordinator and a risk team configured."""
    from functions.notify import handler as notify
    from functions.score import handler as score

    monkeypatch.setenv("EIS_WELLNESS_COORDINATOR_EMAILS", COORDINATOR)
    monkeypatch.setenv("EIS_RISK_TEAM_EMAILS", RISK_TEAM)
    monkeypatch.setenv("EIS_WELLNESS_NOTIFY_SUPERVISOR", "false")
    score._service.cache_clear()
    notify._service.cache_clear()
    built = aws_adapters(LocalSettings.from_env(os.environ))
    records = [record for kind in WELLNESS_KINDS for record in agency.records[RecordKind(kind)]]
    built.records.put_records(records, upload_id="upload-generated")
    yield built
    score._service.cache_clear()
    notify._service.cache_clear()


def _queue_bodies(queue_url: str) -> list[str]:
    sqs = boto3.client("sqs")
    bodies: list[str] = []
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def _deliver(bodies: list[str]) -> dict[str, Any]:
    from functions.notify import handler as notify

    template = json.loads((EVENTS / "sqs_alert_created.json").read_text())["Records"][0]
    records = [copy.deepcopy(template) | {"messageId": f"m-{i}", "body": body} for i, body in enumerate(bodies)]
    answer: dict[str, Any] = notify.lambda_handler({"Records": records}, LocalLambdaContext("eis-testville-notify"))
    return answer


def test_planted_overworked_officers_get_check_ins_that_reach_the_wellness_coordinator_only(
    agency: GeneratedAgency, adapters: Adapters, moto_agency: LocalAgency
) -> None:
    from functions.score import handler as score

    # When the wellness step runs on the first day after the extracts
    event = json.loads((EVENTS / "eventbridge_on_demand.json").read_text())
    event["detail"] = {"as_of": AS_OF.isoformat(), "job": "wellness"}
    summary = score.lambda_handler(event, LocalLambdaContext("eis-testville-score"))

    # Then every planted officer has a check-in, and check-ins are a small share of the agency
    checkins = adapters.wellness.list_checkins()
    found = {checkin.officer_id for checkin in checkins}
    assert agency.truth.overworked and set(agency.truth.overworked) <= found
    assert summary["checkins_created"] == len(checkins) <= 3 * len(agency.truth.overworked)
    planted = [c for c in checkins if c.officer_id in agency.truth.overworked]
    assert all(
        {"hours_28d", "overtime_90d", "days_since_rest_leave"} <= {s.indicator for s in c.signals} for c in planted
    )
    # And no check-in id names the officer, and none became an alert or a case
    assert all(c.checkin_id.startswith("wellness-") and c.officer_id not in c.checkin_id for c in checkins)
    assert adapters.alerts.list_alerts() == [] and list(adapters.cases.iter_cases()) == []

    # When the notifier receives what the score job published
    bodies = _queue_bodies(moto_agency.notify_queue_url)
    assert sorted(json.loads(b)["checkin_id"] for b in bodies) == sorted(c.checkin_id for c in checkins)
    assert _deliver(bodies) == {"batchItemFailures": []}

    # Then each check-in is one email, to the wellness coordinator alone: no supervisor, no risk team
    emails = list(get_backend("ses")[ACCOUNT][REGION].sent_messages)
    assert len(emails) == len(checkins)
    assert all(email.destinations["ToAddresses"] == [COORDINATOR] for email in emails)
    supervisors = {o.email for o in agency.officers if o.email}
    assert not supervisors & {address for email in emails for address in email.destinations["ToAddresses"]}
    for email in emails:
        assert "not a risk alert" in email.body
        assert not any(c.officer_id in email.body or c.officer_id in email.subject for c in checkins)
    # And the daily scoring run of the same day ends with the wellness step, which finds them made already
    event["detail"] = {"as_of": AS_OF.isoformat()}
    daily = score.lambda_handler(event, LocalLambdaContext("eis-testville-score"))
    assert (daily["wellness"]["checkins_created"], daily["wellness"]["already_created"]) == (0, len(checkins))
    assert not any("wellness" in body for body in _queue_bodies(moto_agency.notify_queue_url))
