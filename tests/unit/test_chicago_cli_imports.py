"""`eis chicago ingest` loads no model library: its ingest needs none, and scikit-learn costs seconds to import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SETUP_THE_INGEST = """
import json, sys
from eis_tools.local import cli
from eis_tools.local.cli_chicago import memory_uploader, store_mapping
with memory_uploader() as (upload, adapters):
    store_mapping(adapters)
print(json.dumps(sorted(sys.modules)))
"""


def test_the_chicago_ingest_command_stores_the_mapping_and_spec_without_importing_scikit_learn_or_scipy() -> None:
    # Given the CLI, the in-memory ingest service and the agency's mapping and spec stored where ingest reads them
    result = subprocess.run(
        [sys.executable, "-c", SETUP_THE_INGEST], cwd=ROOT, capture_output=True, text=True, check=True
    )
    # Then neither scikit-learn nor scipy was imported
    loaded = {name.split(".")[0] for name in json.loads(result.stdout)}
    assert not loaded & {"sklearn", "scipy"}
