"""Wellness check-in adapters: in memory, and DynamoDB in a partition of its own of the cases table.

The DynamoDB items live under ``case_id = "WELLNESS"`` with ``sk = "CHECKIN#<id>"`` and carry only
``body`` and ``revision``: none of the attributes the case indexes key on (officer_id, status,
supervisor_id, ...), and case scans filter on ``sk = "CASE"``, so no case listing, queue or case
read can ever return a check-in. The functions that already hold the cases table reach it (score
writes, notify reads, the case API reads and acknowledges); no table was added to the stack.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from eis_core.errors import ConflictError, CorruptItemError, StorageError
from eis_core.models.wellness import WellnessCheckIn

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PARTITION = "WELLNESS"
SORT_PREFIX = "CHECKIN#"


class InMemoryWellnessStore:
    def __init__(self) -> None:
        self._items: dict[str, WellnessCheckIn] = {}
        self._lock = threading.Lock()

    def create_checkin(self, checkin: WellnessCheckIn) -> bool:
        with self._lock:
            if checkin.checkin_id in self._items:
                return False
            self._items[checkin.checkin_id] = checkin.model_copy(deep=True)
            return True

    def get_checkin(self, checkin_id: str) -> WellnessCheckIn | None:
        with self._lock:
            found = self._items.get(checkin_id)
            return None if found is None else found.model_copy(deep=True)

    def list_checkins(self) -> list[WellnessCheckIn]:
        with self._lock:
            items = [item.model_copy(deep=True) for item in self._items.values()]
        return sorted(items, key=lambda c: c.checkin_id, reverse=True)

    def update_checkin(self, checkin: WellnessCheckIn, *, expected_revision: int) -> WellnessCheckIn:
        with self._lock:
            stored = self._items.get(checkin.checkin_id)
            if stored is None or stored.revision != expected_revision:
                raise ConflictError(f"check-in {checkin.checkin_id} changed meanwhile; reload and retry")
            updated = checkin.model_copy(update={"revision": expected_revision + 1}, deep=True)
            self._items[checkin.checkin_id] = updated
            return updated.model_copy(deep=True)


class DynamoWellnessStore:
    def __init__(self, client: DynamoDBClient, cases_table: str) -> None:
        self._db = client
        self.table_name = cases_table

    def _key(self, checkin_id: str) -> dict[str, Any]:
        return {"case_id": {"S": PARTITION}, "sk": {"S": SORT_PREFIX + checkin_id}}

    def _item(self, checkin: WellnessCheckIn) -> dict[str, Any]:
        return self._key(checkin.checkin_id) | {
            "body": {"S": checkin.model_dump_json()},
            "revision": {"N": str(checkin.revision)},
        }

    def _read(self, item: dict[str, Any]) -> WellnessCheckIn:
        try:
            return WellnessCheckIn.model_validate_json(item["body"]["S"])
        except (KeyError, ValueError) as error:
            sort_key = str(item.get("sk", {}).get("S", ""))
            raise CorruptItemError("wellness check-in", sort_key.removeprefix(SORT_PREFIX)) from error

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._db, operation)(TableName=self.table_name, **kwargs)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            if code == "ConditionalCheckFailedException":
                raise ConflictError("the wellness check-in changed meanwhile; reload and retry") from error
            raise StorageError(f"DynamoDB {code or 'error'} on table {self.table_name}: {error}") from error

    def create_checkin(self, checkin: WellnessCheckIn) -> bool:
        try:
            self._call("put_item", Item=self._item(checkin), ConditionExpression="attribute_not_exists(sk)")
        except ConflictError:
            return False
        return True

    def get_checkin(self, checkin_id: str) -> WellnessCheckIn | None:
        found = self._call("get_item", Key=self._key(checkin_id), ConsistentRead=True).get("Item")
        return None if found is None else self._read(found)

    def list_checkins(self) -> list[WellnessCheckIn]:
        found: list[WellnessCheckIn] = []
        start: dict[str, Any] | None = None
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            page = self._call(
                "query",
                KeyConditionExpression="case_id = :pk AND begins_with(sk, :prefix)",
                ExpressionAttributeValues={":pk": {"S": PARTITION}, ":prefix": {"S": SORT_PREFIX}},
                ScanIndexForward=False,
                **extra,
            )
            found.extend(self._read(item) for item in page.get("Items", []))
            start = page.get("LastEvaluatedKey")
            if not start:
                return found

    def update_checkin(self, checkin: WellnessCheckIn, *, expected_revision: int) -> WellnessCheckIn:
        updated = checkin.model_copy(update={"revision": expected_revision + 1}, deep=True)
        self._call(
            "put_item",
            Item=self._item(updated),
            ConditionExpression="revision = :expected",
            ExpressionAttributeValues={":expected": {"N": str(expected_revision)}},
        )
        return updated
