"""What the program checks against the cloud before it declares anything: lookups, not resources.

Each check fails with a `pulumi.RunError` whose one line names the `ocir:*` key to change, so a
preview stops with nothing declared instead of `pulumi up` failing half-way.
"""

import functools
import re
from collections.abc import Callable
from typing import Any

import pulumi

from components import naming
from components.repository import check_adoption, existing_repository
from components.tokens import (
    TokenSlotError,
    check_engine_rotates,
    check_token_slots,
    existing_tokens,
)
from policy.patterns import name_regex, reaching_regex

from .isolation import GONE, Stack, TenancyPolicy, TenancyRepository, judge, shown
from .keys import full
from .settings import Settings, program_tags


def check_tokens(settings: Settings) -> None:
    """The rotation label works with this engine and there is a token slot for a rotation."""
    try:
        # An engine that ignores replacement triggers would change the label and never rotate the token.
        check_engine_rotates(settings.token_rotation)
    except ValueError as error:
        raise pulumi.RunError(f"ocir:tokenRotation: {error}") from error
    try:
        # OCI allows two auth tokens per user: fail the preview now, not half-way through `up`.
        tokens = existing_tokens(settings.user_ocid)
        check_token_slots(tokens, settings.user_ocid, settings.prefix, settings.token_rotation)
    except TokenSlotError as error:
        key = "ocir:userOcid" if error.argument == "user" else "ocir:tokenRotation"
        raise pulumi.RunError(f"{key}: {error}") from error


def check_adopted_repositories(settings: Settings) -> None:
    """Each repository to adopt (repositoryOcid) exists and matches what the stack declares."""
    for spec in settings.images:
        if not spec.repository_ocid:
            continue
        # Read and compared now, so a mismatch stops the preview before anything is declared (the
        # component checks again while it declares, naming its own argument).
        key = f"ocir:images[{spec.index}].repositoryOcid"
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


ISOLATION_KEY = full("isolationCheck")


def _one_line(text: str) -> str:
    """The provider's several-line error (terraform-provider-oci `tfresource/errors.go`) on one line."""
    return re.sub(r"\s*\n\s*", "; ", str(text).strip())


def _looked_up(what: str, permission: str, stack: str, lookup: Callable[[], Any]) -> Any:
    """``lookup()``, or RunError naming the permission it needs and the off switch, on one line."""
    try:
        return lookup()
    except Exception as error:
        raise pulumi.RunError(
            f"{ISOLATION_KEY}: cannot list {what}: {_one_line(str(error))}. The user deploying the stack needs "
            f"'{permission} in tenancy' (docs/isolation.md); to deploy without the check, set "
            f"{ISOLATION_KEY}: false in Pulumi.{stack}.yaml"
        ) from error


def tenancy_contents(tenancy_ocid: str, start: str, stack: str) -> tuple[list[TenancyPolicy], list[TenancyRepository]]:
    """The tenancy's policies that may reach names starting with ``start`` (one `get_policies` per compartment: the
    root and each live compartment below it, listed with `get_compartments` over the whole subtree) and its
    repositories whose names start with ``start`` in the provider's region (one `get_container_repositories` over
    the root's subtree). Each lookup returns all its pages: the provider's data source follows OCI's next-page token
    itself, then applies the filter (docs/isolation.md). They run one after another: each is a blocking invoke, made
    before anything is declared."""
    from pulumi_oci import artifacts, identity

    listed = _looked_up(
        "the tenancy's compartments (oci.identity.get_compartments)",
        "inspect compartments",
        stack,
        lambda: identity.get_compartments(
            compartment_id=tenancy_ocid, compartment_id_in_subtree=True, access_level="ANY"
        ),
    )
    compartments = [tenancy_ocid] + [
        compartment.id
        for compartment in listed.compartments or []
        if compartment.state not in GONE and compartment.id != tenancy_ocid
    ]
    # Only the policies with a statement whose repository-name condition may reach this prefix cross from the
    # provider to the program; the provider still reads every page (docs/isolation.md).
    statements = [identity.GetPoliciesFilterArgs(name="statements", values=[reaching_regex(start)], regex=True)]
    names = [artifacts.GetContainerRepositoriesFilterArgs(name="display_name", values=[name_regex(start)], regex=True)]
    policies: list[TenancyPolicy] = []
    for compartment_id in compartments:
        listed_policies = _looked_up(
            f"the policies in compartment {compartment_id} (oci.identity.get_policies)",
            "inspect policies",
            stack,
            functools.partial(identity.get_policies, compartment_id=compartment_id, filters=statements),
        )
        policies.extend(
            TenancyPolicy(
                id=policy.id or "",
                name=policy.name or "",
                compartment_id=policy.compartment_id or compartment_id,
                statements=tuple(policy.statements or ()),
                freeform_tags=dict(policy.freeform_tags or {}),
                state=policy.state or "ACTIVE",
            )
            for policy in listed_policies.policies or []
        )
    listed_repositories = _looked_up(
        "the tenancy's repositories (oci.artifacts.get_container_repositories)",
        "inspect repos",
        stack,
        functools.partial(
            artifacts.get_container_repositories,
            compartment_id=tenancy_ocid,
            compartment_id_in_subtree=True,
            filters=names,
        ),
    )
    repositories = [
        TenancyRepository(
            id=item.id or "",
            name=item.display_name or "",
            compartment_id=item.compartment_id or "",
            freeform_tags=dict(item.freeform_tags or {}),
            state=item.state or "AVAILABLE",
        )
        for collection in listed_repositories.container_repository_collections or []
        for item in collection.items or []
    ]
    return policies, repositories


def this_stack(settings: Settings) -> Stack:
    """What makes a policy or repository this stack's: its names, its tags, what it declares and adopts."""
    return Stack(
        prefix=settings.prefix,
        group_name=settings.group_name,
        identity_domain=settings.identity_domain,
        tags=program_tags(pulumi.get_project(), pulumi.get_stack()),
        declared={naming.repository_name(settings.prefix, spec.name): spec.index for spec in settings.images},
        adopted=frozenset(spec.repository_ocid for spec in settings.images if spec.repository_ocid),
    )


def check_isolation(settings: Settings) -> None:
    """No policy of another project inside this stack's grant, no repository of another under its prefix
    (stackconfig/isolation.py); a grant of another group's that covers this stack's is a warning."""
    stack = pulumi.get_stack()
    if not settings.isolation_check:
        pulumi.log.warn(
            f"{ISOLATION_KEY} is false: this stack does not check the tenancy for other projects' policies and "
            f"repositories that /{settings.prefix}-*/ reaches (docs/isolation.md)"
        )
        return
    own = this_stack(settings)
    policies, repositories = tenancy_contents(settings.tenancy_ocid, own.start, stack)
    judgement = judge(policies, repositories, own)
    for warning in judgement.warnings:
        pulumi.log.warn(f"{full('prefix')}: {warning}")
    if judgement.errors:
        raise pulumi.RunError("\n".join(f"{full('prefix')}: {line}" for line in shown(judgement.errors)))


def preflight(settings: Settings) -> None:
    check_tokens(settings)
    check_adopted_repositories(settings)
    check_isolation(settings)
