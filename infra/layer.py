"""Build the Lambda layers on this machine, without Docker.

Dependencies come from ``uv.lock`` (the same pins the tests run), resolved for the Lambda target
(CPython 3.13, Linux x86_64) and installed as prebuilt wheels only, so nothing is compiled here.
Why manylinux_2_28 and not manylinux2014: numpy, scipy, pandas and scikit-learn ship their
cp313 Linux wheels for glibc 2.27/2.28 only; the python3.13 runtime (Amazon Linux 2023, glibc 2.34)
runs them.

Layout: ``build/layers/<name>/python/...`` (what Lambda puts on ``sys.path`` from ``/opt/python``).
A dependency layer is rebuilt only when its requirement list (or the build recipe) changes.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.markers import Marker
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK_FILE = ROOT / "uv.lock"
BUILD_DIR = ROOT / "build" / "layers"
EIS_CORE_SOURCE = ROOT / "layers" / "eis_core" / "eis_core"
FUNCTIONS_DIR = ROOT / "functions"

PYTHON_VERSION = "3.13"
WHEEL_PLATFORM = "manylinux_2_28_x86_64"
UV_PLATFORM = "x86_64-manylinux_2_28"

# Lambda's documented limit: a function and all its layers, unzipped.
UNZIPPED_LIMIT_BYTES = 250 * 1024 * 1024

# Bump when the trimming or install recipe changes, so cached builds are redone.
RECIPE_VERSION = "2"

# Marker environment of the Lambda python3.13 runtime on x86_64.
TARGET_ENVIRONMENT: dict[str, str] = {
    "implementation_name": "cpython",
    "implementation_version": "3.13.0",
    "os_name": "posix",
    "platform_machine": "x86_64",
    "platform_python_implementation": "CPython",
    "platform_release": "",
    "platform_system": "Linux",
    "platform_version": "",
    "python_full_version": "3.13.0",
    "python_version": PYTHON_VERSION,
    "sys_platform": "linux",
}

# Bytecode for Lambda's Python, so a cold start does not compile these (read-only /opt cannot cache it).
# Not for science: its bytecode would push ingest/score past the 250 MB limit.
PRECOMPILED_LAYERS = frozenset({"runtime", "eis_core"})

# Folders and files nobody imports at run time; dropping them keeps the layers under Lambda's limit.
_TRIM_DIRS = frozenset({"__pycache__", "tests"})
_TRIM_SUFFIXES = (".pyi", ".pyc", ".pyx", ".pxd", ".c", ".cpp", ".h")


class LayerBuildError(RuntimeError):
    """The layer could not be built; the message says what to install or fix."""


@dataclass(frozen=True)
class DependencyLayer:
    """A layer holding the locked closure of some project extras, minus what lower layers hold."""

    name: str
    extras: tuple[str, ...]
    below: tuple[str, ...] = ()


RUNTIME = DependencyLayer("runtime", extras=())
SCIENCE = DependencyLayer("science", extras=("science",), below=("runtime",))
DEPENDENCY_LAYERS: tuple[DependencyLayer, ...] = (RUNTIME, SCIENCE)
CODE_LAYER = "eis_core"
LAYER_NAMES: tuple[str, ...] = (RUNTIME.name, SCIENCE.name, CODE_LAYER)

# Which layers each function gets: cold start matters for the API and the notifier.
FUNCTION_LAYERS: dict[str, tuple[str, ...]] = {
    "ingest": (RUNTIME.name, SCIENCE.name, CODE_LAYER),
    "score": (RUNTIME.name, SCIENCE.name, CODE_LAYER),
    "notify": (RUNTIME.name, CODE_LAYER),
    "cases_api": (RUNTIME.name, CODE_LAYER),
}


# --- requirements from the lock --------------------------------------------------------------


def _load_lock(lock_file: Path) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any]]:
    data = tomllib.loads(lock_file.read_text(encoding="utf-8"))
    by_name: dict[str, list[dict[str, Any]]] = {}
    root: dict[str, Any] | None = None
    for package in data["package"]:
        by_name.setdefault(canonicalize_name(package["name"]), []).append(package)
        source = package.get("source", {})
        if source.get("editable") == "." or source.get("virtual") == ".":
            root = package
    if root is None:
        raise LayerBuildError(f"{lock_file}: no project package (editable '.') found")
    return by_name, root


def _applies(dependency: Mapping[str, Any], environment: Mapping[str, str]) -> bool:
    marker = dependency.get("marker")
    return marker is None or Marker(str(marker)).evaluate(dict(environment))


def _pick(candidates: list[dict[str, Any]], dependency: Mapping[str, Any]) -> dict[str, Any]:
    version = dependency.get("version")
    matching = [c for c in candidates if version is None or c["version"] == version]
    if len(matching) != 1:
        raise LayerBuildError(f"uv.lock: cannot pick one version of {dependency['name']!r} ({version=})")
    return matching[0]


def locked_requirements(
    extras: Iterable[str] = (),
    *,
    lock_file: Path = LOCK_FILE,
    environment: Mapping[str, str] = TARGET_ENVIRONMENT,
) -> dict[str, str]:
    """Name -> pinned version of the project's runtime closure plus ``extras``, for the Lambda target."""
    by_name, root = _load_lock(lock_file)
    wanted: list[Mapping[str, Any]] = list(root.get("dependencies", []))
    optional: dict[str, list[Mapping[str, Any]]] = root.get("optional-dependencies", {})
    for extra in extras:
        if extra not in optional:
            raise LayerBuildError(f"uv.lock: the project has no extra {extra!r}")
        wanted += optional[extra]

    pins: dict[str, str] = {}
    seen: set[tuple[str, str]] = set()
    while wanted:
        dependency = wanted.pop()
        if not _applies(dependency, environment):
            continue
        name = canonicalize_name(str(dependency["name"]))
        package = _pick(by_name[name], dependency)
        requested_extras: tuple[str, ...] = tuple(dependency.get("extra", ()))
        for key in ("", *requested_extras):
            if (name, key) in seen:
                continue
            seen.add((name, key))
            pins[name] = str(package["version"])
            if key == "":
                wanted += package.get("dependencies", [])
            else:
                wanted += package.get("optional-dependencies", {}).get(key, [])
    return dict(sorted(pins.items()))


def layer_requirements(layer: DependencyLayer, *, lock_file: Path = LOCK_FILE) -> dict[str, str]:
    """What goes into ``layer``: its closure minus anything a layer below it already provides."""
    pins = locked_requirements(layer.extras, lock_file=lock_file)
    for lower in DEPENDENCY_LAYERS:
        if lower.name in layer.below:
            for name in locked_requirements(lower.extras, lock_file=lock_file):
                pins.pop(name, None)
    return pins


# --- installing -------------------------------------------------------------------------------


def _find_uv() -> list[str] | None:
    """uv from $UV (the Makefile's), PATH, next to this interpreter (the venv: uv is a dev dependency),
    ~/.local/bin, or importable here (``python -m uv``)."""
    candidates = [
        os.environ.get("UV"),
        shutil.which("uv"),
        str(Path(sys.executable).with_name("uv")),
        str(Path.home() / ".local" / "bin" / "uv"),
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return [candidate]
    if importlib.util.find_spec("uv") is not None:
        return [sys.executable, "-m", "uv"]
    return None


def _install_command(requirements_file: Path, target: Path) -> list[str]:
    uv = _find_uv()
    if uv is not None:
        return [
            *uv,
            "pip",
            "install",
            "--no-config",
            "--python",
            sys.executable,
            "--python-platform",
            UV_PLATFORM,
            "--python-version",
            PYTHON_VERSION,
            "--only-binary",
            ":all:",
            "--no-deps",
            "--target",
            str(target),
            "-r",
            str(requirements_file),
        ]
    if importlib.util.find_spec("pip") is not None:
        return [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--no-compile",
            "--platform",
            WHEEL_PLATFORM,
            "--python-version",
            PYTHON_VERSION,
            "--implementation",
            "cp",
            "--only-binary=:all:",
            "--no-deps",
            "--target",
            str(target),
            "-r",
            str(requirements_file),
        ]
    raise LayerBuildError(
        "building layers needs uv: install the project's dev dependencies into this environment "
        "(`make setup`, or `uv sync`), or put uv on PATH or in $UV"
    )


def target_python() -> str | None:
    """A CPython matching the Lambda runtime, if this machine has one.

    Looked for in $EIS_LAYER_PYTHON, then python3.13 on PATH, then pyenv's versions (whose shims
    answer only for the active version).
    """
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [
        os.environ.get("EIS_LAYER_PYTHON"),
        shutil.which(f"python{PYTHON_VERSION}"),
        *map(str, sorted(pyenv_root.glob(f"versions/{PYTHON_VERSION}*/bin/python{PYTHON_VERSION}"), reverse=True)),
    ]
    for candidate in filter(None, candidates):
        probe = subprocess.run(  # noqa: S603 - an interpreter path, not user input
            [candidate, "-c", "import sys; print(sys.implementation.name, '%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.stdout.strip() == f"cpython {PYTHON_VERSION}":
            return candidate
    return None


def _precompile(tree: Path) -> None:
    """Write 3.13 bytecode next to the sources; hash-based, so unzipping (new mtimes) keeps it valid."""
    python = target_python()
    if python is not None:
        subprocess.run(  # noqa: S603
            [python, "-m", "compileall", "-q", "-j", "0", "--invalidation-mode", "unchecked-hash", str(tree)],
            capture_output=True,
            check=False,  # a stray file that does not compile stays source-only; imports still work
        )


def _trim(tree: Path) -> None:
    for path in sorted(tree.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if path.is_dir() and path.name in _TRIM_DIRS:
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and path.name.endswith(_TRIM_SUFFIXES):
            path.unlink()


def requirements_hash(pins: Mapping[str, str], *, precompiled: bool = False) -> str:
    payload = json.dumps(
        {
            "pins": dict(pins),
            "platform": WHEEL_PLATFORM,
            "python": PYTHON_VERSION,
            "recipe": RECIPE_VERSION,
            "precompiled": precompiled,
        },
        sort_keys=True,
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def build_dependency_layer(layer: DependencyLayer, *, build_dir: Path = BUILD_DIR, force: bool = False) -> Path:
    """Install ``layer``'s locked wheels into ``build_dir/<name>/python``; returns ``build_dir/<name>``."""
    pins = layer_requirements(layer)
    precompile = layer.name in PRECOMPILED_LAYERS and target_python() is not None
    digest = requirements_hash(pins, precompiled=precompile)
    layer_dir = build_dir / layer.name
    stamp = layer_dir / ".requirements-hash"
    if not force and stamp.is_file() and stamp.read_text().strip() == digest:
        return layer_dir

    staging = Path(tempfile.mkdtemp(prefix=f"{layer.name}-", dir=_ensure(build_dir)))
    try:
        requirements_file = staging / "requirements.txt"
        requirements_file.write_text("".join(f"{n}=={v}\n" for n, v in pins.items()))
        target = staging / "python"
        result = subprocess.run(  # noqa: S603 - fixed command built from the lock
            _install_command(requirements_file, target), capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise LayerBuildError(f"installing layer {layer.name!r} failed:\n{result.stderr[-4000:]}")
        _trim(target)
        if precompile:
            _precompile(target)
        requirements_file.unlink()
        (staging / ".requirements-hash").write_text(digest + "\n")
        shutil.rmtree(layer_dir, ignore_errors=True)
        staging.rename(layer_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return layer_dir


def build_code_layer(*, build_dir: Path = BUILD_DIR, source: Path = EIS_CORE_SOURCE) -> Path:
    """Copy the eis_core package the tests import (development tooling lives apart, in tools/eis_tools)."""
    layer_dir = build_dir / CODE_LAYER
    shutil.rmtree(layer_dir, ignore_errors=True)

    def ignore(directory: str, names: list[str]) -> set[str]:
        return {n for n in names if n in _TRIM_DIRS or n.endswith(".pyc")}

    shutil.copytree(source, layer_dir / "python" / "eis_core", ignore=ignore)
    if CODE_LAYER in PRECOMPILED_LAYERS:
        _precompile(layer_dir / "python")
    return layer_dir


def build_layers(*, build_dir: Path = BUILD_DIR) -> dict[str, Path]:
    """Build (or reuse) every layer; returns layer name -> folder to hand to ``Code.from_asset``."""
    dirs = {layer.name: build_dependency_layer(layer, build_dir=build_dir) for layer in DEPENDENCY_LAYERS}
    dirs[CODE_LAYER] = build_code_layer(build_dir=build_dir)
    return dirs


# --- sizes ------------------------------------------------------------------------------------


def tree_size(path: Path, *, skip_bytecode: bool = False) -> int:
    """Bytes of all files under ``path`` (optionally without ``__pycache__``, as function assets exclude it)."""
    return sum(
        p.stat().st_size for p in path.rglob("*") if p.is_file() and not (skip_bytecode and "__pycache__" in p.parts)
    )


def layer_sizes(layer_dirs: Mapping[str, Path] | None = None) -> dict[str, int]:
    """Unzipped bytes per layer (builds the layers first when no folders are given)."""
    dirs = build_layers() if layer_dirs is None else layer_dirs
    return {name: tree_size(path) for name, path in dirs.items()}


def function_sizes(
    layer_dirs: Mapping[str, Path] | None = None, *, functions_dir: Path = FUNCTIONS_DIR
) -> dict[str, int]:
    """Unzipped bytes per function: its code folder plus every layer it is given."""
    sizes = layer_sizes(layer_dirs)
    return {
        function: tree_size(functions_dir / function, skip_bytecode=True) + sum(sizes[layer] for layer in layers)
        for function, layers in FUNCTION_LAYERS.items()
    }


def _ensure(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


if __name__ == "__main__":
    built = build_layers()
    for function, size in function_sizes(built).items():
        print(f"{function:10s} {size / 2**20:7.1f} MiB (limit {UNZIPPED_LIMIT_BYTES / 2**20:.0f} MiB)")
