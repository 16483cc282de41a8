"""Per-agency deployment settings, validated before anything is synthesised.

One entry per agency in ``infra/agencies.json``; a mistake there stops ``cdk synth`` with a message
naming the entry and the field, instead of surfacing as a half-deployed stack.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    HttpUrl,
    ValidationError,
    field_validator,
    model_validator,
)

from eis_core.settings import (
    FUNCTION_SETTINGS,
    AgencyStack,
    ComplaintPolicy,
    EmailAddress,
    InterventionPolicy,
    NotifyPolicy,
    ScorePolicy,
    WellnessPolicy,
    WellnessRecipients,
    function_settings,
)
from eis_core.storage.schema import AGENCY_ID_PATTERN, AgencyResources, Bucket

DEFAULT_AGENCIES_FILE = Path(__file__).with_name("agencies.json")

GOVCLOUD_REGIONS = frozenset({"us-gov-west-1", "us-gov-east-1"})
# Commercial regions are accepted so the stack can be tried outside GovCloud; production is GovCloud.
COMMERCIAL_TEST_REGIONS = frozenset({"us-east-1", "us-east-2", "us-west-1", "us-west-2"})

# CloudWatch Logs accepts only these retention periods; below a year is not allowed for this system.
LOG_RETENTION_DAYS = (365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
_S3_BUCKET_NAME_MAX = 63

_CRON_FIELD = r"[0-9A-Za-z*?,/#LW-]+"
_CRON = re.compile(rf"^{_CRON_FIELD}(\s+{_CRON_FIELD}){{5}}$")


def _eventbridge_cron(value: str) -> str:
    """EventBridge cron: six fields, and one of day-of-month / day-of-week must be '?'."""
    inner = value.strip()
    if inner.startswith("cron(") and inner.endswith(")"):
        inner = inner[5:-1].strip()
    if not _CRON.match(inner):
        raise ValueError(
            "must be an EventBridge cron expression with six fields "
            "(minutes hours day-of-month month day-of-week year), e.g. '0 6 * * ? *'"
        )
    fields = inner.split()
    if "?" not in (fields[2], fields[4]):
        raise ValueError("one of day-of-month (3rd field) or day-of-week (5th field) must be '?'")
    return " ".join(fields)


CronExpression = Annotated[str, AfterValidator(_eventbridge_cron)]


class ApiThrottle(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    rate_limit: float = Field(default=50, gt=0, le=10_000, description="steady requests per second")
    burst_limit: int = Field(default=100, gt=0, le=5_000)


class AgencyConfig(NotifyPolicy, ScorePolicy, InterventionPolicy, ComplaintPolicy, WellnessPolicy, WellnessRecipients):
    """Everything that differs between two agencies' stacks.

    The settings the functions read (sender, risk team, routing policy, review and escalation days,
    alert share, rule thresholds) are inherited from the policy parts in ``eis_core.settings``, so a
    setting added there is a key of this file and a variable of the functions that use it at once.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", validate_by_alias=False, loc_by_alias=False)

    # Keys this file used to have -> the field that now holds them (errors still name the key used).
    RENAMED_KEYS: ClassVar[dict[str, str]] = {"response_model": "routing_policy"}
    # Keys this file used to have that no longer mean anything -> what to do instead (named in the error,
    # since pydantic's "Extra inputs are not permitted" reads like a typo).
    REMOVED_KEYS: ClassVar[dict[str, str]] = {
        "backtest_schedule": "no longer used: the retrain job now backtests the latest full year before it "
        "promotes a model (see promotion_backtest and docs/onboarding.md); delete this key",
    }

    agency_id: str = Field(pattern=AGENCY_ID_PATTERN, description="lower-case id, part of every resource name")
    name: str = Field(min_length=1, max_length=128, description="the agency's display name")
    account: str = Field(pattern=r"^\d{12}$")
    region: str
    # Deployed, every alert must have somewhere to go when nobody up the chain has an email.
    risk_team_emails: tuple[EmailAddress, ...] = Field(min_length=1, description="who hears about every alert")
    portal_origin: HttpUrl = Field(description="origin of the supervisors' portal (CORS, links in email)")
    portal_certificate_arn: str | None = Field(
        default=None,
        pattern=r"^arn:aws(-us-gov)?:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]+$",
        description="ACM certificate (in the stack's region) for portal_origin's host: the stack then gives "
        "the API that regional custom domain, stage at its root (docs/portal-in-aws.md); unset: map it yourself",
    )
    operations_emails: tuple[EmailAddress, ...] = Field(
        default=(), description="who receives operational alarms (errors, throttles, dead letters)"
    )
    # Schedules (EventBridge cron, UTC).
    score_schedule: CronExpression = Field(default="0 6 * * ? *", description="scoring run")
    retrain_schedule: CronExpression = Field(
        default="0 3 1 * ? *", description="model retraining, with its backtest on the latest full year"
    )
    curate_schedule: CronExpression = Field(
        default="0 5 * * ? *", description="frames snapshot rebuilt after the night's uploads, before scoring"
    )
    deadline_sweep_schedule: CronExpression = Field(default="0 13 * * ? *", description="reminders, escalation")
    audit_export_schedule: CronExpression = Field(default="30 2 * * ? *", description="audit trail -> audit bucket")
    # Retention periods.
    log_retention_days: int = Field(default=365, ge=365, description="CloudWatch log retention, at least a year")
    audit_retention_days: int = Field(default=2557, ge=365, description="object-lock retention of audit exports")
    audit_lock_mode: Literal["COMPLIANCE", "GOVERNANCE"] = Field(
        default="COMPLIANCE", description="COMPLIANCE: not even an administrator can shorten retention"
    )
    upload_retention_days: int = Field(
        default=365, ge=30, description="raw extracts (and old versions) are deleted after this many days"
    )
    quarantine_retention_days: int = Field(default=90, ge=7, description="reports of rejected rows")
    backup_retention_days: int = Field(default=35, ge=7, le=3650, description="AWS Backup copies of the tables")
    api_throttle: ApiThrottle = Field(default_factory=ApiThrottle)

    @model_validator(mode="before")
    @classmethod
    def _renamed_keys(cls, data: object) -> object:
        if isinstance(data, dict):
            for old, new in cls.RENAMED_KEYS.items():
                if old in data and new not in data:
                    data = {new if key == old else key: value for key, value in data.items()}
        return data

    @field_validator("agency_id")
    @classmethod
    def _no_double_dash(cls, value: str) -> str:
        if "--" in value:
            raise ValueError("must not contain '--'")
        return value

    @field_validator("region")
    @classmethod
    def _known_region(cls, value: str) -> str:
        if value not in GOVCLOUD_REGIONS | COMMERCIAL_TEST_REGIONS:
            allowed = ", ".join(sorted(GOVCLOUD_REGIONS | COMMERCIAL_TEST_REGIONS))
            raise ValueError(f"must be one of {allowed} (GovCloud for production)")
        return value

    @field_validator("log_retention_days")
    @classmethod
    def _supported_retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"must be one of the CloudWatch retention periods {LOG_RETENTION_DAYS}")
        return value

    @model_validator(mode="after")
    def _bucket_names_fit(self) -> AgencyConfig:
        too_long = [n for n in self.bucket_names() if len(n) > _S3_BUCKET_NAME_MAX]
        if too_long:
            raise ValueError(
                f"agency_id is too long for this account and region: bucket name {too_long[0]!r} "
                f"exceeds {_S3_BUCKET_NAME_MAX} characters"
            )
        return self

    @field_validator("portal_origin")
    @classmethod
    def _origin_only(cls, value: HttpUrl) -> HttpUrl:
        if value.scheme != "https":
            raise ValueError("must use https")
        if value.path not in (None, "", "/") or value.query or value.fragment:
            raise ValueError("must be an origin (scheme and host only), e.g. https://eis.example.gov")
        return value

    @model_validator(mode="after")
    def _certificate_fits_the_domain(self) -> AgencyConfig:
        arn = self.portal_certificate_arn
        if arn is not None:
            if arn.split(":")[3] != self.region:
                raise ValueError(
                    f"portal_certificate_arn is in {arn.split(':')[3]}; a regional API Gateway custom domain "
                    f"needs a certificate in the stack's region, {self.region}"
                )
            if self.portal_origin.port != 443:
                raise ValueError("portal_origin must use the default port (443) to be an API Gateway custom domain")
        return self

    @property
    def portal_host(self) -> str:
        """portal_origin's host name: the API's custom domain when ``portal_certificate_arn`` is set."""
        return str(self.portal_origin.host)

    @property
    def origin(self) -> str:
        """The origin without the trailing slash pydantic adds (what browsers send in ``Origin``)."""
        return str(self.portal_origin).rstrip("/")

    @property
    def resources(self) -> AgencyResources:
        return AgencyResources(agency_id=self.agency_id, account=self.account, region=self.region)

    @property
    def access_logs_bucket(self) -> str:
        """Where S3 server access logs go; not an application bucket, so it is named here, not in the schema."""
        return f"{self.resources.prefix}-s3-logs-{self.account}-{self.region}"

    @property
    def portal_bucket(self) -> str:
        """The portal's built files (infra.components.portal); named here like the access-log bucket."""
        return f"{self.resources.prefix}-portal-{self.account}-{self.region}"

    @property
    def portal_url(self) -> str:
        """Where supervisors open the portal: the API's custom domain at the stage root (docs/portal-in-aws.md)."""
        return f"{self.origin}/"

    def bucket_names(self) -> list[str]:
        return [self.resources.bucket(b) for b in Bucket] + [self.access_logs_bucket, self.portal_bucket]

    def function_settings(
        self, function: str, *, alerts_topic_arn: str, audit_key_id: str, operations_topic_arn: str | None = None
    ) -> AgencyStack:
        """``function``'s settings model (``eis_core.settings``) for this agency, as the stack deploys it.

        Built from this config by field name plus what only the stack knows; a field the model
        requires that neither supplies stops the synth (``SettingsError`` naming it).
        """
        stack_values = {"portal_url": self.origin, "alerts_topic_arn": alerts_topic_arn, "audit_key_id": audit_key_id}
        if operations_topic_arn is not None:
            stack_values["operations_topic_arn"] = operations_topic_arn
        return function_settings(FUNCTION_SETTINGS[function], self.resources, self.model_dump() | stack_values)

    def function_environment(
        self, function: str, *, alerts_topic_arn: str, audit_key_id: str, operations_topic_arn: str | None = None
    ) -> dict[str, str]:
        """The ``EIS_*`` variables ``function`` receives: its settings model, serialised by alias."""
        return self.function_settings(
            function,
            alerts_topic_arn=alerts_topic_arn,
            audit_key_id=audit_key_id,
            operations_topic_arn=operations_topic_arn,
        ).to_env()

    @property
    def is_govcloud(self) -> bool:
        return self.region in GOVCLOUD_REGIONS


class AgenciesFile(BaseModel):
    """The deployment file: a list of agencies, each deployed as its own stack."""

    model_config = ConfigDict(frozen=True)

    agencies: tuple[AgencyConfig, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> AgenciesFile:
        if not self.agencies:
            raise ValueError("lists no agency")
        seen: set[str] = set()
        for agency in self.agencies:
            if agency.agency_id in seen:
                raise ValueError(f"agency_id {agency.agency_id!r} appears more than once")
            seen.add(agency.agency_id)
        return self


class AgencyConfigError(ValueError):
    """The agencies file is missing or invalid; the message names the file, entry and field."""


def _describe(error: ValidationError, entries: list[object], source: Path) -> str:
    """Name each problem as "entry 1 ('shelbyville'), field account: ..." rather than pydantic's path."""
    lines = [f"{source}: invalid agency configuration"]
    for problem in error.errors():
        location = list(problem["loc"])
        if location[:1] == ["agencies"]:
            location.pop(0)
        where = "file"
        head = location[0] if location else None
        if isinstance(head, int):
            index = head
            location.pop(0)
            entry = entries[index] if index < len(entries) else None
            label = entry.get("agency_id") if isinstance(entry, dict) else None
            where = f"entry {index}" + (f" ({label!r})" if label else "")
            # Name a renamed setting by the key the entry actually used.
            for old_key, new_key in AgencyConfig.RENAMED_KEYS.items():
                if location[:1] == [new_key] and isinstance(entry, dict) and old_key in entry:
                    location[0] = old_key
        field = ".".join(str(part) for part in location)
        message = problem["msg"]
        if problem["type"] == "extra_forbidden" and field in AgencyConfig.REMOVED_KEYS:
            message = AgencyConfig.REMOVED_KEYS[field]
        lines.append(f"  - {where}{f', field {field}' if field else ''}: {message}")
    return "\n".join(lines)


def load_agencies(path: Path | str = DEFAULT_AGENCIES_FILE) -> AgenciesFile:
    """Read and validate the agencies file (a JSON list of agency objects)."""
    source = Path(path)
    try:
        entries = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise AgencyConfigError(f"{source}: agencies file not found") from error
    except json.JSONDecodeError as error:
        raise AgencyConfigError(f"{source}: not valid JSON ({error})") from error
    if not isinstance(entries, list):
        raise AgencyConfigError(f"{source}: must be a JSON list of agencies")
    try:
        return AgenciesFile.model_validate({"agencies": entries})
    except ValidationError as error:
        # Re-anchor locations on the list itself: errors read "entry 1 ('shelbyville'), field account".
        raise AgencyConfigError(_describe(error, entries, source)) from None
