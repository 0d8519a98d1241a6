"""Auth-token lifecycle: the two-token limit is checked before anything is declared, and a
rotation replaces the token creating the new one before deleting the old one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from pulumi.runtime.proto import resource_pb2

from components.tokens import (
    NEVER_ROTATED,
    REPLACEMENT_TRIGGER_CLI,
    ExistingToken,
    TokenSlotError,
    check_token_slots,
    token_description,
)
from tests.conftest import NS, TOKEN, USER, valid_config
from tools.engine.mocks import OcirMocks
from tools.engine.steps import Step, Update, deploy, resources_of, update
from tools.engine.types import AUTH_TOKEN, GET_AUTH_TOKENS, IMAGE
from tools.harness import StackRun, run_program

PREFIX = "p-test"
OURS = token_description(PREFIX, None)
FOREIGN = [
    ExistingToken("ocid1.credential.oc1..aaaaaaaalaptop", "jane's laptop"),
    ExistingToken("ocid1.credential.oc1..aaaaaaaaci", "OCIR push token for project p-test-dev (docker login password)"),
]


def slots(existing: list[ExistingToken], rotation: str | None = None) -> None:
    check_token_slots(existing, USER, PREFIX, rotation)


@pytest.mark.parametrize(
    ("existing", "rotation"),
    [
        ([], None),  # first deployment
        (FOREIGN[:1], None),  # one other token: room for ours
        ([ExistingToken("t1", OURS), FOREIGN[0]], None),  # ours exists already: nothing new
        ([ExistingToken("t1", OURS)], "2"),  # rotation: old + new = 2
        ([ExistingToken("t1", OURS), ExistingToken("t2", token_description(PREFIX, "2"))], "2"),  # resumed
        ([*FOREIGN[:1], ExistingToken("t2", token_description(PREFIX, "2"))], "2"),  # rotated already
        ([FOREIGN[0], ExistingToken("gone", "old laptop", state="DELETED")], None),  # deleted: no slot
    ],
)
def test_room_for_the_token(existing: list[ExistingToken], rotation: str | None) -> None:
    slots(existing, rotation)


def test_two_foreign_tokens_leave_no_room() -> None:
    with pytest.raises(TokenSlotError) as caught:
        slots(FOREIGN)
    assert caught.value.argument == "user"
    message = str(caught.value)
    assert "already has 2 auth tokens that this stack did not create" in message
    assert """ocid1.credential.oc1..aaaaaaaalaptop ("jane's laptop")""" in message
    assert "oci iam auth-token delete" in message


def test_a_rotation_needs_a_free_slot_for_create_before_delete() -> None:
    with pytest.raises(TokenSlotError) as caught:
        slots([ExistingToken("t1", OURS), FOREIGN[0]], "2026-11")
    assert caught.value.argument == "rotation"
    assert "needs 3 tokens at once" in str(caught.value)


def test_a_stack_recognises_only_its_own_tokens() -> None:
    ours = ExistingToken("t", token_description(PREFIX, "7"))
    assert ours.owned_by(PREFIX)
    assert ours.rotation == "7"
    assert ExistingToken("t", OURS).rotation is None
    # A prefix that extends ours is another project's.
    assert not ExistingToken("t", token_description("p-test-dev", None)).owned_by(PREFIX)
    assert not ExistingToken("t", "OCIR push token for project p-test").owned_by(PREFIX)


def _tokens(*existing: ExistingToken) -> list[dict[str, str]]:
    return [{"id": token.id, "description": token.description, "state": token.state} for token in existing]


def test_preview_fails_before_declaring_anything_when_two_foreign_tokens_exist(
    run: Callable[..., StackRun],
) -> None:
    for preview in (True, False):
        result = run(
            valid_config(),
            mocks=OcirMocks(token=TOKEN, existing_tokens=_tokens(*FOREIGN), plan=preview),
            preview=preview,
            raise_errors=False,
        )
        assert str(result.error).startswith(f"{NS}:userOcid: user {USER} already has 2 auth tokens"), result.error
        assert result.resources == []
        assert [invoke.token for invoke in result.invokes] == [GET_AUTH_TOKENS]


def test_rotation_without_a_free_slot_names_the_rotation_key(run: Callable[..., StackRun]) -> None:
    existing = _tokens(ExistingToken("t1", OURS), FOREIGN[0])
    result = run(valid_config(tokenRotation="2"), mocks=OcirMocks(existing_tokens=existing), raise_errors=False)
    assert str(result.error).startswith(f"{NS}:tokenRotation: rotating to '2' creates the new token before")
    assert result.resources == []


def _token(result: StackRun) -> Any:
    return result.one(AUTH_TOKEN)


def _deployed(*configs: dict[str, Any], existing: list[dict[str, str]] | None = None) -> list[Update]:
    """Successive `pulumi up`s of one stack with these configs, as the engine steps through them."""
    runs = [run_program(config, mocks=OcirMocks(token=TOKEN, existing_tokens=existing)) for config in configs]
    return deploy(*(result.resources for result in runs))


def _token_step(update: Update) -> Step:
    return update.one(AUTH_TOKEN)


@pytest.mark.parametrize(
    ("before", "after", "op"),
    [
        (None, "2026-12", "replace"),  # the first rotation of a stack deployed without a label
        ("2026-11", "2026-12", "replace"),  # a new label
        ("2026-11", "2026-11", "same"),  # the label kept
        ("2026-11", None, "replace"),  # the label removed: the trigger changes again
        (None, None, "same"),  # never rotated
    ],
)
def test_the_engine_replaces_the_token_exactly_when_the_label_changes(
    before: str | None, after: str | None, op: str
) -> None:
    existing = _tokens(ExistingToken("t", token_description(PREFIX, before)))
    first, second = _deployed(valid_config(tokenRotation=before), valid_config(tokenRotation=after), existing=existing)
    assert _token_step(first).op == "create"
    step = _token_step(second)
    assert step.op == op, step
    if op == "replace":
        # Create before delete: the new token exists before the old one goes, so pushes keep working.
        assert step.create_first
        assert step.reasons[0].startswith("its replacement trigger changed")
        assert step.removes is not None
        assert "auth token" in step.removes


def test_upgrading_a_stack_that_never_sent_a_trigger_replaces_nothing_and_the_next_label_rotates() -> None:
    # A state written before the trigger was always sent holds a null trigger (the program sent none).
    current = run_program(valid_config(), mocks=OcirMocks(token=TOKEN))
    old = {r.urn: r for r in resources_of(current.resources)}
    token = current.one(AUTH_TOKEN)
    old[token.urn] = replace(old[token.urn], replacement_trigger=None)
    upgraded = update(old, resources_of(current.resources))
    assert upgraded.stopped == []
    assert {s.op for s in upgraded.steps} == {"same"}
    # The update wrote the trigger to the state: the first label now replaces the token.
    rotated = run_program(valid_config(tokenRotation="2026-12"), mocks=OcirMocks(token=TOKEN))
    assert update(upgraded.state, resources_of(rotated.resources)).one(AUTH_TOKEN).op == "replace"


def test_a_rotation_pushes_with_the_new_token(run: Callable[..., StackRun]) -> None:
    after = run(
        valid_config(tokenRotation="2026-11"), mocks=OcirMocks(existing_tokens=_tokens(ExistingToken("t", OURS)))
    )
    token = _token(after)
    assert token.delete_before_replace is False
    assert token.plain["description"] == token_description(PREFIX, "2026-11")
    assert "rotation 2026-11" in token.plain["description"]
    # The image pushes with the new token: its password comes from the token resource.
    assert after.one(IMAGE).plain["registry"]["password"] == "mock-auth-token-0123456789"
    assert after.one(IMAGE).secret_inputs == ["registry.password"]


def test_an_unchanged_stack_keeps_its_token_description(run: Callable[..., StackRun]) -> None:
    # Stacks deployed before rotation existed keep their token untouched (same description).
    result = run(valid_config())
    assert _token(result).plain["description"] == OURS
    assert _token(result).replacement_trigger == NEVER_ROTATED


def test_the_plan_shows_the_rotation(run: Callable[..., StackRun]) -> None:
    from tools.plan import plan_document

    document = plan_document(run(valid_config(tokenRotation="2026-11")))
    (token,) = [r for r in document["resources"] if r["type"] == AUTH_TOKEN]
    assert token["options"]["replacementTrigger"] == "2026-11"
    assert token["options"]["deleteBeforeReplace"] is False


# Tokens OCI is deleting no longer count against the limit (ours or not).

GONE_STATES = ("DELETING", "DELETED")


@pytest.mark.parametrize("state", GONE_STATES)
def test_foreign_tokens_being_deleted_leave_their_slot(state: str) -> None:
    # Two live foreign tokens fill the slots; a third that is going does not change that ...
    with pytest.raises(TokenSlotError):
        slots([*FOREIGN, ExistingToken("gone", "old laptop", state=state)])
    # ... and one live plus one going leaves room for ours.
    slots([FOREIGN[0], ExistingToken("gone", "old laptop", state=state)])


@pytest.mark.parametrize("state", GONE_STATES)
def test_our_old_token_being_deleted_leaves_room_to_rotate(state: str) -> None:
    # At the limit: one foreign token and our old one. A live old token blocks create-before-delete ...
    with pytest.raises(TokenSlotError):
        slots([FOREIGN[0], ExistingToken("old", OURS)], "2")
    # ... one OCI is deleting does not.
    slots([FOREIGN[0], ExistingToken("old", OURS, state=state)], "2")


@pytest.mark.parametrize("state", GONE_STATES)
def test_the_program_ignores_tokens_being_deleted_at_the_limit(run: Callable[..., StackRun], state: str) -> None:
    existing = _tokens(FOREIGN[0], ExistingToken("old", OURS, state=state), ExistingToken("x", "ci", state=state))
    result = run(valid_config(tokenRotation="2"), mocks=OcirMocks(existing_tokens=existing))
    assert _token(result).replacement_trigger == "2"


# Removing the rotation label


def test_removing_the_rotation_label_is_a_rotation_with_room_for_the_new_token(run: Callable[..., StackRun]) -> None:
    labelled = ExistingToken("ocid1.credential.oc1..ours", token_description(PREFIX, "2026-11"))
    result = run(valid_config(), mocks=OcirMocks(existing_tokens=_tokens(labelled)))
    assert _token(result).replacement_trigger == NEVER_ROTATED
    assert _token(result).plain["description"] == OURS
    # Create before delete needs a free slot, as for a new label.
    full = run(valid_config(), mocks=OcirMocks(existing_tokens=_tokens(labelled, FOREIGN[0])), raise_errors=False)
    assert str(full.error).startswith(
        f"{NS}:tokenRotation: removing the rotation label rotates the token and creates the new token before"
    )
    assert full.resources == []


def test_a_new_label_or_the_same_label_is_accepted(run: Callable[..., StackRun]) -> None:
    existing = _tokens(ExistingToken("t", token_description(PREFIX, "2026-11")))
    for label in ("2026-11", "2027-01"):
        result = run(valid_config(tokenRotation=label), mocks=OcirMocks(existing_tokens=existing))
        assert _token(result).replacement_trigger == label


def test_an_unlabelled_token_or_another_projects_label_does_not_block_an_unset_label(
    run: Callable[..., StackRun],
) -> None:
    others = _tokens(ExistingToken("t", OURS), ExistingToken("o", token_description("p-test-dev", "5")))
    run(valid_config(), mocks=OcirMocks(existing_tokens=others))
    gone = _tokens(ExistingToken("t", token_description(PREFIX, "1"), state="DELETED"))
    run(valid_config(), mocks=OcirMocks(existing_tokens=gone))


# The engine must honour replacement triggers for a label to rotate anything.

REPLACEMENT_TRIGGER = resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACEMENT_TRIGGER


def test_an_engine_without_replacement_triggers_refuses_a_rotation_label(run: Callable[..., StackRun]) -> None:
    result = run(valid_config(tokenRotation="2"), withhold_features=[REPLACEMENT_TRIGGER], raise_errors=False)
    message = str(result.error)
    assert message.startswith(f"{NS}:tokenRotation: rotating the auth token needs an engine that supports")
    assert f"Pulumi CLI {REPLACEMENT_TRIGGER_CLI} or later" in message
    assert result.resources == []
    assert result.invokes == []


def test_an_engine_without_replacement_triggers_is_fine_without_a_label(run: Callable[..., StackRun]) -> None:
    # Such an engine drops the trigger the program sends (the field is unknown to it).
    result = run(valid_config(), withhold_features=[REPLACEMENT_TRIGGER])
    assert _token(result).replacement_trigger is None


def test_an_engine_with_replacement_triggers_rotates(run: Callable[..., StackRun]) -> None:
    assert _token(run(valid_config(tokenRotation="2"))).replacement_trigger == "2"


def test_the_components_name_their_rotation_argument_when_the_engine_cannot_rotate() -> None:
    from components import ArgumentError, OcirProject, RegistryCredentials
    from tests.test_components import project_args
    from tools.harness import evaluate

    def credentials() -> None:
        RegistryCredentials(
            "ci", {"user_ocid": USER, "registry_server": "fra.ocir.io", "namespace": "ns", "rotation": "2"}
        )

    def project() -> None:
        OcirProject("p-team", project_args(token_rotation="2"))

    for program, prefix in (
        (credentials, "RegistryCredentialsArgs.rotation: rotating the auth token needs"),
        (project, "OcirProjectArgs.token_rotation: rotating the auth token needs"),
    ):
        refused = evaluate(program, withhold_features=[REPLACEMENT_TRIGGER], raise_errors=False)
        assert isinstance(refused.error, ArgumentError)
        assert str(refused.error).startswith(prefix)
        assert refused.resources == []
        assert evaluate(program).error is None
