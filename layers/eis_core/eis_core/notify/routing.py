"""Who is told, in one place: the agency's response model as a table, and the escalation ladder.

Pure functions, no storage: the notifier finds the people (the officer's first reachable supervisor,
the case's supervisor, the rung of the ladder an escalation has reached) and asks ``route`` who gets
the email. ``ROUTES`` says, for each response model and each kind of email, which side is told
(``to``) and which is copied (``copy``):

==================  =============  ==========  ===================  ================
model               new alert      reminder    escalation           new evidence
==================  =============  ==========  ===================  ================
centralized         team           team        team                 team
centralized_review  chain + team   chain       chain + team         chain + team
decentralized       chain          chain       chain                chain
capacity_building   chain, team    chain,team  chain, team          chain, team
==================  =============  ==========  ===================  ================

(``+ team``: the risk team is copied; ``chain, team``: both are addressed.) Each side stands in for the
other when it has nobody: no reachable supervisor means the risk team is told, no risk team means
the chain is. Emails have one recipient list; ``to`` comes first, then ``copy``.

Escalation climbs the chain one rung per ``escalation_days`` past the review date: level 1 is the
supervisor above the one the reminders go to, level 2 the one above that, and so on; the level after
the top of the chain is the risk team, and that is the last one. Under ``centralized`` the chain is
never told, so the only level is the risk team.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from eis_core.models.records import Officer, OfficerStatus
from eis_core.settings import RoutingPolicy


class Purpose(StrEnum):
    ALERT = "alert"  # a new alert waits for review
    REMINDER = "reminder"  # a review date is near or past
    ESCALATION = "escalation"  # a review is long overdue: someone higher up is told
    NEW_EVIDENCE = "new_evidence"  # a later alert was merged into an open case


class Side(StrEnum):
    CHAIN = "chain"
    TEAM = "team"


class RoutedTo(StrEnum):
    SUPERVISOR = "supervisor"
    RISK_TEAM = "risk_team"
    SUPERVISOR_AND_RISK_TEAM = "supervisor_and_risk_team"
    WITHHELD = "withheld"  # deferred from the chain of command, and no risk team to tell


@dataclass(frozen=True)
class Rule:
    """Which sides are addressed and which are copied for one model and purpose."""

    to: frozenset[Side]
    copy: frozenset[Side] = frozenset()


_CHAIN = frozenset({Side.CHAIN})
_TEAM = frozenset({Side.TEAM})
_BOTH = frozenset({Side.CHAIN, Side.TEAM})

ROUTES: dict[RoutingPolicy, dict[Purpose, Rule]] = {
    RoutingPolicy.CENTRALIZED: {purpose: Rule(_TEAM) for purpose in Purpose},
    RoutingPolicy.CENTRALIZED_REVIEW: {
        Purpose.ALERT: Rule(_CHAIN, copy=_TEAM),
        Purpose.REMINDER: Rule(_CHAIN),
        Purpose.ESCALATION: Rule(_CHAIN, copy=_TEAM),
        Purpose.NEW_EVIDENCE: Rule(_CHAIN, copy=_TEAM),
    },
    RoutingPolicy.DECENTRALIZED: {purpose: Rule(_CHAIN) for purpose in Purpose},
    RoutingPolicy.CAPACITY_BUILDING: {purpose: Rule(_BOTH) for purpose in Purpose},
}


@dataclass(frozen=True)
class Route:
    """Who gets one email. ``recipients`` is what the mailer is given: ``to``, then ``copy``, no repeats."""

    to: tuple[str, ...]
    copy: tuple[str, ...]
    routed_to: RoutedTo

    @property
    def recipients(self) -> list[str]:
        return list(dict.fromkeys(self.to + self.copy))


def route(model: RoutingPolicy, purpose: Purpose, *, chain: Officer | None, risk_team: Sequence[str]) -> Route:
    """The recipients of one email under ``model``; ``chain`` is the supervisor the chain side means.

    An escalation past the top of the chain passes ``chain=None``: the risk team is told.
    """
    rule = ROUTES[model][purpose]
    emails = {Side.CHAIN: (chain.email,) if chain is not None and chain.email else (), Side.TEAM: tuple(risk_team)}
    other = {Side.CHAIN: Side.TEAM, Side.TEAM: Side.CHAIN}

    def present(sides: frozenset[Side]) -> set[Side]:  # a side with nobody is replaced by the other one
        return {side if emails[side] else other[side] for side in sides} & {s for s in Side if emails[s]}

    to = present(rule.to)
    copy = present(rule.copy) - to
    addressed = tuple(email for side in Side if side in to for email in emails[side])
    copied = tuple(email for side in Side if side in copy for email in emails[side])
    told = to | copy
    if told == {Side.CHAIN}:
        routed_to = RoutedTo.SUPERVISOR
    elif told == _BOTH:
        routed_to = RoutedTo.SUPERVISOR_AND_RISK_TEAM
    else:
        routed_to = RoutedTo.RISK_TEAM
    return Route(addressed, copied, routed_to)


def first_reachable(by_id: Mapping[str, Officer], start_id: str | None, *, skip: Sequence[str] = ()) -> Officer | None:
    """``start_id`` or, failing that, the first supervisor above them: active (not separated), with an email."""
    seen: set[str] = set(skip)
    supervisor_id = start_id
    while supervisor_id and supervisor_id not in seen:  # a cycle in the roster must not loop forever
        seen.add(supervisor_id)
        supervisor = by_id.get(supervisor_id)
        if supervisor is None:
            return None
        if supervisor.email and supervisor.status is not OfficerStatus.SEPARATED:
            return supervisor
        supervisor_id = supervisor.supervisor_id
    return None


def ladder_above(by_id: Mapping[str, Officer], first: Officer | None, *, skip: Sequence[str] = ()) -> list[Officer]:
    """The reachable supervisors above ``first``, nearest first (an escalation's rungs in the chain)."""
    rungs: list[Officer] = []
    seen = [*skip, *([first.officer_id] if first else [])]
    current = first
    while current is not None:
        current = first_reachable(by_id, current.supervisor_id, skip=seen)
        if current is not None:
            rungs.append(current)
            seen.append(current.officer_id)
    return rungs


@dataclass(frozen=True)
class EscalationStep:
    """One rung: ``level`` (1 = the first above), and who it reaches (None: past the chain, the risk team)."""

    level: int
    supervisor: Officer | None

    @property
    def final(self) -> bool:
        return self.supervisor is None


def last_level(model: RoutingPolicy, rungs: Sequence[Officer], *, has_risk_team: bool) -> int:
    """How many escalation levels there are: one per rung of the chain, then the risk team (if any).

    Under ``centralized`` the chain is not told: the risk team is the only level.
    """
    if model is RoutingPolicy.CENTRALIZED:
        return 1 if has_risk_team else 0
    return len(rungs) + (1 if has_risk_team else 0)


def escalation_level(days_overdue: int, escalation_days: int, last: int) -> int:
    """The level a review ``days_overdue`` past its date has reached (0: not escalated), at most ``last``."""
    if days_overdue < escalation_days:
        return 0
    return min(days_overdue // escalation_days, last)


def escalation_step(model: RoutingPolicy, rungs: Sequence[Officer], level: int) -> EscalationStep:
    """Who ``level`` reaches: the level-th rung up the chain, or None (the risk team) past its top."""
    if model is RoutingPolicy.CENTRALIZED or level > len(rungs):
        return EscalationStep(level, None)
    return EscalationStep(level, rungs[level - 1])
