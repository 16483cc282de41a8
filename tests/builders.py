"""Small builders for domain records that several suites need."""

from __future__ import annotations

from datetime import date

from eis_core.models.records import Officer


def officer(officer_id: str, first: str, last: str, supervisor: str | None, email: str | None = None) -> Officer:
    """A patrol officer hired in 2015, in a chain of command through ``supervisor``."""
    return Officer(
        source_record_id=f"emp-{officer_id}",
        officer_id=officer_id,
        first_name=first,
        last_name=last,
        rank="Officer",
        unit="Patrol",
        supervisor_id=supervisor,
        email=email,
        hire_date=date(2015, 1, 5),
    )
