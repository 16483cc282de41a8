"""The local stack's moto server: queries that read one partition answer as moto's own do, and
requests on one table are applied one at a time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from eis_tools.local.moto_locks import TableLocks, dynamodb_tables, restore_queries, speed_up_queries


@pytest.fixture
def table() -> Iterator[Any]:
    """Given a table with a GSI, 5 partitions of 30 items, written in a shuffled order."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "N"},
                {"AttributeName": "g", "AttributeType": "S"},
                {"AttributeName": "gs", "AttributeType": "S"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "by-g",
                    "KeySchema": [
                        {"AttributeName": "g", "KeyType": "HASH"},
                        {"AttributeName": "gs", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for n in sorted(range(150), key=lambda n: (n * 37) % 150):
            item = {"pk": {"S": f"p{n % 5}"}, "sk": {"N": str(n)}, "v": {"N": str(n * 3)}}
            if n % 3:
                item |= {"g": {"S": f"g{n % 4}"}, "gs": {"S": f"{n % 7:02d}"}}
            client.put_item(TableName="t", Item=item)
        yield client
    restore_queries()


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "p2"}}},
    {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": {"S": "nobody"}}},
    {
        "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
        "ExpressionAttributeValues": {":p": {"S": "p1"}, ":a": {"N": "20"}, ":b": {"N": "90"}},
        "ScanIndexForward": False,
        "Limit": 4,
    },
    {
        "KeyConditionExpression": "pk = :p",
        "FilterExpression": "v > :v",
        "ExpressionAttributeValues": {":p": {"S": "p3"}, ":v": {"N": "200"}},
        "Limit": 7,
    },
    {"IndexName": "by-g", "KeyConditionExpression": "g = :g", "ExpressionAttributeValues": {":g": {"S": "g1"}}},
    {
        "IndexName": "by-g",
        "KeyConditionExpression": "g = :g AND gs > :s",
        "ExpressionAttributeValues": {":g": {"S": "g2"}, ":s": {"S": "03"}},
        "ScanIndexForward": False,
        "Limit": 5,
    },
]


def _all_pages(client: Any, query: dict[str, Any]) -> list[Any]:
    pages, start = [], None
    while True:
        answer = client.query(TableName="t", **query, **({"ExclusiveStartKey": start} if start else {}))
        pages.append((answer["Items"], answer.get("LastEvaluatedKey")))
        start = answer.get("LastEvaluatedKey")
        if not start:
            return pages


def test_partition_queries_answer_exactly_as_motos_own(table: Any) -> None:
    # Given every query's pages from moto as it is
    expected = [_all_pages(table, query) for query in QUERIES]
    # When the local stack's faster query is in place
    speed_up_queries()
    speed_up_queries()  # twice is once
    # Then every page holds the same items in the same order, with the same continuation keys
    assert [_all_pages(table, query) for query in QUERIES] == expected
    assert len(expected[0][0][0]) == 30 and len(expected[2]) > 1 and len(expected[5]) > 1


def test_a_request_names_the_tables_it_locks() -> None:
    assert dynamodb_tables(json.dumps({"TableName": "a"}).encode()) == {"a"}
    assert dynamodb_tables(json.dumps({"RequestItems": {"b": [], "c": []}}).encode()) == {"b", "c"}
    transaction = {"TransactItems": [{"Put": {"TableName": "d"}}, {"ConditionCheck": {"TableName": "e"}}]}
    assert dynamodb_tables(json.dumps(transaction).encode()) == {"d", "e"}
    assert dynamodb_tables(b"not json") == set()


def test_requests_on_one_table_wait_for_each_other_and_others_do_not() -> None:
    import io
    import threading

    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        name = json.loads(environ["wsgi.input"].read())["TableName"]  # moto can still read the body
        order.append(f"start {name}")
        if name == "slow":
            inside.set()
            release.wait(10)
        order.append(f"end {name}")
        return [name.encode()]

    locks = TableLocks(app)

    def call(name: str) -> None:
        body = json.dumps({"TableName": name}).encode()
        environ = {
            "HTTP_X_AMZ_TARGET": "DynamoDB_20120810.PutItem",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
        }
        assert locks(environ, None) == [name.encode()]

    # Given a request on table "slow" inside moto
    first = threading.Thread(target=call, args=("slow",))
    first.start()
    assert inside.wait(10)
    # When a request on another table arrives, it is answered while the first is still inside
    call("other")
    assert order == ["start slow", "start other", "end other"]
    # And a second request on "slow" waits until the first is done
    second = threading.Thread(target=call, args=("slow",))
    second.start()
    second.join(0.2)
    assert order.count("start slow") == 1
    release.set()
    first.join(10)
    second.join(10)
    assert order[-2:] == ["start slow", "end slow"]


def test_index_queries_served_through_the_locks_use_buckets_that_follow_writes(table: Any) -> None:
    from eis_tools.local import moto_locks

    gsi = QUERIES[4]
    expected = [_all_pages(table, query) for query in QUERIES]
    speed_up_queries()
    moto_locks._in_query.served = True  # as in a request served by TableLocks
    try:
        # Then the bucketed index queries answer as moto's own
        assert [_all_pages(table, query) for query in QUERIES] == expected
        from moto.dynamodb.models import dynamodb_backends

        assert "_eis_index_buckets" in vars(dynamodb_backends["123456789012"]["us-east-1"].tables["t"])
        # When a served write adds an item to the index partition queried
        item = {"pk": {"S": "p9"}, "sk": {"N": "999"}, "g": {"S": "g1"}, "gs": {"S": "99"}}
        table.put_item(TableName="t", Item=item)
        moto_locks.changed("t")  # what TableLocks does after every write it serves
        # Then the next index query finds it
        items = [i for page, _ in _all_pages(table, gsi) for i in page]
        assert items[-1]["sk"] == {"N": "999"}
        assert len(items) == sum(len(page) for page, _ in expected[4]) + 1
    finally:
        moto_locks._in_query.served = False
        moto_locks._versions.pop("t", None)
