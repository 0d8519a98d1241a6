"""RepositoryAccessPolicy: the IAM policy that scopes a group to a project's repositories."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
from pulumi_oci import identity

from . import naming
from ._args import checked
from .statements import check_domain_name, check_group_name, group_subject, policy_statements


@dataclass
class RepositoryAccessPolicyArgs:
    tenancy_ocid: pulumi.Input[str]
    """Tenancy OCID: statements that say `in tenancy` must live in its root compartment."""
    prefix: str
    """Project prefix; the group may manage repositories named `<prefix>-*` and no others."""
    group_name: str
    """IAM group given the access."""
    identity_domain: str | None = None
    """Identity domain of the group; None (default) for the default domain."""
    allow_list_repositories: bool = False
    """Also let the group list every repository name; default False (least privilege)."""
    description: str | None = None
    """Policy description; default names the prefix and the group."""
    freeform_tags: Mapping[str, str] = field(default_factory=dict)
    """Free-form tags for the policy; default none."""
    protect: bool = False
    """Refuse to delete the policy (`pulumi destroy`, a rename) until unprotected; default False."""


class RepositoryAccessPolicy(pulumi.ComponentResource):
    """An `oci.identity.Policy` named `<prefix>-ocir-policy` in the tenancy's root compartment."""

    policy_id: pulumi.Output[str]
    """OCID of the policy."""
    statements: list[str]
    """The exact statements declared (known at construction; nothing in them is computed)."""

    def __init__(
        self,
        name: str,
        args: RepositoryAccessPolicyArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        # Statements are rendered (and their inputs checked) before anything is registered, so
        # invalid arguments declare nothing.
        where = "RepositoryAccessPolicyArgs"
        checked(f"{where}.prefix", args.prefix, naming.check_prefix)
        checked(f"{where}.group_name", args.group_name, check_group_name)
        if args.identity_domain:
            checked(f"{where}.identity_domain", args.identity_domain, check_domain_name)
        self.statements = policy_statements(
            args.prefix, args.group_name, args.identity_domain, args.allow_list_repositories
        )
        super().__init__("ocir:index:RepositoryAccessPolicy", name, None, opts)

        subject = group_subject(args.group_name, args.identity_domain)
        policy = identity.Policy(
            f"{name}-policy",
            compartment_id=args.tenancy_ocid,
            name=naming.policy_name(args.prefix),
            description=args.description
            or f"OCIR access for project {args.prefix}: {subject} manages repositories {args.prefix}-*",
            statements=self.statements,
            freeform_tags=dict(args.freeform_tags) or None,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.policy_id = policy.id
        self.register_outputs({"policyId": self.policy_id, "statements": self.statements})
