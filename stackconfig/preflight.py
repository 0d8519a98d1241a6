"""What the program checks against the cloud before it declares anything: lookups, not resources.

Each check fails with a `pulumi.RunError` whose one line names the config key to change, so a
preview stops with nothing declared instead of `pulumi up` failing half-way.
"""

import pulumi

from components import naming
from components.repository import check_adoption, existing_repository
from components.tokens import (
    TokenSlotError,
    check_engine_rotates,
    check_token_slots,
    existing_tokens,
)

from .settings import Settings


def check_tokens(settings: Settings) -> None:
    """The rotation label works with this engine and there is a token slot for a rotation."""
    try:
        # An engine that ignores replacement triggers would change the label and never rotate the token.
        check_engine_rotates(settings.token_rotation)
    except ValueError as error:
        raise pulumi.RunError(f"{settings.key('tokenRotation')}: {error}") from error
    try:
        # OCI allows two auth tokens per user: fail the preview now, not half-way through `up`.
        tokens = existing_tokens(settings.user_ocid)
        check_token_slots(tokens, settings.user_ocid, settings.prefix, settings.token_rotation)
    except TokenSlotError as error:
        key = settings.key("userOcid" if error.argument == "user" else "tokenRotation")
        raise pulumi.RunError(f"{key}: {error}") from error


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
