"""Wellness check-ins: an offer of support, its own kind, never a risk alert.

A check-in carries no score, no rank and no risk level. It names the workload signals that crossed
the agency's thresholds, in plain supportive words, and goes to the agency's wellness coordinator
(and, only where the agency opts in, to the officer's direct supervisor). It is never merged into a
case and never shown to the wider chain of command.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

CHECKIN_ID_PREFIX = "wellness-"


class CheckInStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"


class WellnessSignal(BaseModel):
    """One indicator at or above the agency's threshold."""

    model_config = ConfigDict(frozen=True)

    indicator: str
    value: float
    threshold: float
    sentence: str = Field(description="What it means, in supportive words")


class WellnessCheckIn(BaseModel):
    model_config = ConfigDict(frozen=True)

    checkin_id: str
    officer_id: str
    as_of: date
    created_at: datetime
    signals: tuple[WellnessSignal, ...]
    supervisor_id: str | None = Field(default=None, description="The officer's direct supervisor when created")
    supervisor_included: bool = Field(default=False, description="The agency opted in to tell the supervisor")
    status: CheckInStatus = CheckInStatus.OPEN
    acknowledged_by: str | None = None
    acknowledged_at: datetime | None = None
    revision: int = 1


class WellnessCreated(BaseModel):
    """Published by the score job for each new check-in; the notifier emails its recipients."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = "wellness.checkin_created"
    agency_id: str
    checkin_id: str


# --- API models ------------------------------------------------------------------------------------


class WellnessSignalOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    indicator: str
    value: float
    threshold: float
    sentence: str


class WellnessCheckInOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    checkin_id: str
    kind: str = Field(default="wellness_checkin", description="Always wellness_checkin: not a risk alert")
    officer_id: str
    as_of: date
    created_at: datetime
    message: str
    signals: list[WellnessSignalOut]
    status: CheckInStatus
    acknowledged_at: datetime | None = None

    @classmethod
    def from_domain(cls, checkin: WellnessCheckIn) -> WellnessCheckInOut:
        return cls(
            checkin_id=checkin.checkin_id,
            officer_id=checkin.officer_id,
            as_of=checkin.as_of,
            created_at=checkin.created_at,
            message=SUPPORT_MESSAGE,
            signals=[WellnessSignalOut(**signal.model_dump()) for signal in checkin.signals],
            status=checkin.status,
            acknowledged_at=checkin.acknowledged_at,
        )


class WellnessCheckInList(BaseModel):
    model_config = ConfigDict(frozen=True)

    checkins: list[WellnessCheckInOut]
    count: int

    @classmethod
    def from_domain(cls, checkins: Sequence[WellnessCheckIn]) -> WellnessCheckInList:
        return cls(checkins=[WellnessCheckInOut.from_domain(c) for c in checkins], count=len(checkins))


SUPPORT_MESSAGE = (
    "This officer's recent workload suggests it may be a good time to check in and offer support. "
    "This is not a risk alert and not a judgement of conduct: reach out, listen, and offer rest, "
    "schedule changes or the employee assistance programme as the officer wishes."
)
