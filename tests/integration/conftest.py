"""Fixtures for the integration tests: a real Docker engine, the offline Node.js base and a real registry.

Every test in this directory is marked ``integration`` (``pytest -m "not integration"`` leaves them
out). They need:

- a Docker engine at ``DOCKER_HOST``: ``make engine`` starts a private one (tools/local-dockerd.sh)
  and prints the ``export DOCKER_HOST=...`` line; the machine's default engine is never used;
- ``debootstrap`` and root, the first time, to build the Node.js base (tools/node_base.py, cached);
- Debian's ``docker-registry`` for the registry;
- for the policy pack's test (test_policy_pack.py), no engine: ``make`` and pip's index (PyPI), to make
  the pack's virtualenv from policy/requirements.txt.

Where one is missing the tests skip and say which; with ``OCIR_REQUIRE_INTEGRATION=1`` (set by
.ci/run) they fail instead, so CI cannot pass without running them.

Docker's CLI state (logins) lives in a per-session ``DOCKER_CONFIG`` under pytest's temporary
directory: the user's ``~/.docker`` is never read or written. Builds use the classic builder
(``DOCKER_BUILDKIT=0``), which needs no buildx plugin and no frontend image from Docker Hub.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import bcrypt
import pytest

from tests.conftest import NS
from tests.integration.registry_server import http_status, serve_registry
from tests.integration.token_service import TokenService
from tests.projects import DEV
from tools import node_base
from tools.docker_cli import docker, engine_answers
from tools.engine.types import IMAGE, INDEX
from tools.harness import run_program
from tools.stackfiles import PROJECT_DIR

REQUIRED = os.environ.get("OCIR_REQUIRE_INTEGRATION") == "1"
HERE = Path(__file__).resolve().parent

# The OCIR form of a login: <tenancy namespace>/<user name>, the password an auth token.
NAMESPACE = "testns"
PUSH_USER = f"{NAMESPACE}/push-user"


BASE_IMAGE_TIMEOUT = 1800
"""Seconds for a test that needs the Node.js base (``node_image``, also behind the built and pushed
images): the first run on a machine builds it with debootstrap (minutes), then imports it and
builds the app (each docker command bounded at 600 s by tools/docker_cli.py)."""
INTEGRATION_TIMEOUT = 300
"""Seconds for the other integration tests: a registry that may take 20 s to answer, login checks
bounded at up to 60 s that must fail with their own message rather than be cut short, docker CLI calls."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.integration)
            # More than the unit tests' 60 s (pyproject.toml), unless the test sets its own.
            if item.get_closest_marker("timeout") is None:
                needs_base = "node_image" in getattr(item, "fixturenames", ())
                item.add_marker(pytest.mark.timeout(BASE_IMAGE_TIMEOUT if needs_base else INTEGRATION_TIMEOUT))


def unavailable(reason: str) -> NoReturn:
    """Skip, saying why; fail instead when CI requires the integration tests to run."""
    if REQUIRED:
        pytest.fail(f"{reason} (OCIR_REQUIRE_INTEGRATION=1: integration tests must run)", pytrace=False)
    pytest.skip(reason)


@dataclass
class Docker:
    """The docker CLI bound to the test engine and to one ``DOCKER_CONFIG`` (one set of logins)."""

    host: str
    config: Path

    def __call__(
        self, *args: str, check: bool = True, input_text: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {"DOCKER_CONFIG": str(self.config), "DOCKER_BUILDKIT": "0"}
        return docker(*args, host=self.host, env=env, check=check, input_text=input_text)

    def with_config(self, config: Path) -> Docker:
        """The same engine with other CLI state (for example no login at all)."""
        config.mkdir(parents=True, exist_ok=True)
        (config / "config.json").write_text("{}\n")
        return Docker(self.host, config)

    def login(self, registry: str, username: str, password: str) -> subprocess.CompletedProcess[str]:
        return self("login", "--username", username, "--password-stdin", registry, check=False, input_text=password)


@pytest.fixture(scope="session")
def docker_host() -> str:
    """``DOCKER_HOST`` of an engine that answers (skip, or fail under CI, otherwise)."""
    if shutil.which("docker") is None:
        unavailable("the docker CLI is not installed (apt-get install docker.io)")
    host = os.environ.get("DOCKER_HOST")
    if not host:
        unavailable("DOCKER_HOST is not set: start a private engine with `make engine` and export what it prints")
    answers, detail = engine_answers(host)
    if not answers:
        unavailable(f"the Docker engine at DOCKER_HOST={host} does not answer: {detail}")
    return host


@pytest.fixture(scope="session")
def dockercli(docker_host: str, tmp_path_factory: pytest.TempPathFactory) -> Docker:
    """The CLI on the test engine with this session's own, initially empty, ``DOCKER_CONFIG``."""
    config = tmp_path_factory.mktemp("docker-config")
    return Docker(docker_host, config).with_config(config)


@pytest.fixture(scope="session")
def node_image(docker_host: str) -> str:
    """The offline Node.js base image (tools/node_base.py), built or taken from the cache."""
    try:
        return node_base.ensure_image(docker_host)
    except RuntimeError as error:
        if "not installed" in str(error) or "must run as root" in str(error):
            unavailable(f"cannot build the Node.js base image: {error}")
        raise


def basic_auth(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


@dataclass
class Registry:
    """A Docker registry (Debian's ``docker-registry``, distribution 2.8) with htpasswd (basic) auth.

    It listens on 127.0.0.1 only, over plain HTTP, which Docker's engine accepts for 127.0.0.0/8
    without any ``insecure-registries`` setting. Storage is in the session's temporary directory.

    - ``host``: ``"127.0.0.1:PORT"``, the registry part of an image reference and of ``docker login``
    - ``url``: ``"http://127.0.0.1:PORT"``, for HTTP calls (``url + "/v2/"``)
    - ``add_user(username, password)``: adds (or replaces) a user. It rewrites the htpasswd file
      (bcrypt), which the registry re-reads on its next request because the file's mtime changed,
      so a user added while the registry runs can log in from then on, and not before. Usernames
      may contain ``/`` (the OCIR form ``<namespace>/<user>``).
    - ``users``: username -> password of every user added so far.
    """

    host: str
    url: str
    htpasswd: Path
    users: dict[str, str] = field(default_factory=dict)

    def add_user(self, username: str, password: str) -> None:
        if ":" in username:
            raise ValueError(f"an htpasswd username cannot contain ':': {username!r}")
        self.users[username] = password
        lines = [
            f"{name}:{bcrypt.hashpw(secret.encode(), bcrypt.gensalt()).decode()}\n"
            for name, secret in self.users.items()
        ]
        partial = self.htpasswd.with_suffix(".partial")
        partial.write_text("".join(lines))
        os.replace(partial, self.htpasswd)
        # The registry notices a change by the mtime alone: make sure it moves even on a coarse clock.
        stamp = time.time_ns()
        os.utime(self.htpasswd, ns=(stamp, stamp))

    def status(self, path: str, username: str | None = None, password: str | None = None) -> int:
        """HTTP status of a GET on ``url + path``, with basic auth when a username is given."""
        return http_status(self.url + path, basic_auth(username, password or "") if username is not None else None)

    def get_json(self, path: str, username: str, password: str) -> Any:
        request = urllib.request.Request(self.url + path)  # noqa: S310
        request.add_header("Authorization", basic_auth(username, password))
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return json.load(response)


HTPASSWD_AUTH = """\
auth:
  htpasswd:
    realm: ocir-test
    path: {htpasswd}
"""


@pytest.fixture(scope="session")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A running registry with htpasswd auth and no users yet; see Registry for its API."""
    if shutil.which("docker-registry") is None:
        unavailable("Debian's docker-registry is not installed (apt-get install docker-registry)")
    directory = tmp_path_factory.mktemp("registry")
    htpasswd = directory / "htpasswd"
    htpasswd.write_text("")
    try:
        with serve_registry(directory, HTPASSWD_AUTH.format(htpasswd=htpasswd)) as host:
            yield Registry(host=host, url=f"http://{host}", htpasswd=htpasswd)
    except RuntimeError as error:
        pytest.fail(str(error), pytrace=False)


@dataclass
class TokenRegistry:
    """Debian's docker-registry with ``auth: token`` behind the test token service (the bearer flow, as OCIR)."""

    host: str
    tokens: TokenService


@pytest.fixture(scope="session")
def token_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TokenRegistry]:
    if shutil.which("docker-registry") is None:
        unavailable("Debian's docker-registry is not installed (apt-get install docker-registry)")
    directory: Path = tmp_path_factory.mktemp("token-registry")
    tokens = TokenService(directory)
    tokens.start()
    try:
        with serve_registry(directory, tokens.auth_config()) as host:
            yield TokenRegistry(host, tokens)
    finally:
        tokens.stop()


@dataclass(frozen=True)
class Credential:
    username: str
    password: str


@pytest.fixture(scope="session")
def push_user(registry: Registry) -> Credential:
    """A registry user in the OCIR form ``<namespace>/<user>`` whose password is a generated token."""
    credential = Credential(PUSH_USER, secrets.token_urlsafe(24))
    registry.add_user(credential.username, credential.password)
    return credential


@dataclass(frozen=True)
class DeclaredImage:
    """The dev stack's ``docker.Image`` inputs as the program declares them (captured under mocks)."""

    name: str
    image_name: str
    registry_server: str
    context: str
    dockerfile: str
    args: dict[str, str]
    target: str | None
    platform: str | None

    def local_name(self, registry_host: str) -> str:
        """The image name with only its registry host swapped for ``registry_host``."""
        prefix = f"{self.registry_server}/"
        assert self.image_name.startswith(prefix), f"{self.image_name} is not under its registry {self.registry_server}"
        return registry_host + "/" + self.image_name[len(prefix) :]


def declared_images(config: dict[str, Any] | None = None) -> list[DeclaredImage]:
    """The docker.Image inputs the program declares for a stack config (the tests' own dev stack by
    default: the repository's stack files are the adopter's, and may build images that need the network)."""
    run = run_program(config or DEV, stack="dev")
    assert run.error is None, f"the stack failed under mocks: {run.error}"
    images = []
    for registration in run.of_type(IMAGE):
        inputs = registration.plain
        build = inputs.get("build") or {}
        images.append(
            DeclaredImage(
                name=registration.name,
                image_name=inputs["imageName"],
                registry_server=(inputs.get("registry") or {}).get("server", inputs["imageName"].split("/")[0]),
                context=build.get("context", "."),
                dockerfile=build.get("dockerfile", "Dockerfile"),
                args=dict(build.get("args") or {}),
                target=build.get("target"),
                platform=build.get("platform"),
            )
        )
    return images


@pytest.fixture(scope="session")
def dev_image() -> DeclaredImage:
    """The one image the tests' dev stack declares (the sample app)."""
    images = declared_images()
    assert len(images) == 1, f"the dev stack declares {len(images)} docker.Image resources, expected 1"
    return images[0]


def build_command(image: DeclaredImage, tag: str, node_image: str) -> list[str]:
    """``docker build`` arguments replaying exactly the declared inputs, relative to the project.

    Paths are resolved as ``pulumi up`` does: relative to the project directory, where it runs the
    program. ``NODE_IMAGE`` is the only build argument added or overridden.
    """
    args = ["build", "--tag", tag, "--file", str(PROJECT_DIR / image.dockerfile)]
    for key, value in {**image.args, "NODE_IMAGE": node_image}.items():
        args += ["--build-arg", f"{key}={value}"]
    if image.target:
        args += ["--target", image.target]
    if image.platform:
        args += ["--platform", image.platform]
    return [*args, str(PROJECT_DIR / image.context)]


@dataclass(frozen=True)
class BuiltImage:
    tag: str
    id: str
    output: str


@pytest.fixture(scope="session")
def built_image(
    dockercli: Docker, node_image: str, dev_image: DeclaredImage, registry: Registry
) -> Iterator[BuiltImage]:
    """The dev stack's image built from exactly what it declares, named for the local registry.

    Removed from the engine (with every tag and digest reference to it) at the end of the session.
    """
    tag = dev_image.local_name(registry.host)
    result = dockercli(*build_command(dev_image, tag, node_image), check=False)
    assert result.returncode == 0, f"docker build of the declared image failed:\n{result.stdout}\n{result.stderr}"
    image_id = dockercli("image", "inspect", "--format", "{{.Id}}", tag).stdout.strip()
    yield BuiltImage(tag, image_id, result.stdout)
    dockercli("image", "rm", "--force", image_id, check=False)


@dataclass(frozen=True)
class PushedImage:
    tag: str
    digest: str
    """The manifest digest the push reported."""

    @property
    def by_digest(self) -> str:
        return f"{self.tag.rsplit(':', 1)[0]}@{self.digest}"


@pytest.fixture(scope="session")
def pushed_image(dockercli: Docker, built_image: BuiltImage, registry: Registry, push_user: Credential) -> PushedImage:
    """The built image pushed with an OCIR-form login; its digest as the push reported it."""
    login = dockercli.login(registry.host, push_user.username, push_user.password)
    assert login.returncode == 0, f"docker login as {push_user.username} failed: {login.stderr}"
    push = dockercli("push", built_image.tag, check=False)
    assert push.returncode == 0, f"docker push failed:\n{push.stdout}\n{push.stderr}"
    digests = [
        word
        for line in push.stdout.splitlines()
        if "digest:" in line
        for word in line.split()
        if word.startswith("sha256:")
    ]
    assert len(digests) == 1, f"no single digest in the push output:\n{push.stdout}"
    return PushedImage(built_image.tag, digests[0])


# --- multi-platform images (tests/integration/test_multi_platform.py and the tests that reuse its pushes) ---

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
def platform_builds(
    dockercli: Docker, node_images: dict[str, str], declared: tuple[list[DeclaredImage], str]
) -> Iterator[dict[str, str]]:
    """Each platform's image built from exactly what the multi-platform stack declares: platform -> image ID.
    Removed from the engine at the end of the session."""
    images, _ = declared
    built: dict[str, str] = {}
    for image in images:
        assert image.platform is not None
        local = f"ocir-it/multi:{image.platform.replace('/', '-')}"
        result = dockercli(*build_command(image, local, node_images[image.platform]), check=False)
        assert result.returncode == 0, f"docker build for {image.platform} failed:\n{result.stdout}\n{result.stderr}"
        built[image.platform] = dockercli("image", "inspect", "--format", "{{.Id}}", local).stdout.strip()
        arch = dockercli("image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", local).stdout.strip()
        assert arch == image.platform, f"built {arch}, declared {image.platform}"
    yield built
    dockercli("image", "rm", "--force", *built.values(), check=False)


def push_index(dockercli: Docker, tag: str, sources: list[str]) -> str:
    """`docker manifest create` + `push` of ``tag`` over ``sources`` (what an Index's Create does); its digest."""
    # Plain HTTP on loopback: the manifest command wants --insecure for it (the engine does not).
    dockercli("manifest", "create", "--insecure", tag, *sources)
    push = dockercli("manifest", "push", "--insecure", "--purge", tag)
    return next(word for word in push.stdout.split() if word.startswith("sha256:"))


@pytest.fixture(scope="session")
def pushed_index(
    dockercli: Docker,
    platform_builds: dict[str, str],
    declared: tuple[list[DeclaredImage], str],
    registry: Registry,
    push_user: Credential,
) -> PushedIndex:
    images, index_tag = declared
    login = dockercli.login(registry.host, push_user.username, push_user.password)
    assert login.returncode == 0, login.stderr
    digests: dict[str, str] = {}
    for image in images:
        assert image.platform is not None
        local = image.local_name(registry.host)
        dockercli("tag", platform_builds[image.platform], local)
        digests[image.platform] = pushed_digest(dockercli("push", local).stdout)
    prefix = images[0].registry_server + "/"
    local_tag = registry.host + "/" + index_tag[len(prefix) :]
    repository = local_tag.rsplit(":", 1)[0]
    digest = push_index(dockercli, local_tag, [f"{repository}@{digests[platform]}" for platform in PLATFORMS])
    return PushedIndex(repository, local_tag, digest, digests)


def fetch_manifest(registry: Registry, user: Credential, repository: str, reference: str) -> tuple[str, bytes, str]:
    """(Docker-Content-Digest, body, media type) of a manifest as the registry serves it."""
    path = repository.split("/", 1)[1]
    request = urllib.request.Request(f"{registry.url}/v2/{path}/manifests/{reference}")  # noqa: S310
    request.add_header("Authorization", basic_auth(user.username, user.password))
    request.add_header("Accept", INDEX_TYPES)
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
        return response.headers["Docker-Content-Digest"], response.read(), response.headers["Content-Type"]
