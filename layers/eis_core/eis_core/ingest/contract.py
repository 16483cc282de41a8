"""The upload contract in code: where a file goes, which columns it may have, where its report lands."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from eis_core import upload_reports
from eis_core.errors import FileRejected
from eis_core.ingest.mapping import AgencyMapping
from eis_core.ingest.readers import FileType, file_type
from eis_core.models.records import RECORD_MODELS, EventRecord, RecordKind
from eis_core.models.uploads import RejectionCode, UploadMode

UPLOAD_PREFIX = "incoming/"
# Where reports land is part of the contract; defined with the report reader, which the case API imports.
REPORT_PREFIX = upload_reports.REPORT_PREFIX
QUARANTINE_PREFIX = upload_reports.QUARANTINE_PREFIX
report_key = upload_reports.report_key
quarantine_key = upload_reports.quarantine_key
SNAPSHOT_FOLDER = "snapshot"
CONFIRMED_FOLDER = "confirmed"  # incoming/<kind>/snapshot/confirmed/<name>: the agency confirms its retractions
HISTORY_PREFIX = "ledger/"


@dataclass(frozen=True)
class ColumnSpec:
    """The allowlist for one kind: every field of its record model, and which of them are required."""

    kind: RecordKind
    allowed: frozenset[str]
    required: tuple[str, ...]

    @property
    def is_event(self) -> bool:
        return issubclass(RECORD_MODELS[self.kind], EventRecord)


@cache
def column_spec(kind: RecordKind) -> ColumnSpec:
    model = RECORD_MODELS[kind]
    return ColumnSpec(
        kind=kind,
        allowed=frozenset(model.model_fields),
        required=tuple(name for name, field in model.model_fields.items() if field.is_required()),
    )


@dataclass(frozen=True)
class UploadTarget:
    """What an object key says about a file: its kind, whether it is a full snapshot, its format."""

    kind: RecordKind
    mode: UploadMode
    file: FileType
    name: str
    confirmed: bool = False  # a snapshot under snapshot/confirmed/: retract even a large share of the kind


def classify_key(key: str, mapping: AgencyMapping | None = None) -> UploadTarget:
    """Read ``incoming/[snapshot/]<kind>/[...]/<name>`` (or a name the mapping's file_patterns match).

    Raises FileRejected naming the expected layout when the key names no kind or no supported format.
    """
    expected = ", ".join(kind.value for kind in RecordKind)
    parts = key.split("/")
    folders = [part for part in parts[1:-1] if part]
    name = parts[-1]
    lowered = [folder.lower() for folder in folders]
    mode = UploadMode.SNAPSHOT if SNAPSHOT_FOLDER in lowered else UploadMode.DELTA
    # "confirmed" counts only below the snapshot folder; elsewhere it is an ordinary sub-folder.
    confirmed = mode is UploadMode.SNAPSHOT and CONFIRMED_FOLDER in lowered[lowered.index(SNAPSHOT_FOLDER) + 1 :]
    named = [
        folder
        for folder in folders
        if folder.lower() != SNAPSHOT_FOLDER and not (confirmed and folder.lower() == CONFIRMED_FOLDER)
    ]
    by_pattern = mapping.kind_for_file(name) if mapping is not None else None
    if not key.startswith(UPLOAD_PREFIX) or not name or (not named and by_pattern is None):
        raise FileRejected(
            f"'{key}' is not under {UPLOAD_PREFIX}<kind>/: upload to {UPLOAD_PREFIX}<kind>/<name>.csv "
            f"where kind is one of {expected} (or add the file name to the kind's file_patterns in the mapping)",
            code=RejectionCode.UNKNOWN_KIND,
        )
    if named:
        try:
            kind = RecordKind(named[0].lower())
        except ValueError:
            if by_pattern is None:
                raise FileRejected(
                    f"unknown extract kind '{named[0]}': expected one of {expected}", code=RejectionCode.UNKNOWN_KIND
                ) from None
            kind = by_pattern
    else:
        assert by_pattern is not None
        kind = by_pattern
    return UploadTarget(kind=kind, mode=mode, file=file_type(name), name=name, confirmed=confirmed)


def kind_from_key(key: str) -> RecordKind:
    """The record kind named by ``incoming/<kind>/<name>.csv``; raises FileRejected otherwise."""
    return classify_key(key).kind


def upload_id_for(key: str, *, etag: str | None, version_id: str | None) -> str:
    """Same object version, same id: a retried event rewrites its report instead of adding one."""
    identity = "\n".join((key, version_id or "", etag or ""))
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def history_key(kind: RecordKind) -> str:
    """The ledger of a kind's recent uploads (row counts), behind the volume-drop gate."""
    return f"{HISTORY_PREFIX}{kind.value}.json"
