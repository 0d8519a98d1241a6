"""Each component on its own, under mocks: what it declares, how, and what it refuses."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

from components import (
    OcirProject,
    OcirProjectArgs,
    RegistryCredentials,
    RegistryCredentialsArgs,
    RepositoryAccessPolicy,
    RepositoryAccessPolicyArgs,
    RepositoryImage,
    RepositoryImageArgs,
)
from components.config import ImageSpec
from tests.conftest import COMPARTMENT, TENANCY, TOKEN, USER
from tools.harness import StackRun, evaluate
from tools.mocks import OcirMocks
from tools.resource_types import AUTH_TOKEN, GET_NAMESPACE, GET_USER, IMAGE, LOGIN_CHECK, POLICY, REPOSITORY


def run(program: Any) -> StackRun:
    return evaluate(program, mocks=OcirMocks(token=TOKEN, namespace="lookedupns", user_name="looked-up-user"))


def test_access_policy_declares_one_policy_in_the_root_compartment() -> None:
    def program() -> None:
        policy = RepositoryAccessPolicy(
            "team",
            RepositoryAccessPolicyArgs(tenancy_ocid=TENANCY, prefix="p-team", group_name="team-devs"),
        )
        pulumi.export("policyId", policy.policy_id)

    result = run(program)
    component = result.one("ocir:index:RepositoryAccessPolicy")
    policy = result.one(POLICY)
    assert policy.name == "team-policy"
    assert policy.parent == component.urn
    assert policy.plain["compartmentId"] == TENANCY
    assert policy.plain["name"] == "p-team-ocir-policy"
    assert policy.plain["statements"] == [
        "allow group team-devs to manage repos in tenancy where target.repo.name = /p-team-*/"
    ]
    assert result.outputs["policyId"].value.startswith("ocid1.policy.")


def test_access_policy_refuses_bad_arguments_before_declaring_anything() -> None:
    def program() -> None:
        RepositoryAccessPolicy(
            "team", RepositoryAccessPolicyArgs(tenancy_ocid=TENANCY, prefix="p-*", group_name="team-devs")
        )

    result = evaluate(program, raise_errors=False)
    assert isinstance(result.error, ValueError)
    assert str(result.error).startswith("RepositoryAccessPolicyArgs.prefix: ")
    assert result.resources == []


def test_credentials_create_a_secret_token_and_the_login_for_a_given_user_name() -> None:
    def program() -> None:
        credentials = RegistryCredentials(
            "ci",
            RegistryCredentialsArgs(
                user_ocid=USER, registry_server="fra.ocir.io", namespace="axaxnpcrorw5", user_name="ci-bot"
            ),
        )
        pulumi.export("username", credentials.username)
        pulumi.export("password", credentials.password)
        pulumi.export("server", credentials.server)

    result = run(program)
    token = result.one(AUTH_TOKEN)
    assert token.name == "ci-token"
    assert token.plain["userId"] == USER
    assert token.additional_secret_outputs == ["token"]
    assert result.invokes == []  # nothing to look up
    assert result.outputs["username"].value == "axaxnpcrorw5/ci-bot"
    assert result.outputs["server"].value == "fra.ocir.io"
    assert result.outputs["password"].value == TOKEN
    assert result.outputs["password"].secret


def test_credentials_look_up_the_user_name_and_add_the_login_domain() -> None:
    def program() -> None:
        credentials = RegistryCredentials(
            "ci",
            RegistryCredentialsArgs(
                user_ocid=USER,
                registry_server="fra.ocir.io",
                namespace="axaxnpcrorw5",
                user_domain="oracleidentitycloudservice",
            ),
        )
        pulumi.export("username", credentials.username)

    result = run(program)
    assert [(i.token, i.args) for i in result.invokes] == [(GET_USER, {"userId": USER})]
    assert result.outputs["username"].value == "axaxnpcrorw5/oracleidentitycloudservice/looked-up-user"


def test_repository_image_creates_the_repository_then_pushes_with_secret_credentials() -> None:
    def program() -> None:
        gate = RepositoryAccessPolicy(
            "gate", RepositoryAccessPolicyArgs(tenancy_ocid=TENANCY, prefix="p-team", group_name="team-devs")
        )
        image = RepositoryImage(
            "api",
            RepositoryImageArgs(
                compartment_ocid=COMPARTMENT,
                repository_name="p-team-api",
                tag="2.1",
                registry_server="iad.ocir.io",
                namespace="axaxnpcrorw5",
                username="axaxnpcrorw5/ci-bot",
                password="plain-string-password",  # a plain value is still sent as a secret
                build_args={"NODE_IMAGE": "node:26-alpine"},
                target="runtime",
                platform="linux/arm64",
                immutable=True,
                push_after=[gate],
            ),
        )
        pulumi.export("imageName", image.image_name)
        pulumi.export("repoDigest", image.repo_digest)

    result = run(program)
    repository = result.one(REPOSITORY)
    docker_image = result.one(IMAGE)
    component = result.one("ocir:index:RepositoryImage")
    assert (repository.name, docker_image.name) == ("api-repository", "api-image")
    assert repository.parent == docker_image.parent == component.urn
    assert repository.plain == {
        "compartmentId": COMPARTMENT,
        "displayName": "p-team-api",
        "isPublic": False,
        "isImmutable": True,
    }
    assert docker_image.plain["imageName"] == "iad.ocir.io/axaxnpcrorw5/p-team-api:2.1"
    assert docker_image.plain["build"] == {
        "context": "app",
        "dockerfile": "app/Dockerfile",
        "args": {"NODE_IMAGE": "node:26-alpine"},
        "target": "runtime",
        "platform": "linux/arm64",
    }
    assert docker_image.plain["registry"] == {
        "server": "iad.ocir.io",
        "username": "axaxnpcrorw5/ci-bot",
        "password": "plain-string-password",
    }
    assert docker_image.secret_inputs == ["registry.password"]
    assert docker_image.plain["buildOnPreview"] is False
    # Pushed only after its repository exists (and after the resources it was told to wait for).
    assert repository.urn in docker_image.dependencies
    assert result.one(POLICY).urn in docker_image.dependencies
    assert result.outputs["imageName"].value == "iad.ocir.io/axaxnpcrorw5/p-team-api:2.1"
    assert result.outputs["repoDigest"].value.startswith("iad.ocir.io/axaxnpcrorw5/p-team-api@sha256:")


def test_repository_image_refuses_a_bad_tag_before_declaring_anything() -> None:
    def program() -> None:
        RepositoryImage(
            "api",
            RepositoryImageArgs(
                compartment_ocid=COMPARTMENT,
                repository_name="p-team-api",
                tag="latest version",
                registry_server="iad.ocir.io",
                namespace="ns",
                username="ns/u",
                password="p",
            ),
        )

    result = evaluate(program, raise_errors=False)
    assert str(result.error).startswith("RepositoryImageArgs.tag: ")
    assert result.resources == []


def test_project_composes_policy_credentials_and_images_and_looks_up_the_namespace() -> None:
    def program() -> None:
        project = OcirProject(
            "p-team",
            OcirProjectArgs(
                prefix="p-team",
                group_name="team-devs",
                tenancy_ocid=TENANCY,
                region="ams",
                user_ocid=USER,
                user_name="ci-bot",
                images=[
                    ImageSpec(name="api", tag="1.0"),
                    ImageSpec(name="worker", tag="1.1", public=True, context="services/worker"),
                ],
            ),
        )
        pulumi.export("images", project.images)
        pulumi.export("namespace", project.namespace)
        pulumi.export("authToken", project.auth_token)

    result = run(program)
    types = sorted(r.type for r in result.resources)
    assert types == sorted(
        ["ocir:index:OcirProject", "ocir:index:RepositoryAccessPolicy", "ocir:index:RegistryCredentials"]
        + ["ocir:index:RepositoryImage"] * 2
        + [POLICY, AUTH_TOKEN, LOGIN_CHECK]
        + [REPOSITORY] * 2
        + [IMAGE] * 2
    )
    project = result.one("ocir:index:OcirProject")
    children = {r.name for r in result.resources if r.parent == project.urn}
    assert children == {"p-team-access", "p-team-credentials", "p-team-login-check", "p-team-api", "p-team-worker"}
    assert [(i.token, i.args) for i in result.invokes] == [(GET_NAMESPACE, {"compartmentId": TENANCY})]
    repositories = {r.plain["displayName"]: r.plain for r in result.of_type(REPOSITORY)}
    assert repositories["p-team-worker"]["isPublic"] is True
    builds = {r.name: r.plain["build"] for r in result.of_type(IMAGE)}
    # The Dockerfile defaults to the image's own context, not the sample app's.
    assert builds["p-team-worker-image"] == {"context": "services/worker", "dockerfile": "services/worker/Dockerfile"}
    assert builds["p-team-api-image"] == {"context": "app", "dockerfile": "app/Dockerfile"}
    assert repositories["p-team-api"]["compartmentId"] == TENANCY  # default compartment
    images = result.outputs["images"].value
    assert images["api"]["imageName"] == "ams.ocir.io/lookedupns/p-team-api:1.0"
    assert images["worker"]["imageName"] == "ams.ocir.io/lookedupns/p-team-worker:1.1"
    assert images["api"]["repositoryId"].startswith("ocid1.containerrepo.")
    assert result.outputs["namespace"].value == "lookedupns"
    assert result.outputs["authToken"].secret


def test_project_refuses_duplicate_images_before_declaring_anything() -> None:
    def program() -> None:
        OcirProject(
            "p-team",
            OcirProjectArgs(
                prefix="p-team",
                group_name="team-devs",
                tenancy_ocid=TENANCY,
                region="ams",
                user_ocid=USER,
                images=[ImageSpec(name="api", tag="1.0"), ImageSpec(name="api", tag="2.0")],
            ),
        )

    result = evaluate(program, raise_errors=False)
    assert str(result.error).startswith("OcirProjectArgs.images: ")
    assert result.resources == []


@pytest.mark.parametrize(
    ("field", "value", "prefix"),
    [
        ("prefix", "P", "OcirProjectArgs.prefix: "),
        ("group_name", "a'b", "OcirProjectArgs.group_name: "),
        ("region", "mars", "OcirProjectArgs.region: "),
        ("user_ocid", TENANCY, "OcirProjectArgs.user_ocid: "),
        ("tenancy_namespace", "UPPER", "OcirProjectArgs.tenancy_namespace: "),
        ("login_timeout_seconds", 0, "OcirProjectArgs.login_timeout_seconds: must be 1 to 900, got 0"),
    ],
)
def test_project_names_the_bad_argument(field: str, value: object, prefix: str) -> None:
    arguments: dict[str, Any] = {
        "prefix": "p-team",
        "group_name": "devs",
        "tenancy_ocid": TENANCY,
        "region": "ams",
        "user_ocid": USER,
        field: value,
    }

    def program() -> None:
        OcirProject("p-team", OcirProjectArgs(**arguments))

    result = evaluate(program, raise_errors=False)
    assert str(result.error).startswith(prefix)
    assert result.resources == []
