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

.PHONY: setup portal demo test unit integration contract infra e2e browser lint format synth layer clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --all-extras
	touch $@

setup: .venv/.synced portal/dist/index.html

# The supervisors' portal (portal/): installed from its lock file and built into portal/dist/.
portal/node_modules/.package-lock.json: portal/package-lock.json
	@command -v npm >/dev/null || { echo "make setup: the portal needs Node.js 20+ and npm (apt-get install -y nodejs npm)" >&2; exit 1; }
	cd portal && npm ci --no-audit --no-fund
	touch $@

portal/dist/index.html: portal/node_modules/.package-lock.json portal/package.json portal/build.mjs portal/tsconfig.json portal/scripts/openapi-types.mjs functions/cases_api/openapi.json $(shell find portal/src -type f 2>/dev/null)
	cd portal && npm run build

portal: portal/dist/index.html

demo: setup  ## generate an agency, run it through the local AWS stack, serve the case API
	.venv/bin/eis demo

test: setup  ## every suite: unit, integration, contract, infrastructure, e2e
	.venv/bin/pytest

# One suite each, cheapest first (make test runs them all).
unit: setup  ## pure tests, no network (a socket guard fails any connection)
	.venv/bin/pytest tests/unit

integration: setup  ## handlers and storage adapters in-process on moto
	.venv/bin/pytest tests/integration

contract: setup  ## the committed OpenAPI document against the code
	.venv/bin/pytest tests/contract

infra: setup  ## CDK synth, cdk-nag, cfn-lint, isolation (needs Node.js)
	.venv/bin/pytest tests/infrastructure

e2e: setup  ## the local stack (moto server) end to end
	.venv/bin/pytest tests/e2e

browser: setup  ## the portal in headless Chromium against the local stack (Debian's chromium)
	.venv/bin/pytest tests/browser

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
	rm -rf .venv $(TOOLS) cdk.out build .pytest_cache .mypy_cache .ruff_cache portal/dist portal/node_modules
