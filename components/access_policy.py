"""RepositoryAccessPolicy: the IAM policy that scopes a group to a project's repositories."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_oci import identity

from . import naming
from ._args import Problems, check_args
from .limits import MAX_DESCRIPTION, check_description, check_statement_count, check_tags, shorten
from .statements import check_domain_name, check_group_name, group_subject, policy_statements


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


def policy_description(prefix: str, group_name: str, identity_domain: str | None) -> str:
    """The default description, at most 400 characters: the subject is left out when it would not fit
    (the statements name it anyway)."""
    subject = group_subject(group_name, identity_domain)
    full = f"OCIR access for project {prefix}: {subject} manages repositories {prefix}-*"
    if len(full) <= MAX_DESCRIPTION:
        return full
    return shorten(f"OCIR access for project {prefix}: one group manages repositories {prefix}-*", MAX_DESCRIPTION)


class RepositoryAccessPolicy(pulumi.ComponentResource):
    """An `oci.identity.Policy` named `<prefix>-ocir-policy` in the tenancy's root compartment that lets a
    group manage the repositories named `<prefix>-*` and nothing else."""

    policy_id: pulumi.Output[str]
    """OCID of the policy."""
    statements: pulumi.Output[list[str]]
    """The policy's statements."""

    def __init__(self, name: str, args: RepositoryAccessPolicyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_args("RepositoryAccessPolicyArgs", check_access_policy_args, args)
        domain = args.get("identity_domain") or None
        statements = policy_statements(
            args["prefix"], args["group_name"], domain, bool(args.get("allow_list_repositories"))
        )
        super().__init__("ocir:index:RepositoryAccessPolicy", name, None, opts)

        policy = identity.Policy(
            f"{name}-policy",
            compartment_id=args["tenancy_ocid"],
            name=naming.policy_name(args["prefix"]),
            description=args.get("description") or policy_description(args["prefix"], args["group_name"], domain),
            statements=statements,
            freeform_tags=dict(args.get("freeform_tags") or {}) or None,
            opts=pulumi.ResourceOptions(parent=self, protect=bool(args.get("protect"))),
        )
        self.policy_id = policy.id
        self.statements = pulumi.Output.from_input(statements)
        self.register_outputs({"policyId": self.policy_id, "statements": self.statements})
