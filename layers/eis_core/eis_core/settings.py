"""Typed environment, checked once at cold start. Code below the handlers receives values, never os.environ."""

from __future__ import annotations

import json
from collections.abc import Mapping
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from eis_core.storage.schema import AGENCY_ID_PATTERN


class ResponseModel(StrEnum):
    """Who is told of a new alert and of an overdue review (the notifier routes by this)."""

    CHAIN_OF_COMMAND = "chain_of_command"  # the first supervisor up the chain; the risk team if none
    RISK_TEAM = "risk_team"  # a central unit triages every alert
    CHAIN_OF_COMMAND_AND_RISK_TEAM = "chain_of_command_and_risk_team"


RULE_LEVELS = frozenset({"warning", "critical"})


class Settings(BaseModel):
    """What every EIS function needs to know about its agency's stack."""

    model_config = ConfigDict(frozen=True, populate_by_name=True, extra="ignore")

    agency_id: str = Field(alias="EIS_AGENCY_ID", pattern=AGENCY_ID_PATTERN)
    records_table: str = Field(alias="EIS_RECORDS_TABLE")
    scores_table: str = Field(alias="EIS_SCORES_TABLE")
    alerts_table: str = Field(alias="EIS_ALERTS_TABLE")
    cases_table: str = Field(alias="EIS_CASES_TABLE")
    audit_table: str = Field(alias="EIS_AUDIT_TABLE")
    idempotency_table: str = Field(alias="EIS_IDEMPOTENCY_TABLE")
    uploads_bucket: str = Field(alias="EIS_UPLOADS_BUCKET")
    quarantine_bucket: str = Field(alias="EIS_QUARANTINE_BUCKET")
    artifacts_bucket: str = Field(alias="EIS_ARTIFACTS_BUCKET")
    audit_bucket: str = Field(alias="EIS_AUDIT_BUCKET")
    audit_key_id: str = Field(alias="EIS_AUDIT_KEY_ID", min_length=1)  # KMS HMAC key that signs the audit chain
    alerts_topic_arn: str = Field(default="", alias="EIS_ALERTS_TOPIC_ARN")
    sender_email: str = Field(default="", alias="EIS_SENDER_EMAIL")
    portal_url: str = Field(default="http://127.0.0.1:8080", alias="EIS_PORTAL_URL")
    review_days: int = Field(default=14, ge=1, le=365, alias="EIS_REVIEW_DAYS")
    alert_top_share: float = Field(default=0.05, gt=0, le=1, alias="EIS_ALERT_TOP_SHARE")
    # Who hears of an alert when no supervisor up the officer's chain has an email (comma-separated).
    risk_team_emails: tuple[str, ...] = Field(default=(), alias="EIS_RISK_TEAM_EMAILS")
    response_model: ResponseModel = Field(default=ResponseModel.CHAIN_OF_COMMAND, alias="EIS_RESPONSE_MODEL")
    # Days past a case's review date before the reminder becomes an escalation up the chain.
    escalation_days: int = Field(default=7, ge=1, le=90, alias="EIS_ESCALATION_DAYS")
    # Rule id -> the agency's own levels, e.g. {"uof_90d": {"warning": 4, "critical": 8}} (JSON in the env).
    # Only the shape is checked here; the scoring service knows the rule ids and applies them.
    rule_thresholds: dict[str, dict[str, float]] = Field(default_factory=dict, alias="EIS_RULE_THRESHOLDS")

    @field_validator("risk_team_emails", mode="before")
    @classmethod
    def _split_emails(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("rule_thresholds", mode="before")
    @classmethod
    def _parse_thresholds(cls, value: object) -> object:
        if isinstance(value, str):
            if not value.strip():
                return {}
            try:
                value = json.loads(value)
            except ValueError as error:
                raise ValueError(f"EIS_RULE_THRESHOLDS is not valid JSON: {error}") from None
        if not isinstance(value, dict):
            raise ValueError("EIS_RULE_THRESHOLDS must be a JSON object: rule id -> {warning, critical}")
        for rule_id, levels in value.items():
            if not isinstance(levels, dict) or not levels:
                raise ValueError(f"rule {rule_id!r}: give an object with 'warning' and optionally 'critical'")
            unknown = sorted(set(levels) - RULE_LEVELS)
            if unknown:
                raise ValueError(f"rule {rule_id!r}: unknown level {unknown[0]!r}; use 'warning' and 'critical'")
            if "warning" not in levels:
                raise ValueError(f"rule {rule_id!r}: 'warning' is required")
            for level, threshold in levels.items():
                if isinstance(threshold, bool) or not isinstance(threshold, int | float) or threshold <= 0:
                    raise ValueError(f"rule {rule_id!r}: {level} must be a number above 0")
            if "critical" in levels and levels["critical"] < levels["warning"]:
                raise ValueError(f"rule {rule_id!r}: critical is below warning")
        return value

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        return cls.model_validate(dict(environ))
