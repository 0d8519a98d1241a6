"""Repository: one OCIR repository, created explicitly so the project chooses its compartment,
visibility and immutability (a first push would create a private one in the root compartment).

Its arguments and their rules are in repository_args.py (no provider SDK), importable from here as before.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_oci import artifacts

from ._args import argument_name, check_args
from .repository_args import RepositoryArgs as RepositoryArgs
from .repository_args import check_repository_args as check_repository_args

CONTAINER_REPOSITORY = "oci:Artifacts/containerRepository:ContainerRepository"
# Before 0.2.0 the repository was the child of the image component of the same name (one of
# these types); aliases keep those repositories, so upgrading replaces nothing.
FORMER_PARENT_TYPES = ("ocir:index:RepositoryImage", "ocir:index:PromotedImage")


@dataclass(frozen=True)
class ExistingRepository:
    """A repository as `oci.artifacts.get_container_repository` reads it."""

    id: str
    display_name: str
    compartment_id: str
    is_public: bool
    is_immutable: bool
    state: str = "AVAILABLE"
    freeform_tags: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, result: Any) -> "ExistingRepository":
        return cls(
            id=result.id or "",
            display_name=result.display_name or "",
            compartment_id=result.compartment_id or "",
            is_public=bool(result.is_public),
            is_immutable=bool(result.is_immutable),
            state=result.state or "",
            freeform_tags=dict(result.freeform_tags or {}),
        )


def check_adoption(
    existing: ExistingRepository, *, name: str, compartment: str, public: bool, immutable: bool
) -> ExistingRepository:
    """The existing repository when it is the one declared, else ValueError naming every difference."""
    differences = [
        f"{what} is {actual!r} (declared {declared!r})"
        for what, actual, declared in (
            ("the name", existing.display_name, name),
            ("the compartment", existing.compartment_id, compartment),
            ("public", existing.is_public, public),
            ("immutable", existing.is_immutable, immutable),
        )
        if actual != declared
    ]
    if existing.state != "AVAILABLE":
        differences.append(f"its state is {existing.state!r} (an adopted repository must be AVAILABLE)")
    if differences:
        raise ValueError(
            f"repository {existing.id} is not the one declared: {'; '.join(differences)}. Adopting it would "
            "change or fail it; declare its settings (or fix the OCID)"
        )
    return existing


def existing_repository(ocid: str) -> ExistingRepository:
    """The repository ``ocid`` read with `oci.artifacts.get_container_repository` (runs on preview too)."""
    return ExistingRepository.of(artifacts.get_container_repository(repository_id=ocid))


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
        public, immutable = bool(args.get("public")), bool(args.get("immutable"))
        compartment: pulumi.Input[str] = args["compartment_ocid"]
        tags: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = dict(args.get("freeform_tags") or {}) or None
        import_ocid = args.get("import_ocid") or None
        if import_ocid:
            # Adopting: the repository is read first and checked against the declaration, and the resource
            # takes its compartment (and tags) from the checked read, so a mismatch stops the run naming the
            # argument before the engine's import could fail or change it. Its own tags are declared so that
            # the import matches whatever tags a first push or an earlier stack left.
            label = argument_name("RepositoryArgs.import_ocid")
            repository_name = args["repository_name"]
            found = artifacts.get_container_repository_output(
                repository_id=import_ocid, opts=pulumi.InvokeOutputOptions(parent=self)
            )

            def adopt(parts: list[Any]) -> ExistingRepository:
                try:
                    return check_adoption(
                        ExistingRepository.of(parts[0]),
                        name=repository_name,
                        compartment=str(parts[1]),
                        public=public,
                        immutable=immutable,
                    )
                except ValueError as error:
                    # Raised while outputs resolve: RunError is reported as one line, no traceback.
                    raise pulumi.RunError(f"{label}: {error}") from None

            adopted = pulumi.Output.all(found, compartment).apply(adopt)
            compartment = adopted.apply(lambda existing: existing.compartment_id)
            tags = adopted.apply(lambda existing: dict(existing.freeform_tags))
        repository = artifacts.ContainerRepository(
            f"{name}-repository",
            compartment_id=compartment,
            display_name=args["repository_name"],
            is_public=public,
            is_immutable=immutable,
            freeform_tags=tags,
            opts=pulumi.ResourceOptions(
                parent=self,
                protect=protect,
                retain_on_delete=protect,
                aliases=_former_urns(name, opts.parent if opts else None),
                import_=import_ocid,
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
