"""Each function's typed environment, parsed once at cold start; code below the handlers gets values.

One model per function, composed from shared parts (as aws-lambda-handler-cookbook's
``handlers/models/env_vars.py``):

=====================  =====================================================================
``AgencyStack``        the agency id, its table and bucket names, its audit key (every function)
``ReviewPolicy``       review deadline (notify, case API)
``NotifyPolicy``       sender, risk team, routing policy, escalation (notify)
``PortalLink``         the portal URL: links in emails (notify), the one CORS origin (case API)
``ScorePolicy``        alert share and rule thresholds (score)
``AlertsTopic``        where new alerts are published (score)
``OperationsTopic``    where the operations team is told of a model kept as a candidate (score)
``InterventionPolicy`` intervention catalogue, check-in and monitoring periods (case API)
``ComplaintPolicy``    complaint intake contact, acknowledgment window, holidays (notify)
=====================  =====================================================================

A field's environment variable is ``EIS_`` + its name in capitals (``sender_email`` ->
``EIS_SENDER_EMAIL``). Required fields have no default: a function whose environment lacks one
fails its cold start, naming the variable. ``infra`` builds every function's environment from these
same models (``function_settings`` then ``to_env``), so a setting a model requires but the stack does
not supply fails ``cdk synth``; the local runtime builds its environment the same way.

The ``*Policy`` parts are what an agency chooses: ``infra.config.AgencyConfig`` inherits them, so a
field added to one of them is at once a key of ``infra/agencies.json`` and a variable of every
function whose model includes the part.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from enum import StrEnum
from typing import Annotated, Any, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from eis_core.storage.schema import AGENCY_ID_PATTERN, AgencyResources
from eis_core.wellness.thresholds import WellnessThresholds

ENV_PREFIX = "EIS_"

# Deliberately plain: SES verifies the address; this only catches typos.
EmailAddress = Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$", max_length=254)]


def env_name(field: str) -> str:
    """The environment variable that carries ``field``."""
    return ENV_PREFIX + field.upper()


class RoutingPolicy(StrEnum):
    """The agency's response model: who is told of a new alert and of an overdue review.

    Configured per agency as ``routing_policy`` (``response_model``, its earlier name, is still read).
    The four models are the seeds' terms; who gets which email under each is one table,
    ``eis_core.notify.routing.ROUTES``:

    - ``centralized``: a designated group of leaders (the risk team's emails) reviews every alert;
    - ``centralized_review``: the chain of command acts, the risk team supervises (copied);
    - ``decentralized``: the chain of command only (the risk team when nobody up the chain can be told);
    - ``capacity_building``: the risk team and the chain work each alert together, both told.

    The values earlier versions used are still read, as the model they meant: ``chain_of_command`` is
    ``decentralized``, ``risk_team`` is ``centralized``, ``chain_of_command_and_risk_team`` is
    ``capacity_building`` (``LEGACY_ROUTING_POLICIES``).
    """

    CENTRALIZED = "centralized"
    CENTRALIZED_REVIEW = "centralized_review"
    DECENTRALIZED = "decentralized"
    CAPACITY_BUILDING = "capacity_building"

    @classmethod
    def _missing_(cls, value: object) -> RoutingPolicy | None:
        """An earlier value (``chain_of_command``, ...) read as the model it meant."""
        name = LEGACY_ROUTING_POLICIES.get(str(value)) if isinstance(value, str) else None
        return None if name is None else cls(name)


LEGACY_ROUTING_POLICIES: dict[str, str] = {
    "chain_of_command": "decentralized",
    "risk_team": "centralized",
    "chain_of_command_and_risk_team": "capacity_building",
}
"""Routing policy values stored by earlier versions, and the response model each is read as."""

ResponseModel = RoutingPolicy
"""The seeds' name for the routing policy."""


class RuleThreshold(BaseModel):
    """An agency's own levels for one scoring rule (``eis_core.scoring.rules``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    warning: float = Field(gt=0)
    critical: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _critical_not_below_warning(self) -> Self:
        if self.critical is not None and self.critical < self.warning:
            raise ValueError(f"critical ({self.critical}) is below warning ({self.warning})")
        return self


class EnvSettings(BaseModel):
    """Base of the parts: frozen, read by variable name (``EIS_...``) or field name, other keys ignored."""

    model_config = ConfigDict(
        frozen=True,
        alias_generator=env_name,
        validate_by_alias=True,
        validate_by_name=True,
        extra="ignore",
        defer_build=True,  # built on first use: a function pays only for its own model at cold start
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Self:
        """Parse the environment; a missing or invalid variable raises, naming it."""
        return cls.model_validate(dict(environ))

    def to_env(self) -> dict[str, str]:
        """The environment variables that ``from_env`` reads back into an equal model."""
        env: dict[str, str] = {}
        for name, value in self.model_dump(mode="json", by_alias=True).items():
            if isinstance(value, list):
                env[name] = ",".join(str(item) for item in value)
            elif isinstance(value, dict):
                env[name] = json.dumps(_drop_none(value), sort_keys=True, separators=(",", ":"))
            else:
                env[name] = str(value)
        return env


def _comma_separated(value: object) -> object:
    """A list setting as its environment variable carries it ("a, b"); any other value as it is."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


def _drop_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _drop_none(item) for key, item in value.items() if item is not None}
    return value


# --- parts -----------------------------------------------------------------------------------------


class AgencyStack(EnvSettings):
    """The agency and the names of its resources (``eis_core.storage.schema.AgencyResources``)."""

    agency_id: str = Field(pattern=AGENCY_ID_PATTERN)
    records_table: str
    scores_table: str
    alerts_table: str
    cases_table: str
    audit_table: str
    idempotency_table: str
    uploads_bucket: str
    quarantine_bucket: str
    artifacts_bucket: str
    audit_bucket: str
    # Every function appends to the audit chain; the KMS HMAC key signs each record (a stack output).
    audit_key_id: str = Field(min_length=1)


class ReviewPolicy(EnvSettings):
    review_days: int = Field(default=14, ge=1, le=365, description="days a supervisor has to review an alert")


class NotifyPolicy(ReviewPolicy):
    sender_email: EmailAddress = Field(description="SES identity the notifier sends from")
    # Who hears of an alert when no supervisor up the officer's chain has an email (comma-separated).
    risk_team_emails: tuple[EmailAddress, ...] = Field(default=(), description="who hears about every alert")
    routing_policy: RoutingPolicy = Field(
        default=RoutingPolicy.DECENTRALIZED,
        description="response model: centralized, centralized_review, decentralized or capacity_building",
    )
    escalation_days: int = Field(default=7, ge=1, le=90, description="days past the deadline before escalating")
    handoff_remind_days: int = Field(
        default=2, ge=0, le=30, description="days after a hand-off before the new supervisor is reminded daily"
    )

    @field_validator("risk_team_emails", mode="before")
    @classmethod
    def _split_emails(cls, value: object) -> object:
        return _comma_separated(value)


class PortalLink(EnvSettings):
    portal_url: str = Field(min_length=1, description="the supervisors' portal, linked from every email")


class PromotionBacktest(StrEnum):
    """What the retraining job's backtest must show before a retrained model is promoted.

    Before promoting, the retraining job backtests the candidate's spec on the latest full year and
    compares it with the spec's threshold rule at the rule's own flag count (``eis_core.scoring.backtest_gate``):

    - ``beat_rule``: promoted only when the model beats the rule (the paired 95% interval of the
      precision difference lies above zero), else kept as a candidate;
    - ``not_beaten_by_rule``: kept as a candidate only when the rule beats the model (the interval lies
      below zero), for an agency too small for the interval to clear zero;
    - ``report_only``: the backtest is run, stored and recorded in the decision, but does not hold back.
    """

    BEAT_RULE = "beat_rule"
    NOT_BEATEN_BY_RULE = "not_beaten_by_rule"
    REPORT_ONLY = "report_only"


class ScorePolicy(EnvSettings):
    alert_top_share: float = Field(default=0.05, gt=0, le=1, description="share of officers that get an alert")
    rule_thresholds: dict[str, RuleThreshold] = Field(
        default_factory=dict, description="rule id -> the agency's own levels; other rules keep the defaults"
    )
    promotion_margin: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description="how much lower a retrained model's validation precision at the alert rate may be than the "
        "current model's and still be promoted; a worse one is kept as a candidate",
    )
    promotion_backtest: PromotionBacktest = Field(
        default=PromotionBacktest.BEAT_RULE,
        description="what the retraining job's backtest on the latest full year must show before a retrained "
        "model is promoted: beat_rule, not_beaten_by_rule or report_only (against the spec's threshold rule "
        "at the rule's flag count)",
    )

    @field_validator("rule_thresholds", mode="before")
    @classmethod
    def _json_object(cls, value: object) -> object:
        """In the environment the thresholds are one JSON object, e.g. {"force_90d":{"warning":4}}."""
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else {}
            except ValueError as error:
                raise ValueError(f"not valid JSON: {error}") from None
        return value

    @field_validator("rule_thresholds")
    @classmethod
    def _known_rules(cls, value: dict[str, RuleThreshold]) -> dict[str, RuleThreshold]:
        if value:
            # Imported here: only thresholds that name rules pay for loading the scoring rules.
            from eis_core.scoring.rules import check_rule_ids

            check_rule_ids(value)
        return value


class AlertsTopic(EnvSettings):
    alerts_topic_arn: str = Field(min_length=1, description="SNS topic new alerts are published to")


class OperationsTopic(EnvSettings):
    operations_topic_arn: str = Field(
        default="",
        description="SNS topic of the operations team: told of a retrained model not promoted (empty: only logged)",
    )


InterventionType = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[a-z][a-z0-9_]*$")]

DEFAULT_INTERVENTION_CATALOGUE: tuple[str, ...] = (
    "coaching_mentoring",
    "training",
    "peer_support",
    "wellness_referral",  # employee-assistance programme (EAP) or other wellness referral
    "schedule_adjustment",  # schedule or workload
    "supervisor_ride_along",
    "reassignment",
    "recognition",
)


class InterventionPolicy(EnvSettings):
    """What an agency offers after a review, and how closely it follows each intervention up.

    The case API stamps the dates on each intervention when it is planned, checked in on or completed
    (next check-in due, end of monitoring), so the notifier reads dates and needs no part of this.
    """

    intervention_catalogue: tuple[InterventionType, ...] = Field(
        default=DEFAULT_INTERVENTION_CATALOGUE,
        min_length=1,
        description="the intervention types a case may plan (ids, e.g. coaching_mentoring)",
    )
    checkin_days: int = Field(default=30, ge=1, le=365, description="days between check-ins on an intervention")
    monitoring_days: int = Field(
        default=90, ge=1, le=730, description="days of monitoring after the last intervention before closing"
    )

    @field_validator("intervention_catalogue", mode="before")
    @classmethod
    def _split_types(cls, value: object) -> object:
        return _comma_separated(value)

    @field_validator("intervention_catalogue")
    @classmethod
    def _no_repeats(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({item for item in value if value.count(item) > 1})
        if repeated:
            raise ValueError(f"lists {', '.join(repeated)} more than once")
        return value


class ComplaintPolicy(EnvSettings):
    """Complaint timeliness (``eis_core.complaints``): who chases unacknowledged complaints, and when.

    With no ``intake_email`` (empty) the sweep chases nothing: an agency whose extracts carry no acknowledgment
    dates would otherwise have every complaint chased.
    """

    intake_email: EmailAddress | Literal[""] = Field(
        default="", description="the complaint intake unit: told of complaints not acknowledged in time"
    )
    acknowledge_within_business_days: int = Field(
        default=5, ge=1, le=60, description="business days the agency gives itself to acknowledge a complaint"
    )
    holidays: tuple[date, ...] = Field(
        default=(), description="days that are not business days (besides weekends), e.g. 2025-12-25"
    )

    @field_validator("holidays", mode="before")
    @classmethod
    def _split_days(cls, value: object) -> object:
        return _comma_separated(value)


class WellnessOptIn(EnvSettings):
    """Whether the officer's direct supervisor is told of, and may read, wellness check-ins (``eis_core.wellness``).

    Check-ins go to the wellness coordinator (the ``wellness`` role in the portal; ``WellnessRecipients`` by
    mail); the direct supervisor only when the agency turns this on. Read by score (stamped on each check-in),
    notify (who is emailed) and the case API (who may read).
    """

    wellness_notify_supervisor: bool = Field(
        default=False, description="opt in: the officer's direct supervisor is told of and may read check-ins"
    )


class WellnessRecipients(WellnessOptIn):
    """Who is emailed of each new wellness check-in (notify)."""

    wellness_coordinator_emails: tuple[EmailAddress, ...] = Field(
        default=(), description="the wellness coordinator(s) told of each new wellness check-in"
    )

    @field_validator("wellness_coordinator_emails", mode="before")
    @classmethod
    def _split_wellness_emails(cls, value: object) -> object:
        return _comma_separated(value)


class WellnessPolicy(WellnessOptIn):
    """The agency's wellness thresholds (score): when indicators make a check-in (docs/wellness.md)."""

    wellness_thresholds: WellnessThresholds = Field(
        default_factory=WellnessThresholds, description="the agency's wellness thresholds (docs/wellness.md)"
    )

    @field_validator("wellness_thresholds", mode="before")
    @classmethod
    def _thresholds_json(cls, value: object) -> object:
        if isinstance(value, str):
            try:
                return json.loads(value) if value.strip() else {}
            except ValueError as error:
                raise ValueError(f"not valid JSON: {error}") from None
        return value


# --- one model per function ------------------------------------------------------------------------


class IngestSettings(AgencyStack):
    """functions/ingest."""


class ScoreSettings(AgencyStack, ScorePolicy, AlertsTopic, OperationsTopic, WellnessPolicy):
    """functions/score: scoring, retraining, the frames snapshot and the audit export."""


class NotifySettings(AgencyStack, NotifyPolicy, PortalLink, ComplaintPolicy, WellnessRecipients):
    """functions/notify: alert emails and the review-deadline sweep."""


class CasesApiSettings(AgencyStack, ReviewPolicy, PortalLink, InterventionPolicy, WellnessOptIn):
    """functions/cases_api."""


FunctionSettings = IngestSettings | ScoreSettings | NotifySettings | CasesApiSettings

FUNCTION_SETTINGS: dict[str, type[AgencyStack]] = {
    "ingest": IngestSettings,
    "score": ScoreSettings,
    "notify": NotifySettings,
    "cases_api": CasesApiSettings,
}


class SettingsError(ValueError):
    """A function's settings cannot be built; the message names the model, the agency and each field."""


SettingsT = TypeVar("SettingsT", bound=AgencyStack)


def function_settings(
    model: type[SettingsT], resources: AgencyResources, values: Mapping[str, object] | BaseModel | None = None
) -> SettingsT:
    """``model`` for an agency's resources plus ``values`` (by field name: an agency's config, stack outputs).

    What ``infra`` and the local runtime build each function's environment from; keys the model does
    not read are ignored, and a field it requires that nobody supplies raises ``SettingsError``.
    """
    given = values.model_dump() if isinstance(values, BaseModel) else dict(values or {})
    try:
        return model.model_validate(given | resources.environment())
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, p['loc']))}: {p['msg']}" for p in error.errors())
        raise SettingsError(f"{model.__name__} for agency {resources.agency_id}: {problems}") from None
