"""As-of-date indicators per officer: windowed counts, trend, recency and exposure."""

from eis_core.indicators.catalogue import INDICATORS, WINDOWS, IndicatorSpec, format_number
from eis_core.indicators.compute import compute_indicators, indicators_as_of
from eis_core.indicators.events import EventFrame

__all__ = [
    "INDICATORS",
    "WINDOWS",
    "EventFrame",
    "IndicatorSpec",
    "compute_indicators",
    "format_number",
    "indicators_as_of",
]
