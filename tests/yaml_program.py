"""The part of Pulumi YAML the package's example uses, run under Pulumi's mocks: what a YAML program would send
the ocir package, sent through the SDK's provider server code (tests/test_construct.py's path).

Supported, as Pulumi YAML defines them: `config` (with `secret: true` and `default`), `resources` in the order
their references need, whole-value references `${name}`, `${resource.output}` and `${resource.outputs["key"]}`
with `.key` and `["key"]` steps, `options.providers`, and the resource types `pulumi:pulumi:StackReference`,
`pulumi:providers:docker` and the package's own. What a reference reads keeps its secretness (a secret found
on the way makes the value secret) and makes the property depend on the resource it reads, as the YAML engine
sends them (property dependencies by top-level property). Anything else is refused, so the example cannot use
a feature this reading would get wrong.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_docker as docker
from google.protobuf import json_format, struct_pb2
from pulumi.provider.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2

from components.provider import OcirProvider
from tools.engine.wire import SECRET_SIG, SECRET_VALUE_SIG, is_secret, reveal

REFERENCE = re.compile(r"^\$\{(?P<name>[A-Za-z_][\w-]*)(?P<path>(?:\.[A-Za-z_]\w*|\[\"[^\"]+\"\])*)\}$")
STEP = re.compile(r"\.([A-Za-z_]\w*)|\[\"([^\"]+)\"\]")


@dataclass
class Value:
    wire: Any
    """Wire form: secrets marked."""
    dependencies: set[str] = field(default_factory=set)


@dataclass
class Component:
    urn: str
    state: dict[str, Any]
    state_dependencies: dict[str, list[str]]


def _secret(value: Any) -> dict[str, Any]:
    return {SECRET_SIG: SECRET_VALUE_SIG, "value": value}


def _read(root: Any, path: str) -> tuple[Any, bool]:
    """The value at ``path`` inside ``root`` (wire form) and whether a secret was met on the way."""
    secret = False
    value = root
    for attribute, key in STEP.findall(path):
        if is_secret(value):
            secret, value = True, value["value"]
        step = attribute or key
        if not isinstance(value, dict) or step not in value:
            raise KeyError(f"{path}: no {step!r} in {sorted(value) if isinstance(value, dict) else value!r}")
        value = value[step]
    if is_secret(value):
        secret, value = True, value["value"]
    return value, secret


class YamlProgram:
    def __init__(self, program: dict[str, Any], config: dict[str, Any], stack_outputs: dict[str, Any]) -> None:
        unknown = set(program) - {"name", "description", "runtime", "packages", "config", "resources", "outputs"}
        if unknown:
            raise ValueError(f"the YAML reader does not know {sorted(unknown)}")
        self.program = program
        self.stack_outputs = stack_outputs
        self.env: dict[str, Value] = {}
        for key, declaration in (program.get("config") or {}).items():
            value = config.get(key, declaration.get("default"))
            if value is None:
                raise ValueError(f"config {key} has no value")
            self.env[key] = Value(_secret(value) if declaration.get("secret") else value)
        self.components: dict[str, Component] = {}
        self.providers: dict[str, str] = {}
        self.servicer = ProviderServicer(OcirProvider(), [], "")

    def resolve(self, value: Any) -> Value:
        if isinstance(value, str) and value.startswith("${"):
            match = REFERENCE.match(value)
            if not match:
                raise ValueError(f"the YAML reader does not know the expression {value!r}")
            found = self.env[match["name"]]
            read, secret = _read(found.wire, match["path"])
            return Value(_secret(read) if secret else read, set(found.dependencies))
        if isinstance(value, dict):
            parts = {key: self.resolve(item) for key, item in value.items()}
            return Value({k: v.wire for k, v in parts.items()}, set().union(*(v.dependencies for v in parts.values())))
        if isinstance(value, list):
            items = [self.resolve(item) for item in value]
            return Value([v.wire for v in items], set().union(*(v.dependencies for v in items)))
        return Value(value)

    def order(self) -> list[str]:
        resources = self.program["resources"]
        done: list[str] = []

        def visit(name: str, seen: tuple[str, ...]) -> None:
            if name in done:
                return
            if name in seen:
                raise ValueError(f"a reference cycle through {name}")
            text = str(resources[name])
            for other in resources:
                if other != name and re.search(rf"\$\{{{re.escape(other)}[.\[}}]", text):
                    visit(other, (*seen, name))
            done.append(name)

        for name in resources:
            visit(name, ())
        return done

    async def run(self) -> None:
        for name in self.order():
            resource = self.program["resources"][name]
            extra = set(resource) - {"type", "properties", "options"}
            if extra or set(resource.get("options") or {}) - {"providers"}:
                raise ValueError(f"{name}: the YAML reader does not know {sorted(extra)}")
            await self.declare(name, resource["type"], resource.get("properties") or {}, resource.get("options") or {})

    async def declare(self, name: str, type_: str, properties: dict[str, Any], options: dict[str, Any]) -> None:
        if type_ == "pulumi:pulumi:StackReference":
            stack = reveal(self.resolve(properties["name"]).wire)
            reference = pulumi.StackReference(name, stack_name=stack)
            urn = await reference.urn.future()
            self.env[name] = Value({"outputs": self.stack_outputs[stack]}, {str(urn)})
            return
        if type_ == "pulumi:providers:docker":
            auths = []
            for entry in properties.get("registryAuth") or []:
                resolved = {key: self.resolve(item) for key, item in entry.items()}
                auths.append(docker.ProviderRegistryAuthArgs(**{_snake(k): _output(v) for k, v in resolved.items()}))
            provider = docker.Provider(name, registry_auth=auths)
            urn, id_ = await provider.urn.future(), await provider.id.future()
            self.providers[name] = f"{urn}::{id_}"
            return
        if not type_.startswith("ocir:index:"):
            raise ValueError(f"{name}: the YAML reader does not know the type {type_}")
        values = {key: self.resolve(item) for key, item in properties.items()}
        providers = {}
        for reference in options.get("providers") or []:
            match = REFERENCE.match(reference)
            assert match, reference
            ref = self.providers[match["name"]]
            providers[ref.split("::")[2].rsplit(":", 1)[1]] = ref
        request = provider_pb2.ConstructRequest(
            type=type_,
            name=name,
            inputs=json_format.ParseDict({k: v.wire for k, v in values.items()}, struct_pb2.Struct()),
            inputDependencies={
                key: provider_pb2.ConstructRequest.PropertyDependencies(urns=sorted(value.dependencies))
                for key, value in values.items()
                if value.dependencies
            },
            providers=providers,
        )
        inputs = await ProviderServicer._construct_inputs(request.inputs, request.inputDependencies)
        result = self.servicer.provider.construct(
            name=request.name,
            resource_type=request.type,
            inputs=inputs,
            options=ProviderServicer._construct_options(request),
        )
        response = await self.servicer._construct_response(result)
        state = json_format.MessageToDict(response.state)
        dependencies = {key: list(value.urns) for key, value in response.stateDependencies.items()}
        self.components[name] = Component(response.urn, state, dependencies)
        self.env[name] = Value(state, {response.urn})

    def outputs(self) -> dict[str, Value]:
        return {key: self.resolve(expression) for key, expression in (self.program.get("outputs") or {}).items()}


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _output(value: Value) -> pulumi.Output[Any]:
    """A resolved value as the Output the YAML engine would pass on (secret when marked)."""
    plain = reveal(value.wire)
    output = pulumi.Output.from_input(plain)
    return pulumi.Output.secret(plain) if is_secret(value.wire) else output
