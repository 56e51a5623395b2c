# brandpulse: two commands on a fresh machine with python3, pip and make.
#   make run   set up, generate demo data if there is none, build the whole warehouse
#   make test  set up and run the tests

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.brandpulse-synced
SPARK_STAMP := $(VENV)/.brandpulse-synced-spark
# dbt engine: duckdb (default) or spark (`make run ENGINE=spark`; README "Spark").
ENGINE ?= $(or $(BRANDPULSE_ENGINE),duckdb)
export BRANDPULSE_ENGINE := $(ENGINE)

export PATH := $(BIN):$(PATH)
export DAGSTER_HOME ?= $(CURDIR)/dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export UV_PYTHON_DOWNLOADS := never
export PYTHONUNBUFFERED := 1

.PHONY: setup run test ui lint format bench notebooks report docs manifest clean help

help:
	@echo "make run    build the warehouse (demo data unless BRANDPULSE_LANDING is set)"
	@echo "            ENGINE=spark builds the dbt models on a local Spark (README)"
	@echo "make test   run the test suite"
	@echo "make ui     start the Dagster UI on the demo warehouse"
	@echo "make lint   ruff check + format check, sqlfluff on the dbt project"
	@echo "make bench  run the benchmark harness (see bench/README.md)"
	@echo "make notebooks  execute the notebooks on the published snapshot (.ipynb next to them)"
	@echo "make report     write the static HTML report of every brand under data/reports/"
	@echo "make docs       build dbt's static docs site (the data dictionary) under data/docs/"

# Install uv with pip if missing, then the locked environment (never a downloaded Python).
# --compile-bytecode: uv installs no .pyc files, and where PYTHONDONTWRITEBYTECODE is set
# (as on this machine) Python never writes them, so every dbt, Dagster and pytest process
# would compile its imports from source again: ~3 s of every dbt call (~35 s once here).
$(STAMP): pyproject.toml uv.lock
	@$(PYTHON) -m uv --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(PYTHON) -m uv sync --frozen --compile-bytecode --python $(PYTHON)
	@touch $@

# The optional `spark` group (pyspark, dbt-spark): only for the Spark engine, the tests and
# the bench. Added to the venv the base sync made (no --python: uv would replace the whole
# environment, and the base stamp inside it, when handed the pyenv shim again).
$(SPARK_STAMP): $(STAMP)
	$(PYTHON) -m uv sync --frozen --inexact --compile-bytecode --extra spark
	@touch $@

SPARK_DEPS := $(if $(filter spark,$(ENGINE)),$(SPARK_STAMP))

setup: $(STAMP) $(SPARK_DEPS) manifest

# dagster-dbt reads target/manifest.json at import: produce it. Importing the definitions
# never parses (a missing or stale manifest is an error naming this target). Parsed with the settings' warehouse path, as the Dagster runs see it, so their
# dbt steps reuse dbt's partial-parse state instead of re-parsing the project (brandpulse/dbt_cli.py).
manifest: $(STAMP) $(SPARK_DEPS)
	@mkdir -p $(DAGSTER_HOME)
	$(BIN)/python -m brandpulse.dbt_cli

run: setup
	$(BIN)/python -m pipelines.run

# The tests build on Spark too (tests/spark): they need the spark group whatever ENGINE is.
test: setup $(SPARK_STAMP)
	$(BIN)/pytest

# The daily partitions start at BRANDPULSE_START_DATE: the landing zone's first day unless set
# (importing the definitions reads no files, so the first day is found here).
ui: setup
	BRANDPULSE_START_DATE=$$($(BIN)/python -m brandpulse.config) \
		$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# sqlfluff lives in its own venv (.ci/sqlfluff.txt says why), pinned with hashes.
SQLFLUFF_VENV := $(CURDIR)/.venv-sqlfluff
SQLFLUFF := $(SQLFLUFF_VENV)/bin/sqlfluff
$(SQLFLUFF_VENV)/.synced: .ci/sqlfluff.txt | $(STAMP)
	$(PYTHON) -m uv venv --quiet --allow-existing --python $(PYTHON) $(SQLFLUFF_VENV)
	$(PYTHON) -m uv pip sync --quiet --require-hashes --python $(SQLFLUFF_VENV)/bin/python .ci/sqlfluff.txt
	@touch $@

lint: $(STAMP) $(SQLFLUFF_VENV)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	cd dbt_project && $(SQLFLUFF) lint --processes 1 .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# the spark_build stage needs the spark group (the other stages run on DuckDB whatever ENGINE is)
bench: setup $(SPARK_STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

notebooks: setup
	$(BIN)/python -m brandpulse.report.notebooks

report: setup
	$(BIN)/brandpulse report

docs: setup
	$(BIN)/python -m brandpulse.dbt_docs

clean:
	rm -rf data dbt_project/target dbt_project/logs .pytest_cache
