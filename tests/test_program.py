"""The whole program (__main__.py) under mocks: every stack file, and configs it has never seen.

Expected values are written out from the contract (README, "What it declares") with plain
f-strings rather than the program's own helpers, so a change of format in the program fails here.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.statements import POLICY_WORDS
from tests.conftest import NS, TENANCY, TOKEN, USER, valid_config
from tools.engine.mocks import OcirMocks
from tools.engine.types import (
    AUTH_TOKEN,
    GET_NAMESPACE,
    GET_USER,
    IMAGE,
    POLICY,
    REPOSITORY,
    SCAN_RECIPE,
    SCAN_TARGET,
)
from tools.harness import StackRun, run_program, run_stack
from tools.stackfiles import PROJECT_DIR, encode_config, stack_names

OUTPUTS = {"registryServer", "namespace", "loginUsername", "authToken", "policyId", "images"}
REGION_KEYS = {"fra": "eu-frankfurt-1", "ams": "eu-amsterdam-1", "iad": "us-ashburn-1", "phx": "us-phoenix-1"}


def subject(group: str, domain: str | None) -> str:
    if domain:
        return f"group '{domain}'/'{group}'"
    if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9._-]*", group) and group != "id":
        return f"group {group}"
    return f"group '{group}'"


def expected_statements(prefix: str, group: str, domain: str | None, allow_list: bool) -> list[str]:
    who = subject(group, domain)
    statements = [f"allow {who} to manage repos in tenancy where target.repo.name = /{prefix}-*/"]
    if allow_list:
        statements.append(
            f"allow {who} to inspect repos in tenancy where any {{request.operation='ListDockerRepositories', "
            "request.operation='ListContainerRepositories'}"
        )
    return statements


def access_policy(run: StackRun) -> Any:
    """The project's access policy (a scanning stack also declares the scanning service's policy)."""
    (policy,) = [p for p in run.of_type(POLICY) if p.plain["name"].endswith("-ocir-policy")]
    return policy


def scanning_expected(config: dict[str, Any]) -> bool:
    """vulnerabilityScanning as documented: unset follows production; nothing without images."""
    value = config.get(f"{NS}:vulnerabilityScanning")
    production = config.get(f"{NS}:production") in (True, "true")
    return bool(config.get(f"{NS}:images")) and (production if value in (None, "") else value in (True, "true"))


def check_scanning_contract(run: StackRun, config: dict[str, Any]) -> None:
    prefix = config[f"{NS}:prefix"]
    tenancy = config[f"{NS}:tenancyOcid"]
    compartment = config.get(f"{NS}:compartmentOcid") or tenancy
    service_policies = [p for p in run.of_type(POLICY) if p.plain["name"] != f"{prefix}-ocir-policy"]
    if not scanning_expected(config):
        assert (service_policies, run.of_type(SCAN_RECIPE), run.of_type(SCAN_TARGET)) == ([], [], [])
        assert "scanTargetId" not in run.outputs
        return
    (policy,) = service_policies
    location = "tenancy" if compartment == tenancy else f"compartment id {compartment}"
    assert policy.plain["name"] == f"{prefix}-vss-policy"
    assert policy.plain["compartmentId"] == tenancy
    assert policy.plain["statements"] == [
        f"allow service vulnerability-scanning-service to read repos in {location}",
        f"allow service vulnerability-scanning-service to read compartments in {location}",
    ]
    recipe, target = run.one(SCAN_RECIPE), run.one(SCAN_TARGET)
    assert recipe.plain["compartmentId"] == target.plain["compartmentId"] == compartment
    assert recipe.plain["scanSettings"] == {"scanLevel": "STANDARD"}
    assert target.plain["targetRegistry"] == {
        "type": "OCIR",
        "compartmentId": compartment,
        "repositories": [f"{prefix}-{image['name']}" for image in config[f"{NS}:images"]],
    }
    # The target waits for the recipe, the service's grant and every repository it names.
    assert {recipe.urn, policy.urn, *(r.urn for r in run.of_type(REPOSITORY))} <= set(target.dependencies)
    # In production the service's policy is protected like the access policy; the recipe and target are not.
    production = config.get(f"{NS}:production") in (True, "true")
    assert bool(policy.protect) is production
    assert not any(r.protect for r in (recipe, target))
    assert run.outputs["scanTargetId"].value.startswith("ocid1.")


def check_contract(run: StackRun, config: dict[str, Any], namespace: str, user_name: str) -> None:
    """Assert everything the contract fixes, for a config in the stack-file form (native values)."""
    prefix = config[f"{NS}:prefix"]
    region = config[f"{NS}:region"].lower()
    server = f"{region}.ocir.io"
    domain = config.get(f"{NS}:identityDomain") or None
    user_domain = config.get(f"{NS}:userDomain") or None
    images = config.get(f"{NS}:images", [])
    production = config.get(f"{NS}:production") in (True, "true")
    login = f"{namespace}/{user_domain}/{user_name}" if user_domain else f"{namespace}/{user_name}"

    policy = access_policy(run)
    assert policy.plain["compartmentId"] == config[f"{NS}:tenancyOcid"]
    assert policy.plain["name"] == f"{prefix}-ocir-policy"
    assert policy.plain["statements"] == expected_statements(
        prefix, config[f"{NS}:groupName"], domain, bool(config.get(f"{NS}:allowListRepositories"))
    )
    # Production protects what teams depend on; a policy is protected but not retained (an
    # orphaned grant outliving the stack would be a silent widening).
    assert (bool(policy.protect), bool(policy.retain_on_delete)) == (production, False)

    (token,) = run.of_type(AUTH_TOKEN)
    assert token.plain["userId"] == config[f"{NS}:userOcid"]
    assert token.additional_secret_outputs == ["token"]
    assert not token.protect  # rotation must be able to delete the old token

    repositories = {r.plain["displayName"]: r for r in run.of_type(REPOSITORY)}
    pushed = {r.plain["imageName"]: r for r in run.of_type(IMAGE)}
    assert len(repositories) == len(pushed) == len(images)
    compartment = config.get(f"{NS}:compartmentOcid") or config[f"{NS}:tenancyOcid"]
    for image in images:
        name = f"{prefix}-{image['name']}"
        repository = repositories[name]
        assert repository.plain["compartmentId"] == compartment
        assert repository.plain["isPublic"] is bool(image.get("public", False))
        assert repository.plain["isImmutable"] is bool(image.get("immutable", production))
        assert (bool(repository.protect), bool(repository.retain_on_delete)) == (production, production)
        reference = f"{server}/{namespace}/{name}:{image['tag']}"
        docker_image = pushed[reference]
        assert docker_image.plain["registry"] == {"server": server, "username": login, "password": TOKEN}
        assert docker_image.secret_inputs == ["registry.password"]
        assert not docker_image.protect
        assert repository.urn in docker_image.dependencies
        context = image.get("context", "app")
        assert docker_image.plain["build"]["context"] == context
        assert docker_image.plain["build"]["dockerfile"] == image.get("dockerfile", f"{context}/Dockerfile")

    check_scanning_contract(run, config)
    outputs = run.outputs
    assert set(outputs) == OUTPUTS | ({"scanTargetId"} if scanning_expected(config) else set())
    assert outputs["registryServer"].value == server
    assert outputs["namespace"].value == namespace
    assert outputs["loginUsername"].value == login
    assert outputs["authToken"].value == TOKEN
    assert outputs["authToken"].secret
    assert outputs["policyId"].value.startswith("ocid1.policy.")
    exported = outputs["images"].value
    assert set(exported) == {image["name"] for image in images}
    for image in images:
        entry = exported[image["name"]]
        assert set(entry) == {"imageName", "repoDigest", "repositoryId"}
        assert entry["imageName"] == f"{server}/{namespace}/{prefix}-{image['name']}:{image['tag']}"
        assert entry["repoDigest"].startswith(f"{server}/{namespace}/{prefix}-{image['name']}@sha256:")
        assert entry["repositoryId"].startswith("ocid1.containerrepo.")
    assert not any(o.secret for name, o in outputs.items() if name != "authToken")
    assert run.leaks(TOKEN) == []


@pytest.mark.parametrize("stack", stack_names())
def test_every_stack_file_declares_the_contract(stack: str) -> None:
    config = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    run = run_stack(stack, mocks=OcirMocks(token=TOKEN, namespace="lookedupns", user_name="looked-up-user"))
    namespace = config.get(f"{NS}:tenancyNamespace") or "lookedupns"
    user_name = config.get(f"{NS}:userName") or "looked-up-user"
    check_contract(run, config, namespace, user_name)
    lookups = {invoke.token for invoke in run.invokes}
    assert (GET_NAMESPACE in lookups) is (f"{NS}:tenancyNamespace" not in config)
    assert (GET_USER in lookups) is (f"{NS}:userName" not in config)


def test_stacks_differ_as_environments_do(project: Path) -> None:
    dev = run_stack("dev", project_dir=project, mocks=OcirMocks(token=TOKEN))
    prod = run_stack("prod", project_dir=project, mocks=OcirMocks(token=TOKEN))
    assert len(access_policy(dev).plain["statements"]) == 2  # dev may list every repository
    assert len(access_policy(prod).plain["statements"]) == 1  # prod: least privilege
    assert all(r.plain["isImmutable"] is False for r in dev.of_type(REPOSITORY))
    assert all(r.plain["isImmutable"] is True for r in prod.of_type(REPOSITORY))
    assert all(r.plain["isPublic"] is False for r in dev.of_type(REPOSITORY) + prod.of_type(REPOSITORY))
    assert access_policy(dev).plain["name"] != access_policy(prod).plain["name"]
    # Production scans its repositories without being told to; dev does not unless it says so.
    assert (dev.of_type(SCAN_TARGET), dev.of_type(SCAN_RECIPE), len(dev.of_type(POLICY))) == ([], [], 1)
    assert prod.one(SCAN_TARGET).plain["targetRegistry"]["repositories"] == ["p-shop-prd-storefront"]
    assert prod.one(SCAN_RECIPE) is not None
    assert len(prod.of_type(POLICY)) == 2


def test_invalid_config_declares_nothing_and_names_the_key() -> None:
    run = run_program(valid_config(prefix="p-team/*", images=[{"name": "ok", "tag": "1"}]), raise_errors=False)
    assert isinstance(run.error, pulumi.RunError)
    assert str(run.error).startswith(f"{NS}:prefix: ")
    assert run.resources == []
    assert run.invokes == []


def test_config_is_read_from_pulumi_config_as_the_cli_passes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # `pulumi up` hands a Python program its config as JSON in PULUMI_CONFIG, structured values as
    # JSON strings; the program must read it all from there, typos included.
    config = encode_config(valid_config(allowListRepositories=True, tenancyNamespace="envns"))
    monkeypatch.setenv("PULUMI_CONFIG", json.dumps(config))
    run = run_program({}, mocks=OcirMocks(token=TOKEN))
    assert len(run.one(POLICY).plain["statements"]) == 2
    assert run.one(IMAGE).plain["imageName"] == "fra.ocir.io/envns/p-test-api:1.0"

    monkeypatch.setenv("PULUMI_CONFIG", json.dumps({**config, f"{NS}:tenancynamespace": "typo"}))
    run = run_program({}, raise_errors=False)
    assert str(run.error).startswith(f"{NS}:tenancynamespace: unknown key (did you mean {NS}:tenancyNamespace?)")
    assert run.resources == []


def test_a_bad_image_late_in_the_list_still_declares_nothing() -> None:
    images = [{"name": f"svc{i}", "tag": "1"} for i in range(5)] + [{"name": "svc5", "tag": "not ok"}]
    run = run_program(valid_config(images=images), raise_errors=False)
    assert str(run.error).startswith(f"{NS}:images[5].tag: ")
    assert run.resources == []


# Configs the project has never seen: generated, then checked against the contract.
_component = st.from_regex(r"[a-z0-9]{1,6}", fullmatch=True)
prefixes = st.lists(_component, min_size=1, max_size=3).map("-".join)
groups = st.one_of(
    st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,20}", fullmatch=True),
    st.lists(st.from_regex(r"[A-Za-z0-9]{1,8}", fullmatch=True), min_size=2, max_size=3)
    .map(" ".join)
    .filter(lambda name: not set(name.lower().split()) & POLICY_WORDS),
)
image_specs = st.fixed_dictionaries(
    {
        "name": st.lists(_component, min_size=1, max_size=2).map("-".join),
        "tag": st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,10}", fullmatch=True),
    },
    optional={"public": st.booleans(), "immutable": st.booleans(), "dockerfile": st.just("app/Dockerfile")},
)
_required: dict[str, st.SearchStrategy[Any]] = {
    f"{NS}:prefix": prefixes,
    f"{NS}:groupName": groups,
    f"{NS}:tenancyOcid": st.just(TENANCY),
    f"{NS}:region": st.sampled_from([*REGION_KEYS, *REGION_KEYS.values(), "FRA"]),
    f"{NS}:userOcid": st.just(USER),
    f"{NS}:images": st.lists(image_specs, max_size=4, unique_by=lambda image: image["name"]),
}
_optional: dict[str, st.SearchStrategy[Any]] = {
    f"{NS}:identityDomain": st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,12}", fullmatch=True),
    f"{NS}:allowListRepositories": st.booleans(),
    f"{NS}:compartmentOcid": st.just("ocid1.compartment.oc1..aaaaaaaagenerated0000000000"),
    f"{NS}:tenancyNamespace": st.from_regex(r"[a-z0-9]{4,16}", fullmatch=True),
    f"{NS}:userName": st.from_regex(r"[a-z][a-z0-9._-]{0,12}(@example\.com)?", fullmatch=True),
    f"{NS}:userDomain": st.sampled_from(["oracleidentitycloudservice", "acme-dev"]),
    f"{NS}:production": st.booleans(),
    f"{NS}:vulnerabilityScanning": st.sampled_from([True, False, ""]),
}


def _valid_in_production(config: dict[str, Any]) -> bool:
    # Production refuses mutable repositories and `latest` (tested in test_config); keep those out.
    if not config.get(f"{NS}:production"):
        return True
    return not any(image.get("immutable") is False or image["tag"] == "latest" for image in config[f"{NS}:images"])


configs = st.fixed_dictionaries(_required, optional=_optional).filter(_valid_in_production)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(config=configs)
def test_never_seen_configs_declare_exactly_the_contract(config: dict[str, Any]) -> None:
    run = run_program(config, mocks=OcirMocks(token=TOKEN, namespace="lookedupns", user_name="looked-up-user"))
    namespace = config.get(f"{NS}:tenancyNamespace") or "lookedupns"
    user_name = config.get(f"{NS}:userName") or "looked-up-user"
    check_contract(run, config, namespace, user_name)
