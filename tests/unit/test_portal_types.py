"""The portal's API types are generated from the committed OpenAPI document, and the build notices drift."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "portal" / "scripts" / "openapi-types.mjs"
OPENAPI = ROOT / "functions" / "cases_api" / "openapi.json"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="Node.js is not installed (make setup needs it for the portal)")


def _check(openapi: Path) -> subprocess.CompletedProcess[str]:
    assert NODE is not None
    return subprocess.run(
        [NODE, str(SCRIPT), "--check"],
        env={**os.environ, "EIS_OPENAPI": str(openapi)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_committed_portal_types_match_the_committed_openapi_document() -> None:
    result = _check(OPENAPI)
    assert result.returncode == 0, result.stderr


def test_a_changed_api_model_fails_the_portal_build_until_the_types_are_regenerated(tmp_path: Path) -> None:
    # Given the case API's document with a field added to CaseOut (as a route change would)
    document = json.loads(OPENAPI.read_text(encoding="utf-8"))
    document["components"]["schemas"]["CaseOut"]["properties"]["priority"] = {"type": "integer"}
    changed = tmp_path / "openapi.json"
    changed.write_text(json.dumps(document), encoding="utf-8")

    # When the portal's type check runs, then it fails and says how to fix it
    result = _check(changed)
    assert result.returncode != 0
    assert "npm run types" in result.stderr
