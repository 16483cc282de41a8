"""The officer snapshot (``GET /officers/{id}``) and officer search (``GET /officers``).

Everything is read through storage ports, by officer: the score history and alerts and cases from
their ``by_officer`` indexes, events from the records' ``by_officer`` index, and the peer quartiles
from the statistics the scoring run stored (``peers/<as_of>.json``). Nothing is recomputed here
and nothing here imports pandas. Who may see which officer is decided by the case service.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from eis_core.errors import NotFoundError, ValidationFailed
from eis_core.models.alerts import Alert, OfficerScore
from eis_core.models.cases import Case, CaseStatus
from eis_core.models.peers import PeerStatsRun, peer_stats_key
from eis_core.models.records import (
    Commendation,
    Complaint,
    Discipline,
    EventRecord,
    Injury,
    Lawsuit,
    Officer,
    RecordKind,
    Training,
    UseOfForce,
    VehicleIncident,
)
from eis_core.models.snapshot import (
    AlertSummaryOut,
    CaseSummaryOut,
    CommendationOut,
    CurrentScoreOut,
    EventOut,
    IndicatorStandingOut,
    OfficerPage,
    OfficerSnapshot,
    OfficerSummaryOut,
    PersonOut,
    ScorePointOut,
    TimelineMonthOut,
    TrainingOut,
)
from eis_core.storage.ports import AlertStore, ArtifactStore, CaseStore, RecordStore, ScoreStore

TIMELINE_MONTHS = 60
HISTORY_DAYS = 730  # score history: the last 24 months
RECENT_EVENTS = 50
MAX_ALERTS = 50
MAX_CASES = 50
MAX_LISTED = 100  # commendations, training records
MAX_SEARCH_PAGE = 100
MAX_QUERY_LENGTH = 64
SNAPSHOT_KINDS: tuple[RecordKind, ...] = (
    RecordKind.USE_OF_FORCE,
    RecordKind.COMPLAINT,
    RecordKind.VEHICLE_INCIDENT,
    RecordKind.INJURY,
    RecordKind.DISCIPLINE,
    RecordKind.LAWSUIT,
    RecordKind.COMMENDATION,
    RecordKind.TRAINING,
)
"""Events on the timeline. Activity counts and daily leave entries are exposure, not events."""
_PEER_CACHE_SIZE = 4


def _today() -> date:
    return datetime.now(UTC).date()


def full_name(officer: Officer) -> str:
    return f"{officer.first_name} {officer.last_name}"


def tenure_years(officer: Officer, today: date) -> float | None:
    """Years of service; None when the roster has no hire date (unknown, never invented)."""
    if officer.hire_date is None:
        return None
    end = officer.separation_date if officer.separation_date is not None and officer.separation_date < today else today
    return round(max((end - officer.hire_date).days, 0) / 365.25, 1)


def first_month(today: date, months: int) -> date:
    """The first day of the month ``months - 1`` months before ``today``'s month."""
    index = today.year * 12 + today.month - 1 - (months - 1)
    return date(index // 12, index % 12 + 1, 1)


def month_keys(today: date, months: int) -> list[str]:
    start = today.year * 12 + today.month - 1 - (months - 1)
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(start, start + months)]


def describe_event(record: EventRecord) -> EventOut:
    """The snapshot's view of an event: date, kind, category and finding (an allowlist, field by field)."""
    category: str | None = None
    finding: str | None = None
    match record:
        case UseOfForce():
            category = record.force_type.value
        case Complaint():
            category, finding = record.category.value, record.finding.value
        case VehicleIncident():
            category = record.incident_type.value
            if record.preventable is not None:
                finding = "preventable" if record.preventable else "not_preventable"
        case Injury():
            category = record.injury_type
        case Discipline():
            category = record.action.value
        case Lawsuit():
            category, finding = record.claim_type, record.status.value
        case Commendation():
            category = record.award_type
        case Training():
            category, finding = record.course, "passed" if record.passed else "not_passed"
    return EventOut(date=record.occurred_on, kind=record.kind, category=category, finding=finding)


def _closed_at(case: Case) -> datetime | None:
    if case.status is not CaseStatus.CLOSED:
        return None
    closings = [move.at for move in case.history if move.to_status is CaseStatus.CLOSED]
    return closings[-1] if closings else None


@dataclass(frozen=True)
class _SearchKey:
    last: str
    first: str
    officer_id: str

    def as_tuple(self) -> tuple[str, str, str]:
        return self.last, self.first, self.officer_id

    @classmethod
    def of(cls, officer: Officer) -> _SearchKey:
        return cls(officer.last_name.casefold(), officer.first_name.casefold(), officer.officer_id)

    def cursor(self) -> str:
        return base64.urlsafe_b64encode(json.dumps(self.as_tuple()).encode()).decode().rstrip("=")

    @classmethod
    def from_cursor(cls, cursor: str) -> _SearchKey:
        try:
            parts = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
            last, first, officer_id = (str(part) for part in parts)
        except (binascii.Error, ValueError, TypeError):
            raise ValidationFailed("cursor is not one this API returned; start again without it") from None
        return cls(last, first, officer_id)


def matches(officer: Officer, terms: Sequence[str]) -> bool:
    """Every term starts the badge (officer id), the first name or the last name, ignoring case."""
    fields = (officer.officer_id.casefold(), officer.first_name.casefold(), officer.last_name.casefold())
    words = [word for text in fields for word in text.replace("-", " ").split()] + list(fields)
    return all(any(word.startswith(term) for word in words) for term in terms)


def search_officers(officers: Iterable[Officer], query: str, *, limit: int, cursor: str | None) -> OfficerPage:
    """Officers matching ``query`` (badge or name), by last and first name, a bounded page at a time."""
    terms = [term for term in query.casefold().split() if term]
    if not terms:
        raise ValidationFailed("q must name a badge number or part of a name")
    limit = max(1, min(limit, MAX_SEARCH_PAGE))
    after = _SearchKey.from_cursor(cursor).as_tuple() if cursor else None
    keyed = [(_SearchKey.of(officer), officer) for officer in officers if matches(officer, terms)]
    found = sorted(
        (pair for pair in keyed if after is None or pair[0].as_tuple() > after), key=lambda pair: pair[0].as_tuple()
    )
    page = found[:limit]
    return OfficerPage(
        officers=[
            OfficerSummaryOut(
                officer_id=officer.officer_id,
                badge=officer.officer_id,
                name=full_name(officer),
                rank=officer.rank,
                unit=officer.unit,
                shift=officer.shift,
                status=officer.status,
            )
            for _, officer in page
        ],
        next_cursor=page[-1][0].cursor() if len(found) > limit else None,
    )


class OfficerSnapshots:
    """Builds snapshots from the stores; the caller has already checked the officer is in scope."""

    def __init__(
        self,
        *,
        records: RecordStore,
        scores: ScoreStore,
        alerts: AlertStore,
        cases: CaseStore,
        artifacts: ArtifactStore | None,
        today: Callable[[], date] = _today,
    ) -> None:
        self._records = records
        self._scores = scores
        self._alerts = alerts
        self._cases = cases
        self._artifacts = artifacts
        self._today = today
        self._peer_stats: dict[str, PeerStatsRun | None] = {}  # run id -> its statistics (runs do not change)
        self._lock = threading.Lock()

    def snapshot(self, officer: Officer, roster: dict[str, Officer]) -> OfficerSnapshot:
        today = self._today()
        officer_id = officer.officer_id
        history = self._scores.scores_of(officer_id, since=today - timedelta(days=HISTORY_DAYS))
        current = history[-1] if history else None
        peers = self._peers(current) if current is not None else None
        events = [
            record
            for record in self._records.officer_events(
                officer_id, since=first_month(today, TIMELINE_MONTHS), kinds=SNAPSHOT_KINDS
            )
            if isinstance(record, EventRecord)
        ]
        supervisor = roster.get(officer.supervisor_id) if officer.supervisor_id else None
        return OfficerSnapshot(
            officer_id=officer_id,
            badge=officer_id,
            name=full_name(officer),
            rank=officer.rank,
            unit=officer.unit,
            district=officer.district,
            shift=officer.shift,
            status=officer.status,
            supervisor=(
                PersonOut(officer_id=supervisor.officer_id, name=full_name(supervisor))
                if supervisor is not None
                else (PersonOut(officer_id=officer.supervisor_id, name="") if officer.supervisor_id else None)
            ),
            hire_date=officer.hire_date,
            tenure_years=tenure_years(officer, today),
            generated_on=today,
            current_score=None if current is None else self._current(current, peers),
            indicators=[] if current is None else self._standings(current, peers),
            score_history=[
                ScorePointOut(
                    as_of=score.as_of,
                    score=score.score,
                    level=score.level,
                    rank=score.rank,
                    officers_scored=score.officers_scored,
                )
                for score in history
            ],
            timeline=self._timeline(events, today),
            recent_events=[describe_event(record) for record in events[:RECENT_EVENTS]],
            alerts=[self._alert(alert) for alert in self._alerts.alerts_of(officer_id, limit=MAX_ALERTS)],
            cases=[self._case(case) for case in self._cases.cases_of(officer_id, limit=MAX_CASES)],
            commendations=[
                CommendationOut(date=record.occurred_on, award_type=record.award_type)
                for record in events
                if isinstance(record, Commendation)
            ][:MAX_LISTED],
            training=[
                TrainingOut(date=record.occurred_on, course=record.course, hours=record.hours, passed=record.passed)
                for record in events
                if isinstance(record, Training)
            ][:MAX_LISTED],
        )

    # --- parts ----------------------------------------------------------------------------------

    def _peers(self, score: OfficerScore) -> PeerStatsRun | None:
        """The run's peer statistics, read once per run and kept (a re-run of a date has a new run id)."""
        with self._lock:
            if score.run_id in self._peer_stats:
                return self._peer_stats[score.run_id]
        stats: PeerStatsRun | None = None
        if self._artifacts is not None:
            try:
                stats = PeerStatsRun.model_validate(self._artifacts.get_json(peer_stats_key(score.as_of)))
            except NotFoundError:
                stats = None
            if stats is not None and stats.run_id != score.run_id:
                stats = None  # the date was re-scored with other settings; these quartiles are not the score's
        with self._lock:
            if len(self._peer_stats) >= _PEER_CACHE_SIZE:
                self._peer_stats.pop(next(iter(self._peer_stats)))
            self._peer_stats[score.run_id] = stats
        return stats

    @staticmethod
    def _current(score: OfficerScore, peers: PeerStatsRun | None) -> CurrentScoreOut:
        group = peers.group(score.peer_level, score.peer_group) if peers is not None else None
        return CurrentScoreOut(
            as_of=score.as_of,
            run_id=score.run_id,
            score=score.score,
            level=score.level,
            rank=score.rank,
            officers_scored=score.officers_scored,
            peer_group=score.peer_group,
            peer_level=score.peer_level,
            peer_group_size=None if group is None else group.size,
        )

    @staticmethod
    def _standings(score: OfficerScore, peers: PeerStatsRun | None) -> list[IndicatorStandingOut]:
        group = peers.group(score.peer_level, score.peer_group) if peers is not None else None
        info = {item.name: (n, item) for n, item in enumerate(peers.indicators)} if peers is not None else {}
        rows: list[IndicatorStandingOut] = []
        for indicator, (value, percentile) in score.standings.items():
            position, described = info.get(indicator, (None, None))
            quartiles = (
                group.quantiles[position]
                if group is not None and position is not None and position < len(group.quantiles)
                else (None, None, None)
            )
            rows.append(
                IndicatorStandingOut(
                    indicator=indicator,
                    label=described.label if described is not None else indicator,
                    higher_is_worse=described.higher_is_worse if described is not None else True,
                    value=value,
                    peer_p25=quartiles[0],
                    peer_median=quartiles[1],
                    peer_p75=quartiles[2],
                    percentile=percentile,
                )
            )
        return rows

    @staticmethod
    def _timeline(events: Sequence[EventRecord], today: date) -> list[TimelineMonthOut]:
        counts: dict[str, Counter[RecordKind]] = {month: Counter() for month in month_keys(today, TIMELINE_MONTHS)}
        for record in events:
            month = f"{record.occurred_on.year:04d}-{record.occurred_on.month:02d}"
            if month in counts:
                counts[month][record.kind] += 1
        return [
            TimelineMonthOut(month=month, counts={kind: n for kind, n in sorted(found.items())})
            for month, found in counts.items()
        ]

    @staticmethod
    def _alert(alert: Alert) -> AlertSummaryOut:
        return AlertSummaryOut(
            alert_id=alert.alert_id,
            as_of=alert.as_of,
            created_at=alert.created_at,
            level=alert.level,
            score=alert.score,
            status=alert.status,
            case_id=alert.case_id,
        )

    @staticmethod
    def _case(case: Case) -> CaseSummaryOut:
        return CaseSummaryOut(
            case_id=case.case_id,
            status=case.status,
            disposition=case.disposition,
            opened_at=case.opened_at,
            closed_at=_closed_at(case),
            supervisor_id=case.supervisor_id,
            alert_ids=list(case.alert_ids),
        )
