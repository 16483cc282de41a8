"""What ingest tells the agency about each uploaded file: the upload report and its quarantined rows.

Reports carry counts, line numbers, column names and reasons. The quarantine file also shows the bad
value of an allowlisted column (masked for officers' personal details); a dropped column, which may
hold nothing but civilian details, is never read, so none of its values can appear anywhere.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from eis_core.models.records import RecordKind


class RejectionCode(StrEnum):
    """Why a whole file was rejected. Nothing from a rejected file is applied."""

    UNKNOWN_KIND = "unknown_kind"
    OBJECT_MISSING = "object_missing"
    UNSUPPORTED_FORMAT = "unsupported_format"
    EMPTY_FILE = "empty_file"
    UNDECODABLE = "undecodable"
    MALFORMED_CSV = "malformed_csv"
    DUPLICATE_COLUMNS = "duplicate_columns"
    MISSING_COLUMNS = "missing_columns"
    INVALID_MAPPING = "invalid_mapping"
    QUARANTINE_RATE = "quarantine_rate"
    VOLUME_DROP = "volume_drop"
    EMPTY_SNAPSHOT = "empty_snapshot"
    SNAPSHOT_NEEDS_CONFIRMATION = "snapshot_needs_confirmation"
    EXPANSION_RATIO = "expansion_ratio"
    TOO_LARGE = "too_large"
    LINE_TOO_LONG = "line_too_long"
    BLANK_LINES = "blank_lines"
    TIME_BUDGET = "time_budget"
    COLUMN_COUNT = "column_count"


class UploadMode(StrEnum):
    """A delta adds and corrects records; a snapshot is the whole of a kind and retracts what it lacks."""

    DELTA = "delta"
    SNAPSHOT = "snapshot"


class QuarantinedRow(BaseModel):
    """One problem with one row: where it is in the file and what to fix. One row may have several."""

    model_config = ConfigDict(frozen=True)

    line: int = Field(ge=1, description="Line (sheet row) where the row starts; in CSV and XLSX the header is line 1")
    column: str = Field(description="Column at fault; empty when the problem spans the row")
    value: str = Field(default="", description="The value at fault, masked for officers' personal details")
    reason: str


class UploadReport(BaseModel):
    """The outcome of ingesting one uploaded object (one version of it), rejected or not."""

    model_config = ConfigDict(frozen=True)

    upload_id: str = Field(description="Deterministic from the object key and version, so a retry rewrites it")
    agency_id: str
    key: str = Field(description="Object key in the uploads bucket")
    etag: str | None = None
    version_id: str | None = None
    kind: RecordKind | None = Field(default=None, description="None when the key names no known kind")
    mode: UploadMode = UploadMode.DELTA
    file_format: str | None = Field(default=None, description="csv, jsonl or xlsx")
    compressed: bool = False
    encoding: str | None = Field(default=None, description="Text encoding the file was read in")
    mapping_version: int = Field(default=0, ge=0, description="0: the identity mapping (canonical columns)")
    finding_known_on: str | None = Field(
        default=None,
        description="Complaints: where a decided finding without a decision date took its finding_decided_on "
        "('upload_date' or a field), as the mapping's finding_known_on says; None when not configured",
    )
    findings_dated_by_mapping: int = Field(
        default=0, ge=0, description="Complaints whose finding_decided_on came from finding_known_on"
    )

    rows_read: int = Field(default=0, ge=0, description="Data rows in the file (blank lines not counted)")
    rows_accepted: int = Field(default=0, ge=0)
    rows_quarantined: int = Field(default=0, ge=0)
    inserted: int = Field(default=0, ge=0)
    replaced: int = Field(default=0, ge=0)
    unchanged: int = Field(default=0, ge=0, description="Rows identical to what was already stored")
    retracted: int = Field(default=0, ge=0, description="Stored records a snapshot lacked, now retracted")
    confirmed: bool = Field(
        default=False, description="A snapshot uploaded under snapshot/confirmed/: the agency confirmed its retractions"
    )
    held_for_confirmation: bool = Field(
        default=False,
        description="A snapshot that would retract too large a share of its kind: nothing applied until confirmed",
    )
    would_retract: int | None = Field(
        default=None, ge=0, description="For a snapshot: stored records of the kind it lacks (retracted if applied)"
    )
    stored_of_kind: int | None = Field(
        default=None, ge=0, description="For a snapshot: current records of the kind before it was applied"
    )
    dropped_columns: list[str] = Field(
        default_factory=list, description="Columns not on the record model; their values were never read"
    )

    warnings: list[str] = Field(default_factory=list, description="Things worth a look that did not stop the file")

    rejected: bool = False
    rejection_code: RejectionCode | None = None
    rejection_reason: str | None = None

    report_key: str = Field(description="Key of this report in the quarantine bucket")
    quarantine_key: str | None = Field(default=None, description="Key of the quarantine CSV, when rows were")

    started_at: datetime
    finished_at: datetime
    duration_ms: int = Field(ge=0)
