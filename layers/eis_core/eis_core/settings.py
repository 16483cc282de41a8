"""Typed environment, checked once at cold start. Code below the handlers receives values, never os.environ."""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field, field_validator

from eis_core.storage.schema import AGENCY_ID_PATTERN


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
    alerts_topic_arn: str = Field(default="", alias="EIS_ALERTS_TOPIC_ARN")
    sender_email: str = Field(default="", alias="EIS_SENDER_EMAIL")
    portal_url: str = Field(default="http://127.0.0.1:8080", alias="EIS_PORTAL_URL")
    review_days: int = Field(default=14, ge=1, le=365, alias="EIS_REVIEW_DAYS")
    alert_top_share: float = Field(default=0.05, gt=0, le=1, alias="EIS_ALERT_TOP_SHARE")
    # Who hears of an alert when no supervisor up the officer's chain has an email (comma-separated).
    risk_team_emails: tuple[str, ...] = Field(default=(), alias="EIS_RISK_TEAM_EMAILS")

    @field_validator("risk_team_emails", mode="before")
    @classmethod
    def _split_emails(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        return cls.model_validate(dict(environ))
