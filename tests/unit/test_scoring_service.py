"""Scoring: peers, the score and model id, explanations, alerts, case merging and re-runs."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from functools import partial

import pandas as pd
import pytest

from eis_core.indicators import EventFrame, compute_indicators
from eis_core.models.alerts import Alert, AlertLevel, AlertStatus
from eis_core.models.messages import AlertCreated
from eis_core.models.records import (
    AllegationCategory,
    Commendation,
    Finding,
    Record,
)
from eis_core.scoring.alert_ids import AlertIds
from eis_core.scoring.peers import PeerConfig, compare_with_peers
from eis_core.scoring.pipeline import ScoringConfig, run_pipeline
from eis_core.scoring.rules import DEFAULT_RULES, RuleConfig
from eis_core.scoring.scorer import FoundationScorer
from eis_core.scoring.service import ScoringService, report_key
from eis_core.scoring.wiring import build_scoring_jobs
from eis_core.storage.memory import CapturingPublisher, InMemoryAlertStore, LocalAuditKey
from eis_core.wiring import Adapters, memory_adapters
from eis_tools.generate import GeneratorConfig, generate_agency
from tests import builders
from tests.builders import AS_OF, ago, next_id, officer, use_of_force

NOW = datetime(2025, 6, 1, 6, 0, tzinfo=UTC)
# This suite's force is a takedown and its complaints allege excessive force.
force = partial(use_of_force, force_type="takedown")
complaint = partial(builders.complaint, category=AllegationCategory.EXCESSIVE_FORCE)


def squad() -> list[Record]:
    """Twelve night-shift officers, most of them quiet, one (HOT) with four uses of force this quarter."""
    records: list[Record] = [*(officer(f"P{i:02d}") for i in range(11)), officer("HOT")]
    records += [force(f"P{i:02d}", 30 + i) for i in range(0, 11, 3)]  # four of eleven peers: one each
    records += [force("P01", 200), complaint("P02", 120), complaint("P05", 250)]
    records += [force("HOT", d, subject_injured=d == 5) for d in (5, 20, 41, 70)]
    records += [force("HOT", 150), complaint("HOT", 60)]
    return records


def service(adapters: Adapters, config: ScoringConfig | None = None) -> ScoringService:
    return build_scoring_jobs(adapters, agency_id="testville", config=config, clock=lambda: NOW).scoring


def loaded(records: list[Record]) -> Adapters:
    adapters = memory_adapters("testville")
    adapters.records.put_records(records, upload_id="test-upload")
    return adapters


def hot_alert_id(adapters: Adapters, as_of: date = AS_OF) -> str:
    """HOT's opaque alert id for ``as_of``, made with the agency's audit key as the run makes it."""
    return AlertIds(adapters.audit.key, "testville").make("HOT", as_of)


def published(adapters: Adapters) -> list[dict[str, object]]:
    publisher = adapters.publisher
    assert isinstance(publisher, CapturingPublisher)
    return publisher.published


# --- peers -----------------------------------------------------------------------------------------


def test_small_peer_groups_fall_back_to_broader_keys_and_say_so() -> None:
    # Given 12 officers on nights, 3 on days (same rank and unit), one without a shift, and 2 sergeants
    records: list[Record] = [officer(f"N{i:02d}") for i in range(12)]
    records += [officer(f"D{i}", shift="day") for i in range(3)] + [officer("NOSHIFT", shift=None)]
    records += [officer(f"S{i}", rank="Sergeant", shift="day") for i in range(2)]
    records += [force("D0", 10), force("D0", 11), force("N00", 12)]
    events = EventFrame.from_records(records)

    # When they are compared with peers (minimum group size 10)
    peers = compare_with_peers(compute_indicators(events, AS_OF), events.roster_as_of(AS_OF), PeerConfig())

    # Then the night shift is its own group, the day shift and the shift-less officer fall back to
    # rank + unit (16 officers), and the two sergeants to everyone (18)
    assert peers.group["N01"] == "Police Officer / District 7 / night"
    assert peers.level["N01"] == "rank+unit+shift"
    assert (peers.group["D1"], peers.level["D1"], peers.group_size["D1"]) == (
        "Police Officer / District 7",
        "rank+unit",
        16,
    )
    assert peers.level["NOSHIFT"] == "rank+unit"
    assert (peers.group["S0"], peers.level["S0"], peers.group_size["S0"]) == ("all officers", "all", 18)
    assert peers.level_counts() == {"all": 2, "rank+unit": 4, "rank+unit+shift": 12}


def test_peer_median_percentile_and_robust_z() -> None:
    # Given a group of ten where seven have no force, two have one and one has four
    records: list[Record] = [officer(f"N{i}") for i in range(10)]
    records += [force("N7", 5), force("N8", 6)] + [force("N9", d) for d in (1, 2, 3, 4)]
    events = EventFrame.from_records(records)

    peers = compare_with_peers(compute_indicators(events, AS_OF), events.roster_as_of(AS_OF), PeerConfig())

    assert peers.median.loc["N9", "force_90d"] == 0
    assert peers.percentile.loc["N9", "force_90d"] == pytest.approx(95.0)  # 9 below, itself half
    assert peers.percentile.loc["N0", "force_90d"] == pytest.approx(35.0)  # 7 tied at the bottom
    assert peers.robust_z.loc["N9", "force_90d"] == pytest.approx(4.0)  # MAD 0, eps 1: one per event


# --- score, model id, explanation ------------------------------------------------------------------


def test_the_outlier_is_flagged_with_an_explanation_that_quotes_the_numbers() -> None:
    result = run_pipeline(EventFrame.from_records(squad()), AS_OF, ScoringConfig())

    [flag] = result.flagged
    assert flag.officer_id == "HOT"
    assert flag.level is AlertLevel.CRITICAL  # 4 uses of force in 90 days is the critical level
    assert (
        "4 use-of-force reports in the last 90 days (peer median 0, 95th percentile among "
        "Police Officer / District 7 / night)" in flag.explanation
    )
    assert "4 or more use-of-force reports in 90 days (critical): 4 recorded" in flag.explanation
    assert "not a finding of misconduct" in flag.explanation
    assert "which ranks 1st of 12 officers by risk (top 8%)" in flag.explanation
    top = flag.factors[0]
    assert (top.indicator, top.officer_value, top.peer_median) == ("force_90d", 4.0, 0.0)
    assert top.peer_group == "Police Officer / District 7 / night"
    assert {score.model_id for score in result.scores} == {result.model_id}


def test_same_inputs_give_identical_scores_and_model_id() -> None:
    first = run_pipeline(EventFrame.from_records(squad()), AS_OF, ScoringConfig())
    second = run_pipeline(EventFrame.from_records(list(reversed(squad()))), AS_OF, ScoringConfig())

    assert first.model_id == second.model_id
    assert first.model_id.startswith("foundation-")
    assert [s.model_dump() for s in first.scores] == [s.model_dump() for s in second.scores]


def test_the_model_id_changes_with_rules_weights_and_peer_settings() -> None:
    events = EventFrame.from_records(squad())
    base = run_pipeline(events, AS_OF, ScoringConfig()).model_id
    stricter = ScoringConfig(rules=(*DEFAULT_RULES[:-1], DEFAULT_RULES[-1].model_copy(update={"warning": 4})))

    assert run_pipeline(events, AS_OF, stricter).model_id != base
    assert run_pipeline(events, AS_OF, ScoringConfig(peers=PeerConfig(min_group_size=5))).model_id != base
    assert run_pipeline(events, AS_OF, ScoringConfig(), FoundationScorer(top_k=2)).model_id != base


def test_a_complaint_known_only_after_as_of_changes_no_score() -> None:
    # Given the squad, and the squad plus a sustained complaint against P03 reported after the date
    late = complaint("P03", 20, known=-2, finding=Finding.SUSTAINED, decided=-2)

    before = run_pipeline(EventFrame.from_records(squad()), AS_OF, ScoringConfig())
    after = run_pipeline(EventFrame.from_records([*squad(), late]), AS_OF, ScoringConfig())

    assert [s.model_dump() for s in before.scores] == [s.model_dump() for s in after.scores]


def test_warning_rules_alone_do_not_flag_but_are_recorded() -> None:
    # Given a peer with exactly three uses of force (the warning level) in a group where others have more
    records = [*squad(), *(force("P03", d) for d in (2, 3))]  # P03 had one at 33 days: now three
    config = ScoringConfig.model_validate({"alerts": {"top_share": 0.01}})

    result = run_pipeline(EventFrame.from_records(records), AS_OF, config)
    p03 = next(s for s in result.scores if s.officer_id == "P03")

    assert [hit.level for hit in p03.rules] == [AlertLevel.WARNING]
    assert p03.level is None  # only HOT (critical) is flagged; the quota of one goes to the top score
    assert [flag.officer_id for flag in result.flagged] == ["HOT"]


def test_recognition_lists_clean_records_with_commendations_above_peers() -> None:
    # Given peers whose median force is positive, and one of them with none and two commendations
    records: list[Record] = [officer(f"N{i:02d}") for i in range(10)]
    records += [force(f"N{i:02d}", 40 + i) for i in range(1, 10)]
    records += [
        Commendation(source_record_id=next_id(), officer_id="N00", occurred_on=ago(d), known_on=ago(d), award_type="x")
        for d in (10, 100)
    ]

    result = run_pipeline(EventFrame.from_records(records), AS_OF, ScoringConfig())

    assert [entry["officer_id"] for entry in result.recognition] == ["N00"]
    assert result.recognition[0]["commendations_365d"] == 2
    assert "2 commendations in the last 365 days (peer median 0)" in result.recognition[0]["reason"]


# --- the service: stores, alerts, cases, publishing ------------------------------------------------


def test_a_run_stores_scores_alerts_report_and_audit_and_publishes_new_alerts() -> None:
    adapters = loaded(squad())

    summary = service(adapters).run(AS_OF)

    assert (summary.officers_scored, summary.alerts_created, summary.alerts_published) == (12, 1, 1)
    assert len(adapters.scores.scores_for(AS_OF)) == 12
    alert = adapters.alerts.get_alert(hot_alert_id(adapters))
    assert alert is not None
    assert (alert.status, alert.level, alert.model_id) == (AlertStatus.NEW, AlertLevel.CRITICAL, summary.model_id)
    assert alert.officer_id == "HOT" and Alert.is_opaque_id(alert.alert_id)
    assert published(adapters) == [
        AlertCreated(agency_id="testville", alert_id=alert.alert_id, level="critical").model_dump(mode="json")
    ]
    report = adapters.artifacts.get_json(report_key(AS_OF))
    assert report["model_id"] == summary.model_id
    assert report["counts"]["alerts_created"] == 1
    assert report["rules_fired"]["force_90d"] == {"warning": 0, "critical": 1}
    assert report["peer_group_levels"] == {"rank+unit+shift": 12}
    assert "recognition" in report
    [applying, audit] = adapters.audit.records()  # the first is written before any score or alert
    assert (applying.action, applying.target_id, applying.detail["flagged"]) == ("score.apply", summary.run_id, 1)
    assert (audit.action, audit.target_id, audit.detail["model_id"]) == ("score.run", summary.run_id, summary.model_id)


def test_rerunning_the_same_date_creates_and_publishes_nothing_new() -> None:
    adapters = loaded(squad())
    first = service(adapters).run(AS_OF)

    second = service(adapters).run(AS_OF)

    assert (second.alerts_created, second.alerts_existing, second.alerts_published) == (0, 1, 0)
    assert len(published(adapters)) == 1
    [alert] = adapters.alerts.list_alerts()
    assert alert.alert_id == hot_alert_id(adapters) == published(adapters)[0]["alert_id"]
    assert second.model_id == first.model_id
    assert adapters.scores.scores_for(AS_OF)[0].run_id == first.run_id


def test_an_officer_with_an_open_case_gets_no_new_alert_the_case_grows() -> None:
    # Given HOT already has an open case from an earlier alert
    adapters = loaded(squad())
    adapters.cases.create_case(
        builders.case(
            "case-1",
            "HOT",
            alert_ids=["2025-05-01-HOT"],
            opened_at=NOW - timedelta(days=30),
            opened_by="sgt-1",
            review_due_on=AS_OF + timedelta(days=5),
        )
    )

    # When scoring flags HOT again
    summary = service(adapters).run(AS_OF)

    # Then the alert is stored merged into the case, the case gains it, and it is published as new
    # evidence (the notifier tells the case's supervisor, not of a new alert)
    assert (summary.alerts_created, summary.alerts_merged, summary.alerts_published) == (0, 1, 1)
    alert = adapters.alerts.get_alert(hot_alert_id(adapters))
    assert alert is not None
    assert (alert.status, alert.case_id) == (AlertStatus.MERGED, "case-1")
    case = adapters.cases.get_case("case-1")
    assert case is not None
    assert case.alert_ids == ["2025-05-01-HOT", hot_alert_id(adapters)]  # an old-style id and a new one
    assert [m["alert_id"] for m in published(adapters)] == [hot_alert_id(adapters)]
    assert adapters.alerts.list_alerts(AlertStatus.NEW) == []


def test_a_run_that_stopped_before_its_report_republishes_its_new_alerts() -> None:
    # Given a run stored its alert but crashed before publishing (so no report was written)
    adapters = loaded(squad())
    service(adapters).run(AS_OF)
    publisher = adapters.publisher
    assert isinstance(publisher, CapturingPublisher)
    publisher.published.clear()
    artifacts = adapters.artifacts
    del artifacts.objects[report_key(AS_OF)]  # type: ignore[attr-defined]

    # When the date is retried
    summary = service(adapters).run(AS_OF)

    # Then the alert is published again rather than never notified
    assert (summary.alerts_created, summary.alerts_published) == (0, 1)
    assert [m["alert_id"] for m in publisher.published] == [hot_alert_id(adapters)]


def test_a_date_scored_before_opaque_ids_is_rerun_without_a_second_alert() -> None:
    # Given HOT's alert for this date was stored under the old-style id, and that run finished
    earlier = loaded(squad())
    service(earlier).run(AS_OF)
    [alert] = earlier.alerts.list_alerts()
    adapters = dataclasses.replace(earlier, alerts=InMemoryAlertStore())
    adapters.alerts.create_alert(alert.model_copy(update={"alert_id": Alert.legacy_id("HOT", AS_OF)}))
    published(adapters).clear()

    # When the date is re-run after the upgrade
    summary = service(adapters).run(AS_OF)

    # Then the old alert is found: no second alert, nobody notified again
    assert (summary.alerts_created, summary.alerts_existing, summary.alerts_published) == (0, 1, 0)
    assert [a.alert_id for a in adapters.alerts.list_alerts()] == ["2025-06-01-HOT"]
    assert published(adapters) == []


def test_alert_ids_are_opaque_keyed_and_stable() -> None:
    key = LocalAuditKey(b"k" * 32)
    ids = AlertIds(key, "testville")

    made = ids.make("A1001", date(2024, 6, 1))

    assert made == AlertIds(LocalAuditKey(b"k" * 32), "testville").make("A1001", date(2024, 6, 1))
    assert made.startswith("alert-") and len(made) == len("alert-") + 24
    assert "A1001" not in made.upper() and "2024" not in made and "0601" not in made
    others = {
        ids.make("A1002", date(2024, 6, 1)),
        ids.make("A1001", date(2024, 6, 2)),
        AlertIds(key, "otherville").make("A1001", date(2024, 6, 1)),
        AlertIds(LocalAuditKey(b"x" * 32), "testville").make("A1001", date(2024, 6, 1)),
    }
    assert made not in others and len(others) == 4
    assert Alert.is_opaque_id(made) and not Alert.is_opaque_id(Alert.legacy_id("A1001", date(2024, 6, 1)))


def test_an_empty_roster_scores_nobody_and_still_reports() -> None:
    adapters = loaded([])

    summary = service(adapters).run(AS_OF)

    assert (summary.officers_scored, summary.alerts_created) == (0, 0)
    assert adapters.artifacts.get_json(report_key(AS_OF))["counts"]["officers_scored"] == 0


def test_an_agency_rule_set_replaces_the_classic_rules() -> None:
    # Given an agency that alerts on any sustained complaint, critically
    rule = RuleConfig(
        rule_id="sustained_any",
        label="sustained complaints in 365 days",
        indicators=("complaint_sustained_365d",),
        warning=1,
        critical=1,
    )
    records = [*squad(), complaint("P03", 100, known=-1, finding=Finding.SUSTAINED, decided=-1)]
    # (knowledge date after as_of: not visible now, visible a week later)
    config = ScoringConfig(rules=(rule,))

    now = run_pipeline(EventFrame.from_records(records), AS_OF, config)
    later = run_pipeline(EventFrame.from_records(records), AS_OF + timedelta(days=7), config)

    assert "P03" not in {flag.officer_id for flag in now.flagged}
    assert "P03" in {flag.officer_id for flag in later.flagged if flag.level is AlertLevel.CRITICAL}
    assert set(pd.Series([s.model_id for s in later.scores])) == {later.model_id}


# --- a generated agency ----------------------------------------------------------------------------


def test_hidden_at_risk_officers_are_over_represented_among_alerts_in_the_final_year() -> None:
    # Given a synthetic agency whose answer key names the officers whose risk rises
    agency = generate_agency(GeneratorConfig(officers=300, seed=7))
    events = EventFrame.from_records(record for records in agency.records.values() for record in records)
    at_risk = agency.truth.at_risk_ids

    # When it is scored each quarter of its final year
    flagged: list[str] = []
    population: list[str] = []
    for month in (1, 4, 7, 10):
        result = run_pipeline(events, date(agency.config.end.year, month, 1), ScoringConfig())
        flagged += [flag.officer_id for flag in result.flagged]
        population += [score.officer_id for score in result.scores]

    # Then at-risk officers make up at least three times their share of the force among the alerts
    share_of_alerts = sum(officer in at_risk for officer in flagged) / len(flagged)
    share_of_force = sum(officer in at_risk for officer in population) / len(population)
    assert share_of_alerts >= 3 * share_of_force
    # and alerts stay the few, not a quota filled with everyone
    assert len(flagged) <= 0.1 * len(population)
