"""Adopting an existing repository (`repositoryOcid` / `import_ocid`): imported, not created, and only when
what OCI holds is what the stack declares. The mocks hold the existing repository as each test states it;
what is asserted is the program's check and what it declares."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from components import ArgumentError, OcirProject, Repository
from components.project import check_project_args
from tests.conftest import COMPARTMENT, NS, TENANCY, valid_config
from tests.test_components import project_args, repository_args
from tools.engine.mocks import OcirMocks
from tools.engine.types import GET_CONTAINER_REPOSITORY, IMAGE, REPOSITORY
from tools.harness import StackRun, evaluate

OCID = "ocid1.containerrepo.oc1.eu-frankfurt-1.aaaaaaaaexistingrepo"


def existing(**overrides: Any) -> dict[str, dict[str, Any]]:
    """The repository `p-test-api` as a first push leaves it: private, mutable, root compartment, no tags."""
    repository = {"displayName": "p-test-api", "compartmentId": TENANCY, "isPublic": False, "isImmutable": False}
    repository.update(overrides)
    return {OCID: repository}


def image(**fields: Any) -> list[dict[str, Any]]:
    return [{"name": "api", "tag": "1.0", "repositoryOcid": OCID, **fields}]


def test_a_matching_repository_is_imported_not_created(run: Callable[..., StackRun]) -> None:
    result = run(valid_config(images=image()), mocks=OcirMocks(existing_repositories=existing()))
    repository = result.one(REPOSITORY)
    assert repository.import_id == OCID
    assert repository.plain["displayName"] == "p-test-api"
    assert repository.plain["compartmentId"] == TENANCY
    # The import declares the tags the repository has (none after a first push), so it matches.
    assert repository.plain["freeformTags"] == {}
    assert result.outputs["images"].value["api"]["repositoryId"] == OCID
    # Looked up before anything was declared (the program) and again by the component.
    lookups = [invoke for invoke in result.invokes if invoke.token == GET_CONTAINER_REPOSITORY]
    assert [invoke.args["repositoryId"] for invoke in lookups] == [OCID, OCID]
    assert result.one(IMAGE).plain["imageName"].endswith("/p-test-api:1.0")


def test_a_retained_repository_keeps_its_tags_while_imported(run: Callable[..., StackRun]) -> None:
    tags = {"managed-by": "pulumi", "pulumi-stack": f"{NS}/old"}
    result = run(
        valid_config(images=image(immutable=True), production=True),
        mocks=OcirMocks(existing_repositories=existing(isImmutable=True, freeformTags=tags)),
    )
    repository = result.one(REPOSITORY)
    assert repository.import_id == OCID
    assert repository.plain["freeformTags"] == tags
    assert (repository.protect, repository.retain_on_delete) == (True, True)


def test_without_an_ocid_the_repository_is_created(run: Callable[..., StackRun]) -> None:
    result = run(valid_config())
    assert result.one(REPOSITORY).import_id == ""
    assert not [invoke for invoke in result.invokes if invoke.token == GET_CONTAINER_REPOSITORY]


@pytest.mark.parametrize(
    ("difference", "config_fields", "says"),
    [
        ({"displayName": "p-other-api"}, {}, "the name is 'p-other-api' (declared 'p-test-api')"),
        ({"compartmentId": COMPARTMENT}, {}, f"the compartment is '{COMPARTMENT}' (declared '{TENANCY}')"),
        ({"isPublic": True}, {}, "public is True (declared False)"),
        ({"isImmutable": True}, {}, "immutable is True (declared False)"),
        ({}, {"public": True}, "public is False (declared True)"),
        ({"state": "DELETING"}, {}, "its state is 'DELETING'"),
    ],
)
def test_a_repository_that_differs_stops_the_run_naming_the_key(
    run: Callable[..., StackRun], difference: dict[str, Any], config_fields: dict[str, Any], says: str
) -> None:
    result = run(
        valid_config(images=image(**config_fields)),
        mocks=OcirMocks(existing_repositories=existing(**difference)),
        raise_errors=False,
    )
    message = str(result.error)
    assert message.startswith(f"{NS}:images[0].repositoryOcid: repository {OCID} is not the one declared: ")
    assert says in message
    assert "\n" not in message
    assert result.resources == []


def test_an_ocid_that_names_no_repository_stops_the_run_naming_the_key(run: Callable[..., StackRun]) -> None:
    result = run(valid_config(images=image()), mocks=OcirMocks(), raise_errors=False)
    assert str(result.error).startswith(f"{NS}:images[0].repositoryOcid: cannot read repository {OCID}: ")
    assert result.resources == []


@pytest.mark.parametrize(
    "ocid", ["ocid1.compartment.oc1..aaaaaaaaexistingrepo", "p-test-api", "ocid1.containerrepo.oc1..x"]
)
def test_the_ocid_must_be_a_container_repository_ocid(run: Callable[..., StackRun], ocid: str) -> None:
    result = run(valid_config(images=image(repositoryOcid=ocid)), raise_errors=False)
    assert str(result.error).startswith(f"{NS}:images[0].repositoryOcid: must be")
    assert "ocid1.containerrepo.…" in str(result.error)
    assert result.resources == []
    with pytest.raises(ArgumentError, match=r"^OcirProjectArgs.images\[0\].repository_ocid: must be"):
        check_project_args(project_args(images=[{"name": "api", "tag": "1.0", "repository_ocid": ocid}]))


def test_the_plan_shows_the_import(run: Callable[..., StackRun]) -> None:
    from tools.plan import plan_document, render_text

    document = plan_document(run(valid_config(images=image()), mocks=OcirMocks(existing_repositories=existing())))
    (repository,) = [r for r in document["resources"] if r["type"] == REPOSITORY]
    assert repository["options"]["import"] == OCID
    assert f"(import): {OCID}" in render_text(document)


# The components


def test_repository_adopts_with_import_ocid() -> None:
    def program() -> None:
        Repository("api", repository_args(repository_name="p-test-api", compartment_ocid=TENANCY, import_ocid=OCID))

    result = evaluate(program, mocks=OcirMocks(existing_repositories=existing()))
    assert result.one(REPOSITORY).import_id == OCID


def test_repository_names_its_argument_when_the_repository_differs() -> None:
    def program() -> None:
        Repository("api", repository_args(repository_name="p-test-api", compartment_ocid=TENANCY, import_ocid=OCID))

    result = evaluate(program, mocks=OcirMocks(existing_repositories=existing(isPublic=True)), raise_errors=False)
    assert str(result.error).startswith(f"RepositoryArgs.import_ocid: repository {OCID} is not the one declared: ")
    assert REPOSITORY not in [r.type for r in result.resources]


def test_repository_refuses_an_ocid_of_another_kind() -> None:
    def program() -> None:
        Repository("api", repository_args(import_ocid=COMPARTMENT))

    result = evaluate(program, raise_errors=False)
    assert str(result.error).startswith("RepositoryArgs.import_ocid: must be ocid1.containerrepo.…")
    assert result.resources == []


def test_ocir_project_names_the_image_argument_when_the_repository_differs() -> None:
    args = project_args(
        region="fra", images=[{"name": "api", "tag": "1.0", "repository_ocid": OCID}], tenancy_namespace="ns"
    )
    args["prefix"] = "p-test"
    result = evaluate(
        lambda: OcirProject("p-test", args),
        mocks=OcirMocks(existing_repositories=existing(isImmutable=True)),
        raise_errors=False,
    )
    assert str(result.error).startswith(
        f"OcirProjectArgs.images[0].repository_ocid: repository {OCID} is not the one declared: immutable is True"
    )
    assert REPOSITORY not in [r.type for r in result.resources]
