"""The agency trends report in the product: the score job precomputes it, the case API serves it as stored."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import date
from types import ModuleType
from typing import Any

import pytest

from eis_core.models.records import Activity, Record
from eis_core.models.trends import TRENDS_LATEST_KEY, TrendsFormat, TrendsReport, trends_key
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.cases_api import handler as cases_api
from tests.builders import complaint, next_id, officer, use_of_force
from tests.conftest import EVENTS

AS_OF = date(2025, 6, 1)  # the time of tests/events/eventbridge_scheduled.json
COMMAND = {"sub": "sub-command", "cognito:groups": "command"}
RISK_MANAGER = {"sub": "sub-rm", "cognito:groups": "risk_manager"}
SUPERVISOR = {"sub": "sub-s1", "custom:officer_id": "S1", "cognito:groups": "supervisor"}


def _records() -> list[Record]:
    """Ten patrol officers with monthly hours from 2022, and force each spring."""
    records: list[Record] = [officer(f"A{i:03d}", unit="Patrol", hire_date=date(2016, 3, 1)) for i in range(10)]
    for year in range(2022, 2026):
        for month in range(1, 13):
            first = date(year, month, 1)
            if first >= AS_OF:
                break
            last = date(year + month // 12, month % 12 + 1, 1).replace(day=1)
            last = date.fromordinal(last.toordinal() - 1)
            records += [
                Activity(
                    source_record_id=next_id(),
                    officer_id=f"A{i:03d}",
                    occurred_on=first,
                    known_on=last,
                    period_end=last,
                    hours_worked=160,
                    arrests=5,
                )
                for i in range(10)
            ]
            records += [
                use_of_force(f"A{(month + k) % 10:03d}", occurred_on=first, known_on=first) for k in range(month % 3)
            ]
    records += [complaint("A001", 40)]
    return records


@pytest.fixture
def adapters(settings: LocalSettings) -> Adapters:
    adapters = aws_adapters(settings)
    adapters.records.put_records(_records(), upload_id="upload-1")
    return adapters


def _scheduled_run(score: ModuleType) -> dict[str, Any]:
    event = json.loads((EVENTS / "eventbridge_scheduled.json").read_text())
    result: dict[str, Any] = score.lambda_handler(event, LocalLambdaContext("eis-testville-score"))
    return result


def call(claims: dict[str, str], query: dict[str, str] | None = None) -> tuple[int, str, dict[str, Any]]:
    event = copy.deepcopy(json.loads((EVENTS / "apigw_list_uploads.json").read_text()))
    event["path"] = "/reports/trends"
    event["pathParameters"] = {"proxy": "reports/trends"}
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    event["requestContext"]["authorizer"]["claims"] = {"custom:agency_id": "testville", **claims}
    response = cases_api.lambda_handler(event, LocalLambdaContext(function_name="eis-testville-cases-api"))
    headers = {k.lower(): v for k, v in (response.get("headers") or {}).items()}
    headers |= {k.lower(): v[0] for k, v in (response.get("multiValueHeaders") or {}).items() if v}
    return response["statusCode"], response["body"], headers


def test_the_scoring_run_precomputes_the_report_and_the_api_serves_it_as_stored(
    score: ModuleType, adapters: Adapters
) -> None:
    # Given no trends report yet: the API says so
    status, _, _ = call(COMMAND)
    assert status == 404

    # When the daily scoring run fires
    _scheduled_run(score)

    # Then the report for the twelve months before the run is in the artifacts bucket
    stored = TrendsReport.model_validate_json(adapters.artifacts.get_bytes(trends_key(AS_OF, TrendsFormat.JSON)))
    assert stored.months[0] == "2024-06" and stored.months[-1] == "2025-05"
    may = next(r for r in stored.series if r.dimension.value == "agency" and r.month == "2025-05")
    assert may.force is not None
    assert may.hours == 10 * 160 and may.rates["force_per_1000_hours"] == round(1000 * may.force / 1600, 4)

    # And command staff read the page, its CSV and its JSON as stored
    status, page, headers = call(COMMAND)
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert page == adapters.artifacts.get_bytes(trends_key(AS_OF, TrendsFormat.HTML)).decode()
    assert "<svg" in page and "<script" not in page
    # And the page is served with its own policy (its style block by hash), still denying everything else
    policy = headers["content-security-policy"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-") and "frame-ancestors 'none'" in policy
    status, text, headers = call(RISK_MANAGER, {"format": "csv"})
    assert status == 200 and headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {
        "table": "series",
        "dimension": "unit",
        "group": "Patrol",
        "month": "2025-05",
        "measure": "hours",
        "value": "1600.0",
    } in rows
    assert headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    status, document, _ = call(COMMAND, {"format": "json", "as_of": AS_OF.isoformat()})
    assert status == 200 and TrendsReport.model_validate_json(document) == stored


def test_a_supervisor_is_refused_the_agency_wide_report(score: ModuleType, adapters: Adapters) -> None:
    _scheduled_run(score)

    status, _, _ = call(SUPERVISOR)

    assert status == 403


def test_a_second_run_in_the_same_month_on_the_same_records_reuses_the_report(
    score: ModuleType, adapters: Adapters
) -> None:
    _scheduled_run(score)
    first = adapters.artifacts.get_json(TRENDS_LATEST_KEY)

    _scheduled_run(score)

    assert adapters.artifacts.get_json(TRENDS_LATEST_KEY) == first
