"""Pulumi components that onboard a project onto Oracle Cloud Infrastructure Registry (OCIR).

The pure modules (naming, statements, regions, config) import without Pulumi; the component
classes are loaded on first use, so `import components.naming` stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ConfigError": "config",
    "ImageSpec": "config",
    "Settings": "config",
    "parse_settings": "config",
    "OcirProject": "project",
    "OcirProjectArgs": "project",
    "RegistryCredentials": "credentials",
    "RegistryCredentialsArgs": "credentials",
    "RepositoryAccessPolicy": "access_policy",
    "RepositoryAccessPolicyArgs": "access_policy",
    "RepositoryImage": "image",
    "RepositoryImageArgs": "image",
    "PromotedImage": "promotion",
    "Promotion": "promotion",
    "RegistryLoginCheck": "registry_login",
    "RegistryLoginCheckArgs": "registry_login",
    "RegistryLoginError": "registry_login",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
