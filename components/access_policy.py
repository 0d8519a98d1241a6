"""RepositoryAccessPolicy: the IAM policy that scopes a group to a project's repositories.

Its arguments and their rules are in access_policy_args.py (no provider SDK), importable from here as before.
"""

import pulumi
from pulumi_oci import identity

from . import naming
from ._args import check_args, checked
from .access_policy_args import PullerArgs as PullerArgs
from .access_policy_args import RepositoryAccessPolicyArgs as RepositoryAccessPolicyArgs
from .access_policy_args import all_signing_statements, pull_location, pull_principals
from .access_policy_args import check_access_policy_args as check_access_policy_args
from .limits import MAX_DESCRIPTION, shorten
from .statements import group_subject, policy_statements


def policy_description(prefix: str, group_name: str, identity_domain: str | None, pullers: int = 0) -> str:
    """The default description, at most 400 characters: the subject is left out when it would not fit
    (the statements name it anyway). A policy with pullers says how many may read."""
    subject = group_subject(group_name, identity_domain)
    readers = f"; {pullers} puller{'s' if pullers != 1 else ''} may read them" if pullers else ""
    full = f"OCIR access for project {prefix}: {subject} manages repositories {prefix}-*{readers}"
    if len(full) <= MAX_DESCRIPTION:
        return full
    return shorten(
        f"OCIR access for project {prefix}: one group manages repositories {prefix}-*{readers}", MAX_DESCRIPTION
    )


class RepositoryAccessPolicy(pulumi.ComponentResource):
    """An `oci.identity.Policy` named `<prefix>-ocir-policy` in the tenancy's root compartment that lets a
    group manage the repositories named `<prefix>-*` and nothing else, and each puller only read them."""

    policy_id: pulumi.Output[str]
    """OCID of the policy."""
    statements: pulumi.Output[list[str]]
    """The policy's statements."""

    def __init__(self, name: str, args: RepositoryAccessPolicyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_args("RepositoryAccessPolicyArgs", check_access_policy_args, args)
        domain = args.get("identity_domain") or None
        pullers = pull_principals(args)
        prefix, group, listing = args["prefix"], args["group_name"], bool(args.get("allow_list_repositories"))
        statements = pull_location(args).apply(
            lambda location: (
                policy_statements(prefix, group, domain, listing, pullers, location)
                + all_signing_statements(args, location)
            )
        )
        super().__init__("ocir:index:RepositoryAccessPolicy", name, None, opts)

        policy = identity.Policy(
            f"{name}-policy",
            # Another resource may give the tenancy (or a caller pass it as a secret): checked when it resolves.
            compartment_id=checked(
                args["tenancy_ocid"], "RepositoryAccessPolicyArgs", "tenancy_ocid", naming.check_ocid, "tenancy"
            ),
            name=naming.policy_name(args["prefix"]),
            description=args.get("description")
            or policy_description(args["prefix"], args["group_name"], domain, len(pullers)),
            statements=statements,
            freeform_tags=dict(args.get("freeform_tags") or {}) or None,
            opts=pulumi.ResourceOptions(parent=self, protect=bool(args.get("protect"))),
        )
        self.policy_id = policy.id
        self.statements = statements
        self.register_outputs({"policyId": self.policy_id, "statements": self.statements})
