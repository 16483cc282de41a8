"""An agency's wellness thresholds: when an indicator is worth a supportive check-in.

Every default is documented with its source in ``docs/wellness.md``. Thresholds are per agency
(``EIS_WELLNESS_THRESHOLDS``, a JSON object; fields left out keep these defaults).
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

CourseName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]


class WellnessThresholds(BaseModel):
    """Levels at or above which an indicator is a wellness signal; ``disabled`` turns signals off."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    hours_7d: float = Field(default=60.0, gt=0, le=168, description="hours worked in the latest 7 days")
    hours_28d: float = Field(
        default=220.0, gt=0, le=672, description="hours worked in the latest 28 days (55 a week on average)"
    )
    overtime_30d: float = Field(default=60.0, gt=0, le=720, description="overtime hours in the last 30 days")
    overtime_90d: float = Field(default=150.0, gt=0, le=2160, description="overtime hours in the last 90 days")
    consecutive_days: int = Field(
        default=7, ge=2, le=90, description="working days in a row without a day off (in the latest 90 days)"
    )
    night_share: float = Field(
        default=0.75, gt=0, le=1, description="share of night shifts among the shifts of the latest 90 days"
    )
    days_since_rest_leave: int = Field(
        default=180, ge=14, le=3650, description="days since the last vacation, personal or other non-sick leave"
    )
    sick_ratio: float = Field(
        default=2.0, gt=1, le=20, description="sick days in the last 90 days against the officer's own baseline"
    )
    sick_min_extra_days: float = Field(
        default=3.0, ge=0, le=90, description="and at least this many sick days above the baseline"
    )
    training_overdue: int = Field(default=1, ge=1, le=50, description="mandated courses overdue")
    critical_incidents_90d: int = Field(
        default=2, ge=1, le=50, description="critical incidents (force with injury, officer injury) in 90 days"
    )
    min_signals: int = Field(default=2, ge=1, le=10, description="signals needed before a check-in is created")
    cooldown_days: int = Field(
        default=30, ge=1, le=365, description="days after an officer's check-in before another may be created"
    )
    activity_stale_days: int = Field(
        default=62,
        ge=7,
        le=400,
        description="hours indicators are unknown when an officer's latest activity period ended longer ago",
    )
    mandated_training: dict[CourseName, int] = Field(
        default_factory=dict,
        description="course name -> days within which a passed session is required (e.g. firearms: 365)",
    )
    training_grace_days: int = Field(default=30, ge=0, le=365, description="days past the interval before overdue")

    disabled: tuple[str, ...] = Field(default=(), description="signals the agency does not want, by name")

    @model_validator(mode="after")
    def _intervals_positive(self) -> Self:
        unknown = sorted(set(self.disabled) - set(SIGNALS))
        if unknown:
            raise ValueError(f"disabled names unknown signals: {', '.join(unknown)} (known: {', '.join(SIGNALS)})")
        bad = sorted(course for course, days in self.mandated_training.items() if not 1 <= days <= 3650)
        if bad:
            raise ValueError(f"mandated_training intervals must be 1 to 3650 days: {', '.join(bad)}")
        return self


SIGNALS: tuple[str, ...] = (
    "hours_7d",
    "hours_28d",
    "overtime_30d",
    "overtime_90d",
    "consecutive_days",
    "night_share",
    "days_since_rest_leave",
    "sick_pattern",
    "training_overdue",
    "critical_incidents_90d",
)
"""The signals a check-in can name, in the order it lists them."""
