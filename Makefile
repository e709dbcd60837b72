# retail-lakehouse — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
export LAKEHOUSE_HOME ?= $(CURDIR)/lakehouse

.PHONY: run test test-fast lint bench clean help

help:  ## Show the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)  ## Create .venv, generate demo data, run the whole pipeline, print where things are.
	$(BIN)/lakehouse demo

lint: $(STAMP)  ## ruff + mypy.
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

test: lint  ## The full test suite (lint, types, fast and slow tests, Spark parity on Sail).
	$(BIN)/pytest -q

test-fast: $(STAMP)  ## Tests without the slow/Spark ones, for quick iterations.
	$(BIN)/pytest -q -m "not slow and not spark"

BENCH_SCALES ?= full,5x,10x

bench: $(STAMP)  ## Time both engines (rows/s per layer), then raw → gold at 1x/5x/10x vs a bare DuckDB query.
	$(BIN)/python benchmarks/pipeline.py
	$(BIN)/python benchmarks/scale.py --scales $(BENCH_SCALES)

clean:  ## Remove the demo lakehouse (not the venv).
	rm -rf lakehouse
