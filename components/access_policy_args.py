"""RepositoryAccessPolicy's arguments and their rules, without the provider SDK (see project_args.py)."""

from typing import Any, NotRequired, TypedDict, cast

import pulumi

from . import naming
from ._args import Problems
from .limits import MAX_POLICY_STATEMENTS, check_description, check_statement_count, check_tags
from .signing_args import SigningArgs, signing_statements
from .statements import (
    PULLER_KINDS,
    Principal,
    check_domain_name,
    check_group_name,
    check_principal_name,
    policy_statements,
    principal_subject,
    repositories_location,
    split_domain,
)


class PullerArgs(TypedDict):
    """Who may pull the project's images: exactly one of `group` and `dynamicGroup` (`dynamic_group` in Python)."""

    group: NotRequired[str]
    """An IAM group whose members may pull (a CI or deploy job's user, the pull user): `name`, or
    `<identity domain>/<name>` for a group of another identity domain."""
    dynamic_group: NotRequired[str]
    """A dynamic group of instances that may pull without a secret (e.g. an OKE cluster's worker nodes): `name` or
    `<identity domain>/<name>`."""


class RepositoryAccessPolicyArgs(TypedDict):
    tenancy_ocid: pulumi.Input[str]
    """Tenancy OCID: statements that say `in tenancy` must live in its root compartment."""
    prefix: str
    """Project prefix; the group may manage repositories named `<prefix>-*` and no others."""
    group_name: str
    """IAM group given the access."""
    identity_domain: NotRequired[str]
    """Identity domain of the group; default the default domain."""
    allow_list_repositories: NotRequired[bool]
    """Also let the group list every repository name; default false (least privilege)."""
    pullers: NotRequired[list[PullerArgs]]
    """Groups and dynamic groups that may only pull (read) the repositories named `<prefix>-*`, where they are
    (`compartment_ocid`); one statement each, after the group's. Default none."""
    compartment_ocid: NotRequired[pulumi.Input[str]]
    """Compartment of the repositories, where the pullers' read statements apply; default the tenancy (the root
    compartment: the statements say `in tenancy`)."""
    signing: NotRequired[SigningArgs]
    """The key the project signs with (its `key_ocid`) and the clusters that verify (`clusters`): the group may use
    exactly that key, each cluster may use it and read the repositories; after the other statements. Default none
    (its other fields, and their rules, are the project's: components/signing_args.py)."""
    description: NotRequired[str]
    """Policy description (at most 400 characters); default names the prefix and the group, shortened to fit."""
    freeform_tags: NotRequired[dict[str, pulumi.Input[str]]]
    """Free-form tags for the policy (keys 1-100 characters without periods or spaces, values at most 256);
    default none."""
    protect: NotRequired[bool]
    """Refuse to delete the policy (`pulumi destroy`, a rename) until unprotected; default false."""


MAX_PULLERS = MAX_POLICY_STATEMENTS - 2
"""Pullers that fit one policy beside the manage and list statements."""


def principal_of(puller: PullerArgs) -> Principal:
    """A checked puller as a statement subject."""
    field = "group" if "group" in puller else "dynamic_group"
    domain, name = split_domain(str(puller.get(field)))
    return Principal(PULLER_KINDS[field], name, domain)


def _check_puller(index: int, puller: Any, args: RepositoryAccessPolicyArgs, problems: Problems, path: str) -> bool:
    where = f"{path}pullers[{index}]"
    kinds = [field for field in PULLER_KINDS if isinstance(puller, dict) and field in puller]
    if not isinstance(puller, dict) or len(kinds) != 1 or set(puller) != set(kinds):
        problems.add(
            where,
            "must name exactly one puller, as {group: <name>} or {dynamic_group: <name>} (the name may be "
            f"<identity domain>/<name>), never both in one entry; got {puller!r}",
        )
        return False
    field = kinds[0]
    value = puller[field]
    if (
        not isinstance(value, str)
        or problems.check(f"{where}.{field}", value, check_principal_name, PULLER_KINDS[field]) is None
    ):
        if not isinstance(value, str):
            problems.add(f"{where}.{field}", f"must be a name string, got {value!r}")
        return False
    principal = principal_of(cast(PullerArgs, puller))
    if principal.same_as("group", args["group_name"], args.get("identity_domain") or None):
        problems.add(
            f"{where}.{field}",
            f"{value!r} is the project's own group, which already manages the repositories",
        )
        return False
    return True


def check_pullers(args: RepositoryAccessPolicyArgs, problems: Problems, path: str = "") -> list[Principal]:
    """The pullers' rules; the valid ones as principals."""
    pullers = args.get("pullers") or []
    if not isinstance(pullers, list):
        problems.add(
            f"{path}pullers", f"must be a list of {{group: <name>}} or {{dynamic_group: <name>}}, got {pullers!r}"
        )
        return []
    if len(pullers) > MAX_PULLERS:
        problems.add(
            f"{path}pullers",
            f"lists {len(pullers)} pullers; one policy holds {MAX_POLICY_STATEMENTS} statements, so at most "
            f"{MAX_PULLERS} pullers fit beside the group's (grant a group of pullers instead)",
        )
    principals: list[Principal] = []
    for index, puller in enumerate(pullers):
        if not _check_puller(index, puller, args, problems, path):
            continue
        principal = principal_of(puller)
        if any(principal.same_as(seen.kind, seen.name, seen.domain) for seen in principals):
            problems.add(f"{path}pullers[{index}]", f"{principal} is listed twice")
            continue
        principals.append(principal)
    return principals


def check_access_policy_args(args: RepositoryAccessPolicyArgs, problems: Problems, path: str = "") -> None:
    """The policy's rules; ``path`` prefixes each problem (OcirProject checks these as its own)."""
    before = len(problems.items)
    if isinstance(args["tenancy_ocid"], str):
        problems.check(f"{path}tenancy_ocid", args["tenancy_ocid"], naming.check_ocid, "tenancy")
    problems.check(f"{path}prefix", args["prefix"], naming.check_prefix)
    problems.check(f"{path}group_name", args["group_name"], check_group_name)
    if args.get("identity_domain"):
        problems.check(f"{path}identity_domain", args.get("identity_domain"), check_domain_name)
    compartment = args.get("compartment_ocid")
    if isinstance(compartment, str) and compartment:
        problems.check(f"{path}compartment_ocid", compartment, naming.check_ocid, "compartment", "tenancy")
    pullers = check_pullers(args, problems, path)
    names_valid = len(problems.items) == before
    if "description" in args:
        problems.check(f"{path}description", args["description"], check_description)
    check_tags(args.get("freeform_tags") or {}, problems, f"{path}freeform_tags")
    if names_valid:
        statements = policy_statements(
            args["prefix"],
            args["group_name"],
            args.get("identity_domain") or None,
            bool(args.get("allow_list_repositories")),
            pullers,
            "tenancy",  # where they apply does not change how many there are
        )
        statements += all_signing_statements(args, "tenancy")
        problems.check(f"{path}allow_list_repositories", statements, check_statement_count)


def all_signing_statements(args: RepositoryAccessPolicyArgs, location: str) -> list[str]:
    """What signing adds to the policy (components/signing_args.signing_statements), for the group."""
    subject = principal_subject("group", args["group_name"], args.get("identity_domain") or None)
    return signing_statements(subject, args["prefix"], location, args.get("signing"))


def pull_location(args: RepositoryAccessPolicyArgs) -> pulumi.Output[str]:
    """Where the pullers may read: the repositories' compartment (``repositories_location``), once the OCIDs
    (which another resource may give) resolve."""
    tenancy = args["tenancy_ocid"]
    return pulumi.Output.all(tenancy, args.get("compartment_ocid") or tenancy).apply(
        lambda ids: repositories_location(str(ids[0]), str(ids[1]))
    )


def pull_principals(args: RepositoryAccessPolicyArgs) -> list[Principal]:
    """The (checked) pullers as principals, in their order."""
    return [principal_of(puller) for puller in args.get("pullers") or []]
