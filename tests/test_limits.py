"""OCI's limits: each is checked where the value enters, at its boundary (at the limit passes, one over
fails naming the argument or the key, nothing declared); generated values shorten themselves instead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components import (
    ArgumentError,
    OcirProject,
    RegistryCredentials,
    RegistryCredentialsArgs,
    RepositoryAccessPolicy,
    RepositoryAccessPolicyArgs,
)
from components.access_policy import policy_description
from components.limits import (
    MAX_DESCRIPTION,
    MAX_POLICY_STATEMENTS,
    MAX_TAG_KEY,
    MAX_TAG_VALUE,
    check_statement_count,
    shorten,
)
from components.project import check_project_args
from components.statements import group_subject
from components.tokens import ExistingToken, token_description
from stackconfig import program_tags
from tests.conftest import NS, TENANCY, USER, valid_config
from tests.test_components import project_args, refused, repository_args
from tools.engine.mocks import OcirMocks
from tools.engine.types import AUTH_TOKEN, POLICY, REPOSITORY
from tools.engine.wire import SECRET_SIG, SECRET_VALUE_SIG
from tools.harness import StackRun, evaluate

PREFIX_88 = "p" * 88
GROUP_100 = "g" * 100
DOMAIN_100 = "d" * 100


def component_error(declare: Callable[[], Any]) -> ArgumentError:
    result = refused(declare)
    assert isinstance(result.error, ArgumentError), result.error
    assert result.resources == []
    return result.error


# Descriptions


def test_the_longest_valid_names_made_a_policy_description_oci_refuses() -> None:
    subject = group_subject(GROUP_100, DOMAIN_100)
    assert len(f"OCIR access for project {PREFIX_88}: {subject} manages repositories {PREFIX_88}-*") > MAX_DESCRIPTION


def test_the_generated_policy_description_shortens_itself_keeping_the_prefix() -> None:
    long = policy_description(PREFIX_88, GROUP_100, DOMAIN_100)
    assert len(long) <= MAX_DESCRIPTION
    assert long == f"OCIR access for project {PREFIX_88}: one group manages repositories {PREFIX_88}-*"
    # A description that fits is unchanged (deployed stacks see no diff).
    assert policy_description("p-team", "team-devs", None) == (
        "OCIR access for project p-team: group team-devs manages repositories p-team-*"
    )


def test_the_program_declares_the_shortened_policy_description(run: Callable[..., StackRun]) -> None:
    result = run(valid_config(prefix=PREFIX_88, groupName=GROUP_100, identityDomain=DOMAIN_100, images=[]))
    description = result.one(POLICY).plain["description"]
    assert len(description) <= MAX_DESCRIPTION
    assert PREFIX_88 in description


def test_the_token_description_fits_and_parses_back_at_the_longest_prefix_and_label() -> None:
    label = "r" * 40
    description = token_description(PREFIX_88, label)
    assert len(description) <= MAX_DESCRIPTION
    token = ExistingToken("t", description)
    assert token.owned_by(PREFIX_88)
    assert token.rotation == label


@pytest.mark.parametrize("rotation", [None, "2026-11"])
def test_a_token_description_for_a_longer_prefix_drops_words_never_the_prefix_or_label(rotation: str | None) -> None:
    prefix = "p" * 350  # longer than checked prefixes: only a caller that skips the checks gets here
    description = token_description(prefix, rotation)
    assert len(description) <= MAX_DESCRIPTION
    token = ExistingToken("t", description)
    assert token.owned_by(prefix)
    assert token.rotation == rotation
    with pytest.raises(ValueError, match="no room"):
        token_description("p" * 400, rotation)


@pytest.mark.parametrize(("length", "fails"), [(MAX_DESCRIPTION, False), (MAX_DESCRIPTION + 1, True)])
def test_a_given_policy_description_is_limited_to_400(length: int, fails: bool) -> None:
    def program() -> None:
        RepositoryAccessPolicy(
            "team",
            RepositoryAccessPolicyArgs(
                tenancy_ocid=TENANCY, prefix="p-team", group_name="team-devs", description="d" * length
            ),
        )

    if fails:
        error = component_error(program)
        assert str(error).startswith("RepositoryAccessPolicyArgs.description: is 401 characters long")
    else:
        result = evaluate(program)
        assert len(result.one(POLICY).plain["description"]) == MAX_DESCRIPTION


@pytest.mark.parametrize(("length", "fails"), [(MAX_DESCRIPTION, False), (MAX_DESCRIPTION + 1, True)])
def test_a_given_token_description_is_limited_to_400(length: int, fails: bool) -> None:
    def program() -> None:
        RegistryCredentials(
            "ci",
            RegistryCredentialsArgs(
                user_ocid=USER, registry_server="fra.ocir.io", namespace="ns", user_name="ci", description="d" * length
            ),
        )

    if fails:
        error = component_error(program)
        assert str(error).startswith("RegistryCredentialsArgs.description: is 401 characters long")
    else:
        assert len(evaluate(program).one(AUTH_TOKEN).plain["description"]) == MAX_DESCRIPTION


# Policy name and repository name


def test_the_policy_name_is_at_most_100_through_the_prefix(run: Callable[..., StackRun]) -> None:
    ok = run(valid_config(prefix=PREFIX_88, images=[]))
    assert len(ok.one(POLICY).plain["name"]) == 100
    over = run(valid_config(prefix="p" * 89, images=[]), raise_errors=False)
    assert str(over.error).startswith(f"{NS}:prefix: must be at most 88 characters")
    assert over.resources == []


@pytest.mark.parametrize(("length", "fails"), [(255, False), (256, True)])
def test_a_repository_name_is_at_most_255(length: int, fails: bool) -> None:
    name = "r" * length

    def program() -> None:
        from components import Repository

        Repository("api", repository_args(repository_name=name))

    if fails:
        assert str(component_error(program)).startswith("RepositoryArgs.repository_name: must be an OCIR repository")
    else:
        assert evaluate(program).one(REPOSITORY).plain["displayName"] == name


@pytest.mark.parametrize(("length", "fails"), [(255, False), (256, True)])
def test_the_prefix_and_image_name_make_a_repository_of_at_most_255(
    run: Callable[..., StackRun], length: int, fails: bool
) -> None:
    image = "i" * (length - len("p-test-"))
    args = project_args(images=[{"name": image, "tag": "1.0"}])
    if fails:
        with pytest.raises(ArgumentError, match=r"^OcirProjectArgs.images\[0\].name: makes the repository name"):
            check_project_args(args)
        result = run(valid_config(images=[{"name": image, "tag": "1.0"}]), raise_errors=False)
        assert str(result.error).startswith(f"{NS}:images[0].name: makes the repository name")
        assert result.resources == []
    else:
        check_project_args(args)
        result = run(valid_config(images=[{"name": image, "tag": "1.0"}]), raise_errors=False)
        # The repository name fits; the whole image name (registry and namespace too) is docker's next limit.
        assert "repository name" not in str(result.error)


# Free-form tags


@pytest.mark.parametrize(
    ("tags", "path", "rule"),
    [
        ({"k" * MAX_TAG_KEY: "v"}, None, None),
        ({"k" * (MAX_TAG_KEY + 1): "v"}, "freeform_tags." + "k" * 101, "must be a tag key of 1-100 characters"),
        ({"team": "v" * MAX_TAG_VALUE}, None, None),
        ({"team": "v" * (MAX_TAG_VALUE + 1)}, "freeform_tags.team", "is 257 characters long"),
        ({"cost center": "x"}, "freeform_tags.cost center", "without periods or spaces"),
        ({"a.b": "x"}, "freeform_tags.a.b", "without periods or spaces"),
        ({"": "x"}, "freeform_tags.", "must be a tag key"),
    ],
)
def test_project_tags_respect_ocis_key_and_value_limits(
    tags: dict[str, str], path: str | None, rule: str | None
) -> None:
    args = project_args(freeform_tags=tags)
    if path is None:
        check_project_args(args)
        result = evaluate(lambda: OcirProject("p-team", args), mocks=OcirMocks())
        assert result.one(POLICY).plain["freeformTags"] == tags
        return
    with pytest.raises(ArgumentError) as caught:
        check_project_args(args)
    assert caught.value.problems[0][0] == path
    assert rule is not None
    assert rule in caught.value.problems[0][1]
    assert str(component_error(lambda: OcirProject("p-team", args))).startswith(f"OcirProjectArgs.{path}: ")


def test_policy_and_repository_tags_are_checked_as_their_own_arguments() -> None:
    def policy() -> None:
        RepositoryAccessPolicy(
            "team",
            RepositoryAccessPolicyArgs(
                tenancy_ocid=TENANCY, prefix="p-team", group_name="team-devs", freeform_tags={"team": "v" * 257}
            ),
        )

    def repository() -> None:
        from components import Repository

        Repository("api", repository_args(freeform_tags={"k" * 101: "v"}))

    assert str(component_error(policy)).startswith("RepositoryAccessPolicyArgs.freeform_tags.team: is 257 characters")
    assert str(component_error(repository)).startswith("RepositoryArgs.freeform_tags.kkkk")


@pytest.mark.parametrize(("length", "fails"), [(MAX_TAG_VALUE, False), (MAX_TAG_VALUE + 1, True)])
def test_promoted_from_is_a_tag_value_of_at_most_256(length: int, fails: bool) -> None:
    image = {"name": "api", "tag": "1.0", "source_reference": f"fra.ocir.io/ns/p-api@sha256:{'d' * 64}"}
    args = project_args(images=[{**image, "promoted_from": "s" * length}])
    if fails:
        with pytest.raises(ArgumentError, match=r"^OcirProjectArgs.images\[0\].promoted_from: is 257 characters"):
            check_project_args(args)
    else:
        check_project_args(args)


@pytest.mark.parametrize(("length", "fails"), [(MAX_TAG_VALUE, False), (MAX_TAG_VALUE + 1, True)])
def test_promote_from_must_fit_the_promoted_from_tag(run: Callable[..., StackRun], length: int, fails: bool) -> None:
    stack = f"org/{NS}/" + "s" * (length - len(f"org/{NS}/"))
    digest = f"fra.ocir.io/devns/p-dev-api@sha256:{'d' * 64}"
    source = {
        "images": {"api": {"repoDigest": digest}},
        "registryServer": "fra.ocir.io",
        "loginUsername": "devns/ci",
        "authToken": {SECRET_SIG: SECRET_VALUE_SIG, "value": "source-token"},
    }
    mocks = OcirMocks(stack_outputs={stack: source})
    result = run(valid_config(promoteFrom=stack), mocks=mocks, raise_errors=False)
    if fails:
        assert str(result.error).startswith(f"{NS}:promoteFrom: is 257 characters long")
        assert result.resources == []
    else:
        assert result.error is None
        assert result.one(REPOSITORY).plain["freeformTags"]["promoted-from"] == stack


def test_the_programs_own_stack_tag_shortens_itself() -> None:
    assert program_tags("shop", "dev") == {"managed-by": "pulumi", "pulumi-stack": "shop/dev"}
    exact = program_tags("shop", "s" * (MAX_TAG_VALUE - len("shop/")))["pulumi-stack"]
    assert len(exact) == MAX_TAG_VALUE
    assert not exact.endswith("…")
    long = program_tags("shop", "s" * MAX_TAG_VALUE)["pulumi-stack"]
    assert len(long) == MAX_TAG_VALUE
    assert long.startswith("shop/sss")
    assert long.endswith("…")


def test_the_program_declares_its_shortened_stack_tag(run: Callable[..., StackRun]) -> None:
    result = run(valid_config(), stack="s" * 300)
    tags = result.one(REPOSITORY).plain["freeformTags"]
    assert len(tags["pulumi-stack"]) == MAX_TAG_VALUE
    assert result.one(POLICY).plain["freeformTags"] == tags


def test_shorten_keeps_what_fits() -> None:
    assert shorten("abc", 3) == "abc"
    assert shorten("abcd", 3) == "ab…"


# Statements per policy


def test_statement_count_is_limited_per_policy() -> None:
    check_statement_count(["allow …"] * MAX_POLICY_STATEMENTS)
    with pytest.raises(ValueError, match="makes 51 policy statements; OCI allows 50"):
        check_statement_count(["allow …"] * (MAX_POLICY_STATEMENTS + 1))
