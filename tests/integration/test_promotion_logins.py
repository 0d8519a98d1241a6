"""Promoting a multi-platform image between two push users on one registry host, each allowed only its own
prefix, on a real engine and registry.

The registry runs with token auth behind the test token service, which grants each user only the repositories
under its prefix, as the stacks' IAM policies do on OCIR (`target.repo.name = /<prefix>-*/`). Dev builds and
pushes both platforms and their index as dev's user. Prod's stack is evaluated with dev's outputs (the real
digests), and every registry call its docker resources would make is replayed with the docker CLI, each with
exactly the login the provider would pick for that host (tools/engine/credentials.py: pulls through the docker
provider logged in as dev, pushes and the index with prod's own login). What cannot run here is the providers
themselves: the replay stands in for RemoteImage (docker pull), Tag (docker tag), RegistryImage (docker push)
and Index (`docker manifest create/push`, which writes the same manifest list `imagetools create` does).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NS, TENANCY, USER
from tests.integration.conftest import (
    INDEX_TYPES,
    NAMESPACE,
    PLATFORMS,
    Docker,
    TokenRegistry,
    push_index,
    pushed_digest,
)
from tests.projects import PROD
from tools.engine import types
from tools.engine.credentials import RegistryUse, registry_uses
from tools.engine.mocks import OcirMocks
from tools.engine.wire import SECRET_SIG, SECRET_VALUE_SIG, reveal
from tools.harness import StackRun, run_program
from tools.stackfiles import encode_config

DEV_PREFIX, PROD_PREFIX = "p-shop-dev", "p-shop-prd"
SOURCE = f"organization/{NS}/dev"


@dataclass(frozen=True)
class User:
    username: str
    password: str
    cli: Docker
    """The docker CLI logged in as this user only."""


@pytest.fixture(scope="module")
def users(
    dockercli: Docker, token_registry: TokenRegistry, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, User]:
    """Dev's and prod's push users, each allowed only its prefix's repositories, each with its own CLI logins."""
    found = {}
    for prefix in (DEV_PREFIX, PROD_PREFIX):
        username, password = f"{NAMESPACE}/{prefix}-ci", secrets.token_urlsafe(24)
        token_registry.tokens.add_user(username, password, repositories=(f"{NAMESPACE}/{prefix}-",))
        cli = dockercli.with_config(tmp_path_factory.mktemp(f"{prefix}-docker-config"))
        login = cli.login(token_registry.host, username, password)
        assert login.returncode == 0, login.stderr
        found[prefix] = User(username, password, cli)
    return found


@dataclass(frozen=True)
class DevIndex:
    repository: str
    digest: str
    platform_digests: dict[str, str]


@pytest.fixture(scope="module")
def dev_index(platform_builds: dict[str, str], users: dict[str, User], token_registry: TokenRegistry) -> DevIndex:
    """What dev's stack pushed: each platform's image and the index over them, as dev's user."""
    dev = users[DEV_PREFIX].cli
    repository = f"{token_registry.host}/{NAMESPACE}/{DEV_PREFIX}-storefront"
    digests = {}
    for platform in PLATFORMS:
        tag = f"{repository}:1.0-{platform.replace('/', '-')}"
        dev("tag", platform_builds[platform], tag)
        digests[platform] = pushed_digest(dev("push", tag).stdout)
    digest = push_index(dev, f"{repository}:1.0", [f"{repository}@{digests[p]}" for p in PLATFORMS])
    return DevIndex(repository, digest, digests)


def secret(value: str) -> dict[str, Any]:
    return {SECRET_SIG: SECRET_VALUE_SIG, "value": value}


@pytest.fixture(scope="module")
def prod(dev_index: DevIndex, users: dict[str, User], token_registry: TokenRegistry) -> StackRun:
    """Prod's stack promoting dev's image, dev's outputs read through the (mocked) StackReference."""
    dev = users[DEV_PREFIX]
    outputs = {
        "registryServer": token_registry.host,
        "loginUsername": dev.username,
        "authToken": secret(dev.password),
        "images": {
            "storefront": {
                "imageName": f"{dev_index.repository}:1.0",
                "repoDigest": f"{dev_index.repository}@{dev_index.digest}",
                "repositoryId": "ocid1.containerrepo.oc1..dev",
                "indexDigest": dev_index.digest,
                "platformDigests": dev_index.platform_digests,
            }
        },
    }
    config = {
        **PROD,
        f"{NS}:prefix": PROD_PREFIX,
        f"{NS}:region": "fra",
        f"{NS}:tenancyOcid": TENANCY,
        f"{NS}:userOcid": USER,
        f"{NS}:tenancyNamespace": NAMESPACE,
        f"{NS}:userName": f"{PROD_PREFIX}-ci",
        f"{NS}:images": [{"name": "storefront", "tag": "1.0.0", "platforms": PLATFORMS}],
    }
    config.pop(f"{NS}:userDomain")
    values = encode_config(config)
    values[f"{NS}:promoteFrom"] = SOURCE
    mocks = OcirMocks(token=users[PROD_PREFIX].password, stack_outputs={SOURCE: outputs})
    return run_program(values, stack="prod", mocks=mocks)


def local(reference: str, registry: TokenRegistry) -> str:
    """A reference the stack declares on fra.ocir.io, on the test registry instead."""
    host, _, rest = reference.partition("/")
    return f"{registry.host}/{rest}" if host == "fra.ocir.io" else reference


def as_user(use: RegistryUse, users: dict[str, User], declared_password: str) -> User:
    """The test user the provider's login names; the password the stack declared for it must be that user's."""
    assert use.login is not None, f"{use.name}: no login for {use.host}"
    (user,) = [user for user in users.values() if user.username == use.login.username]
    assert declared_password == user.password, f"{use.name} declares another password for {user.username}"
    return user


def declared_password(run: StackRun, use: RegistryUse) -> str:
    """The password the declaration gives the login ``use`` names (its provider's, or its own)."""
    resource = next(r for r in run.resources if r.name == use.name)
    provider = next((r for r in run.resources if resource.provider.startswith(f"{r.urn}::")), None)
    candidates: list[Any] = [reveal(resource.inputs).get(key) for key in ("authConfig", "registry")]
    if provider is not None:
        for key in ("registryAuth", "registries"):
            value = reveal(provider.inputs).get(key)
            candidates += json.loads(value) if isinstance(value, str) else (value or [])
    assert use.login is not None
    for candidate in candidates:
        if isinstance(candidate, dict) and candidate.get("username") == use.login.username:
            return str(candidate["password"])
    raise AssertionError(f"{use.name}: no declared password for {use.login.username}")


@pytest.fixture(scope="module")
def replayed(prod: StackRun, users: dict[str, User], token_registry: TokenRegistry) -> Iterator[dict[str, Any]]:
    """Every registry call prod's docker resources make, replayed in dependency order with the provider's login."""
    uses = {(use.name, use.action, use.reference): use for use in registry_uses(prod.resources)}
    pushed: dict[str, str] = {}
    pulled: list[str] = []
    for resource in prod.resources:
        inputs = reveal(resource.inputs)
        if resource.type == types.REMOTE_IMAGE:
            use = uses[(resource.name, "pull", inputs["name"])]
            user = as_user(use, users, declared_password(prod, use))
            user.cli("pull", "--platform", inputs["platform"], inputs["name"])
            pulled.append(inputs["name"])
        elif resource.type == types.TAG:
            users[PROD_PREFIX].cli("tag", inputs["sourceImage"], local(inputs["targetImage"], token_registry))
        elif resource.type == types.REGISTRY_IMAGE:
            use = uses[(resource.name, "push", inputs["name"])]
            user = as_user(use, users, declared_password(prod, use))
            pushed[inputs["name"]] = pushed_digest(user.cli("push", local(inputs["name"], token_registry)).stdout)
    (index,) = prod.of_type(types.INDEX)
    inputs = reveal(index.inputs)
    # The Index's sources are the pushes' `<repository>@<digest>`: what the registry reported for each.
    sources = [f"{name.rsplit(':', 1)[0]}@{digest}" for name, digest in pushed.items()]
    assert len(sources) == len(PLATFORMS)
    use = uses[(index.name, "push", inputs["tag"])]
    user = as_user(use, users, declared_password(prod, use))
    reads = [u for (name, action, _), u in uses.items() if name == index.name and action == "pull"]
    assert len(reads) == len(PLATFORMS)
    for read in reads:
        # One login per host: the index reads its sources with the one it pushes with, so they must be prod's.
        assert read.login == use.login
        assert read.repository.startswith(f"{NAMESPACE}/{PROD_PREFIX}-"), read
    digest = push_index(user.cli, local(inputs["tag"], token_registry), [local(s, token_registry) for s in sources])
    yield {"pulled": pulled, "pushed": pushed, "index": local(inputs["tag"], token_registry), "digest": digest}
    for user in users.values():
        user.cli("image", "rm", "--force", *pulled, check=False)


def test_every_read_of_dev_uses_devs_login_and_every_push_prods(prod: StackRun, users: dict[str, User]) -> None:
    for use in registry_uses(prod.resources):
        assert use.login is not None, use
        repository = use.repository.split("/", 1)[1]
        owner = DEV_PREFIX if repository.startswith(f"{DEV_PREFIX}-") else PROD_PREFIX
        assert use.login.username == users[owner].username, use


def test_prods_copy_lists_each_platform_with_devs_digest(
    replayed: dict[str, Any], dev_index: DevIndex, users: dict[str, User]
) -> None:
    prod = users[PROD_PREFIX].cli
    manifest = json.loads(prod("manifest", "inspect", "--insecure", replayed["index"]).stdout)
    listed = {f"{m['platform']['os']}/{m['platform']['architecture']}": m["digest"] for m in manifest["manifests"]}
    # The pushes reported what the index lists, and the registry kept each platform's source digest.
    assert sorted(listed.values()) == sorted(replayed["pushed"].values())
    assert listed == dev_index.platform_digests
    assert manifest["mediaType"] in INDEX_TYPES.split(", ")


def test_each_user_is_refused_outside_its_prefix(dev_index: DevIndex, users: dict[str, User], tmp_path: Path) -> None:
    """What reading dev's index with prod's login (the Index over dev's index, on one host) would meet."""
    reference = f"{dev_index.repository}@{dev_index.digest}"
    refused = users[PROD_PREFIX].cli("manifest", "inspect", "--insecure", reference, check=False)
    assert refused.returncode != 0
    assert "unauthorized" in (refused.stderr + refused.stdout).lower() or "denied" in refused.stderr.lower()
    assert users[DEV_PREFIX].cli("manifest", "inspect", "--insecure", reference, check=False).returncode == 0
