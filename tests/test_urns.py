"""Renames keep their cloud resources: every URN a deployed stack holds stays declared or aliased.

tests/urns/<stack>.txt records the URNs each stack file has declared (`python -m tools.urns
--update` adds new ones). A refactor that renames or re-parents a component or a child without
an alias would make `pulumi up` delete and re-create the resource (and, in production, stop at
the protected policy and repositories): these tests fail first.
"""

from __future__ import annotations

import pulumi
import pytest

from components import OcirProject, ProjectImageArgs
from tests.conftest import NS, TENANCY, USER
from tools.engine.mocks import OcirMocks
from tools.engine.types import IMAGE, POLICY, REPOSITORY
from tools.engine.urns import alias_urns, kept_urns
from tools.harness import StackRun, evaluate, run_stack
from tools.stackfiles import stack_names
from tools.urns import recorded


@pytest.mark.parametrize("stack", stack_names())
def test_every_recorded_urn_is_still_declared_or_aliased(stack: str) -> None:
    record = recorded(stack)
    assert record, f"tests/urns/{stack}.txt is missing: run python -m tools.urns --update"
    kept = kept_urns(run_stack(stack, mocks=OcirMocks()).resources)
    lost = [urn for urn in record if urn not in kept]
    assert lost == [], "renamed or moved without an alias (pulumi up would delete these): " + ", ".join(lost)


@pytest.mark.parametrize("stack", stack_names())
def test_every_declared_urn_is_recorded(stack: str) -> None:
    declared = {r.urn for r in run_stack(stack, mocks=OcirMocks()).resources}
    missing = sorted(declared - set(recorded(stack)))
    assert missing == [], "new resources: run python -m tools.urns --update and commit tests/urns"


SOURCE_DIGEST = "fra.ocir.io/ns/p-dev-api@sha256:" + "d" * 64


def _project(name: str, aliases: list[pulumi.Alias] | None = None, promoted: bool = False) -> StackRun:
    image: ProjectImageArgs = {"name": "api", "tag": "1.0"}
    if promoted:
        image["source_reference"] = SOURCE_DIGEST

    def program() -> None:
        OcirProject(
            name,
            {
                "prefix": "p-test",
                "group_name": "devs",
                "tenancy_ocid": TENANCY,
                "region": "fra",
                "user_ocid": USER,
                "tenancy_namespace": "ns",
                "user_name": "ci",
                "images": [image],
                "protect": True,
            },
            opts=pulumi.ResourceOptions(aliases=aliases),
        )

    return evaluate(program, mocks=OcirMocks())


@pytest.mark.parametrize(("before", "after"), [(False, True), (True, False)], ids=["build->promote", "promote->build"])
def test_switching_an_image_between_built_and_promoted_keeps_its_repository(before: bool, after: bool) -> None:
    old, new = _project("p-test", promoted=before), _project("p-test", promoted=after)
    # Same URN: the repository is not a child of the image component, so nothing moves.
    assert old.one(REPOSITORY).urn == new.one(REPOSITORY).urn
    assert old.one(POLICY).urn == new.one(POLICY).urn


# What version 0.1 declared: the repository inside the image component (RepositoryImage when built,
# PromotedImage when promoted). A stack deployed then keeps its repository after the upgrade.
V01_REPOSITORY = (
    f"urn:pulumi:test::{NS}::ocir:index:OcirProject$ocir:index:{{type}}"
    "$oci:Artifacts/containerRepository:ContainerRepository::p-test-api-repository"
)


@pytest.mark.parametrize("promoted", [False, True], ids=["built", "promoted"])
@pytest.mark.parametrize("former", ["RepositoryImage", "PromotedImage"])
def test_repositories_of_the_former_layout_are_aliased_in_either_mode(former: str, promoted: bool) -> None:
    run = _project("p-test", promoted=promoted)
    assert V01_REPOSITORY.format(type=former) in alias_urns(run.resources, run.one(REPOSITORY))


def test_the_built_image_keeps_its_former_urn() -> None:
    run = _project("p-test")
    image = run.one(IMAGE)
    former = (
        f"urn:pulumi:test::{NS}::ocir:index:OcirProject$ocir:index:RepositoryImage"
        "$docker:index/image:Image::p-test-api-image"
    )
    assert former in alias_urns(run.resources, image)


def test_renaming_the_component_with_an_alias_keeps_every_child() -> None:
    before = _project("p-test")
    after = _project("team-registry", aliases=[pulumi.Alias(name="p-test")])
    old = {r.urn for r in before.resources}
    new = {r.urn for r in after.resources}
    assert old.isdisjoint(new)  # every URN changed ...
    assert old <= kept_urns(after.resources)  # ... and every old one is an alias of a new resource
    # Children follow because they are named f"{name}-<role>" and parented to the component.
    repository = after.one(REPOSITORY)
    assert repository.urn.endswith("::team-registry-api-repository")
    assert before.one(REPOSITORY).urn in alias_urns(after.resources, repository)
    assert before.one(POLICY).urn in alias_urns(after.resources, after.one(POLICY))


def test_renaming_without_an_alias_is_caught() -> None:
    before = _project("p-test")
    after = _project("team-registry")
    assert not ({r.urn for r in before.resources} & kept_urns(after.resources))
    # With production protection on, the engine would refuse to delete these rather than lose them.
    assert before.one(REPOSITORY).protect
    assert before.one(REPOSITORY).retain_on_delete
    assert before.one(POLICY).protect
