"""Last-visit marker adapters: in memory, and DynamoDB in a partition of its own of the cases table.

The DynamoDB items live under ``case_id = "VISITS"`` with ``sk = "USER#<subject>"`` and carry only
``body``: none of the attributes the case indexes key on, and case scans filter on ``sk = "CASE"``, so
no case listing, queue or case read can return one. One item per user, read and written by its key
(no query, no scan); the case API already holds the cases table, so no table was added to the stack.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from eis_core.errors import CorruptItemError, StorageError
from eis_core.models.visits import LastVisit

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

PARTITION = "VISITS"
SORT_PREFIX = "USER#"


class InMemoryVisitStore:
    def __init__(self) -> None:
        self._items: dict[str, LastVisit] = {}
        self._lock = threading.Lock()

    def last_visit(self, subject: str) -> LastVisit | None:
        with self._lock:
            return self._items.get(subject)

    def put_last_visit(self, visit: LastVisit) -> None:
        with self._lock:
            self._items[visit.subject] = visit


class DynamoVisitStore:
    def __init__(self, client: DynamoDBClient, cases_table: str) -> None:
        self._db = client
        self.table_name = cases_table

    def _key(self, subject: str) -> dict[str, Any]:
        return {"case_id": {"S": PARTITION}, "sk": {"S": SORT_PREFIX + subject}}

    def _call(self, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._db, operation)(TableName=self.table_name, **kwargs)
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            raise StorageError(f"DynamoDB {code or 'error'} on table {self.table_name}: {error}") from error

    def last_visit(self, subject: str) -> LastVisit | None:
        found = self._call("get_item", Key=self._key(subject), ConsistentRead=True).get("Item")
        if found is None:
            return None
        try:
            return LastVisit.model_validate_json(found["body"]["S"])
        except (KeyError, ValueError) as error:
            raise CorruptItemError("last visit", subject) from error

    def put_last_visit(self, visit: LastVisit) -> None:
        self._call("put_item", Item=self._key(visit.subject) | {"body": {"S": visit.model_dump_json()}})
