"""The one definition of an agency's resources: names and key schemas.

The CDK stack and the local runtime both build tables, buckets, the alert topic and the notify
queue from these specs, so tests, the local stack and AWS cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

AGENCY_ID_PATTERN = r"^[a-z][a-z0-9-]{1,22}[a-z0-9]$"


@dataclass(frozen=True)
class KeyAttr:
    name: str
    type: Literal["S", "N"] = "S"


@dataclass(frozen=True)
class IndexSpec:
    name: str
    partition_key: KeyAttr
    sort_key: KeyAttr | None = None


@dataclass(frozen=True)
class TableSpec:
    logical_name: str
    partition_key: KeyAttr
    sort_key: KeyAttr | None = None
    indexes: tuple[IndexSpec, ...] = field(default_factory=tuple)
    ttl_attribute: str | None = None

    def attribute_definitions(self) -> list[dict[str, str]]:
        keys = [self.partition_key, self.sort_key]
        for index in self.indexes:
            keys += [index.partition_key, index.sort_key]
        seen: dict[str, str] = {}
        for key in keys:
            if key is not None:
                seen.setdefault(key.name, key.type)
        return [{"AttributeName": n, "AttributeType": t} for n, t in seen.items()]

    def create_table_kwargs(self, table_name: str) -> dict[str, Any]:
        """Arguments for DynamoDB CreateTable (on-demand), as the local runtime and tests use them."""
        kwargs: dict[str, Any] = {
            "TableName": table_name,
            "KeySchema": _key_schema(self.partition_key, self.sort_key),
            "AttributeDefinitions": self.attribute_definitions(),
            "BillingMode": "PAY_PER_REQUEST",
        }
        if self.indexes:
            kwargs["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    "KeySchema": _key_schema(index.partition_key, index.sort_key),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index in self.indexes
            ]
        return kwargs


def _key_schema(pk: KeyAttr, sk: KeyAttr | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": pk.name, "KeyType": "HASH"}]
    if sk is not None:
        schema.append({"AttributeName": sk.name, "KeyType": "RANGE"})
    return schema


class Table(StrEnum):
    RECORDS = "records"
    SCORES = "scores"
    ALERTS = "alerts"
    CASES = "cases"
    AUDIT = "audit"
    IDEMPOTENCY = "idempotency"


TABLE_SPECS: dict[Table, TableSpec] = {
    # Curated records, one item per source record: a re-sent record replaces its item. The sparse
    # "roster" index holds only current roster items, so listing officers never reads the events.
    # "by_officer" holds current event items (officer_id and occurred_on; roster and history items have
    # no occurred_on or no officer_id), so one officer's events are read without a scan.
    Table.RECORDS: TableSpec(
        "records",
        KeyAttr("pk"),
        indexes=(
            IndexSpec("roster", KeyAttr("roster_list")),
            IndexSpec("by_officer", KeyAttr("officer_id"), KeyAttr("occurred_on")),
        ),
    ),
    # One item per officer per scoring run; query a run by its date, an officer's history by_officer.
    Table.SCORES: TableSpec(
        "scores",
        KeyAttr("as_of"),
        KeyAttr("officer_id"),
        indexes=(IndexSpec("by_officer", KeyAttr("officer_id"), KeyAttr("as_of")),),
    ),
    Table.ALERTS: TableSpec(
        "alerts",
        KeyAttr("alert_id"),
        indexes=(
            IndexSpec("by_status", KeyAttr("status"), KeyAttr("created_at")),
            IndexSpec("by_officer", KeyAttr("officer_id"), KeyAttr("created_at")),
        ),
    ),
    # A case item (sk "CASE") and its notes (sk "NOTE#<time>#<id>") share a partition.
    Table.CASES: TableSpec(
        "cases",
        KeyAttr("case_id"),
        KeyAttr("sk"),
        indexes=(
            IndexSpec("open_by_officer", KeyAttr("open_officer_id")),
            # Sparse: only closed cases carry closed_list, so feedback counts query closures by time.
            IndexSpec("closed", KeyAttr("closed_list"), KeyAttr("closed_at")),
            # Case items only (notes and lock items carry no officer_id): an officer's past cases.
            IndexSpec("by_officer", KeyAttr("officer_id"), KeyAttr("opened_at")),
            # Listings (the queue, GET /cases) by review date: only case items carry these attributes.
            IndexSpec("by_status_due", KeyAttr("status"), KeyAttr("review_due_on")),
            IndexSpec("by_supervisor_due", KeyAttr("supervisor_id"), KeyAttr("review_due_on")),
            IndexSpec("by_officer_due", KeyAttr("officer_id"), KeyAttr("review_due_on")),
        ),
    ),
    # One hash chain per agency, ordered by sequence number; writes are conditional on the slot.
    Table.AUDIT: TableSpec("audit", KeyAttr("chain"), KeyAttr("seq", "N")),
    # Powertools idempotency persistence (its default attribute names).
    Table.IDEMPOTENCY: TableSpec("idempotency", KeyAttr("id"), ttl_attribute="expiration"),
}


def audit_sequence_partition(chain: str) -> str:
    """The audit table partition holding a chain's ticket counter (the only item appenders may update)."""
    return f"{chain}#sequence"


def audit_checkpoint_partition(chain: str) -> str:
    """The audit table partition holding a chain's signed checkpoints."""
    return f"{chain}#checkpoints"


class Bucket(StrEnum):
    UPLOADS = "uploads"
    QUARANTINE = "quarantine"
    ARTIFACTS = "artifacts"
    AUDIT = "audit"
    # Public aggregate reports (eis_core.reports.public) under "public/": private like the others until
    # the agency chooses to publish them (a short value: bucket names stay within S3's 63 characters).
    PUBLIC_REPORTS = "public"


class AgencyResources(BaseModel):
    """Physical names of one agency's resources, derived from its id, account and region."""

    model_config = ConfigDict(frozen=True)

    agency_id: str = Field(pattern=AGENCY_ID_PATTERN)
    account: str = Field(pattern=r"^\d{12}$")
    region: str = Field(pattern=r"^[a-z]{2}(-gov)?-[a-z]+-\d$")

    @field_validator("agency_id")
    @classmethod
    def _no_double_dash(cls, value: str) -> str:
        if "--" in value:
            raise ValueError("agency id must not contain '--'")
        return value

    @property
    def prefix(self) -> str:
        return f"eis-{self.agency_id}"

    def table(self, table: Table) -> str:
        return f"{self.prefix}-{TABLE_SPECS[table].logical_name}"

    def bucket(self, bucket: Bucket) -> str:
        # Bucket names are global: account and region make them unique, the agency id makes them readable.
        return f"{self.prefix}-{bucket.value}-{self.account}-{self.region}"

    @property
    def alerts_topic(self) -> str:
        return f"{self.prefix}-alerts"

    @property
    def operations_topic(self) -> str:
        """Operational alarms, and the retraining job's notice of a model kept as a candidate."""
        return f"{self.prefix}-operations"

    @property
    def notify_queue(self) -> str:
        return f"{self.prefix}-notify"

    @property
    def audit_key_alias(self) -> str:
        """The KMS HMAC key that signs the audit chain (``EIS_AUDIT_KEY_ID`` names it to the functions)."""
        return f"alias/{self.prefix}-audit"

    @property
    def user_pool(self) -> str:
        return f"{self.prefix}-users"

    def function(self, purpose: str) -> str:
        return f"{self.prefix}-{purpose}"

    def environment(self) -> dict[str, str]:
        """Environment variables every function receives; parsed back by ``eis_core.settings``."""
        env = {"EIS_AGENCY_ID": self.agency_id}
        env |= {f"EIS_{t.name}_TABLE": self.table(t) for t in Table}
        # No function reads or writes the public reports (the report job runs with its own credentials).
        env |= {f"EIS_{b.name}_BUCKET": self.bucket(b) for b in Bucket if b is not Bucket.PUBLIC_REPORTS}
        return env


def slug(value: str) -> str:
    """Lower-case, dash-separated; used where a free name must become part of a resource name."""
    return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
