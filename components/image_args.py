"""Image's arguments and their rules (tags, targets, platforms, build arguments), without the provider SDKs
(see project_args.py); PromotedImage shares the platform rules."""

import re
from typing import NotRequired, TypedDict

import pulumi

from . import naming
from ._args import Problems
from .credentials_args import RegistryAuthArgs

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
