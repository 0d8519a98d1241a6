"""The engine stand-in's rules (tools/engine/), each held by a test: replacement triggers, the per-type table of
replace-forcing inputs and what Delete removes, the steps of an update, and the login per registry host."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import NS, valid_config
from tests.projects import DEV, PROD
from tools.engine import types
from tools.engine.credentials import Login, docker_build_logins, docker_pull_login, docker_push_login, hostname
from tools.engine.mocks import OcirMocks
from tools.engine.rules import RULES, rules_for
from tools.engine.steps import Resource, step, update
from tools.engine.triggers import should_trigger_replace
from tools.engine.wire import SECRET_SIG, SECRET_VALUE_SIG, UNKNOWN
from tools.harness import reference_outputs, run_program
from tools.stackfiles import encode_config


def secret(value: Any) -> dict[str, Any]:
    return {SECRET_SIG: SECRET_VALUE_SIG, "value": value}


# --- replacement triggers (step_generator.go, shouldTriggerReplace) ------------------------------


@pytest.mark.parametrize(
    ("old", "new", "replaces"),
    [
        (None, None, False),
        (None, "2026-12", False),  # null on the state's side: no trigger
        ("2026-11", None, False),  # null on the program's side: no trigger
        ("", "2026-12", True),  # an empty string is a value
        ("2026-11", "2026-12", True),
        ("2026-11", "2026-11", False),
        ("2026-11", secret("2026-11"), False),  # secrets are unwrapped before comparing
        ("2026-11", UNKNOWN, True),  # unknown always replaces
        (UNKNOWN, None, True),
        ({"a": [1]}, {"a": [1]}, False),
        ({"a": [1]}, {"a": [2]}, True),
    ],
)
def test_replacement_triggers_follow_the_engines_rule(old: Any, new: Any, replaces: bool) -> None:
    assert should_trigger_replace(new, old) is replaces


# --- the table ---------------------------------------------------------------------------------


def declared_types() -> set[str]:
    """Every custom resource type the program declares over configs that use each feature."""
    dev_multi = {**DEV, f"{NS}:images": [{**DEV[f"{NS}:images"][0], "platforms": ["linux/amd64", "linux/arm64"]}]}
    configs: list[tuple[str, dict[str, Any]]] = [
        ("dev", DEV),
        ("prod", PROD),
        ("dev", dev_multi),
        ("test", valid_config(vulnerabilityScanning=True)),
        # Signing: a KMS signature and an image signature per pushed image.
        (
            "test",
            valid_config(
                signing={
                    "keyOcid": f"ocid1.key.oc1.eu-frankfurt-1.bbqehaq3aadfa.{'a' * 60}",
                    "keyVersionOcid": f"ocid1.keyversion.oc1.eu-frankfurt-1.0.bbqehaq3aadfa.{'b' * 60}",
                }
            ),
        ),
        # Pullers and a pull user: a second auth token (a type already in the table).
        (
            "test",
            valid_config(
                pullers=[{"group": "readers"}],
                pullUserOcid="ocid1.user.oc1..aaaaaaaatestpulluser000000000000000000000000000000000000000",
            ),
        ),
    ]
    found: set[str] = set()
    for stack, config in configs:
        found |= {r.type for r in run_program(config, stack=stack).resources if r.custom}
    for source in (DEV, dev_multi):
        outputs = reference_outputs(run_program(source, stack="dev"))
        image = {key: value for key, value in source[f"{NS}:images"][0].items() if key != "context"}
        values = encode_config({**PROD, f"{NS}:images": [{**image, "tag": "2.0.0"}]})
        values[f"{NS}:promoteFrom"] = f"organization/{NS}/dev"
        run = run_program(values, stack="prod", mocks=OcirMocks(stack_outputs={f"organization/{NS}/dev": outputs}))
        found |= {r.type for r in run.resources if r.custom}
    return {type_ for type_ in found if not type_.startswith("pulumi:providers:")}


def test_every_type_the_program_declares_has_its_rules() -> None:
    declared = declared_types()
    assert {types.IMAGE, types.INDEX, types.REGISTRY_IMAGE, types.SCAN_TARGET, types.KMS_SIGN} <= declared
    assert sorted(declared - set(RULES)) == []


@pytest.mark.parametrize("token", sorted(RULES))
def test_each_row_names_the_source_it_was_read_from(token: str) -> None:
    source = RULES[token].source
    assert source.split(" ")[0] in {
        "oracle/terraform-provider-oci",
        "kreuzwerker/terraform-provider-docker",
        "pulumi/pulumi-docker",
        "pulumi/pulumi-docker-build",
        "components/registry_login.py",
    }
    assert ".go" in source or ".py" in source


def resource(token: str, inputs: dict[str, Any], **options: Any) -> Resource:
    return Resource(type=token, urn=f"urn:pulumi:s::p::{token}::r", inputs=inputs, **options)


def _path_value(path: str, value: Any) -> dict[str, Any]:
    head, _, rest = path.partition(".")
    return {head: _path_value(rest, value) if rest else value}


REPLACING = [(token, rule.path) for token, rules in sorted(RULES.items()) for rule in rules.replaces_on]


@pytest.mark.parametrize(("token", "path"), REPLACING)
def test_a_change_of_a_replace_forcing_input_replaces(token: str, path: str) -> None:
    old = resource(token, _path_value(path, "old"))
    new = resource(token, _path_value(path, "new"))
    result = step(old, new)
    assert result.op == "replace"
    assert result.reasons == (f"{path} changed and the provider replaces on it ({RULES[token].source.split(' (')[0]})",)
    # Known only after apply: the provider replaces if it differs.
    assert step(old, resource(token, _path_value(path, UNKNOWN))).may_replace == (path,)


@pytest.mark.parametrize(
    ("token", "path"),
    [
        (types.AUTH_TOKEN, "description"),
        (types.POLICY, "statements"),
        (types.POLICY, "description"),
        (types.REPOSITORY, "compartmentId"),  # moved in place (ChangeContainerRepositoryCompartment)
        (types.REPOSITORY, "isPublic"),
        (types.REPOSITORY, "isImmutable"),
        (types.SCAN_TARGET, "targetRegistry.repositories"),
        (types.SCAN_RECIPE, "compartmentId"),
        (types.IMAGE, "imageName"),
        (types.IMAGE, "build.context"),
        (types.INDEX, "sources"),
        (types.INDEX, "registry.username"),
        (types.REGISTRY_IMAGE, "keepRemotely"),
    ],
)
def test_other_inputs_update_in_place(token: str, path: str) -> None:
    assert step(resource(token, _path_value(path, "old")), resource(token, _path_value(path, "new"))).op == "update"


def test_an_index_given_a_registry_address_for_the_first_time_updates() -> None:
    old = resource(types.INDEX, {"registry": {"address": ""}})
    assert step(old, resource(types.INDEX, {"registry": {"address": "fra.ocir.io"}})).op == "update"


@pytest.mark.parametrize(
    ("token", "path"),
    [(types.IMAGE, "registry.password"), (types.IMAGE, "registry.username"), (types.INDEX, "registry.password")],
)
def test_the_providers_ignore_a_new_password(token: str, path: str) -> None:
    old = resource(token, _path_value(path, secret("old")))
    assert step(old, resource(token, _path_value(path, secret("new")))).op == "same"


def test_the_login_check_compares_only_its_login_and_token() -> None:
    old = resource(types.LOGIN_CHECK, {"server": "a", "tokenId": "t1", "__provider": "pickle1", "timeoutSeconds": 1})
    code_changed = resource(types.LOGIN_CHECK, {"server": "a", "tokenId": "t1", "__provider": "pickle2"})
    assert step(old, code_changed).op == "same"
    assert step(old, resource(types.LOGIN_CHECK, {"server": "a", "tokenId": "t2"})).op == "update"


DELETES_REMOTE = {
    types.AUTH_TOKEN,
    types.POLICY,
    types.REPOSITORY,
    types.SCAN_RECIPE,
    types.SCAN_TARGET,
    types.REGISTRY_IMAGE,
    types.INDEX,
    types.IMAGE_SIGNATURE,
}


@pytest.mark.parametrize("token", sorted(RULES))
def test_what_a_delete_removes(token: str) -> None:
    removed = step(resource(token, {}), None)
    assert removed.op == "delete"
    if token in DELETES_REMOTE:
        assert removed.removes == RULES[token].deletes
        assert removed.removes
    else:
        assert removed.removes is None
    # Retained in the state: the engine does not call the provider's Delete.
    assert step(resource(token, {}, retain_on_delete=True), None).removes is None


def test_keep_remotely_keeps_a_pushed_image() -> None:
    assert step(resource(types.REGISTRY_IMAGE, {"keepRemotely": True}), None).removes is None
    rules = rules_for(types.REGISTRY_IMAGE)
    assert rules is not None
    assert rules.kept_by == "keepRemotely"


# --- steps ---------------------------------------------------------------------------------------


def test_protection_stops_a_replacement_only_when_the_state_and_the_goal_are_protected() -> None:
    old = resource(types.POLICY, {"name": "a"}, protect=True)
    assert step(old, resource(types.POLICY, {"name": "b"}, protect=True)).stops
    # Unprotecting and replacing in one update is allowed.
    assert step(old, resource(types.POLICY, {"name": "b"})).stops is None
    assert step(old, None).stops


def test_delete_before_replace_is_the_goals() -> None:
    old = resource(types.AUTH_TOKEN, {"userId": "a"})
    assert step(old, resource(types.AUTH_TOKEN, {"userId": "b"})).create_first
    assert not step(old, resource(types.AUTH_TOKEN, {"userId": "b"}, delete_before_replace=True)).create_first


def test_an_update_matches_by_urn_or_alias_and_deletes_what_no_goal_claims() -> None:
    old = resource(types.POLICY, {"name": "a"})
    moved = Resource(types.POLICY, "urn:new", {"name": "a"}, aliases=frozenset({old.urn}))
    done = update({old.urn: old}, [moved])
    assert [s.op for s in done.steps] == ["same"]
    gone = update({old.urn: old}, [Resource(types.POLICY, "urn:new", {"name": "a"})])
    assert sorted(s.op for s in gone.steps) == ["create", "delete"]


def test_the_state_after_an_update_holds_the_goals_options() -> None:
    old = resource(types.INDEX, {"tag": "t:1"})
    retained = resource(types.INDEX, {"tag": "t:1"}, retain_on_delete=True)
    done = update({old.urn: old}, [retained])
    assert done.state[old.urn].retain_on_delete is True
    # The old state's flag decides a delete in the same update (step.go reads s.old.RetainOnDelete).
    assert step(old, resource(types.INDEX, {"tag": "t:2"}, retain_on_delete=True)).removes is not None
    assert step(done.state[old.urn], resource(types.INDEX, {"tag": "t:2"})).removes is None


# --- logins per registry host --------------------------------------------------------------------


def test_docker_build_keeps_one_login_per_host_the_later_winning() -> None:
    provider = [Login("fra.ocir.io", "ns/dev-ci")]
    resource_login = [Login("https://fra.ocir.io/v2/", "ns/prod-ci")]
    logins = docker_build_logins(provider, resource_login)
    assert logins == {"fra.ocir.io": Login("https://fra.ocir.io/v2/", "ns/prod-ci")}
    assert docker_build_logins([Login("iad.ocir.io", "a")], resource_login).keys() == {"iad.ocir.io", "fra.ocir.io"}
    assert hostname("https://fra.ocir.io/v2/") == "fra.ocir.io"


def test_docker_pulls_with_the_providers_login_and_pushes_with_the_resources() -> None:
    provider = [Login("fra.ocir.io", "ns/dev-ci")]
    own = Login("fra.ocir.io", "ns/prod-ci")
    assert docker_pull_login(provider, "fra.ocir.io/ns/p-dev-api@sha256:1") == provider[0]
    assert docker_pull_login(provider, "iad.ocir.io/ns/p-dev-api@sha256:1") is None
    assert docker_push_login(provider, own, "fra.ocir.io/ns/p-prd-api:1") == own
    assert docker_push_login(provider, None, "fra.ocir.io/ns/p-prd-api:1") == provider[0]
