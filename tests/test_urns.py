"""Renames keep their cloud resources: every URN a deployed stack holds stays declared or aliased.

tests/urns/<stack>.txt records the URNs each stack file has declared (`python -m tools.urns
--update` adds new ones). A refactor that renames or re-parents a component or a child without
an alias would make `pulumi up` delete and re-create the resource (and, in production, stop at
the protected policy and repositories): these tests fail first.
"""

from __future__ import annotations

import pulumi
import pytest

from components.config import ImageSpec
from components.project import OcirProject, OcirProjectArgs
from tests.conftest import TENANCY, USER
from tools.harness import StackRun, evaluate, run_stack
from tools.mocks import OcirMocks
from tools.resource_types import POLICY, REPOSITORY
from tools.stackfiles import stack_names
from tools.urn_rules import alias_urns, kept_urns
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


def _project(name: str, aliases: list[pulumi.Alias] | None = None) -> StackRun:
    def program() -> None:
        OcirProject(
            name,
            OcirProjectArgs(
                prefix="p-test",
                group_name="devs",
                tenancy_ocid=TENANCY,
                region="fra",
                user_ocid=USER,
                tenancy_namespace="ns",
                user_name="ci",
                images=[ImageSpec(name="api", tag="1.0")],
                protect=True,
            ),
            opts=pulumi.ResourceOptions(aliases=aliases),
        )

    return evaluate(program, mocks=OcirMocks())


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
