"""What each indicator column means, in words a supervisor reads in an alert.

Column names are ``<event>_<window>d`` for windowed counts (e.g. ``force_90d``) plus a few derived
columns (trend, days since, exposure rate). The catalogue is the one place that names them, so
rules, scorers and explanations cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

WINDOWS: tuple[int, ...] = (90, 180, 365)
"""Look-back windows in days; each ends the day before the scoring date."""

TREND_WINDOW = 180


@dataclass(frozen=True)
class EventSpec:
    """One kind of event counted per officer (``amount`` is summed: 1 per event, or days/hours)."""

    name: str
    singular: str
    plural: str


EVENTS: tuple[EventSpec, ...] = (
    EventSpec("force", "use-of-force report", "use-of-force reports"),
    EventSpec(
        "force_subject_injured", "use of force with the subject injured", "uses of force with the subject injured"
    ),
    EventSpec("complaint", "complaint", "complaints"),
    EventSpec("complaint_sustained", "sustained complaint", "sustained complaints"),
    EventSpec("accident", "vehicle accident", "vehicle accidents"),
    EventSpec("accident_preventable", "preventable vehicle accident", "preventable vehicle accidents"),
    EventSpec("pursuit", "vehicle pursuit", "vehicle pursuits"),
    EventSpec("injury", "on-the-job injury", "injuries"),
    EventSpec("discipline", "disciplinary action", "disciplinary actions"),
    EventSpec("lawsuit", "lawsuit", "lawsuits"),
    EventSpec("commendation", "commendation", "commendations"),
    EventSpec("sick_leave_days", "sick-leave day", "sick-leave days"),
    EventSpec("hours_worked", "hour worked", "hours worked"),
    EventSpec("arrests", "arrest", "arrests"),
    EventSpec("calls_for_service", "call for service", "calls for service"),
)
EVENT_NAMES: tuple[str, ...] = tuple(event.name for event in EVENTS)

INCIDENT_EVENTS: tuple[str, ...] = ("force", "complaint", "accident_preventable", "pursuit", "injury")
"""The events the classic 'any combination' rule and the trend add up."""

EXPOSURE_EVENTS: tuple[str, ...] = ("hours_worked", "arrests", "calls_for_service")
"""Activity, not incidents: NaN (unknown) for an officer without activity records in the window."""


@dataclass(frozen=True)
class IndicatorSpec:
    """How to say an indicator's value in a sentence: '<value> <noun> <phrase>'."""

    name: str
    label: str
    singular: str
    plural: str
    phrase: str
    higher_is_worse: bool = True

    def describe(self, value: float) -> str:
        noun = self.singular if value == 1 else self.plural
        return f"{format_number(value)} {noun} {self.phrase}"


def format_number(value: float) -> str:
    """Counts print as integers, day totals with at most one decimal."""
    rounded = round(float(value), 1)
    return str(int(rounded)) if rounded == int(rounded) else f"{rounded:.1f}"


def _windowed() -> dict[str, IndicatorSpec]:
    specs: dict[str, IndicatorSpec] = {}
    for event in EVENTS:
        for window in WINDOWS:
            name = f"{event.name}_{window}d"
            specs[name] = IndicatorSpec(
                name=name,
                label=f"{event.plural.capitalize()}, last {window} days",
                singular=event.singular,
                plural=event.plural,
                phrase=f"in the last {window} days",
                higher_is_worse=event.name not in {"commendation", *EXPOSURE_EVENTS},
            )
    return specs


INDICATORS: dict[str, IndicatorSpec] = _windowed() | {
    "incidents_180d": IndicatorSpec(
        "incidents_180d",
        "Incidents (force, complaints, preventable accidents, pursuits, injuries), last 180 days",
        "incident (force, complaint, preventable accident, pursuit or injury)",
        "incidents (force, complaints, preventable accidents, pursuits, injuries)",
        "in the last 180 days",
    ),
    "incidents_prev_180d": IndicatorSpec(
        "incidents_prev_180d",
        "Incidents, the 180 days before the last 180",
        "incident",
        "incidents",
        "in the 180 days before the last 180",
    ),
    "incidents_trend": IndicatorSpec(
        "incidents_trend",
        "Change in incidents, last 180 days vs the 180 before",
        "more incident",
        "more incidents",
        "in the last 180 days than in the 180 days before",
    ),
    "days_since_force": IndicatorSpec(
        "days_since_force",
        "Days since the last use-of-force report",
        "day",
        "days",
        "since the last use-of-force report",
        higher_is_worse=False,
    ),
    "days_since_complaint": IndicatorSpec(
        "days_since_complaint",
        "Days since the last complaint",
        "day",
        "days",
        "since the last complaint",
        higher_is_worse=False,
    ),
    "force_per_100_arrests_365d": IndicatorSpec(
        "force_per_100_arrests_365d",
        "Use-of-force reports per 100 arrests, last 365 days",
        "use-of-force report per 100 arrests",
        "use-of-force reports per 100 arrests",
        "in the last 365 days",
    ),
}
"""Every column ``compute_indicators`` returns, in order (the other exposure rates are added below)."""


@dataclass(frozen=True)
class ExposureRate:
    """Events per ``per`` units of an exposure over the last 365 days (unknown without exposure)."""

    event: str
    exposure: str
    per: int


EXPOSURE_RATES: dict[str, ExposureRate] = {
    f"{event}_per_{per}_{short}_365d": ExposureRate(event, exposure, per)
    for event in ("force", "complaint")
    for exposure, per, short in (
        ("arrests", 100, "arrests"),
        ("calls_for_service", 1000, "calls"),
        ("hours_worked", 1000, "hours"),
    )
}
"""Exposure-adjusted rates: force and complaints per 100 arrests, per 1,000 calls and per 1,000 hours worked."""

_EXPOSURE_WORDS = {
    "arrests": "100 arrests",
    "calls_for_service": "1,000 calls for service",
    "hours_worked": "1,000 hours worked",
}


def _rate_specs() -> dict[str, IndicatorSpec]:
    events = {event.name: event for event in EVENTS}
    specs: dict[str, IndicatorSpec] = {}
    for name, rate in EXPOSURE_RATES.items():
        event, per = events[rate.event], _EXPOSURE_WORDS[rate.exposure]
        specs[name] = IndicatorSpec(
            name,
            f"{event.plural.capitalize()} per {per}, last 365 days",
            f"{event.singular} per {per}",
            f"{event.plural} per {per}",
            "in the last 365 days",
        )
    return specs


# Force per 100 arrests keeps its original wording; the other rates are added after it.
INDICATORS.update({name: spec for name, spec in _rate_specs().items() if name not in INDICATORS})
RATE_INDICATORS: tuple[str, ...] = tuple(EXPOSURE_RATES)
"""The exposure-adjusted rate columns (peer comparison and explanations use them like any indicator)."""
