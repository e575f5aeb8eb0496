# Polster template: every target forwards to uv; the logic lives in scripts/ and tests/.
.DEFAULT_GOAL := help
.PHONY: help setup demo test lint format bench release

UV := $(shell command -v uv 2>/dev/null)
ifeq ($(UV),)
$(error make: uv must be installed first: `python3 -m pip install uv` (see README.md))
endif
# Every target runs in this repository's .venv. An environment the shell has activated (a
# demo project's, say) is not it: uv would ignore it anyway, with a warning on each command.
unexport VIRTUAL_ENV

help: ## Show the available targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup: ## Install the template's development environment (.venv)
	uv sync --frozen

demo: setup ## Render a demo project into demo/ and run its pipeline end to end
	uv run --frozen python scripts/demo.py

node_modules/.bin/azurite-blob: package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "make: test: npm (Node.js) must be installed for the Azurite emulator"; exit 1; }
	npm ci --no-audit --no-fund

# Bytecode is cached, as on a user's machine: where PYTHONDONTWRITEBYTECODE is set (CI
# images, this repository's machines) each of the suite's hundreds of processes would
# otherwise compile Dagster and Polster again (~2-3 s of CPU each).
test: setup node_modules/.bin/azurite-blob ## Run every test: the runtime's (runtime/tests), then the template's (renders projects, runs them)
	env -u PYTHONDONTWRITEBYTECODE uv run --frozen pytest

# `make bench ROWS=1000 REPEAT=1 CSV_MIB=1 LARGE_ROWS=0 TPCH_SCALE=0 BACKFILL_DAYS=2` is the quick run the
# test suite makes. Measured processes cache their bytecode, as on a user's machine.
ROWS ?= 100000,1000000,10000000
LARGE_ROWS ?= 100000000
TPCH_SCALE ?= 1
BACKFILL_DAYS ?= 60
REPEAT ?= 3
CSV_MIB ?= 1024
OUTPUT ?= .bench/results.json
bench: setup ## Time renders, scaffolds, the example pipeline, TPC-H Q1 and CSV ingest against plain Polars, DuckDB, pandas, Dagster
	env -u PYTHONDONTWRITEBYTECODE uv run --frozen python -m bench --rows "$(ROWS)" --repeat "$(REPEAT)" \
		--csv-mib "$(CSV_MIB)" --large-rows "$(LARGE_ROWS)" --tpch-scale "$(TPCH_SCALE)" --backfill-days "$(BACKFILL_DAYS)" \
		--output "$(OUTPUT)"

lint: setup ## Check style and formatting of the template's own code
	uv run --frozen ruff check .
	uv run --frozen ruff format --check .

format: setup ## Format the template's own code
	uv run --frozen ruff format .
	uv run --frozen ruff check --fix .

release: setup ## Tag a new version after checking CHANGELOG.md: make release VERSION=0.2.0
	uv run --frozen python scripts/release.py "$(VERSION)"
