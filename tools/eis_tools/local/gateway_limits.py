"""The limits API Gateway applies before a request reaches the function, for the local gateway.

- **Payload**: a REST API refuses a body over 10 MB with 413; Lambda's synchronous invocation refuses an
  event over 6 MB, which API Gateway also answers with 413.
- **Throttle**: a token bucket per stage (steady rate, burst), answered with 429. The defaults are the
  agency stack's (``infra.config.ApiThrottle``: 50 requests/s, burst 100); ``EIS_LOCAL_RATE_LIMIT`` and
  ``EIS_LOCAL_BURST_LIMIT`` change them.
- **Framing**: a body is read by its ``Content-Length`` only. A length that is not a non-negative
  integer answers 400, a body sent chunked (or a body-carrying method without a length) 411; the
  connection is then closed, as nothing after it can be trusted to start a request.
- **Concurrency**: ``EIS_LOCAL_CONCURRENCY`` execution environments (default 4) answer at once.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus

API_GATEWAY_MAX_BODY = 10 * 1024 * 1024
LAMBDA_MAX_EVENT = 6 * 1024 * 1024
DEFAULT_RATE_LIMIT = 50.0  # infra.config.ApiThrottle.rate_limit
DEFAULT_BURST_LIMIT = 100  # infra.config.ApiThrottle.burst_limit
DEFAULT_CONCURRENCY = 4
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class GatewayLimits:
    rate_limit: float = DEFAULT_RATE_LIMIT
    burst_limit: int = DEFAULT_BURST_LIMIT
    max_body: int = API_GATEWAY_MAX_BODY
    max_event: int = LAMBDA_MAX_EVENT
    concurrency: int = DEFAULT_CONCURRENCY

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> GatewayLimits:
        """The defaults, with ``EIS_LOCAL_RATE_LIMIT``, ``EIS_LOCAL_BURST_LIMIT``, ``EIS_LOCAL_CONCURRENCY``."""
        return cls(
            rate_limit=float(environ.get("EIS_LOCAL_RATE_LIMIT") or DEFAULT_RATE_LIMIT),
            burst_limit=int(environ.get("EIS_LOCAL_BURST_LIMIT") or DEFAULT_BURST_LIMIT),
            concurrency=int(environ.get("EIS_LOCAL_CONCURRENCY") or DEFAULT_CONCURRENCY),
        )


class TokenBucket:
    """``burst`` tokens, refilled at ``rate`` a second; each request takes one. Thread-safe."""

    def __init__(self, rate: float, burst: int, *, clock: Callable[[], float] = time.monotonic) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("the rate must be positive and the burst at least 1")
        self._rate = rate
        self._burst = float(burst)
        self._tokens = float(burst)
        self._clock = clock
        self._last = clock()
        self._lock = threading.Lock()

    def take(self) -> float:
        """0 when the request may go on, else the seconds until a token is free (for Retry-After)."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
            self._last = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self._rate


def retry_after(seconds: float) -> str:
    """Retry-After in whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


class Refused(Exception):
    """A request the gateway answers itself, before the function runs."""

    def __init__(
        self, status: HTTPStatus, message: str, *, close: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.close = close  # the rest of the connection cannot be read as requests
        self.retry_after = retry_after


def body_length(method: str, headers: Mapping[str, str], *, max_body: int) -> int:
    """How many body bytes to read, or :class:`Refused` for a request that cannot be framed or is too large."""
    lowered = {name.lower(): value for name, value in headers.items()}
    if "chunked" in lowered.get("transfer-encoding", "").lower():
        raise Refused(HTTPStatus.LENGTH_REQUIRED, "chunked bodies are not accepted: send a Content-Length", close=True)
    declared = lowered.get("content-length")
    if declared is None:
        if method in BODY_METHODS:
            raise Refused(HTTPStatus.LENGTH_REQUIRED, f"a {method} needs a Content-Length (0 for no body)", close=True)
        return 0
    text = declared.strip()
    if not text.isdigit() or not text.isascii():
        raise Refused(HTTPStatus.BAD_REQUEST, "Content-Length must be a non-negative integer", close=True)
    length = int(text)
    if length > max_body:
        raise Refused(
            HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"Request Too Long: the body is over {max_body} bytes", close=True
        )
    return length
