"""One digest of everything the ingest service leaves behind, to compare two versions of the code.

Stored records (every version, with its content hash, upload and retraction), each upload report
(without its timestamps) and each quarantine file, for every extract uploaded as a delta and retried
(the retry must change nothing); a generated agency's extracts also as snapshots and with bad rows
mixed in (dates in another format, duplicate ids, short rows). Same digest, same results.

    .venv/bin/eis generate --out /tmp/gen --officers 300 --seed 3
    .venv/bin/python tests/benchmarks/compare_ingest_outputs.py generated /tmp/gen
    .venv/bin/python tests/benchmarks/compare_ingest_outputs.py chicago /tmp/chicago-extracts  # eis chicago export

Run it in a checkout of each version (or with ``PYTHONPATH`` pointing at the other version's
``layers/eis_core``, ``tools`` and root) and compare the last line. Not collected by pytest.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from eis_core.ingest.contract import UPLOAD_PREFIX
from eis_core.ingest.wiring import ingest_service
from eis_core.models.records import RecordKind
from eis_core.storage.codec import content_hash
from eis_core.wiring import memory_adapters


def mangled(body: bytes) -> bytes:
    """Bad rows on purpose: a date in another format, a duplicate id, a short row, a future date."""
    lines = body.decode().splitlines()
    out = [lines[0]]
    for number, original in enumerate(lines[1:], start=2):
        line = original.replace("-", "/", 1) if number % 37 == 0 else original
        if number % 53 == 0:
            line = line.replace("20", "29", 1)
        out.append(line)
        if number % 41 == 0:
            out.append(line)
        if number % 97 == 0:
            out.append(line.split(",")[0])
    return ("\n".join(out) + "\n").encode()


mode, folder = sys.argv[1], Path(sys.argv[2])
agency = "chicago-demo" if mode == "chicago" else "gen"
adapters = memory_adapters(agency)
if mode == "chicago":
    from eis_tools.local.cli_chicago import store_mapping
    from eis_tools.sources import chicago

    store_mapping(adapters)
    files = [(k, folder / f"chicago-demo-{k.value}.csv.gz") for k in chicago.EXPORT_KINDS]
else:
    order = [RecordKind.ROSTER] + [k for k in RecordKind if k is not RecordKind.ROSTER]
    files = [(k, folder / f"{k.value}.csv") for k in order if (folder / f"{k.value}.csv").exists()]
service = ingest_service(adapters, agency_id=agency, actor="compare")
digest = hashlib.sha256()


def add(label: str, value: bytes) -> None:
    digest.update(label.encode() + b"\0" + value + b"\0")


for kind, path in files:
    body = path.read_bytes()
    for subfolder in ("",) if mode == "chicago" else ("", "snapshot/", "bad/"):
        if subfolder == "bad/":
            body = mangled(body)
        key = f"{UPLOAD_PREFIX}{kind.value}/{subfolder}{path.name}"
        adapters.uploads.put_bytes(key, body)
        for attempt in (1, 2):  # the second is a retried event: it must change nothing
            report = service.ingest_object(key=key, etag=hashlib.md5(body).hexdigest())
            shown = report.model_dump(mode="json", exclude={"started_at", "finished_at", "duration_ms"})
            add(f"report {key} {attempt}", json.dumps(shown, sort_keys=True).encode())
            print(
                kind.value,
                subfolder or "delta",
                attempt,
                report.rows_read,
                report.rows_accepted,
                report.rows_quarantined,
                report.inserted,
                report.replaced,
                report.unchanged,
                report.retracted,
                flush=True,
            )
            if report.quarantine_key:
                add(f"quarantine {key} {attempt}", adapters.quarantine.get_bytes(report.quarantine_key))
store = adapters.records
for kind, _ in files:
    for record in sorted(store.iter_records(kind, include_retracted=True), key=lambda r: r.source_record_id):
        versions = store.history(kind, record.source_record_id)
        for v in versions:
            add(
                "version",
                json.dumps(
                    [
                        v.record.model_dump(mode="json"),
                        content_hash(v.record),
                        v.version,
                        v.upload_id,
                        v.retracted_by,
                        v.current,
                    ],
                    sort_keys=True,
                ).encode(),
            )
print("records", store.count(), "digest", digest.hexdigest())
