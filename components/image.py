"""Image: a docker image built from a context and pushed into a repository it is given.

One platform (or the docker host's): one `docker.Image`, as before multi-platform images existed.
Several platforms (`platforms`): one `docker.Image` per platform, each pushed to its own tag
`<tag>-<os>-<arch>[-<variant>]`, and a pulumi-docker-build `Index` that pushes `<tag>` as an image
index (manifest list) over those images by digest. Building each platform with the resource that
builds single-platform images keeps one build path (and the classic engine it runs on: no buildx,
no containerd image store), reports each platform's digest, and lets a platform build move to a
native builder later; the price is one extra tag per platform in the repository.
"""

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_docker as docker
import pulumi_docker_build as docker_build

from ._args import check_args, checked
from .credentials_args import RegistryAuthArgs

# The arguments and their rules, without the provider SDKs (importable from here as before).
from .image_args import BUILD_ARG as BUILD_ARG
from .image_args import PLATFORM as PLATFORM
from .image_args import TARGET as TARGET
from .image_args import ImageArgs as ImageArgs
from .image_args import check_build as check_build
from .image_args import check_build_arg_name as check_build_arg_name
from .image_args import check_platform as check_platform
from .image_args import check_platform_list as check_platform_list
from .image_args import check_platforms as check_platforms
from .image_args import check_pushed_tag
from .image_args import check_target as check_target
from .image_args import platform_tag as platform_tag
from .image_args import slug as slug


def registry_args(registry: RegistryAuthArgs) -> docker.RegistryArgs:
    return docker.RegistryArgs(
        server=registry["server"], username=registry["username"], password=pulumi.Output.secret(registry["password"])
    )


def index_registry_args(registry: RegistryAuthArgs) -> docker_build.RegistryArgs:
    return docker_build.RegistryArgs(
        address=registry["server"], username=registry["username"], password=pulumi.Output.secret(registry["password"])
    )


def tagged(repository_url: pulumi.Input[str], tag: pulumi.Input[str]) -> pulumi.Output[str]:
    """`<repository url>:<tag>`, the reference an image is pushed to."""
    return pulumi.Output.all(repository_url, tag).apply(lambda parts: f"{parts[0]}:{parts[1]}")


def platform_tagged(tag: pulumi.Input[str], platform: str) -> pulumi.Output[str]:
    """One platform's `<tag>-<os>-<arch>`, for a tag that may be known only when it resolves."""
    return pulumi.Output.from_input(tag).apply(lambda value: platform_tag(value, platform))


def digest_of(reference: str) -> str:
    """`sha256:...` of `<name>[:<tag>]@sha256:...` (an Index's `ref`, a docker.Image's `repoDigest`)."""
    _, at, digest = reference.partition("@")
    if not at or not digest.startswith("sha256:"):
        raise pulumi.RunError(f"the registry did not report a digest for {reference!r}")
    return digest


def repo_digest_of(reference: str) -> str:
    """`<repository>@sha256:...` of a pushed `<repository>:<tag>@sha256:...` (a tag without digest is refused)."""
    name, _, _ = reference.partition("@")
    last = name.rsplit("/", 1)[-1]
    repository = name.rsplit(":", 1)[0] if ":" in last else name
    return f"{repository}@{digest_of(reference)}"


def platform_digests(repo_digests: Mapping[str, str]) -> dict[str, str]:
    """Per platform, the `sha256:...` of its image, from each platform's `<repository>@sha256:...`."""
    return {platform: digest_of(reference) for platform, reference in repo_digests.items()}


def image_index(
    name: str,
    tag: pulumi.Input[str],
    sources: Sequence[pulumi.Input[str]],
    registry: RegistryAuthArgs,
    opts: pulumi.ResourceOptions,
) -> docker_build.Index:
    """`docker buildx imagetools create` (pulumi-docker-build's Index): push `tag` as an index over `sources`.

    Retained on delete: the Index's Delete removes its manifest by digest, and with it every tag on it
    (pulumi-docker-build provider/internal/index.go, ManifestDelete(state.Ref)), and a new tag replaces the
    Index. Without retainOnDelete, re-tagging an unchanged build or removing the image from the stack would
    delete what was pushed; docker.Image (whose Delete does nothing) and a promoted RegistryImage
    (keep_remotely) leave pushed tags in the registry, and so does this. The engine reads the flag from the
    state, so it protects an index from the update after the first one that declares it (docs/engine-rules.md).
    """
    return docker_build.Index(
        name,
        tag=tag,
        sources=list(sources),
        push=True,
        registry=index_registry_args(registry),
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(retain_on_delete=True)),
    )


class Image(pulumi.ComponentResource):
    """A `docker.Image` built from a context and pushed to `<repositoryUrl>:<tag>`. The push waits for the
    repository and for everything this component depends on (its `dependsOn`)."""

    image_name: pulumi.Output[str]
    """Pushed reference, `<region>.ocir.io/<namespace>/<repository>:<tag>`."""
    repo_digest: pulumi.Output[str]
    """`<repository>@sha256:...` of the pushed image (of the image index, for several platforms): pin deployments
    to it."""
    index_digest: pulumi.Output[str | None]
    """`sha256:...` of the pushed image index, for several platforms; none for one."""
    platform_digests: pulumi.Output[dict[str, str] | None]
    """Per platform (`linux/arm64`), `sha256:...` of its image in the index; none for one platform."""
    pushed: dict[str, pulumi.Output[str]]
    """Every manifest this component pushes, by the name of the resource that pushes it: its `sha256:...` (one
    image; or each platform's image and the index). What signing signs (components/signing.py)."""

    def __init__(self, name: str, args: ImageArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_args("ImageArgs", check_build, args)
        # Before 0.2.0 this component was RepositoryImage and held the repository too; the alias keeps
        # the docker.Image's URN (the repository moved to Repository, aliased there).
        super().__init__(
            "ocir:index:Image",
            name,
            None,
            pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(aliases=[pulumi.Alias(type_="ocir:index:RepositoryImage")])
            ),
        )
        # A component's dependsOn does not reach its children by itself: every push must wait for what
        # the caller said it depends on (the policy granting push rights, the login check).
        pushing = pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None)
        platforms = list(args.get("platforms") or [])
        # A tag another resource gives (or a caller passes as a secret) is checked when it resolves.
        tag = checked(args["tag"], "ImageArgs", "tag", check_pushed_tag, platforms)
        if not platforms:
            image = self._build(f"{name}-image", args, tag, args.get("platform"), pushing)
            self.image_name = image.image_name
            self.repo_digest = image.repo_digest
            self.index_digest = pulumi.Output.from_input(None)
            self.platform_digests = pulumi.Output.from_input(None)
            self.pushed = {f"{name}-image": image.repo_digest.apply(digest_of)}
            self.register_outputs({"imageName": self.image_name, "repoDigest": self.repo_digest})
            return

        images = {
            platform: self._build(
                f"{name}-image-{slug(platform)}", args, platform_tagged(tag, platform), platform, pushing
            )
            for platform in platforms
        }
        # The index lists each platform's image by the digest its push reported, so it can only ever
        # point at what this update built.
        index = image_index(
            f"{name}-index",
            tagged(args["repository_url"], tag),
            [image.repo_digest for image in images.values()],
            args["registry"],
            pushing,
        )
        self.image_name = index.tag
        self.repo_digest = index.ref.apply(repo_digest_of)
        self.index_digest = index.ref.apply(digest_of)
        self.platform_digests = pulumi.Output.all(
            **{platform: image.repo_digest for platform, image in images.items()}
        ).apply(platform_digests)
        self.pushed = {
            **{
                f"{name}-image-{slug(platform)}": image.repo_digest.apply(digest_of)
                for platform, image in images.items()
            },
            f"{name}-index": self.index_digest,  # type: ignore[dict-item]
        }
        self.register_outputs(
            {
                "imageName": self.image_name,
                "repoDigest": self.repo_digest,
                "indexDigest": self.index_digest,
                "platformDigests": self.platform_digests,
            }
        )

    def _build(
        self, name: str, args: ImageArgs, tag: pulumi.Input[str], platform: str | None, opts: pulumi.ResourceOptions
    ) -> docker.Image:
        context = args.get("context") or "app"
        return docker.Image(
            name,
            image_name=tagged(args["repository_url"], tag),
            build=docker.DockerBuildArgs(
                context=context,
                # pulumi-docker resolves a relative dockerfile against the working directory (the
                # project), not the context, so the path is always given in full.
                dockerfile=args.get("dockerfile") or f"{context}/Dockerfile",
                args=dict(args.get("build_args") or {}) or None,
                target=args.get("target"),
                platform=platform,
            ),
            registry=registry_args(args["registry"]),
            # Pull-request previews run without a docker engine: build only on `pulumi up`.
            build_on_preview=False,
            skip_push=False,
            opts=opts,
        )
