"""A puller pulls what the stack pushed with exactly the exported pull secret, and cannot push with it.

The registry runs with token auth behind the test token service (the bearer flow, as OCIR): the push user may
push and pull the repositories under the stack's prefix, as the stack's policy lets its group manage them; the
pull user may only pull them, as a puller's `read repos` statement allows (the service grants it `pull` alone,
and distribution's token auth refuses any action the token does not grant: docker/distribution
registry/auth/token/accesscontroller.go, `Authorized`, ErrInsufficientScope).

The project is declared under mocks with the test registry as its registry host. A stack's config cannot name
that host (ocir:registryHost takes only OCIR hosts), so the component is declared directly with its argument
checks skipped (`already_checked`, as a caller that vouches for its arguments does): the pull secret is the
document the component exports for that host, written byte for byte as `<dir>/config.json` for
`docker --config <dir>`, and nothing else is given to docker for the pull. The push replays the declared image's
name and login with the docker CLI (the provider cannot run here), after building a small image of its own.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components import OcirProject, already_checked
from tests.conftest import TENANCY, USER
from tests.integration.conftest import NAMESPACE, Docker, TokenRegistry, pushed_digest
from tools.docker_cli import docker
from tools.engine.mocks import OcirMocks
from tools.engine.types import IMAGE
from tools.harness import StackRun, evaluate

PREFIX = "p-pull"
PULL_USER = "ocid1.user.oc1..aaaaaaaatestpulluser000000000000000000000000000000000000000"


@dataclass(frozen=True)
class Users:
    push: tuple[str, str]
    pull: tuple[str, str]


@pytest.fixture(scope="module")
def users(token_registry: TokenRegistry) -> Users:
    """The push user (push and pull under the prefix) and the pull user (pull only, under the prefix)."""
    repositories = (f"{NAMESPACE}/{PREFIX}-",)
    push = (f"{NAMESPACE}/{PREFIX}-ci", secrets.token_urlsafe(24))
    pull = (f"{NAMESPACE}/{PREFIX}-reader", secrets.token_urlsafe(24))
    token_registry.tokens.add_user(*push, repositories=repositories)
    token_registry.tokens.add_user(*pull, repositories=repositories, actions=("pull",))
    return Users(push, pull)


@pytest.fixture(scope="module")
def stack(token_registry: TokenRegistry, users: Users) -> StackRun:
    def program() -> None:
        with already_checked():
            project = OcirProject(
                PREFIX,
                {
                    "prefix": PREFIX,
                    "group_name": "pull-devs",
                    "tenancy_ocid": TENANCY,
                    "region": "fra",
                    "registry_host": token_registry.host,
                    "tenancy_namespace": NAMESPACE,
                    "user_ocid": USER,
                    "user_name": users.push[0].split("/", 1)[1],
                    "pullers": [{"group": "image-readers"}],
                    "pull_user_ocid": PULL_USER,
                    "pull_user_name": users.pull[0].split("/", 1)[1],
                    "images": [{"name": "api", "tag": "1.0"}],
                },
            )
        pulumi.export("pullSecret", project.pull_secret)

    mocks = OcirMocks(token=users.push[1], users={PULL_USER: {"token": users.pull[1]}})
    return evaluate(program, mocks=mocks)


@dataclass(frozen=True)
class Pushed:
    reference: str
    image_id: str
    digest: str


@pytest.fixture(scope="module")
def pushed(stack: StackRun, dockercli: Docker, users: Users, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A small image of its own built, tagged with the declared image name and pushed with the declared login."""
    declared = stack.one(IMAGE).plain
    reference = declared["imageName"]
    context = tmp_path_factory.mktemp("pull-image")
    (context / "marker.txt").write_text(secrets.token_hex(16))  # a fresh digest every run
    (context / "Dockerfile").write_text("FROM scratch\nCOPY marker.txt /marker.txt\n")
    dockercli("build", "--tag", reference, str(context))
    image_id = dockercli("image", "inspect", "--format", "{{.Id}}", reference).stdout.strip()
    pusher = dockercli.with_config(tmp_path_factory.mktemp("push-user-config"))
    login = pusher.login(
        declared["registry"]["server"], declared["registry"]["username"], declared["registry"]["password"]
    )
    assert login.returncode == 0, login.stderr
    assert (declared["registry"]["username"], declared["registry"]["password"]) == users.push
    digest = pushed_digest(pusher("push", reference).stdout)
    # Gone from the engine: the pull below must fetch it from the registry.
    dockercli("image", "rm", "--force", image_id)
    yield Pushed(reference, image_id, digest)
    dockercli("image", "rm", "--force", image_id, check=False)


def pull_config(stack: StackRun, tmp_path: Path) -> Path:
    """A docker config directory holding exactly the exported pull secret as its config.json."""
    directory = tmp_path / "pull-secret"
    directory.mkdir()
    (directory / "config.json").write_text(stack.outputs["pullSecret"].value)
    return directory


def test_the_pull_secret_is_the_pull_users_login_not_the_push_users(stack: StackRun, users: Users) -> None:
    assert stack.outputs["pullSecret"].secret
    (entry,) = json.loads(stack.outputs["pullSecret"].value)["auths"].values()
    assert (entry["username"], entry["password"]) == users.pull
    assert users.pull[0] != users.push[0]


def test_a_puller_pulls_the_pushed_image_with_the_pull_secret_alone(
    stack: StackRun, pushed: Pushed, docker_host: str, tmp_path: Path, dockercli: Docker
) -> None:
    config = pull_config(stack, tmp_path)
    pulled = docker("--config", str(config), "pull", pushed.reference, host=docker_host, check=False)
    assert pulled.returncode == 0, pulled.stderr
    assert pushed.digest in pulled.stdout
    assert dockercli("image", "inspect", "--format", "{{.Id}}", pushed.reference).stdout.strip() == pushed.image_id
    assert sorted(path.name for path in config.iterdir()) == ["config.json"]  # docker stored nothing beside it


def test_without_the_pull_secret_the_pull_is_refused(pushed: Pushed, docker_host: str, tmp_path: Path) -> None:
    empty = tmp_path / "no-login"
    empty.mkdir()
    (empty / "config.json").write_text("{}\n")
    refused = docker("--config", str(empty), "pull", pushed.reference, host=docker_host, check=False)
    assert refused.returncode != 0


def test_a_push_with_the_pull_secret_is_refused_by_the_registry(
    stack: StackRun, pushed: Pushed, docker_host: str, tmp_path: Path, token_registry: TokenRegistry, users: Users
) -> None:
    config = pull_config(stack, tmp_path)
    assert docker("--config", str(config), "pull", pushed.reference, host=docker_host, check=False).returncode == 0
    target = pushed.reference.rsplit(":", 1)[0] + ":pushed-by-the-puller"
    docker("tag", pushed.reference, target, host=docker_host)
    try:
        before = len(token_registry.tokens.requests)
        refused = docker("--config", str(config), "push", target, host=docker_host, check=False)
        assert refused.returncode != 0, refused.stdout
        output = (refused.stdout + refused.stderr).lower()
        assert "denied" in output or "unauthorized" in output or "insufficient" in output, output
        # The pull user was authenticated and asked for push; its token granted pull alone, and the registry's
        # access control refused the push for that.
        asked = [r for r in token_registry.tokens.requests[before:] if r.granted and r.account == users.pull[0]]
        wanted = [scope.rsplit(":", 1)[1].split(",") for r in asked for scope in r.scope]
        assert any("push" in actions for actions in wanted), asked
        assert {action for r in asked for item in r.access for action in item["actions"]} == {"pull"}
    finally:
        docker("image", "rm", target, host=docker_host, check=False)
