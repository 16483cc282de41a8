"""The agency's intervention catalogue as people read it: each type's id, a label and what it means.

The types are exactly the agency's ``InterventionPolicy.intervention_catalogue`` (the list planning
checks against); a type the agency added that is not described here reads as its id in words, with
no description. Served to those who may plan interventions (supervisors, risk managers, admins).
"""

from __future__ import annotations

from dataclasses import dataclass

from eis_core.cases.access import CHANGE_ANY, Caller
from eis_core.errors import ForbiddenError
from eis_core.settings import InterventionPolicy

DESCRIBED: dict[str, tuple[str, str]] = {
    "coaching_mentoring": (
        "Coaching or mentoring",
        "Regular one-to-one sessions with a supervisor or an experienced officer on the concerns the review found.",
    ),
    "training": ("Training", "A course or refresher on the skills the review points to, such as de-escalation."),
    "peer_support": ("Peer support", "Contact with the agency's trained peer support team."),
    "wellness_referral": (
        "Wellness referral",
        "A referral to the employee assistance programme (EAP) or another wellness or counselling service.",
    ),
    "schedule_adjustment": (
        "Schedule or workload adjustment",
        "A change of shifts, overtime or workload to give the officer room to recover.",
    ),
    "supervisor_ride_along": (
        "Supervisor ride-along",
        "A supervisor accompanies the officer on shifts to observe and give feedback on the spot.",
    ),
    "reassignment": ("Reassignment", "A temporary or lasting move to another assignment, unit or shift."),
    "recognition": ("Recognition", "Acknowledging good work formally, alongside or instead of other support."),
}


@dataclass(frozen=True)
class CatalogueEntry:
    type: str
    label: str
    description: str | None


@dataclass(frozen=True)
class Catalogue:
    entries: tuple[CatalogueEntry, ...]
    checkin_days: int
    monitoring_days: int


def _entry(type_id: str) -> CatalogueEntry:
    if type_id in DESCRIBED:
        label, description = DESCRIBED[type_id]
        return CatalogueEntry(type_id, label, description)
    return CatalogueEntry(type_id, type_id.replace("_", " ").capitalize(), None)


def intervention_catalogue(caller: Caller, policy: InterventionPolicy) -> Catalogue:
    """The types a case may plan, in the agency's order; ForbiddenError for roles that plan none."""
    if not caller.any_of(CHANGE_ANY):
        raise ForbiddenError("your role plans no interventions")
    entries = tuple(_entry(type_id) for type_id in policy.intervention_catalogue)
    return Catalogue(entries, checkin_days=policy.checkin_days, monitoring_days=policy.monitoring_days)
