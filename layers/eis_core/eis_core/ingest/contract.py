"""The upload contract in code: where a file goes, which columns it may have, where its report lands."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache

from eis_core.errors import FileRejected
from eis_core.models.records import RECORD_MODELS, EventRecord, RecordKind
from eis_core.models.uploads import RejectionCode

UPLOAD_PREFIX = "incoming/"
REPORT_PREFIX = "reports/"
QUARANTINE_PREFIX = "quarantine/"
SUPPORTED_SUFFIXES = (".csv",)


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


def kind_from_key(key: str) -> RecordKind:
    """The record kind named by ``incoming/<kind>/<name>.csv``; raises FileRejected otherwise."""
    expected = ", ".join(kind.value for kind in RecordKind)
    parts = key.split("/")
    if not key.startswith(UPLOAD_PREFIX) or len(parts) < 3 or not parts[1]:
        raise FileRejected(
            f"'{key}' is not under {UPLOAD_PREFIX}<kind>/: upload to {UPLOAD_PREFIX}<kind>/<name>.csv "
            f"where kind is one of {expected}",
            code=RejectionCode.UNKNOWN_KIND,
        )
    folder = parts[1]
    try:
        kind = RecordKind(folder.lower())
    except ValueError:
        raise FileRejected(
            f"unknown extract kind '{folder}': expected one of {expected}", code=RejectionCode.UNKNOWN_KIND
        ) from None
    if not key.lower().endswith(SUPPORTED_SUFFIXES):
        raise FileRejected(
            f"unsupported file type '{parts[-1]}': expected a {' or '.join(SUPPORTED_SUFFIXES)} file",
            code=RejectionCode.UNSUPPORTED_FORMAT,
        )
    return kind


def upload_id_for(key: str, *, etag: str | None, version_id: str | None) -> str:
    """Same object version, same id: a retried event rewrites its report instead of adding one."""
    identity = "\n".join((key, version_id or "", etag or ""))
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def report_key(upload_id: str) -> str:
    return f"{REPORT_PREFIX}{upload_id}.json"


def quarantine_key(upload_id: str) -> str:
    return f"{QUARANTINE_PREFIX}{upload_id}.csv"
