"""The by-officer reads behind the officer snapshot: the in-memory and DynamoDB (moto) adapters agree."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from eis_core.models.alerts import OfficerScore
from eis_core.models.cases import CaseStatus, CaseTransition, Disposition
from eis_core.models.records import RecordKind
from eis_core.wiring import Adapters, aws_adapters, memory_adapters
from eis_tools.local.resources import LocalSettings
from tests import builders


@pytest.fixture(params=["memory", "aws"])
def adapters(request: pytest.FixtureRequest) -> Adapters:
    if request.param == "memory":
        return memory_adapters("testville")
    settings: LocalSettings = request.getfixturevalue("settings")  # moto is active for the whole test
    return aws_adapters(settings)


def score(officer_id: str, as_of: date, value: float) -> OfficerScore:
    return OfficerScore(
        officer_id=officer_id,
        as_of=as_of,
        run_id=f"run-{as_of}",
        scoring_config_id="cfg",
        score=value,
        peer_group="Police Officer / District 7 / night",
        rank=2,
        officers_scored=40,
        peer_level="rank+unit+shift",
        standings={"force_365d": (3.0, 91.5)},
    )


def test_an_officers_events_come_newest_first_since_a_date_of_the_kinds_asked(adapters: Adapters) -> None:
    # Given A1's events over two years, B2's event, the roster, and a retracted one of A1
    old = builders.use_of_force("A1", date(2022, 12, 31), source_record_id="uof-old")
    recent = builders.use_of_force("A1", date(2024, 5, 2), source_record_id="uof-recent")
    complaint = builders.complaint("A1", date(2024, 1, 10), source_record_id="cmp-1")
    gone = builders.use_of_force("A1", date(2024, 3, 3), source_record_id="uof-gone")
    other = builders.use_of_force("B2", date(2024, 4, 4), source_record_id="uof-b2")
    adapters.records.put_records(
        [builders.officer("A1"), builders.officer("B2"), old, recent, complaint, gone, other], upload_id="u1"
    )
    adapters.records.retract_missing(RecordKind.USE_OF_FORCE, {"uof-old", "uof-recent", "uof-b2"}, upload_id="u2")

    # When A1's events since 2023 are read, all kinds and then force only
    every_kind = adapters.records.officer_events("A1", since=date(2023, 1, 1))
    force_only = adapters.records.officer_events("A1", since=date(2023, 1, 1), kinds={RecordKind.USE_OF_FORCE})

    # Then the roster, the retracted event, other officers and older events stay out
    assert every_kind == [recent, complaint]
    assert force_only == [recent]
    assert adapters.records.officer_events("A1", since=date(2023, 1, 1), kinds=()) == []


def test_an_officers_scores_come_back_oldest_first_since_a_date_with_their_standings(adapters: Adapters) -> None:
    adapters.scores.put_scores([score("A1", date(2024, m, 1), float(m)) for m in (1, 2, 3)])
    adapters.scores.put_scores([score("B2", date(2024, 2, 1), 9.0)])

    history = adapters.scores.scores_of("A1", since=date(2024, 2, 1))

    assert [(s.as_of, s.score) for s in history] == [(date(2024, 2, 1), 2.0), (date(2024, 3, 1), 3.0)]
    assert history[-1].rank == 2 and history[-1].officers_scored == 40
    assert history[-1].standings == {"force_365d": (3.0, 91.5)}
    assert adapters.scores.scores_of("Z9", since=date(2020, 1, 1)) == []


def test_an_officers_alerts_and_cases_come_back_newest_first_and_bounded(adapters: Adapters) -> None:
    for month in (1, 2, 3):
        adapters.alerts.create_alert(builders.alert("A1", as_of=date(2024, month, 1)))
    adapters.alerts.create_alert(builders.alert("B2", as_of=date(2024, 2, 1)))
    adapters.cases.create_case(builders.case("case-1", "A1", opened_at=datetime(2024, 1, 2, tzinfo=UTC)))
    adapters.cases.transition_case(
        "case-1",
        CaseTransition(
            from_status=CaseStatus.OPEN,
            to_status=CaseStatus.CLOSED,
            at=datetime(2024, 1, 20, tzinfo=UTC),
            by="sub-risk",
            by_role="risk_manager",
            reason="Reviewed",
            disposition=Disposition.NO_ACTION_NEEDED,
        ),
        expected_moves=0,
    )
    adapters.cases.create_case(builders.case("case-2", "A1", opened_at=datetime(2024, 3, 2, tzinfo=UTC)))
    adapters.cases.create_case(builders.case("case-3", "B2"))

    alerts = adapters.alerts.alerts_of("A1", limit=2)
    cases = adapters.cases.cases_of("A1")

    assert [a.as_of for a in alerts] == [date(2024, 3, 1), date(2024, 2, 1)]
    assert [(c.case_id, c.status, c.disposition) for c in cases] == [
        ("case-2", CaseStatus.OPEN, None),
        ("case-1", CaseStatus.CLOSED, Disposition.NO_ACTION_NEEDED),
    ]
    assert cases[1].history[0].to_status is CaseStatus.CLOSED
    assert adapters.alerts.alerts_of("Z9") == [] and adapters.cases.cases_of("Z9") == []
