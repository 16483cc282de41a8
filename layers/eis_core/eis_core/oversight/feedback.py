"""Reviewers' feedback for the model: case dispositions counted per rule and per model version.

``count_feedback`` is pure: closed cases, the alerts they hold and the dismissed alerts in, counts out.
``FeedbackCounter`` reads them through the ports for the scoring and retraining jobs: closed cases by
the case store's closed-case index (a paginated query, never a table scan), their alerts by id, and
dismissed alerts by the alert store's status index. Only what was known before the cut-off counts,
so re-running a date counts the same.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from eis_core.models.alerts import Alert, AlertStatus
from eis_core.models.cases import Case, Disposition
from eis_core.models.oversight import (
    NO_TRAINED_MODEL,
    FeedbackSummary,
    ModelFeedback,
    RuleFeedback,
    closing_move,
)
from eis_core.storage.ports import AlertStore, CaseStore

READ_THREADS = 8


@dataclass
class _Tally:
    alerts: int = 0
    closed: Counter[str] = field(default_factory=Counter)
    dismissed: int = 0
    disagreed: int = 0

    def add(self, disposition: Disposition | None, *, disagreed: bool = False) -> None:
        self.alerts += 1
        if disposition is None:
            self.dismissed += 1
        else:
            self.closed[disposition.value] += 1
        self.disagreed += int(disagreed)

    @property
    def false_positive(self) -> int:
        return self.closed[Disposition.FALSE_POSITIVE.value]

    def sentence(self, source: str) -> str:
        text = f"of {self.alerts} alert{'s' if self.alerts != 1 else ''} from {source}, "
        text += f"{self.false_positive} closed as false positive"
        if self.dismissed:
            text += f" and {self.dismissed} dismissed"
        return text


def count_feedback(
    closed_cases: Iterable[Case],
    alerts: Mapping[str, Alert],
    dismissed: Iterable[Alert],
    *,
    counted_before: datetime,
) -> FeedbackSummary:
    """Count each alert once by the conclusion on it: its closed case's disposition, or its dismissal.

    An alert merged into a case counts with the case. An alert without rules counts for its model
    version only. Alerts named by a case but missing from ``alerts`` are skipped.
    """
    by_rule: dict[str, _Tally] = defaultdict(_Tally)
    by_model: dict[str | None, _Tally] = defaultdict(_Tally)
    factors: Counter[str] = Counter()
    seen: set[str] = set()
    cases = 0
    for case in closed_cases:
        cases += 1
        move = closing_move(case)
        disposition = case.disposition or (move.disposition if move else None) or Disposition.NO_ACTION_NEEDED
        wrong_rules = set(move.disagreed_rules) if move else set()
        if move is not None and disposition is Disposition.FALSE_POSITIVE:
            factors.update(move.disagreed_factors)
        for alert_id in case.alert_ids:
            alert = alerts.get(alert_id)
            if alert is None or alert.alert_id in seen:
                continue
            seen.add(alert.alert_id)
            by_model[alert.trained_model_id].add(disposition)
            for rule_id in sorted({hit.rule_id for hit in alert.rules}):
                wrong = disposition is Disposition.FALSE_POSITIVE and rule_id in wrong_rules
                by_rule[rule_id].add(disposition, disagreed=wrong)
    dismissed_count = 0
    for alert in dismissed:
        if alert.alert_id in seen or alert.created_at >= counted_before:
            continue
        seen.add(alert.alert_id)
        dismissed_count += 1
        by_model[alert.trained_model_id].add(None)
        for rule_id in sorted({hit.rule_id for hit in alert.rules}):
            by_rule[rule_id].add(None)
    return FeedbackSummary(
        counted_before=counted_before,
        closed_cases=cases,
        dismissed_alerts=dismissed_count,
        by_rule=[
            RuleFeedback(
                rule_id=rule_id,
                alerts=tally.alerts,
                closed=dict(sorted(tally.closed.items())),
                false_positive=tally.false_positive,
                dismissed=tally.dismissed,
                disagreed=tally.disagreed,
                summary=tally.sentence(f"rule {rule_id}"),
            )
            for rule_id, tally in sorted(by_rule.items())
        ],
        by_model=[
            ModelFeedback(
                trained_model_id=model_id,
                alerts=tally.alerts,
                closed=dict(sorted(tally.closed.items())),
                false_positive=tally.false_positive,
                dismissed=tally.dismissed,
                summary=tally.sentence(f"model {model_id}" if model_id else NO_TRAINED_MODEL),
            )
            for model_id, tally in sorted(by_model.items(), key=lambda item: item[0] or "")
        ],
        disagreed_factors=dict(sorted(factors.items())),
    )


class FeedbackCounter:
    """Reads closed cases, their alerts and dismissed alerts through the ports, and counts them."""

    def __init__(self, cases: CaseStore, alerts: AlertStore) -> None:
        self._cases = cases
        self._alerts = alerts

    def count(self, counted_before: datetime) -> FeedbackSummary:
        closed = list(self._cases.closed_cases(closed_before=counted_before))
        wanted = sorted({alert_id for case in closed for alert_id in case.alert_ids})
        with ThreadPoolExecutor(READ_THREADS) as pool:
            found = list(pool.map(self._alerts.get_alert, wanted))
        alerts = {alert.alert_id: alert for alert in found if alert is not None}
        dismissed = self._alerts.list_alerts(AlertStatus.DISMISSED)
        return count_feedback(closed, alerts, dismissed, counted_before=counted_before)
