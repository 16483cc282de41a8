"""The local stack's memory stays flat under requests: moto keeps no copy of what a query answered."""

from __future__ import annotations

import copy
import gc
import json
import os
import tracemalloc
from collections.abc import Iterator
from datetime import date

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import Item
from moto.s3.models import FakeKey

from eis_core.wiring import aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.moto_memory import restore_tracking, stop_tracking_instances
from eis_tools.local.resources import LocalSettings
from eis_tools.local.runtime import cold_start
from tests import builders
from tests.conftest import EVENTS

RETAINED_BOUND = 10 * 1024  # bytes per request; about one audit item (~3 KB) is expected, the leak was 25-55 KB


@pytest.fixture
def untracked() -> Iterator[None]:
    stop_tracking_instances()
    yield
    restore_tracking()


def test_moto_keeps_no_copy_of_the_items_a_query_answered_but_still_tracks_s3_keys(untracked: None) -> None:
    # Given a table with 20 items, and moto told to stop recording its model instances
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for n in range(20):
            client.put_item(TableName="t", Item={"pk": {"S": "p"}, "sk": {"N": str(n)}})
        alive_before = sum(isinstance(o, Item) for o in gc.get_objects())

        # When it is queried 50 times
        for _ in range(50):
            found = client.query(
                TableName="t", KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "p"}}
            )
            assert found["Count"] == 20
        gc.collect()

        # Then no copy outlives its answer, and S3's keys are still recorded (moto's reset closes their files)
        assert sum(isinstance(o, Item) for o in gc.get_objects()) == alive_before
        assert list(Item.instances_tracked) == []  # type: ignore[attr-defined]
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="eis-memory-test")
        s3.put_object(Bucket="eis-memory-test", Key="k", Body=b"x")
        assert any(key.name == "k" for key in FakeKey.instances_tracked)  # type: ignore[attr-defined]


def test_list_requests_on_the_local_stack_retain_no_more_than_their_audit_item() -> None:
    """Before the fix, each GET /alerts of 20 alerts kept about 28 KB in moto (54 KB on a larger page)."""
    from eis_tools.local.stack import local_stack

    with local_stack("testville") as stack:
        # Given a sergeant's 20 officers with an alert each, on the local stack
        adapters = aws_adapters(LocalSettings.from_env(os.environ))
        roster = [builders.officer("S1")] + [builders.officer(f"A{n:03d}", supervisor_id="S1") for n in range(20)]
        adapters.records.put_records(roster, upload_id="upload-roster")
        for officer in roster[1:]:
            adapters.alerts.create_alert(builders.alert(officer.officer_id, as_of=date(2025, 1, 1)))
        import functions.cases_api.handler as handler

        cold_start(handler)
        base = json.loads((EVENTS / "apigw_list_alerts.json").read_text())
        context = LocalLambdaContext(function_name=stack.resources.function("cases-api"))

        def list_alerts() -> None:
            response = handler.lambda_handler(copy.deepcopy(base), context)
            assert response["statusCode"] == 200
            assert len(json.loads(response["body"])["alerts"]) == 20

        for _ in range(10):  # warm: caches, clients, connections
            list_alerts()

        # When 60 more requests are answered
        tracemalloc.start(1)
        try:
            gc.collect()
            before = tracemalloc.take_snapshot()
            for _ in range(60):
                list_alerts()
            gc.collect()
            after = tracemalloc.take_snapshot()
        finally:
            tracemalloc.stop()
        retained = sum(stat.size_diff for stat in after.compare_to(before, "filename")) / 60

        # Then each keeps about its audit item, not copies of the page it answered
        assert retained < RETAINED_BOUND, f"{retained:.0f} bytes retained per GET /alerts"
