"""Ingest: validate an agency's uploaded extract and apply its good rows to the curated record store.

Upload contract
---------------
* **Where.** Put each file in the agency's uploads bucket under ``incoming/<kind>/<any name>``, where
  ``<kind>`` is one of ``roster``, ``use_of_force``, ``complaint``, ``vehicle_incident``, ``injury``,
  ``discipline``, ``activity``, ``leave``, ``training``, ``commendation``, ``lawsuit``
  (``eis_core.models.records.RecordKind``). Sub-folders below the kind are allowed. A file directly
  under ``incoming/`` is accepted when its name matches one kind's ``file_patterns`` in the mapping.
* **Formats.** ``.csv`` (UTF-8, UTF-8 with BOM, or Windows-1252; detected unless the mapping fixes
  ``encoding``), ``.jsonl``/``.ndjson`` (one JSON object per line; the first object's keys are the
  header), ``.xlsx`` (first sheet, row 1 the header; date cells are read as dates), and gzip of CSV or
  JSON Lines (``.csv.gz``, ``.jsonl.gz``).
* **Delta or snapshot.** A file is a *delta* by default: its records are added or corrected, nothing
  else changes. A file with a ``snapshot`` folder in its key (``incoming/<kind>/snapshot/<name>`` or
  ``incoming/snapshot/<name>``) is the *whole* of that kind: stored records of that kind missing from it
  are **retracted** (no longer scored, never deleted, restored if sent again). A header-only snapshot is
  rejected (``empty_snapshot``); one that would retract more than ``gates.max_snapshot_retraction`` of the
  kind is held (``snapshot_needs_confirmation``) until the same file is uploaded under
  ``incoming/<kind>/snapshot/confirmed/``.
* **Columns.** With no mapping, line 1 names the canonical fields of the kind's record model (case
  is ignored, spaces equal underscores); the model's required fields must be present. With an agency
  mapping (``config/mapping.json`` in the artifacts bucket, ``eis_core.ingest.mapping.AgencyMapping``),
  the agency's own column names, codes, date formats and time zone are translated. Either way, a column
  that is not read is **dropped unread** and named in the report's ``dropped_columns``: civilian or
  offender details (names, addresses, birth dates, identifiers, narratives) never reach storage or logs.
* **Values.** Dates as ``YYYY-MM-DD`` (or the mapping's ``date_formats``); booleans as ``true/false``,
  ``yes/no``, ``y/n``, ``1/0`` (or the mapping's spellings); an empty cell means "not given".
  Values are stored exactly as text; CSVs EIS writes escape cells starting with ``= + - @`` with ``'``.
* **Corrections and deletions.** ``source_record_id`` identifies a record across uploads: re-sending
  it with changed content replaces it and keeps the earlier version as history
  (``RecordStore.history``); identical content changes nothing. To delete, send a snapshot without it.

What happens to a file
----------------------
* **Rejected whole** (nothing applied; a report explains why): the key names no known kind or format;
  the file is empty or has no header; a required (or mapped) column is missing; a column appears twice;
  a line does not decode or is malformed; the mapping is invalid; more than ``gates.max_quarantine_rate``
  of the rows fail validation; the row count dropped by more than ``gates.max_volume_drop`` against the
  average of the last ``gates.trailing_uploads`` accepted uploads of that kind and mode (a broken export;
  deltas are compared with deltas, snapshots with snapshots); reading passes a limit of
  ``readers.ReadLimits`` (gzip expansion ratio, decompressed size, line length, blank lines in a row,
  time budget: decompression bombs).
  Every row is read and validated before anything is written.
* **Row by row** otherwise: a row failing validation, a date in the future, an event before the
  officer's hire date, a finding decided before the incident, a ``source_record_id`` repeated in the
  file, or an officer not on the stored roster is quarantined; every other row is stored.
* **Reports** go to the agency's quarantine bucket: ``reports/<upload_id>.json`` for every file
  (``eis_core.models.uploads.UploadReport``: counts by outcome, warnings, dropped columns, mapping
  version) and ``quarantine/<upload_id>.csv`` (``line,column,value,reason``; officers' personal details
  masked) when rows were quarantined. Read them with ``eis upload report <upload_id>``.
* **Audit**: one ``upload.ingest`` record per ingested file, ``upload.reject`` per rejected file.
* **Exactly once**: a redelivered S3 event for the same object version changes nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eis_core.ingest.idempotency import IdempotentIngest, UploadedObject
    from eis_core.ingest.service import IngestService

__all__ = ["IdempotentIngest", "IngestService", "UploadedObject"]

# Imported on first use: a light submodule (the contract, the mapping) must not pull in the service,
# Powertools idempotency and s3transfer with it.
_LAZY = {
    "IdempotentIngest": "eis_core.ingest.idempotency",
    "UploadedObject": "eis_core.ingest.idempotency",
    "IngestService": "eis_core.ingest.service",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
