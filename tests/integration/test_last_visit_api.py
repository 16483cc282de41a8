"""The portal's "what changed since your last visit" on the server, and the intervention catalogue route.

A user's last visit to their queue is kept per token subject (``PUT``/``GET /me/last-visit``), so it
survives signing out and another workstation; the catalogue route serves exactly what planning accepts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from eis_core.cases.catalogue import DESCRIBED
from eis_core.models.audit import AuditOutcome
from eis_core.models.visits import LastVisit
from eis_core.settings import DEFAULT_INTERVENTION_CATALOGUE
from eis_core.storage.ports import VisitStore
from eis_core.storage.visits import InMemoryVisitStore
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.resources import LocalSettings
from functions.cases_api import handler
from tests.integration.test_cases_api import ALERT_A, ALERT_B, adapters
from tests.integration.test_route_roles import CALLERS, invoke

__all__ = ["adapters"]  # the fixture: a roster and two new alerts in the agency's tables

SERGEANT = CALLERS["supervisor_in_chain"]
OTHER_SERGEANT = CALLERS["supervisor_out_of_chain"]
AUDITOR = CALLERS["auditor"]
RISK_MANAGER = CALLERS["risk_manager"]


@pytest.fixture(params=["memory", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[VisitStore]:
    if request.param == "memory":
        yield InMemoryVisitStore()
    else:
        settings: LocalSettings = request.getfixturevalue("settings")
        yield aws_adapters(settings).visits


def test_a_marker_is_kept_per_user_and_replaced_by_the_next(store: VisitStore) -> None:
    first = LastVisit(subject="sub-s1", visited_at=datetime(2025, 6, 1, 8, tzinfo=UTC), alert_ids=("alert-a",))
    later = LastVisit(subject="sub-s1", visited_at=datetime(2025, 6, 2, 8, tzinfo=UTC), cases={"case-1": "in_review"})

    assert store.last_visit("sub-s1") is None
    store.put_last_visit(first)
    assert store.last_visit("sub-s1") == first
    assert store.last_visit("sub-s2") is None  # another user's marker is their own
    store.put_last_visit(later)
    assert store.last_visit("sub-s1") == later


def test_markers_in_the_cases_table_are_invisible_to_every_case_read(settings: LocalSettings) -> None:
    built = aws_adapters(settings)
    built.visits.put_last_visit(LastVisit(subject="sub-s1", visited_at=datetime(2025, 6, 1, tzinfo=UTC)))

    assert list(built.cases.iter_cases()) == []
    assert built.cases.list_open_cases() == [] and built.cases.active_deferrals() == []
    assert built.cases.get_case("VISITS") is None


def test_a_supervisor_who_signs_in_again_gets_back_what_their_queue_showed_last_time(adapters: Adapters) -> None:
    # Given a sergeant who has never recorded a visit
    assert invoke("GET", "/me/last-visit", SERGEANT, None) == (
        200,
        {"visited_at": None, "alert_ids": [], "cases": []},
    )

    # When the portal records what their queue shows (an alert, and a case in review)
    seen = {"alert_ids": [ALERT_A, ALERT_A], "cases": [{"case_id": "case-1", "status": "in_review"}]}
    status, recorded = invoke("PUT", "/me/last-visit", SERGEANT, seen)
    assert status == 200, recorded

    # Then their next session reads it back, stamped by the server, the repeated alert once
    status, read = invoke("GET", "/me/last-visit", SERGEANT, None)
    assert status == 200
    assert read == recorded
    assert read["alert_ids"] == [ALERT_A]
    assert read["cases"] == [{"case_id": "case-1", "status": "in_review"}]
    assert datetime.fromisoformat(read["visited_at"]) <= datetime.now(UTC)
    # And another sergeant's marker is untouched: each user has their own
    assert invoke("GET", "/me/last-visit", OTHER_SERGEANT, None)[1]["visited_at"] is None

    # And recording it is audited by counts, not by the ids seen
    [record] = [r for r in adapters.audit.records(since_seq=0, limit=1000) if r.action == "user.last_visit.record"]
    assert (record.actor, record.target_id, record.outcome) == ("sub-s1", "sub-s1", AuditOutcome.SUCCESS)
    assert record.detail == {"alerts": 1, "cases": 1}


def test_read_only_roles_keep_a_marker_too_but_nobody_writes_nonsense_into_it(adapters: Adapters) -> None:
    # An auditor changes nothing of the agency's, but their own last visit is theirs to record
    assert invoke("PUT", "/me/last-visit", AUDITOR, {"alert_ids": [ALERT_B]})[0] == 200
    assert invoke("GET", "/me/last-visit", AUDITOR, None)[1]["alert_ids"] == [ALERT_B]
    # ...while the auditor still may not change a case
    assert invoke("POST", f"/alerts/{ALERT_A}/case", AUDITOR, None)[0] == 403

    # A status that is not a case status, an id with spaces or too long a list: 422, nothing stored
    for body in (
        {"cases": [{"case_id": "case-1", "status": "whatever"}]},
        {"alert_ids": ["<script>alert(1)</script>"]},
        {"alert_ids": [f"alert-{i}" for i in range(501)]},
        {"alert_ids": [], "note": "free text is not accepted"},
    ):
        assert invoke("PUT", "/me/last-visit", RISK_MANAGER, body)[0] == 422, body
    assert invoke("GET", "/me/last-visit", RISK_MANAGER, None)[1]["visited_at"] is None


def test_the_catalogue_route_serves_exactly_what_planning_accepts(adapters: Adapters) -> None:
    # Given the agency's default catalogue, when a sergeant asks for it
    status, catalogue = invoke("GET", "/interventions/catalogue", SERGEANT, None)

    # Then it lists the agency's types in order, each with a label and a plain-language description
    assert status == 200
    assert [t["type"] for t in catalogue["types"]] == list(DEFAULT_INTERVENTION_CATALOGUE)
    coaching = catalogue["types"][0]
    assert coaching == {
        "type": "coaching_mentoring",
        "label": "Coaching or mentoring",
        "description": DESCRIBED["coaching_mentoring"][1],
    }
    assert all(t["description"] for t in catalogue["types"])
    assert (catalogue["checkin_days"], catalogue["monitoring_days"]) == (30, 90)
    # And an auditor, who plans nothing, is refused
    assert invoke("GET", "/interventions/catalogue", AUDITOR, None)[0] == 403


def test_an_agency_catalogue_is_served_as_configured_and_an_undescribed_type_reads_as_words(
    adapters: Adapters, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an agency that offers its own list, one type of which the EIS does not describe
    monkeypatch.setenv("EIS_INTERVENTION_CATALOGUE", "peer_support,fitness_programme")
    handler._settings.cache_clear()
    handler._service.cache_clear()
    try:
        status, catalogue = invoke("GET", "/interventions/catalogue", RISK_MANAGER, None)
    finally:
        handler._settings.cache_clear()
        handler._service.cache_clear()

    # Then exactly that list is served, the undescribed type as its id in words, with no description
    assert status == 200
    assert catalogue["types"] == [
        {"type": "peer_support", "label": "Peer support", "description": DESCRIBED["peer_support"][1]},
        {"type": "fitness_programme", "label": "Fitness programme", "description": None},
    ]
