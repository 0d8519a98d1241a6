"""Image: a docker image built from a context and pushed into a repository it is given.

One platform (or the docker host's): one `docker.Image`, as before multi-platform images existed.
Several platforms (`platforms`): one `docker.Image` per platform, each pushed to its own tag
`<tag>-<os>-<arch>[-<variant>]`, and a pulumi-docker-build `Index` that pushes `<tag>` as an image
index (manifest list) over those images by digest. Building each platform with the resource that
builds single-platform images keeps one build path (and the classic engine it runs on: no buildx,
no containerd image store), reports each platform's digest, and lets a platform build move to a
native builder later; the price is one extra tag per platform in the repository.
"""

import re
from collections.abc import Mapping, Sequence
from typing import NotRequired, TypedDict

import pulumi
import pulumi_docker as docker
import pulumi_docker_build as docker_build

from . import naming
from ._args import Problems, check_args
from .credentials import RegistryAuthArgs

TARGET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
PLATFORM = re.compile(r"^[a-z0-9]+/[a-z0-9_]+(?:/[a-z0-9]+)?$")
BUILD_ARG = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def check_target(target: str) -> str:
    if not TARGET.match(target):
        raise ValueError(f"must be a Dockerfile stage name, got {target!r}")
    return target


def check_platform(platform: str) -> str:
    if not isinstance(platform, str) or not PLATFORM.match(platform):
        raise ValueError(f"must be one platform such as linux/amd64 or linux/arm64/v8, got {platform!r}")
    return platform


def slug(platform: str) -> str:
    """`linux/arm64/v8` -> `linux-arm64-v8`: a platform in a tag or a resource name."""
    return platform.replace("/", "-")


def platform_tag(tag: str, platform: str) -> str:
    """The tag one platform's image of a multi-platform image gets: `1.0`, `linux/arm64` -> `1.0-linux-arm64`."""
    return f"{tag}-{slug(platform)}"


def check_platforms(platforms: object) -> list[str]:
    """Two or more distinct platforms; each entry's own rule is check_platform."""
    if not isinstance(platforms, list) or not all(isinstance(item, str) for item in platforms):
        raise ValueError(f"must be a list of platforms such as [linux/amd64, linux/arm64], got {platforms!r}")
    if len(platforms) < 2:
        raise ValueError(
            f"must list at least two platforms for an image index, got {platforms!r} (one platform: use platform)"
        )
    duplicates = sorted({item for item in platforms if platforms.count(item) > 1})
    if duplicates:
        raise ValueError(f"lists {', '.join(duplicates)} more than once")
    return platforms


def check_build_arg_name(name: str) -> str:
    if not BUILD_ARG.match(name):
        raise ValueError("build argument names are letters, digits and '_', not starting with a digit")
    return name


class ImageArgs(TypedDict):
    repository_url: pulumi.Input[str]
    """`<registry>/<namespace>/<repository>` to push to: a Repository's `repositoryUrl`."""
    tag: str
    """Image tag to push."""
    registry: RegistryAuthArgs
    """Docker login for the push (RegistryCredentials' server, username and password)."""
    context: NotRequired[str]
    """Build context, relative to the program's directory; default `app`."""
    dockerfile: NotRequired[str]
    """Dockerfile path relative to the program's directory; default `<context>/Dockerfile`."""
    build_args: NotRequired[dict[str, pulumi.Input[str]]]
    """Docker build arguments; default none."""
    target: NotRequired[str]
    """Dockerfile stage to build; default the last stage."""
    platform: NotRequired[str]
    """Platform to build for, e.g. linux/arm64; default the docker host's."""
    platforms: NotRequired[list[str]]
    """Platforms to build for, e.g. [linux/amd64, linux/arm64]: `<tag>` is pushed as an image index over one
    image per platform (each also tagged `<tag>-<os>-<arch>`); not with `platform`. Default: one platform."""


def check_platform_list(
    platforms: object, single: object, tag: str, problems: Problems, path: str = "", *, platform_tags: bool = True
) -> None:
    """`platforms`: not with `platform`; two or more distinct entries, each a platform (and, when each platform is
    pushed under its own tag, that tag valid)."""
    if single:
        problems.add(f"{path}platforms", "is set together with platform: give one platform or a list of them, not both")
    if not isinstance(platforms, list):
        problems.check(f"{path}platforms", platforms, check_platforms)
        return
    valid = [
        platform
        for index, platform in enumerate(platforms)
        if problems.check(f"{path}platforms[{index}]", platform, check_platform) is not None
    ]
    if len(valid) == len(platforms):
        problems.check(f"{path}platforms", platforms, check_platforms)
    if platform_tags and naming.TAG.match(tag):  # a bad tag is reported once, as itself
        for platform in valid:
            problems.check(f"{path}tag", platform_tag(tag, platform), _check_platform_tag)


def _check_platform_tag(tag: str) -> str:
    try:
        return naming.check_tag(tag)
    except ValueError:
        raise ValueError(
            f"is too long for a multi-platform image: each platform's image is also tagged <tag>-<os>-<arch>, "
            f"and {tag!r} is not a valid tag (at most 128 characters)"
        ) from None


def check_build(args: ImageArgs, problems: Problems, path: str = "") -> None:
    """The rules on what is built and the tag it is pushed as."""
    problems.check(f"{path}tag", args["tag"], naming.check_tag)
    if args.get("target"):
        problems.check(f"{path}target", args.get("target"), check_target)
    if args.get("platform"):
        problems.check(f"{path}platform", args.get("platform"), check_platform)
    if "platforms" in args:
        check_platform_list(args.get("platforms"), args.get("platform"), args["tag"], problems, path)
    for arg in args.get("build_args") or {}:
        problems.check(f"{path}build_args.{arg}", arg, check_build_arg_name)


def registry_args(registry: RegistryAuthArgs) -> docker.RegistryArgs:
    return docker.RegistryArgs(
        server=registry["server"], username=registry["username"], password=pulumi.Output.secret(registry["password"])
    )


def index_registry_args(registry: RegistryAuthArgs) -> docker_build.RegistryArgs:
    return docker_build.RegistryArgs(
        address=registry["server"], username=registry["username"], password=pulumi.Output.secret(registry["password"])
    )


def tagged(repository_url: pulumi.Input[str], tag: str) -> pulumi.Output[str]:
    """`<repository url>:<tag>`, the reference an image is pushed to."""
    return pulumi.Output.from_input(repository_url).apply(lambda url: f"{url}:{tag}")


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
        if not platforms:
            image = self._build(f"{name}-image", args, args["tag"], args.get("platform"), pushing)
            self.image_name = image.image_name
            self.repo_digest = image.repo_digest
            self.index_digest = pulumi.Output.from_input(None)
            self.platform_digests = pulumi.Output.from_input(None)
            self.register_outputs({"imageName": self.image_name, "repoDigest": self.repo_digest})
            return

        images = {
            platform: self._build(
                f"{name}-image-{slug(platform)}", args, platform_tag(args["tag"], platform), platform, pushing
            )
            for platform in platforms
        }
        # The index lists each platform's image by the digest its push reported, so it can only ever
        # point at what this update built.
        index = image_index(
            f"{name}-index",
            tagged(args["repository_url"], args["tag"]),
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
        self.register_outputs(
            {
                "imageName": self.image_name,
                "repoDigest": self.repo_digest,
                "indexDigest": self.index_digest,
                "platformDigests": self.platform_digests,
            }
        )

    def _build(
        self, name: str, args: ImageArgs, tag: str, platform: str | None, opts: pulumi.ResourceOptions
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
