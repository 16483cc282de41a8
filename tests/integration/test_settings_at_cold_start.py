"""Each function parses its own settings model first: a variable its model requires fails the invocation."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest
from pydantic import ValidationError

from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalAgency
from tests.conftest import EVENTS


def _cold_start(handler: Any) -> None:
    """Forget the function's composition roots (the case API caches its settings apart, for CORS)."""
    for root in ("_service", "_settings"):
        cached = getattr(handler, root, None)
        if cached is not None:
            cached.cache_clear()


@pytest.mark.parametrize(
    ("function", "event", "missing"),
    [
        ("notify", "sqs_alert_created.json", "EIS_SENDER_EMAIL"),
        ("notify", "sqs_alert_created.json", "EIS_PORTAL_URL"),
        ("notify", "eventbridge_deadline_sweep.json", "EIS_SENDER_EMAIL"),
        ("score", "eventbridge_scheduled.json", "EIS_ALERTS_TOPIC_ARN"),
        ("cases_api", "apigw_list_alerts.json", "EIS_CASES_TABLE"),
        ("ingest", "s3_put_roster.json", "EIS_IDEMPOTENCY_TABLE"),
    ],
)
def test_a_missing_setting_fails_the_start_naming_the_variable(
    moto_agency: LocalAgency, monkeypatch: pytest.MonkeyPatch, function: str, event: str, missing: str
) -> None:
    # Given a function deployed without one variable its settings model requires (no default stands in)
    handler: Any = importlib.import_module(f"functions.{function}.handler")
    monkeypatch.delenv(missing)
    _cold_start(handler)
    payload = json.loads((EVENTS / event).read_text())

    # When it is invoked, Then the invocation fails before touching the event, naming the variable
    with pytest.raises(ValidationError, match=missing):
        handler.lambda_handler(payload, LocalLambdaContext(f"eis-testville-{function}"))
    _cold_start(handler)


def test_an_invalid_setting_fails_the_start_too(moto_agency: LocalAgency, monkeypatch: pytest.MonkeyPatch) -> None:
    from functions.notify import handler

    monkeypatch.setenv("EIS_ROUTING_POLICY", "email_everyone")
    handler._service.cache_clear()
    payload = json.loads((EVENTS / "sqs_alert_created.json").read_text())

    with pytest.raises(ValidationError, match="EIS_ROUTING_POLICY"):
        handler.lambda_handler(payload, LocalLambdaContext("eis-testville-notify"))
    handler._service.cache_clear()
