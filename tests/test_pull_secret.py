"""The pull-only credential: the pull user's own auth token, its limit and rotation, and the exported pull secret.

The document is written out from its contract (docs/configuration.md, "Pull secret"; the layout `kubectl create
secret docker-registry` writes into `.dockerconfigjson`), not made with the program's helper.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import pulumi
import pytest
from pulumi.runtime.proto import resource_pb2

from components.tokens import NEVER_ROTATED
from tests.conftest import NS, TOKEN, USER, valid_config
from tools.engine.mocks import OcirMocks
from tools.engine.steps import deploy
from tools.engine.types import AUTH_TOKEN, GET_AUTH_TOKENS, GET_USER, IMAGE
from tools.engine.wire import is_secret
from tools.harness import StackRun, evaluate, run_program

PULL_USER = "ocid1.user.oc1..aaaaaaaatestpulluser000000000000000000000000000000000000000"
PULL_TOKEN = "pu11-t0ken-V4LUE-that-must-n3ver-l3ak"
PULLERS = [{"group": "image-readers"}, {"dynamicGroup": "oke-nodes"}]
FOREIGN = [
    {"id": "ocid1.credential.oc1..aaaaaaaalaptop", "description": "jane's laptop"},
    {"id": "ocid1.credential.oc1..aaaaaaaaother", "description": "another tool"},
]


def pull_config(**overrides: Any) -> dict[str, Any]:
    return valid_config(pullers=PULLERS, pullUserOcid=PULL_USER, **overrides)


def mocks(**pull_user: Any) -> OcirMocks:
    """The push user's token is TOKEN, the pull user's PULL_TOKEN and its name reader-bot (unless the test says)."""
    user = {"name": "reader-bot", "token": PULL_TOKEN, **pull_user}
    return OcirMocks(token=TOKEN, namespace="testns", user_name="looked-up-user", users={PULL_USER: user})


def tokens(run: StackRun) -> dict[str, Any]:
    """The run's auth tokens by user."""
    return {token.plain["userId"]: token for token in run.of_type(AUTH_TOKEN)}


def document(username: str, password: str, host: str = "fra.ocir.io") -> dict[str, Any]:
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"auths": {host: {"username": username, "password": password, "auth": auth}}}


def test_the_pull_user_gets_its_own_token_kept_secret_in_the_state() -> None:
    result = run_program(pull_config(), mocks=mocks())
    push, pull = tokens(result)[USER], tokens(result)[PULL_USER]
    assert pull.name == "p-test-pull-credentials-token"
    assert pull.additional_secret_outputs == ["token"]
    assert pull.plain["description"] == (
        "OCIR pull token for project p-test (read-only docker login, pull secret), managed by Pulumi"
    )
    assert push.plain["description"].startswith("OCIR push token for project p-test (")
    # The engine rule (tools/engine/triggers.py): a null trigger never replaces, so "no label" is a value.
    assert pull.replacement_trigger == NEVER_ROTATED
    assert pull.delete_before_replace is False
    assert "token" in pull.state_secret_keys


def test_the_pull_secret_is_the_pull_users_docker_config_and_a_secret_output() -> None:
    result = run_program(pull_config(), mocks=mocks())
    output = result.outputs["pullSecret"]
    assert output.secret
    assert json.loads(output.value) == document("testns/reader-bot", PULL_TOKEN)
    # The pull user's name was looked up by its own OCID; the push login is unchanged.
    assert {invoke.args["userId"] for invoke in result.invokes if invoke.token == GET_USER} == {USER, PULL_USER}
    assert result.outputs["loginUsername"].value == "testns/looked-up-user"
    assert result.outputs["authToken"].value == TOKEN


def test_the_pushes_and_the_login_check_keep_the_push_users_login() -> None:
    result = run_program(pull_config(), mocks=mocks())
    assert result.one(IMAGE).plain["registry"]["username"] == "testns/looked-up-user"
    assert result.one(IMAGE).plain["registry"]["password"] == TOKEN
    # Each new token is waited for with its own login: the pushes get the push user's, pullSecret the pull user's.
    assert sorted(login.username for login in result.logins) == ["testns/looked-up-user", "testns/reader-bot"]


def test_a_given_name_and_domain_make_the_pull_login() -> None:
    result = run_program(pull_config(pullUserName="ci@example.com", pullUserDomain="acme-ids"), mocks=mocks())
    assert json.loads(result.outputs["pullSecret"].value) == document("testns/acme-ids/ci@example.com", PULL_TOKEN)
    assert [invoke.args["userId"] for invoke in result.invokes if invoke.token == GET_USER] == [USER]


def test_the_pull_secret_names_the_stacks_registry_host() -> None:
    chosen = pull_config(registryHost="ocir.eu-frankfurt-1.oci.oraclecloud.com")
    result = run_program(chosen, mocks=mocks())
    host = "ocir.eu-frankfurt-1.oci.oraclecloud.com"
    assert json.loads(result.outputs["pullSecret"].value) == document("testns/reader-bot", PULL_TOKEN, host)


def test_no_pull_user_no_second_token_and_no_pull_secret() -> None:
    result = run_program(valid_config(pullers=PULLERS), mocks=mocks())
    assert list(tokens(result)) == [USER]
    assert "pullSecret" not in result.outputs


def test_the_pull_token_appears_nowhere_outside_a_secret(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_program(pull_config(), mocks=mocks())
    assert result.leaks(PULL_TOKEN) == []
    assert result.state_leaks(PULL_TOKEN) == []
    # The document holds the token base64-encoded too: that form stays secret as well.
    encoded = base64.b64encode(f"testns/reader-bot:{PULL_TOKEN}".encode()).decode()
    assert result.leaks(encoded) == []
    assert result.state_leaks(encoded) == []
    credentials = next(r for r in result.resources if r.name == "p-test-pull-credentials")
    assert is_secret(credentials.state["password"])
    project = next(r for r in result.resources if r.type == "ocir:index:OcirProject")
    assert is_secret(project.state["pullSecret"])
    printed = capsys.readouterr()
    assert PULL_TOKEN not in printed.out + printed.err


def test_the_leak_search_would_find_a_pull_secret_exported_in_the_clear() -> None:
    # The same search over the same program with the document exported unwrapped must report it, or the
    # test above proves nothing.
    result = run_program(pull_config(), mocks=mocks())

    def leaky() -> None:
        pulumi.export("pullSecret", pulumi.Output.from_input(result.outputs["pullSecret"].value))

    assert evaluate(leaky).leaks(PULL_TOKEN) == ["output pullSecret"]


def test_the_stack_says_it_cannot_check_the_pull_users_groups() -> None:
    result = run_program(pull_config(), mocks=mocks())
    (warning,) = [line for line in result.logs if line.startswith(f"{NS}:pullUserOcid:")]
    assert f"cannot check that user {PULL_USER} is a member of one of the groups in {NS}:pullers" in warning
    assert "group image-readers" in warning
    assert "dynamic-group" not in warning


# --- the pull user's two-token limit and rotation, apart from the push user's ----------------------------


def test_the_pull_users_limit_is_its_own() -> None:
    # The push user is full of others' tokens only for the push check; the pull user has room.
    full_push = OcirMocks(token=TOKEN, existing_tokens=FOREIGN, users={PULL_USER: {"existing_tokens": []}})
    refused = run_program(pull_config(), mocks=full_push, raise_errors=False)
    assert str(refused.error).startswith(f"{NS}:userOcid: user {USER} already has 2 auth tokens")
    full_pull = mocks(existing_tokens=FOREIGN)
    refused = run_program(pull_config(), mocks=full_pull, raise_errors=False)
    assert isinstance(refused.error, pulumi.RunError)
    assert str(refused.error).startswith(f"{NS}:pullUserOcid: user {PULL_USER} already has 2 auth tokens")
    assert "or use another pull user" in str(refused.error)
    assert refused.resources == []
    looked_up = [(invoke.token, invoke.args["userId"]) for invoke in refused.invokes]
    assert looked_up == [(GET_AUTH_TOKENS, USER), (GET_AUTH_TOKENS, PULL_USER)]


def test_a_pull_rotation_without_a_free_slot_names_the_pull_rotation_key() -> None:
    description = tokens(run_program(pull_config(), mocks=mocks()))[PULL_USER].plain["description"]
    ours = {"id": "ocid1.credential.oc1..aaaaaaaapull", "description": description}
    refused = run_program(
        pull_config(pullTokenRotation="2"), mocks=mocks(existing_tokens=[ours, FOREIGN[0]]), raise_errors=False
    )
    assert str(refused.error).startswith(f"{NS}:pullTokenRotation: rotating to '2' creates the new token before")


def test_the_push_tokens_own_label_is_no_room_for_the_pull_user() -> None:
    # A token the push side of this stack made, found on the pull user, is not the pull token: it counts as foreign.
    push_made = {"id": "t", "description": "OCIR push token for project p-test (docker login password)"}
    refused = run_program(pull_config(), mocks=mocks(existing_tokens=[push_made, FOREIGN[0]]), raise_errors=False)
    assert str(refused.error).startswith(f"{NS}:pullUserOcid: user {PULL_USER} already has 2 auth tokens")


@pytest.mark.parametrize(
    ("before", "after", "push_op", "pull_op"),
    [
        (None, "2026-12", "same", "replace"),
        ("2026-11", "2026-12", "same", "replace"),
        ("2026-11", "2026-11", "same", "same"),
        ("2026-11", None, "same", "replace"),
    ],
)
def test_the_pull_label_rotates_the_pull_token_alone(
    before: str | None, after: str | None, push_op: str, pull_op: str
) -> None:
    runs = [
        run_program(pull_config(pullTokenRotation=label), mocks=OcirMocks(token=TOKEN)) for label in (before, after)
    ]
    _, second = deploy(*(result.resources for result in runs))
    steps = {step.urn.rsplit("::", 1)[1]: step for step in second.steps}
    assert steps["p-test-credentials-token"].op == push_op
    step = steps["p-test-pull-credentials-token"]
    assert step.op == pull_op
    if pull_op == "replace":
        assert step.create_first
        assert step.reasons[0].startswith("its replacement trigger changed")


def test_an_engine_without_replacement_triggers_refuses_a_pull_rotation_label(run: Callable[..., StackRun]) -> None:
    feature = resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACEMENT_TRIGGER
    result = run(pull_config(pullTokenRotation="2"), withhold_features=[feature], raise_errors=False)
    assert str(result.error).startswith(f"{NS}:pullTokenRotation: rotating the auth token needs an engine")
    assert result.resources == []
