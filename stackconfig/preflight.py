"""What the program checks against the cloud before it declares anything: lookups, not resources.

Each check fails with a `pulumi.RunError` whose one line names the config key to change, so a
preview stops with nothing declared instead of `pulumi up` failing half-way.
"""

import asyncio
import re
from collections.abc import Callable
from typing import Any

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
from policy.patterns import name_regex, reaching_regex

from .isolation import GONE, Stack, TenancyPolicy, TenancyRepository, judge, shown
from .settings import Settings, program_tags


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


def _one_line(text: str) -> str:
    """The provider's several-line error (terraform-provider-oci `tfresource/errors.go`) on one line."""
    return re.sub(r"\s*\n\s*", "; ", str(text).strip())


def _refusal(what: str, permission: str, where: tuple[str, str], error: BaseException) -> pulumi.RunError:
    """The lookup's failure on one line, naming the permission it needs and the off switch.
    ``where``: the isolationCheck config key and the stack's name."""
    key, stack = where
    return pulumi.RunError(
        f"{key}: cannot list {what}: {_one_line(str(error))}. The user deploying the stack needs "
        f"'{permission} in tenancy' (docs/isolation.md); to deploy without the check, set "
        f"{key}: false in Pulumi.{stack}.yaml"
    )


def _looked_up(what: str, permission: str, where: tuple[str, str], lookup: Callable[[], Any]) -> Any:
    """``lookup()``, or the refusal naming the permission it needs (``_refusal``)."""
    try:
        return lookup()
    except Exception as error:
        raise _refusal(what, permission, where, error) from error


POLICY_LOOKUPS_AT_ONCE = 8
"""How many `get_policies` invokes are in flight at once, at most. Each is one ListPolicies call per page in the
provider; a tenancy's compartments are looked up this many at a time rather than one after another, and no more,
so that a tenancy of hundreds of compartments does not meet OCI's request limits (429) in one burst. The SDK sends
each invoke from asyncio's default executor, whose threads CPython caps at CPU count + 4: on a 2-core runner, 6."""


GET_COMPARTMENTS = "oci:Identity/getCompartments:getCompartments"
GET_POLICIES = "oci:Identity/getPolicies:getPolicies"
GET_CONTAINER_REPOSITORIES = "oci:Artifacts/getContainerRepositories:getContainerRepositories"


def _lookup(token: str, args: dict[str, Any]) -> dict[str, Any]:
    """One blocking lookup, sent as pulumi-oci's own function sends it (its token, the camelCase arguments, the
    package's version in the options: sdk/python/pulumi_oci/identity/get_compartments.py and the like), answered
    untyped: the result as the wire carries it, camelCase keys. The typed result costs more to build than the
    lookup does for a tenancy's hundreds of compartments (the SDK translates every nested item), and the check
    reads a few fields."""
    from pulumi_oci import _utilities

    return dict(pulumi.runtime.invoke(token, args, opts=_utilities.get_invoke_opts_defaults()).value or {})


def _policies_per_compartment(compartments: list[str], filters: list[dict[str, Any]]) -> list[Any]:
    """`get_policies` for each compartment, ``POLICY_LOOKUPS_AT_ONCE`` at a time, in the order given: each
    result (untyped, as ``_lookup``), or the exception its invoke failed with.

    Sent as ``_lookup`` sends it, through the SDK's `invoke_async`, the coroutine its blocking `invoke` waits for
    (pulumi/pulumi sdk/python/lib/pulumi/runtime/invoke.py). The engine and the provider serve invokes concurrently
    (each is a gRPC call). The program waits for all of them before it declares anything, the way the blocking
    invoke waits (`sync_await._sync_await`, pumping the SDK's event loop). Not the output form
    (`get_policies_output`): the SDK awaits every Output when the program ends (`stack.py`, `wait_for_rpcs`), so a
    refused lookup would fail the run with the provider's raw error instead of the one-line refusal."""
    from pulumi.runtime.sync_await import _sync_await
    from pulumi_oci import _utilities

    async def every() -> list[Any]:
        gate = asyncio.Semaphore(POLICY_LOOKUPS_AT_ONCE)

        async def one(compartment_id: str) -> Any:
            args = {"compartmentId": compartment_id, "filters": filters}
            async with gate:
                return await pulumi.runtime.invoke_async(GET_POLICIES, args, opts=_utilities.get_invoke_opts_defaults())

        return await asyncio.gather(*(one(compartment_id) for compartment_id in compartments), return_exceptions=True)

    return _sync_await(every())


def tenancy_contents(
    tenancy_ocid: str, start: str, where: tuple[str, str]
) -> tuple[list[TenancyPolicy], list[TenancyRepository]]:
    """The tenancy's policies that may reach names starting with ``start`` (one `get_policies` per compartment: the
    root and each live compartment below it, listed with `get_compartments` over the whole subtree) and its
    repositories whose names start with ``start`` in the provider's region (one `get_container_repositories` over
    the root's subtree). Each lookup returns all its pages: the provider's data source follows OCI's next-page token
    itself, then applies the filter (docs/isolation.md). All of them return before anything is declared; the
    policies' lookups run several at a time (``_policies_per_compartment``). ``where``: the isolationCheck config
    key and the stack's name, for errors."""
    listed = _looked_up(
        "the tenancy's compartments (oci.identity.get_compartments)",
        "inspect compartments",
        where,
        lambda: _lookup(
            GET_COMPARTMENTS, {"compartmentId": tenancy_ocid, "compartmentIdInSubtree": True, "accessLevel": "ANY"}
        ),
    )
    compartments = [tenancy_ocid] + [
        str(compartment.get("id"))
        for compartment in listed.get("compartments") or []
        if compartment.get("state") not in GONE and compartment.get("id") != tenancy_ocid
    ]
    # Only the policies with a statement whose repository-name condition may reach this prefix cross from the
    # provider to the program; the provider still reads every page (docs/isolation.md). A data source's filter
    # block on the wire: {name, values, regex} (pulumi-oci's GetPoliciesFilterArgs).
    statements = [{"name": "statements", "values": [reaching_regex(start)], "regex": True}]
    names = [{"name": "display_name", "values": [name_regex(start)], "regex": True}]
    policies: list[TenancyPolicy] = []
    for compartment_id, listed_policies in zip(
        compartments, _policies_per_compartment(compartments, statements), strict=True
    ):
        if isinstance(listed_policies, BaseException):
            what = f"the policies in compartment {compartment_id} (oci.identity.get_policies)"
            raise _refusal(what, "inspect policies", where, listed_policies) from listed_policies
        policies.extend(
            TenancyPolicy(
                id=policy.get("id") or "",
                name=policy.get("name") or "",
                compartment_id=policy.get("compartmentId") or compartment_id,
                statements=tuple(policy.get("statements") or ()),
                freeform_tags=dict(policy.get("freeformTags") or {}),
                state=policy.get("state") or "ACTIVE",
            )
            for policy in (listed_policies or {}).get("policies") or []
        )
    listed_repositories = _looked_up(
        "the tenancy's repositories (oci.artifacts.get_container_repositories)",
        "inspect repos",
        where,
        lambda: _lookup(
            GET_CONTAINER_REPOSITORIES,
            {"compartmentId": tenancy_ocid, "compartmentIdInSubtree": True, "filters": names},
        ),
    )
    repositories = [
        TenancyRepository(
            id=item.get("id") or "",
            name=item.get("displayName") or "",
            compartment_id=item.get("compartmentId") or "",
            freeform_tags=dict(item.get("freeformTags") or {}),
            state=item.get("state") or "AVAILABLE",
        )
        for collection in listed_repositories.get("containerRepositoryCollections") or []
        for item in collection.get("items") or []
    ]
    return policies, repositories


def this_stack(settings: Settings) -> Stack:
    """What makes a policy or repository this stack's: its names, its tags, what it declares and adopts."""
    return Stack(
        prefix=settings.prefix,
        group_name=settings.group_name,
        identity_domain=settings.identity_domain,
        tags=program_tags(pulumi.get_project(), pulumi.get_stack()),
        namespace=settings.namespace,
        declared={naming.repository_name(settings.prefix, spec.name): spec.index for spec in settings.images},
        adopted=frozenset(spec.repository_ocid for spec in settings.images if spec.repository_ocid),
    )


def check_isolation(settings: Settings) -> None:
    """No policy of another project inside this stack's grant, no repository of another under its prefix
    (stackconfig/isolation.py); a grant of another group's that covers this stack's is a warning."""
    key = settings.key("isolationCheck")
    if not settings.isolation_check:
        pulumi.log.warn(
            f"{key} is false: this stack does not check the tenancy for other projects' policies and "
            f"repositories that /{settings.prefix}-*/ reaches (docs/isolation.md)"
        )
        return
    own = this_stack(settings)
    policies, repositories = tenancy_contents(settings.tenancy_ocid, own.start, (key, pulumi.get_stack()))
    judgement = judge(policies, repositories, own)
    for warning in judgement.warnings:
        pulumi.log.warn(f"{settings.key('prefix')}: {warning}")
    if judgement.errors:
        raise pulumi.RunError("\n".join(f"{settings.key('prefix')}: {line}" for line in shown(judgement.errors)))


def preflight(settings: Settings) -> None:
    check_tokens(settings)
    check_adopted_repositories(settings)
    warn_unchecked_membership(settings)
    check_isolation(settings)
