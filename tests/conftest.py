"""Shared fixtures: a valid config the tests vary, and the mock runner."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tools.harness import StackRun, run_program
from tools.mocks import OcirMocks

TENANCY = "ocid1.tenancy.oc1..aaaaaaaatesttenancy0000000000000000000000000000000000000"
COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaatestcompartment000000000000000000000000000000"
USER = "ocid1.user.oc1..aaaaaaaatestpushuser00000000000000000000000000000000000000"
TOKEN = "tok3n-V4LUE-th4t-must-n3ver-l3ak"


def valid_config(**overrides: Any) -> dict[str, Any]:
    """A minimal valid stack config (full keys, native values), with ``ocir:`` keys overridden.

    ``None`` removes a key.
    """
    config: dict[str, Any] = {
        "ocir:prefix": "p-test",
        "ocir:groupName": "test-devs",
        "ocir:tenancyOcid": TENANCY,
        "ocir:region": "fra",
        "ocir:userOcid": USER,
        "ocir:images": [{"name": "api", "tag": "1.0"}],
    }
    for key, value in overrides.items():
        full = key if ":" in key else f"ocir:{key}"
        if value is None:
            config.pop(full, None)
        else:
            config[full] = value
    return config


@pytest.fixture
def run() -> Callable[..., StackRun]:
    """Evaluate the program under mocks with a config; the token is a recognisable value."""

    def _run(config: dict[str, Any], **kwargs: Any) -> StackRun:
        kwargs.setdefault("mocks", OcirMocks(token=TOKEN, namespace="testns", user_name="looked-up-user"))
        return run_program(config, **kwargs)

    return _run


@pytest.fixture(scope="session")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the program with the tests' own dev and prod stack files (tests/projects.py)."""
    from tests.projects import DEV, PROD, write_project

    return write_project(tmp_path_factory.mktemp("project"), {"dev": DEV, "prod": PROD})
