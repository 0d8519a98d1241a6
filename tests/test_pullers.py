"""ocir:pullers: who may only pull the project's images, as the program declares it and as the pack judges it.

Expected statements are written out from the contract (docs/configuration.md, "Pullers"), not made with the
program's helpers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import components.access_policy
from components.statements import policy_statements
from tests.conftest import COMPARTMENT, TENANCY, valid_config
from tools.engine.types import POLICY
from tools.harness import StackRun
from tools.policy_check import check_run
from tools.stackfiles import encode_config

PULLERS = [{"group": "deployers"}, {"dynamicGroup": "Default/oke nodes"}, {"group": "Acme Prod/Release Readers"}]
MANAGE = "allow group test-devs to manage repos in tenancy where target.repo.name = /p-test-*/"


def access_policy(run: StackRun) -> Any:
    (policy,) = [p for p in run.of_type(POLICY) if p.plain["name"] == "p-test-ocir-policy"]
    return policy


def test_each_puller_may_read_the_projects_repositories_in_their_compartment(run: Callable[..., StackRun]) -> None:
    config = valid_config(pullers=PULLERS, compartmentOcid=COMPARTMENT)
    result = run(config)
    where = f"in compartment id {COMPARTMENT} where target.repo.name = /p-test-*/"
    assert access_policy(result).plain["statements"] == [
        MANAGE,
        f"allow group deployers to read repos {where}",
        f"allow dynamic-group 'Default'/'oke nodes' to read repos {where}",
        f"allow group 'Acme Prod'/'Release Readers' to read repos {where}",
    ]
    assert access_policy(result).plain["description"].endswith("; 3 pullers may read them")
    # The pack passes the program's own statements for exactly these pullers.
    assert check_run(result, encode_config(config)) == []


def test_in_the_root_compartment_the_read_statement_says_tenancy(run: Callable[..., StackRun]) -> None:
    statements = access_policy(run(valid_config(pullers=[{"dynamicGroup": "oke-nodes"}]))).plain["statements"]
    assert statements == [
        MANAGE,
        "allow dynamic-group oke-nodes to read repos in tenancy where target.repo.name = /p-test-*/",
    ]


def test_pullers_come_after_the_list_statement_and_keep_the_manage_statement_first(
    run: Callable[..., StackRun],
) -> None:
    config = valid_config(pullers=[{"group": "deployers"}], allowListRepositories=True)
    statements = access_policy(run(config)).plain["statements"]
    assert statements[0] == MANAGE
    assert statements[1].startswith("allow group test-devs to inspect repos in tenancy where any {")
    assert statements[2] == "allow group deployers to read repos in tenancy where target.repo.name = /p-test-*/"


def test_without_pullers_the_policy_is_as_before(run: Callable[..., StackRun]) -> None:
    policy = access_policy(run(valid_config()))
    assert policy.plain["statements"] == [MANAGE]
    description = "OCIR access for project p-test: group test-devs manages repositories p-test-*"
    assert policy.plain["description"] == description


@pytest.mark.parametrize(
    ("widen", "reason"),
    [
        (lambda s: s.replace(f"compartment id {COMPARTMENT}", "tenancy"), "applies in tenancy"),
        (lambda s: s.replace(" read ", " manage "), "may only read"),
        (lambda s: s.replace("/p-test-*/", "/p-*/"), "not limited"),
        (lambda s: s.replace("'Default'/'oke nodes'", "'all nodes'"), "not list as a puller"),
    ],
)
def test_a_widened_puller_statement_in_the_program_is_caught(
    monkeypatch: pytest.MonkeyPatch, run: Callable[..., StackRun], widen: Callable[[str], str], reason: str
) -> None:
    def widened(*args: Any, **kwargs: Any) -> list[str]:
        statements = policy_statements(*args, **kwargs)
        return [statements[0], *(widen(statement) for statement in statements[1:])]

    monkeypatch.setattr(components.access_policy, "policy_statements", widened)
    config = valid_config(pullers=[{"dynamicGroup": "Default/oke nodes"}], compartmentOcid=COMPARTMENT)
    found = check_run(run(config), encode_config(config))
    assert [violation.policy for violation in found] == ["ocir-iam-statements-scoped"]
    assert reason in found[0].message


def test_the_tenancy_is_still_the_policys_compartment(run: Callable[..., StackRun]) -> None:
    policy = access_policy(run(valid_config(pullers=PULLERS, compartmentOcid=COMPARTMENT)))
    assert policy.plain["compartmentId"] == TENANCY
