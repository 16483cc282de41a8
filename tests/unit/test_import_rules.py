"""The layering rules the README states are lint errors, not conventions (ruff TID251, nested ruff.toml)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _ruff(source: str, as_path: str) -> subprocess.CompletedProcess[str]:
    # --stdin-filename makes ruff apply the configuration of the folder the module would live in.
    return subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", "--select", "TID251", "--stdin-filename", as_path, "-"],
        input=source,
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )


@pytest.mark.parametrize(
    ("module", "path"),
    [
        ("pandas", "functions/cases_api/test_probe.py"),
        ("sklearn.linear_model", "functions/cases_api/probe.py"),
        ("numpy", "functions/notify/probe.py"),
        ("pandas", "layers/eis_core/eis_core/cases/probe.py"),
        ("pandas", "layers/eis_core/eis_core/notify/probe.py"),
        ("boto3", "layers/eis_core/eis_core/scoring/probe.py"),
        ("botocore.exceptions", "functions/score/probe.py"),
        ("boto3", "functions/cases_api/probe.py"),
    ],
)
def test_a_banned_import_fails_lint(module: str, path: str) -> None:
    result = _ruff(f"import {module}\n", path)

    assert result.returncode == 1, result.stdout + result.stderr
    assert "TID251" in result.stdout


@pytest.mark.parametrize(
    ("module", "path"),
    [
        ("boto3", "layers/eis_core/eis_core/storage/probe.py"),
        ("boto3", "layers/eis_core/eis_core/wiring.py"),
        ("pandas", "layers/eis_core/eis_core/scoring/probe.py"),
        ("boto3", "tools/eis_tools/local/probe.py"),
    ],
)
def test_allowed_imports_pass_lint(module: str, path: str) -> None:
    result = _ruff(f"import {module}\n", path)

    assert result.returncode == 0, result.stdout + result.stderr
