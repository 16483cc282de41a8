"""What to generate, and the hidden answer key that comes with it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from eis_core.models.records import RecordKind
from eis_core.storage.schema import AGENCY_ID_PATTERN


class SeasonalShift(BaseModel):
    """A planted trend: one unit's use-of-force rate multiplied in one calendar month of one year."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    unit: str = Field(min_length=1, description="The roster unit, e.g. 'District 3 Patrol'")
    month: date = Field(description="Any day of the month the shift happens in")
    multiplier: float = Field(default=3.0, gt=0, le=20)


class GeneratorConfig(BaseModel):
    """A synthetic agency: ``officers`` is its sworn strength (positions), not the roster's row count.

    The roster also lists officers who separated during the period and their replacements,
    so it holds somewhat more rows than ``officers``.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    agency_id: str = Field(default="demo", pattern=AGENCY_ID_PATTERN)
    officers: int = Field(default=300, ge=100, le=50_000)
    start: date = date(2019, 1, 1)
    end: date = date(2025, 12, 31)
    seed: int = 7
    at_risk_share: float = Field(default=0.03, ge=0.0, le=0.5)
    email_domain: str = Field(default="", description="Defaults to '<agency_id>.example.gov'")
    horizon_months: int = Field(
        default=12,
        ge=0,
        le=60,
        description="Months simulated after ``end`` so the answer key knows each officer's future",
    )
    intervention_effect: float = Field(
        default=0.0,
        ge=0.0,
        lt=1.0,
        description=(
            "Share by which a completed intervention lowers an at-risk officer's conduct event rates (force, "
            "complaints, pursuits) from the month after it; 0 simulates no interventions at all"
        ),
    )
    intervention_share: float = Field(
        default=0.5, ge=0.0, le=1.0, description="Share of the at-risk officers who get the intervention"
    )
    intervention_type: str = Field(default="coaching_mentoring", pattern=r"^[a-z][a-z0-9_]*$")
    seasonal_shift: SeasonalShift | None = Field(
        default=None, description="Plant one unit whose force rate shifts in one month (the trends report's test)"
    )
    overworked_share: float = Field(
        default=0.0,
        ge=0.0,
        le=0.2,
        description="Share of officers planted as overworked: heavy overtime, no vacation (generate.wellness)",
    )

    @model_validator(mode="after")
    def _consistent(self) -> GeneratorConfig:
        if (self.end - self.start).days < 365:
            raise ValueError("end must be at least one year after start")
        if not self.email_domain:
            # Frozen model: the default domain depends on the agency id, so it is filled in once here.
            object.__setattr__(self, "email_domain", f"{self.agency_id}.example.gov")
        return self


@dataclass(frozen=True)
class AdverseEvent:
    """An outcome an EIS tries to prevent: a sustained complaint, force that injured its subject, a lawsuit."""

    officer_id: str
    kind: RecordKind
    source_record_id: str
    label: str
    occurred_on: date
    known_on: date
    in_extract: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "officer_id": self.officer_id,
            "kind": self.kind.value,
            "source_record_id": self.source_record_id,
            "label": self.label,
            "occurred_on": self.occurred_on.isoformat(),
            "known_on": self.known_on.isoformat(),
            "in_extract": self.in_extract,
        }


@dataclass(frozen=True)
class AtRiskOfficer:
    """A hidden at-risk officer: latent risk rises from ``rise_start`` to ``peak_multiplier`` by ``peak_on``."""

    officer_id: str
    rise_start: date
    peak_on: date
    peak_multiplier: float
    adverse_events: tuple[AdverseEvent, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "officer_id": self.officer_id,
            "rise_start": self.rise_start.isoformat(),
            "peak_on": self.peak_on.isoformat(),
            "peak_multiplier": self.peak_multiplier,
            "adverse_event_dates": [event.occurred_on.isoformat() for event in self.adverse_events],
            "adverse_events": [event.to_json() for event in self.adverse_events],
        }


@dataclass(frozen=True)
class GeneratedIntervention:
    """An intervention the simulation applied: from the month after ``completed_on`` the officer's conduct
    event rates are multiplied by ``1 - effect``. At-risk officers not listed got none."""

    officer_id: str
    type: str
    completed_on: date
    effect: float

    def to_json(self) -> dict[str, Any]:
        return {
            "officer_id": self.officer_id,
            "type": self.type,
            "completed_on": self.completed_on.isoformat(),
            "effect": self.effect,
        }


@dataclass(frozen=True)
class GroundTruth:
    """The answer key: never uploaded, used by tests and backtests to check what scoring finds.

    ``adverse_events`` covers every officer (baseline officers have them too, at a lower rate) up to
    ``end`` plus the horizon; ``in_extract`` says whether the agency already knew it by ``end``.
    """

    agency_id: str
    seed: int
    start: date
    end: date
    horizon_end: date
    district_busyness: dict[str, float]
    at_risk: tuple[AtRiskOfficer, ...]
    adverse_events: tuple[AdverseEvent, ...]
    interventions: tuple[GeneratedIntervention, ...] = ()
    overworked: tuple[str, ...] = ()
    """Officer ids planted as overworked (``GeneratorConfig.overworked_share``): the wellness step should find them."""

    @property
    def at_risk_ids(self) -> frozenset[str]:
        return frozenset(officer.officer_id for officer in self.at_risk)

    def to_json(self) -> str:
        document = {
            "note": "Synthetic answer key. Not an agency extract: never upload it.",
            "agency_id": self.agency_id,
            "seed": self.seed,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "horizon_end": self.horizon_end.isoformat(),
            "district_busyness": self.district_busyness,
            "at_risk": [officer.to_json() for officer in self.at_risk],
            "adverse_events": [event.to_json() for event in self.adverse_events],
        }
        if self.interventions:
            document["interventions"] = [intervention.to_json() for intervention in self.interventions]
        if self.overworked:
            document["overworked"] = list(self.overworked)
        return json.dumps(document, indent=2, sort_keys=True) + "\n"
