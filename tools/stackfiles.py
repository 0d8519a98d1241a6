"""The project on disk as the Pulumi CLI reads it: Pulumi.yaml, the stack files, and the config
they give the program. Reading them needs no Pulumi runtime, so it is kept apart from the runner.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]


def encode_config(values: Mapping[str, Any]) -> dict[str, str]:
    """Config values as the Pulumi CLI hands them to a program: strings, objects as JSON."""
    encoded: dict[str, str] = {}
    for key, value in values.items():
        if isinstance(value, bool):
            encoded[key] = "true" if value else "false"
        elif isinstance(value, (dict, list)):
            encoded[key] = json.dumps(value)
        elif value is None:
            continue
        else:
            encoded[key] = str(value)
    return encoded


@dataclass
class StackConfig:
    values: dict[str, str]
    secret_keys: list[str]
    project: str
    """The project's name (Pulumi.yaml `name`): the namespace of the program's keys."""

    def key(self, name: str) -> str:
        """``name`` in the project's namespace, as the CLI hands it to the program."""
        return f"{self.project}:{name}"


class StackFileError(ValueError):
    """Pulumi.yaml or a stack file that the CLI could not read: one line, `<file>:<line>:<column>: <what>`."""


def _load_yaml(path: Path) -> Any:
    # libyaml's loader when PyYAML has it: the pure-Python one costs more than evaluating a stack.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        document = yaml.load(path.read_text(), Loader=loader)  # noqa: S506 (a safe loader either way)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path.name}:{mark.line + 1}:{mark.column + 1}" if mark else path.name
        what = error.problem or "not valid YAML"
        if error.context:
            what += f" ({error.context})"
        raise StackFileError(f"{where}: {what}") from None
    except yaml.YAMLError as error:
        raise StackFileError(f"{path.name}: not valid YAML ({error})") from None
    if document is not None and not isinstance(document, dict):
        raise StackFileError(f"{path.name}:1:1: must be a mapping (config: ...), got {type(document).__name__}")
    if isinstance(document, dict) and document.get("config") is not None and not isinstance(document["config"], dict):
        raise StackFileError(f"{path.name}: config must be a mapping of keys to values")
    return document


def project_name(project_dir: Path = PROJECT_DIR) -> str:
    """The project's name, from Pulumi.yaml: the CLI namespaces the keys Pulumi.yaml declares with it."""
    return _project_name(_load_yaml(project_dir / "Pulumi.yaml") or {})


def _project_name(project: dict[str, Any]) -> str:
    name = project.get("name")
    # pulumi/pulumi sdk/go/common/workspace/project.go, Validate: "project is missing a 'name' attribute".
    if not isinstance(name, str) or not name:
        raise StackFileError("Pulumi.yaml: project is missing a 'name' attribute")
    return name


def load_stack_config(stack: str, project_dir: Path = PROJECT_DIR) -> StackConfig:
    """The config `pulumi up -s <stack>` would give the program: stack file plus project defaults.

    Mirrors the CLI: keys declared in Pulumi.yaml are namespaced by the project, a declared key
    missing from the stack takes its default, and `secure:` values (which only the CLI can
    decrypt) are passed as a placeholder and marked secret.
    """
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        raise FileNotFoundError(f"no stack file {stack_file.name} in {project_dir}")
    project = _load_yaml(project_dir / "Pulumi.yaml") or {}
    stack_config = (_load_yaml(stack_file) or {}).get("config") or {}
    name = _project_name(project)

    values: dict[str, Any] = {}
    secret_keys: list[str] = []
    for key, value in stack_config.items():
        full = key if ":" in key else f"{name}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[full] = "[secret]"
            secret_keys.append(full)
        else:
            values[full] = value
    for key, declaration in (project.get("config") or {}).items():
        full = key if ":" in key else f"{name}:{key}"
        if full in values or not isinstance(declaration, dict):
            continue
        if "default" in declaration:
            values[full] = declaration["default"]
        elif "value" in declaration:
            values[full] = declaration["value"]
    return StackConfig(encode_config(values), secret_keys, name)


def stack_names(project_dir: Path = PROJECT_DIR) -> list[str]:
    """Stacks that have a Pulumi.<stack>.yaml in the project."""
    return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in project_dir.glob("Pulumi.*.yaml"))
