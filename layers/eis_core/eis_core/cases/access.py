"""Who is calling, and what they may see: identity from Cognito claims and the chain of command."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from eis_core.errors import EISError
from eis_core.models.records import Officer
from eis_core.storage.ports import RecordStore


class NotAuthenticatedError(EISError):
    """The request carries no usable identity (missing subject or agency claim)."""


class Role(StrEnum):
    SUPERVISOR = "supervisor"
    RISK_MANAGER = "risk_manager"
    AUDITOR = "auditor"
    ADMIN = "admin"
    COMMAND = "command"  # command staff: the agency trends report; alerts and cases of their own chain, read only
    WELLNESS = "wellness"  # the wellness coordinator: wellness check-ins only (eis_core.wellness.service)


SEE_ALL = frozenset({Role.RISK_MANAGER, Role.ADMIN, Role.AUDITOR})
CHANGE_ALL = frozenset({Role.RISK_MANAGER, Role.ADMIN})
CHANGE_ANY = frozenset({Role.RISK_MANAGER, Role.ADMIN, Role.SUPERVISOR})
READ_AUDIT = frozenset({Role.AUDITOR, Role.ADMIN})
READ_TRENDS = frozenset({Role.RISK_MANAGER, Role.COMMAND, Role.ADMIN, Role.AUDITOR})

_SEPARATORS = re.compile(r"[\s,]+")


def parse_groups(raw: Any) -> frozenset[str]:
    """Cognito groups as API Gateway forwards them: ``"a,b"``, ``"[a b]"``, a JSON list, or a real list."""
    if raw is None:
        return frozenset()
    if isinstance(raw, list | tuple | set | frozenset):
        items: Iterable[Any] = raw
    else:
        text = str(raw).strip()
        items = _SEPARATORS.split(text)
        if text.startswith("[") and text.endswith("]"):
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            items = parsed if isinstance(parsed, list) else _SEPARATORS.split(text[1:-1])
    return frozenset(name for item in items if (name := str(item).strip()))


@dataclass(frozen=True)
class Caller:
    """An authenticated user of the case API, as the token describes them."""

    subject: str
    agency_id: str
    roles: frozenset[Role]
    officer_id: str | None = None
    email: str | None = None

    @classmethod
    def from_claims(cls, claims: Mapping[str, Any] | None) -> Caller:
        """Raises NotAuthenticatedError when the subject or agency claim is missing."""
        claims = claims or {}
        subject = str(claims.get("sub") or "").strip()
        agency_id = str(claims.get("custom:agency_id") or "").strip()
        if not subject or not agency_id:
            raise NotAuthenticatedError("the token has no subject or no custom:agency_id claim; sign in again")
        groups = parse_groups(claims.get("cognito:groups"))
        officer_id = str(claims.get("custom:officer_id") or "").strip() or None
        email = str(claims.get("email") or "").strip() or None
        return cls(
            subject=subject,
            agency_id=agency_id,
            roles=frozenset(Role(g) for g in groups if g in Role._value2member_map_),
            officer_id=officer_id,
            email=email,
        )

    @property
    def role(self) -> str:
        """The roles as one string for audit records, e.g. ``risk_manager,supervisor``."""
        return ",".join(sorted(self.roles)) or "none"

    def any_of(self, roles: frozenset[Role]) -> bool:
        return not self.roles.isdisjoint(roles)


def describe_claims(claims: Mapping[str, Any] | None) -> tuple[str, str, str | None]:
    """Actor, role and agency for auditing a request whose token may be missing or malformed."""
    claims = claims or {}
    actor = str(claims.get("sub") or "").strip() or "anonymous"
    roles = sorted(g for g in parse_groups(claims.get("cognito:groups")) if g in Role._value2member_map_)
    agency = str(claims.get("custom:agency_id") or "").strip() or None
    return actor, ",".join(roles) or "none", agency


def chain_of_command(roster: Iterable[Officer], supervisor_id: str) -> frozenset[str]:
    """Every officer who reports to ``supervisor_id``, directly or through other supervisors."""
    reports: dict[str, list[str]] = {}
    for officer in roster:
        if officer.supervisor_id:
            reports.setdefault(officer.supervisor_id, []).append(officer.officer_id)
    found: set[str] = set()
    pending = list(reports.get(supervisor_id, []))
    while pending:
        officer_id = pending.pop()
        if officer_id in found or officer_id == supervisor_id:
            continue  # a cycle in the roster must not loop forever
        found.add(officer_id)
        pending.extend(reports.get(officer_id, []))
    return frozenset(found)


class RosterCache:
    """The roster, re-read at most every ``max_age_seconds``.

    Reading it means scanning the records store, too slow to repeat on every API request; a roster
    changes with an upload (daily at most), so a few minutes' staleness is the accepted price.
    """

    def __init__(
        self,
        records: RecordStore,
        *,
        max_age_seconds: float = 300.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._records = records
        self._max_age = max_age_seconds
        self._monotonic = monotonic
        self._officers: dict[str, Officer] | None = None
        self._read_at = 0.0
        self._lock = threading.Lock()

    def officers(self) -> dict[str, Officer]:
        with self._lock:
            now = self._monotonic()
            if self._officers is None or now - self._read_at > self._max_age:
                self._officers = {officer.officer_id: officer for officer in self._records.roster()}
                self._read_at = now
            return self._officers
