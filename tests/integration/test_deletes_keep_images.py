"""Pushed images survive the stack on a real registry: a new tag, a removed image and a destroy, stepped through
with the engine's rules, with each provider's Delete run against the registry wherever the engine would call it.

The stacks' declarations (a multi-platform image and a promoted copy) are evaluated under mocks and stepped
through update by update (tools/engine/steps.py). Where a step calls a provider's Delete that removes registry
data (tools/engine/rules.py), the test does what that Delete does, against the registry that holds the pushes:
pulumi-docker-build's Index.Delete is ManifestDelete(state.Ref), a DELETE of the manifest by its digest
(provider/internal/index.go, client.go); pulumi-docker's RegistryImage.Delete a DELETE of the manifest by
sha256_digest unless keep_remotely (kreuzwerker's resource_docker_registry_image_funcs.go). The registry has
deletes enabled, so a Delete the engine calls really removes the manifest and every tag on it. Then every tag
that was pushed must still resolve.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import NS, TOKEN
from tests.integration.conftest import (
    INDEX_TYPES,
    MULTI,
    PLATFORMS,
    Credential,
    Docker,
    Registry,
    basic_auth,
    push_index,
    pushed_digest,
)
from tests.integration.registry_server import http_status
from tests.projects import DEV
from tools.engine import types
from tools.engine.mocks import OcirMocks
from tools.engine.steps import Step, Update, deploy, resources_of, update
from tools.engine.wire import reveal
from tools.harness import StackRun, reference_outputs, run_program
from tools.stackfiles import encode_config

PREFIX = "p-keep-dev"
STACK = {**MULTI, f"{NS}:prefix": PREFIX}
"""The multi-platform stack with a prefix of its own (its repositories are this test's only)."""
SOURCE = f"organization/{NS}/dev"
MANIFEST_TYPES = f"{INDEX_TYPES}, application/vnd.docker.distribution.manifest.v2+json"


def manifest_status(registry: Registry, user: Credential, reference: str) -> int:
    """HTTP status of the registry's answer for ``<host>/<path>:<tag>`` or ``@<digest>``."""
    host_path, at, digest = reference.partition("@")
    path = host_path.split("/", 1)[1]
    name, tag = (path, digest) if at else path.rsplit(":", 1)
    authorization = basic_auth(user.username, user.password)
    url = f"{registry.url}/v2/{name}/manifests/{tag}"
    return http_status(url, authorization, method="HEAD", headers={"Accept": MANIFEST_TYPES})


def delete_manifest(registry: Registry, user: Credential, reference: str) -> int:
    """DELETE /v2/<path>/manifests/<digest>: what both providers' Delete sends for a pushed manifest."""
    host_path, _, digest = reference.partition("@")
    name = host_path.split("/", 1)[1].rsplit(":", 1)[0] if ":" in host_path.rsplit("/", 1)[1] else host_path
    name = name.split("/", 1)[1] if name.startswith(registry.host) else name
    url = f"{registry.url}/v2/{name}/manifests/{digest}"
    return http_status(url, basic_auth(user.username, user.password), method="DELETE")


def local(reference: str, registry: Registry) -> str:
    host, _, rest = reference.partition("/")
    return f"{registry.host}/{rest}" if host.endswith(".ocir.io") else reference


@dataclass
class Pushes:
    """What was pushed to the registry, by the reference the stack declares: the digest the registry reported."""

    registry: Registry
    user: Credential
    digests: dict[str, str]

    def ref(self, declared: str) -> str:
        """The pushed manifest's `<declared tag>@<digest>` (an Index's state.Ref, a RegistryImage's digest)."""
        return f"{local(declared, self.registry)}@{self.digests[declared]}"

    def all_resolve(self) -> dict[str, int]:
        return {ref: manifest_status(self.registry, self.user, local(ref, self.registry)) for ref in self.digests}


def run_deletes(steps: list[Step], olds: dict[str, Any], pushes: Pushes) -> list[str]:
    """Every provider Delete the engine calls in these steps that removes registry data, done to the registry."""
    done = []
    for step in steps:
        if not step.removes or step.type not in (types.INDEX, types.REGISTRY_IMAGE):
            continue
        inputs = reveal(olds[step.urn])
        declared = inputs["tag"] if step.type == types.INDEX else inputs["name"]
        status = delete_manifest(pushes.registry, pushes.user, pushes.ref(declared))
        assert status in (200, 202, 404), status
        done.append(f"{step.type} {declared}")
    return done


def push_declared(run: StackRun, pushes: Pushes, dockercli: Docker, builds: dict[str, str]) -> None:
    """Push what the run declares, as its providers' Create would: each platform's image (docker.Image or a
    promoted RegistryImage of the same build), then each index over them."""
    platform_of = {}
    for resource in run.resources:
        inputs = reveal(resource.inputs)
        if resource.type == types.IMAGE:
            platform_of[inputs["imageName"]] = inputs["build"]["platform"]
        elif resource.type == types.REGISTRY_IMAGE:
            platform_of[inputs["name"]] = next(p for p in PLATFORMS if inputs["name"].endswith(p.replace("/", "-")))
    for declared, platform in platform_of.items():
        if declared not in pushes.digests:
            target = local(declared, pushes.registry)
            dockercli("tag", builds[platform], target)
            pushes.digests[declared] = pushed_digest(dockercli("push", target).stdout)
    for index in run.of_type(types.INDEX):
        tag = reveal(index.inputs)["tag"]
        sources = [
            local(f"{name.rsplit(':', 1)[0]}@{digest}", pushes.registry)
            for name, digest in pushes.digests.items()
            if name.rsplit(":", 1)[0] == tag.rsplit(":", 1)[0] and name != tag and name.startswith(tag + "-")
        ]
        pushes.digests[tag] = push_index(dockercli, local(tag, pushes.registry), sources)


def olds_of(run: StackRun) -> dict[str, Any]:
    return {r.urn: r.inputs for r in run.resources}


@pytest.fixture
def pushes(registry: Registry, push_user: Credential, dockercli: Docker) -> Pushes:
    login = dockercli.login(registry.host, push_user.username, push_user.password)
    assert login.returncode == 0, login.stderr
    return Pushes(registry, push_user, {})


def evaluate(image: dict[str, Any] | None = None, *, promoted: bool = False, images: int = 1) -> StackRun:
    entry = {**STACK[f"{NS}:images"][0], **(image or {})}
    entries = [entry, {**entry, "name": "admin"}][:images]
    config = encode_config({**STACK, f"{NS}:images": entries})
    mocks = OcirMocks(token=TOKEN)
    if promoted:
        source = {**DEV, f"{NS}:images": [{**entry, "tag": "1.0"}, {**entry, "tag": "1.0", "name": "admin"}]}
        mocks.stack_outputs[SOURCE] = reference_outputs(run_program(source, stack="dev", mocks=OcirMocks()))
        config[f"{NS}:promoteFrom"] = SOURCE
        config[f"{NS}:prefix"] = f"{PREFIX}-copy"
    return run_program(config, stack="keep", mocks=mocks)


@pytest.mark.parametrize("promoted", [False, True], ids=["built", "promoted"])
def test_a_new_tag_leaves_the_old_tags_manifest(
    promoted: bool, pushes: Pushes, dockercli: Docker, platform_builds: dict[str, str]
) -> None:
    first, second = evaluate(promoted=promoted), evaluate({"tag": "1.0.1"}, promoted=promoted)
    push_declared(first, pushes, dockercli, platform_builds)
    _, retag = deploy(first.resources, second.resources)
    assert retag.one(types.INDEX).op == "replace"
    push_declared(second, pushes, dockercli, platform_builds)
    assert run_deletes(retag.steps, olds_of(first), pushes) == []
    assert set(pushes.all_resolve().values()) == {200}


@pytest.mark.parametrize("promoted", [False, True], ids=["built", "promoted"])
def test_removing_an_image_or_destroying_leaves_every_pushed_tag(
    promoted: bool, pushes: Pushes, dockercli: Docker, platform_builds: dict[str, str]
) -> None:
    both, one = evaluate(promoted=promoted, images=2), evaluate(promoted=promoted)
    push_declared(both, pushes, dockercli, platform_builds)
    _, removed = deploy(both.resources, one.resources)
    assert {s.op for s in removed.steps if s.type == types.INDEX} == {"same", "delete"}
    assert run_deletes(removed.steps, olds_of(both), pushes) == []
    destroyed: Update = update(removed.state, [])
    assert run_deletes(destroyed.steps, olds_of(both), pushes) == []
    resolved = pushes.all_resolve()
    assert len(resolved) == 2 * (len(PLATFORMS) + 1)
    assert set(resolved.values()) == {200}


def test_the_registry_does_delete_what_a_delete_the_engine_calls_removes(
    pushes: Pushes, dockercli: Docker, platform_builds: dict[str, str]
) -> None:
    """The same steps from a state written without retainOnDelete (before this version): the engine calls the
    Index's Delete on the retag, and the old tag is gone, taking the per-platform images' index with it."""
    first, second = evaluate({"tag": "2.0"}), evaluate({"tag": "2.0.1"})
    push_declared(first, pushes, dockercli, platform_builds)
    (created,) = deploy(first.resources)
    index = first.one(types.INDEX)
    created.state[index.urn] = type(created.state[index.urn])(
        **{**vars(created.state[index.urn]), "retain_on_delete": False}
    )
    retag = update(created.state, resources_of(second.resources))
    push_declared(second, pushes, dockercli, platform_builds)
    old_tag = reveal(index.inputs)["tag"]
    assert run_deletes(retag.steps, olds_of(first), pushes) == [f"{types.INDEX} {old_tag}"]
    # The Delete removed the index manifest by digest: every tag on it is gone, the new tag too when the new
    # index lists the same images (an unchanged build re-tagged), and the per-platform images stay.
    deleted = pushes.digests[old_tag]
    resolved = pushes.all_resolve()
    assert {ref for ref, status in resolved.items() if status == 404} == {
        ref for ref, digest in pushes.digests.items() if digest == deleted
    }
    assert set(resolved.values()) == {200, 404}
