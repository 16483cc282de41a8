"""Ingest: validate an agency's uploaded extract and apply its good rows to the curated record store.

Upload contract
---------------
* **Where.** Put each file in the agency's uploads bucket under ``incoming/<kind>/<any name>.csv``,
  where ``<kind>`` is one of ``roster``, ``use_of_force``, ``complaint``, ``vehicle_incident``,
  ``injury``, ``discipline``, ``activity``, ``leave``, ``training``, ``commendation``, ``lawsuit``
  (``eis_core.models.records.RecordKind``). Sub-folders below the kind are allowed.
* **Columns.** Line 1 is the header. Column names are the field names of the kind's record model in
  ``eis_core.models.records`` (case and surrounding spaces are ignored). The model's required fields
  must all be present. Any other column is **dropped unread** and named in the report's
  ``dropped_columns``: its values are never stored or logged (they may hold civilian details).
* **Values.** UTF-8 (a byte-order mark is fine). Dates as ``YYYY-MM-DD``; booleans as
  ``true/false``, ``yes/no`` or ``1/0``; an empty cell means "not given" (the field's default
  applies, or the row is quarantined when the field is required).
* **Identity.** ``source_record_id`` identifies a record across uploads: re-sending a record
  replaces it when it changed and leaves it alone when it did not.

What happens to a file
----------------------
* **Rejected whole** (nothing applied; a report explains why): the key names no known kind or is
  not a ``.csv``; the file is empty or has no header; a required column is missing; a column appears
  twice; any line is not UTF-8 or not well-formed CSV (every line is checked before anything is
  written); the object disappeared before it could be read.
* **Row by row** otherwise: a row failing validation, repeating a ``source_record_id`` seen earlier in
  the file, or (for event kinds, once a roster is stored) naming an officer not on the roster is
  quarantined; every other row is stored.
* **Reports** go to the agency's quarantine bucket: ``reports/<upload_id>.json`` for every file
  (``eis_core.models.uploads.UploadReport``) and ``quarantine/<upload_id>.csv`` (``line,column,reason``,
  the header being line 1) when rows were quarantined. They never contain a cell value.
  ``upload_id`` is derived from the key, ETag and version, so a retried event rewrites the same report.
* **Audit**: one ``upload.ingest`` record per ingested file, ``upload.reject`` per rejected file.
* **Exactly once**: a redelivered S3 event for the same object version changes nothing.
"""

from eis_core.ingest.idempotency import IdempotentIngest, UploadedObject
from eis_core.ingest.service import IngestService

__all__ = ["IdempotentIngest", "IngestService", "UploadedObject"]
