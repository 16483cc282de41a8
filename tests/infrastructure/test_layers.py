"""The layers are built from the lock for the Lambda runtime and fit Lambda's size limit."""

from __future__ import annotations

import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.version import Version

from infra.layer import (
    FUNCTION_LAYERS,
    FUNCTIONS_DIR,
    LOCK_FILE,
    RUNTIME,
    SCIENCE,
    UNZIPPED_LIMIT_BYTES,
    function_sizes,
    layer_requirements,
    locked_requirements,
    target_python,
)

LAMBDA_PYTHON = target_python()
needs_lambda_python = pytest.mark.skipif(LAMBDA_PYTHON is None, reason="no CPython 3.13 on this machine")


def test_each_function_with_its_layers_fits_lambdas_unzipped_limit(layer_dirs: dict[str, Path]) -> None:
    sizes = function_sizes(layer_dirs)

    assert set(sizes) == set(FUNCTION_LAYERS)
    for function, size in sizes.items():
        assert size < UNZIPPED_LIMIT_BYTES, f"{function}: {size / 2**20:.0f} MiB"


def test_api_and_notifier_stay_free_of_the_science_stack() -> None:
    assert SCIENCE.name not in FUNCTION_LAYERS["cases_api"]
    assert SCIENCE.name not in FUNCTION_LAYERS["notify"]


def test_runtime_layer_pins_what_the_project_pins() -> None:
    pins = layer_requirements(RUNTIME)

    assert pins["aws-lambda-powertools"] == "3.37.0"
    assert pins["boto3"] == "1.44.8"
    assert pins["pydantic"] == "2.14.4"
    assert "pandas" not in pins


def test_science_layer_holds_only_what_runtime_lacks() -> None:
    science = layer_requirements(SCIENCE)

    assert {"pandas", "scikit-learn", "numpy", "scipy"} <= set(science)
    assert not set(science) & set(layer_requirements(RUNTIME))


def test_versions_are_resolved_for_python313_not_the_dev_interpreter() -> None:
    py313 = locked_requirements(["science"])
    py311 = locked_requirements(
        ["science"],
        environment={
            "python_version": "3.11",
            "python_full_version": "3.11.7",
            "sys_platform": "linux",
            "platform_machine": "x86_64",
            "platform_system": "Linux",
            "implementation_name": "cpython",
            "platform_python_implementation": "CPython",
            "os_name": "posix",
        },
    )

    assert set(py313) == set(py311)
    # The lock holds numpy/scipy per Python; Lambda's 3.13 gets the newest, never the 3.11 build.
    for package in ("numpy", "scipy"):
        locked = [p["version"] for p in tomllib.loads(LOCK_FILE.read_text())["package"] if p["name"] == package]
        assert py313[package] == max(locked, key=Version)
    assert "tzdata" not in py313  # a Windows/emscripten-only dependency of pandas


def test_installed_wheels_are_cp313_linux_x86_64_binaries(layer_dirs: dict[str, Path]) -> None:
    for package in ("numpy", "pydantic_core"):
        layer = layer_dirs[SCIENCE.name if package == "numpy" else RUNTIME.name]
        [wheel_info] = (layer / "python").glob(f"{package}-*.dist-info/WHEEL")
        tags = wheel_info.read_text()
        assert "cp313-cp313-manylinux" in tags
        assert "x86_64" in tags


def test_trimmed_layers_keep_runtime_code_but_no_tests(layer_dirs: dict[str, Path]) -> None:
    science = layer_dirs[SCIENCE.name] / "python"

    assert (science / "pandas" / "__init__.py").is_file()
    assert (science / "pandas" / "_testing").is_dir()  # imported by pandas itself
    assert not (science / "pandas" / "tests").exists()
    assert not list(science.rglob("__pycache__"))


def test_code_layer_is_eis_core_and_no_development_tooling(layer_dirs: dict[str, Path]) -> None:
    python = layer_dirs["eis_core"] / "python"
    package = python / "eis_core"

    assert (package / "settings.py").is_file()
    assert (package / "storage" / "schema.py").is_file()
    assert sorted(p.name for p in python.iterdir()) == ["eis_core"]
    tooling = {"local", "generate", "sources"}
    assert not [p for p in package.rglob("*") if p.name in tooling]


@needs_lambda_python
@pytest.mark.parametrize("function", list(FUNCTION_LAYERS))
def test_handler_imports_on_lambdas_python_with_only_its_layers(layer_dirs: dict[str, Path], function: str) -> None:
    """As Lambda runs it: code folder as cwd, /opt/python of each layer on the path, nothing else."""
    path = ":".join(str(layer_dirs[layer] / "python") for layer in FUNCTION_LAYERS[function])
    probe = "import sys, handler; print(sorted(m for m in ('pandas', 'sklearn') if m in sys.modules))"

    result = subprocess.run(
        [str(LAMBDA_PYTHON), "-I", "-B", "-c", f"import sys; sys.path[:0] = ['.', *{path.split(':')!r}]; {probe}"],
        cwd=FUNCTIONS_DIR / function,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )

    assert result.returncode == 0, result.stderr[-2000:]
    if function in ("cases_api", "notify"):
        assert result.stdout.strip() == "[]", "the API and the notifier must not load the science stack"


@needs_lambda_python
def test_cold_start_layers_carry_python313_bytecode(layer_dirs: dict[str, Path]) -> None:
    for layer in ("runtime", "eis_core"):
        assert list((layer_dirs[layer] / "python").rglob("*.cpython-313.pyc")), layer
