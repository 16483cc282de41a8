"""``Idempotency-Key`` on the case API's POSTs, kept by Powertools idempotency in the agency's table.

The same key from the same caller (token subject) with the same request (method, path, JSON body)
answers what the first request answered, without a second change or a second change record. The
same key with another request is refused (422); while the first is still running, 409. A request
that failed left no record, so it may be retried with its key. Keys of different callers never meet.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from eis_core.errors import ConflictError, ValidationFailed

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.idempotency import BasePersistenceLayer
    from aws_lambda_powertools.utilities.typing import LambdaContext

IDEMPOTENCY_KEY_PREFIX = "cases-api.post"
REPLAY_SECONDS = 24 * 3600
"""How long a key is remembered: a client retrying within a day gets the first answer."""
_KEY_PATTERN = re.compile(r"^[\x21-\x7e]{1,255}$")

Answer = dict[str, Any]
"""What a POST answered, as JSON: ``{"body": ..., "etag": ...}``."""


class IdempotencyKeyReusedError(ValidationFailed):
    """The key was used for a different request by the same caller."""


class IdempotencyInProgressError(ConflictError):
    """The first request with this key is still running."""


def check_key(key: str) -> str:
    if not _KEY_PATTERN.match(key):
        raise ValidationFailed("Idempotency-Key must be 1 to 255 visible ASCII characters")
    return key


class IdempotentPosts:
    """Runs a POST once per (caller, key); a repeat with the same request gets the stored answer."""

    def __init__(self, persistence: BasePersistenceLayer, *, expires_after_seconds: int = REPLAY_SECONDS) -> None:
        from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function

        self._config = IdempotencyConfig(
            event_key_jmespath="[subject, key]",
            payload_validation_jmespath="request",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=expires_after_seconds,
        )
        self._once = idempotent_function(
            self._answer,
            data_keyword_argument="call",
            persistence_store=persistence,
            config=self._config,
            key_prefix=IDEMPOTENCY_KEY_PREFIX,
        )

    def register_lambda_context(self, context: LambdaContext) -> None:
        self._config.register_lambda_context(context)

    @staticmethod
    def _answer(*, call: dict[str, Any], produce: Callable[[], Answer]) -> Answer:
        del call  # what the key and the validation hash are made of
        return produce()

    def run(
        self, *, subject: str, key: str, method: str, path: str, body: str | None, produce: Callable[[], Answer]
    ) -> Answer:
        """``produce()`` the first time; its stored answer when the same caller repeats the same request."""
        from aws_lambda_powertools.utilities.idempotency.exceptions import (
            IdempotencyAlreadyInProgressError,
            IdempotencyValidationError,
        )

        try:
            parsed = json.loads(body) if body else None
        except ValueError:
            parsed = body  # the route's own validation answers for a malformed body
        call = {"subject": subject, "key": check_key(key), "request": {"method": method, "path": path, "body": parsed}}
        try:
            return cast(Answer, self._once(call=call, produce=produce))
        except IdempotencyValidationError:
            raise IdempotencyKeyReusedError(
                "this Idempotency-Key was used for a different request; use a new key for a new request"
            ) from None
        except IdempotencyAlreadyInProgressError:
            raise IdempotencyInProgressError(
                "a request with this Idempotency-Key is still being processed; retry shortly"
            ) from None


def build_idempotent_posts(table_name: str) -> IdempotentPosts:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return IdempotentPosts(DynamoDBPersistenceLayer(table_name=table_name))
