"""ocir: Pulumi components that onboard a project onto Oracle Cloud Infrastructure Registry (OCIR).

A component package: Python programs import the classes below, programs in any other Pulumi language
add the package with `pulumi package add` (see PulumiPlugin.yaml and __main__.py). The pure modules
(naming, statements, regions, tokens) import without Pulumi; the components load on first use, so
`import components.naming` stays cheap.
"""

import importlib
from typing import Any

__version__ = "0.3.0"

_EXPORTS = {
    "ArgumentError": "_args",
    "already_checked": "_args",
    "OcirProject": "project",
    "OcirProjectArgs": "project",
    "ProjectImageArgs": "project",
    "check_project_args": "project",
    "RepositoryAccessPolicy": "access_policy",
    "RepositoryAccessPolicyArgs": "access_policy",
    "RegistryCredentials": "credentials",
    "RegistryCredentialsArgs": "credentials",
    "RegistryAuthArgs": "credentials",
    "Repository": "repository",
    "RepositoryArgs": "repository",
    "Image": "image",
    "ImageArgs": "image",
    "PromotedImage": "promotion",
    "PromotedImageArgs": "promotion",
    "ImageScanning": "scanning",
    "ImageScanningArgs": "scanning",
    "RegistryLoginCheck": "registry_login",
    "RegistryLoginCheckArgs": "registry_login",
    "RegistryLoginError": "registry_login",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
