"""A multi-platform image on a real engine and registry: the declared per-platform builds replayed for
linux/amd64 and linux/arm64 (arm64 under QEMU user emulation), pushed, joined into one index tag with
the docker CLI's `manifest create/push`, then pulled from that one tag on each platform and run.

What the stack declares for the index (pulumi-docker-build's Index, `docker buildx imagetools
create`) cannot run here (no provider plugin, no buildx in Debian bookworm); the docker CLI's
manifest command builds the same object: a manifest list naming each platform's manifest by the
digest its push reported. The digests the stack would report (repoDigest from the index's ref,
platformDigests from each push) are checked against what the registry serves.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from components.image import platform_tag, repo_digest_of
from tests.conftest import NS
from tests.integration.conftest import (
    Credential,
    DeclaredImage,
    Docker,
    Registry,
    basic_auth,
    build_command,
    declared_images,
    unavailable,
)
from tests.integration.registry_server import free_port
from tests.integration.test_image_pipeline import get
from tests.projects import DEV
from tools import node_base
from tools.harness import run_program
from tools.resource_types import INDEX

PLATFORMS = ["linux/amd64", "linux/arm64"]
NODE_ARCH = {"linux/amd64": "x64", "linux/arm64": "arm64"}
MULTI = {**DEV, f"{NS}:images": [{**DEV[f"{NS}:images"][0], "platforms": PLATFORMS}]}
"""The tests' dev stack with its image built for both platforms."""
INDEX_TYPES = "application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.index.v1+json"


@pytest.fixture(scope="session")
def emulation() -> None:
    """arm64 binaries run here (natively or through a binfmt_misc handler with the F flag)."""
    for platform in PLATFORMS:
        problem = node_base.emulation_problem(node_base.arch_of_platform(platform))
        if problem:
            unavailable(f"cannot run {platform} binaries: {problem}")


@pytest.fixture(scope="session")
def node_images(docker_host: str, emulation: None) -> dict[str, str]:
    """The offline Node.js base of each platform (tools/node_base.py), built or taken from the cache."""
    try:
        return {p: node_base.ensure_image(docker_host, recipe=node_base.recipe_for(p)) for p in PLATFORMS}
    except RuntimeError as error:
        if "not installed" in str(error) or "must run as root" in str(error):
            unavailable(f"cannot build the Node.js base images: {error}")
        raise


@pytest.fixture(scope="session")
def declared() -> tuple[list[DeclaredImage], str]:
    """The per-platform docker.Image inputs and the Index tag the multi-platform stack declares."""
    images = sorted(declared_images(MULTI), key=lambda image: image.platform or "")
    run = run_program(MULTI, stack="dev")
    (index,) = run.of_type(INDEX)
    return images, index.plain["tag"]


@dataclass(frozen=True)
class PushedIndex:
    repository: str
    """`127.0.0.1:PORT/<namespace>/<repository>`."""
    tag: str
    digest: str
    """What `docker manifest push` reported for the index."""
    platform_digests: dict[str, str]
    """What each platform's `docker push` reported."""


def pushed_digest(output: str) -> str:
    digests = [w for line in output.splitlines() if "digest:" in line for w in line.split() if w.startswith("sha256:")]
    assert len(digests) == 1, f"no single digest in the push output:\n{output}"
    return digests[0]


@pytest.fixture(scope="session")
def pushed_index(
    dockercli: Docker,
    node_images: dict[str, str],
    declared: tuple[list[DeclaredImage], str],
    registry: Registry,
    push_user: Credential,
) -> Iterator[PushedIndex]:
    images, index_tag = declared
    login = dockercli.login(registry.host, push_user.username, push_user.password)
    assert login.returncode == 0, login.stderr
    built: list[str] = []
    digests: dict[str, str] = {}
    for image in images:
        assert image.platform is not None
        local = image.local_name(registry.host)
        result = dockercli(*build_command(image, local, node_images[image.platform]), check=False)
        assert result.returncode == 0, f"docker build for {image.platform} failed:\n{result.stdout}\n{result.stderr}"
        built.append(dockercli("image", "inspect", "--format", "{{.Id}}", local).stdout.strip())
        arch = dockercli("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", local).stdout.strip()
        assert arch == image.platform, f"built {arch}, declared {image.platform}"
        digests[image.platform] = pushed_digest(dockercli("push", local).stdout)

    prefix = images[0].registry_server + "/"
    local_tag = registry.host + "/" + index_tag[len(prefix) :]
    repository = local_tag.rsplit(":", 1)[0]
    sources = [f"{repository}@{digests[platform]}" for platform in PLATFORMS]
    # Plain HTTP on loopback: the manifest command wants --insecure for it (the engine does not).
    dockercli("manifest", "create", "--insecure", local_tag, *sources)
    push = dockercli("manifest", "push", "--insecure", "--purge", local_tag)
    digest = next(word for word in push.stdout.split() if word.startswith("sha256:"))
    yield PushedIndex(repository, local_tag, digest, digests)
    dockercli("image", "rm", "--force", *built, check=False)


def fetch_manifest(registry: Registry, user: Credential, repository: str, reference: str) -> tuple[str, bytes, str]:
    """(Docker-Content-Digest, body, media type) of a manifest as the registry serves it."""
    path = repository.split("/", 1)[1]
    request = urllib.request.Request(f"{registry.url}/v2/{path}/manifests/{reference}")  # noqa: S310
    request.add_header("Authorization", basic_auth(user.username, user.password))
    request.add_header("Accept", INDEX_TYPES)
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return response.headers["Docker-Content-Digest"], response.read(), response.headers["Content-Type"]


def test_the_stack_declares_one_build_per_platform_and_one_index_tag(declared: tuple[list[DeclaredImage], str]) -> None:
    images, index_tag = declared
    assert [image.platform for image in images] == PLATFORMS
    assert [image.image_name for image in images] == [platform_tag(index_tag, p) for p in PLATFORMS]


def test_the_index_lists_each_platforms_pushed_image(
    pushed_index: PushedIndex, registry: Registry, push_user: Credential
) -> None:
    served_digest, body, media_type = fetch_manifest(
        registry, push_user, pushed_index.repository, pushed_index.tag.rsplit(":", 1)[1]
    )
    index: dict[str, Any] = json.loads(body)
    assert media_type in INDEX_TYPES.split(", ")
    # The digest the registry serves the tag under is the one the push reported, and is the index's content.
    assert served_digest == pushed_index.digest == f"sha256:{hashlib.sha256(body).hexdigest()}"
    listed = {
        f"{entry['platform']['os']}/{entry['platform']['architecture']}": entry["digest"]
        for entry in index["manifests"]
    }
    # platformDigests: what each platform's push reported, which is what the index points at.
    assert listed == pushed_index.platform_digests
    # The stack's repoDigest comes from the Index's ref, `<tag>@<digest the registry reported>`.
    ref = f"{pushed_index.tag}@{served_digest}"
    assert repo_digest_of(ref) == f"{pushed_index.repository}@{pushed_index.digest}"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_each_platform_runs_from_the_one_tag(
    dockercli: Docker, pushed_index: PushedIndex, emulation: None, platform: str
) -> None:
    reference = f"{pushed_index.repository}@{pushed_index.digest}"  # the stack's repoDigest
    dockercli("image", "rm", "--force", reference, pushed_index.tag, check=False)
    pull = dockercli("pull", "--platform", platform, reference)
    assert pushed_index.digest in pull.stdout
    image = json.loads(dockercli("image", "inspect", reference).stdout)[0]
    assert f"{image['Os']}/{image['Architecture']}" == platform
    port = free_port()
    name = f"ocir-it-{uuid.uuid4().hex[:8]}"
    dockercli(
        "run",
        "--detach",
        "--name",
        name,
        "--platform",
        platform,
        "--network",
        "host",
        "--env",
        f"PORT={port}",
        reference,
    )
    try:
        # Emulated node starts in seconds, not milliseconds: a generous deadline.
        body = json.loads(get(f"http://127.0.0.1:{port}/", time.monotonic() + 60))
        assert set(body) == {"hostname", "random", "arch"}
        assert body["arch"] == NODE_ARCH[platform]
        uname = dockercli("exec", name, "uname", "-m").stdout.strip()
        assert uname == {"linux/amd64": "x86_64", "linux/arm64": "aarch64"}[platform]
    finally:
        dockercli("rm", "--force", name, check=False)
        dockercli("image", "rm", "--force", reference, check=False)
