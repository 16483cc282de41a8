"""Lambda execution environments in one process: each serves one request at a time.

Lambda never sends a second request to an environment that is still answering one, so a handler
module may keep per-request state on module-level objects (Powertools' resolver keeps the current
event and its context on ``app``). To answer concurrent requests locally without changing what runs
in AWS, the gateway keeps a pool of environments, each its own copy of the handler module (its own
resolver, settings, composition root, clients and caches), created on demand up to a limit (the
function's concurrency) and reused, as Lambda keeps warm environments.

What the copies still share is the process: ``eis_core``'s modules (whose caches are read-only
after they are built or guarded), boto3's clients (thread-safe) and Powertools' class-level metric
buffer, which each copy gets a buffer of its own for (``_own_metric_buffer``).
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import queue
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]
_copies = itertools.count(1)


class NoEnvironmentAvailable(Exception):
    """Every environment stayed busy for the whole wait (API Gateway would time the request out)."""


def load_copy(module_name: str) -> ModuleType:
    """A fresh copy of a module: imported again from its file under a name of its own."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(module_name)
    name = f"{module_name}__environment{next(_copies)}"
    copy_spec = importlib.util.spec_from_file_location(name, spec.origin)
    if copy_spec is None or copy_spec.loader is None:
        raise ModuleNotFoundError(module_name)
    module = importlib.util.module_from_spec(copy_spec)
    sys.modules[name] = module  # dataclasses and pydantic look classes' modules up by name
    try:
        copy_spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    _own_metric_buffer(module)
    return module


def _own_metric_buffer(module: ModuleType) -> None:
    """Powertools' ``Metrics`` instances share one class-level buffer; give this copy's its own."""
    metrics = getattr(module, "metrics", None)
    provider = getattr(metrics, "provider", None)
    if metrics is None or provider is None:
        return
    for attribute in ("metric_set", "metadata_set"):
        if isinstance(getattr(provider, attribute, None), dict):
            own: dict[str, Any] = {}
            setattr(provider, attribute, own)
            setattr(metrics, attribute, own)


class ExecutionEnvironments:
    """Up to ``limit`` environments of one handler module; ``invoke`` runs an event in a free one.

    The first environment is the module as imported (``module_name``) so that tests and tools that
    reach into it (cold starts, replaced services) still see the requests; more are copies.
    """

    def __init__(self, module_name: str, *, limit: int, attribute: str = "lambda_handler") -> None:
        if limit < 1:
            raise ValueError("at least one environment is needed")
        self._module_name = module_name
        self._attribute = attribute
        self._limit = limit
        self._idle: queue.LifoQueue[Handler] = queue.LifoQueue()  # the warmest first, as Lambda reuses
        self._created = 0
        self._guard = threading.Lock()

    @property
    def created(self) -> int:
        return self._created

    def _new(self) -> Handler:
        module = importlib.import_module(self._module_name) if self._created == 1 else load_copy(self._module_name)
        handler: Handler = getattr(module, self._attribute)
        return handler

    def _acquire(self, wait: float) -> Handler:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            pass
        with self._guard:
            create = self._created < self._limit
            if create:
                self._created += 1
        if create:
            try:
                return self._new()
            except BaseException:
                with self._guard:
                    self._created -= 1
                raise
        try:
            return self._idle.get(timeout=wait)
        except queue.Empty:
            raise NoEnvironmentAvailable from None

    def invoke(self, event: dict[str, Any], context: Any, *, wait: float = 29.0) -> dict[str, Any]:
        handler = self._acquire(wait)
        try:
            return handler(event, context)
        finally:
            self._idle.put(handler)
