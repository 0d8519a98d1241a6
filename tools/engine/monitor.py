"""What the engine would receive from the program: a resource monitor that records every
registration, read and invoke in wire form, so that tests see secrets, options and dependencies
exactly as they leave the program.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.proto import resource_pb2

from tools.engine.urns import make_urn
from tools.engine.wire import reveal, secret_paths

REPLACEMENT_TRIGGER = resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACEMENT_TRIGGER


@dataclass
class Registration:
    """One resource registration as the engine would receive it."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    """Inputs in wire form: secrets keep their marker (see reveal, mask, secret_paths)."""
    dependencies: list[str]
    additional_secret_outputs: list[str]
    protect: bool | None
    retain_on_delete: bool | None
    delete_before_replace: bool | None
    """None when the program left it to the provider's default."""
    aliases: list[dict[str, Any]]
    replacement_trigger: Any = None
    provider: str = ""
    """The explicit provider reference (`<provider urn>::<id>`), empty for the default provider."""
    import_id: str = ""
    """The ID of an existing resource to import (the `import` option), empty to create."""
    id: str = ""
    """The ID the provider (the mocks) gave it; empty for a component."""
    state: dict[str, Any] = field(default_factory=dict)
    """Outputs as the provider (the mocks) returned them, in wire form, before the engine marks
    anything secret; a component's are what it passed to register_outputs."""

    @property
    def state_secret_keys(self) -> set[str]:
        """Output keys the engine stores encrypted: additionalSecretOutputs, and every output whose
        same-named input was (or held) a secret."""
        return set(self.additional_secret_outputs) | {key for key, value in self.inputs.items() if secret_paths(value)}

    @property
    def plain(self) -> dict[str, Any]:
        revealed: dict[str, Any] = reveal(self.inputs)
        return revealed

    @property
    def secret_inputs(self) -> list[str]:
        return secret_paths(self.inputs)


@dataclass
class Invocation:
    token: str
    args: dict[str, Any]


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A mock resource monitor that keeps every registration and invoke request."""

    def __init__(self, mocks: pulumi.runtime.Mocks, *, withhold_features: Iterable[int] = ()) -> None:
        """``withhold_features``: ResourceMonitorFeature values this monitor does not advertise, as an
        older engine would not (e.g. RESOURCE_MONITOR_FEATURE_REPLACEMENT_TRIGGER before Pulumi 3.208.0)."""
        super().__init__(mocks)
        self.withheld_features = frozenset(withhold_features)
        self.registrations: list[Registration] = []
        self._by_urn: dict[str, Registration] = {}
        self.reads: list[Registration] = []
        self.invocations: list[Invocation] = []
        self._record_lock = threading.Lock()

    def honours(self, feature: int) -> bool:
        return feature not in self.withheld_features

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        # The engine's URN (full parent type chain, the root stack left out), not the mock
        # monitor's shortened one: tests/urns records what real stacks hold.
        return make_urn(pulumi.get_stack(), pulumi.get_project(), parent, type_, name)

    def GetDeploymentInfo(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        # The SDK learns the engine's features from this answer (set_mocks asks it once).
        info = super().GetDeploymentInfo(request)  # type: ignore[no-untyped-call]
        kept = [feature for feature in info.supportedFeatures if feature not in self.withheld_features]
        del info.supportedFeatures[:]
        info.supportedFeatures.extend(kept)
        return info

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            registration = Registration(
                type=request.type,
                name=request.name,
                urn=response.urn,
                parent=request.parent,
                custom=request.custom,
                inputs=json_format.MessageToDict(request.object),
                dependencies=list(request.dependencies),
                additional_secret_outputs=list(request.additionalSecretOutputs),
                protect=request.protect if request.HasField("protect") else None,
                retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else None,
                delete_before_replace=request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None,
                aliases=[json_format.MessageToDict(alias) for alias in request.aliases],
                # An engine without the replacementTrigger feature (before Pulumi CLI 3.208.0) has no such field
                # in its RegisterResourceRequest: what the SDK sends there is dropped on the wire.
                replacement_trigger=(
                    json_format.MessageToDict(request.replacement_trigger)
                    if request.HasField("replacement_trigger") and self.honours(REPLACEMENT_TRIGGER)
                    else None
                ),
                provider=request.provider,
                import_id=request.importId,
            )
            if request.custom:
                registration.state = json_format.MessageToDict(response.object)
                registration.id = response.id
            with self._record_lock:
                self.registrations.append(registration)
                self._by_urn[registration.urn] = registration
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        with self._record_lock:
            component = self._by_urn.get(request.urn)
            if component is not None:
                component.state = json_format.MessageToDict(request.outputs)
        return super().RegisterResourceOutputs(request)  # type: ignore[no-untyped-call]

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]
        read = Registration(
            type=request.type,
            name=request.name,
            urn=response.urn,
            parent=request.parent,
            custom=True,
            inputs=json_format.MessageToDict(request.properties),
            dependencies=list(request.dependencies),
            additional_secret_outputs=list(request.additionalSecretOutputs),
            protect=None,
            retain_on_delete=None,
            delete_before_replace=None,
            aliases=[],
        )
        with self._record_lock:
            self.reads.append(read)
        return response

    def Invoke(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        with self._record_lock:
            self.invocations.append(Invocation(request.tok, json_format.MessageToDict(request.args)))
        return super().Invoke(request)  # type: ignore[no-untyped-call]
