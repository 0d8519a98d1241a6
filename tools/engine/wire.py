"""Pulumi's wire format for values: the markers a registration carries for secrets and unknowns.

Kept apart so that reading a recorded value (reveal, mask, secret_paths) needs no Pulumi runtime.
"""

from __future__ import annotations

from typing import Any

# A secret value is {SECRET_SIG: SECRET_VALUE_SIG, "value": ...}; a value the engine does not know
# yet (during a preview) is the UNKNOWN string.
SECRET_SIG = "4dabf18193072939515e22adb298388d"
SECRET_VALUE_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SECRET_SIG) == SECRET_VALUE_SIG


def reveal(value: Any) -> Any:
    """The value with every secret marker removed (for assertions on what was declared)."""
    if is_secret(value):
        return reveal(value.get("value"))
    if isinstance(value, dict):
        return {key: reveal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [reveal(item) for item in value]
    return value


def mask(value: Any) -> Any:
    """The value with every secret replaced by ``[secret]`` (for anything that is shown)."""
    if is_secret(value):
        return "[secret]"
    if isinstance(value, dict):
        return {key: mask(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask(item) for item in value]
    return value


def secret_paths(value: Any, path: str = "") -> list[str]:
    """Dotted paths of the secret values inside ``value``."""
    if is_secret(value):
        return [path]
    if isinstance(value, dict):
        return [p for key, item in value.items() for p in secret_paths(item, f"{path}.{key}" if path else key)]
    if isinstance(value, list):
        return [p for index, item in enumerate(value) for p in secret_paths(item, f"{path}[{index}]")]
    return []
