"""What the program checks against the cloud before it declares anything: lookups, not resources.

Each check fails with a `pulumi.RunError` whose one line names the config key to change, so a
preview stops with nothing declared instead of `pulumi up` failing half-way.
"""

import pulumi

from components import naming
from components.repository import check_adoption, existing_repository
from components.tokens import (
    PULL,
    PUSH,
    TokenSlotError,
    check_engine_rotates,
    check_token_slots,
    existing_tokens,
)

from .settings import Settings


def _check_user_tokens(
    settings: Settings, user_ocid: str, rotation: str | None, purpose: str, keys: tuple[str, str]
) -> None:
    """One user's token: the rotation label works with this engine and there is a token slot for a rotation.
    ``keys``: the config keys of the user and of its rotation label."""
    user_key, rotation_key = keys
    try:
        # An engine that ignores replacement triggers would change the label and never rotate the token.
        check_engine_rotates(rotation)
    except ValueError as error:
        raise pulumi.RunError(f"{rotation_key}: {error}") from error
    try:
        # OCI allows two auth tokens per user: fail the preview now, not half-way through `up`.
        tokens = existing_tokens(user_ocid)
        check_token_slots(tokens, user_ocid, settings.prefix, rotation, purpose)
    except TokenSlotError as error:
        key = user_key if error.argument == "user" else rotation_key
        raise pulumi.RunError(f"{key}: {error}") from error


def check_tokens(settings: Settings) -> None:
    """The push token's and, with a pull user, the pull token's labels and slots (each user has its own two)."""
    _check_user_tokens(
        settings,
        settings.user_ocid,
        settings.token_rotation,
        PUSH,
        (settings.key("userOcid"), settings.key("tokenRotation")),
    )
    if settings.pull_user_ocid:
        _check_user_tokens(
            settings,
            settings.pull_user_ocid,
            settings.pull_token_rotation,
            PULL,
            (settings.key("pullUserOcid"), settings.key("pullTokenRotation")),
        )


def warn_unchecked_membership(settings: Settings) -> None:
    """The pull user pulls only as a member of a group in the pullers, which no lookup here can tell: say so."""
    if not settings.pull_user_ocid:
        return
    groups = ", ".join(str(puller) for puller in settings.pullers if puller.kind == "group")
    pulumi.log.warn(
        f"{settings.key('pullUserOcid')}: the stack cannot check that user {settings.pull_user_ocid} is a member of "
        f"one of the groups in {settings.key('pullers')} ({groups}); unless it is, the registry refuses pulls with "
        "pullSecret"
    )


def check_adopted_repositories(settings: Settings) -> None:
    """Each repository to adopt (repositoryOcid) exists and matches what the stack declares."""
    for spec in settings.images:
        if not spec.repository_ocid:
            continue
        # Read and compared now, so a mismatch stops the preview before anything is declared (the
        # component checks again while it declares, naming its own argument).
        key = f"{settings.key('images')}[{spec.index}].repositoryOcid"
        try:
            existing = existing_repository(spec.repository_ocid)
        except Exception as error:
            # The provider's answer (e.g. 404 for an OCID that names no repository), as one line.
            raise pulumi.RunError(f"{key}: cannot read repository {spec.repository_ocid}: {error}") from error
        try:
            check_adoption(
                existing,
                name=naming.repository_name(settings.prefix, spec.name),
                compartment=settings.compartment_ocid,
                public=spec.public,
                immutable=spec.immutable,
            )
        except ValueError as error:
            raise pulumi.RunError(f"{key}: {error}") from error


def preflight(settings: Settings) -> None:
    check_tokens(settings)
    check_adopted_repositories(settings)
    warn_unchecked_membership(settings)
