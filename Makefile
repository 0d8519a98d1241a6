# Two entry points for a fresh machine (see README):
#   make plan   set up the venv and print the dev stack's plan (no cloud account needed)
#   make test   set up the venv and run lint, type checks and all tests
PYTHON ?= python3
VENV ?= venv
STACK ?= dev
BIN := $(VENV)/bin

.PHONY: plan test lint typecheck unit policy bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# `venv` is also the virtualenv Pulumi.yaml names, so `pulumi up` uses the same environment.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt policy/requirements.txt $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

plan: $(VENV)/.runtime
	$(BIN)/python -m tools.plan $(STACK)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.dev
	$(BIN)/mypy

unit: $(VENV)/.dev
	$(BIN)/python -m pytest

test: lint typecheck unit

# The policy pack over every stack file's declarations, under mocks (also part of `make unit`).
policy: $(VENV)/.dev
	$(BIN)/python -m tools.policy_check

bench: $(VENV)/.runtime
	$(BIN)/python benchmarks/eval_vs_import.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
