"""The policy pack as the Pulumi CLI runs it: from policy/venv, which holds what policy/requirements.txt
installs and nothing else (`make policy-venv`, or `pulumi install` in policy/), with the engine's config and
project name in its environment."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from policy.pack import engine_project, stack_settings
from stackconfig import ConfigError
from tests.conftest import NS
from tools.policy_check import engine_config
from tools.stackfiles import PROJECT_DIR

IMPORTED = """
import importlib.metadata, json, sys
sys.path.insert(0, sys.argv[1])
before = set(sys.modules)
import policy.pack
top = {name.split(".")[0] for name in set(sys.modules) - before}
owners = importlib.metadata.packages_distributions()
print(json.dumps(sorted({dist for name in top for dist in owners.get(name, [])})))
"""


def _pins(path: Path) -> set[str]:
    """The distributions a requirements file names, following `-r` (relative to the file, as pip reads it)."""
    found: set[str] = set()
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("-r"):
            found |= _pins((path.parent / line[2:].strip()).resolve())
        elif line:
            found.add(canonicalize_name(Requirement(line).name))
    return found


def _closure(names: set[str]) -> set[str]:
    """``names`` and everything they require, as installed here (markers evaluated, no extras)."""
    environment: dict[str, str] = {key: str(value) for key, value in default_environment().items()}
    environment["extra"] = ""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate(environment):
                todo.append(canonicalize_name(requirement.name))
    return seen


def test_the_packs_virtualenv_holds_everything_the_pack_imports() -> None:
    # The pack parses the config with the program's parser (stackconfig/), which imports the components and
    # the provider SDKs: a venv of pulumi and pulumi-policy alone fails the pack on its first import.
    result = subprocess.run(
        [sys.executable, "-c", IMPORTED, str(PROJECT_DIR)], capture_output=True, text=True, timeout=120, check=True
    )
    imported = {canonicalize_name(name) for name in json.loads(result.stdout)}
    assert {"pulumi", "pulumi-policy", "pulumi-oci"} <= imported
    available = _closure(_pins(PROJECT_DIR / "policy" / "requirements.txt"))
    assert imported <= available, f"policy/requirements.txt does not install {sorted(imported - available)}"


def test_make_policy_venv_builds_it_from_the_packs_requirements_alone() -> None:
    makefile = (PROJECT_DIR / "Makefile").read_text()
    assert re.search(r"^policy-venv: \$\(POLICY_VENV\)/\.installed$", makefile, re.MULTILINE)
    # As a make of its own, also when the tests run under `make test` (no inherited flags or level).
    env = {key: value for key, value in os.environ.items() if key not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "-B", "policy-venv", "PYTHON=python3"],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.splitlines()[:2] == [
        "python3 -m venv policy/venv",
        "policy/venv/bin/python -m pip install --quiet --disable-pip-version-check -r policy/requirements.txt",
    ]
    policy = (PROJECT_DIR / "policy" / "PulumiPolicy.yaml").read_text()
    assert "virtualenv: venv" in policy  # the venv the CLI runs the pack with


OTHER = f"{NS}-other"


def test_the_pack_reads_the_project_name_the_engine_passes() -> None:
    # pulumi/pulumi pkg/resource/plugin/analyzer_plugin.go, constructEnv: PULUMI_CONFIG and PULUMI_PROJECT.
    with engine_config({f"{OTHER}:prefix": "p"}, OTHER):
        assert engine_project() == OTHER
        assert json.loads(os.environ["PULUMI_CONFIG"]) == {f"{OTHER}:prefix": "p"}
    assert os.environ.get("PULUMI_PROJECT") != OTHER  # restored


@pytest.mark.parametrize(
    ("project", "first_line"),
    [
        ("", "PULUMI_PROJECT: the engine did not name the project"),
        (OTHER, f"{OTHER}:*: no {OTHER} config reached the policy pack"),
    ],
)
def test_the_pack_fails_closed_without_the_project_or_keys_in_its_namespace(project: str, first_line: str) -> None:
    with pytest.raises(ConfigError) as refused:
        stack_settings({f"{NS}:prefix": "p"}, project)
    assert str(refused.value).startswith(first_line)
