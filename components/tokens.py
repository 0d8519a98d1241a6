"""Auth-token slots: OCI allows a user two auth tokens, and this stack needs one per user (two while rotating).

The stack recognises its own tokens by their description, which names what the token is for (the push
user's docker login, or the pull user's read-only pull secret), starts with the project's prefix (unique
per stack in a tenancy) and names the rotation label. Everything here runs before any
resource is declared, so a user without a free slot fails the preview instead of half-way
through an update.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .limits import MAX_DESCRIPTION

TOKEN_LIMIT = 2  # auth tokens per user (OCI's limit)
ROTATION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
# `(…; rotation X)` in the full description, `(rotation X)` in the shortest one.
_ROTATION_IN_DESCRIPTION = re.compile(r"[;(] ?rotation (?P<label>[A-Za-z0-9._-]+)\)")


def check_rotation(label: str) -> str:
    if not ROTATION.match(label):
        raise ValueError(
            "must be a label of 1-40 letters, digits, '.', '_' or '-' (e.g. 2026-11 or 2); change it "
            f"to rotate the auth token; got {label!r}"
        )
    return label


PUSH = "push"
PULL = "pull"
_WHAT = {PUSH: "docker login password", PULL: "read-only docker login, pull secret"}


def token_description(prefix: str, rotation: str | None, purpose: str = PUSH) -> str:
    """The description of the stack's token: it names the purpose (``push`` or ``pull``), the prefix and the
    rotation label, which ``ExistingToken`` reads back, so a shorter form drops words and never those.

    With a checked prefix (88 characters at most) and label (40) the full form is at most 222 characters; the
    shorter forms only serve callers whose prefix is longer, and a prefix that leaves no room is refused.
    """
    marker = _owner_marker(prefix, purpose)
    details = f"{_WHAT[purpose]}; rotation {rotation}" if rotation else _WHAT[purpose]
    candidates = [
        f"{marker}{details}), managed by Pulumi",
        f"{marker}{details})",
        f"{marker}rotation {rotation})" if rotation else f"{marker}Pulumi)",
    ]
    for description in candidates:
        if len(description) <= MAX_DESCRIPTION:
            return description
    raise ValueError(
        f"leaves no room for the auth token's description (OCI allows {MAX_DESCRIPTION} characters): "
        f"the prefix is {len(prefix)} characters"
    )


def _owner_marker(prefix: str, purpose: str = PUSH) -> str:
    return f"OCIR {purpose} token for project {prefix} ("


@dataclass(frozen=True)
class ExistingToken:
    """One auth token the user already has, as `oci.identity.get_auth_tokens` lists it."""

    id: str
    description: str
    state: str = "ACTIVE"

    def owned_by(self, prefix: str, purpose: str = PUSH) -> bool:
        return self.description.startswith(_owner_marker(prefix, purpose))

    @property
    def rotation(self) -> str | None:
        match = _ROTATION_IN_DESCRIPTION.search(self.description)
        return match["label"] if match else None


_GONE = ("DELETING", "DELETED")


class TokenSlotError(ValueError):
    """No room for the token this stack needs; ``argument`` is `user` or `rotation`."""

    def __init__(self, argument: str, message: str) -> None:
        self.argument = argument
        super().__init__(message)


def check_token_slots(
    existing: Iterable[ExistingToken], user_ocid: str, prefix: str, rotation: str | None, purpose: str = PUSH
) -> None:
    """Raise TokenSlotError when the update would need more than two tokens at once.

    A rotation creates the new token before it deletes the old one, so for that moment the user
    holds this stack's old token, its new one, and every token the stack did not create. ``purpose``
    says which of the stack's tokens this user holds (the push token or the pull token).
    """
    # DELETING/DELETED tokens no longer count against the limit.
    live = [token for token in existing if token.state not in _GONE]
    foreign = [token for token in live if not token.owned_by(prefix, purpose)]
    own = [token for token in live if token.owned_by(prefix, purpose)]
    needs_new = not any(token.rotation == (rotation or None) for token in own)
    peak = len(foreign) + len(own) + (1 if needs_new else 0)
    if peak <= TOKEN_LIMIT:
        return
    others = ", ".join(f"{token.id} ({token.description!r})" for token in foreign) or "none"
    if len(foreign) >= TOKEN_LIMIT:
        raise TokenSlotError(
            "user",
            f"user {user_ocid} already has {len(foreign)} auth tokens that this stack did not create "
            f"and OCI allows {TOKEN_LIMIT}: {others}. Delete one that is no longer used "
            f"(oci iam auth-token delete --user-id <user> --auth-token-id <id>) or use another {purpose} user",
        )
    raise TokenSlotError(
        "rotation",
        f"{f'rotating to {rotation!r}' if rotation else 'removing the rotation label rotates the token and'} "
        "creates the new token before deleting the old one, which needs "
        f"{peak} tokens at once and OCI allows {TOKEN_LIMIT} per user; other tokens of user "
        f"{user_ocid}: {others}. Delete the one that is no longer used, then rotate",
    )


NEVER_ROTATED = ""
"""The replacement trigger of a token that has no rotation label. Never None: the engine reads a null trigger
on either side as "no trigger" (pulumi/pulumi pkg/resource/deploy/step_generator.go, shouldTriggerReplace), so
with None for "no label" the first label would replace nothing. An empty string is a value the engine
compares, and no label can be empty (ROTATION)."""


def rotation_trigger(rotation: str | None) -> str:
    """The auth token's replacement trigger for a rotation label (or none): the label itself, so stacks that
    rotated before keep their trigger, and NEVER_ROTATED without one.

    The engine replaces the token when this differs from the value in the state: on the first label, on every
    new label, and when the label is removed. A state written by a version that sent no trigger at all holds
    null, which replaces nothing: upgrading never rotates, and the update writes the trigger to the state.
    """
    return rotation or NEVER_ROTATED


REPLACEMENT_TRIGGER_CLI = "3.208.0"
"""The first Pulumi CLI whose engine honours the replacement_trigger resource option (its changelog:
"[engine] Add a `replacement_trigger` resource option", pulumi/pulumi#20936)."""


def check_engine_rotates(rotation: str | None) -> None:
    """ValueError when a rotation label is set and the engine running the program does not honour
    replacement triggers (an older engine ignores the option: the label would change the token's
    description and never rotate it)."""
    if not rotation:
        return
    from pulumi.runtime.proto import resource_pb2
    from pulumi.runtime.settings import monitor_supports_feature

    if not monitor_supports_feature(resource_pb2.RESOURCE_MONITOR_FEATURE_REPLACEMENT_TRIGGER):
        raise ValueError(
            f"rotating the auth token needs an engine that supports replacement triggers (Pulumi CLI "
            f"{REPLACEMENT_TRIGGER_CLI} or later; `pulumi version` shows yours), and this one does not: "
            "upgrade the Pulumi CLI before rotating"
        )


def existing_tokens(user_ocid: str) -> list[ExistingToken]:
    """The user's auth tokens, read with `oci.identity.get_auth_tokens` (runs on preview too)."""
    from pulumi_oci import identity

    result = identity.get_auth_tokens(user_id=user_ocid)
    return [
        ExistingToken(id=token.id, description=token.description or "", state=token.state or "ACTIVE")
        for token in result.tokens or []
    ]
