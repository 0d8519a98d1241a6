"""The plan command: the main job without a cloud account."""

from __future__ import annotations

import json
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import NS, Completed
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
    assert (document["project"], document["stack"]) == (NS, "prod")
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
    broken = {**DEV, f"{NS}:groupName": "devs' to manage all-resources in tenancy //", f"{NS}:prefx": "typo"}
    write_project(tmp_path, {"broken": broken})

    assert plan.main(["broken", "--project-dir", str(tmp_path)]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    lines = printed.err.splitlines()
    assert lines[0] == "error: stack broken is not valid:"
    assert lines[1].startswith(f"{NS}:prefx: unknown key (did you mean {NS}:prefix?)")
    assert lines[2].startswith(f"{NS}:groupName: must be an IAM group name")


def test_plan_of_a_missing_stack_lists_the_stacks(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert plan.main(["no-such-stack", "--project-dir", str(project)]) == 2
    assert "stacks here: dev, prod" in capsys.readouterr().err  # the test project's own


def test_plan_command_runs_from_any_directory(printed_plans: dict[str, Future[Completed]]) -> None:
    result = printed_plans["dev"].result(timeout=120)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert "ocir:index:OcirProject" in {resource["type"] for resource in document["resources"]}


GOV_TENANCY = "ocid1.tenancy.oc2..aaaaaaaatesttenancy0000000000000000000000000000000000000"
GOV_COMPARTMENT = "ocid1.compartment.oc2..aaaaaaaatestcompartment000000000000000000000000000000"
GOV: dict[str, Any] = {
    "oci:region": "us-langley-1",
    f"{NS}:prefix": "p-gov",
    f"{NS}:groupName": "gov-release",
    f"{NS}:tenancyOcid": GOV_TENANCY,
    f"{NS}:compartmentOcid": GOV_COMPARTMENT,
    f"{NS}:region": "lfi",
    f"{NS}:tenancyNamespace": "govns",
    f"{NS}:userOcid": "ocid1.user.oc2..aaaaaaaatestpushuser00000000000000000000000000000000000000",
    f"{NS}:userName": "gov-ci",
    f"{NS}:pullers": [{"group": "gov-deployers"}, {"dynamicGroup": "Default/oke nodes"}],
    f"{NS}:pullUserOcid": "ocid1.user.oc2..aaaaaaaatestpulluser000000000000000000000000000000000000000",
    f"{NS}:pullUserName": "gov-reader",
    f"{NS}:images": [{"name": "api", "tag": "1.0"}],
}
"""A stack outside the commercial realm (oc2) with two pullers and a pull user."""


def test_a_plan_with_pullers_a_pull_user_and_another_realm_shows_the_statements_tokens_and_host(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, {"gov": GOV})
    assert plan.main(["gov", "--json", "--project-dir", str(tmp_path)]) == 0
    document = json.loads(capsys.readouterr().out)
    by_type: dict[str, list[dict[str, Any]]] = {}
    for resource in document["resources"]:
        by_type.setdefault(resource["type"], []).append(resource)
    (policy,) = by_type["oci:Identity/policy:Policy"]
    where = f"in compartment id {GOV_COMPARTMENT} where target.repo.name = /p-gov-*/"
    assert policy["inputs"]["statements"] == [
        "allow group gov-release to manage repos in tenancy where target.repo.name = /p-gov-*/",
        f"allow group gov-deployers to read repos {where}",
        f"allow dynamic-group 'Default'/'oke nodes' to read repos {where}",
    ]
    tokens = {token["inputs"]["userId"]: token for token in by_type["oci:Identity/authToken:AuthToken"]}
    assert set(tokens) == {GOV[f"{NS}:userOcid"], GOV[f"{NS}:pullUserOcid"]}
    pull = tokens[GOV[f"{NS}:pullUserOcid"]]
    assert pull["name"] == "p-gov-pull-credentials-token"
    assert pull["options"]["additionalSecretOutputs"] == ["token"]
    assert pull["inputs"]["description"].startswith("OCIR pull token for project p-gov (")
    host = "ocir.us-langley-1.oci.oraclegovcloud.com"
    (image,) = by_type["docker:index/image:Image"]
    assert image["inputs"]["imageName"] == f"{host}/govns/p-gov-api:1.0"
    assert image["inputs"]["registry"]["server"] == host
    assert document["outputs"]["registryServer"] == host
    assert document["outputs"]["pullSecret"] == "[secret]"
    # The text plan prints the same statements and host.
    assert plan.main(["gov", "--project-dir", str(tmp_path)]) == 0
    text = capsys.readouterr().out
    for statement in policy["inputs"]["statements"]:
        assert f"- {statement}\n" in text
    assert f"imageName: {host}/govns/p-gov-api:1.0" in text
    assert "pullSecret: [secret]" in text
