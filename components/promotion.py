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

A multi-platform source (`platforms`) is an image index: pulling it through the docker host would keep
one platform only. Each platform's image is copied the same way instead, by the digest the source
reports for it (`source_platform_digests`): pulled with the docker provider's login, tagged
`<tag>-<os>-<arch>` (the tag a built multi-platform image gives each platform) and pushed with
`registry`; then pulumi-docker-build's `Index` pushes `<tag>` as an index over the pushed images, all in
the target repository. The source is read only through the docker provider's login, never with
`registry`: pulumi-docker-build keeps one login per registry host (its provider's, then the resource's
own, the later winning; provider/internal/cli.go), so an Index over the source's own index, on a host
the source shares with the target, would read the source with the target's login, which the target's
IAM policy does not let read the source's repositories.
"""

import functools
from typing import Any

import pulumi
import pulumi_docker as docker

from . import naming
from ._args import check_args, checked, label
from .credentials_args import RegistryAuthArgs
from .image import digest_of, image_index, platform_digests, platform_tagged, repo_digest_of, slug, tagged

# The arguments and their rules, without the provider SDKs (importable from here as before).
from .promotion_args import PromotedImageArgs as PromotedImageArgs
from .promotion_args import check_promotion as check_promotion

ARGS = "PromotedImageArgs"


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
    platform_digests: pulumi.Output[dict[str, str] | None]
    """For a multi-platform source, per platform the `sha256:...` the registry reported for its pushed copy;
    none otherwise."""
    pushed: dict[str, pulumi.Output[str]]
    """Every manifest this component pushes, by the name of the resource that pushes it: its `sha256:...` (the
    copy; or each platform's copy and the index). What signing signs (components/signing.py)."""

    def __init__(self, name: str, args: PromotedImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_args("PromotedImageArgs", check_promotion, args)
        super().__init__("ocir:index:PromotedImage", name, None, opts)

        # What another resource gives (a source stack's digest) or a caller passes as a secret is checked when it
        # resolves, the error naming the argument (raised while outputs resolve: logged without a traceback).
        reference = checked(args["source_reference"], ARGS, "source_reference", naming.check_digest_reference)
        tag = checked(args["tag"], ARGS, "tag", naming.check_tag)
        self.source_repo_digest = reference
        if args.get("platforms"):
            self._copy_platforms(name, args, reference, tag, opts)
            return
        self.index_digest = pulumi.Output.from_input(None)
        self.platform_digests = pulumi.Output.from_input(None)
        # The docker provider comes from the parent chain (`providers`): logged in to the source registry.
        image_name = tagged(args["repository_url"], tag)
        pushed = _copy(name, reference, image_name, args.get("platform"), args["registry"], self, opts)
        self.image_name = pushed.name
        self.repo_digest = pulumi.Output.all(image_name, pushed.sha256_digest).apply(
            lambda parts: f"{parts[0].rsplit(':', 1)[0]}@{parts[1]}"
        )
        self.pushed = {f"{name}-push": pushed.sha256_digest}
        self.register_outputs(
            {"imageName": self.image_name, "repoDigest": self.repo_digest, "sourceRepoDigest": self.source_repo_digest}
        )

    def _copy_platforms(
        self,
        name: str,
        args: PromotedImageArgs,
        reference: pulumi.Output[str],
        tag: pulumi.Output[str],
        opts: pulumi.ResourceOptions | None,
    ) -> None:
        """Each platform's image copied by digest, then `<tag>` pushed as an index over the copies."""
        digests = pulumi.Output.from_input(args.get("source_platform_digests") or {})
        copies: dict[str, docker.RegistryImage] = {}
        for platform in args.get("platforms") or []:
            source = pulumi.Output.all(reference, digests).apply(
                functools.partial(_platform_reference, platform=platform)
            )
            copies[platform] = _copy(
                f"{name}-{slug(platform)}",
                source,
                tagged(args["repository_url"], platform_tagged(tag, platform)),
                platform,
                args["registry"],
                self,
                opts,
            )
        # Every source of the index is in the target repository, on the target's host: the index reads and
        # pushes with `registry` alone. It waits for the copies (its sources) and so for the caller's dependsOn.
        pushed = {
            platform: pulumi.Output.all(copy.name, copy.sha256_digest).apply(
                lambda parts: f"{parts[0].rsplit(':', 1)[0]}@{parts[1]}"
            )
            for platform, copy in copies.items()
        }
        index = image_index(
            f"{name}-index",
            tagged(args["repository_url"], tag),
            list(pushed.values()),
            args["registry"],
            pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None),
        )
        self.image_name = index.tag
        self.repo_digest = index.ref.apply(repo_digest_of)
        self.index_digest = index.ref.apply(digest_of)
        self.platform_digests = pulumi.Output.all(**pushed).apply(platform_digests)
        self.pushed = {
            **{f"{name}-{slug(platform)}-push": copy.sha256_digest for platform, copy in copies.items()},
            f"{name}-index": self.index_digest,  # type: ignore[dict-item]
        }
        self.register_outputs(
            {
                "imageName": self.image_name,
                "repoDigest": self.repo_digest,
                "sourceRepoDigest": self.source_repo_digest,
                "indexDigest": self.index_digest,
                "platformDigests": self.platform_digests,
            }
        )


def _platform_reference(parts: list[Any], platform: str) -> str:
    """`<source repository>@<platform digest>` for one platform of a multi-platform source."""
    reference, digests = parts
    digest = digests.get(platform) if isinstance(digests, dict) else None
    try:
        naming.check_digest(digest if isinstance(digest, str) else "")
    except ValueError:
        known = ", ".join(sorted(digests)) if isinstance(digests, dict) and digests else "none"
        raise pulumi.RunError(
            f"{label(ARGS, 'source_platform_digests')}: has no digest for {platform} (it has: {known})"
        ) from None
    return f"{str(reference).partition('@')[0]}@{digest}"


def _copy(
    name: str,
    reference: pulumi.Input[str],
    image_name: pulumi.Input[str],
    platform: str | None,
    registry: RegistryAuthArgs,
    parent: pulumi.Resource,
    opts: pulumi.ResourceOptions | None,
) -> docker.RegistryImage:
    """Pull ``reference`` through the docker provider (the source's login), tag it ``image_name`` and push it
    with ``registry``; the push waits for the caller's dependsOn."""
    pulled = docker.RemoteImage(
        f"{name}-pull",
        name=reference,
        platform=platform,
        keep_locally=True,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    tag = docker.Tag(
        f"{name}-tag",
        source_image=pulled.name,
        target_image=image_name,
        # A new source digest re-tags (and, through the trigger below, re-pushes).
        tag_triggers=[reference],
        opts=pulumi.ResourceOptions(parent=parent),
    )
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
        opts=pulumi.ResourceOptions(parent=parent, depends_on=opts.depends_on if opts else None),
    )
    return pushed
