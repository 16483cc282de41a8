"""The records a backtest or retrain runs on: the agency's own, never a silent substitute.

Four sources, chosen explicitly:

* the agency's **store** (default): its records table and artifacts bucket (the deployed stack's, or
  the local stack's with ``AWS_ENDPOINT_URL``/``--endpoint``), read through the same repositories the
  scoring and retraining jobs use; the spec is the agency's ``models/spec.json``;
* a folder of **extracts** with the agency's mapping, run through the ingest service on in-memory
  stores first (an agency not yet live);
* the Chicago CPDP release (``--raw``), exported and ingested as ``chicago-demo`` (the demonstration);
* a **generated** agency, only when asked for.

An unknown agency, an empty store, a folder with no extracts or a rejected extract is a ``SourceError``
whose message names the problem and what to do.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from eis_core.errors import ValidationFailed
from eis_core.indicators.history import HistoryFrame
from eis_core.models.records import Record, RecordKind
from eis_core.scoring.spec import ModelSpec, packaged_spec, parse_spec


class SourceError(Exception):
    """The records or spec asked for cannot be had; the message says which and why."""


@dataclass(frozen=True)
class AgencyHistory:
    """An agency's event history and the spec to train it with, and where each came from."""

    agency_id: str
    frame: HistoryFrame
    spec: ModelSpec
    records_source: str
    spec_source: str
    seconds: float


def spec_from_file(path: str) -> ModelSpec:
    try:
        return parse_spec(Path(path).read_bytes(), source=f"--spec {path}")
    except OSError as error:
        raise SourceError(f"--spec {path}: {error.strerror}") from None
    except ValidationFailed as error:
        raise SourceError(str(error)) from None


def _packaged_or_default(agency_id: str, spec_file: str | None) -> tuple[ModelSpec, str]:
    if spec_file:
        return spec_from_file(spec_file), spec_file
    spec = packaged_spec(agency_id)
    return spec, ("the spec shipped for this agency" if spec != ModelSpec() else "the default spec")


def _require_history(agency_id: str, frame: HistoryFrame, where: str) -> None:
    if frame.size == 0 or not frame.roster["on_roster"].any():
        raise SourceError(
            f"agency '{agency_id}' has no records in {where}: upload its extracts first, or backtest a folder "
            "of extracts with --extracts DIR --mapping FILE (a synthetic agency only with --generated)"
        )


# ------------------------------------------------------------------------------------------ store


def from_store(
    agency_id: str, *, endpoint: str | None = None, region: str | None = None, spec_file: str | None = None
) -> AgencyHistory:
    """The agency's records and spec from its own tables and bucket (deployed, or the local stack)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    from eis_core.errors import StorageError
    from eis_core.indicators.snapshot import FrameSnapshots
    from eis_core.scoring.store import SPEC_KEY, ModelRepository
    from eis_core.storage.dynamodb import DynamoRecordStore
    from eis_core.storage.s3 import S3ArtifactStore
    from eis_core.storage.schema import AgencyResources, Bucket, Table

    started = time.monotonic()
    session = boto3.session.Session(region_name=region or os.environ.get("AWS_REGION"))
    if endpoint and session.get_credentials() is None:
        # A local stack (moto) accepts any key; the deployed tables need the agency's credentials.
        session = boto3.session.Session(
            aws_access_key_id="local",
            aws_secret_access_key="local",  # noqa: S106 (moto's server takes any key)
            region_name=session.region_name or "us-east-1",
        )
    if session.region_name is None:
        raise SourceError("no AWS region: give --region (or set AWS_REGION) for the agency's stack")
    where = f"{session.region_name}" + (f" at {endpoint}" if endpoint else "")
    try:
        account = session.client("sts", endpoint_url=endpoint).get_caller_identity()["Account"]
        resources = AgencyResources(agency_id=agency_id, account=account, region=session.region_name)
        table = resources.table(Table.RECORDS)
        records = DynamoRecordStore(session.client("dynamodb", endpoint_url=endpoint), table)
        artifacts = S3ArtifactStore(session.client("s3", endpoint_url=endpoint), resources.bucket(Bucket.ARTIFACTS))
        try:
            records.change_marker()
        except StorageError:
            raise SourceError(
                f"unknown agency '{agency_id}': no records table {table} in {where} (is its stack deployed, or "
                f"the local stack running: `eis local up --agency {agency_id}` and AWS_ENDPOINT_URL?)"
            ) from None
        frame = FrameSnapshots(records, artifacts).load().history
        _require_history(agency_id, frame, f"its store ({table})")
        if spec_file:
            spec, spec_source = spec_from_file(spec_file), spec_file
        else:
            stored = SPEC_KEY in set(artifacts.keys(SPEC_KEY))
            spec = ModelRepository(artifacts).spec()
            spec_source = f"the agency's {SPEC_KEY}" if stored else f"the default spec (the agency has no {SPEC_KEY})"
    except (BotoCoreError, ClientError, StorageError) as error:
        raise SourceError(f"agency '{agency_id}': cannot read its store in {where}: {error}") from None
    except (ValueError, ValidationFailed) as error:  # an invalid agency id, or a stored spec that no longer validates
        raise SourceError(f"agency '{agency_id}': {error}") from None
    return AgencyHistory(
        agency_id, frame, spec, f"the agency's store ({table}, {where})", spec_source, time.monotonic() - started
    )


# --------------------------------------------------------------------------------------- extracts


def _kind_of(name: str, mapping: Any) -> RecordKind | None:
    kind: RecordKind | None = mapping.kind_for_file(name)
    if kind is not None:
        return kind
    stem = name.split(".", 1)[0]
    return RecordKind(stem) if stem in set(RecordKind) else None


def from_extracts(
    agency_id: str, folder: str, mapping_file: str | None, *, spec_file: str | None = None, verbose: bool = True
) -> AgencyHistory:
    """Every extract in ``folder`` through the ingest service (in-memory stores), roster first."""
    from eis_core.errors import ValidationFailed
    from eis_core.indicators.snapshot import FrameSnapshots
    from eis_core.ingest.contract import UPLOAD_PREFIX
    from eis_core.ingest.mapping import MAPPING_KEY, identity_mapping, parse_mapping
    from eis_core.ingest.wiring import ingest_service
    from eis_core.wiring import memory_adapters

    started = time.monotonic()
    directory = Path(folder)
    if not directory.is_dir():
        raise SourceError(f"--extracts {folder}: not a folder")
    adapters = memory_adapters(agency_id)
    if mapping_file:
        try:
            document = json.loads(Path(mapping_file).read_bytes())
            mapping = parse_mapping(document, source=mapping_file)
        except OSError as error:
            raise SourceError(f"--mapping {mapping_file}: {error.strerror}") from None
        except (ValueError, ValidationFailed) as error:
            raise SourceError(f"--mapping {mapping_file}: {error}") from None
        if mapping.agency_id != agency_id:
            raise SourceError(f"--mapping {mapping_file} is agency '{mapping.agency_id}''s, not '{agency_id}''s")
        adapters.artifacts.put_json(MAPPING_KEY, document)
    else:
        mapping = identity_mapping(agency_id)
    files = sorted(path for path in directory.iterdir() if path.is_file())
    kinds = {path: _kind_of(path.name, mapping) for path in files}
    extracts = sorted((path for path, kind in kinds.items() if kind is not None), key=lambda p: _order(kinds[p]))
    if not extracts:
        raise SourceError(
            f"--extracts {folder}: no extracts (files named <kind>.csv, or matching the mapping's file_patterns)"
        )
    if not any(kinds[path] is RecordKind.ROSTER for path in extracts):
        raise SourceError(f"--extracts {folder}: no roster extract (the officers every other record refers to)")
    service = ingest_service(adapters, agency_id=agency_id, actor="eis-backtest")
    for path in extracts:
        kind = kinds[path]
        assert kind is not None
        key = f"{UPLOAD_PREFIX}{kind.value}/{path.name}"
        body = path.read_bytes()
        adapters.uploads.put_bytes(key, body)
        report = service.ingest_object(key=key, etag=hashlib.md5(body, usedforsecurity=False).hexdigest())
        if report.rejected:
            raise SourceError(f"{path}: rejected by ingest ({report.rejection_code}): {report.rejection_reason}")
        if verbose:
            print(
                f"  {path.name} ({kind.value}): {report.rows_accepted} accepted, {report.rows_quarantined} quarantined",
                flush=True,
            )
    skipped = [path.name for path, kind in kinds.items() if kind is None]
    if skipped and verbose:
        print(f"  not extracts, skipped: {', '.join(skipped)}", flush=True)
    frame = FrameSnapshots(adapters.records, adapters.artifacts).load().history
    _require_history(agency_id, frame, f"the extracts in {folder}")
    spec, spec_source = _packaged_or_default(agency_id, spec_file)
    mapping_source = mapping_file or "the identity mapping (canonical column names)"
    return AgencyHistory(
        agency_id,
        frame,
        spec,
        f"the extracts in {folder} through the ingest service, mapping {mapping_source}",
        spec_source,
        time.monotonic() - started,
    )


def _order(kind: RecordKind | None) -> int:
    return list(RecordKind).index(kind) if kind is not None else len(RecordKind)


# ------------------------------------------------------------------------- chicago and generated


def chicago_records(raw: Path) -> Iterator[Record]:
    """Chicago's export through the real ingest service (in-memory stores), as canonical records.

    Exported and ingested when called; the records are then read from the record store alone, the extracts,
    the uploaded copies and the quarantine already let go (the export's folder is removed on return)."""
    import tempfile

    from eis_tools.local.cli_chicago import ingest_export, memory_uploader, store_mapping
    from eis_tools.sources import chicago

    with tempfile.TemporaryDirectory(prefix="eis-backtest-") as folder:
        # Plain CSV: gzipping files that are read back at once would only cost both sides time.
        manifest = chicago.export_chicago(raw, Path(folder), compress=False)
        with memory_uploader() as (upload, adapters):
            store_mapping(adapters)
            for result in ingest_export(manifest, Path(folder), upload, adapters):
                accepted, quarantined = result.rows_accepted, result.rows_quarantined
                print(f"  {result.kind.value:>13}: {accepted} accepted, {quarantined} quarantined", flush=True)
            records = adapters.records
    return records.iter_records()


def from_chicago_raw(agency_id: str, raw: str, *, spec_file: str | None = None, cache: bool = True) -> AgencyHistory:
    """Chicago exported and ingested; with ``cache``, reused while the raw files and the code are unchanged."""
    from eis_tools.sources import chicago

    if agency_id != chicago.AGENCY_ID:
        raise SourceError(f"--raw is the Chicago release, agency '{chicago.AGENCY_ID}' only (not '{agency_id}')")
    if not Path(raw).is_dir():
        raise SourceError(f"--raw {raw}: not a folder (the CPDP 2018 release)")
    started = time.monotonic()
    source = f"the Chicago release at {raw}, exported and ingested"
    if cache:
        from eis_tools.frame_cache import cache_key, cached_history

        cached = cached_history(
            cache_key(Path(raw), "chicago-export-ingest"),
            lambda: HistoryFrame.from_records(chicago_records(Path(raw))),
        )
        frame = cached.frame
        if cached.hit:
            source += f" (cached: the same raw files and code as {cached.path.name[:12]}..., no re-export)"
            print(f"  from the cache {cached.path} (same raw files, same code)", flush=True)
    else:
        frame = HistoryFrame.from_records(chicago_records(Path(raw)))
    spec, spec_source = _packaged_or_default(agency_id, spec_file)
    return AgencyHistory(agency_id, frame, spec, source, spec_source, time.monotonic() - started)


def generated_records(agency_id: str, officers: int, seed: int, start: date, end: date) -> list[Record]:
    from eis_tools.generate import GeneratorConfig, generate_agency

    agency = generate_agency(
        GeneratorConfig(agency_id=agency_id, officers=officers, seed=seed, start=start, end=end, horizon_months=0)
    )
    return [record for records in agency.records.values() for record in records]


def from_generated(
    agency_id: str, *, officers: int, seed: int, start: date, end: date, spec_file: str | None = None
) -> AgencyHistory:
    started = time.monotonic()
    frame = HistoryFrame.from_records(generated_records(agency_id, officers, seed, start, end))
    spec, spec_source = _packaged_or_default(agency_id, spec_file)
    source = f"a GENERATED (synthetic) agency: {officers} officers, seed {seed}, {start} .. {end}"
    return AgencyHistory(agency_id, frame, spec, source, spec_source, time.monotonic() - started)
