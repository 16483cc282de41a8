"""Oversight outputs: the case API reads run reports and cards, writes only promotions; score tells operations."""

from __future__ import annotations

import json
from typing import Any

from eis_core.oversight.keys import CURRENT_KEY
from eis_core.storage.schema import Bucket, Table
from tests.infrastructure.conftest import Synth
from tests.infrastructure.test_stack import _function, _logical_id, _statements_of_function

AGENCY = "springfield"


def _object_actions(statements: list[dict[str, Any]], bucket_id: str, suffix: str) -> set[str]:
    """Actions granted on the bucket's objects under exactly ``<bucket ARN>/<suffix>``."""
    found: set[str] = set()
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for resource in resources:
            text = json.dumps(resource)
            if bucket_id in text and text.endswith(json.dumps(f"/{suffix}") + "]]}"):
                found |= set(actions)
    return found


def test_the_case_api_reads_reports_and_cards_and_writes_only_promotions(synth: Synth) -> None:
    resources = synth.agencies_by_id[AGENCY].resources
    artifacts = _logical_id(synth, AGENCY, "AWS::S3::Bucket", "BucketName", resources.bucket(Bucket.ARTIFACTS))
    api = _statements_of_function(synth, AGENCY, "cases_api")

    for prefix in ("runs/*", "models/*", "promotions/*"):
        assert "s3:GetObject" in _object_actions(api, artifacts, prefix), prefix
    assert "s3:PutObject" in _object_actions(api, artifacts, "promotions/*")
    assert "s3:PutObject" in _object_actions(api, artifacts, f"{CURRENT_KEY}*")
    # Never a model, its card, or anything else in the bucket
    assert "s3:PutObject" not in _object_actions(api, artifacts, "models/*")
    assert "s3:PutObject" not in _object_actions(api, artifacts, "*")
    assert "s3:GetObject" not in _object_actions(api, artifacts, "*")


def test_the_score_function_may_tell_the_operations_topic(synth: Synth) -> None:
    resources = synth.agencies_by_id[AGENCY].resources
    topic = _logical_id(synth, AGENCY, "AWS::SNS::Topic", "TopicName", resources.operations_topic)
    env = _function(synth, AGENCY, "score")["Environment"]["Variables"]
    score = _statements_of_function(synth, AGENCY, "score")

    assert env["EIS_OPERATIONS_TOPIC_ARN"] == {"Ref": topic}
    assert any("sns:Publish" in json.dumps(s["Action"]) and topic in json.dumps(s["Resource"]) for s in score), (
        "score cannot publish to the operations topic"
    )


def test_the_cases_table_has_the_closed_case_index_feedback_counts_query(synth: Synth) -> None:
    resources = synth.agencies_by_id[AGENCY].resources
    [table] = [
        r["Properties"]
        for r in synth.resources(AGENCY, "AWS::DynamoDB::Table").values()
        if r["Properties"].get("TableName") == resources.table(Table.CASES)
    ]
    indexes = {index["IndexName"]: index["KeySchema"] for index in table["GlobalSecondaryIndexes"]}

    assert indexes["closed"] == [
        {"AttributeName": "closed_list", "KeyType": "HASH"},
        {"AttributeName": "closed_at", "KeyType": "RANGE"},
    ]
