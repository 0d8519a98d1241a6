# Two entry points for a fresh machine (see README):
#   make plan   set up the venv and print the dev stack's plan (no cloud account needed)
#   make test   set up the venv and run lint, type checks and all tests (the integration tests
#               run when DOCKER_HOST names an engine that answers, see `make engine`; they skip,
#               saying why, otherwise)
# and, before `pulumi preview --policy-pack policy`:
#   make policy-venv   the policy pack's own virtualenv, policy/venv, from policy/requirements.txt alone
PYTHON ?= python3
VENV ?= venv
# The policy pack's virtualenv: PulumiPolicy.yaml names it (virtualenv: venv, relative to policy/).
POLICY_VENV ?= policy/venv
STACK ?=
BIN := $(VENV)/bin
# The private Docker engine of `make engine` (tools/local-dockerd.sh); needs root.
ENGINE_DIR ?= /tmp/ocir-engine
ENGINE_HOST := unix://$(ENGINE_DIR)/docker.sock

.PHONY: plan test lint typecheck unit policy policy-venv bench clean engine engine-stop integration bench-image

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# `venv` is also the virtualenv Pulumi.yaml names, so `pulumi up` uses the same environment.
$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt policy/requirements.txt examples/kubernetes-pull-secret/requirements.txt $(VENV)/.runtime
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

# The CLI runs a local pack with the virtualenv PulumiPolicy.yaml names but does not create it (only
# `pulumi install` in policy/ would). Made afresh from policy/requirements.txt alone whenever that file
# changes, so the pack runs with exactly what it declares (tests/integration/test_policy_pack.py).
policy-venv: $(POLICY_VENV)/.installed

$(POLICY_VENV)/.installed: policy/requirements.txt
	rm -rf $(POLICY_VENV)
	$(PYTHON) -m venv $(POLICY_VENV)
	$(POLICY_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r policy/requirements.txt
	touch $@

bench: $(VENV)/.runtime
	$(BIN)/python benchmarks/eval_vs_import.py
	$(BIN)/python benchmarks/isolation.py

# Start the private engine and print the line that points the tests and the docker CLI at it:
#   make engine && eval "$$(tools/local-dockerd.sh env /tmp/ocir-engine)" && make test
engine:
	tools/local-dockerd.sh start $(ENGINE_DIR)
	@tools/local-dockerd.sh env $(ENGINE_DIR)

engine-stop:
	tools/local-dockerd.sh stop $(ENGINE_DIR)

# Only the integration tests, on the private engine (started if needed), required to run.
integration: $(VENV)/.dev engine
	DOCKER_HOST=$(ENGINE_HOST) OCIR_REQUIRE_INTEGRATION=1 $(BIN)/python -m pytest -m integration

# Image size and build times of the app's Dockerfile and the recipe's, and the multi-platform image
# (arm64 under QEMU emulation, pushes, the index), on the private engine.
bench-image: $(VENV)/.dev engine
	DOCKER_HOST=$(ENGINE_HOST) $(BIN)/python benchmarks/image_build.py

clean:
	rm -rf $(VENV) $(POLICY_VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
