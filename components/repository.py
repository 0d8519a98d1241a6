"""Repository: one OCIR repository, created explicitly so the project chooses its compartment,
visibility and immutability (a first push would create a private one in the root compartment)."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_oci import artifacts

from . import naming
from ._args import Problems, check_args

CONTAINER_REPOSITORY = "oci:Artifacts/containerRepository:ContainerRepository"
# Before 0.2.0 the repository was the child of the image component of the same name (one of
# these types); aliases keep those repositories, so upgrading replaces nothing.
FORMER_PARENT_TYPES = ("ocir:index:RepositoryImage", "ocir:index:PromotedImage")


class RepositoryArgs(TypedDict):
    compartment_ocid: pulumi.Input[str]
    """Compartment the repository is created in (the tenancy OCID for the root compartment)."""
    repository_name: str
    """Full repository name, unique in the tenancy; OcirProject names it `<prefix>-<image name>`."""
    registry_server: pulumi.Input[str]
    """Registry host, e.g. fra.ocir.io."""
    namespace: pulumi.Input[str]
    """Tenancy Object Storage namespace (the image path's first segment)."""
    public: NotRequired[bool]
    """Let anyone pull without logging in; default false (private)."""
    immutable: NotRequired[bool]
    """Refuse to overwrite or delete a pushed tag; default false."""
    freeform_tags: NotRequired[dict[str, pulumi.Input[str]]]
    """Free-form tags for the repository; default none."""
    protect: NotRequired[bool]
    """Protect the repository and keep it in OCI when it leaves the stack (retain on delete), so a destroy
    or a rename cannot delete pushed images; default false."""


def check_repository_args(args: RepositoryArgs, problems: Problems, path: str = "") -> None:
    problems.check(f"{path}repository_name", args["repository_name"], naming.check_repository_name)
    compartment = args["compartment_ocid"]
    if isinstance(compartment, str):
        problems.check(f"{path}compartment_ocid", compartment, naming.check_ocid, "compartment", "tenancy")


def _former_urns(name: str, parent: pulumi.Resource | None) -> list[pulumi.Input[str]]:
    """The URNs this repository had as the child of an image component called ``name``."""
    return [
        pulumi.create_urn(
            f"{name}-repository", CONTAINER_REPOSITORY, parent=pulumi.create_urn(name, type_, parent=parent)
        )
        for type_ in FORMER_PARENT_TYPES
    ]


class Repository(pulumi.ComponentResource):
    """An `oci.artifacts.ContainerRepository` with the visibility, immutability and protection asked for;
    images push into it through `repositoryUrl`."""

    repository_id: pulumi.Output[str]
    """OCID of the repository."""
    repository_name: pulumi.Output[str]
    """Name of the repository."""
    repository_url: pulumi.Output[str]
    """`<registry>/<namespace>/<repository>`, the image path without a tag; an image given it waits for
    the repository."""

    def __init__(self, name: str, args: RepositoryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_args("RepositoryArgs", check_repository_args, args)
        super().__init__("ocir:index:Repository", name, None, opts)

        protect = bool(args.get("protect"))
        repository = artifacts.ContainerRepository(
            f"{name}-repository",
            compartment_id=args["compartment_ocid"],
            display_name=args["repository_name"],
            is_public=bool(args.get("public")),
            is_immutable=bool(args.get("immutable")),
            freeform_tags=dict(args.get("freeform_tags") or {}) or None,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=protect,
                retain_on_delete=protect,
                aliases=_former_urns(name, opts.parent if opts else None),
            ),
        )
        repository_name = args["repository_name"]
        self.repository_id = repository.id
        self.repository_name = pulumi.Output.from_input(repository_name)
        # Built from known values (so previews show the full image name) and the repository's URN, which is
        # known at once and makes every image given this URL depend on the repository.
        self.repository_url = pulumi.Output.all(args["registry_server"], args["namespace"], repository.urn).apply(
            lambda parts: f"{parts[0]}/{parts[1]}/{repository_name}"
        )
        self.register_outputs(
            {
                "repositoryId": self.repository_id,
                "repositoryName": self.repository_name,
                "repositoryUrl": self.repository_url,
            }
        )
