"""If-Match and Idempotency-Key on the case API's other writes (interventions, hand-off, deferral, dismissal),
and what the queue's workflow sections show to whom: in process on moto."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eis_core.models.alerts import AlertStatus
from eis_core.wiring import Adapters
from tests import builders
from tests.integration.test_case_walk import (
    ALERT,
    PERSONAL,
    RISK_MANAGER,
    SERGEANT,
    adapters,
    changes,
    ok,
    queue_of,
    send,
)

__all__ = ["adapters"]  # the fixture, shared with the walk


def planned_case() -> tuple[str, str | None]:
    """S1's case for A1001, reviewed and at intervention_planned; its id and current ETag."""
    opened, _ = ok(send("POST", f"/alerts/{ALERT.alert_id}/case", SERGEANT["S1"]), 201)
    path = f"/cases/{opened['case_id']}"
    ok(send("POST", f"{path}/transitions", SERGEANT["S1"], {"to": "in_review"}))
    _, etag = ok(
        send("POST", f"{path}/transitions", SERGEANT["S1"], {"to": "intervention_planned", "reason": PERSONAL})
    )
    return opened["case_id"], etag


def test_a_retried_intervention_plan_with_its_key_plans_once(adapters: Adapters) -> None:
    # Given a case at intervention_planned, and a plan sent with an Idempotency-Key
    case_id, _ = planned_case()
    path = f"/cases/{case_id}/interventions"
    first, _ = ok(send("POST", path, SERGEANT["S1"], {"type": "training"}, idempotency_key="plan-1"), 201)

    # When the client retries it (say the answer was lost)
    again, _ = ok(send("POST", path, SERGEANT["S1"], {"type": "training"}, idempotency_key="plan-1"), 201)

    # Then it gets the first answer, and the case holds one intervention with one change record
    assert again == first
    case, _ = ok(send("GET", f"/cases/{case_id}", SERGEANT["S1"]))
    assert [i["intervention_id"] for i in case["interventions"]] == [first["intervention_id"]]
    assert changes(adapters, case_id).count("case.intervention.plan") == 1
    # And the same key with another body is refused
    assert send("POST", path, SERGEANT["S1"], {"type": "peer_support"}, idempotency_key="plan-1")[0] == 422


def test_hand_off_and_deferral_writes_honour_if_match(adapters: Adapters) -> None:
    # Given a case whose ETag the risk manager read before S1 added a note
    case_id, stale = planned_case()
    path = f"/cases/{case_id}"
    ok(send("POST", f"{path}/notes", SERGEANT["S1"], {"text": "Spoke with the officer."}), 201)
    review_on = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    handing = {"supervisor_id": "S2", "reason": PERSONAL}
    deferring = {"reason": "A criminal investigation.", "review_on": review_on}

    # When the risk manager hands it off or defers it with the stale ETag, Then 412 and nothing changes
    assert send("POST", f"{path}/assignment", RISK_MANAGER, handing, if_match=stale)[0] == 412
    assert send("POST", f"{path}/deferral", RISK_MANAGER, deferring, if_match=stale)[0] == 412
    case, current = ok(send("GET", path, RISK_MANAGER))
    assert (case["supervisor_id"], case["awaiting_acknowledgement_by"], case["deferral"]) == ("S1", None, None)

    # And with the current ETag the hand-off goes through and answers the next ETag, which S2 acknowledges with
    assigned, handed = ok(send("POST", f"{path}/assignment", RISK_MANAGER, handing, if_match=current))
    assert assigned["awaiting_acknowledgement_by"] == "S2" and handed not in (None, current)
    acknowledged, _ = ok(send("POST", f"{path}/acknowledgement", SERGEANT["S2"], if_match=handed))
    assert acknowledged["acknowledged_by"] == "S2"


def test_dismissing_an_alert_with_a_stale_etag_is_refused(adapters: Adapters) -> None:
    # Given the risk manager read a new alert, then scoring merged it into a case
    _, read = ok(send("GET", f"/alerts/{ALERT.alert_id}", RISK_MANAGER))
    adapters.alerts.set_status(ALERT.alert_id, AlertStatus.MERGED, case_id="case-x")

    # When they dismiss it with the ETag they read
    dismissal = {"reason": "Duplicate."}
    status, answer, _ = send("POST", f"/alerts/{ALERT.alert_id}/dismissal", RISK_MANAGER, dismissal, if_match=read)

    # Then 412 (reload and look again), and the alert is not dismissed
    assert status == 412, answer
    stored = adapters.alerts.get_alert(ALERT.alert_id)
    assert stored is not None and stored.dismissal is None and stored.status is AlertStatus.MERGED


def test_a_deferred_case_leaves_its_supervisors_queue_sections_but_not_the_risk_managers(adapters: Adapters) -> None:
    # Given S1's case with coaching begun five weeks ago (a check-in overdue), handed to S2 and not yet acknowledged
    case_id, _ = planned_case()
    path = f"/cases/{case_id}"
    planned, _ = ok(send("POST", f"{path}/interventions", SERGEANT["S1"], {"type": "coaching_mentoring"}), 201)
    began = (datetime.now(UTC).date() - timedelta(days=35)).isoformat()
    ok(send("POST", f"{path}/interventions/{planned['intervention_id']}/start", SERGEANT["S1"], {"started_on": began}))
    ok(send("POST", f"{path}/assignment", RISK_MANAGER, {"supervisor_id": "S2", "reason": PERSONAL}))
    assert [e["case_id"] for e in queue_of(SERGEANT["S2"])["checkins_due"]] == [case_id]
    assert [e["case_id"] for e in queue_of(SERGEANT["S2"])["handoffs_to_acknowledge"]] == [case_id]
    assert queue_of(SERGEANT["S1"])["checkins_due"] == []  # the case is S2's now

    # When the risk manager defers it
    review_on = (datetime.now(UTC).date() + timedelta(days=30)).isoformat()
    ok(send("POST", f"{path}/deferral", RISK_MANAGER, {"reason": "Investigation.", "review_on": review_on}))

    # Then S2's queue no longer shows it anywhere; the risk manager's still does
    mine = queue_of(SERGEANT["S2"])
    assert mine["checkins_due"] == [] and mine["handoffs_to_acknowledge"] == [] and mine["cases"]["cases"] == []
    theirs = queue_of(RISK_MANAGER)
    assert [e["case_id"] for e in theirs["checkins_due"]] == [case_id]
    assert [(e["case_id"], e["detail"]) for e in theirs["handoffs_to_acknowledge"]] == [(case_id, "S2")]


def test_opening_again_after_a_half_done_opening_finishes_the_alert_and_names_the_case(adapters: Adapters) -> None:
    # Given an opening that stored the case but failed before marking its alert (the alert still reads new)
    adapters.cases.create_case(builders.case("case-half", "A1001", alert_ids=[ALERT.alert_id], supervisor_id="S1"))

    # When S1 opens a case from the alert again
    status, answer, _ = send("POST", f"/alerts/{ALERT.alert_id}/case", SERGEANT["S1"])

    # Then the answer names the stored case, and the alert now reads case_opened (the sweep stops chasing it)
    assert (status, answer["case_id"]) == (409, "case-half")
    stored = adapters.alerts.get_alert(ALERT.alert_id)
    assert stored is not None and (stored.status, stored.case_id) == (AlertStatus.CASE_OPENED, "case-half")
    assert queue_of(SERGEANT["S1"])["alerts"]["alerts"] == []
