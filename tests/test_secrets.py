"""The auth token stays secret everywhere it goes: state, inputs, exports, logs and plans."""

from __future__ import annotations

import json

import pulumi
import pytest

from tests.conftest import TOKEN
from tools import plan
from tools.engine.mocks import OcirMocks
from tools.engine.types import AUTH_TOKEN, IMAGE
from tools.engine.wire import is_secret
from tools.harness import evaluate, run_stack
from tools.stackfiles import stack_names


@pytest.mark.parametrize("stack", stack_names())
def test_token_resource_keeps_the_token_out_of_the_state(stack: str) -> None:
    run = run_stack(stack, mocks=OcirMocks(token=TOKEN))
    # pulumi-oci does not mark AuthToken.token secret: the program must ask for it (the push token's and, with a
    # pull user, the pull token's).
    assert run.of_type(AUTH_TOKEN)
    for token in run.of_type(AUTH_TOKEN):
        assert token.additional_secret_outputs == ["token"]


@pytest.mark.parametrize("stack", stack_names())
def test_token_reaches_docker_only_as_a_secret_and_is_exported_only_as_one(stack: str) -> None:
    run = run_stack(stack, mocks=OcirMocks(token=TOKEN))
    for image in run.of_type(IMAGE):
        assert image.plain["registry"]["password"] == TOKEN  # the value really is there ...
        assert image.secret_inputs == ["registry.password"]  # ... and only behind the secret marker
    assert run.outputs["authToken"].secret
    assert run.outputs["authToken"].value == TOKEN
    if "pullSecret" in run.outputs:  # a stack with a pull user exports its docker config, as a secret only
        assert run.outputs["pullSecret"].secret


@pytest.mark.parametrize("stack", stack_names())
def test_token_value_appears_nowhere_outside_a_secret(stack: str, capsys: pytest.CaptureFixture[str]) -> None:
    run = run_stack(stack, mocks=OcirMocks(token=TOKEN))
    assert run.leaks(TOKEN) == []
    printed = capsys.readouterr()
    assert TOKEN not in printed.out + printed.err


def test_the_leak_search_finds_a_token_that_escapes() -> None:
    # The same search over a program that exports the token in the clear must report it, or the
    # test above proves nothing.
    from pulumi_oci import identity

    def leaky() -> None:
        token = identity.AuthToken("t", user_id="ocid1.user.oc1..aaaaaaaaexample0000", description="d")
        pulumi.export("token", token.token)
        pulumi.log.info(f"made token {TOKEN}")

    run = evaluate(leaky, mocks=OcirMocks(token=TOKEN))
    assert run.leaks(TOKEN) == ["output token", f"log line 'made token {TOKEN}'"]


@pytest.mark.parametrize("stack", stack_names())
def test_plans_mask_the_token(stack: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # The plan runs as a preview, where the token is unknown; make the mocks return it anyway to
    # prove that the plan masks it rather than merely not knowing it.
    monkeypatch.setattr(plan, "OcirMocks", lambda plan: OcirMocks(token=TOKEN))
    for argv in ([stack], [stack, "--json"]):
        assert plan.main(argv) == 0
        printed = capsys.readouterr().out
        assert TOKEN not in printed
        assert "[secret]" in printed
    document = json.loads(printed)
    assert document["outputs"]["authToken"] == "[secret]"
    assert document["outputs"].get("pullSecret", "[secret]") == "[secret]"


@pytest.mark.parametrize("stack", stack_names())
def test_the_state_would_hold_the_token_only_encrypted(stack: str) -> None:
    run = run_stack(stack, mocks=OcirMocks(token=TOKEN))
    for token in run.of_type(AUTH_TOKEN):
        assert token.state["token"] == TOKEN  # the provider returns it in the clear ...
        assert "token" in token.state_secret_keys  # ... and the engine is told to encrypt it
    for credentials in (r for r in run.resources if r.type == "ocir:index:RegistryCredentials"):
        assert is_secret(credentials.state["password"])  # component outputs are stored too
    assert run.state_leaks(TOKEN) == []


def test_the_state_search_finds_a_token_resource_without_additional_secret_outputs() -> None:
    from pulumi_oci import identity

    def careless() -> None:
        identity.AuthToken("t", user_id="ocid1.user.oc1..aaaaaaaaexample0000", description="d")

    run = evaluate(careless, mocks=OcirMocks(token=TOKEN))
    assert run.state_leaks(TOKEN) == ["state of oci:Identity/authToken:AuthToken t: token"]
