"""The deployed backtest: the score function's ``{"job": "backtest"}`` on the agency's own records, read
through the case API by risk managers and auditors."""

from __future__ import annotations

import copy
import json
from datetime import date
from types import ModuleType
from typing import Any

import pytest

from eis_core.oversight.keys import backtest_key
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.cases_api import handler as cases_api
from tests.builders import learnable_agency
from tests.conftest import EVENTS

AS_OF = date(2025, 6, 1)  # the agency's records run to 2025-05-31: 2024 is the latest full test year
RISK_MANAGER = {"sub": "sub-risk", "cognito:groups": "risk_manager"}
AUDITOR = {"sub": "sub-auditor", "cognito:groups": "auditor"}
SUPERVISOR = {"sub": "sub-s1", "custom:officer_id": "S1", "cognito:groups": "supervisor"}


@pytest.fixture
def adapters(settings: LocalSettings) -> Adapters:
    """Given an agency of 120 officers with records from 2018 to the end of May 2025, in its tables."""
    built = aws_adapters(settings)
    built.records.put_records(learnable_agency(120), upload_id="u1")
    return built


def run_job(score: ModuleType, **detail: Any) -> dict[str, Any]:
    event = json.loads((EVENTS / "eventbridge_on_demand.json").read_text())
    event["detail"] = {"as_of": AS_OF.isoformat(), "job": "backtest", **detail}
    result: dict[str, Any] = score.lambda_handler(event, LocalLambdaContext(function_name="eis-testville-score"))
    return result


def call(path: str, claims: dict[str, str]) -> tuple[int, Any]:
    event = copy.deepcopy(json.loads((EVENTS / "apigw_list_uploads.json").read_text()))
    event["path"] = path
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    event["queryStringParameters"] = event["multiValueQueryStringParameters"] = None
    event["requestContext"]["authorizer"]["claims"] = {"custom:agency_id": "testville", **claims}
    response = cases_api.lambda_handler(event, LocalLambdaContext(function_name="eis-testville-cases-api"))
    return response["statusCode"], json.loads(response["body"] or "null")


def test_the_backtest_job_reports_on_the_latest_full_year_and_risk_managers_read_it(
    score: ModuleType, adapters: Adapters
) -> None:
    # When the backtest job runs on 2025-06-01 without a test year
    result = run_job(score)

    # Then it backtests 2024 (2025's outcome window has not ended) and stores the report and its Markdown
    assert result["test_year"] == 2024
    stored = adapters.artifacts.get_json(backtest_key(2024))
    assert stored["table"]["officers"] > 100 and 0 <= stored["table"]["model_auc"] <= 1
    assert {"complaints", "peer_percentile", "rule"} <= set(stored["baselines"]["at_top_share"])
    assert [row["decile"] for row in stored["calibration"]] == list(range(1, 11))
    [audited] = [r for r in adapters.audit.records(since_seq=0, limit=1000) if r.action == "model.backtest"]
    assert audited.detail["test_year"] == 2024

    # And risk managers and auditors read it through the case API; supervisors may not
    for claims in (RISK_MANAGER, AUDITOR):
        assert call("/reports/backtests", claims) == (200, {"test_years": [2024]})
        status, report = call("/reports/backtests/2024", claims)
        assert status == 200
        assert report["trained_model_id"] == stored["trained_model_id"]
        assert report["markdown"].startswith("# Backtest: testville, test years 2024")
        assert "## Calibration by decile" in report["markdown"]
    assert call("/reports/backtests", SUPERVISOR)[0] == 403
    assert call("/reports/backtests/2023", RISK_MANAGER)[0] == 404


def test_a_test_year_whose_outcomes_are_not_in_yet_is_refused_by_name(score: ModuleType, adapters: Adapters) -> None:
    with pytest.raises(Exception, match="test year 2025: its 12-month outcome window ends 2026-01-01"):
        run_job(score, test_year=2025)
    assert backtest_key(2025) not in set(adapters.artifacts.keys(""))
