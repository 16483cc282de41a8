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
        locks = [self._lock(key) for key in self.keys(environ)]
        for lock in locks:
            lock.acquire()
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
            for lock in reversed(locks):
                lock.release()


class LockedMotoServer(ThreadedMotoServer):
    """``ThreadedMotoServer`` whose application is wrapped in :class:`TableLocks`."""

    def _server_entry(self) -> None:
        app = TableLocks(DomainDispatcherApplication(create_backend_app))
        self._server = make_server(self._ip_address, self._port, app, True, request_handler=MotoRequestHandler)
        self._server_ready_event.set()
        self._server.serve_forever()
