"""The administrator's documented path: with the venv active, `npx aws-cdk@2 synth` runs `python -m infra.app`.

No Makefile around: no $UV and no .tools/bin on PATH. The layers are built with the uv installed in
the venv (a dev dependency); the already-built layer folders are reused, so this stays fast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from infra.config import DEFAULT_AGENCIES_FILE
from infra.layer import ROOT


def _as_the_cdk_cli_runs_it(outdir: Path) -> dict[str, str]:
    """The environment of an activated venv: its bin first, nothing the Makefile adds."""
    env = {k: v for k, v in os.environ.items() if k not in {"UV", "VIRTUAL_ENV", "PYTHONPATH"}}
    venv_bin = str(Path(sys.executable).parent)
    tools = str(ROOT / ".tools")
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and not p.startswith(tools)]
    env["PATH"] = os.pathsep.join([venv_bin, *path])
    env["VIRTUAL_ENV"] = str(Path(sys.executable).parents[1])
    env["CDK_OUTDIR"] = str(outdir)  # what the CDK CLI sets for its app
    env.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")
    return env


def test_the_layer_build_finds_uv_in_the_venv_without_the_makefile(tmp_path: Path) -> None:
    probe = "from infra.layer import _find_uv; print(_find_uv())"

    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env=_as_the_cdk_cli_runs_it(tmp_path),
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() != "None", "no uv for the layer build outside the Makefile"


def test_python_m_infra_app_synthesises_as_cdk_json_runs_it(tmp_path: Path, layer_dirs: dict[str, Path]) -> None:
    # Given one agency from the shipped file (the CLI passes `-c agencies=...` as CDK_CONTEXT_JSON)
    agencies = tmp_path / "agencies.json"
    agencies.write_text(json.dumps(json.loads(DEFAULT_AGENCIES_FILE.read_text())[:1]))
    env = _as_the_cdk_cli_runs_it(tmp_path / "cdk.out") | {"CDK_CONTEXT_JSON": json.dumps({"agencies": str(agencies)})}
    app = json.loads((ROOT / "cdk.json").read_text())["app"]
    assert app == "python -m infra.app"

    # When the app runs as cdk.json says, with the venv's python first on PATH
    result = subprocess.run(app.split(), cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=600)

    # Then it synthesises (the layers are built or reused with the venv's uv)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "building layers needs uv" not in result.stderr
    assert (tmp_path / "cdk.out" / "Eis-springfield.template.json").is_file()
