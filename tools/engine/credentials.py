"""Which login a provider uses for a registry host.

- pulumi-docker-build (``provider/internal/client.go`` ``RealClientF``, ``provider/internal/cli.go`` ``wrap``):
  one credential per host, the host's own logins first, then the provider's ``registries``, then the
  resource's ``registry``; a later entry for the same host replaces an earlier one. So an ``Index`` reads
  its sources and pushes its tag with one login per host: when the sources are on the tag's host, the
  resource's own ``registry`` is the login for both.
- pulumi-docker's bridged resources (kreuzwerker/terraform-provider-docker ``internal/provider``):
  ``RemoteImage`` pulls with the provider's ``registryAuth`` entry for the image's registry
  (``resource_docker_image_funcs.go``, ``pullImage``); ``RegistryImage`` pushes with its own ``authConfig``
  when set, else the provider's entry for its registry (``resource_docker_registry_image_funcs.go``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from . import types
from .wire import reveal

if TYPE_CHECKING:
    from .monitor import Registration


@dataclass(frozen=True)
class Login:
    host: str
    username: str


def hostname(address: str) -> str:
    """The host an address names (docker's ConvertToHostname): scheme and path dropped."""
    host = address.split("://", 1)[-1]
    return host.split("/", 1)[0]


def docker_build_logins(*layers: Iterable[Login]) -> dict[str, Login]:
    """The login per host a pulumi-docker-build resource uses, from layers in increasing priority
    (the host's, the provider's ``registries``, the resource's ``registry``)."""
    logins: dict[str, Login] = {}
    for layer in layers:
        for login in layer:
            logins[hostname(login.host)] = login
    return logins


def docker_pull_login(provider: Iterable[Login], image: str) -> Login | None:
    """The login ``RemoteImage`` pulls ``image`` with: the provider's entry for the image's registry."""
    host = image.split("/", 1)[0]
    return next((login for login in provider if hostname(login.host) == host), None)


def docker_push_login(provider: Iterable[Login], resource: Login | None, image: str) -> Login | None:
    """The login ``RegistryImage`` pushes ``image`` with: its own authConfig, else the provider's for the host."""
    return resource if resource is not None else docker_pull_login(provider, image)


@dataclass(frozen=True)
class RegistryUse:
    """One image reference a resource reads or writes on a registry, and the login the provider uses for it."""

    name: str
    """The resource's name."""
    type: str
    reference: str
    action: str
    """``pull`` (read the image) or ``push``."""
    login: Login | None
    """None: no login for that host (the default provider's config, or anonymous)."""

    @property
    def host(self) -> str:
        return self.reference.split("/", 1)[0]

    @property
    def repository(self) -> str:
        """The path after the host, without tag or digest: ``<namespace>/<repository>`` for OCIR."""
        name = self.reference.split("/", 1)[-1].split("@", 1)[0]
        return name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name


def _logins(value: Any, address_key: str) -> list[Login]:
    """Logins from a provider's registry list: the SDK sends a provider's nested inputs as JSON strings."""
    value = reveal(value)
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return []
    return [
        Login(str(reveal(item.get(address_key, ""))), str(reveal(item.get("username", ""))))
        for item in value
        if isinstance(item, dict)
    ]


def registry_uses(registrations: Sequence[Registration]) -> list[RegistryUse]:
    """Every registry read and push the declared docker resources make, each with the login its provider picks."""
    by_urn = {r.urn: r for r in registrations}

    def provider_of(resource: Registration) -> Registration | None:
        return by_urn.get(resource.provider.rsplit("::", 1)[0]) if resource.provider else None

    uses: list[RegistryUse] = []
    for resource in registrations:
        inputs = reveal(resource.inputs)
        provider = provider_of(resource)
        if resource.type == types.IMAGE:
            registry = inputs.get("registry") or {}
            login = Login(str(registry.get("server", "")), str(registry.get("username", ""))) if registry else None
            uses.append(RegistryUse(resource.name, resource.type, str(inputs.get("imageName")), "push", login))
        elif resource.type == types.REMOTE_IMAGE:
            auths = _logins(provider.inputs.get("registryAuth"), "address") if provider else []
            reference = str(inputs.get("name"))
            uses.append(
                RegistryUse(resource.name, resource.type, reference, "pull", docker_pull_login(auths, reference))
            )
        elif resource.type == types.REGISTRY_IMAGE:
            auths = _logins(provider.inputs.get("registryAuth"), "address") if provider else []
            own = _logins(inputs.get("authConfig"), "address")
            reference = str(inputs.get("name"))
            login = docker_push_login(auths, own[0] if own else None, reference)
            uses.append(RegistryUse(resource.name, resource.type, reference, "push", login))
        elif resource.type == types.INDEX:
            configured = _logins(provider.inputs.get("registries"), "address") if provider else []
            logins = docker_build_logins(configured, _logins(inputs.get("registry"), "address"))
            for source in inputs.get("sources") or []:
                source = str(source)
                uses.append(RegistryUse(resource.name, resource.type, source, "pull", logins.get(source.split("/")[0])))
            tag = str(inputs.get("tag"))
            uses.append(RegistryUse(resource.name, resource.type, tag, "push", logins.get(tag.split("/")[0])))
    return uses
