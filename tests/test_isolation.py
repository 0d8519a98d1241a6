"""Projects kept apart in one tenancy: the stack against hidden tenancies, the patterns, the off switch, the
mocks' lookups, and the project's own stack files.

Each tenancy is the test's own (tools/engine/tenancy.py holds it as the provider returns it); what is asserted is
what the program does with it: refuses naming the other policy or repository with nothing declared, warns, or
declares as before. Expected tags are written out (`<project>/test`: the harness's project and stack).
"""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from policy.patterns import NamePattern, Relation, name_patterns_in_text, reaching_regex, subject_in_text
from stackconfig import ConfigError, parse_settings
from stackconfig.preflight import POLICY_LOOKUPS_AT_ONCE
from tests.conftest import COMPARTMENT, NS, TENANCY, valid_config
from tests.projects import DEV, PROD, write_project
from tools import plan
from tools.engine.mocks import OcirMocks
from tools.engine.tenancy import Tenancy, filtered
from tools.engine.types import (
    GET_COMPARTMENTS,
    GET_CONTAINER_REPOSITORIES,
    GET_CONTAINER_REPOSITORY,
    GET_POLICIES,
    POLICY,
    REPOSITORY,
)
from tools.harness import StackRun, run_program, run_stack
from tools.stackfiles import PROJECT_DIR, encode_config, stack_names
from tools.stacks import prefix_overlaps

OURS = {"managed-by": "pulumi", "pulumi-stack": f"{NS}/test"}
"""The tags the program puts on what the harness's stack (project ocir, stack test) creates."""
PREFIX = "p-shop"
OTHER_COMPARTMENT = "ocid1.compartment.oc1..aaaaaaaaothercompartment0000000000000000000000000000000"


def manage(group: str, pattern: str) -> str:
    return f"allow group {group} to manage repos in tenancy where target.repo.name = {pattern}"


def policy(name: str, *statements: str, tags: dict[str, str] | None = None, **fields: Any) -> dict[str, Any]:
    return {"id": f"ocid1.policy.oc1..{name.replace('-', '')}", "name": name, "statements": list(statements),
            "freeformTags": tags or {}, "state": "ACTIVE", **fields}  # fmt: skip


def repository(name: str, tags: dict[str, str] | None = None, **fields: Any) -> dict[str, dict[str, Any]]:
    entry = {"displayName": name, "compartmentId": COMPARTMENT, "isPublic": False, "isImmutable": False,
             "freeformTags": tags or {}, **fields}  # fmt: skip
    return {f"ocid1.containerrepo.oc1..{name.replace('-', '')}": entry}


def tenancy(
    root: list[dict[str, Any]] | None = None,
    compartment: list[dict[str, Any]] | None = None,
    repositories: dict[str, dict[str, Any]] | None = None,
    **fields: Any,
) -> Tenancy:
    """The root compartment and one compartment below it, with these policies and repositories."""
    return Tenancy(
        root=TENANCY,
        compartments=[
            {"id": COMPARTMENT, "name": "shop", "compartmentId": TENANCY, "state": "ACTIVE"},
            {"id": OTHER_COMPARTMENT, "name": "other", "compartmentId": COMPARTMENT, "state": "ACTIVE"},
        ],
        policies={TENANCY: root or [], OTHER_COMPARTMENT: compartment or []},
        repositories=dict(repositories or {}),
        **fields,
    )


def stack(tenancy_: Tenancy, **overrides: Any) -> StackRun:
    config = valid_config(prefix=PREFIX, compartmentOcid=COMPARTMENT, **overrides)
    return run_program(config, mocks=OcirMocks(tenancy=tenancy_), raise_errors=False)


def refused(run: StackRun) -> list[str]:
    """The refusal's lines, after checking that it is one and that nothing was declared."""
    assert isinstance(run.error, pulumi.RunError), run.error
    assert run.resources == []
    lines = str(run.error).splitlines()
    assert all(line.startswith(f"{NS}:prefix: ") for line in lines), lines
    return lines


def declared(run: StackRun) -> StackRun:
    assert run.error is None, run.error
    assert run.of_type(POLICY)
    assert run.of_type(REPOSITORY)
    return run


def warnings(run: StackRun) -> list[str]:
    return [line for line in run.logs if line.startswith(f"{NS}:prefix: ")]


# --- the patterns ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "relation"),
    [
        (NamePattern("p-shop-*"), Relation.SAME),
        (NamePattern("P-SHOP-*"), Relation.SAME),  # OCI matches conditions case-insensitively
        (NamePattern("p-shop-dev-*"), Relation.INSIDE),
        (NamePattern("p-shop-dev-api", exact=True), Relation.INSIDE),
        (NamePattern("p-shop-*-api"), Relation.INSIDE),
        (NamePattern("p-*"), Relation.COVERS),
        (NamePattern("p-shop*"), Relation.COVERS),
        (NamePattern("*shop*"), Relation.COVERS),
        (NamePattern("*"), Relation.COVERS),
        (NamePattern("*-api"), Relation.OVERLAPS),
        (NamePattern("*api*"), Relation.OVERLAPS),
        (NamePattern("p-sh*-x*"), Relation.OVERLAPS),
        (NamePattern("p-shopx-*"), Relation.APART),
        (NamePattern("p-finch-*"), Relation.APART),
        (NamePattern("p-shop", exact=True), Relation.APART),
        (NamePattern("q*"), Relation.APART),
    ],
)
def test_each_pattern_against_the_names_a_prefix_grant_reaches(pattern: NamePattern, relation: Relation) -> None:
    assert pattern.relation(f"{PREFIX}-") is relation


@pytest.mark.parametrize(
    ("pattern", "name", "matches"),
    [("p-shop-*", "p-shop-api", True), ("p-shop-*", "P-Shop-API", True), ("*-api", "p-x-api", True),
     ("*shop*", "a-shop-b", True), ("p-shop-*", "p-shopx-api", False), ("*-api", "p-api-x", False)],
)  # fmt: skip
def test_oracles_three_forms_match_as_documented(pattern: str, name: str, matches: bool) -> None:
    assert NamePattern(pattern).matches(name) is matches


def test_conditions_are_found_in_statements_the_parser_cannot_read() -> None:
    text = "Allow dynamic-group 'shop'/'nodes' to read repos in tenancy where any {target.repo.name=/P-Shop-Dev-*/, "
    text += "target.repo.name = 'p-shop-dev-api', target.repo.name != /x*/, request.utc-timestamp before '2030'}"
    assert name_patterns_in_text(text) == [NamePattern("p-shop-dev-*"), NamePattern("p-shop-dev-api", exact=True)]
    assert subject_in_text(text) == "dynamic-group 'shop'/'nodes'"


# --- hidden tenancies: refused ------------------------------------------------------------------------------------


def test_another_projects_grant_inside_ours_is_refused_naming_it() -> None:
    other = policy("p-shop-dev-ocir-policy", manage("shop-dev-devs", "/p-shop-dev-*/"),
                   tags={"managed-by": "pulumi", "pulumi-stack": f"{NS}/dev"})  # fmt: skip
    run = stack(tenancy(compartment=[other]))
    (line,) = refused(run)
    assert "policy p-shop-dev-ocir-policy (ocid1.policy.oc1..pshopdevocirpolicy" in line
    assert f"compartment {OTHER_COMPARTMENT}" in line
    assert "group shop-dev-devs repositories /p-shop-dev-*/, inside this stack's /p-shop-*/" in line
    assert f"tagged pulumi-stack: {NS}/dev, not {NS}/test" in line
    assert "group test-devs would manage them too" in line
    assert f"choose a {NS}:prefix" in line
    # Nothing was declared, and every lookup was made before that: compartments, each compartment's policies, and
    # the repositories.
    tokens = [invoke.token for invoke in run.invokes]
    assert tokens.count(GET_COMPARTMENTS) == 1
    assert [i.args["compartmentId"] for i in run.invokes if i.token == GET_POLICIES] == [
        TENANCY,
        COMPARTMENT,
        OTHER_COMPARTMENT,
    ]
    assert tokens.count(GET_CONTAINER_REPOSITORIES) == 1


def test_the_same_pattern_again_is_refused_a_hand_run_recipes_policy_included() -> None:
    recipe = policy("p-shop-ocir-policy", manage("shop-devs", "/p-shop-*/"))  # named like ours, untagged
    (line,) = refused(stack(tenancy(root=[recipe])))
    assert "policy p-shop-ocir-policy" in line
    assert f"not tagged managed-by: pulumi, pulumi-stack: {NS}/test" in line
    assert "the same repositories as this stack's /p-shop-*/" in line


@pytest.mark.parametrize(
    "statement",
    [
        "endorse group shop-ci to read repos in tenancy where target.repo.name = /P-SHOP-DEV-*/",
        "Allow group a, group b to manage repos in tenancy where target.repo.name = /p-shop-dev-*/",
    ],
)
def test_a_statement_the_parser_cannot_read_is_judged_by_its_repository_names(statement: str) -> None:
    (line,) = refused(stack(tenancy(root=[policy("shop-dev-pullers", statement)])))
    assert "(a statement read only for its repository names)" in line
    assert subject_in_text(statement) in line


def test_another_projects_cluster_reading_inside_our_prefix_is_refused() -> None:
    # What another project's signing writes for a cluster that verifies its images (docs/signing.md).
    statement = (
        "allow any-user to read repos in tenancy where all {request.user.id = 'ocid1.cluster.oc1.iad.aaaaaaaak8s', "
        "target.repo.name = /p-shop-dev-*/}"
    )
    (line,) = refused(stack(tenancy(root=[policy("shop-dev-signing", statement)])))
    assert "grants any-user repositories /p-shop-dev-*/, inside this stack's /p-shop-*/" in line


def test_another_projects_dynamic_group_reading_inside_our_prefix_is_refused() -> None:
    statement = "allow dynamic-group shop-dev-nodes to read repos in tenancy where target.repo.name = /p-shop-dev-*/"
    (line,) = refused(stack(tenancy(root=[policy("shop-dev-pullers", statement)])))
    assert "grants dynamic-group shop-dev-nodes repositories /p-shop-dev-*/, inside this stack's /p-shop-*/" in line
    assert "(a statement read only for its repository names)" not in line


def test_another_projects_repository_under_our_prefix_is_refused_naming_it_and_its_stack() -> None:
    other = repository("p-shop-dev-api", tags={"managed-by": "pulumi", "pulumi-stack": f"{NS}/dev"})
    (line,) = refused(stack(tenancy(repositories=other)))
    assert line.startswith(f"{NS}:prefix: repository p-shop-dev-api (ocid1.containerrepo.oc1..pshopdevapi")
    assert "would manage it through /p-shop-*/" in line
    assert f"Stack {NS}/dev created it" in line


def test_a_first_pushed_repository_with_a_declared_name_is_refused_with_the_key_that_adopts_it() -> None:
    pushed = repository("p-shop-api", compartmentId=TENANCY)  # the recipe's first push: root compartment, no tags
    (line,) = refused(stack(tenancy(repositories=pushed)))
    assert f"not tagged managed-by: pulumi, pulumi-stack: {NS}/test, not adopted" in line
    assert f"adopt it: {NS}:images[0].repositoryOcid: ocid1.containerrepo.oc1..pshopapi" in line


def test_every_refusal_is_listed_at_once() -> None:
    run = stack(
        tenancy(
            root=[policy("p-shop-prd-ocir-policy", manage("release", "/p-shop-prd-*/"))],
            compartment=[policy("qa", manage("qa", "'p-shop-qa-api'"))],
            repositories={**repository("p-shop-prd-api"), **repository("p-shop-qa-api")},
        )
    )
    lines = refused(run)
    assert len(lines) == 4
    assert [line.split(" (")[0] for line in lines] == [
        f"{NS}:prefix: policy p-shop-prd-ocir-policy",
        f"{NS}:prefix: policy qa",
        f"{NS}:prefix: repository p-shop-prd-api",
        f"{NS}:prefix: repository p-shop-qa-api",
    ]


# --- hidden tenancies: passed -------------------------------------------------------------------------------------


def test_the_stacks_own_policies_and_repositories_pass() -> None:
    own = [
        policy("p-shop-ocir-policy", manage("test-devs", "/p-shop-*/"), tags=OURS),
        policy("p-shop-vss-policy", f"allow service vulnerability-scanning-service to read repos in compartment id "
               f"{COMPARTMENT}", tags=OURS),
    ]  # fmt: skip
    retained = repository("p-shop-old", tags=OURS)  # retained when it left the stack: still tagged
    created = repository("p-shop-api", tags=OURS)
    run = declared(stack(tenancy(root=own, repositories={**retained, **created})))
    assert warnings(run) == []


def test_an_adopted_repository_is_the_stacks_own() -> None:
    pushed = repository("p-shop-api", compartmentId=COMPARTMENT)
    (ocid,) = pushed
    images = [{"name": "api", "tag": "1.0", "repositoryOcid": ocid}]
    run = declared(stack(tenancy(repositories=pushed), images=images))
    assert run.one(REPOSITORY).import_id == ocid
    assert GET_CONTAINER_REPOSITORY in [invoke.token for invoke in run.invokes]


def test_unrelated_prefixes_pass_silently() -> None:
    others = [
        policy("p-finch-ocir-policy", manage("finch", "/p-finch-*/")),
        policy("p-shopx-ocir-policy", manage("shopx", "/p-shopx-*/")),  # starts like p-shop, but not p-shop-
        policy("p-sho", manage("sho", "'p-shop'")),
    ]
    repositories = {**repository("p-finch-api"), **repository("p-shopx-api"), **repository("p-shop")}
    run = declared(stack(tenancy(root=others, repositories=repositories)))
    assert warnings(run) == []


def test_grants_without_a_repository_name_condition_pass() -> None:
    admins = policy(
        "Tenant Admin Policy",
        "ALLOW GROUP Administrators to manage all-resources IN TENANCY",
        "allow group registry-admins to manage repos in tenancy",
        "allow group auditors to inspect repos in tenancy where request.operation = 'ListContainerRepositories'",
        "allow group x to manage repos in tenancy where target.repo.name != /p-shop-secret-*/",
    )
    run = declared(stack(tenancy(root=[admins])))
    assert warnings(run) == []


def test_a_grant_covering_ours_is_a_warning_naming_its_group() -> None:
    platform = policy("platform", manage("platform-team", "/p-*/"))
    scanners = policy(
        "api-scanners", "allow group api-scanners to read repos in tenancy where target.repo.name = /*-api/"
    )
    run = declared(stack(tenancy(root=[platform], compartment=[scanners])))
    covering, partial = sorted(warnings(run), reverse=True)
    assert covering.startswith(f"{NS}:prefix: policy platform (ocid1.policy.oc1..platform")
    assert (
        "grants group platform-team repositories /p-*/, which covers every repository this stack's /p-shop-*/"
        in covering
    )
    assert "group platform-team can reach them" in covering
    assert "grants group api-scanners repositories /*-api/" in partial
    assert "whose names also match /*-api/" in partial


def test_a_grant_inside_ours_to_the_stacks_own_group_passes() -> None:
    # This stack's policy from before its prefix was p-shop (the update replaces it): the group holds these already.
    earlier = policy("p-shop-web-ocir-policy", manage("test-devs", "/p-shop-web-*/"), tags=OURS)
    declared(stack(tenancy(root=[earlier])))


def test_what_is_being_deleted_is_not_judged() -> None:
    gone = policy("p-shop-dev-ocir-policy", manage("devs", "/p-shop-dev-*/"), state="DELETED")
    hidden = tenancy(
        root=[gone],
        compartment=[policy("p-shop-qa", manage("qa", "/p-shop-qa-*/"))],
        repositories=repository("p-shop-dev-api", state="DELETING"),
    )
    hidden.compartments[1]["state"] = "DELETED"  # the compartment that held p-shop-qa: its policies are not read
    run = declared(stack(hidden))
    assert OTHER_COMPARTMENT not in [i.args["compartmentId"] for i in run.invokes if i.token == GET_POLICIES]


# --- pages ----------------------------------------------------------------------------------------------------------


def test_every_page_is_judged_one_policies_lookup_per_compartment() -> None:
    compartments = [
        {"id": f"ocid1.compartment.oc1..aaaaaaaapage{index:04d}", "name": f"c{index}", "compartmentId": TENANCY,
         "state": "ACTIVE"}
        for index in range(12)
    ]  # fmt: skip
    policies = {c["id"]: [policy(f"team-{i}-{n}", manage(f"team{i}", f"/p-team{i}-*/")) for n in range(5)]
                for i, c in enumerate(compartments)}  # fmt: skip
    last = compartments[-1]["id"]
    policies[last].append(policy("zz-last", manage("dev", "/p-shop-dev-*/")))  # the last item of the last page
    repositories = {k: v for i in range(9) for k, v in repository(f"p-other{i}-api").items()}
    repositories.update(repository("p-shop-zz"))
    hidden = Tenancy(root=TENANCY, compartments=compartments, policies=policies, repositories=repositories, page_size=2)
    run = stack(hidden)
    policy_line, repository_line = refused(run)
    assert "policy zz-last" in policy_line
    assert "repository p-shop-zz" in repository_line
    assert sum(1 for i in run.invokes if i.token == GET_POLICIES) == 13  # the root and the 12 compartments
    # The provider pages: 1 + 12 * 3 policy pages (5 or 6 policies, 2 a page), 6 compartment pages, 5 repository
    # pages; the program makes one invoke for each lookup.
    assert hidden.calls == {GET_POLICIES: 37, GET_COMPARTMENTS: 6, GET_CONTAINER_REPOSITORIES: 5}


class InFlight(Tenancy):
    """A tenancy that counts the policies lookups the provider is answering at once."""

    def __init__(self, **fields: Any) -> None:
        super().__init__(**fields)
        self.lock = threading.Lock()
        self.now = self.most = 0

    def list_policies(self, args: Any) -> dict[str, Any]:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        try:
            return super().list_policies(args)
        finally:
            with self.lock:
                self.now -= 1


def test_the_policies_are_looked_up_several_compartments_at_a_time_and_no_more() -> None:
    compartments = [
        {"id": f"ocid1.compartment.oc1..aaaaaaaaflight{index:04d}", "name": f"c{index}", "compartmentId": TENANCY,
         "state": "ACTIVE"}
        for index in range(3 * POLICY_LOOKUPS_AT_ONCE)
    ]  # fmt: skip
    last = compartments[-1]["id"]
    # Each API call takes a while, as a round trip would: the lookups overlap only if they are in flight together.
    hidden = InFlight(root=TENANCY, compartments=compartments, latency=0.02,
                      policies={last: [policy("zz-last", manage("dev", "/p-shop-dev-*/"))]})  # fmt: skip
    (line,) = refused(stack(hidden))
    assert "policy zz-last" in line  # every compartment's answer is judged, the last one's too
    # The SDK sends each invoke from asyncio's default executor (pulumi/pulumi sdk/python/lib/pulumi/runtime/
    # invoke.py, `run_in_executor(None, ...)`), whose threads CPython caps at min(32, CPU count + 4)
    # (Lib/concurrent/futures/thread.py): fewer on a small machine.
    assert hidden.most == min(POLICY_LOOKUPS_AT_ONCE, 32, (os.cpu_count() or 1) + 4)
    assert hidden.most > 1


# --- lookups that fail, and the off switch ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "permission"),
    [(GET_COMPARTMENTS, "inspect compartments"), (GET_POLICIES, "inspect policies"),
     (GET_CONTAINER_REPOSITORIES, "inspect repos")],
)  # fmt: skip
def test_a_lookup_the_user_may_not_make_fails_in_one_line_naming_the_permission_and_the_switch(
    token: str, permission: str
) -> None:
    run = stack(tenancy(denied=frozenset({token})))
    assert isinstance(run.error, pulumi.RunError)
    assert run.resources == []
    (line,) = str(run.error).splitlines()
    assert line.startswith(f"{NS}:isolationCheck: cannot list ")
    assert "404-NotAuthorizedOrNotFound, Authorization failed or requested resource not found.; Suggestion:" in line
    assert f"needs '{permission} in tenancy'" in line
    assert line.endswith(f"set {NS}:isolationCheck: false in Pulumi.test.yaml")


def test_turned_off_nothing_is_looked_up_and_the_stack_says_so() -> None:
    hostile = tenancy(root=[policy("dev", manage("dev", "/p-shop-dev-*/"))], denied=frozenset({GET_POLICIES}))
    run = declared(stack(hostile, isolationCheck=False))
    assert {GET_COMPARTMENTS, GET_POLICIES, GET_CONTAINER_REPOSITORIES}.isdisjoint(i.token for i in run.invokes)
    assert any(line.startswith(f"{NS}:isolationCheck is false: this stack does not check") for line in run.logs)


def test_the_key_is_declared_untyped_so_that_unset_stays_unset() -> None:
    declaration = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["config"]["isolationCheck"]
    assert "type" not in declaration
    assert declaration["default"] == ""


def test_a_production_stack_turns_it_off_only_in_its_own_stack_file(tmp_path: Path) -> None:
    off = {**PROD, f"{NS}:isolationCheck": False}
    project = write_project(tmp_path / "explicit", {"prod": off, "dev": {**DEV, f"{NS}:isolationCheck": False}})
    assert run_stack("prod", project_dir=project).error is None
    # A project-wide default of false could be what a production stack receives without saying so: refused there.
    defaulted = write_project(tmp_path / "defaulted", {"prod": off, "dev": {**DEV, f"{NS}:isolationCheck": False}})
    document = yaml.safe_load((defaulted / "Pulumi.yaml").read_text())
    document["config"]["isolationCheck"]["default"] = "false"
    (defaulted / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    run = run_stack("prod", project_dir=defaulted, raise_errors=False)
    assert isinstance(run.error, pulumi.RunError)
    assert str(run.error).startswith(f"{NS}:isolationCheck: is false in a production stack while Pulumi.yaml declares")
    assert (run.resources, run.invokes) == ([], [])
    assert run_stack("dev", project_dir=defaulted).error is None  # outside production the default may turn it off
    # Declared without a default (required), or not at all: a false can only be the stack's own.
    undeclared = tmp_path / "undeclared"
    undeclared.mkdir()
    del document["config"]["isolationCheck"]
    (undeclared / "Pulumi.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    production_off = encode_config(valid_config(production=True, isolationCheck=False, images=[]))
    assert parse_settings(production_off, NS, project_dir=undeclared).isolation_check is False
    with pytest.raises(ConfigError, match=rf"^{NS}:isolationCheck: is false in a production stack"):
        parse_settings(production_off, NS, project_dir=defaulted)


# --- the plan -------------------------------------------------------------------------------------------------------


def test_the_plan_answers_the_lookups_from_the_stack_files_own_declarations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ocid = "ocid1.containerrepo.oc1.eu-frankfurt-1.aaaaaaaaadoptedrepository"
    adopting = {**PROD, f"{NS}:images": [{**PROD[f"{NS}:images"][0], "immutable": True, "repositoryOcid": ocid}]}
    project = write_project(tmp_path, {"prod": adopting})
    assert plan.main(["prod", "--json", "--project-dir", str(project)]) == 0
    document = json.loads(capsys.readouterr().out)
    lookups = [(lookup["function"], lookup["args"]) for lookup in document["lookups"]]
    assert (
        GET_COMPARTMENTS,
        {"accessLevel": "ANY", "compartmentId": TENANCY, "compartmentIdInSubtree": True},
    ) in lookups
    assert [args["compartmentId"] for token, args in lookups if token == GET_POLICIES] == [TENANCY, COMPARTMENT]
    # The stack finds its own policies (scanning too, in production) and its adopted repository: nothing refused.
    (repository_,) = [r for r in document["resources"] if r["type"] == REPOSITORY]
    assert repository_["options"]["import"] == ocid


# --- the project's own stack files ----------------------------------------------------------------------------------


def test_no_stack_files_prefix_starts_another_ones() -> None:
    overlaps = prefix_overlaps()
    assert overlaps == [], "\n".join(overlap.message() for overlap in overlaps)
    assert stack_names()  # the check ran over something


def test_overlapping_stack_files_fail_the_plan_of_each_naming_both_and_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stacks = {
        "dev": {**DEV, f"{NS}:prefix": "p-shop"},
        "prod": {**PROD, f"{NS}:prefix": "p-shop-prod"},
        "finch": {**DEV, f"{NS}:prefix": "p-shopx"},
    }
    project = write_project(tmp_path, stacks)
    (overlap,) = prefix_overlaps(project)
    assert (overlap.wider, overlap.narrower) == ("dev", "prod")
    for name in ("dev", "prod"):
        assert plan.main([name, "--project-dir", str(project)]) == 1
        err = capsys.readouterr().err
        assert err.startswith(f"error: stack {name} is not valid:\n{NS}:prefix: stack dev (p-shop) and stack prod ")
        assert "would manage them through /p-shop-*/" in err
    assert plan.main(["finch", "--project-dir", str(project)]) == 0  # p-shopx- starts with neither
    capsys.readouterr()
    assert plan.main(["dev", "--json", "--project-dir", str(project)]) == 1
    assert json.loads(capsys.readouterr().out)["errors"][0].startswith(f"{NS}:prefix: stack dev (p-shop)")


def test_two_stack_files_with_one_prefix_overlap(tmp_path: Path) -> None:
    (overlap,) = prefix_overlaps(
        write_project(tmp_path, {"a": DEV, "b": {**PROD, f"{NS}:prefix": DEV[f"{NS}:prefix"]}})
    )
    assert overlap.message().startswith(f"{NS}:prefix: stacks a and b both use p-shop-dev")


# --- the mocks' lookups mirror the provider's data sources ------------------------------------------------------------


def test_the_mocked_lookups_return_every_page_and_count_one_call_per_page() -> None:
    # terraform-provider-oci identity_policies_data_source.go (and the compartments and repositories data sources):
    # Get requests the next page until there is none and appends the items.
    hidden = Tenancy(root=TENANCY, policies={TENANCY: [policy(f"p{n}") for n in range(7)]}, page_size=3)
    listed = hidden.answer(GET_POLICIES, {"compartmentId": TENANCY})
    assert listed is not None
    assert [item["name"] for item in listed["policies"]] == [f"p{n}" for n in range(7)]
    assert hidden.calls[GET_POLICIES] == 3
    empty = Tenancy(root=TENANCY).answer(GET_CONTAINER_REPOSITORIES, {"compartmentId": TENANCY})
    assert empty is not None
    assert empty["containerRepositoryCollections"] == [{"items": []}]


def test_the_mocked_lookups_take_the_subtree_only_from_the_root_and_policies_from_one_compartment() -> None:
    hidden = tenancy(root=[policy("root-policy")], compartment=[policy("deep-policy")])
    with pytest.raises(Exception, match="compartmentIdInSubtree"):
        hidden.answer(GET_COMPARTMENTS, {"compartmentId": COMPARTMENT, "compartmentIdInSubtree": True})
    with pytest.raises(Exception, match="compartmentIdInSubtree"):
        hidden.answer(GET_CONTAINER_REPOSITORIES, {"compartmentId": COMPARTMENT, "compartmentIdInSubtree": True})
    subtree = hidden.answer(GET_COMPARTMENTS, {"compartmentId": TENANCY, "compartmentIdInSubtree": True})
    children = hidden.answer(GET_COMPARTMENTS, {"compartmentId": TENANCY})
    assert subtree is not None
    assert children is not None
    assert [c["id"] for c in subtree["compartments"]] == [COMPARTMENT, OTHER_COMPARTMENT]
    assert [c["id"] for c in children["compartments"]] == [COMPARTMENT]
    at_root = hidden.answer(GET_POLICIES, {"compartmentId": TENANCY})
    assert at_root is not None
    assert [p["name"] for p in at_root["policies"]] == ["root-policy"]


# --- the provider-side filter finds every statement the check needs ---------------------------------------------------

_VALUE = st.text(alphabet="abcdefghijklmnop0123456789.-_*", min_size=0, max_size=12)


@st.composite
def _condition_values(draw: st.DrawFn) -> tuple[str, str]:
    """A prefix, and a condition value: often one that relates to the prefix (starts with it, or with part of it
    followed by `*`), sometimes anything."""
    prefix = draw(st.from_regex(r"[a-z0-9]{1,6}(?:[._-][a-z0-9]{1,6}){0,2}", fullmatch=True))
    start = f"{prefix}-"
    kind = draw(st.sampled_from(["inside", "head", "any"]))
    if kind == "inside":
        value = start + draw(_VALUE)
    elif kind == "head":
        value = start[: draw(st.integers(0, len(start) - 1))] + "*" + draw(_VALUE)
    else:
        value = draw(_VALUE)
    return prefix, value


@settings(max_examples=300, deadline=None)
@given(
    case=_condition_values(),
    quote=st.sampled_from(["/", "'", '"']),
    space=st.sampled_from(["", " ", "  ", "\t", "\n"]),
    upper=st.booleans(),
    wrapped=st.booleans(),
    subject=st.sampled_from(["group devs", "dynamic-group 'd'/'nodes'", "any-user", "group a, group b"]),
)
def test_the_filter_finds_every_condition_that_may_reach_the_prefix(
    case: tuple[str, str], quote: str, space: str, upper: bool, wrapped: bool, subject: str
) -> None:
    prefix, value = case
    clause = f"target.repo.name{space}={space}{quote}{value}{quote}"
    if upper:
        clause = clause.upper()
    condition = f"any {{request.operation = 'ListContainerRepositories', {clause}}}" if wrapped else clause
    text = f"allow {subject} to read repos in tenancy where {condition}"
    pattern = NamePattern(value, exact=quote != "/")
    statement = policy("p", text)
    kept = filtered([statement], [{"name": "statements", "values": [reaching_regex(f"{prefix}-")], "regex": True}])
    if pattern.relation(f"{prefix}-") is not Relation.APART:
        assert kept == [statement], (prefix, text)
    assert name_patterns_in_text(text) == [pattern]


def test_a_filter_that_does_not_compile_matches_nothing_as_the_provider_does() -> None:
    # filters.go logs a warning and compares false: the program's regex must compile (the test above runs it).
    assert filtered([policy("p", "x")], [{"name": "statements", "values": ["("], "regex": True}]) == []
    re.compile(reaching_regex("p-shop-"))
