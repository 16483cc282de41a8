"""Shared helpers for the ingest tests (not a test module)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from eis_core.ingest.mapping import MAPPING_KEY
from eis_core.ingest.service import IngestService
from eis_core.ingest.wiring import ingest_service
from eis_core.models.records import Record, RecordKind
from eis_core.models.uploads import UploadReport
from eis_core.wiring import Adapters

AGENCY = "testville"
ACTOR = "eis-testville-ingest"
NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)

ROSTER = """\
source_record_id,officer_id,first_name,last_name,rank,unit,hire_date
r-1,A100,Pat,Doe,Police Officer,Patrol,2015-03-01
r-2,A200,Sam,Roe,Sergeant,Patrol,2012-07-15
r-3,A300,Kim,Poe,Police Officer,Gang Unit,2018-01-09
"""
UOF_HEADER = "source_record_id,officer_id,occurred_on,known_on,force_type"


def service_for(adapters: Adapters, *, now: datetime = NOW) -> IngestService:
    service = ingest_service(adapters, agency_id=AGENCY, actor=ACTOR)
    service._clock = lambda: now  # a fixed 'today' for the future-date check
    return service


def put_mapping(adapters: Adapters, mapping: dict[str, Any]) -> None:
    adapters.artifacts.put_bytes(MAPPING_KEY, json.dumps(mapping).encode())


_versions: dict[str, int] = {}


def ingest(service: IngestService, adapters: Adapters, key: str, body: str | bytes) -> UploadReport:
    """Upload a new version of ``key`` and ingest it (each call is a new object version)."""
    adapters.uploads.put_bytes(key, body.encode() if isinstance(body, str) else body)
    _versions[key] = _versions.get(key, 0) + 1
    version = f"{id(adapters)}-v{_versions[key]}"
    return service.ingest_object(key=key, etag=f"etag-{version}", version_id=version)


def quarantine_rows(adapters: Adapters, report: UploadReport) -> list[dict[str, str]]:
    assert report.quarantine_key is not None
    text = adapters.quarantine.get_bytes(report.quarantine_key).decode()
    return list(csv.DictReader(io.StringIO(text)))


def stored(adapters: Adapters, kind: RecordKind) -> dict[str, Record]:
    return {record.source_record_id: record for record in adapters.records.iter_records(kind)}
