"""Vulnerability scanning: the vulnerabilityScanning key as stacks write it, the ImageScanning component, what the
program declares with it on and off, and what a reviewer sees in the plan diff when it changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from components import ArgumentError, ImageScanning, ImageScanningArgs, OcirProject, naming
from components.statements import scanning_location, scanning_statements
from stackconfig import ConfigError, parse_settings
from tests.conftest import COMPARTMENT, NS, TENANCY, TOKEN, USER, valid_config
from tests.projects import DEV, PROD, write_project
from tools import plan
from tools.engine.mocks import OcirMocks
from tools.engine.types import POLICY, REPOSITORY, SCAN_RECIPE, SCAN_TARGET
from tools.harness import StackRun, evaluate, run_program, run_stack
from tools.plan_diff import diff_plans, render_markdown, risks
from tools.stackfiles import PROJECT_DIR, encode_config, load_stack_config

KEY = f"{NS}:vulnerabilityScanning"
SCANNING_TYPES = {"ocir:index:ImageScanning", POLICY, SCAN_RECIPE, SCAN_TARGET}


def scans(run: StackRun) -> bool:
    return bool(run.of_type(SCAN_TARGET))


# --- the key -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("production", "value", "expected"),
    [
        (False, None, False),
        (False, "", False),
        (True, None, True),
        (True, "", True),
        (False, True, True),
        (False, "true", True),
        (True, False, False),
        (True, "false", False),
    ],
)
def test_unset_follows_production_and_an_explicit_value_wins(production: bool, value: Any, expected: bool) -> None:
    raw = encode_config(valid_config(production=production))
    if value is not None:
        raw[KEY] = value
    assert parse_settings(raw, NS).vulnerability_scanning is expected


@pytest.mark.parametrize("value", ["yes", "on", "1", "TRUE", "False ", 1, 0, ["true"], {"on": True}])
def test_a_bad_value_names_the_key_and_declares_nothing(value: Any) -> None:
    raw = encode_config(valid_config(production=True))
    raw[KEY] = value
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, NS)
    assert error.value.keys == [KEY]
    assert str(error.value).startswith(f"{KEY}: must be true or false")
    run = run_program({**valid_config(production=True), KEY: value}, raise_errors=False)
    assert isinstance(run.error, pulumi.RunError)
    assert str(run.error).startswith(f"{KEY}: ")
    assert (run.resources, run.invokes) == ([], [])


def test_pulumi_yaml_declares_the_key_so_that_unset_stays_unset() -> None:
    # The CLI hands every stack that lacks a key its declared default: a boolean default would make a
    # production stack without the key arrive as an explicit false and stop scanning.
    declaration = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["config"]["vulnerabilityScanning"]
    assert "type" not in declaration
    assert declaration["default"] == ""


def test_a_production_stack_file_without_the_key_scans_and_an_explicit_false_does_not(tmp_path: Path) -> None:
    prod = {key: value for key, value in PROD.items() if key != KEY}
    project = write_project(tmp_path, {"prod": prod, "quiet": {**prod, KEY: False}, "dev": DEV})
    assert load_stack_config("prod", project).values[KEY] == ""  # the declared default, as the CLI gives it
    assert scans(run_stack("prod", project_dir=project))
    assert not scans(run_stack("quiet", project_dir=project))
    assert not scans(run_stack("dev", project_dir=project))
    assert scans(run_stack("dev", project_dir=write_project(tmp_path / "scanning-dev", {"dev": {**DEV, KEY: True}})))


# --- the statements ------------------------------------------------------------------------------


def test_the_service_reads_only_where_the_repositories_are() -> None:
    assert scanning_location(TENANCY, TENANCY) == "tenancy"
    assert scanning_location(TENANCY, COMPARTMENT) == f"compartment id {COMPARTMENT}"
    assert scanning_statements(TENANCY, COMPARTMENT) == [
        f"allow service vulnerability-scanning-service to read repos in compartment id {COMPARTMENT}",
        f"allow service vulnerability-scanning-service to read compartments in compartment id {COMPARTMENT}",
    ]


def test_the_scanning_policy_name_fits_for_the_longest_prefix() -> None:
    longest = "p" * naming.MAX_PREFIX
    naming.check_prefix(longest)
    assert len(naming.scanning_policy_name(longest)) <= naming.MAX_POLICY_NAME


# --- the component -------------------------------------------------------------------------------


def scanning_args(**overrides: Any) -> ImageScanningArgs:
    args: dict[str, Any] = {
        "tenancy_ocid": TENANCY,
        "compartment_ocid": COMPARTMENT,
        "prefix": "p-team",
        "repository_names": ["p-team-api", "p-team-web"],
    }
    args.update(overrides)
    return args


def test_image_scanning_declares_a_recipe_a_target_of_exactly_its_repositories_and_the_grant() -> None:
    def program() -> None:
        gate = pulumi.CustomResource("test:index:Gate", "gate")
        scanning = ImageScanning(
            "team-scanning", scanning_args(freeform_tags={"team": "api"}), pulumi.ResourceOptions(depends_on=[gate])
        )
        pulumi.export("targetId", scanning.target_id)
        pulumi.export("statements", scanning.statements)

    run = evaluate(program, mocks=OcirMocks())
    component = run.one("ocir:index:ImageScanning")
    policy, recipe, target = run.one(POLICY), run.one(SCAN_RECIPE), run.one(SCAN_TARGET)
    assert {r.parent for r in (policy, recipe, target)} == {component.urn}
    assert (policy.name, recipe.name, target.name) == (
        "team-scanning-policy",
        "team-scanning-recipe",
        "team-scanning-target",
    )
    assert policy.plain["compartmentId"] == TENANCY
    assert policy.plain["name"] == "p-team-vss-policy"
    assert policy.plain["statements"] == scanning_statements(TENANCY, COMPARTMENT)
    assert recipe.plain["compartmentId"] == COMPARTMENT
    assert recipe.plain["displayName"] == "p-team-scan-recipe"
    assert recipe.plain["scanSettings"] == {"scanLevel": "STANDARD"}
    assert target.plain["compartmentId"] == COMPARTMENT
    assert target.plain["displayName"] == "p-team-scan-target"
    assert target.plain["targetRegistry"] == {
        "type": "OCIR",
        "compartmentId": COMPARTMENT,
        "repositories": ["p-team-api", "p-team-web"],
    }
    assert {r.plain["freeformTags"]["team"] for r in (policy, recipe, target)} == {"api"}
    gate = run.one("test:index:Gate")
    assert {gate.urn, policy.urn, recipe.urn} <= set(target.dependencies)
    assert run.outputs["statements"].value == scanning_statements(TENANCY, COMPARTMENT)
    assert run.outputs["targetId"].value.startswith("ocid1.")  # forwarded from the target


@pytest.mark.parametrize(
    ("overrides", "path"),
    [
        ({"repository_names": []}, "repository_names"),
        ({"repository_names": ["p-team-api", "someone-else-api"]}, "repository_names[1]"),
        ({"repository_names": ["p-team-api", "p-team-api"]}, "repository_names[1]"),
        ({"repository_names": ["P-Team-Api"]}, "repository_names[0]"),
        ({"compartment_ocid": "ocid1.user.oc1..aaaaaaaaexample"}, "compartment_ocid"),
        ({"tenancy_ocid": COMPARTMENT}, "tenancy_ocid"),
        ({"prefix": "p-team/*"}, "prefix"),
    ],
)
def test_image_scanning_refuses_bad_arguments_before_declaring_anything(overrides: dict[str, Any], path: str) -> None:
    def program() -> None:
        ImageScanning("team-scanning", scanning_args(**overrides))

    run = evaluate(program, raise_errors=False)
    assert isinstance(run.error, ArgumentError)
    assert path in [problem_path for problem_path, _ in run.error.problems]
    assert run.resources == []


def project(**overrides: Any) -> StackRun:
    args: dict[str, Any] = {
        "prefix": "p-team",
        "group_name": "team-devs",
        "tenancy_ocid": TENANCY,
        "region": "fra",
        "user_ocid": USER,
        "tenancy_namespace": "ns",
        "user_name": "ci",
        "images": [{"name": "api", "tag": "1.0"}, {"name": "web", "tag": "2.0"}],
    }
    args.update(overrides)

    def program() -> None:
        ocir = OcirProject("p-team", args)
        if ocir.scan_target_id is not None:
            pulumi.export("scanTargetId", ocir.scan_target_id)

    return evaluate(program, mocks=OcirMocks(token=TOKEN))


def test_the_project_component_scans_only_when_asked_and_only_its_repositories() -> None:
    assert not scans(project())  # the package's default: asked for, never implied
    run = project(vulnerability_scanning=True, compartment_ocid=COMPARTMENT)
    target = run.one(SCAN_TARGET)
    assert target.plain["targetRegistry"]["repositories"] == ["p-team-api", "p-team-web"]
    assert {r.urn for r in run.of_type(REPOSITORY)} <= set(target.dependencies)
    assert run.one("ocir:index:ImageScanning").name == "p-team-scanning"
    assert "scanTargetId" in run.outputs
    # Repositories in the root compartment: the service reads in the tenancy, the only name OCI has for it.
    in_root = project(vulnerability_scanning=True)
    (service_policy,) = [p for p in in_root.of_type(POLICY) if p.plain["name"] == "p-team-vss-policy"]
    assert all(text.endswith(" in tenancy") for text in service_policy.plain["statements"])


def test_without_images_there_is_nothing_to_scan_and_nothing_is_declared() -> None:
    # A target with no repositories would scan every repository in the compartment.
    run = project(vulnerability_scanning=True, images=[])
    assert {r.type for r in run.resources} & {SCAN_RECIPE, SCAN_TARGET, "ocir:index:ImageScanning"} == set()
    assert len(run.of_type(POLICY)) == 1
    assert "scanTargetId" not in run.outputs


# --- the plan diff -------------------------------------------------------------------------------


def document(**overrides: Any) -> dict[str, Any]:
    config = valid_config(compartmentOcid=COMPARTMENT, **overrides)
    run = run_program(config, mocks=OcirMocks(plan=True), preview=True)
    return plan.plan_document(run, encode_config(config))


def test_turning_scanning_on_adds_only_the_scanning_resources_and_says_what_is_granted() -> None:
    off, on = document(vulnerabilityScanning=False), document(vulnerabilityScanning=True)
    changes = diff_plans(off, on)
    assert {(c.kind, c.type) for c in changes} == {("added", type_) for type_ in SCANNING_TYPES}
    found = risks(off, on)
    granted = [f"IAM statement **granted**: `{text}`" for text in scanning_statements(TENANCY, COMPARTMENT)]
    assert found == granted
    markdown = render_markdown(off, on)
    assert "**4 to add" not in markdown  # the component is not a cloud resource
    assert "**3 to add, 0 to change, 0 to replace, 0 to remove**" in markdown
    assert "`scanTargetId`: (absent) → `(known after apply)`" in markdown


def test_turning_scanning_off_removes_only_the_scanning_resources_and_says_scanning_stops() -> None:
    on, off = document(production=True), document(production=True, vulnerabilityScanning=False)
    changes = diff_plans(on, off)
    assert {(c.kind, c.type) for c in changes} == {("removed", type_) for type_ in SCANNING_TYPES}
    found = risks(on, off)
    assert found == [
        # Production protects the scanning service's policy like its access policy: turning scanning off there
        # means unprotecting it first.
        "**`oci:Identity/policy:Policy` `p-test-scanning-policy` is protected: `pulumi up` will stop** rather than "
        "delete it. If this is a rename, add an alias so it keeps its identity; to really delete it, `pulumi state "
        "unprotect` it first (docs/production.md).",
        "The IAM policy `p-test-scanning-policy` is **deleted**: the service it names loses what the statements "
        "below granted.",
        'Vulnerability scanning **stops** for `["p-test-api"]`: the scan target `p-test-scanning-target` is deleted.',
    ]
    # Outside production nothing stops it.
    assert not any("is protected" in line for line in risks(document(vulnerabilityScanning=True), document()))


def test_a_target_that_would_scan_every_repository_is_a_risk_line() -> None:
    on = document(vulnerabilityScanning=True)
    widened = json.loads(json.dumps(on))
    for resource in widened["resources"]:
        if resource["type"] == SCAN_TARGET:
            resource["inputs"]["targetRegistry"]["repositories"] = []
    (line,) = risks(on, widened)
    assert "OCI scans every repository in its compartment" in line
    assert risks(document(), widened)[-1] == line  # the same when the target is new
