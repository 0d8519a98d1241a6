"""ocir: Pulumi components that onboard a project onto Oracle Cloud Infrastructure Registry (OCIR).

A component package: Python programs import the classes below, programs in any other Pulumi language
add the package with `pulumi package add` (see PulumiPlugin.yaml and __main__.py). The pure modules
(naming, statements, regions, tokens) import without Pulumi; the components load on first use, so
`import components.naming` stays cheap. Each component's arguments and their rules (``*_args``) import
without the provider SDKs, so the policy pack, which runs with pulumi and pulumi-policy alone, can check
a stack's config with them.
"""

import importlib
from typing import Any

__version__ = "0.3.0"

_EXPORTS = {
    "ArgumentError": "_args",
    "already_checked": "_args",
    "OcirProject": "project",
    "OcirProjectArgs": "project_args",
    "ProjectImageArgs": "project_args",
    "check_project_args": "project_args",
    "RepositoryAccessPolicy": "access_policy",
    "RepositoryAccessPolicyArgs": "access_policy_args",
    "RegistryCredentials": "credentials",
    "RegistryCredentialsArgs": "credentials_args",
    "RegistryAuthArgs": "credentials_args",
    "Repository": "repository",
    "RepositoryArgs": "repository_args",
    "Image": "image",
    "ImageArgs": "image_args",
    "PromotedImage": "promotion",
    "PromotedImageArgs": "promotion_args",
    "ImageScanning": "scanning",
    "ImageScanningArgs": "scanning_args",
    "RegistryLoginCheck": "registry_login",
    "RegistryLoginCheckArgs": "registry_login",
    "RegistryLoginError": "registry_login",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
