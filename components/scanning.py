"""ImageScanning: OCI's Vulnerability Scanning service pointed at exactly a project's repositories.

Its arguments and their rules are in scanning_args.py (no provider SDK), importable from here as before.
"""

import pulumi
from pulumi_oci import identity, vulnerabilityscanning

from . import naming
from ._args import check_args
from .scanning_args import ImageScanningArgs as ImageScanningArgs
from .scanning_args import check_scanning_args as check_scanning_args
from .statements import scanning_statements

SCAN_LEVEL = "STANDARD"
"""The recipe's scan level. OCI's other level for container images, NONE, scans nothing: a stack that does
not want scanning says so by not declaring it, never by a recipe that looks on and is off."""
REGISTRY_TYPE = "OCIR"


def recipe_name(prefix: str) -> str:
    return f"{prefix}-scan-recipe"


def target_name(prefix: str) -> str:
    return f"{prefix}-scan-target"


class ImageScanning(pulumi.ComponentResource):
    """Vulnerability scanning of a project's repositories: a container scan recipe, a container scan target
    naming exactly those repositories, and the IAM policy `<prefix>-vss-policy` that lets the scanning
    service read repositories (and their compartment) in the repositories' compartment only. Pass the
    repositories in `dependsOn`: the target is created after them and after the policy."""

    target_id: pulumi.Output[str]
    """OCID of the container scan target; scan results name it."""
    recipe_id: pulumi.Output[str]
    """OCID of the container scan recipe."""
    policy_id: pulumi.Output[str]
    """OCID of the scanning service's policy."""
    statements: pulumi.Output[list[str]]
    """The scanning service's statements."""

    def __init__(self, name: str, args: ImageScanningArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_args("ImageScanningArgs", check_scanning_args, args)
        super().__init__("ocir:index:ImageScanning", name, None, opts)

        prefix, compartment = args["prefix"], args["compartment_ocid"]
        tags = dict(args.get("freeform_tags") or {}) or None
        statements = scanning_statements(args["tenancy_ocid"], compartment)
        # The root compartment, like the project's access policy: a policy there may name any compartment.
        policy = identity.Policy(
            f"{name}-policy",
            compartment_id=args["tenancy_ocid"],
            name=naming.scanning_policy_name(prefix),
            description=f"Vulnerability scanning of project {prefix}: the scanning service reads its repositories",
            statements=statements,
            freeform_tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        recipe = vulnerabilityscanning.ContainerScanRecipe(
            f"{name}-recipe",
            compartment_id=compartment,
            display_name=recipe_name(prefix),
            scan_settings={"scan_level": SCAN_LEVEL},
            freeform_tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        # The service must be allowed to pull before the target exists (Oracle: grant first, then create the
        # target), and the repositories must exist. A component's dependsOn does not reach its children by
        # itself: the target takes the caller's (the repositories) and the policy.
        given = opts.depends_on if opts is not None else None
        after: list[pulumi.Input[pulumi.Resource]] = [policy]
        if isinstance(given, pulumi.Resource):
            after.append(given)
        elif isinstance(given, (list, tuple)):
            after.extend(given)
        elif given is not None:
            raise TypeError("ImageScanning: pass dependsOn as a resource or a list of resources, not an output")
        target = vulnerabilityscanning.ContainerScanTarget(
            f"{name}-target",
            compartment_id=compartment,
            container_scan_recipe_id=recipe.id,
            display_name=target_name(prefix),
            description=f"The repositories of project {prefix}",
            target_registry={
                "type": REGISTRY_TYPE,
                "compartment_id": compartment,
                "repositories": list(args["repository_names"]),
            },
            freeform_tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=after),
        )
        self.target_id = target.id
        self.recipe_id = recipe.id
        self.policy_id = policy.id
        self.statements = pulumi.Output.from_input(statements)
        self.register_outputs(
            {
                "targetId": self.target_id,
                "recipeId": self.recipe_id,
                "policyId": self.policy_id,
                "statements": self.statements,
            }
        )
