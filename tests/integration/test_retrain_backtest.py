"""The retraining job backtests the latest full year before it promotes a model (score function, moto).

The promotion gate's second condition: a candidate whose backtest does not beat the agency's threshold
rule at the rule's flag count is kept as a candidate, with the reason in the decision and in the
operations notice, unless the agency's ``promotion_backtest`` setting says otherwise.
"""

from __future__ import annotations

import copy
import json
from datetime import date
from types import ModuleType
from typing import Any

import boto3
import pytest

from eis_core.errors import NotFoundError
from eis_core.oversight.keys import CURRENT_KEY, backtest_key, retrain_key
from eis_core.scoring.store import SPEC_KEY
from eis_core.scoring.training import CANDIDATE_SUBJECT
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalAgency, LocalSettings
from functions.cases_api import handler as cases_api
from tests.builders import rule_blind_agency
from tests.conftest import EVENTS

AS_OF = date(2025, 6, 1)  # records run to 2025-05-31: 2024 is the latest full test year
FUNCTION_NAME = "eis-testville-score"
GOOD = {"parameters": {"min_samples_leaf": 20, "max_iter": 20}}
# No split is possible: every officer gets the same score, so the model cannot beat any rule.
CONSTANT = {"parameters": {"min_samples_leaf": 100_000, "max_iter": 1}}
RISK_MANAGER = {"sub": "sub-risk", "cognito:groups": "risk_manager"}


@pytest.fixture
def adapters(settings: LocalSettings) -> Adapters:
    """Given 120 officers, 2018 to May 2025, whose threshold rule flags by chance but whose history a model reads."""
    built = aws_adapters(settings)
    built.records.put_records(rule_blind_agency(120), upload_id="u1")
    return built


@pytest.fixture
def operations_queue(moto_agency: LocalAgency) -> str:
    """A queue subscribed to the operations topic, to read what operations are told."""
    sqs, sns = boto3.client("sqs"), boto3.client("sns")
    url = sqs.create_queue(QueueName="operations-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=moto_agency.operations_topic_arn, Protocol="sqs", Endpoint=arn)
    return str(url)


def retrain(score: ModuleType) -> dict[str, Any]:
    event = json.loads((EVENTS / "eventbridge_on_demand.json").read_text())
    event["detail"] = {"as_of": AS_OF.isoformat(), "job": "retrain"}
    result: dict[str, Any] = score.lambda_handler(event, LocalLambdaContext(function_name=FUNCTION_NAME))
    return result


def told(queue_url: str) -> list[dict[str, Any]]:
    messages = boto3.client("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(json.loads(m["Body"])["Message"]) for m in messages]


def current_model(adapters: Adapters) -> str | None:
    try:
        return str(adapters.artifacts.get_json(CURRENT_KEY)["model_id"])
    except NotFoundError:
        return None


def read_report(path: str) -> tuple[int, Any]:
    event = copy.deepcopy(json.loads((EVENTS / "apigw_list_uploads.json").read_text()))
    event["path"] = path
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    event["queryStringParameters"] = event["multiValueQueryStringParameters"] = None
    event["requestContext"]["authorizer"]["claims"] = {"custom:agency_id": "testville", **RISK_MANAGER}
    response = cases_api.lambda_handler(event, LocalLambdaContext(function_name="eis-testville-cases-api"))
    return response["statusCode"], json.loads(response["body"] or "null")


def test_retraining_backtests_the_latest_full_year_and_promotes_a_model_that_beats_the_rule(
    score: ModuleType, adapters: Adapters, operations_queue: str
) -> None:
    # Given a model spec that can learn the agency's history
    adapters.artifacts.put_json(SPEC_KEY, GOOD)

    # When the retraining job runs on 2025-06-01
    summary = retrain(score)

    # Then it backtested 2024 with the candidate's spec and stored the report as the backtest job does
    stored = adapters.artifacts.get_json(backtest_key(2024))
    assert stored["markdown_key"] == backtest_key(2024, "report.md")
    assert stored["spec_source"] == f"the agency's {SPEC_KEY}"
    assert "Run by the retraining job, before deciding whether to promote " + summary["model_id"] in (
        adapters.artifacts.get_bytes(backtest_key(2024, "report.md")).decode()
    )
    # And the decision cites it: the model beats the agency's rule at the rule's own flag count
    check = summary["promotion"]["backtest"]
    assert (check["test_year"], check["verdict"], check["passed"]) == (2024, "beats", True)
    assert check["trained_model_id"] == stored["trained_model_id"]
    assert check["rule_flags"] == stored["baselines"]["rule_flag_count"] > 0
    assert check["difference_ci"][0] > 0
    assert "the model beats the agency's threshold rule at the rule's" in summary["promotion"]["reason"]
    # And the model was promoted, nobody in operations bothered
    assert summary["promoted"] and current_model(adapters) == summary["model_id"]
    assert told(operations_queue) == []
    # And the audit trail has the backtest, by the retraining function, before the retraining's record
    actions = [(r.action, r.actor) for r in adapters.audit.records(since_seq=0, limit=1000)]
    assert actions.index(("model.backtest", FUNCTION_NAME)) < actions.index(("model.retrain", FUNCTION_NAME))
    # And risk managers read the report through the case API
    status, report = read_report("/reports/backtests/2024")
    assert status == 200 and report["trained_model_id"] == check["trained_model_id"]


def test_a_candidate_that_does_not_beat_the_rule_is_kept_back_and_operations_are_told_why(
    score: ModuleType, adapters: Adapters, operations_queue: str
) -> None:
    # Given a model spec that cannot rank officers at all, and no current model yet
    adapters.artifacts.put_json(SPEC_KEY, CONSTANT)

    # When the retraining job runs
    summary = retrain(score)

    # Then the backtest report is stored, and the model is kept as a candidate: the validation gate alone
    # would have promoted it (no current model), the backtest did not beat the rule
    assert adapters.artifacts.get_json(backtest_key(2024))["not_beaten"]
    decision = summary["promotion"]
    assert not summary["promoted"] and not decision["promoted"]
    assert decision["backtest"]["verdict"] != "beats" and not decision["backtest"]["passed"]
    assert decision["reason"].startswith("the backtest on 2024 (reports/backtests/2024/report.json): the model ")
    assert "promotion_backtest is beat_rule: kept as a candidate" in decision["reason"]
    assert "the agency had no current model" in decision["reason"]
    assert current_model(adapters) is None
    assert adapters.artifacts.get_json(retrain_key(summary["model_id"]))["promoted"] is False
    # And operations are told, with the same reason
    [notice] = told(operations_queue)
    assert notice["event"] == CANDIDATE_SUBJECT and notice["candidate_model_id"] == summary["model_id"]
    assert notice["reason"] == decision["reason"] and notice["backtest"]["passed"] is False


@pytest.mark.parametrize(
    ("setting", "promoted", "says"),
    [
        ("not_beaten_by_rule", True, "the model does not beat the agency's threshold rule"),
        ("report_only", True, "(recorded only: promotion_backtest is report_only)"),
    ],
)
def test_an_agency_may_ask_less_of_the_backtest(
    score: ModuleType,
    adapters: Adapters,
    monkeypatch: pytest.MonkeyPatch,
    setting: str,
    promoted: bool,
    says: str,
) -> None:
    # Given an agency that asks only that the rule does not beat the model, or only for the report
    monkeypatch.setenv("EIS_PROMOTION_BACKTEST", setting)
    score._service.cache_clear()
    adapters.artifacts.put_json(SPEC_KEY, CONSTANT)

    # When a model that does not beat the rule (nor is beaten by it) is retrained
    summary = retrain(score)

    # Then the validation gate decides, and the decision still says what the backtest found
    assert summary["promoted"] is promoted and current_model(adapters) == summary["model_id"]
    check = summary["promotion"]["backtest"]
    assert (check["requirement"], check["verdict"], check["passed"]) == (setting, "does not beat", True)
    assert says in summary["promotion"]["reason"]


def test_a_backtest_that_cannot_run_is_named_and_the_validation_gate_decides(
    score: ModuleType, settings: LocalSettings
) -> None:
    # Given an agency whose records start in 2022: the retrain has label windows, but a model trained
    # before the latest full year (2024) would have too little history
    adapters = aws_adapters(settings)
    adapters.records.put_records(rule_blind_agency(120, start=date(2022, 6, 1)), upload_id="u1")
    adapters.artifacts.put_json(SPEC_KEY, GOOD)

    # When the retraining job runs
    summary = retrain(score)

    # Then the decision says the backtest could not be used and why, and the validation gate alone decided
    decision = summary["promotion"]
    assert decision["backtest"]["verdict"] is None and decision["backtest"]["problem"]
    assert "the backtest could not be used (" in decision["reason"]
    assert decision["reason"].endswith("the validation gate alone decided")
    assert summary["promoted"] and current_model(adapters) == summary["model_id"]
