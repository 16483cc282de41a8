"""API model of the agency's intervention catalogue (``GET /interventions/catalogue``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from eis_core.cases.catalogue import Catalogue


class InterventionTypeOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: str = Field(description="The id a plan names (InterventionIn.type), e.g. coaching_mentoring")
    label: str = Field(description="The type in words, for a form's list")
    description: str | None = Field(description="What it means in plain language; null for a type not described")


class InterventionCatalogueOut(BaseModel):
    """Exactly the types a case may plan in this agency, in its order, and how closely each is followed up."""

    model_config = ConfigDict(frozen=True)

    types: list[InterventionTypeOut]
    checkin_days: int = Field(description="Days between check-ins on an intervention")
    monitoring_days: int = Field(description="Days of monitoring after the last intervention before closing")

    @classmethod
    def from_domain(cls, catalogue: Catalogue) -> InterventionCatalogueOut:
        return cls(
            types=[
                InterventionTypeOut(type=entry.type, label=entry.label, description=entry.description)
                for entry in catalogue.entries
            ],
            checkin_days=catalogue.checkin_days,
            monitoring_days=catalogue.monitoring_days,
        )
