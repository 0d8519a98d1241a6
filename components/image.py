"""RepositoryImage: one OCIR repository and the docker image built and pushed into it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_docker as docker
from pulumi_oci import artifacts

from . import naming
from ._args import checked


@dataclass
class RepositoryImageArgs:
    compartment_ocid: pulumi.Input[str]
    """Compartment the repository is created in."""
    repository_name: str
    """Full repository name, `<prefix>-<image name>`."""
    tag: str
    """Image tag to push."""
    registry_server: pulumi.Input[str]
    """Registry host, e.g. fra.ocir.io."""
    namespace: pulumi.Input[str]
    """Tenancy Object Storage namespace (the image path's first segment)."""
    username: pulumi.Input[str]
    """Docker login user."""
    password: pulumi.Input[str]
    """Docker login password (the auth token); always passed on as a secret."""
    context: str = "app"
    """Build context, relative to the project directory; default `app`."""
    dockerfile: str | None = None
    """Dockerfile path relative to the project directory; default `<context>/Dockerfile`."""
    build_args: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Docker build arguments; default none."""
    target: str | None = None
    """Dockerfile stage to build; default the last stage."""
    platform: str | None = None
    """Platform to build for, e.g. linux/arm64; default the docker host's."""
    public: bool = False
    """Let anyone pull without logging in; default False (private)."""
    immutable: bool = False
    """Refuse to overwrite or delete a pushed tag; default False."""
    freeform_tags: Mapping[str, str] = field(default_factory=dict)
    """Free-form tags for the repository; default none."""
    protect: bool = False
    """Protect the repository and keep it in OCI when it leaves the stack (retain on delete), so a
    destroy or a rename cannot delete pushed images; default False."""
    push_after: Sequence[pulumi.Resource] = ()
    """Resources the push waits for besides the repository, e.g. the policy granting push rights."""


def check_image_args(args: RepositoryImageArgs) -> None:
    """Refuse a repository name or tag outside OCI's and Docker's rules, naming the argument."""
    checked("RepositoryImageArgs.repository_name", args.repository_name, naming.check_repository_name)
    checked("RepositoryImageArgs.tag", args.tag, naming.check_tag)


def declare_repository(
    name: str,
    args: RepositoryImageArgs,
    parent: pulumi.Resource,
    freeform_tags: Mapping[str, pulumi.Input[str]] | None = None,
) -> artifacts.ContainerRepository:
    """The repository `<name>-repository` with the visibility, immutability and protection asked for.

    Creating it (instead of letting the first push create it) is what puts it in the project's
    compartment with those settings.
    """
    tags = {**args.freeform_tags, **(freeform_tags or {})}
    return artifacts.ContainerRepository(
        f"{name}-repository",
        compartment_id=args.compartment_ocid,
        display_name=args.repository_name,
        is_public=args.public,
        is_immutable=args.immutable,
        freeform_tags=tags or None,
        opts=pulumi.ResourceOptions(parent=parent, protect=args.protect, retain_on_delete=args.protect),
    )


def pushed_reference(args: RepositoryImageArgs) -> pulumi.Output[str]:
    """`<registry>/<namespace>/<repository>:<tag>`, the reference the image is pushed to."""
    repository_name, tag = args.repository_name, args.tag
    return pulumi.Output.all(args.registry_server, args.namespace).apply(
        lambda parts: naming.image_reference(parts[0], parts[1], repository_name, tag)
    )


class RepositoryImage(pulumi.ComponentResource):
    """An `oci.artifacts.ContainerRepository` and a `docker.Image` pushed to it."""

    repository_id: pulumi.Output[str]
    """OCID of the repository."""
    repository_name: str
    """Name of the repository."""
    image_name: pulumi.Output[str]
    """Pushed reference, `<region>.ocir.io/<namespace>/<repository>:<tag>`."""
    repo_digest: pulumi.Output[str]
    """`<repository>@sha256:...` of the pushed image: pin deployments to it."""

    def __init__(
        self,
        name: str,
        args: RepositoryImageArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        check_image_args(args)
        super().__init__("ocir:index:RepositoryImage", name, None, opts)

        repository = declare_repository(name, args, self)
        image_name = pushed_reference(args)
        image = docker.Image(
            f"{name}-image",
            image_name=image_name,
            build=docker.DockerBuildArgs(
                context=args.context,
                # pulumi-docker resolves a relative dockerfile against the working directory (the
                # project), not the context, so the path is always given in full.
                dockerfile=args.dockerfile or f"{args.context}/Dockerfile",
                args=dict(args.build_args) or None,
                target=args.target,
                platform=args.platform,
            ),
            registry=docker.RegistryArgs(
                server=args.registry_server,
                username=args.username,
                password=pulumi.Output.secret(args.password),
            ),
            # Pull-request previews run without a docker engine: build only on `pulumi up`.
            build_on_preview=False,
            skip_push=False,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[repository, *args.push_after]),
        )

        self.repository_id = repository.id
        self.repository_name = args.repository_name
        self.image_name = image.image_name
        self.repo_digest = image.repo_digest
        self.register_outputs(
            {
                "repositoryId": self.repository_id,
                "repositoryName": self.repository_name,
                "imageName": self.image_name,
                "repoDigest": self.repo_digest,
            }
        )
