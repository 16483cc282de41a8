"""moto's server with DynamoDB's per-item atomicity: one request at a time per table.

moto's backends are plain Python dictionaries with no locks. Served by a threaded server, two requests
on one table can interleave: a conditional put checks its condition, another thread writes the same
key, then the first overwrites it (two audit appends both "win" the same sequence number), and a query
that walks the table while another thread inserts fails with "dictionary changed size during
iteration". DynamoDB applies each request atomically, so the local stack serialises requests per
table (a transaction or batch takes every table it names, in sorted order, so two cannot deadlock);
requests on different tables, such as a snapshot query on the records table and an audit append,
still run side by side. Other services (S3, SQS, SES, Cognito, KMS) share one lock.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable
from typing import Any

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

from eis_tools.local.moto_memory import stop_tracking_instances

WsgiApp = Callable[[dict[str, Any], Any], Iterable[bytes]]
OTHER_SERVICES = "*"


def dynamodb_tables(body: bytes) -> set[str]:
    """The tables a DynamoDB JSON request names (single-table calls, batches, transactions)."""
    try:
        request = json.loads(body or b"{}")
    except ValueError:
        return set()
    if not isinstance(request, dict):
        return set()
    names: set[str] = set()
    if isinstance(request.get("TableName"), str):
        names.add(request["TableName"])
    if isinstance(request.get("RequestItems"), dict):
        names.update(str(name) for name in request["RequestItems"])
    for item in request.get("TransactItems") or []:
        for operation in item.values() if isinstance(item, dict) else ():
            if isinstance(operation, dict) and isinstance(operation.get("TableName"), str):
                names.add(operation["TableName"])
    return names


class TableLocks:
    """WSGI middleware: each request holds the locks of what it touches while moto answers it."""

    def __init__(self, app: WsgiApp) -> None:
        self._app = app
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def _lock(self, name: str) -> threading.Lock:
        with self._guard:
            return self._locks.setdefault(name, threading.Lock())

    def keys(self, environ: dict[str, Any]) -> list[str]:
        target = str(environ.get("HTTP_X_AMZ_TARGET") or "")
        if not target.startswith("DynamoDB_"):
            return [OTHER_SERVICES]
        length = environ.get("CONTENT_LENGTH")
        if not length:
            return ["dynamodb:"]
        body = environ["wsgi.input"].read(int(length))
        environ["wsgi.input"] = io.BytesIO(body)  # moto reads the body again
        tables = dynamodb_tables(body)
        return sorted(f"dynamodb:{name}" for name in tables) or ["dynamodb:"]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        keys = self.keys(environ)
        locks = [self._lock(key) for key in keys]
        action = str(environ.get("HTTP_X_AMZ_TARGET") or "").rpartition(".")[2]
        for lock in locks:
            lock.acquire()
        _in_query.served = True  # this thread answers through the locks: index buckets may be used
        try:
            result = self._app(environ, start_response)
            try:
                body = b"".join(result)  # the whole answer inside the lock: moto may build it lazily
            finally:
                close = getattr(result, "close", None)
                if close is not None:
                    close()
            return [body]
        finally:
            _in_query.served = False
            if keys[0].startswith("dynamodb:") and action not in READ_ACTIONS:
                changed(*(key.removeprefix("dynamodb:") for key in keys))
            for lock in reversed(locks):
                lock.release()


class LockedMotoServer(ThreadedMotoServer):
    """``ThreadedMotoServer`` whose application is wrapped in :class:`TableLocks`."""

    def _server_entry(self) -> None:
        speed_up_queries()
        stop_tracking_instances()  # moto kept every item a query copied: memory grew with each list request
        app = TableLocks(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()


# --- queries that do not sort the whole table ----------------------------------------------------

_in_query = threading.local()


# DynamoDB actions that change no item; any other action on a table drops its index buckets.
READ_ACTIONS = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "TransactGetItems",
        "Query",
        "Scan",
        "DescribeTable",
        "ListTables",
        "DescribeTimeToLive",
        "DescribeContinuousBackups",
        "ListTagsOfResource",
        "DescribeLimits",
        "DescribeEndpoints",
    }
)
_versions: dict[str, int] = {}  # table name -> writes served; "" (no table named) -> every table


def changed(*tables: str) -> None:
    """Writes to these tables were served (an empty name: to any table): their index buckets are stale."""
    for name in tables or ("",):
        _versions[name] = _versions.get(name, 0) + 1


def _every_item(table: Any) -> list[Any]:
    items: list[Any] = []
    for hash_set in table.items.values():
        items.extend(hash_set.values() if table.range_key_attr else [hash_set])
    return items


def _index_bucket(table: Any, index_name: str, conditions: list[tuple[str, Any]]) -> list[Any] | None:
    """The items whose index hash attributes equal the query's, from buckets built once per table version.

    Only used for requests served through :class:`TableLocks`, which count every write; a query made
    in process (``mock_aws``) reads the whole table as moto does.
    """
    if not conditions or not getattr(_in_query, "served", False):
        return None
    names = tuple(name for name, _ in conditions)
    version = (_versions.get(table.name, 0), _versions.get("", 0))
    cache: dict[Any, Any] = table.__dict__.setdefault("_eis_index_buckets", {})
    built = cache.get((index_name, names))
    if built is None or built[0] != version:
        buckets: dict[tuple[Any, ...], list[Any]] = {}
        for item in _every_item(table):
            values = tuple(item.attrs.get(name) for name in names)
            if all(value is not None for value in values):
                buckets.setdefault(values, []).append(item)
        built = (version, buckets)
        cache[(index_name, names)] = built
    found: list[Any] = built[1].get(tuple(value for _, value in conditions), [])
    return list(found)


def _all_items_for_query(table: Any, original: Callable[[Any], list[Any]]) -> list[Any]:
    partition = getattr(_in_query, "partition", None)
    if partition is None:
        return original(table)
    hash_key, index_name, conditions = partition
    if index_name is None:
        found = table.items.get(hash_key) if hash_key is not None else None
        if found is None:
            return []
        return list(found.values()) if table.range_key_attr else [found]
    # A GSI query filters and sorts what it gets by the index's keys; the table order is not needed.
    bucket = _index_bucket(table, index_name, conditions)
    return bucket if bucket is not None else _every_item(table)


def speed_up_queries() -> None:
    """Make moto's ``Table.query`` read only the queried partition (a GSI query: every item, unsorted).

    moto 5 builds every query from ``Table.all_items()``, which lists and sorts the whole table, so a
    query on a partition of three items in a table of 68,000 records costs as much as sorting them
    all, and each audit append (a query on the audit table) gets slower with every request served.
    The query sorts its own results afterwards (by range key, or by the index's keys, both unique),
    so skipping the table-wide sort returns the same items in the same order. Only the local stack
    calls this (idempotent); ``Table.scan`` and everything else keep moto's behaviour.
    """
    from moto.dynamodb.models.table import Table

    if getattr(Table, "_eis_fast_query", False):
        return
    original_all_items = Table.all_items
    original_query = Table.query

    def all_items(self: Any) -> list[Any]:
        return _all_items_for_query(self, original_all_items)

    def query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        _in_query.partition = (hash_key, index_name, list(kwargs.get("hash_key_conditions") or []))
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _in_query.partition = None

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    Table._eis_fast_query = True  # type: ignore[attr-defined]
    _originals[:] = [original_all_items, original_query]


_originals: list[Any] = []


def restore_queries() -> None:
    """Undo :func:`speed_up_queries` (for tests that compare both)."""
    from moto.dynamodb.models.table import Table

    if _originals:
        Table.all_items, Table.query = _originals  # type: ignore[method-assign]
        Table._eis_fast_query = False  # type: ignore[attr-defined]
        _originals.clear()
