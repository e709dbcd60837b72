# retail-lakehouse — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The tested set of every dependency (dev and spark included), pinned with hashes.
LOCK := requirements.lock
LOCK_VENV := .venv-lock
PIP_TOOLS := pip-tools==7.6.2
LOCK_FLAGS := --quiet --extra dev --generate-hashes --strip-extras --no-emit-options \
	--no-allow-unsafe --unsafe-package retail-lakehouse --output-file $(LOCK)
export LAKEHOUSE_HOME ?= $(CURDIR)/lakehouse

.PHONY: run test test-fast lint bench lock lock-upgrade clean help

help:  ## Show the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

# Exactly the locked versions (hash-checked), then the project itself without resolving again.
$(STAMP): $(LOCK) pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)  ## Create .venv, generate demo data, run the whole pipeline, print where things are.
	$(BIN)/lakehouse demo

lint: $(STAMP)  ## ruff + mypy.
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# pytest exits 5 when it collects no test: make fails on any non-zero exit, so CI does too.
test: lint  ## The full test suite (lint, types, fast and slow tests, Spark parity on Sail).
	$(BIN)/pytest -q

test-fast: $(STAMP)  ## Tests without the slow/Spark ones, for quick iterations.
	$(BIN)/pytest -q -m "not slow and not spark"

BENCH_SCALES ?= full,5x,10x

bench: $(STAMP)  ## Both engines (rows/s per layer), CLI latency, then raw → gold at 1x/5x/10x vs a bare DuckDB query.
	$(BIN)/python benchmarks/pipeline.py
	$(BIN)/python benchmarks/cli_latency.py
	$(BIN)/python benchmarks/scale.py --scales $(BENCH_SCALES)

$(LOCK_VENV)/bin/pip-compile:
	$(PYTHON) -m venv $(LOCK_VENV)
	$(LOCK_VENV)/bin/python -m pip install --quiet $(PIP_TOOLS)

lock: $(LOCK_VENV)/bin/pip-compile  ## After editing pyproject.toml's dependencies: re-lock, keeping other pins.
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile $(LOCK_FLAGS) pyproject.toml

lock-upgrade: $(LOCK_VENV)/bin/pip-compile  ## Move every pin to the newest version pyproject.toml allows.
	CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --upgrade $(LOCK_FLAGS) pyproject.toml

clean:  ## Remove the demo lakehouse (not the venv).
	rm -rf lakehouse
