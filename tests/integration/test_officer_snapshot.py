"""GET /officers/{id} and GET /officers on moto, through the handler, after three scoring runs.

Dates count back from today, because the snapshot shows the last 24 months of scores and the last
5 years of events as of the day it is asked for.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import pytest

from eis_core.models.audit import AuditOutcome
from eis_core.models.records import Commendation, Record, Training
from eis_core.scoring.wiring import build_scoring_jobs
from eis_core.wiring import Adapters, aws_adapters
from eis_tools.local.lambda_context import LocalLambdaContext
from eis_tools.local.resources import LocalSettings
from functions.cases_api import handler
from tests import builders
from tests.conftest import EVENTS

TODAY = datetime.now(UTC).date()
RUNS = (TODAY - timedelta(days=800), TODAY - timedelta(days=31), TODAY)  # the first is over 24 months ago

RISK_MANAGER = {"sub": "sub-risk", "cognito:groups": "risk_manager"}
AUDITOR = {"sub": "sub-auditor", "cognito:groups": "auditor"}
SERGEANT_S1 = {"sub": "sub-s1", "custom:officer_id": "S1", "cognito:groups": "supervisor"}  # HOT's sergeant
LIEUTENANT_L1 = {"sub": "sub-l1", "custom:officer_id": "L1", "cognito:groups": "supervisor"}  # S1's lieutenant
SERGEANT_S2 = {"sub": "sub-s2", "custom:officer_id": "S2", "cognito:groups": "supervisor"}  # another chain


def _fixed(moment: datetime) -> datetime:
    return moment


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


def agency() -> list[Record]:
    """Thirteen night-shift officers in District 7 and their chain of command, with HOT the busiest.

    HOT (Jordan Whitfield) reports to S1 -> L1 -> C1; the eleven Does (P00..P10) to S1; OUT to S2 -> C1.
    Over the last 365 days: HOT 5 uses of force; P00, P01, P03, P06, P09 one each; everyone else none.
    """
    night = {"rank": "Police Officer", "unit": "District 7", "shift": "night"}
    records: list[Record] = [
        builders.officer("C1", "Casey", "Chief", None, rank="Chief", shift="day"),
        builders.officer("L1", "Lee", "Lieutenant", "C1", rank="Lieutenant", shift="day"),
        builders.officer("S1", "Sam", "Sergeant", "L1", rank="Sergeant"),
        builders.officer("S2", "Sky", "Sergeant", "C1", rank="Sergeant"),
        builders.officer(
            "HOT", "Jordan", "Whitfield", "S1", "hot@testville.example.gov", race="W", sex="M", birth_year=1988, **night
        ),
        builders.officer("OUT", "Olive", "Outfield", "S2", **night),
        *(builders.officer(f"P{n:02d}", "Pat", "Doe", "S1", **night) for n in range(11)),
    ]
    records += [builders.use_of_force(f"P{n:02d}", ago(30 + n)) for n in (0, 3, 6, 9)]
    records.append(builders.use_of_force("P01", ago(200)))
    records.append(builders.use_of_force("HOT", ago(5), subject_injured=True))
    records += [builders.use_of_force("HOT", ago(days)) for days in (20, 41, 70, 150)]
    records.append(builders.use_of_force("HOT", ago(6 * 365)))  # over five years ago: not on the page
    records.append(builders.complaint("HOT", ago(60)))
    records += [
        Commendation(
            source_record_id=f"com-{d}", officer_id="HOT", occurred_on=ago(d), known_on=ago(d), award_type="Life saving"
        )
        for d in (100, 400)
    ]
    records += [
        Training(
            source_record_id=f"trn-{k}",
            officer_id="HOT",
            occurred_on=ago(30 + 20 * k),
            known_on=ago(30 + 20 * k),
            course="De-escalation",
            hours=8,
            passed=k != 3,
        )
        for k in range(55)
    ]
    return records


@pytest.fixture
def recorded(settings: LocalSettings) -> Iterator[Adapters]:
    """Given the agency's records in its tables."""
    handler._service.cache_clear()
    built = aws_adapters(settings)
    built.records.put_records(agency(), upload_id="upload-1")
    yield built
    handler._service.cache_clear()


@pytest.fixture
def adapters(recorded: Adapters) -> Adapters:
    """Given the agency's records and three scoring runs."""
    for as_of in RUNS:
        moment = datetime(as_of.year, as_of.month, as_of.day, 6, tzinfo=UTC)
        build_scoring_jobs(recorded, agency_id="testville", clock=partial(_fixed, moment)).scoring.run(as_of)
    return recorded


def get(path: str, claims: dict[str, str], query: dict[str, str] | None = None) -> tuple[int, Any]:
    event = copy.deepcopy(json.loads((EVENTS / "apigw_list_alerts.json").read_text()))
    event["path"] = path
    event["pathParameters"] = {"proxy": path.lstrip("/")}
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()} if query else None
    event["requestContext"]["authorizer"]["claims"] = {"custom:agency_id": "testville", **claims}
    response = handler.lambda_handler(event, LocalLambdaContext(function_name="eis-testville-cases-api"))
    return response["statusCode"], json.loads(response["body"] or "null")


def test_the_snapshot_shows_who_the_officer_is_and_how_they_compare_with_peers(adapters: Adapters) -> None:
    status, page = get("/officers/HOT", SERGEANT_S1)

    assert status == 200
    assert (page["name"], page["badge"], page["rank"], page["unit"], page["shift"]) == (
        "Jordan Whitfield",
        "HOT",
        "Police Officer",
        "District 7",
        "night",
    )
    assert page["supervisor"] == {"officer_id": "S1", "name": "Sam Sergeant"}
    assert page["tenure_years"] == round((TODAY - date(2015, 1, 1)).days / 365.25, 1)
    current = page["current_score"]
    assert current["as_of"] == TODAY.isoformat()
    assert (current["rank"], current["officers_scored"]) == (1, 17)  # the busiest of all 17 on the roster
    assert (current["peer_group"], current["peer_group_size"]) == ("Police Officer / District 7 / night", 13)
    force = next(row for row in page["indicators"] if row["indicator"] == "force_365d")
    # Peers' force in 365 days: seven 0s, five 1s and HOT's 5 -> quartiles 0, 0, 1; HOT top of 13
    assert (force["value"], force["peer_p25"], force["peer_median"], force["peer_p75"]) == (5.0, 0.0, 0.0, 1.0)
    assert force["percentile"] == round((13 - 0.5) / 13 * 100, 1)
    assert force["label"] == "Use-of-force reports, last 365 days"
    # One point per run of the last 24 months, oldest first, ending at the current score
    assert [point["as_of"] for point in page["score_history"]] == [RUNS[1].isoformat(), RUNS[2].isoformat()]
    assert page["score_history"][-1]["score"] == current["score"]


def test_the_snapshot_lists_events_alerts_and_cases_without_civilian_or_personal_details(
    adapters: Adapters,
) -> None:
    stored = sorted(
        (a for a in adapters.alerts.list_alerts() if a.officer_id == "HOT"), key=lambda a: a.created_at, reverse=True
    )
    opened_status, case = get_case_opened(stored[0].alert_id)

    status, page = get("/officers/HOT", RISK_MANAGER)

    assert (opened_status, status) == (201, 200)
    months = page["timeline"]
    assert len(months) == 60 and months[-1]["month"] == TODAY.strftime("%Y-%m")
    totals: dict[str, int] = {}
    for month in months:
        for kind, count in month["counts"].items():
            totals[kind] = totals.get(kind, 0) + count
    assert totals == {"use_of_force": 5, "complaint": 1, "commendation": 2, "training": 55}
    events = page["recent_events"]
    assert len(events) == 50
    assert events[0] == {"date": ago(5).isoformat(), "kind": "use_of_force", "category": "taser", "finding": None}
    assert [e["date"] for e in events] == sorted((e["date"] for e in events), reverse=True)
    assert {
        "date": ago(60).isoformat(),
        "kind": "complaint",
        "category": "verbal_abuse",
        "finding": "pending",
    } in events
    assert [c["date"] for c in page["commendations"]] == [ago(100).isoformat(), ago(400).isoformat()]
    assert len(page["training"]) == 55 and page["training"][3]["passed"] is False
    assert [a["alert_id"] for a in page["alerts"]] == [a.alert_id for a in stored]
    assert [(c["case_id"], c["status"]) for c in page["cases"]] == [(case["case_id"], "open")]
    assert {key for event in events for key in event} == {"date", "kind", "category", "finding"}
    text = json.dumps(page)
    for absent in ('"subject_injured"', "hot@testville", '"email"', '"race"', '"sex"', '"birth_year"', "1988"):
        assert absent not in text


def get_case_opened(alert_id: str) -> tuple[int, Any]:
    event = copy.deepcopy(json.loads((EVENTS / "apigw_open_case.json").read_text()))
    event["path"] = f"/alerts/{alert_id}/case"
    event["pathParameters"] = {"proxy": event["path"].lstrip("/")}
    response = handler.lambda_handler(event, LocalLambdaContext(function_name="eis-testville-cases-api"))
    return response["statusCode"], json.loads(response["body"])


def test_supervisors_see_only_their_chain_and_others_get_404_audited_as_denied(adapters: Adapters) -> None:
    answers = {
        name: get("/officers/HOT", claims)[0]
        for name, claims in [("s1", SERGEANT_S1), ("l1", LIEUTENANT_L1), ("auditor", AUDITOR), ("risk", RISK_MANAGER)]
    }
    denied_status, denied = get("/officers/HOT", SERGEANT_S2)
    denial = adapters.audit.records(limit=1000)[-1]
    unknown_status, _ = get("/officers/NOBODY", RISK_MANAGER)
    unknown = adapters.audit.records(limit=1000)[-1]

    assert answers == {"s1": 200, "l1": 200, "auditor": 200, "risk": 200}
    assert denied_status == 404 and "HOT" not in json.dumps(denied).replace("officer HOT not found", "")
    assert (denial.actor, denial.outcome, denial.detail["reason"]) == (
        "sub-s2",
        AuditOutcome.DENIED,
        "outside the caller's chain of command",
    )
    assert (unknown_status, unknown.outcome) == (404, AuditOutcome.FAILED)


def test_search_finds_officers_by_badge_or_name_only_within_the_callers_scope(recorded: Adapters) -> None:
    def found(claims: dict[str, str], q: str) -> list[str]:
        status, page = get("/officers", claims, {"q": q})
        assert status == 200
        return [officer["officer_id"] for officer in page["officers"]]

    assert found(RISK_MANAGER, "hot") == ["HOT"]
    assert found(RISK_MANAGER, "WHIT") == ["HOT"]
    assert found(RISK_MANAGER, "jordan whit") == ["HOT"]
    assert found(SERGEANT_S1, "whitfield") == ["HOT"]
    assert found(SERGEANT_S2, "whitfield") == []
    assert found(SERGEANT_S2, "o") == ["OUT"]
    assert found(SERGEANT_S1, "out") == []
    searches = [r for r in recorded.audit.records(limit=1000) if r.action == "api.get./officers"]
    assert len(searches) == 7
    assert {r.detail["query"]["q"] for r in searches} == {"[withheld]"}  # names typed stay out of the audit log


def test_search_pages_with_a_cursor_and_refuses_a_forged_one_or_no_query(recorded: Adapters) -> None:
    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        status, page = get(
            "/officers", SERGEANT_S1, {"q": "doe", "limit": "5"} | ({"cursor": cursor} if cursor else {})
        )
        assert status == 200 and len(page["officers"]) <= 5
        seen += [officer["officer_id"] for officer in page["officers"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert (pages, seen) == (3, [f"P{n:02d}" for n in range(11)])
    assert get("/officers", SERGEANT_S1, {"q": "doe", "cursor": "not-a-cursor"})[0] == 422
    assert get("/officers", SERGEANT_S1, None)[0] == 422
    assert get("/officers", SERGEANT_S1, {"q": "doe", "limit": "1000"})[0] == 422
