"""PromotedImage: an image another stack built and tested, copied by digest into this stack's registry.

A stack promoted from another one (``ocir:promoteFrom``, e.g. prod from dev) does not build: for
each image it declares its repository exactly as RepositoryImage does, then

    RemoteImage  pull  <source repository>@sha256:<digest>   (the source stack's repoDigest output)
    Tag          tag   it as <registry>/<namespace>/<prefix>-<name>:<tag> on the docker host
    RegistryImage push that tag, logged in with this stack's own auth token

The pull authenticates with the source stack's own ``loginUsername``/``authToken`` outputs through a
docker provider the program creates (never a component: see __main__.py), so this stack's IAM
policy needs no grant on the source stack's prefix; the push authenticates with this stack's token
through the RegistryImage's own ``auth_config`` (the token is created inside the project, after any
provider the program could pass in). The image config, and so the image ID, is the source's byte
for byte; a single-platform image (the only kind docker.Image builds) is pushed with the same
manifest, so the registry reports the source's digest. ``sourceRepoDigest`` in the stack's images
output records what was promoted either way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_docker as docker

from .config import ConfigError
from .image import RepositoryImage, RepositoryImageArgs, check_image_args, declare_repository, pushed_reference

KEY = "ocir:promoteFrom"
# `<registry>/<path>@sha256:<64 hex>`: a reference that can only ever mean one image.
_DIGEST_REFERENCE = re.compile(r"^[a-z0-9.-]+(?::[0-9]+)?/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$")


def source_reference(images: Any, image_name: str, stack: str) -> str:
    """The source stack's ``repoDigest`` for ``image_name``, or ConfigError naming ocir:promoteFrom."""
    if not isinstance(images, Mapping):
        raise ConfigError([(KEY, f"stack {stack} has no images output to promote from (got {images!r})")])
    entry = images.get(image_name)
    if not isinstance(entry, Mapping):
        known = ", ".join(sorted(str(name) for name in images)) or "none"
        raise ConfigError(
            [
                (
                    KEY,
                    f"stack {stack} has no image {image_name!r} in its images output (it has: {known}); "
                    f"deploy the image to {stack} first, or remove it from this stack's ocir:images",
                )
            ]
        )
    reference = entry.get("repoDigest")
    if not isinstance(reference, str) or not _DIGEST_REFERENCE.match(reference):
        raise ConfigError(
            [(KEY, f"stack {stack}'s image {image_name!r} has no pushed digest (repoDigest {reference!r})")]
        )
    return reference


@dataclass
class Promotion:
    """Where a promoted stack's images come from: the source stack's outputs, read by the program."""

    stack: str
    """Fully qualified source stack, as ``ocir:promoteFrom`` names it."""
    images: pulumi.Input[Any]
    """The source stack's ``images`` output (a StackReference output)."""
    pull_provider: pulumi.ProviderResource | None = None
    """Docker provider logged in to the source registry with the source stack's credentials."""

    def source(self, image_name: str) -> PromotionSource:
        """One image's source: its checked ``<repository>@sha256:…`` (fails naming ocir:promoteFrom)."""
        stack = self.stack
        reference = pulumi.Output.from_input(self.images).apply(
            lambda images: source_reference(images, image_name, stack)
        )
        return PromotionSource(stack, reference, self.pull_provider)


@dataclass
class PromotionSource:
    """What one PromotedImage copies, and the provider that may pull it."""

    stack: str
    """The source stack, for the repository's `promoted-from` free-form tag."""
    reference: pulumi.Input[str]
    """`<source repository>@sha256:<digest>`: a digest reference, never a tag."""
    pull_provider: pulumi.ProviderResource | None = None
    """Docker provider logged in to the source registry; None uses the default provider."""


def promotion_stack_label(source: PromotionSource) -> str:
    """The source stack as a free-form tag value (OCI tag values: at most 256 characters)."""
    return source.stack[:256]


def image_component(promotion: Promotion | None, image_name: str) -> Any:
    """How OcirProject declares one image: built (RepositoryImage) or promoted (PromotedImage)."""
    if promotion is None:
        return RepositoryImage
    source = promotion.source(image_name)

    def promoted(name: str, args: RepositoryImageArgs, opts: pulumi.ResourceOptions | None = None) -> PromotedImage:
        return PromotedImage(name, args, source, opts=opts)

    return promoted


class PromotedImage(pulumi.ComponentResource):
    """An `oci.artifacts.ContainerRepository` and a source stack's image copied into it by digest."""

    repository_id: pulumi.Output[str]
    """OCID of the repository."""
    repository_name: str
    """Name of the repository."""
    image_name: pulumi.Output[str]
    """Pushed reference, `<region>.ocir.io/<namespace>/<repository>:<tag>`."""
    repo_digest: pulumi.Output[str]
    """`<repository>@sha256:...` of the pushed image, as the registry reports it."""
    source_repo_digest: pulumi.Output[str]
    """The source stack's `<repository>@sha256:...` that was promoted."""

    def __init__(
        self,
        name: str,
        args: RepositoryImageArgs,
        source: PromotionSource,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        check_image_args(args)
        # Same name as a built image's component, and an alias to its type: switching a stack from
        # building to promoting keeps its repository (same URN once aliased) instead of replacing it.
        alias = pulumi.Alias(type_="ocir:index:RepositoryImage")
        super().__init__(
            "ocir:index:PromotedImage",
            name,
            None,
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(aliases=[alias])),
        )

        reference = pulumi.Output.from_input(source.reference)
        # The tag waits for the checked source reference: if the source stack lacks the image, the
        # check fails and this repository is never declared (rather than created empty).
        stack_tag = reference.apply(lambda _: promotion_stack_label(source))
        repository = declare_repository(name, args, self, {"promoted-from": stack_tag})

        pulled = docker.RemoteImage(
            f"{name}-pull",
            name=reference,
            platform=args.platform,
            keep_locally=True,
            opts=pulumi.ResourceOptions(parent=self, provider=source.pull_provider),
        )
        image_name = pushed_reference(args)
        tagged = docker.Tag(
            f"{name}-tag",
            source_image=pulled.name,
            target_image=image_name,
            # A new source digest re-tags (and, through the trigger below, re-pushes).
            tag_triggers=[reference],
            opts=pulumi.ResourceOptions(parent=self),
        )
        pushed = docker.RegistryImage(
            f"{name}-push",
            name=tagged.target_image,
            auth_config=docker.RegistryImageAuthConfigArgs(
                address=args.registry_server,
                username=args.username,
                password=pulumi.Output.secret(args.password),
            ),
            # Like docker.Image, a destroy leaves pushed tags in the registry (immutable ones cannot go).
            keep_remotely=True,
            triggers={"sourceRepoDigest": reference},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[repository, *args.push_after]),
        )

        self.repository_id = repository.id
        self.repository_name = args.repository_name
        self.image_name = pushed.name
        self.repo_digest = pulumi.Output.all(image_name, pushed.sha256_digest).apply(
            lambda parts: f"{parts[0].rsplit(':', 1)[0]}@{parts[1]}"
        )
        self.source_repo_digest = reference
        self.register_outputs(
            {
                "repositoryId": self.repository_id,
                "repositoryName": self.repository_name,
                "imageName": self.image_name,
                "repoDigest": self.repo_digest,
                "sourceRepoDigest": self.source_repo_digest,
            }
        )
