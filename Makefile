# The front door: make run | test | test-fast | test-unit | lint | verify | bench
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run reset venv test test-fast test-unit lint verify bench migrate seed clean

$(STAMP): requirements.txt clients/python/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	@bash scripts/run.sh

# Wipe the demo database and seed it again (make run need not be running).
reset: $(STAMP)
	@bash scripts/run.sh reset

test: $(STAMP) lint
	$(BIN)/pytest $(PYTEST_ARGS)

# Everything but the tests marked slow (faults, outages, schemathesis, load); no lint.
test-fast: $(STAMP)
	$(BIN)/pytest -m "not slow" $(PYTEST_ARGS)

# The pure rules alone (tests/unit): no database, Redis or process.
test-unit: $(STAMP)
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy infra ledger producer_api worker launcher harness api_server.py celeryconfig.py tests bench clients/python

migrate: $(STAMP)
	$(BIN)/python -m infra.database_admin create
	$(BIN)/alembic upgrade head

seed: migrate
	$(BIN)/python -m ledger.seed

verify: $(STAMP)
	$(BIN)/python -m ledger.verify

bench: $(STAMP)
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -q wrk >/dev/null; } || true
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
