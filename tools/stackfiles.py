"""The project on disk as the Pulumi CLI reads it: Pulumi.yaml, the stack files, and the config
they give the program. Reading them needs no Pulumi runtime, so it is kept apart from the runner.
"""

from __future__ import annotations

import json
import re
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
    """Pulumi.yaml or a stack file that the CLI could not read: one line, `<file>:<line>:<column>: <what>`,
    or the CLI's own line for a stack whose config it refuses before the program runs."""


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


def _declared_key(project: str, key: str) -> str:
    # pulumi/pulumi pkg/workspace/config.go, parseConfigKey: a key without ':' is the project's.
    return key if ":" in key else f"{project}:{key}"


def _cli_value(value: Any) -> Any:
    """A stack value as the CLI validates it: objects and lists as parsed JSON, anything else as the
    string the CLI stores (sdk/go/common/resource/config/value.go keeps scalars as their text)."""
    if isinstance(value, (dict, list)):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _valid(type_name: str, items: Any, value: Any) -> bool:
    """pulumi/pulumi sdk/go/common/workspace/project.go, ValidateConfigValue."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return True
        return isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value) is not None
    if type_name == "boolean":
        return value in ("true", "false") or isinstance(value, bool)
    if type_name == "object":  # CLI 3.187.0 and later (pulumi/pulumi#20132)
        return isinstance(value, dict)
    if not isinstance(value, list) or not isinstance(items, dict):
        return False
    return all(_valid(items.get("type", ""), items.get("items"), item) for item in value)


def _type_name(type_name: str, items: Any) -> str:
    """pulumi/pulumi sdk/go/common/workspace/project.go, InferFullTypeName: `array<object>`."""
    if isinstance(items, dict):
        return f"array<{_type_name(items.get('type', ''), items.get('items'))}>"
    return type_name


def _missing_keys_error(stack: str, missing: list[str]) -> StackFileError:
    """pulumi/pulumi pkg/workspace/config.go, missingStackConfigurationKeysError and formatMissingKeys."""
    names = sorted(missing)
    if len(names) == 1:
        listed = f"'{names[0]}'"
    else:
        listed = ", ".join(f"'{name}'" for name in names[:-2])
        listed = (listed + ", " if listed else "") + f"'{names[-2]}' and '{names[-1]}'"
    return StackFileError(f"Stack '{stack}' is missing configuration value{'s' if len(names) > 1 else ''} {listed}")


def check_declared_config(stack: str, project_dir: Path = PROJECT_DIR) -> None:
    """What `pulumi preview` / `pulumi up` check of a stack's config before the program runs.

    Mirrors pulumi/pulumi pkg/workspace/config.go, mergeConfig: every key Pulumi.yaml declares in the
    project's namespace without a default must be set ("Stack 'dev' is missing configuration value
    'prefix'"); then each explicitly typed key's value, the stack's or the default, must be of its type
    ("Stack 'dev' with configuration key 'images' must be of type 'array<object>'"). A `secure:` value is
    checked only for being secure where the key is declared secret: only the CLI can decrypt it.
    """
    project = _load_yaml(project_dir / "Pulumi.yaml") or {}
    name = _project_name(project)
    stack_config = (_load_yaml(project_dir / f"Pulumi.{stack}.yaml") or {}).get("config") or {}
    declared = {key: value for key, value in (project.get("config") or {}).items() if isinstance(value, dict)}
    missing = [
        key
        for key, declaration in sorted(declared.items())
        if _declared_key(name, key) not in stack_config
        and "default" not in declaration
        and "value" not in declaration
        and _declared_key(name, key).split(":", 1)[0] == name
    ]
    if missing:
        raise _missing_keys_error(stack, missing)
    for key, declaration in sorted(declared.items()):
        full = _declared_key(name, key)
        if "type" not in declaration:
            continue
        value = stack_config.get(full, declaration.get("default", declaration.get("value")))
        secure = isinstance(value, dict) and set(value) == {"secure"}
        if declaration.get("secret") and not secure:
            raise StackFileError(f"Stack '{stack}' with configuration key '{key}' must be encrypted as it's secret")
        if secure:
            continue
        if not _valid(declaration["type"], declaration.get("items"), _cli_value(value)):
            type_name = _type_name(declaration["type"], declaration.get("items"))
            raise StackFileError(f"Stack '{stack}' with configuration key '{key}' must be of type '{type_name}'")


def new_stack_config(project_dir: Path, project: str, answers: Mapping[str, str]) -> dict[str, str]:
    """The config `pulumi new` writes into the first stack's file for a project named ``project``.

    Mirrors pulumi/pulumi pkg/cmd/pulumi/project/newcmd/config.go: each of the template's `config:` keys is
    parsed for the project the user named (``resolveTemplateConfig``: a key without ':' gets
    `<project>:`, pkg/cmd/pulumi/config/io.go ``parseConfigKey``), the answer (``answers``, by the key as
    the template writes it) or else the prompt's default is taken, and empty values are not saved
    (``encryptTemplateConfig``); every value is saved as a string. Secret prompts are not modelled.
    """
    template = ((_load_yaml(project_dir / "Pulumi.yaml") or {}).get("template") or {}).get("config") or {}
    written: dict[str, str] = {}
    for key, prompt in template.items():
        value = answers.get(key, (prompt or {}).get("default", ""))
        if value != "":
            written[_declared_key(project, key)] = str(value)
    return written
