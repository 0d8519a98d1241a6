"""RepositoryAccessPolicy's arguments and their rules, without the provider SDK (see project_args.py)."""

from typing import NotRequired, TypedDict

from . import naming
from ._args import Problems
from .limits import check_description, check_statement_count, check_tags
from .statements import check_domain_name, check_group_name, policy_statements


class RepositoryAccessPolicyArgs(TypedDict):
    tenancy_ocid: str
    """Tenancy OCID: statements that say `in tenancy` must live in its root compartment."""
    prefix: str
    """Project prefix; the group may manage repositories named `<prefix>-*` and no others."""
    group_name: str
    """IAM group given the access."""
    identity_domain: NotRequired[str]
    """Identity domain of the group; default the default domain."""
    allow_list_repositories: NotRequired[bool]
    """Also let the group list every repository name; default false (least privilege)."""
    description: NotRequired[str]
    """Policy description (at most 400 characters); default names the prefix and the group, shortened to fit."""
    freeform_tags: NotRequired[dict[str, str]]
    """Free-form tags for the policy (keys 1-100 characters without periods or spaces, values at most 256);
    default none."""
    protect: NotRequired[bool]
    """Refuse to delete the policy (`pulumi destroy`, a rename) until unprotected; default false."""


def check_access_policy_args(args: RepositoryAccessPolicyArgs, problems: Problems, path: str = "") -> None:
    """The policy's rules; ``path`` prefixes each problem (OcirProject checks these as its own)."""
    before = len(problems.items)
    problems.check(f"{path}tenancy_ocid", args["tenancy_ocid"], naming.check_ocid, "tenancy")
    problems.check(f"{path}prefix", args["prefix"], naming.check_prefix)
    problems.check(f"{path}group_name", args["group_name"], check_group_name)
    if args.get("identity_domain"):
        problems.check(f"{path}identity_domain", args.get("identity_domain"), check_domain_name)
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
        )
        problems.check(f"{path}allow_list_repositories", statements, check_statement_count)
