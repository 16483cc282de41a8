"""What a light function's cold start imports: checked in a fresh interpreter, from sys.modules."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

HEAVY = ("pandas", "numpy", "sklearn", "scipy", "openpyxl")
# The ingest service and what only it needs: file parsing, row transforms, Powertools idempotency.
INGEST = (
    "eis_core.ingest.service",
    "eis_core.ingest.transform",
    "eis_core.ingest.readers",
    "eis_core.ingest.idempotency",
    "eis_core.ingest.mapping",
    "aws_lambda_powertools.utilities.idempotency",
)
# Only the OpenAPI document generator needs Powertools' OpenAPI models.
DOCUMENT_ONLY = ("aws_lambda_powertools.event_handler.openapi.models",)


def _modules_after_import(module: str) -> set[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(result.stdout))


@pytest.fixture(scope="module")
def case_api_modules() -> set[str]:
    return _modules_after_import("functions.cases_api.handler")


@pytest.mark.parametrize("module", HEAVY + INGEST + DOCUMENT_ONLY)
def test_the_case_api_handler_does_not_import(case_api_modules: set[str], module: str) -> None:
    loaded = {name for name in case_api_modules if name == module or name.startswith(module + ".")}
    assert not loaded, f"importing functions.cases_api.handler loads {sorted(loaded)[:5]} (cold start)"


def test_the_notify_handler_imports_no_science_nor_the_ingest_service() -> None:
    modules = _modules_after_import("functions.notify.handler")
    assert not {m for m in modules if m.split(".")[0] in HEAVY or m in INGEST[:5]}


def test_reading_the_upload_contract_does_not_load_the_ingest_service() -> None:
    modules = _modules_after_import("eis_core.ingest.contract")
    assert "eis_core.ingest.service" not in modules
    assert "aws_lambda_powertools.utilities.idempotency" not in modules
