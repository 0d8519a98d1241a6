"""The policy pack: each rule both ways, called directly, and the whole pack over the real program."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pulumi_docker as docker
import pytest
from pulumi_oci import artifacts, vulnerabilityscanning
from pulumi_policy import EnforcementLevel

import components.access_policy
import components.scanning
from components.statements import policy_statements, scanning_statements
from policy.pack import POLICIES
from policy.rules import split_reference
from policy.statement import StatementError, parse_statement
from tests.conftest import COMPARTMENT, NS, TENANCY, valid_config
from tools.engine.types import IMAGE, POLICY, REPOSITORY, SCAN_TARGET
from tools.harness import run_stack
from tools.policy_check import Violation, check_resource, check_run, check_stack
from tools.stackfiles import encode_config, load_stack_config, stack_names

BY_NAME = {policy.name: policy for policy in POLICIES}
PREFIX = "p-test"
MANAGE = f"allow group test-devs to manage repos in tenancy where target.repo.name = /{PREFIX}-*/"
LIST = (
    "allow group test-devs to inspect repos in tenancy where any "
    "{request.operation='ListDockerRepositories', request.operation='ListContainerRepositories'}"
)


def config(**overrides: Any) -> dict[str, str]:
    return encode_config(valid_config(**overrides))


def violations(policy: str, type_: str, inputs: dict[str, Any], stack_config: dict[str, str]) -> list[Violation]:
    return check_resource(type_, inputs, stack_config, policies=[BY_NAME[policy]])


def statements_violations(statements: list[str], **overrides: Any) -> list[Violation]:
    return violations("ocir-iam-statements-scoped", POLICY, {"statements": statements}, config(**overrides))


def test_every_policy_is_mandatory() -> None:
    assert {policy.enforcement_level for policy in POLICIES} == {EnforcementLevel.MANDATORY}
    assert set(BY_NAME) == {
        "ocir-iam-statements-scoped",
        "ocir-repository-private",
        "ocir-production-immutable",
        "ocir-production-no-latest",
        "ocir-repository-prefix",
        "ocir-scan-target-scoped",
        "ocir-signatures-stack-key",
    }


# --- the statement parser --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("group", "domain"),
    [("oraas-devs", None), ("Registry Pushers", None), ("jane@example.com", None), ("id", None), ("g", "acme-prod")],
)
def test_parser_reads_every_form_the_program_renders(group: str, domain: str | None) -> None:
    for text in policy_statements("p-x", group, domain, allow_list_repositories=True):
        statement = parse_statement(text)
        assert (statement.group, statement.domain) == (group, domain)
        assert statement.resource_type == "repos"


def test_parser_is_not_fooled_by_case_spacing_or_quoting() -> None:
    variants = [
        MANAGE,
        f"ALLOW GROUP test-devs TO MANAGE REPOS IN TENANCY WHERE target.repo.name=/{PREFIX}-*/",
        f"allow   group  'test-devs'   to manage repos in tenancy where  target.repo.name  =  /{PREFIX}-*/  ",
        f'allow group "test-devs" to manage repos in tenancy where all {{target.repo.name = /{PREFIX}-*/}}',
    ]
    parsed = {parse_statement(text) for text in variants[:3]}
    assert len(parsed) == 1
    for text in variants:
        assert statements_violations([text]) == []


@pytest.mark.parametrize(
    "text",
    [
        "allow dynamic-group id ocid1.dynamicgroup.oc1..aaaa to read repos in tenancy where target.repo.name = /p-*/",
        "allow dynamic-group a, dynamic-group b to read repos in tenancy where target.repo.name = /p-test-*/",
        "allow group id ocid1.group.oc1..aaaa to manage repos in tenancy where target.repo.name = /p-test-*/",
        "allow group a, group b to manage repos in tenancy where target.repo.name = /p-test-*/",
        "allow group test-devs to {REPOSITORY_READ} in tenancy",
        "endorse group test-devs to manage repos in tenancy",
        "allow group test-devs to manage repos in tenancy where target.repo.name = /p-test-*/ or more",
        "allow group test-devs to manage repos in tenancy where",
        "allow group test-devs to manage repos in tenancy where target.repo.name = ",
        "allow group test-devs to administer repos in tenancy",
    ],
)
def test_parser_refuses_what_it_cannot_read_and_the_pack_reports_it(text: str) -> None:
    with pytest.raises(StatementError):
        parse_statement(text)
    (violation,) = statements_violations([text])
    assert "cannot parse" in violation.message


# --- ocir-iam-statements-scoped --------------------------------------------------------------


def test_statements_the_program_renders_pass() -> None:
    assert statements_violations([MANAGE]) == []
    assert statements_violations([MANAGE, LIST], allowListRepositories=True) == []
    domain_statements = policy_statements(PREFIX, "Release Team", "acme prod", allow_list_repositories=True)
    in_domain = {"groupName": "Release Team", "identityDomain": "acme prod", "allowListRepositories": True}
    assert statements_violations(domain_statements, **in_domain) == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (MANAGE.replace(f"/{PREFIX}-*/", f"/{PREFIX}*/"), "not limited"),
        (MANAGE.replace(f"/{PREFIX}-*/", "/p-*/"), "not limited"),
        (MANAGE.replace(f"/{PREFIX}-*/", "/*/"), "not limited"),
        (MANAGE.replace("target.repo.name =", "target.repo.name !="), "not limited"),
        ("allow group test-devs to manage repos in tenancy", "not limited"),
        ("allow group test-devs to manage all-resources in tenancy", "all-resources"),
        (MANAGE.replace(" repos ", " buckets "), "'buckets'"),
        (MANAGE.replace("test-devs", "other-devs"), f"other than the stack's {NS}:groupName"),
        (MANAGE.replace("where ", "where any {request.operation='ListDockerRepositories', ") + "}", "not limited"),
        (LIST.replace(" inspect ", " manage "), "not limited"),
        (LIST.replace(" inspect ", " read "), "does not list as a puller"),
        (MANAGE.replace(" manage ", " read "), "does not list as a puller"),  # a read for the group is not asked for
        (MANAGE.replace("group test-devs", "dynamic-group ci"), "not list as a puller"),
        ("allow group test-devs to inspect repos in tenancy", "not limited"),
        (LIST.replace("ListDockerRepositories", "DeleteContainerRepository"), "not limited"),
    ],
)
def test_widened_statements_are_caught(text: str, reason: str) -> None:
    found = statements_violations([MANAGE, text], allowListRepositories=True)
    assert found, text
    assert all(reason in violation.message for violation in found), found


@pytest.mark.parametrize(
    "pattern",
    [f"/{PREFIX}-dev-*/", f"'{PREFIX}-api'", f"'{PREFIX}-*'", f"/{PREFIX}-*-api/", f"/*{PREFIX}-*/"],
)
def test_a_narrower_or_other_pattern_than_the_stacks_own_is_caught(pattern: str) -> None:
    # /p-test-dev-*/ is inside the stack's prefix, but it may be another project's (p-test-dev): the program only
    # ever writes /<prefix>-*/, and the pack allows that pattern alone.
    (violation,) = statements_violations([MANAGE.replace(f"/{PREFIX}-*/", pattern)])
    assert "that pattern exactly" in violation.message


def test_the_stacks_own_pattern_passes_in_any_case() -> None:
    assert statements_violations([MANAGE.replace(f"/{PREFIX}-*/", f"/{PREFIX.upper()}-*/")]) == []


def test_list_statement_only_when_the_stack_asks_for_it() -> None:
    assert statements_violations([MANAGE, LIST], allowListRepositories=True) == []
    (violation,) = statements_violations([MANAGE, LIST], allowListRepositories=False)
    assert f"{NS}:allowListRepositories" in violation.message


# --- pullers: exactly the stack's, read only, where the repositories are ------------------------------

PULLERS = [{"group": "deployers"}, {"dynamicGroup": "Default/oke nodes"}]
PULL_GROUP = (
    f"allow group deployers to read repos in compartment id {COMPARTMENT} where target.repo.name = /{PREFIX}-*/"
)
PULL_NODES = (
    f"allow dynamic-group 'Default'/'oke nodes' to read repos in compartment id {COMPARTMENT} "
    f"where target.repo.name = /{PREFIX}-*/"
)


def pullers_violations(statements: list[str], **overrides: Any) -> list[Violation]:
    return statements_violations([MANAGE, *statements], pullers=PULLERS, compartmentOcid=COMPARTMENT, **overrides)


def test_the_stacks_pullers_may_read_its_repositories_where_they_are() -> None:
    rendered = policy_statements(PREFIX, "test-devs")  # the manage statement, as the program writes it
    assert pullers_violations([PULL_GROUP, PULL_NODES]) == []
    assert statements_violations([*rendered], pullers=PULLERS) == []
    # In the root compartment the statement says `in tenancy`.
    in_tenancy = PULL_GROUP.replace(f"compartment id {COMPARTMENT}", "tenancy")
    assert statements_violations([MANAGE, in_tenancy], pullers=[{"group": "deployers"}]) == []
    # Names compare as OCI resolves them: case-insensitively, bare or quoted.
    assert pullers_violations([PULL_GROUP.replace("deployers", "'Deployers'")]) == []


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (PULL_GROUP.replace(" read ", " use "), "may only read"),
        (PULL_GROUP.replace(" read ", " manage "), "may only read"),
        (PULL_NODES.replace(" read ", " manage "), "may only read"),
        (PULL_NODES.replace(" read ", " inspect "), "may only read"),
        (PULL_GROUP.replace(" repos ", " all-resources "), "may only read repos"),
        (PULL_GROUP.replace(f"compartment id {COMPARTMENT}", "tenancy"), "applies in tenancy"),
        (PULL_NODES.replace(f"/{PREFIX}-*/", "/p-*/"), "not limited"),
        # Inside the prefix but narrower: it may be another project's (docs/isolation.md).
        (PULL_NODES.replace(f"/{PREFIX}-*/", f"/{PREFIX}-dev-*/"), "not limited"),
        (PULL_NODES.split(" where ")[0], "not limited"),
        (PULL_GROUP.replace("where ", "where any {request.operation='x', ") + "}", "not limited"),
        (PULL_GROUP.replace("deployers", "other-team"), "does not list as a puller"),
        (PULL_NODES.replace("'Default'/'oke nodes'", "'oke nodes'"), "does not list as a puller"),  # another domain
        (PULL_NODES.replace("dynamic-group", "group"), "does not list as a puller"),  # a group of that name
        (PULL_GROUP.replace("group deployers", "dynamic-group deployers"), "does not list as a puller"),
    ],
)
def test_anything_beyond_the_pullers_read_is_caught(text: str, reason: str) -> None:
    found = pullers_violations([text])
    assert found, text
    assert all(reason in violation.message for violation in found), found


def test_no_puller_statement_without_pullers() -> None:
    found = statements_violations([MANAGE, PULL_GROUP], compartmentOcid=COMPARTMENT)
    assert len(found) == 1
    assert f"{NS}:pullers: none" in found[0].message


def test_statements_that_are_not_a_list_of_strings_are_caught() -> None:
    assert statements_violations([]) != []
    assert violations("ocir-iam-statements-scoped", POLICY, {"statements": MANAGE}, config()) != []
    assert statements_violations([42]) != []  # type: ignore[list-item]


# --- repositories ----------------------------------------------------------------------------


def repository(name: str = f"{PREFIX}-api", public: bool = False, immutable: bool = False) -> dict[str, Any]:
    return {"displayName": name, "isPublic": public, "isImmutable": immutable, "compartmentId": "ocid1.tenancy.x"}


def test_repositories_are_private_unless_the_stack_asks() -> None:
    asked = config(images=[{"name": "api", "tag": "1.0", "public": True}])
    assert violations("ocir-repository-private", REPOSITORY, repository(public=False), config()) == []
    assert violations("ocir-repository-private", REPOSITORY, repository(public=True), asked) == []
    (violation,) = violations("ocir-repository-private", REPOSITORY, repository(public=True), config())
    assert "public" in violation.message
    # Asking for one public image does not make another one public.
    other = repository(name=f"{PREFIX}-web", public=True)
    assert violations("ocir-repository-private", REPOSITORY, other, asked) != []


def test_production_repositories_are_immutable() -> None:
    production = config(production=True)
    assert violations("ocir-production-immutable", REPOSITORY, repository(immutable=True), production) == []
    assert violations("ocir-production-immutable", REPOSITORY, repository(immutable=False), config()) == []
    (violation,) = violations("ocir-production-immutable", REPOSITORY, repository(immutable=False), production)
    assert "immutable" in violation.message


@pytest.mark.parametrize("name", ["other-api", f"{PREFIX}api", "p-tes-api", f"x-{PREFIX}-api", f"{PREFIX}-"])
def test_repositories_outside_the_prefix_are_caught(name: str) -> None:
    assert violations("ocir-repository-prefix", REPOSITORY, repository(name=name), config()) != []


def test_repositories_inside_the_prefix_pass() -> None:
    for name in (f"{PREFIX}-api", f"{PREFIX}-team/api"):
        assert violations("ocir-repository-prefix", REPOSITORY, repository(name=name), config()) == []


def test_images_are_pushed_inside_the_prefix() -> None:
    good = {"imageName": f"fra.ocir.io/ns/{PREFIX}-api:1.0"}
    bad = {"imageName": "fra.ocir.io/ns/other-api:1.0"}
    assert violations("ocir-repository-prefix", IMAGE, good, config()) == []
    assert violations("ocir-repository-prefix", IMAGE, bad, config()) != []


# --- tags ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("fra.ocir.io/ns/p-api:1.0", ("fra.ocir.io/ns/p-api", "1.0", None)),
        ("fra.ocir.io/ns/p-api", ("fra.ocir.io/ns/p-api", None, None)),
        ("localhost:5000/p-api", ("localhost:5000/p-api", None, None)),
        ("fra.ocir.io/ns/p-api@sha256:abc", ("fra.ocir.io/ns/p-api", None, "sha256:abc")),
        ("fra.ocir.io/ns/p-api:1.0@sha256:abc", ("fra.ocir.io/ns/p-api", "1.0", "sha256:abc")),
    ],
)
def test_split_reference(reference: str, expected: tuple[str, str | None, str | None]) -> None:
    assert split_reference(reference) == expected


@pytest.mark.parametrize(
    ("type_", "key"),
    [
        (IMAGE, "imageName"),
        ("docker:index/registryImage:RegistryImage", "name"),
        ("docker:index/tag:Tag", "targetImage"),
        ("docker:index/remoteImage:RemoteImage", "name"),
    ],
)
def test_production_has_no_latest_and_no_untagged_image(type_: str, key: str) -> None:
    production, development = config(production=True), config()
    base = f"fra.ocir.io/ns/{PREFIX}-api"
    for good in (f"{base}:1.0.0", f"{base}@sha256:{'a' * 64}"):
        assert violations("ocir-production-no-latest", type_, {key: good}, production) == []
    for bad in (f"{base}:latest", base):
        (violation,) = violations("ocir-production-no-latest", type_, {key: bad}, production)
        assert "latest" in violation.message
        assert violations("ocir-production-no-latest", type_, {key: bad}, development) == []


# --- stack facts -----------------------------------------------------------------------------


def test_a_stack_config_the_pack_cannot_read_is_a_violation() -> None:
    for broken in ({}, {f"{NS}:prefix": "p-test"}, config(prefix="Not A Prefix")):
        (violation,) = violations("ocir-repository-prefix", REPOSITORY, repository(), broken)
        assert "cannot read the stack's facts" in violation.message


def test_other_resource_types_are_not_judged() -> None:
    assert check_resource("oci:Identity/authToken:AuthToken", {"userId": "x"}, config()) == []


# --- the whole pack over the real program ----------------------------------------------------


@pytest.mark.parametrize("stack", stack_names())
def test_every_stack_in_the_repo_passes_the_pack(stack: str) -> None:
    assert check_stack(stack) == []


Broken = Callable[[str, Callable[[], None]], list[Violation]]


@pytest.fixture
def broken_run(project: Path) -> Callable[[str, Callable[[], None]], list[Violation]]:
    """The pack's verdict on the test project's stack after ``patch`` broke the program."""

    def _broken_run(stack: str, patch: Callable[[], None]) -> list[Violation]:
        patch()
        return check_run(run_stack(stack, project_dir=project), load_stack_config(stack, project).values)

    return _broken_run


def _wrap_repository(monkeypatch: pytest.MonkeyPatch, **forced: Any) -> None:
    real = artifacts.ContainerRepository

    def broken(name: str, **kwargs: Any) -> Any:
        return real(name, **{**kwargs, **forced})

    monkeypatch.setattr(artifacts, "ContainerRepository", broken)


def test_a_widened_statement_in_the_program_is_caught(monkeypatch: pytest.MonkeyPatch, broken_run: Broken) -> None:
    def widened(*args: Any, **kwargs: Any) -> list[str]:
        statements = policy_statements(*args, **kwargs)
        return [statements[0].replace("-*/", "*/"), *statements[1:]]

    found = broken_run("dev", lambda: monkeypatch.setattr(components.access_policy, "policy_statements", widened))
    assert {v.policy for v in found} == {"ocir-iam-statements-scoped"}
    assert "/p-shop-dev*/" in found[0].message


def test_a_public_repository_nobody_asked_for_is_caught(monkeypatch: pytest.MonkeyPatch, broken_run: Broken) -> None:
    found = broken_run("dev", lambda: _wrap_repository(monkeypatch, is_public=True))
    assert {v.policy for v in found} == {"ocir-repository-private"}


def test_a_mutable_production_repository_is_caught(monkeypatch: pytest.MonkeyPatch, broken_run: Broken) -> None:
    found = broken_run("prod", lambda: _wrap_repository(monkeypatch, is_immutable=False))
    assert {v.policy for v in found} == {"ocir-production-immutable"}
    # The same declaration in dev is allowed: dev is not production.
    assert broken_run("dev", lambda: None) == []


def test_a_repository_outside_the_prefix_is_caught(monkeypatch: pytest.MonkeyPatch, broken_run: Broken) -> None:
    found = broken_run("dev", lambda: _wrap_repository(monkeypatch, display_name="someone-else-api"))
    assert {v.policy for v in found} == {"ocir-repository-prefix"}


def test_a_latest_tag_in_production_is_caught(monkeypatch: pytest.MonkeyPatch, broken_run: Broken) -> None:
    real = docker.Image

    def latest(name: str, **kwargs: Any) -> Any:
        kwargs["image_name"] = pulumi.Output.from_input(kwargs["image_name"]).apply(
            lambda reference: reference.rsplit(":", 1)[0] + ":latest"
        )
        return real(name, **kwargs)

    found = broken_run("prod", lambda: monkeypatch.setattr(docker, "Image", latest))
    assert {v.policy for v in found} == {"ocir-production-no-latest"}


# --- vulnerability scanning: service statements and the scan target --------------------------

SERVICE = "allow service vulnerability-scanning-service to read {kind} in compartment id " + COMPARTMENT
SCANNING = {"vulnerabilityScanning": True, "compartmentOcid": COMPARTMENT}


def test_the_parser_reads_a_service_statement_and_where_it_applies() -> None:
    statement = parse_statement(SERVICE.format(kind="repos"))
    assert (statement.subject, statement.group, statement.verb, statement.resource_type) == (
        "service",
        "vulnerability-scanning-service",
        "read",
        "repos",
    )
    assert str(statement.location) == f"compartment id {COMPARTMENT}"
    assert str(parse_statement(MANAGE).location) == "tenancy"
    assert str(parse_statement("ALLOW SERVICE x TO READ repos IN COMPARTMENT Apps:Team").location) == (
        "compartment Apps:Team"
    )
    with pytest.raises(StatementError, match="several services"):
        parse_statement("allow service vulnerability-scanning-service, cloudguard to read repos in tenancy")


def test_the_scanning_statements_the_program_renders_pass_only_when_the_stack_scans() -> None:
    in_compartment = scanning_statements(TENANCY, COMPARTMENT)
    assert statements_violations([MANAGE, *in_compartment], **SCANNING) == []
    in_root = scanning_statements(TENANCY, TENANCY)
    assert all(text.endswith(" in tenancy") for text in in_root)
    assert statements_violations([MANAGE, *in_root], vulnerabilityScanning=True) == []
    # Production scans unless it says false: unset is on there.
    assert statements_violations([MANAGE, *in_compartment], production=True, compartmentOcid=COMPARTMENT) == []
    for off in ({"vulnerabilityScanning": False}, {}, {"production": True, "vulnerabilityScanning": False}):
        found = statements_violations([MANAGE, *in_compartment], compartmentOcid=COMPARTMENT, **off)
        assert len(found) == 2, off
        assert all(f"{NS}:vulnerabilityScanning is not on" in v.message for v in found)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("allow service cloudguard to read repos in tenancy", "only service this stack may grant to"),
        ("allow service objectstorage-eu-frankfurt-1 to read repos in tenancy", "only service"),
        (SERVICE.format(kind="repos").replace(" read ", " manage "), "may only read"),
        (SERVICE.format(kind="repos").replace(" read ", " use "), "may only read"),
        (SERVICE.format(kind="all-resources"), "may only read repos and compartments"),
        (SERVICE.format(kind="instances"), "may only read repos and compartments"),
        (SERVICE.format(kind="vnics"), "may only read repos and compartments"),
        ("allow service vulnerability-scanning-service to read repos in tenancy", "'in compartment id"),
        (SERVICE.format(kind="repos").replace(COMPARTMENT, "ocid1.compartment.oc1..other"), "'in compartment id"),
        (SERVICE.format(kind="repos").replace(f"id {COMPARTMENT}", "Apps"), "'in compartment id"),
    ],
)
def test_widened_or_foreign_service_statements_are_caught(text: str, reason: str) -> None:
    found = statements_violations([MANAGE, text], **SCANNING)
    assert found, text
    assert all(reason in violation.message for violation in found), found


def test_in_the_root_compartment_only_in_tenancy_will_do() -> None:
    root = {"vulnerabilityScanning": True}
    text = f"allow service vulnerability-scanning-service to read repos in compartment id {COMPARTMENT}"
    (violation,) = statements_violations([MANAGE, text], **root)
    assert "'in tenancy'" in violation.message


def target(repositories: Any = ("p-test-api",), **registry: Any) -> dict[str, Any]:
    target_registry = {"type": "OCIR", "compartmentId": COMPARTMENT, **registry}
    if repositories is not None:
        target_registry["repositories"] = repositories if isinstance(repositories, str) else list(repositories)
    return {"compartmentId": COMPARTMENT, "containerScanRecipeId": "ocid1.x", "targetRegistry": target_registry}


def target_violations(inputs: dict[str, Any], **overrides: Any) -> list[Violation]:
    return violations("ocir-scan-target-scoped", SCAN_TARGET, inputs, config(**{**SCANNING, **overrides}))


def test_a_scan_target_naming_the_stacks_repositories_passes() -> None:
    assert target_violations(target()) == []
    assert target_violations(target(["p-test-api", "p-test-team/web"])) == []


@pytest.mark.parametrize(
    ("inputs", "reason"),
    [
        (target([]), "every repository in the compartment"),
        (target(None), "every repository in the compartment"),
        (target(["p-test-api", "someone-else-api"]), "'someone-else-api', which is not one of the stack's"),
        (target(["p-testapi"]), "not one of the stack's"),
        (target(compartmentId="ocid1.compartment.oc1..other"), "not the compartment of the stack's repositories"),
        (target(type="GENERIC"), "OCIR"),
        (target("p-test-api"), "must be a list"),
        ({"compartmentId": COMPARTMENT}, "targetRegistry must be an object"),
    ],
)
def test_a_widened_or_misplaced_scan_target_is_caught(inputs: dict[str, Any], reason: str) -> None:
    found = target_violations(inputs)
    assert found, inputs
    assert any(reason in violation.message for violation in found), found


def test_a_scan_target_only_when_the_stack_scans() -> None:
    (violation,) = target_violations(target(), vulnerabilityScanning=False)
    assert f"{NS}:vulnerabilityScanning is not on" in violation.message


def _wrap_target(monkeypatch: pytest.MonkeyPatch, repositories: list[str]) -> None:
    real = vulnerabilityscanning.ContainerScanTarget

    def widened(name: str, **kwargs: Any) -> Any:
        return real(name, **{**kwargs, "target_registry": {**kwargs["target_registry"], "repositories": repositories}})

    monkeypatch.setattr(vulnerabilityscanning, "ContainerScanTarget", widened)


@pytest.mark.parametrize("repositories", [[], ["p-shop-prd-storefront", "someone-else-api"]])
def test_a_widened_scan_target_in_the_program_is_caught(
    monkeypatch: pytest.MonkeyPatch, broken_run: Broken, repositories: list[str]
) -> None:
    found = broken_run("prod", lambda: _wrap_target(monkeypatch, repositories))
    assert {v.policy for v in found} == {"ocir-scan-target-scoped"}
    assert found[0].urn.endswith("::p-shop-prd-scanning-target")


def test_an_unrequested_service_statement_in_the_program_is_caught(
    monkeypatch: pytest.MonkeyPatch, broken_run: Broken
) -> None:
    # dev does not scan: a service statement slipped into its access policy is caught.
    def with_service(*args: Any, **kwargs: Any) -> list[str]:
        return [*policy_statements(*args, **kwargs), *scanning_statements(TENANCY, COMPARTMENT)]

    found = broken_run("dev", lambda: monkeypatch.setattr(components.access_policy, "policy_statements", with_service))
    assert {v.policy for v in found} == {"ocir-iam-statements-scoped"}
    assert len(found) == 2
    assert all(f"{NS}:vulnerabilityScanning is not on" in v.message for v in found)


def test_a_scanning_grant_widened_to_the_tenancy_in_the_program_is_caught(
    monkeypatch: pytest.MonkeyPatch, broken_run: Broken
) -> None:
    # prod's repositories are in a compartment: the service may not read the whole tenancy's.
    found = broken_run(
        "prod",
        lambda: monkeypatch.setattr(
            components.scanning,
            "scanning_statements",
            lambda tenancy, _compartment: scanning_statements(tenancy, tenancy),
        ),
    )
    assert {v.policy for v in found} == {"ocir-iam-statements-scoped"}
    assert len(found) == 2
    assert all("applies in tenancy" in v.message for v in found)
