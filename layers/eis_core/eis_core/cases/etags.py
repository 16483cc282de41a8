"""Entity tags for cases and alerts, and the ``If-Match`` check of a conditional write.

A case's tag is its version (the count of writes the store made to it, notes included) with a digest
of its content, so a write that forgot to count still changes the tag. A write carrying ``If-Match``
applies only while the stored case still has that tag (412 otherwise), and the store makes it
conditional on the version read, so two supervisors cannot overwrite each other. A write without
``If-Match`` is applied as before (last writer wins where the workflow allows it).

An alert changes only by the workflow (a case opened from it, a dismissal); its tag is a digest of
its status and case, checked before the change.
"""

from __future__ import annotations

import hashlib

from eis_core.errors import PreconditionFailedError
from eis_core.models.alerts import Alert
from eis_core.models.cases import Case

MAX_IF_MATCH_CHARS = 1024


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def case_etag(case: Case) -> str:
    """A strong entity tag (quoted) for a case as stored."""
    return f'"{case.version}-{_digest(case.model_dump_json(exclude={"version"}))}"'


def alert_etag(alert: Alert) -> str:
    state = "|".join([alert.alert_id, alert.status.value, alert.case_id or ""])
    return f'"{_digest(state)}"'


def check_if_match(if_match: str | None, current: str, what: str) -> bool:
    """True when the write is conditional (``If-Match`` given and matching); PreconditionFailedError when stale.

    ``*`` matches any stored resource; a list matches when one of its tags does; weak tags never match.
    """
    if if_match is None or not if_match.strip():
        return False
    if len(if_match) > MAX_IF_MATCH_CHARS:
        raise PreconditionFailedError("If-Match is too long")
    tags = [tag.strip() for tag in if_match.split(",") if tag.strip()]
    if "*" in tags:
        return False
    if current in tags:
        return True
    raise PreconditionFailedError(f"{what} changed since you read it (If-Match {if_match!r}); reload it and retry")
