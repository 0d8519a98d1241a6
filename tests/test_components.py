"""Each component on its own, under mocks: what it declares, how, and what it refuses.

The mocks echo inputs back as outputs and make up OCIDs, tokens and digests. The assertions are on
what the program computed (the inputs it declared, the options it set, the outputs it derived); a
value the mocks hand back is only checked to be forwarded, and says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, cast

import pulumi
import pytest

import components.access_policy
import components.credentials
import components.image
import components.project
import components.promotion
import components.registry_login
import components.repository
from components import (
    ArgumentError,
    Image,
    ImageArgs,
    OcirProject,
    OcirProjectArgs,
    ProjectImageArgs,
    PromotedImage,
    PromotedImageArgs,
    RegistryAuthArgs,
    RegistryCredentials,
    RegistryCredentialsArgs,
    Repository,
    RepositoryAccessPolicy,
    RepositoryAccessPolicyArgs,
    RepositoryArgs,
    already_checked,
    check_project_args,
)
from tests.conftest import COMPARTMENT, NS, TENANCY, TOKEN, USER
from tools.engine.mocks import OcirMocks
from tools.engine.types import (
    AUTH_TOKEN,
    GET_NAMESPACE,
    GET_USER,
    IMAGE,
    POLICY,
    REGISTRY_IMAGE,
    REMOTE_IMAGE,
    REPOSITORY,
    TAG,
)
from tools.engine.urns import alias_urns
from tools.harness import StackRun, evaluate

SOURCE_DIGEST = "sha256:" + "d" * 64
SOURCE = f"fra.ocir.io/devns/p-dev-api@{SOURCE_DIGEST}"
LOGIN: RegistryAuthArgs = {"server": "iad.ocir.io", "username": "axaxnpcrorw5/ci-bot", "password": "plain-password"}


def run(program: Callable[[], None]) -> StackRun:
    return evaluate(program, mocks=OcirMocks(token=TOKEN, namespace="lookedupns", user_name="looked-up-user"))


def refused(program: Callable[[], None]) -> StackRun:
    """A run expected to stop with an error; the error is in ``.error``."""
    result = evaluate(program, raise_errors=False)
    assert result.error is not None, "the program was expected to fail"
    return result


def gate() -> RepositoryAccessPolicy:
    """Something for a push to wait for (as OcirProject makes pushes wait for the policy)."""
    return RepositoryAccessPolicy(
        "gate", RepositoryAccessPolicyArgs(tenancy_ocid=TENANCY, prefix="p-team", group_name="team-devs")
    )


def repository_args(**overrides: Any) -> RepositoryArgs:
    args: dict[str, Any] = {
        "compartment_ocid": COMPARTMENT,
        "repository_name": "p-team-api",
        "registry_server": "iad.ocir.io",
        "namespace": "axaxnpcrorw5",
    }
    args.update(overrides)
    return cast(RepositoryArgs, args)


def project_args(**overrides: Any) -> OcirProjectArgs:
    args: dict[str, Any] = {
        "prefix": "p-team",
        "group_name": "team-devs",
        "tenancy_ocid": TENANCY,
        "region": "ams",
        "user_ocid": USER,
    }
    args.update(overrides)
    return cast(OcirProjectArgs, args)


# RepositoryAccessPolicy


def test_access_policy_declares_one_policy_in_the_root_compartment() -> None:
    def program() -> None:
        policy = RepositoryAccessPolicy(
            "team",
            RepositoryAccessPolicyArgs(tenancy_ocid=TENANCY, prefix="p-team", group_name="team-devs"),
        )
        pulumi.export("policyId", policy.policy_id)
        pulumi.export("statements", policy.statements)

    result = run(program)
    component = result.one("ocir:index:RepositoryAccessPolicy")
    policy = result.one(POLICY)
    statements = ["allow group team-devs to manage repos in tenancy where target.repo.name = /p-team-*/"]
    assert policy.name == "team-policy"
    assert policy.parent == component.urn
    assert policy.plain["compartmentId"] == TENANCY
    assert policy.plain["name"] == "p-team-ocir-policy"
    assert policy.plain["statements"] == statements
    assert policy.protect is False
    assert result.outputs["statements"].value == statements
    # Forwarded from the policy (the mocks give each resource kind its own OCID kind).
    assert result.outputs["policyId"].value.startswith("ocid1.policy.")


def test_access_policy_adds_the_identity_domain_and_protection() -> None:
    def program() -> None:
        RepositoryAccessPolicy(
            "team",
            RepositoryAccessPolicyArgs(
                tenancy_ocid=TENANCY,
                prefix="p-team",
                group_name="team-devs",
                identity_domain="corp",
                freeform_tags={"team": "api"},
                protect=True,
            ),
        )

    policy = run(program).one(POLICY)
    assert policy.plain["statements"] == [
        "allow group 'corp'/'team-devs' to manage repos in tenancy where target.repo.name = /p-team-*/"
    ]
    assert policy.plain["freeformTags"] == {"team": "api"}
    assert policy.protect is True


# RegistryCredentials


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
    assert token.parent == result.one("ocir:index:RegistryCredentials").urn
    assert token.plain["userId"] == USER
    assert token.additional_secret_outputs == ["token"]
    assert token.delete_before_replace is False
    assert result.invokes == []  # nothing to look up
    assert result.outputs["username"].value == "axaxnpcrorw5/ci-bot"
    assert result.outputs["server"].value == "fra.ocir.io"
    # The token is the mocks'; the program must forward it, and keep it secret.
    assert result.outputs["password"].value == TOKEN
    assert result.outputs["password"].secret
    assert result.state_leaks(TOKEN) == []


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


# Repository


def test_repository_declares_a_private_mutable_repository_in_the_compartment() -> None:
    def program() -> None:
        repository = Repository("api", repository_args())
        pulumi.export("url", repository.repository_url)
        pulumi.export("name", repository.repository_name)
        pulumi.export("id", repository.repository_id)

    result = run(program)
    component = result.one("ocir:index:Repository")
    repository = result.one(REPOSITORY)
    assert repository.name == "api-repository"
    assert repository.parent == component.urn
    assert repository.plain == {
        "compartmentId": COMPARTMENT,
        "displayName": "p-team-api",
        "isPublic": False,
        "isImmutable": False,
    }
    assert repository.protect is False
    assert repository.retain_on_delete is False
    assert result.outputs["url"].value == "iad.ocir.io/axaxnpcrorw5/p-team-api"
    assert result.outputs["name"].value == "p-team-api"
    # Forwarded from the ContainerRepository.
    assert result.outputs["id"].value.startswith("ocid1.containerrepo.")


def test_repository_public_immutable_protected_and_retained() -> None:
    def program() -> None:
        Repository(
            "api",
            repository_args(
                compartment_ocid=TENANCY, public=True, immutable=True, protect=True, freeform_tags={"team": "api"}
            ),
        )

    repository = run(program).one(REPOSITORY)
    assert repository.plain["compartmentId"] == TENANCY
    assert repository.plain["isPublic"] is True
    assert repository.plain["isImmutable"] is True
    assert repository.plain["freeformTags"] == {"team": "api"}
    assert repository.protect is True
    assert repository.retain_on_delete is True


def test_repository_keeps_the_urns_it_had_inside_the_image_components() -> None:
    def program() -> None:
        Repository("api", repository_args())

    result = run(program)
    former = {
        f"urn:pulumi:test::{NS}::ocir:index:{type_}$oci:Artifacts/containerRepository:ContainerRepository::api-repository"
        for type_ in ("RepositoryImage", "PromotedImage")
    }
    assert former <= alias_urns(result.resources, result.one(REPOSITORY))


def test_an_image_given_the_repository_url_pushes_into_it_after_it_exists() -> None:
    def program() -> None:
        repository = Repository("api", repository_args())
        Image("api", ImageArgs(repository_url=repository.repository_url, tag="2.1", registry=LOGIN))

    result = run(program)
    repository = result.one(REPOSITORY)
    docker_image = result.one(IMAGE)
    assert docker_image.plain["imageName"] == "iad.ocir.io/axaxnpcrorw5/p-team-api:2.1"
    assert repository.urn in docker_image.dependencies


# Image


def test_image_builds_and_pushes_to_the_url_and_tag_with_a_secret_password() -> None:
    def program() -> None:
        image = Image(
            "api",
            ImageArgs(
                repository_url="iad.ocir.io/axaxnpcrorw5/p-team-api",
                tag="2.1",
                registry=LOGIN,  # a plain password is still sent as a secret
                build_args={"NODE_IMAGE": "node:26-alpine"},
                target="runtime",
                platform="linux/arm64",
            ),
        )
        pulumi.export("imageName", image.image_name)

    result = run(program)
    component = result.one("ocir:index:Image")
    docker_image = result.one(IMAGE)
    assert docker_image.name == "api-image"
    assert docker_image.parent == component.urn
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
        "password": "plain-password",
    }
    assert docker_image.secret_inputs == ["registry.password"]
    assert docker_image.plain["buildOnPreview"] is False
    assert docker_image.plain["skipPush"] is False
    assert result.leaks("plain-password") == []
    # Forwarded from the docker.Image.
    assert result.outputs["imageName"].value == docker_image.plain["imageName"]


def test_image_dockerfile_defaults_to_its_own_context() -> None:
    def program() -> None:
        Image(
            "worker",
            ImageArgs(repository_url="iad.ocir.io/ns/p-team-worker", tag="1", registry=LOGIN, context="services/w"),
        )

    assert run(program).one(IMAGE).plain["build"] == {"context": "services/w", "dockerfile": "services/w/Dockerfile"}


def test_image_push_waits_for_what_the_component_depends_on() -> None:
    def program() -> None:
        Image(
            "api",
            ImageArgs(repository_url="iad.ocir.io/ns/p-team-api", tag="2.1", registry=LOGIN),
            pulumi.ResourceOptions(depends_on=[gate()]),
        )

    result = run(program)
    docker_image = result.one(IMAGE)
    assert result.one(POLICY).urn in docker_image.dependencies


# PromotedImage


def test_promoted_image_pulls_by_digest_tags_and_pushes() -> None:
    def program() -> None:
        promoted = PromotedImage(
            "api",
            PromotedImageArgs(
                repository_url="iad.ocir.io/axaxnpcrorw5/p-team-api",
                tag="2.1",
                registry=LOGIN,
                source_reference=SOURCE,
                platform="linux/amd64",
            ),
            pulumi.ResourceOptions(depends_on=[gate()]),
        )
        pulumi.export("repoDigest", promoted.repo_digest)
        pulumi.export("sourceRepoDigest", promoted.source_repo_digest)

    result = run(program)
    component = result.one("ocir:index:PromotedImage")
    pull, tag, push = result.one(REMOTE_IMAGE), result.one(TAG), result.one(REGISTRY_IMAGE)
    assert (pull.name, tag.name, push.name) == ("api-pull", "api-tag", "api-push")
    assert pull.parent == tag.parent == push.parent == component.urn
    assert result.of_type(IMAGE) == []  # nothing is built
    assert pull.plain["name"] == SOURCE
    assert pull.plain["platform"] == "linux/amd64"
    assert pull.plain["keepLocally"] is True
    assert pull.urn in tag.dependencies
    assert tag.plain["sourceImage"] == SOURCE
    assert tag.plain["targetImage"] == "iad.ocir.io/axaxnpcrorw5/p-team-api:2.1"
    assert tag.urn in push.dependencies
    assert push.plain["name"] == "iad.ocir.io/axaxnpcrorw5/p-team-api:2.1"
    assert push.plain["authConfig"] == {
        "address": "iad.ocir.io",
        "username": "axaxnpcrorw5/ci-bot",
        "password": "plain-password",
    }
    assert push.secret_inputs == ["authConfig.password"]
    assert push.plain["triggers"] == {"sourceRepoDigest": SOURCE}
    assert push.plain["keepRemotely"] is True
    # The push waits for what the component depends on.
    assert result.one(POLICY).urn in push.dependencies
    assert result.outputs["sourceRepoDigest"].value == SOURCE
    # repoDigest is what the registry answered for this push (the push's sha256Digest), in the pushed
    # repository; the mock answers a digest of its own, so this cannot pass by echoing the source.
    reported = push.state["sha256Digest"]
    assert reported != SOURCE_DIGEST
    assert result.outputs["repoDigest"].value == f"iad.ocir.io/axaxnpcrorw5/p-team-api@{reported}"


# Refusals: bad arguments stop a component before anything is declared


REFUSALS: dict[str, tuple[Callable[[], object], str]] = {
    "policy prefix": (
        lambda: RepositoryAccessPolicy(
            "team", RepositoryAccessPolicyArgs(tenancy_ocid=TENANCY, prefix="p-*", group_name="team-devs")
        ),
        "RepositoryAccessPolicyArgs.prefix: ",
    ),
    "credentials user": (
        lambda: RegistryCredentials(
            "ci", RegistryCredentialsArgs(user_ocid=TENANCY, registry_server="fra.ocir.io", namespace="ns")
        ),
        "RegistryCredentialsArgs.user_ocid: ",
    ),
    "repository name": (
        lambda: Repository("api", repository_args(repository_name="P-Team API")),
        "RepositoryArgs.repository_name: ",
    ),
    "repository compartment": (
        lambda: Repository("api", repository_args(compartment_ocid=USER)),
        "RepositoryArgs.compartment_ocid: ",
    ),
    "image tag": (
        lambda: Image("api", ImageArgs(repository_url="iad.ocir.io/ns/p-api", tag="latest version", registry=LOGIN)),
        "ImageArgs.tag: ",
    ),
    "promoted source by tag": (
        lambda: PromotedImage(
            "api",
            PromotedImageArgs(
                repository_url="iad.ocir.io/ns/p-api",
                tag="1.0",
                registry=LOGIN,
                source_reference="fra.ocir.io/devns/p-dev-api:1.0",
            ),
        ),
        "PromotedImageArgs.source_reference: ",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSALS))
def test_components_refuse_bad_arguments_before_declaring_anything(case: str) -> None:
    declare, prefix = REFUSALS[case]

    def program() -> None:
        declare()

    result = refused(program)
    assert isinstance(result.error, ArgumentError)
    assert str(result.error).startswith(prefix)
    assert result.resources == []


def test_argument_error_lists_every_problem_with_its_path() -> None:
    def program() -> None:
        Image(
            "api",
            ImageArgs(
                repository_url="iad.ocir.io/ns/p-api",
                tag=".bad",
                registry=LOGIN,
                target="no spaces",
                platform="amd64",
                build_args={"OK_ARG": "1", "1BAD": "2"},
            ),
        )

    error = refused(program).error
    assert isinstance(error, ArgumentError)
    assert error.args_type == "ImageArgs"
    assert [path for path, _ in error.problems] == ["tag", "target", "platform", "build_args.1BAD"]
    lines = str(error).splitlines()
    assert [line.split(": ", 1)[0] for line in lines] == [
        "ImageArgs.tag",
        "ImageArgs.target",
        "ImageArgs.platform",
        "ImageArgs.build_args.1BAD",
    ]
    assert "'.bad'" in lines[0]


# OcirProject


def test_project_composes_policy_credentials_repositories_and_images_and_looks_up_the_namespace() -> None:
    def program() -> None:
        project = OcirProject(
            "p-team",
            project_args(
                user_name="ci-bot",
                images=[
                    ProjectImageArgs(name="api", tag="1.0"),
                    ProjectImageArgs(name="worker", tag="1.1", public=True, context="services/worker"),
                ],
            ),
        )
        pulumi.export("images", project.images)
        pulumi.export("namespace", project.namespace)
        pulumi.export("loginUsername", project.login_username)
        pulumi.export("registryServer", project.registry_server)
        pulumi.export("authToken", project.auth_token)

    result = run(program)
    types = sorted(r.type for r in result.resources)
    assert types == sorted(
        ["ocir:index:OcirProject", "ocir:index:RepositoryAccessPolicy", "ocir:index:RegistryCredentials"]
        + ["ocir:index:Repository", "ocir:index:Image"] * 2
        + [POLICY, AUTH_TOKEN]
        + [REPOSITORY, IMAGE] * 2
    )
    project = result.one("ocir:index:OcirProject")
    children = {(r.name, r.type) for r in result.resources if r.parent == project.urn}
    assert children == {
        ("p-team-access", "ocir:index:RepositoryAccessPolicy"),
        ("p-team-credentials", "ocir:index:RegistryCredentials"),
        ("p-team-api", "ocir:index:Repository"),
        ("p-team-api", "ocir:index:Image"),
        ("p-team-worker", "ocir:index:Repository"),
        ("p-team-worker", "ocir:index:Image"),
    }
    assert [(i.token, i.args) for i in result.invokes] == [(GET_NAMESPACE, {"compartmentId": TENANCY})]
    repositories = {r.plain["displayName"]: r for r in result.of_type(REPOSITORY)}
    assert repositories["p-team-worker"].plain["isPublic"] is True
    assert repositories["p-team-api"].plain["isPublic"] is False
    assert repositories["p-team-api"].plain["compartmentId"] == TENANCY  # default compartment
    images = {r.name: r for r in result.of_type(IMAGE)}
    # The Dockerfile defaults to the image's own context, not the sample app's.
    assert images["p-team-worker-image"].plain["build"] == {
        "context": "services/worker",
        "dockerfile": "services/worker/Dockerfile",
    }
    assert images["p-team-api-image"].plain["build"] == {"context": "app", "dockerfile": "app/Dockerfile"}
    # The looked-up namespace makes the image names and the login.
    assert images["p-team-api-image"].plain["imageName"] == "ams.ocir.io/lookedupns/p-team-api:1.0"
    assert images["p-team-worker-image"].plain["imageName"] == "ams.ocir.io/lookedupns/p-team-worker:1.1"
    assert result.outputs["namespace"].value == "lookedupns"
    assert result.outputs["loginUsername"].value == "lookedupns/ci-bot"
    assert result.outputs["registryServer"].value == "ams.ocir.io"
    # Each push waits for its repository, the policy and the token, whose password the registry accepted first.
    policy, token = result.one(POLICY), result.one(AUTH_TOKEN)
    assert [(login.server, login.username) for login in result.logins] == [("ams.ocir.io", "lookedupns/ci-bot")]
    for name, repository in (("p-team-api-image", "p-team-api"), ("p-team-worker-image", "p-team-worker")):
        dependencies = images[name].dependencies
        assert {repositories[repository].urn, policy.urn, token.urn} <= set(dependencies)
        assert images[name].plain["registry"]["username"] == "lookedupns/ci-bot"
        assert images[name].secret_inputs == ["registry.password"]
    outputs = result.outputs["images"].value
    assert set(outputs) == {"api", "worker"}
    assert set(outputs["api"]) == {"imageName", "repoDigest", "repositoryId"}
    # Forwarded from the docker.Image and the repository.
    assert outputs["api"]["imageName"] == images["p-team-api-image"].plain["imageName"]
    assert outputs["api"]["repositoryId"].startswith("ocid1.containerrepo.")
    assert result.outputs["authToken"].secret
    assert result.leaks(TOKEN) == []
    assert result.state_leaks(TOKEN) == []


def test_project_uses_the_given_namespace_compartment_and_protection() -> None:
    def program() -> None:
        OcirProject(
            "p-team",
            project_args(
                tenancy_namespace="givenns",
                compartment_ocid=COMPARTMENT,
                protect=True,
                images=[ProjectImageArgs(name="api", tag="1.0", immutable=True)],
            ),
        )

    result = run(program)
    assert GET_NAMESPACE not in [i.token for i in result.invokes]
    repository = result.one(REPOSITORY)
    assert repository.plain["compartmentId"] == COMPARTMENT
    assert repository.plain["isImmutable"] is True
    assert (repository.protect, repository.retain_on_delete) == (True, True)
    assert result.one(POLICY).protect is True
    assert result.one(IMAGE).plain["imageName"] == "ams.ocir.io/givenns/p-team-api:1.0"


def test_project_promotes_an_image_with_a_source_reference() -> None:
    def program() -> None:
        project = OcirProject(
            "p-team",
            project_args(
                tenancy_namespace="givenns",
                images=[
                    ProjectImageArgs(name="api", tag="1.0", source_reference=SOURCE, promoted_from=f"org/{NS}/dev")
                ],
            ),
        )
        pulumi.export("images", project.images)

    result = run(program)
    assert result.of_type(IMAGE) == []
    push = result.one(REGISTRY_IMAGE)
    assert result.one(REMOTE_IMAGE).plain["name"] == SOURCE
    assert push.plain["name"] == "ams.ocir.io/givenns/p-team-api:1.0"
    assert {result.one(POLICY).urn, result.one(AUTH_TOKEN).urn} <= set(push.dependencies)
    assert result.one(REPOSITORY).plain["freeformTags"] == {"promoted-from": f"org/{NS}/dev"}
    assert result.outputs["images"].value["api"]["sourceRepoDigest"] == SOURCE


def test_project_refuses_duplicate_images_before_declaring_anything() -> None:
    def program() -> None:
        OcirProject(
            "p-team",
            project_args(images=[ProjectImageArgs(name="api", tag="1.0"), ProjectImageArgs(name="api", tag="2.0")]),
        )

    result = refused(program)
    assert str(result.error).startswith("OcirProjectArgs.images[1].name: 'api' is the name of an earlier image")
    assert result.resources == []


@pytest.mark.parametrize(
    ("field", "value", "prefix"),
    [
        ("prefix", "P", "OcirProjectArgs.prefix: "),
        ("group_name", "a'b", "OcirProjectArgs.group_name: "),
        ("region", "mars", "OcirProjectArgs.region: "),
        ("user_ocid", TENANCY, "OcirProjectArgs.user_ocid: "),
        ("user_name", "ns/user", "OcirProjectArgs.user_name: "),
        ("user_domain", "a b", "OcirProjectArgs.user_domain: "),
        ("compartment_ocid", USER, "OcirProjectArgs.compartment_ocid: "),
        ("tenancy_namespace", "UPPER", "OcirProjectArgs.tenancy_namespace: "),
        ("token_rotation", "no spaces", "OcirProjectArgs.token_rotation: "),
        ("login_timeout_seconds", 901, "OcirProjectArgs.login_timeout_seconds: must be 0 (no wait) to 900, got 901"),
        ("images", [{"name": "API", "tag": "1.0"}], "OcirProjectArgs.images[0].name: "),
        ("images", [{"name": "api", "tag": "1 0"}], "OcirProjectArgs.images[0].tag: "),
        ("images", [{"name": "api", "tag": "1", "platform": "x"}], "OcirProjectArgs.images[0].platform: "),
        (
            "images",
            [{"name": "api", "tag": "1", "source_reference": "fra.ocir.io/ns/a:1"}],
            "OcirProjectArgs.images[0].source_reference: ",
        ),
    ],
)
def test_project_names_the_bad_argument(field: str, value: object, prefix: str) -> None:
    def program() -> None:
        OcirProject("p-team", project_args(**{field: value}))

    result = refused(program)
    assert isinstance(result.error, ArgumentError)
    assert str(result.error).startswith(prefix)
    assert len(result.error.problems) == 1
    assert result.resources == []


def test_project_refuses_a_bad_platform_for_a_promoted_image() -> None:
    def program() -> None:
        OcirProject(
            "p-team",
            project_args(images=[ProjectImageArgs(name="api", tag="1", source_reference=SOURCE, platform="x")]),
        )

    result = evaluate(program, raise_errors=False)
    assert str(result.error).startswith("OcirProjectArgs.images[0].platform: ")
    assert result.resources == []


def test_project_lists_every_problem_with_its_path() -> None:
    def program() -> None:
        OcirProject(
            "p-team",
            project_args(
                prefix="P",
                region="mars",
                tenancy_namespace="UPPER",
                images=[ProjectImageArgs(name="api", tag="1.0"), ProjectImageArgs(name="Worker", tag="-x")],
            ),
        )

    result = refused(program)
    error = result.error
    assert isinstance(error, ArgumentError)
    paths = ["prefix", "region", "tenancy_namespace", "images[1].name", "images[1].tag"]
    assert [path for path, _ in error.problems] == paths
    assert [line.split(": ", 1)[0] for line in str(error).splitlines()] == [f"OcirProjectArgs.{p}" for p in paths]
    assert result.resources == []


# Every rule runs once: OcirProject checks its children's arguments as its own


CHILD_CHECKS = [
    (components.access_policy, "check_access_policy_args"),
    (components.credentials, "check_credentials_args"),
    (components.repository, "check_repository_args"),
    (components.image, "check_build"),
    (components.promotion, "check_promotion"),
]


@pytest.fixture
def check_calls(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts the calls of OcirProject's check and of each child component's own check."""
    calls: Counter[str] = Counter()

    def counting(name: str, check: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            calls[name] += 1
            return check(*args, **kwargs)

        return wrapper

    for module, name in [*CHILD_CHECKS, (components.project, "check_project_args")]:
        monkeypatch.setattr(module, name, counting(name, getattr(module, name)))
    return calls


def project_with_every_child() -> OcirProject:
    return OcirProject(
        "p-team",
        project_args(
            images=[
                ProjectImageArgs(name="api", tag="1.0", platform="linux/amd64"),
                ProjectImageArgs(name="legacy", tag="1.0", source_reference=SOURCE),
            ]
        ),
    )


def test_components_on_their_own_run_their_checks(check_calls: Counter[str]) -> None:
    """The control for the test below: the counters see each component's own check."""

    def program() -> None:
        gate()
        RegistryCredentials("ci", RegistryCredentialsArgs(user_ocid=USER, registry_server="r", namespace="n"))
        repository = Repository("api", repository_args())
        Image("api", ImageArgs(repository_url=repository.repository_url, tag="1", registry=LOGIN))
        PromotedImage(
            "old",
            PromotedImageArgs(
                repository_url=repository.repository_url, tag="1", registry=LOGIN, source_reference=SOURCE
            ),
        )

    run(program)
    assert check_calls == Counter({name: 1 for _, name in CHILD_CHECKS})


def test_project_checks_once_and_its_children_do_not_check_again(check_calls: Counter[str]) -> None:
    def program() -> None:
        project_with_every_child()

    result = run(program)
    # Every kind of child was declared...
    assert {"ocir:index:Image", "ocir:index:PromotedImage", "ocir:index:Repository"} <= {
        r.type for r in result.resources
    }
    # ...and only the project's own check ran.
    assert check_calls == Counter({"check_project_args": 1})


def test_a_program_that_checked_the_arguments_itself_skips_the_project_check(check_calls: Counter[str]) -> None:
    def program() -> None:
        check_project_args(project_args(images=[ProjectImageArgs(name="api", tag="1.0")]))
        with already_checked():
            OcirProject("p-team", project_args(images=[ProjectImageArgs(name="api", tag="1.0")]))
        # The skip ends with the block.
        Repository("after", repository_args(repository_name="p-team-after"))

    result = run(program)
    assert result.one("ocir:index:OcirProject")
    assert check_calls == Counter({"check_repository_args": 1})
