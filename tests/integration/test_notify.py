"""The notifier on moto: SQS events in, SES emails out, once per alert, without personal details."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError
from moto.backends import get_backend

from eis_core.models.audit import AuditRecord
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.notify import handler
from tests.builders import alert
from tests.builders import officer as _officer
from tests.conftest import ACCOUNT, EVENTS, REGION

EVENT_ALERT_ID = "2024-06-01-A1001"  # the alert id in the stored SQS events; deliver() swaps it
ALERT_ID = "alert-k7d2m4qzx3b6nwp5r3tavcw4"  # A1001's alert of 2024-06-01: an opaque id
A3003_ALERT_ID = "alert-qm3n7c2wz5hx4rd6tjy2fb7e"


@pytest.fixture
def adapters(settings: LocalSettings) -> Iterator[Adapters]:
    """Given officer A1001 whose sergeant has no email but whose lieutenant does, and a new alert."""
    handler._service.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(
        [
            _officer("L1", "Lee", "Lieutenant", None, "lt.one@testville.example.gov"),
            _officer("S1", "Sam", "Sergeant", "L1"),
            _officer("A1001", "Jordan", "Whitfield", "S1"),
            _officer("A3003", "Riley", "Okonkwo", None),
        ],
        upload_id="upload-roster",
    )
    built.alerts.create_alert(alert("A1001", alert_id=ALERT_ID))
    built.alerts.create_alert(alert("A3003", alert_id=A3003_ALERT_ID))
    yield built
    handler._service.cache_clear()


def sent_emails() -> list[Any]:
    return list(get_backend("ses")[ACCOUNT][REGION].sent_messages)


def deliver(event_file: str, *, alert_id: str = ALERT_ID) -> dict[str, Any]:
    event = copy.deepcopy(json.loads((EVENTS / event_file).read_text()))
    for record in event["Records"]:
        record["body"] = record["body"].replace(EVENT_ALERT_ID, alert_id)
    response: dict[str, Any] = handler.lambda_handler(event, LocalLambdaContext(function_name="eis-testville-notify"))
    return response


def notify_audits(adapters: Adapters) -> list[AuditRecord]:
    return [r for r in adapters.audit.records(since_seq=0, limit=1000) if r.action == "alert.notify"]


def test_an_alert_is_emailed_once_to_the_first_supervisor_with_an_email(adapters: Adapters) -> None:
    result = deliver("sqs_alert_created.json")

    assert result == {"batchItemFailures": []}
    [email] = sent_emails()
    assert email.destinations["ToAddresses"] == ["lt.one@testville.example.gov"]
    assert ALERT_ID in email.subject and "warning" in email.subject
    assert f"http://127.0.0.1:8080/#/alerts/{ALERT_ID}" in email.body
    assert "2024-06-15" in email.body  # review deadline: created on June 1st + 14 days
    # Nothing names the officer: no name, no event, no officer id (their badge number), no scoring date
    for personal in ("Jordan", "Whitfield", "Uses of force", "A1001", "2024-06-01"):
        assert personal not in email.body and personal not in email.subject
    [audit] = notify_audits(adapters)
    assert audit.target_id == ALERT_ID
    assert audit.detail["recipients"] == 1 and audit.detail["routed_to"] == "supervisor"


def test_a_redelivered_message_sends_nothing_more(adapters: Adapters) -> None:
    deliver("sqs_alert_created.json")

    result = deliver("sqs_alert_created.json")

    assert result == {"batchItemFailures": []}
    assert len(sent_emails()) == 1
    assert len(notify_audits(adapters)) == 1


def test_a_malformed_message_fails_alone_and_the_good_one_is_sent(adapters: Adapters) -> None:
    result = deliver("sqs_alert_created_with_malformed.json")

    assert result == {"batchItemFailures": [{"itemIdentifier": "0e1f2a3b-4c5d-4e6f-8a7b-000000000002"}]}
    assert len(sent_emails()) == 1


def test_an_alert_that_does_not_exist_is_reported_for_retry_not_dropped(adapters: Adapters) -> None:
    # When every record of a batch fails, Powertools fails the invocation: SQS retries the batch.
    with pytest.raises(BatchProcessingError, match="NOBODY not found"):
        deliver("sqs_alert_created.json", alert_id="2024-06-01-NOBODY")

    assert sent_emails() == []


def test_an_officer_without_a_supervisor_email_routes_to_the_risk_team(
    adapters: Adapters, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EIS_RISK_TEAM_EMAILS", "risk@testville.example.gov, eis-team@testville.example.gov")
    handler._service.cache_clear()

    result = deliver("sqs_alert_created.json", alert_id=A3003_ALERT_ID)

    assert result == {"batchItemFailures": []}
    [email] = sent_emails()
    assert email.destinations["ToAddresses"] == ["risk@testville.example.gov", "eis-team@testville.example.gov"]
    [audit] = notify_audits(adapters)
    assert audit.detail == audit.detail | {"recipients": 2, "routed_to": "risk_team"}


def test_without_any_recipient_the_message_fails_instead_of_vanishing(adapters: Adapters) -> None:
    with pytest.raises(BatchProcessingError, match="EIS_RISK_TEAM_EMAILS"):
        deliver("sqs_alert_created.json", alert_id=A3003_ALERT_ID)

    assert sent_emails() == []
    assert notify_audits(adapters) == []


def test_under_the_risk_team_routing_policy_alerts_go_to_the_risk_team(
    adapters: Adapters, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EIS_ROUTING_POLICY", "risk_team")
    monkeypatch.setenv("EIS_RISK_TEAM_EMAILS", "risk@testville.example.gov")
    handler._service.cache_clear()

    deliver("sqs_alert_created.json")

    [email] = sent_emails()
    assert email.destinations["ToAddresses"] == ["risk@testville.example.gov"]
    [audit] = notify_audits(adapters)
    assert audit.detail["routed_to"] == "risk_team"


def test_under_the_combined_routing_policy_the_supervisor_and_the_risk_team_are_told(
    adapters: Adapters, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EIS_ROUTING_POLICY", "chain_of_command_and_risk_team")
    monkeypatch.setenv("EIS_RISK_TEAM_EMAILS", "risk@testville.example.gov")
    handler._service.cache_clear()

    deliver("sqs_alert_created.json")

    [email] = sent_emails()
    assert email.destinations["ToAddresses"] == ["lt.one@testville.example.gov", "risk@testville.example.gov"]


def test_an_alert_stored_under_an_old_style_id_is_still_notified_without_the_id(adapters: Adapters) -> None:
    # Given an alert stored before opaque ids, under an id that names the officer and the date
    adapters.alerts.create_alert(alert("A1001", as_of=date(2024, 5, 1)))

    result = deliver("sqs_alert_created.json", alert_id="2024-05-01-A1001")

    # Then it is emailed, but neither the old id nor the officer id appears: the link goes to the alert list
    assert result == {"batchItemFailures": []}
    [email] = sent_emails()
    assert "http://127.0.0.1:8080/#/alerts\n" in email.body
    for personal in ("A1001", "2024-05-01"):
        assert personal not in email.body and personal not in email.subject
    [audit] = notify_audits(adapters)
    assert audit.target_id == "2024-05-01-A1001"
