"""The ocir component package: the components it serves and the provider that serves them.

The schema is inferred from the components' TypedDict args and Output annotations (Pulumi's Python
component provider). Inference cannot tell a secret output, so the provider marks those itself: a
generated SDK then keeps them secret in the consumer's state too.
"""

import json
from typing import Any

import pulumi
from pulumi.provider.experimental.component import ComponentProvider

from . import __version__
from .access_policy import RepositoryAccessPolicy
from .credentials import RegistryCredentials
from .image import Image
from .project import OcirProject
from .promotion import PromotedImage
from .repository import Repository
from .scanning import ImageScanning

NAME = "ocir"
COMPONENTS: list[type[pulumi.ComponentResource]] = [
    OcirProject,
    RepositoryAccessPolicy,
    RegistryCredentials,
    Repository,
    Image,
    PromotedImage,
    ImageScanning,
]
SECRET_OUTPUTS = {"OcirProject": ("authToken", "pullSecret"), "RegistryCredentials": ("password",)}


def _tidy(node: Any) -> None:
    """Descriptions read as prose: a docstring's line breaks and indentation become single spaces."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                node[key] = " ".join(value.split())
            else:
                _tidy(value)
    elif isinstance(node, list):
        for item in node:
            _tidy(item)


def _finish(schema: dict[str, Any]) -> dict[str, Any]:
    _tidy(schema)
    for component, outputs in SECRET_OUTPUTS.items():
        properties = schema["resources"][f"{NAME}:index:{component}"]["properties"]
        for output in outputs:
            properties[output]["secret"] = True
    return schema


class OcirProvider(ComponentProvider):
    """ComponentProvider whose schema marks the secret outputs and reads well in generated SDKs."""

    def __init__(self) -> None:
        super().__init__(COMPONENTS, NAME, None, __version__)
        self.schema = json.dumps(_finish(json.loads(self.schema or "{}")))


def schema() -> dict[str, Any]:
    """The schema the provider serves (no CLI, no network)."""
    result: dict[str, Any] = json.loads(OcirProvider().schema or "{}")
    return result


def serve(args: list[str]) -> None:
    """Run the provider as the Pulumi engine starts a plugin (what component_provider_host does)."""
    from pulumi.provider import main

    main(OcirProvider(), args)
