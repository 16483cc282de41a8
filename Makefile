# Two commands on a fresh machine (see README): `make demo` and `make test`.
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PYTHON := $(shell command -v $(PYTHON))
export UV_PYTHON_DOWNLOADS := never
# infra/layer.py builds the Lambda layers with this same uv.
export UV := $(abspath $(UV))
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

.PHONY: setup demo test lint format synth layer clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --all-extras
	touch $@

setup: .venv/.synced

demo: setup  ## generate an agency, run it through the local AWS stack, serve the case API
	.venv/bin/eis demo

test: setup  ## every suite: unit, integration, contract, infrastructure, e2e
	.venv/bin/pytest

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

format: setup
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

synth: setup  ## synthesize every agency stack in infra/agencies.json into cdk.out/
	.venv/bin/python -m infra.app

layer: setup  ## build (or reuse) the Lambda layers in build/layers and print each function's unzipped size
	.venv/bin/python -m infra.layer

clean:
	rm -rf .venv $(TOOLS) cdk.out build .pytest_cache .mypy_cache .ruff_cache
