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
import uuid
from typing import Any

import pytest

from components.image import platform_tag, repo_digest_of
from tests.integration.conftest import (
    INDEX_TYPES,
    NODE_ARCH,
    PLATFORMS,
    Credential,
    DeclaredImage,
    Docker,
    PushedIndex,
    Registry,
    fetch_manifest,
)
from tests.integration.registry_server import free_port
from tests.integration.test_image_pipeline import get


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
