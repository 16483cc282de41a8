"""The wellness step of the scheduled score job: indicators -> signals -> supportive check-ins.

Runs after (and apart from) risk scoring. Its output never reaches the risk model, an alert or a
case: check-ins go to their own store and their own message (``wellness.checkin_created``), which
the notifier emails to the wellness coordinator (and the direct supervisor where the agency opts in).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from aws_lambda_powertools import Logger
from pydantic import BaseModel

from eis_core.models.audit import AuditEvent
from eis_core.models.records import Officer, Record, RecordKind
from eis_core.models.wellness import CHECKIN_ID_PREFIX, WellnessCheckIn, WellnessCreated, WellnessSignal
from eis_core.scoring.alert_ids import TOKEN_BYTES
from eis_core.storage.ports import AuditKey, AuditLog, Publisher, RecordStore, WellnessStore
from eis_core.wellness.indicators import WellnessIndicators, wellness_indicators
from eis_core.wellness.thresholds import WellnessThresholds

ACTOR = "wellness"
WELLNESS_KINDS = (
    RecordKind.ROSTER,
    RecordKind.ACTIVITY,
    RecordKind.LEAVE,
    RecordKind.TRAINING,
    RecordKind.USE_OF_FORCE,
    RecordKind.INJURY,
)
"""The only kinds the wellness step reads (complaints, discipline and lawsuits are not wellness inputs)."""

logger = Logger(child=True)


def format_number(value: float) -> str:
    """Whole numbers without decimals, others with one (as the alert texts print them)."""
    rounded = round(float(value), 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def signals(found: WellnessIndicators, thresholds: WellnessThresholds) -> list[WellnessSignal]:
    """The indicators at or above the agency's thresholds; an unknown indicator is never a signal."""
    t = thresholds
    out: list[WellnessSignal] = []

    def add(name: str, value: float | None, threshold: float, sentence: str) -> None:
        if value is not None and name not in t.disabled and value >= threshold:
            out.append(WellnessSignal(indicator=name, value=value, threshold=threshold, sentence=sentence))

    v = found
    if v.hours_7d is not None:
        add("hours_7d", v.hours_7d, t.hours_7d, f"About {format_number(v.hours_7d)} hours worked in a recent week")
    if v.hours_28d is not None:
        add("hours_28d", v.hours_28d, t.hours_28d, f"About {format_number(v.hours_28d)} hours worked in 28 days")
    if v.overtime_30d is not None:
        add(
            "overtime_30d", v.overtime_30d, t.overtime_30d, f"{format_number(v.overtime_30d)} overtime hours in 30 days"
        )
    if v.overtime_90d is not None:
        add(
            "overtime_90d", v.overtime_90d, t.overtime_90d, f"{format_number(v.overtime_90d)} overtime hours in 90 days"
        )
    if v.consecutive_days is not None:
        add("consecutive_days", v.consecutive_days, t.consecutive_days, f"{v.consecutive_days} days worked in a row")
    if v.night_share is not None:
        add("night_share", v.night_share, t.night_share, f"{round(100 * v.night_share)}% of recent shifts at night")
    if v.days_since_rest_leave is not None:
        at_least = "" if v.rest_leave_on_record else "at least "
        add(
            "days_since_rest_leave",
            v.days_since_rest_leave,
            t.days_since_rest_leave,
            f"No vacation or personal leave on record for {at_least}{v.days_since_rest_leave} days",
        )
    if v.sick_days_90d is not None and v.sick_baseline_90d is not None:
        usual = v.sick_baseline_90d
        level = max(usual * t.sick_ratio, usual + t.sick_min_extra_days)
        add(
            "sick_pattern",
            v.sick_days_90d,
            round(level, 1),
            f"{format_number(v.sick_days_90d)} sick days in 90 days, where about {format_number(usual)} is usual "
            "for this officer",
        )
    if v.training_overdue is not None:
        add(
            "training_overdue",
            len(v.training_overdue),
            t.training_overdue,
            f"Mandated training overdue: {', '.join(v.training_overdue)}",
        )
    if v.critical_incidents_90d is not None:
        add(
            "critical_incidents_90d",
            v.critical_incidents_90d,
            t.critical_incidents_90d,
            f"{v.critical_incidents_90d} critical incidents (force with injury, an officer injured, a firearm "
            "discharged) in 90 days",
        )
    return out


WELLNESS_ID_FORMAT = "eis-wellness-id/1"


def checkin_id_for(key: AuditKey, agency_id: str, officer_id: str, as_of: date) -> str:
    """Opaque like alert ids (``eis_core.scoring.alert_ids``): the same officer and date give the same id,
    yet an email's id names neither without the agency's key."""
    message = json.dumps([WELLNESS_ID_FORMAT, agency_id, as_of.isoformat(), officer_id], separators=(",", ":"))
    mac = base64.b64decode(key.mac(message.encode()))
    return CHECKIN_ID_PREFIX + base64.b32encode(mac[:TOKEN_BYTES]).decode().lower()


class WellnessRunSummary(BaseModel):
    as_of: date
    officers: int
    with_signals: int
    checkins_created: int
    already_created: int
    in_cooldown: int
    unknown_hours: int  # officers whose hours indicators are unknown (no recent activity data)


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class WellnessJob:
    agency_id: str
    records: RecordStore
    store: WellnessStore
    publisher: Publisher
    audit: AuditLog
    thresholds: WellnessThresholds
    notify_supervisor: bool = False
    clock: Callable[[], datetime] = _utcnow
    actor: str = ACTOR

    def run(self, as_of: date, *, request_id: str | None = None) -> WellnessRunSummary:
        # One pass over the records (a kind is a filter, not a key: six filtered scans would read it six times).
        records = (record for record in self.records.iter_records() if record.kind in WELLNESS_KINDS)
        roster: dict[str, Officer] = {}

        def keep_roster(record: Record) -> Record:
            if isinstance(record, Officer):
                roster[record.officer_id] = record
            return record

        found = wellness_indicators(map(keep_roster, records), as_of, self.thresholds)
        existing = self.store.list_checkins()
        recent_by_officer: dict[str, date] = {}
        for checkin in existing:
            if checkin.as_of < as_of:
                recent_by_officer[checkin.officer_id] = max(
                    checkin.as_of, recent_by_officer.get(checkin.officer_id, date.min)
                )
        ids = {checkin.checkin_id for checkin in existing}
        cooldown = timedelta(days=self.thresholds.cooldown_days)
        created = already = cooling = flagged = 0
        for officer_id in sorted(found):
            officer = roster.get(officer_id)
            if officer is None or not officer.on_roster(as_of):
                continue
            hits = signals(found[officer_id], self.thresholds)
            if len(hits) < self.thresholds.min_signals:
                continue
            flagged += 1
            checkin_id = checkin_id_for(self.audit.key, self.agency_id, officer_id, as_of)
            if checkin_id in ids:
                already += 1
                continue
            last = recent_by_officer.get(officer_id)
            if last is not None and as_of - last < cooldown:
                cooling += 1
                continue
            checkin = WellnessCheckIn(
                checkin_id=checkin_id,
                officer_id=officer_id,
                as_of=as_of,
                created_at=self.clock(),
                signals=tuple(hits),
                supervisor_id=officer.supervisor_id,
                supervisor_included=self.notify_supervisor and officer.supervisor_id is not None,
            )
            if not self.store.create_checkin(checkin):
                already += 1
                continue
            created += 1
            self.audit.append(
                AuditEvent(
                    actor=self.actor,
                    role="system",
                    action="wellness.checkin_created",
                    target_type="wellness_checkin",
                    target_id=checkin_id,
                    agency_id=self.agency_id,
                    request_id=request_id,
                    detail={"signals": len(hits), "supervisor_included": checkin.supervisor_included},
                )
            )
            message = WellnessCreated(agency_id=self.agency_id, checkin_id=checkin_id)
            self.publisher.publish(message.model_dump(mode="json"), subject="EIS wellness check-in")
        summary = WellnessRunSummary(
            as_of=as_of,
            officers=len(found),
            with_signals=flagged,
            checkins_created=created,
            already_created=already,
            in_cooldown=cooling,
            unknown_hours=sum(1 for item in found.values() if item.hours_28d is None),
        )
        logger.info("wellness step done", extra=summary.model_dump(mode="json"))
        return summary
