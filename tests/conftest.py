"""Shared fixtures: a valid config the tests vary, and the mock runner."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tools.engine.mocks import OcirMocks
from tools.harness import StackRun, run_program
from tools.stackfiles import project_name

NS = project_name()
"""The program's config namespace: the project's name in Pulumi.yaml (a fork renames it with
`python -m tools.rename`). Every test writes keys and expects messages as `f"{NS}:<key>"`."""


def key(name: str) -> str:
    """``name`` as a full config key of this project: ``prefix`` -> ``<NS>:prefix``."""
    return f"{NS}:{name}"


TENANCY = "ocid1.tenancy.oc1..aaaaaaaatesttenancy0000000000000000000000000000000000000"
COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaatestcompartment000000000000000000000000000000"
USER = "ocid1.user.oc1..aaaaaaaatestpushuser00000000000000000000000000000000000000"
TOKEN = "tok3n-V4LUE-th4t-must-n3ver-l3ak"


def valid_config(**overrides: Any) -> dict[str, Any]:
    """A minimal valid stack config (full keys, native values), with keys overridden: a bare name is
    one of this project's keys (``prefix`` -> ``<NS>:prefix``), a full key is taken as it is.

    ``None`` removes a key.
    """
    config: dict[str, Any] = {
        f"{NS}:prefix": "p-test",
        f"{NS}:groupName": "test-devs",
        f"{NS}:tenancyOcid": TENANCY,
        f"{NS}:region": "fra",
        f"{NS}:userOcid": USER,
        f"{NS}:images": [{"name": "api", "tag": "1.0"}],
    }
    for name, value in overrides.items():
        full = name if ":" in name else f"{NS}:{name}"
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


# --- slow commands, started early -------------------------------------------------------------------------
#
# A few tests run the plan command as the workflows do: each one a Python process that imports the OCI SDK
# (about a second). Their commands start in the background as soon as the session does, one at a time on
# the machine's other core, while the in-process tests run; the tests wait for the results and assert on
# them as before. Only the commands of selected tests start.

Completed = subprocess.CompletedProcess[str]


@pytest.fixture(scope="session")
def background() -> Iterator[ThreadPoolExecutor]:
    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slow-command")
    yield executor
    executor.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def printed_plans(
    background: ThreadPoolExecutor, project: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Future[Completed]]:
    """`python -m tools.plan STACK --json` of the tests' dev and prod stacks, run from a directory outside
    the project with only PYTHONPATH pointing at the code."""
    from tools.stackfiles import PROJECT_DIR

    cwd = tmp_path_factory.mktemp("plan-cwd")
    env = {"PYTHONPATH": str(PROJECT_DIR), "PATH": "/usr/bin:/bin"}

    def plan(stack: str) -> Completed:
        command = [sys.executable, "-m", "tools.plan", stack, "--json", "--project-dir", str(project)]
        return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False)

    return {stack: background.submit(plan, stack) for stack in ("dev", "prod")}


@pytest.fixture(scope="session")
def plan_diff_script(
    background: ThreadPoolExecutor, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Future[Completed]]:
    """The directory the preview workflow's plan-diff script runs in, and its run (tests/projects.py)."""
    from tests.projects import run_plan_diff_script

    directory = tmp_path_factory.mktemp("plan-diff-script")
    return directory, background.submit(run_plan_diff_script, directory)


@pytest.fixture(scope="session", autouse=True)
def _slow_commands_started_early(request: pytest.FixtureRequest) -> None:
    wanted = {name for item in request.session.items for name in getattr(item, "fixturenames", ())}
    for name in ("printed_plans", "plan_diff_script"):
        if name in wanted:
            request.getfixturevalue(name)
