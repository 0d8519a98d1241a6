"""Pulumi.yaml, the stack files and the requirements agree with what the program reads."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from stackconfig.keys import KEYS
from tests.conftest import NS
from tools.rename import check_project_name
from tools.stackfiles import PROJECT_DIR, check_declared_config, stack_names

PROJECT = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
DECLARED: dict[str, Any] = PROJECT["config"]


def test_project_has_a_pulumi_project_name_and_runs_python_from_the_venv() -> None:
    # Any name the CLI accepts: it is the config namespace, which the program and the tools read from here.
    assert check_project_name(PROJECT["name"]) == NS
    assert PROJECT["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}


def test_pulumi_yaml_declares_exactly_the_keys_the_program_reads() -> None:
    assert set(DECLARED) == {key.name for key in KEYS}


@pytest.mark.parametrize("key", KEYS, ids=lambda key: key.name)
def test_each_key_has_a_description_and_a_default_unless_required(key: Any) -> None:
    declaration = DECLARED[key.name]
    assert declaration["description"].strip()
    # The CLI refuses a stack that lacks a key declared without a default.
    assert ("default" not in declaration) == key.required
    # Types the CLI checks before the program runs; an array names its items' type (the CLI refuses one that
    # does not: sdk/go/common/workspace/project.go, Validate), objects since CLI 3.187.0.
    assert declaration.get("type") in {"string", "boolean", "array", None}
    if declaration.get("type") == "array":
        assert declaration["items"] == {"type": "object"}
        assert declaration["default"] == []


def test_images_is_declared_as_an_array_of_objects_for_cli_3_187_or_later() -> None:
    assert DECLARED["images"]["type"] == "array"
    assert DECLARED["images"]["items"] == {"type": "object"}
    assert "3.187.0" in (PROJECT_DIR / "Pulumi.yaml").read_text()  # the minimum CLI, said where it is declared


@pytest.mark.parametrize("stack", stack_names())
def test_every_stack_file_sets_every_required_key_and_no_unknown_one(stack: str) -> None:
    required = {f"{NS}:{key.name}" for key in KEYS if key.required}
    known = {f"{NS}:{key.name}" for key in KEYS}
    config = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    ours = {key for key in config if key.startswith(f"{NS}:")}
    assert required <= ours, f"Pulumi.{stack}.yaml lacks {sorted(required - ours)}"
    assert ours <= known, f"Pulumi.{stack}.yaml sets unknown keys {sorted(ours - known)}"
    check_declared_config(stack)  # what `pulumi preview` checks before the program runs


def test_there_is_a_stack_file() -> None:
    assert stack_names(), "no Pulumi.<stack>.yaml: add one (pulumi new, or README 'Make it yours')"


def test_requirements_pin_the_pulumi_sdks() -> None:
    pins = {}
    for line in (PROJECT_DIR / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9][0-9A-Za-z.+-]*)", line)
            assert match, f"not pinned exactly: {line}"
            pins[match[1].lower()] = match[2]
    assert {"pulumi", "pulumi-oci", "pulumi-docker"} <= set(pins)
