"""Multi-platform images (`platforms`): one index tag over one image per platform, under mocks.

The mocks answer each docker.Image's repoDigest and the Index's ref with digests of their own; the
assertions are on what the program declared (names, tags, platforms, sources, dependencies, secrets)
and on how it derived its outputs from what the providers answered. Whether a real registry answers
the digest the integration tests see is tests/integration/test_multi_platform.py's question.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest

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
    RepositoryAccessPolicy,
    RepositoryAccessPolicyArgs,
)
from components.image import digest_of, platform_tag, repo_digest_of
from stackconfig import ConfigError, parse_settings
from stackconfig.promotion import source_reference
from tests.conftest import NS, TENANCY, TOKEN, USER, valid_config
from tests.projects import DEV, PROD
from tools.engine.credentials import registry_uses
from tools.engine.mocks import OcirMocks
from tools.engine.types import AUTH_TOKEN, IMAGE, INDEX, POLICY, REGISTRY_IMAGE, REMOTE_IMAGE, REPOSITORY, TAG
from tools.harness import StackRun, evaluate, reference_outputs, run_program
from tools.policy_check import check_resource, check_run
from tools.stackfiles import PROJECT_DIR, encode_config

LOGIN: RegistryAuthArgs = {"server": "iad.ocir.io", "username": "axaxnpcrorw5/ci-bot", "password": "plain-password"}
URL = "iad.ocir.io/axaxnpcrorw5/p-team-api"
BOTH = ["linux/amd64", "linux/arm64"]
SOURCE = f"fra.ocir.io/devns/p-dev-api@sha256:{'d' * 64}"


def run(program: Any) -> StackRun:
    return evaluate(program, mocks=OcirMocks(token=TOKEN, namespace="lookedupns", user_name="looked-up-user"))


def refusal(program: Any) -> BaseException:
    result = evaluate(program, raise_errors=False)
    assert result.error is not None, "the program was expected to fail"
    assert result.resources == [] or all(r.type == "pulumi:pulumi:Stack" for r in result.resources)
    return result.error


# --- Image -----------------------------------------------------------------------------------


def test_image_with_platforms_builds_each_platform_and_pushes_one_index_tag() -> None:
    def program() -> None:
        image = Image(
            "api",
            ImageArgs(repository_url=URL, tag="2.1", registry=LOGIN, platforms=BOTH, build_args={"MODE": "prod"}),
        )
        pulumi.export("imageName", image.image_name)
        pulumi.export("repoDigest", image.repo_digest)
        pulumi.export("indexDigest", image.index_digest)
        pulumi.export("platformDigests", image.platform_digests)

    result = run(program)
    component = result.one("ocir:index:Image")
    # Registration order is the runtime's: by name (BOTH is in name order).
    builds = sorted(result.of_type(IMAGE), key=lambda build: build.name)
    assert [build.name for build in builds] == ["api-image-linux-amd64", "api-image-linux-arm64"]
    for build, platform in zip(builds, BOTH, strict=True):
        assert build.parent == component.urn
        assert build.plain["imageName"] == f"{URL}:2.1-{platform.replace('/', '-')}"
        assert build.plain["build"] == {
            "context": "app",
            "dockerfile": "app/Dockerfile",
            "args": {"MODE": "prod"},
            "platform": platform,
        }
        assert build.secret_inputs == ["registry.password"]

    index = result.one(INDEX)
    assert index.name == "api-index"
    assert index.parent == component.urn
    assert index.plain["tag"] == f"{URL}:2.1"
    assert index.plain["push"] is True
    # The index lists what each platform's push reported (forwarded), in the order of `platforms`.
    assert index.plain["sources"] == [build.state["repoDigest"] for build in builds]
    assert {build.urn for build in builds} <= set(index.dependencies)
    assert index.plain["registry"] == {
        "address": "iad.ocir.io",
        "username": "axaxnpcrorw5/ci-bot",
        "password": "plain-password",
    }
    assert index.secret_inputs == ["registry.password"]
    assert result.leaks("plain-password") == []

    # repoDigest is the index's, derived from the Index's ref (the mock's own digest, not any source's).
    ref = index.state["ref"]
    index_digest = ref.split("@")[1]
    assert index_digest not in {build.state["repoDigest"].split("@")[1] for build in builds}
    assert result.outputs["imageName"].value == f"{URL}:2.1"
    assert result.outputs["repoDigest"].value == f"{URL}@{index_digest}"
    assert result.outputs["indexDigest"].value == index_digest
    assert result.outputs["platformDigests"].value == {
        platform: build.state["repoDigest"].split("@")[1] for platform, build in zip(BOTH, builds, strict=True)
    }


def test_every_push_of_a_multi_platform_image_waits_for_what_the_component_depends_on() -> None:
    def program() -> None:
        gate = RepositoryAccessPolicy(
            "gate", RepositoryAccessPolicyArgs(tenancy_ocid=TENANCY, prefix="p-team", group_name="team-devs")
        )
        Image(
            "api",
            ImageArgs(repository_url=URL, tag="2.1", registry=LOGIN, platforms=BOTH),
            pulumi.ResourceOptions(depends_on=[gate]),
        )

    result = run(program)
    gate = result.one(POLICY)
    for pushed in [*result.of_type(IMAGE), result.one(INDEX)]:
        assert gate.urn in pushed.dependencies, pushed.name


def test_a_single_platform_image_declares_what_it_did_before() -> None:
    def program() -> None:
        image = Image("api", ImageArgs(repository_url=URL, tag="2.1", registry=LOGIN, platform="linux/arm64"))
        pulumi.export("indexDigest", image.index_digest)

    result = run(program)
    assert [build.name for build in result.of_type(IMAGE)] == ["api-image"]
    assert result.of_type(INDEX) == []
    assert result.outputs["indexDigest"].value is None


@pytest.mark.parametrize(
    ("args", "problems"),
    [
        ({"platforms": BOTH, "platform": "linux/amd64"}, ["platforms"]),
        ({"platforms": ["linux/arm64"]}, ["platforms"]),
        ({"platforms": ["linux/arm64", "linux/arm64"]}, ["platforms"]),
        ({"platforms": ["linux/amd64", "arm64"]}, ["platforms[1]"]),
        ({"platforms": "linux/amd64,linux/arm64"}, ["platforms"]),
        ({"tag": "v" * 120, "platforms": BOTH}, ["tag", "tag"]),
    ],
)
def test_a_bad_platform_list_is_refused_naming_the_argument(args: dict[str, Any], problems: list[str]) -> None:
    def program() -> None:
        Image("api", {"repository_url": URL, "tag": "1.0", "registry": LOGIN, **args})

    error = refusal(program)
    assert isinstance(error, ArgumentError)
    assert [path for path, _ in error.problems] == problems, error.problems
    assert str(error).startswith(f"ImageArgs.{problems[0]}: ")


def test_platform_tags_and_digests() -> None:
    assert platform_tag("1.0", "linux/arm64/v8") == "1.0-linux-arm64-v8"
    digest = "sha256:" + "a" * 64
    assert repo_digest_of(f"fra.ocir.io/ns/p-api:1.0@{digest}") == f"fra.ocir.io/ns/p-api@{digest}"
    assert repo_digest_of(f"127.0.0.1:5000/ns/p-api:1.0@{digest}") == f"127.0.0.1:5000/ns/p-api@{digest}"
    assert digest_of(f"127.0.0.1:5000/ns/p-api@{digest}") == digest
    with pytest.raises(pulumi.RunError, match="did not report a digest"):
        repo_digest_of("fra.ocir.io/ns/p-api:1.0")


# --- PromotedImage ---------------------------------------------------------------------------


SOURCE_PLATFORMS = {"linux/amd64": f"sha256:{'a' * 64}", "linux/arm64": f"sha256:{'b' * 64}"}


def test_promoting_a_multi_platform_image_copies_each_platform_by_digest() -> None:
    def program() -> None:
        promoted = PromotedImage(
            "api",
            PromotedImageArgs(
                repository_url=URL,
                tag="2.1",
                registry=LOGIN,
                source_reference=SOURCE,
                platforms=BOTH,
                source_platform_digests=SOURCE_PLATFORMS,
            ),
        )
        pulumi.export("repoDigest", promoted.repo_digest)
        pulumi.export("indexDigest", promoted.index_digest)
        pulumi.export("platformDigests", promoted.platform_digests)
        pulumi.export("sourceRepoDigest", promoted.source_repo_digest)

    result = run(program)
    assert result.of_type(IMAGE) == []
    source_repository = SOURCE.split("@")[0]
    pulls = {r.plain["platform"]: r.plain["name"] for r in result.of_type(REMOTE_IMAGE)}
    assert pulls == {platform: f"{source_repository}@{digest}" for platform, digest in SOURCE_PLATFORMS.items()}
    tags = sorted(r.plain["targetImage"] for r in result.of_type(TAG))
    assert tags == [f"{URL}:{platform_tag('2.1', platform)}" for platform in BOTH]
    pushes = result.of_type(REGISTRY_IMAGE)
    assert sorted(r.plain["name"] for r in pushes) == tags
    for push in pushes:
        assert push.plain["keepRemotely"] is True
        assert push.plain["authConfig"]["username"] == LOGIN["username"]
        assert push.secret_inputs == ["authConfig.password"]
    # The index is made in the target repository, over what the pushes reported (not the source's digests).
    index = result.one(INDEX)
    reported = {r.plain["name"]: r.state["sha256Digest"] for r in pushes}
    assert sorted(index.plain["sources"]) == sorted(f"{URL}@{digest}" for digest in reported.values())
    assert index.plain["tag"] == f"{URL}:2.1"
    assert index.secret_inputs == ["registry.password"]
    assert index.retain_on_delete is True
    digest = index.state["ref"].split("@")[1]
    assert result.outputs["repoDigest"].value == f"{URL}@{digest}"
    assert result.outputs["indexDigest"].value == digest
    assert result.outputs["platformDigests"].value == {
        platform: reported[f"{URL}:{platform_tag('2.1', platform)}"] for platform in BOTH
    }
    assert result.outputs["sourceRepoDigest"].value == SOURCE


def test_a_multi_platform_promotion_needs_each_platforms_source_digest() -> None:
    args = PromotedImageArgs(repository_url=URL, tag="2.1", registry=LOGIN, source_reference=SOURCE, platforms=BOTH)
    error = refusal(lambda: PromotedImage("api", args))
    assert str(error).startswith("PromotedImageArgs.source_platform_digests: is required with platforms")

    one = {"linux/amd64": SOURCE_PLATFORMS["linux/amd64"]}
    result = evaluate(lambda: PromotedImage("api", {**args, "source_platform_digests": one}), raise_errors=False)
    assert isinstance(result.error, pulumi.RunError)
    assert str(result.error) == (
        "PromotedImageArgs.source_platform_digests: has no digest for linux/arm64 (it has: linux/amd64)"
    )


# --- OcirProject and the config --------------------------------------------------------------


def project_args(**image: Any) -> OcirProjectArgs:
    return {
        "prefix": "p-team",
        "group_name": "team-devs",
        "tenancy_ocid": TENANCY,
        "region": "iad",
        "user_ocid": USER,
        "tenancy_namespace": "givenns",
        "images": [ProjectImageArgs(name="api", tag="1.0", **image)],
    }


def test_project_pushes_the_index_after_the_repository_policy_and_the_accepted_token() -> None:
    def program() -> None:
        project = OcirProject("p-team", project_args(platforms=BOTH))
        pulumi.export("images", project.images)

    result = run(program)
    index = result.one(INDEX)
    must_wait_for = {result.one(REPOSITORY).urn, result.one(POLICY).urn, result.one(AUTH_TOKEN).urn}
    for pushed in [*result.of_type(IMAGE), index]:
        assert must_wait_for <= set(pushed.dependencies) | _through_sources(result, pushed), pushed.name
    entry = result.outputs["images"].value["api"]
    digest = index.state["ref"].split("@")[1]
    assert entry["imageName"] == "iad.ocir.io/givenns/p-team-api:1.0"
    assert entry["repoDigest"] == f"iad.ocir.io/givenns/p-team-api@{digest}"
    assert entry["indexDigest"] == digest
    assert set(entry["platformDigests"]) == set(BOTH)


def _through_sources(result: StackRun, pushed: Any) -> set[str]:
    """What a resource waits for through the resources it depends on (the repository, via repositoryUrl)."""
    return {
        urn
        for dependency in pushed.dependencies
        for r in result.resources
        if r.urn == dependency
        for urn in r.dependencies
    }


def test_a_single_platform_project_image_has_no_index_outputs() -> None:
    def program() -> None:
        project = OcirProject("p-team", project_args())
        pulumi.export("images", project.images)

    entry = run(program).outputs["images"].value["api"]
    assert set(entry) == {"imageName", "repoDigest", "repositoryId"}


def parse(config: dict[str, Any]) -> Any:
    return parse_settings(encode_config(config), NS, project_dir=PROJECT_DIR)


@pytest.mark.parametrize(
    ("image", "key", "rule"),
    [
        ({"platforms": "linux/amd64"}, f"{NS}:images[0].platforms", "must be a list of platforms"),
        ({"platforms": ["linux/amd64", 64]}, f"{NS}:images[0].platforms[1]", "must be a string"),
        ({"platforms": ["linux/amd64", "arm64"]}, f"{NS}:images[0].platforms[1]", "one platform such as"),
        ({"platforms": ["linux/arm64"]}, f"{NS}:images[0].platforms", "at least two platforms"),
        ({"platforms": ["linux/arm64", "linux/arm64"]}, f"{NS}:images[0].platforms", "more than once"),
        ({"platforms": BOTH, "platform": "linux/amd64"}, f"{NS}:images[0].platforms", "together with platform"),
        ({"platforms": BOTH, "tag": "1" * 120}, f"{NS}:images[0].tag", "too long for a multi-platform image"),
    ],
)
def test_a_bad_platform_list_is_a_config_error_naming_the_key(image: dict[str, Any], key: str, rule: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(valid_config(images=[{"name": "api", "tag": "1.0", **image}]))
    first = str(caught.value).splitlines()[0]
    assert first.startswith(f"{key}: "), str(caught.value)
    assert rule in first


def test_a_stack_with_platforms_plans_one_index_tag_and_passes_the_pack() -> None:
    for base, stack in ((DEV, "dev"), (PROD, "prod")):
        image = {key: value for key, value in base[f"{NS}:images"][0].items() if key != "platform"}
        config = {**base, f"{NS}:images": [{**image, "platforms": BOTH}]}
        result = run_program(config, stack=stack, mocks=OcirMocks(token=TOKEN, plan=True))
        assert result.error is None, result.error
        (index,) = result.of_type(INDEX)
        assert index.plain["tag"].endswith(f"-storefront:{image['tag']}")
        assert sorted(build.plain["build"]["platform"] for build in result.of_type(IMAGE)) == BOTH
        assert check_run(result, encode_config(config)) == []


def test_the_pack_judges_the_index_tag() -> None:
    production = encode_config(valid_config(production=True))
    base = "fra.ocir.io/ns/p-test-api"
    assert check_resource(INDEX, {"tag": f"{base}:1.0.0"}, production) == []
    latest = [v.policy for v in check_resource(INDEX, {"tag": f"{base}:latest"}, production)]
    assert latest == ["ocir-production-no-latest"]
    outside = [v.policy for v in check_resource(INDEX, {"tag": "fra.ocir.io/ns/other-api:1.0.0"}, production)]
    assert outside == ["ocir-repository-prefix"]


# --- promotion between stacks ----------------------------------------------------------------


def multi_dev_outputs() -> dict[str, Any]:
    config = {**DEV, f"{NS}:images": [{**DEV[f"{NS}:images"][0], "platforms": BOTH}]}
    return reference_outputs(run_program(config, stack="dev", mocks=OcirMocks(token=TOKEN)))


def promoted(outputs: dict[str, Any], image: dict[str, Any]) -> StackRun:
    values = encode_config({**PROD, f"{NS}:images": [image]})
    values[f"{NS}:promoteFrom"] = f"organization/{NS}/dev"
    mocks = OcirMocks(token=TOKEN, stack_outputs={f"organization/{NS}/dev": outputs})
    return run_program(values, stack="prod", mocks=mocks, raise_errors=False)


def test_prod_copies_devs_platforms_reading_dev_only_with_devs_login_on_one_registry_host() -> None:
    # Dev and prod on one host (fra.ocir.io), each push user allowed only its own prefix: every read of a dev
    # repository must use dev's login and every push (and the index's reads) prod's, with the login each provider
    # really picks for that host (tools/engine/credentials.py).
    dev = {**DEV, f"{NS}:images": [{**DEV[f"{NS}:images"][0], "platforms": BOTH}]}
    outputs = reference_outputs(run_program(dev, stack="dev", mocks=OcirMocks(token=TOKEN)))
    values = encode_config({**PROD, f"{NS}:region": "fra", f"{NS}:images": [{"name": "storefront", "tag": "1.0.0",
                                                                          "platforms": BOTH}]})  # fmt: skip
    values[f"{NS}:promoteFrom"] = f"organization/{NS}/dev"
    result = run_program(
        values, stack="prod", mocks=OcirMocks(token=TOKEN, stack_outputs={f"organization/{NS}/dev": outputs})
    )
    dev_login = outputs["loginUsername"]
    prod_login = result.outputs["loginUsername"].value
    assert dev_login != prod_login
    uses = registry_uses(result.resources)
    assert {use.host for use in uses} == {"fra.ocir.io"}
    for use in uses:
        owner = dev_login if use.repository.split("/", 1)[1].startswith("p-shop-dev-") else prod_login
        assert use.login is not None, use
        assert use.login.username == owner, use
    dev_entry = outputs["images"]["storefront"]
    reads = sorted(use.reference for use in uses if use.action == "pull" and use.type == REMOTE_IMAGE)
    source_repository = dev_entry["repoDigest"].split("@")[0]
    assert reads == sorted(f"{source_repository}@{digest}" for digest in dev_entry["platformDigests"].values())
    assert result.outputs["images"].value["storefront"]["sourceRepoDigest"] == dev_entry["repoDigest"]
    assert set(result.outputs["images"].value["storefront"]["platformDigests"]) == set(BOTH)


def test_promoting_a_multi_platform_source_without_its_platforms_is_refused() -> None:
    result = promoted(multi_dev_outputs(), {"name": "storefront", "tag": "1.0.0"})
    assert isinstance(result.error, pulumi.RunError)
    assert str(result.error).startswith(f"{NS}:promoteFrom: ")
    assert "multi-platform image index (linux/amd64, linux/arm64)" in str(result.error)


def test_promoting_a_platform_the_source_did_not_build_is_refused() -> None:
    entry = {"repoDigest": SOURCE, "platformDigests": {"linux/amd64": "sha256:" + "a" * 64}}
    with pytest.raises(pulumi.RunError, match=rf"^{NS}:promoteFrom: .* has no linux/arm64 image"):
        source_reference({"api": entry}, "api", f"org/{NS}/dev", platforms=BOTH, namespace=NS)
