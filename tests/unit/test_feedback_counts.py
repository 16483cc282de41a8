"""Reviewers' feedback reaches the model: dispositions counted per rule and per model version."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from eis_core.models.alerts import Alert, AlertLevel, AlertStatus, RuleHit
from eis_core.models.cases import Case, CaseStatus, CaseTransition, Disposition
from eis_core.oversight.feedback import FeedbackCounter, count_feedback
from eis_core.oversight.keys import report_key
from eis_core.scoring.wiring import build_scoring_jobs
from eis_core.wiring import memory_adapters
from tests import builders
from tests.builders import learnable_agency

BEFORE = datetime(2024, 9, 1, tzinfo=UTC)


def _hit(rule_id: str) -> RuleHit:
    return RuleHit(rule_id=rule_id, description=rule_id, level=AlertLevel.WARNING, value=5, threshold=3)


def _alert(alert_id: str, rules: list[str], model: str | None, **extra: Any) -> Alert:
    officer_id = alert_id.split("-", maxsplit=1)[0]
    hits = [_hit(r) for r in rules]
    return builders.alert(officer_id, alert_id=alert_id, rules=hits, trained_model_id=model, **extra)


def _closed(
    case_id: str,
    alert_ids: list[str],
    disposition: Disposition,
    *,
    at: datetime = datetime(2024, 7, 1, tzinfo=UTC),
    rules: list[str] | None = None,
    factors: list[str] | None = None,
) -> Case:
    move = CaseTransition(
        from_status=CaseStatus.IN_REVIEW,
        to_status=CaseStatus.CLOSED,
        at=at,
        by="sub-risk",
        by_role="risk_manager",
        reason="Reviewed.",
        disposition=disposition,
        disagreed_rules=rules or [],
        disagreed_factors=factors or [],
    )
    return builders.case(
        case_id, case_id.upper(), alert_ids=alert_ids, status=CaseStatus.CLOSED, disposition=disposition, history=[move]
    )


# Five alerts: four from rule uof_90d (two models), two of them also complaint_365d; one dismissed.
ALERTS = {
    a.alert_id: a
    for a in [
        _alert("A1-1", ["uof_90d"], "model-old"),
        _alert("A2-1", ["uof_90d", "complaint_365d"], "model-old"),
        _alert("A3-1", ["uof_90d", "complaint_365d"], "model-new"),
        _alert("A4-1", [], "model-new"),  # ranked by the model alone, no rule fired
        _alert("A5-1", ["uof_90d"], None),  # the peer-and-rule scorer, before any trained model
    ]
}
DISMISSED = builders.alert("A6", alert_id="A6-1", rules=[_hit("uof_90d")], status=AlertStatus.DISMISSED)
CASES = [
    _closed("a1", ["A1-1"], Disposition.FALSE_POSITIVE, rules=["uof_90d"], factors=["uof_rate_90d"]),
    _closed("a2", ["A2-1"], Disposition.FALSE_POSITIVE, rules=["complaint_365d"]),
    _closed("a3", ["A3-1", "A4-1"], Disposition.INTERVENTION_COMPLETED),  # two alerts merged into one case
    _closed("a5", ["A5-1"], Disposition.NO_ACTION_NEEDED),
]


def test_each_alert_counts_once_under_each_of_its_rules_and_its_model() -> None:
    # When the conclusions on five alerts in four closed cases, and one dismissed alert, are counted
    summary = count_feedback(CASES, ALERTS, [DISMISSED], counted_before=BEFORE)

    # Then each rule says how many of its alerts were concluded on and how
    rules = {row.rule_id: row for row in summary.by_rule}
    uof = rules["uof_90d"]
    assert (uof.alerts, uof.false_positive, uof.dismissed, uof.disagreed) == (5, 2, 1, 1)
    assert uof.closed == {"false_positive": 2, "intervention_completed": 1, "no_action_needed": 1}
    assert uof.summary == "of 5 alerts from rule uof_90d, 2 closed as false positive and 1 dismissed"
    complaint = rules["complaint_365d"]
    assert (complaint.alerts, complaint.false_positive, complaint.disagreed) == (2, 1, 1)
    assert complaint.summary == "of 2 alerts from rule complaint_365d, 1 closed as false positive"

    # And each model version likewise, the alert without rules included
    models = {row.trained_model_id: row for row in summary.by_model}
    assert (models["model-old"].alerts, models["model-old"].false_positive) == (2, 2)
    assert models["model-new"].closed == {"intervention_completed": 2}
    assert models[None].closed == {"no_action_needed": 1}
    assert models[None].dismissed == 1 and models[None].summary.startswith("of 2 alerts from no trained model")
    assert (summary.closed_cases, summary.dismissed_alerts) == (4, 1)
    assert summary.disagreed_factors == {"uof_rate_90d": 1}


def test_only_conclusions_known_before_the_cut_off_count() -> None:
    late = _closed("a7", ["A1-1"], Disposition.FALSE_POSITIVE, at=datetime(2024, 9, 2, tzinfo=UTC))
    late_dismissal = DISMISSED.model_copy(update={"created_at": datetime(2024, 9, 3, tzinfo=UTC)})
    adapters = memory_adapters("testville")
    for alert in ALERTS.values():
        adapters.alerts.create_alert(alert)
    adapters.alerts.create_alert(late_dismissal)
    for case in [CASES[0], late]:
        adapters.cases.create_case(case.model_copy(update={"officer_id": f"officer-{case.case_id}"}))

    summary = FeedbackCounter(adapters.cases, adapters.alerts).count(BEFORE)

    assert summary.closed_cases == 1 and summary.dismissed_alerts == 0
    assert [(row.rule_id, row.alerts, row.false_positive) for row in summary.by_rule] == [("uof_90d", 1, 1)]
    assert summary.counted_before == BEFORE


def test_the_counts_read_through_the_stores_match_the_pure_count() -> None:
    adapters = memory_adapters("testville")
    for alert in [*ALERTS.values(), DISMISSED]:
        adapters.alerts.create_alert(alert)
    for case in CASES:
        adapters.cases.create_case(case)

    read = FeedbackCounter(adapters.cases, adapters.alerts).count(BEFORE)

    assert read == count_feedback(CASES, ALERTS, [DISMISSED], counted_before=BEFORE)


def test_the_next_run_report_counts_a_case_closed_as_false_positive() -> None:
    # Given a scoring run that raised alerts, and a case on one of them closed as a false positive
    adapters = memory_adapters("testville")
    adapters.records.put_records(learnable_agency(), upload_id="u1")
    jobs = build_scoring_jobs(adapters, agency_id="testville", clock=lambda: datetime(2025, 6, 1, 6, tzinfo=UTC))
    jobs.scoring.run(date(2025, 6, 1))
    alert = next(a for a in adapters.alerts.list_alerts() if a.rules)
    rule_id = alert.rules[0].rule_id
    adapters.cases.create_case(
        _closed("c-1", [alert.alert_id], Disposition.FALSE_POSITIVE, at=datetime(2025, 6, 1, 15, tzinfo=UTC))
    )

    # When the next day's run writes its report
    jobs.scoring.run(date(2025, 6, 2))

    # Then its feedback section counts that alert under its rule and under the scorer that raised it
    feedback = adapters.artifacts.get_json(report_key(date(2025, 6, 2)))["feedback"]
    assert feedback["closed_cases"] == 1
    [row] = [r for r in feedback["by_rule"] if r["rule_id"] == rule_id]
    assert (row["alerts"], row["false_positive"]) == (1, 1)
    assert row["summary"] == f"of 1 alert from rule {rule_id}, 1 closed as false positive"
    assert [(m["trained_model_id"], m["false_positive"]) for m in feedback["by_model"]] == [(None, 1)]
    # And the first day's report, written before the closure, counted nothing
    assert adapters.artifacts.get_json(report_key(date(2025, 6, 1)))["feedback"]["closed_cases"] == 0
