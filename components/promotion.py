"""PromotedImage: an image another stack built and tested, copied by digest into a repository.

    RemoteImage   pull  <source repository>@sha256:<digest>
    Tag           tag   it as <repositoryUrl>:<tag> on the docker host
    RegistryImage push  that tag, logged in with `registry`

The pull authenticates through the component's docker provider (pass one logged in to the source
registry in `providers`), so the pushing stack's IAM policy needs no grant on the source's
repositories. The image config, and so the image ID, is the source's byte for byte; a
single-platform image (the only kind docker.Image builds) is pushed with the same manifest, so the
registry is expected to report the source's digest. `repoDigest` is whatever the registry answered
and `sourceRepoDigest` what was promoted, so a consumer can compare them.

A multi-platform source (`platforms`) is an image index: pulling it through the docker host would
keep one platform only. It is copied whole instead, with pulumi-docker-build's `Index` over the
source index alone (`docker buildx imagetools create`), which pushes an index listing every
platform's manifest by its source digest; the manifests and their blobs are copied, not rebuilt.
The source is read through the component's docker-build provider (`providers`), as the pull of
a single-platform image is through its docker provider.
"""

import pulumi
import pulumi_docker as docker

from . import naming
from ._args import check_args
from .image import digest_of, image_index, repo_digest_of, tagged

# The arguments and their rules, without the provider SDKs (importable from here as before).
from .promotion_args import PromotedImageArgs as PromotedImageArgs
from .promotion_args import check_promotion as check_promotion


def _checked_reference(reference: str) -> str:
    try:
        return naming.check_digest_reference(reference)
    except ValueError as error:
        # Raised while outputs resolve: RunError is what the engine reports as one line, no traceback.
        raise pulumi.RunError(f"PromotedImageArgs.source_reference: {error}") from None


class PromotedImage(pulumi.ComponentResource):
    """An image copied by digest from another registry or stack and pushed to `<repositoryUrl>:<tag>`,
    without a build. The push waits for everything this component depends on (its `dependsOn`)."""

    image_name: pulumi.Output[str]
    """Pushed reference, `<region>.ocir.io/<namespace>/<repository>:<tag>`."""
    repo_digest: pulumi.Output[str]
    """`<repository>@sha256:...` of the pushed image, as the registry reports it."""
    source_repo_digest: pulumi.Output[str]
    """The source's `<repository>@sha256:...` that was promoted."""
    index_digest: pulumi.Output[str | None]
    """`sha256:...` of the pushed image index, as the registry reports it, for a multi-platform source; none
    otherwise."""

    def __init__(self, name: str, args: PromotedImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_args("PromotedImageArgs", check_promotion, args)
        super().__init__("ocir:index:PromotedImage", name, None, opts)

        reference = pulumi.Output.from_input(args["source_reference"]).apply(_checked_reference)
        self.source_repo_digest = reference
        if args.get("platforms"):
            # Waits for the repository (through repositoryUrl) and for the caller's dependsOn, as the push below.
            index = image_index(
                f"{name}-index",
                tagged(args["repository_url"], args["tag"]),
                [reference],
                args["registry"],
                pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None),
            )
            self.image_name = index.tag
            self.repo_digest = index.ref.apply(repo_digest_of)
            self.index_digest = index.ref.apply(digest_of)
            self.register_outputs(
                {
                    "imageName": self.image_name,
                    "repoDigest": self.repo_digest,
                    "sourceRepoDigest": self.source_repo_digest,
                    "indexDigest": self.index_digest,
                }
            )
            return
        self.index_digest = pulumi.Output.from_input(None)
        # The docker provider comes from the parent chain (`providers`): logged in to the source registry.
        pulled = docker.RemoteImage(
            f"{name}-pull",
            name=reference,
            platform=args.get("platform"),
            keep_locally=True,
            opts=pulumi.ResourceOptions(parent=self),
        )
        image_name = tagged(args["repository_url"], args["tag"])
        tag = docker.Tag(
            f"{name}-tag",
            source_image=pulled.name,
            target_image=image_name,
            # A new source digest re-tags (and, through the trigger below, re-pushes).
            tag_triggers=[reference],
            opts=pulumi.ResourceOptions(parent=self),
        )
        registry = args["registry"]
        pushed = docker.RegistryImage(
            f"{name}-push",
            name=tag.target_image,
            auth_config=docker.RegistryImageAuthConfigArgs(
                address=registry["server"],
                username=registry["username"],
                password=pulumi.Output.secret(registry["password"]),
            ),
            # Like docker.Image, a destroy leaves pushed tags in the registry (immutable ones cannot go).
            keep_remotely=True,
            triggers={"sourceRepoDigest": reference},
            opts=pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None),
        )

        self.image_name = pushed.name
        self.repo_digest = pulumi.Output.all(image_name, pushed.sha256_digest).apply(
            lambda parts: f"{parts[0].rsplit(':', 1)[0]}@{parts[1]}"
        )
        self.register_outputs(
            {"imageName": self.image_name, "repoDigest": self.repo_digest, "sourceRepoDigest": self.source_repo_digest}
        )
