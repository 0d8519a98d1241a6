"""The ocir component package: the components it serves and the provider that serves them.

The schema is inferred from the components' TypedDict args and Output annotations (Pulumi's Python
component provider). Inference cannot tell a secret output, so the provider marks those itself: a
generated SDK then keeps them secret in the consumer's state too.

Inputs arrive as the engine sends them to Construct (pulumi/pulumi sdk/python/lib/pulumi/provider/server.py,
``_construct_inputs``/``_select_value``): every input that is secret or has dependencies is an Output, and a
secret anywhere inside a list or an object makes the whole value secret (sdk/python/lib/pulumi/runtime/rpc.py,
``deserialize_property``). The inferred schema marks ``plain`` what the components need when they are
declared (TypedDict fields not typed ``pulumi.Input``): names, the image list, platforms, paths, switches.
The SDK's mapping of inputs to the components' arguments expects plain values there, so the provider first
takes such an Output apart (``lift``): the value the engine sent, with each Input-typed field inside it an
Output carrying the dependencies and the secretness of the whole. A value needed plain that is not known yet
(a preview) or is itself a secret is refused naming the argument.
"""

import asyncio
import json
from typing import Any

import pulumi
from pulumi.errors import InputPropertyError
from pulumi.output import Unknown
from pulumi.provider.experimental.analyzer import PropertyDefinition, PropertyType
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.runtime.rpc import UNKNOWN, contains_unknowns

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


class Carry:
    """What an Output taken apart hands on to the Input-typed values inside it: its dependencies and secretness."""

    def __init__(self, resources: set[pulumi.Resource], secret: bool) -> None:
        self.resources = resources
        self.secret = secret

    def joined(self, other: "Carry | None") -> "Carry":
        if other is None:
            return self
        return Carry(self.resources | other.resources, self.secret or other.secret)

    def output(self, value: Any) -> pulumi.Output[Any]:
        return pulumi.Output(
            resources=set(self.resources),
            future=_resolved(value),
            is_known=_resolved(not contains_unknowns(value)),
            is_secret=_resolved(self.secret),
        )


def _resolved(value: Any) -> asyncio.Future[Any]:
    future: asyncio.Future[Any] = asyncio.get_event_loop().create_future()
    future.set_result(value)
    return future


def _unknown(value: Any) -> bool:
    """A value known only after apply, as the wire (the UNKNOWN string) or the SDK (``Unknown``) writes it."""
    return value is UNKNOWN or isinstance(value, Unknown)


def _sent(output: pulumi.Output[Any]) -> Any:
    """The value, known-ness, secretness and dependencies of an Output the provider server made from what the
    engine sent: those are resolved before Construct is called (server.py sets the result of the future it wraps,
    rpc.py resolves deserialized output values), so they can be read while the component is declared. None for
    an Output that is not resolved yet (one the caller computes)."""
    data = getattr(output, "_data", None)
    if isinstance(data, asyncio.Future) and data.done() and not data.cancelled() and data.exception() is None:
        return data.result()
    return None


class OcirProvider(ComponentProvider):
    """ComponentProvider whose schema marks the secret outputs and reads well in generated SDKs, and which takes
    the inputs the engine sends as the components need them (see the module's docstring)."""

    def __init__(self) -> None:
        super().__init__(COMPONENTS, NAME, None, __version__)
        self.schema = json.dumps(_finish(json.loads(self.schema or "{}")))

    def map_input_properties(
        self,
        inputs: Any,
        properties: dict[str, PropertyDefinition],
        mapping: dict[str, str],
        component_name: str,
        property_path: str,
    ) -> Any:
        if isinstance(inputs, dict):
            inputs = {
                key: self.lift(value, properties[key], None, f"{property_path}.{key}" if property_path else key)
                if key in properties
                else value
                for key, value in inputs.items()
            }
        return super().map_input_properties(inputs, properties, mapping, component_name, property_path)

    def lift(self, value: Any, prop: PropertyDefinition, carry: Carry | None, path: str) -> Any:
        """``value`` as the component takes it: plain where the schema says plain, an Output where it says Input."""
        if isinstance(value, pulumi.Output):
            if not prop.plain:
                return value
            data = _sent(value)
            # A list or object may hold values known only after apply (its Input fields); what is plain in it is
            # checked below, one by one.
            structure = self._is_structure(prop)
            if data is None or _unknown(data.value) or (not structure and not data.is_known):
                raise InputPropertyError(
                    path,
                    f"{path} must be known when the component is declared (it names resources or decides what is "
                    "declared), but it is known only after apply",
                )
            if data.is_secret and not structure:
                raise InputPropertyError(
                    path,
                    f"{path} is a secret, but it names resources (and is written in plain text where it does): pass "
                    "it as a plain value",
                )
            carry = Carry(set(data.resources), data.is_secret).joined(carry)
            value = data.value
        if _unknown(value) or (prop.plain and not self._is_structure(prop) and contains_unknowns(value)):
            if prop.plain:
                raise InputPropertyError(
                    path,
                    f"{path} must be known when the component is declared, but it is known only after apply",
                )
            return carry.output(value) if carry is not None else value
        if prop.ref is not None and isinstance(value, dict):
            type_def = self.get_type_definition(prop)
            if type_def is not None and not type_def.enum:
                return {
                    key: self.lift(item, type_def.properties[key], carry, f"{path}.{key}")
                    if key in type_def.properties
                    else item
                    for key, item in value.items()
                }
        if prop.type == PropertyType.ARRAY and prop.items is not None and isinstance(value, list):
            return [self.lift(item, prop.items, carry, f"{path}[{index}]") for index, item in enumerate(value)]
        if prop.type == PropertyType.OBJECT and prop.additional_properties is not None and isinstance(value, dict):
            return {
                key: self.lift(item, prop.additional_properties, carry, f"{path}.{key}") for key, item in value.items()
            }
        if carry is not None and not prop.plain:
            # An Input inside a value that came as one Output: it keeps the whole's dependencies and secretness
            # (the engine cannot say which part was the secret).
            return carry.output(value)
        return value

    @staticmethod
    def _is_structure(prop: PropertyDefinition) -> bool:
        return prop.ref is not None or prop.type in (PropertyType.ARRAY, PropertyType.OBJECT)


def schema() -> dict[str, Any]:
    """The schema the provider serves (no CLI, no network)."""
    result: dict[str, Any] = json.loads(OcirProvider().schema or "{}")
    return result


def serve(args: list[str]) -> None:
    """Run the provider as the Pulumi engine starts a plugin (what component_provider_host does)."""
    from pulumi.provider import main

    main(OcirProvider(), args)
