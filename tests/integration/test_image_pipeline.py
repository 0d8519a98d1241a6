"""The dev stack's declared image, built, pushed, pulled and run on a real engine and registry."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from tests.integration.conftest import (
    BuiltImage,
    Credential,
    DeclaredImage,
    Docker,
    PushedImage,
    Registry,
    build_command,
)
from tests.integration.registry_server import free_port
from tools.stackfiles import PROJECT_DIR


def inspect(dockercli: Docker, ref: str) -> Any:
    return json.loads(dockercli("image", "inspect", ref).stdout)[0]


def test_declared_paths_exist(dev_image: DeclaredImage) -> None:
    """Relative to the project directory, where `pulumi up` runs the program."""
    assert (PROJECT_DIR / dev_image.context).is_dir(), f"declared context {dev_image.context!r} is not a directory"
    assert (PROJECT_DIR / dev_image.dockerfile).is_file(), f"declared dockerfile {dev_image.dockerfile!r} is missing"


def test_build_command_replays_every_declared_input() -> None:
    """Args, target and platform go through as declared; NODE_IMAGE is the only one overridden."""
    declared = DeclaredImage(
        name="x",
        image_name="fra.ocir.io/ns/repo:1",
        registry_server="fra.ocir.io",
        context="app",
        dockerfile="app/Dockerfile.prod",
        args={"NODE_IMAGE": "node:26-alpine", "VERSION": "1.2"},
        target="runtime",
        platform="linux/amd64",
    )
    assert declared.local_name("127.0.0.1:5000") == "127.0.0.1:5000/ns/repo:1"
    assert build_command(declared, "t:1", "base:1") == [
        "build",
        "--tag",
        "t:1",
        "--file",
        str(PROJECT_DIR / "app/Dockerfile.prod"),
        "--build-arg",
        "NODE_IMAGE=base:1",
        "--build-arg",
        "VERSION=1.2",
        "--target",
        "runtime",
        "--platform",
        "linux/amd64",
        str(PROJECT_DIR / "app"),
    ]


def test_replay_builds_the_declared_image(
    dockercli: Docker, dev_image: DeclaredImage, built_image: BuiltImage, node_image: str, registry: Registry
) -> None:
    """Exactly the declared context, dockerfile, args, target and platform; only the registry host swapped."""
    assert built_image.tag == f"{registry.host}/{dev_image.image_name.split('/', 1)[1]}"
    command = build_command(dev_image, built_image.tag, node_image)
    assert command[-1] == str(PROJECT_DIR / dev_image.context)
    assert command[command.index("--file") + 1] == str(PROJECT_DIR / dev_image.dockerfile)
    image = inspect(dockercli, built_image.tag)
    config = image["Config"]
    # What the app's Dockerfile says, so this is the image that Dockerfile built ...
    assert config["Cmd"] == ["node", "app.js"]
    assert config["User"] == "1000:1000"
    assert "8080/tcp" in config["ExposedPorts"]
    assert "NODE_ENV=production" in config["Env"]
    # ... on the offline base passed through NODE_IMAGE (its layers come first).
    base_layers = inspect(dockercli, node_image)["RootFS"]["Layers"]
    assert image["RootFS"]["Layers"][: len(base_layers)] == base_layers


def test_replay_fails_on_a_wrong_dockerfile_path(
    dockercli: Docker, dev_image: DeclaredImage, node_image: str, registry: Registry
) -> None:
    """The replay is not lenient: a program declaring a path that does not exist would fail it."""
    wrong = DeclaredImage(**{**dev_image.__dict__, "dockerfile": dev_image.dockerfile + ".missing"})
    result = dockercli(*build_command(wrong, f"{registry.host}/wrong/path:1", node_image), check=False)
    assert result.returncode != 0
    assert "no such file or directory" in result.stderr, result.stderr


def test_push_and_pull_by_digest(
    dockercli: Docker, built_image: BuiltImage, pushed_image: PushedImage, push_user: Credential, registry: Registry
) -> None:
    repository = pushed_image.tag.split("/", 1)[1].rsplit(":", 1)[0]
    assert push_user.username.count("/") == 1, "the OCIR form is <namespace>/<user>"
    # The registry has the manifest under that digest, for that user.
    tags = registry.get_json(f"/v2/{repository}/tags/list", push_user.username, push_user.password)
    assert tags["tags"] == [pushed_image.tag.rsplit(":", 1)[1]]
    # Remove every local reference so that the pull really comes from the registry.
    dockercli("image", "rm", "--force", built_image.id)
    assert dockercli("image", "inspect", built_image.id, check=False).returncode != 0
    pull = dockercli("pull", pushed_image.by_digest)
    pulled = [word for line in pull.stdout.splitlines() if line.startswith("Digest:") for word in line.split()[1:]]
    assert pulled == [pushed_image.digest]
    image = inspect(dockercli, pushed_image.by_digest)
    assert pushed_image.by_digest in image["RepoDigests"]
    # Same image configuration, so the same image id, as the one built.
    assert image["Id"] == built_image.id


def test_wrong_password_is_refused(
    dockercli: Docker, registry: Registry, push_user: Credential, tmp_path: Path
) -> None:
    fresh = dockercli.with_config(tmp_path / "docker-config")
    login = fresh.login(registry.host, push_user.username, push_user.password + "-wrong")
    assert login.returncode != 0
    assert "unauthorized" in login.stderr.lower(), login.stderr
    assert registry.host not in (fresh.config / "config.json").read_text(), "a refused login must not be stored"


def test_anonymous_push_is_refused(
    dockercli: Docker, pushed_image: PushedImage, registry: Registry, push_user: Credential, tmp_path: Path
) -> None:
    fresh = dockercli.with_config(tmp_path / "docker-config")
    tag = f"{registry.host}/{push_user.username.split('/')[0]}/anonymous:1"
    dockercli("pull", pushed_image.by_digest)  # logged in: the image may have been removed locally
    fresh("tag", pushed_image.by_digest, tag)
    push = fresh("push", tag, check=False)
    assert push.returncode != 0
    assert "no basic auth credentials" in push.stderr or "unauthorized" in push.stderr.lower(), push.stderr
    catalog = registry.get_json("/v2/_catalog", push_user.username, push_user.password)
    assert "testns/anonymous" not in catalog["repositories"]
    fresh("image", "rm", tag)


def get(url: str, deadline: float) -> bytes:
    """GET ``url``, retrying while the server starts."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (http://127.0.0.1 only)
                body: bytes = response.read()
                return body
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_run_the_pushed_image(dockercli: Docker, pushed_image: PushedImage) -> None:
    port = free_port()
    name = f"ocir-it-{uuid.uuid4().hex[:8]}"
    # No bridge on the private engine: the container shares the host's network; PORT picks a free port.
    dockercli("run", "--detach", "--name", name, "--network", "host", "--env", f"PORT={port}", pushed_image.by_digest)
    try:
        probe = f"/probe-{uuid.uuid4().hex}"
        body = json.loads(get(f"http://127.0.0.1:{port}{probe}", time.monotonic() + 30))
        assert set(body) == {"hostname", "random", "arch"}
        assert isinstance(body["hostname"], str)
        assert body["hostname"]
        assert isinstance(body["random"], float)
        assert 0 <= body["random"] < 1

        logged: list[dict[str, Any]] = []
        deadline = time.monotonic() + 10
        while not logged and time.monotonic() < deadline:
            lines = dockercli("logs", name).stdout.splitlines()
            logged = [entry for entry in map(json.loads, lines) if entry.get("path") == probe]
            time.sleep(0.2)
        assert len(logged) == 1, "the request's JSON log line is not in `docker logs`"
        assert logged[0]["status"] == 200
        assert logged[0]["method"] == "GET"

        assert dockercli("exec", name, "id", "-u").stdout.strip() == "1000"
        state = json.loads(dockercli("container", "inspect", name).stdout)[0]
        assert state["Config"]["User"] == "1000:1000"
        # Without the PORT override (which the shared host network needs) it listens on 8080.
        image = inspect(dockercli, pushed_image.by_digest)["Config"]
        assert "PORT=8080" in image["Env"]
        assert set(image["ExposedPorts"]) == {"8080/tcp"}

        dockercli("stop", "--time", "10", name)
        state = json.loads(dockercli("container", "inspect", name).stdout)[0]["State"]
        assert state["ExitCode"] == 0, "the app did not stop cleanly on SIGTERM"
        assert "SIGTERM, shutting down" in dockercli("logs", name).stdout
    finally:
        dockercli("rm", "--force", name, check=False)
