"""Bounded pages of one GSI partition (a Query, never a Scan), filtered in process.

Reads at most ``READ_BUDGET`` items per page; each kept item carries its index key, so a page cut at
``limit`` resumes exactly after its last item (``eis_core.storage.paging``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from eis_core.storage.paging import READ_BUDGET, Page, PageKey

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

T = TypeVar("T")
Item = dict[str, Any]
MIN_READ = 50
MAX_IN_VALUES = 100
"""DynamoDB's limit on the operands of IN in a filter expression."""


def query_page(
    client: DynamoDBClient,
    *,
    table: str,
    index: str,
    partition: tuple[str, str],
    key_attrs: Sequence[str],
    limit: int,
    start: PageKey | None,
    parse: Callable[[Mapping[str, Any]], T],
    keep: Callable[[Mapping[str, Any]], bool] = lambda item: True,
    sort_below: tuple[str, str] | None = None,
    only: tuple[str, Collection[str]] | None = None,
    sort_from: tuple[str, str] | None = None,
) -> Page[T]:
    """Items of one index partition in sort-key order after ``start``, up to ``limit`` that ``keep`` accepts.

    ``sort_below`` (attribute, value) adds ``attribute < value`` to the key condition. ``only``
    (attribute, values) keeps items whose attribute is one of the values; up to ``MAX_IN_VALUES`` of
    them DynamoDB filters (a supervisor's chain), so only those items cross the wire. ``sort_from``
    (attribute, value) adds ``attribute >= value`` instead (one sort-key condition at most).
    """
    if sort_below is not None and sort_from is not None:
        raise ValueError("one sort-key condition at most: sort_below or sort_from")
    name, value = partition
    if not value or (only is not None and not only[1]):
        return Page(items=[], keys=[], next=None)  # no such partition key, or nobody in scope
    condition = "#p = :p"
    names = {"#p": name}
    values: dict[str, Any] = {":p": {"S": value}}
    if sort_below is not None:
        condition += " AND #s < :s"
        names["#s"] = sort_below[0]
        values[":s"] = {"S": sort_below[1]}
    if sort_from is not None:
        condition += " AND #s >= :s"
        names["#s"] = sort_from[0]
        values[":s"] = {"S": sort_from[1]}
    request: dict[str, Any] = {
        "TableName": table,
        "IndexName": index,
        "KeyConditionExpression": condition,
        "ExpressionAttributeNames": names,
        "ExpressionAttributeValues": values,
    }
    server_filter = only is not None and 0 < len(only[1]) <= MAX_IN_VALUES
    if only is not None and server_filter:
        placeholders = [f":in{number}" for number in range(len(only[1]))]
        request["FilterExpression"] = f"#in IN ({', '.join(placeholders)})"
        names["#in"] = only[0]
        values |= {name: {"S": value} for name, value in zip(placeholders, sorted(only[1]), strict=True)}
    if start is not None:
        request["ExclusiveStartKey"] = {attr: {"S": start[attr]} for attr in key_attrs}
    items: list[T] = []
    keys: list[PageKey] = []
    read = 0
    while True:
        # Ask for a little more than is missing: filters drop some, and a short read costs a round trip.
        wanted = READ_BUDGET - read if server_filter else max(limit - len(items), MIN_READ)
        request["Limit"] = max(1, min(READ_BUDGET - read, wanted))
        response = client.query(**request)
        batch = response.get("Items", [])
        read += int(response.get("ScannedCount", len(batch)))
        last = response.get("LastEvaluatedKey")
        for raw in batch:
            if keep(raw) and (only is None or raw.get(only[0], {}).get("S") in only[1]):
                items.append(parse(raw))
                keys.append({attr: str(raw[attr]["S"]) for attr in key_attrs})
        if len(items) > limit:
            return Page(items=items[:limit], keys=keys[:limit], next=keys[limit - 1])
        if last is None:
            return Page(items=items, keys=keys, next=None)
        if len(items) == limit or read >= READ_BUDGET:
            return Page(items=items, keys=keys, next={attr: str(last[attr]["S"]) for attr in key_attrs})
        request["ExclusiveStartKey"] = last
