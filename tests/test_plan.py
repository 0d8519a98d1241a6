"""The plan command: the main job without a cloud account."""

from __future__ import annotations

import json
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Completed
from tests.projects import DEV, write_project
from tools import plan

DEV_STATEMENTS = [
    "allow group shop-developers to manage repos in tenancy where target.repo.name = /p-shop-dev-*/",
    "allow group shop-developers to inspect repos in tenancy where any {request.operation='ListDockerRepositories', "
    "request.operation='ListContainerRepositories'}",
]


def test_text_plan_lists_every_resource_with_statements_and_image_references(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert plan.main(["dev", "--project-dir", str(project)]) == 0
    text = capsys.readouterr().out
    for kind in (
        "oci:Identity/policy:Policy",
        "oci:Identity/authToken:AuthToken",
        "oci:Artifacts/containerRepository:ContainerRepository",
        "docker:index/image:Image",
    ):
        assert f"+ {kind}  " in text
    for statement in DEV_STATEMENTS:
        assert f"- {statement}\n" in text
    assert "imageName: fra.ocir.io/shopns/p-shop-dev-storefront:1.0" in text
    assert "password: [secret]" in text
    assert "authToken: [secret]" in text
    assert "repoDigest: (known after apply)" in text


def test_json_plan_is_complete_and_machine_readable(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["prod", "--json", "--project-dir", str(project)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["project"], document["stack"]) == ("ocir", "prod")
    by_type: dict[str, list[dict[str, Any]]] = {}
    for resource in document["resources"]:
        by_type.setdefault(resource["type"], []).append(resource)
    policies = {policy["inputs"]["name"]: policy for policy in by_type["oci:Identity/policy:Policy"]}
    assert set(policies) == {"p-shop-prd-ocir-policy", "p-shop-prd-vss-policy"}  # production scans
    policy = policies["p-shop-prd-ocir-policy"]
    assert policy["inputs"]["statements"] == [
        "allow group 'shop-domain'/'shop-release' to manage repos in tenancy where target.repo.name = /p-shop-prd-*/"
    ]
    (token,) = by_type["oci:Identity/authToken:AuthToken"]
    assert token["options"]["additionalSecretOutputs"] == ["token"]
    (image,) = by_type["docker:index/image:Image"]
    assert image["inputs"]["registry"]["password"] == "[secret]"
    assert image["secretInputs"] == ["registry.password"]
    assert "p-shop-prd-storefront-repository" in image["dependsOn"]
    # prod looks up its namespace and user name at deploy time, and every stack first counts the
    # push user's auth tokens and reads the tenancy's compartments, policies and repositories: the plan says so.
    assert {lookup["function"] for lookup in document["lookups"]} == {
        "oci:ObjectStorage/getNamespace:getNamespace",
        "oci:Identity/getUser:getUser",
        "oci:Identity/getAuthTokens:getAuthTokens",
        "oci:Identity/getCompartments:getCompartments",
        "oci:Identity/getPolicies:getPolicies",
        "oci:Artifacts/getContainerRepositories:getContainerRepositories",
    }
    assert image["inputs"]["imageName"] == "eu-frankfurt-1.ocir.io/<tenancy-namespace>/p-shop-prd-storefront:1.0.0"
    assert document["outputs"]["policyId"] == "(known after apply)"
    assert set(document["outputs"]) == {
        "registryServer",
        "namespace",
        "loginUsername",
        "authToken",
        "policyId",
        "images",
        "scanTargetId",
    }


def test_plan_of_an_invalid_stack_fails_naming_the_keys(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = {**DEV, "ocir:groupName": "devs' to manage all-resources in tenancy //", "ocir:prefx": "typo"}
    write_project(tmp_path, {"broken": broken})

    assert plan.main(["broken", "--project-dir", str(tmp_path)]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    lines = printed.err.splitlines()
    assert lines[0] == "error: stack broken is not valid:"
    assert lines[1].startswith("ocir:prefx: unknown key (did you mean ocir:prefix?)")
    assert lines[2].startswith("ocir:groupName: must be an IAM group name")


def test_plan_of_a_missing_stack_lists_the_stacks(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["no-such-stack", "--project-dir", str(project)]) == 2
    assert "stacks here: dev, prod" in capsys.readouterr().err  # the test project's own


def test_plan_command_runs_from_any_directory(printed_plans: dict[str, Future[Completed]]) -> None:
    result = printed_plans["dev"].result(timeout=120)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert "ocir:index:OcirProject" in {resource["type"] for resource in document["resources"]}
