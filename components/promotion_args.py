"""PromotedImage's arguments and their rules, without the provider SDK (see project_args.py)."""

from typing import NotRequired, TypedDict

import pulumi

from . import naming
from ._args import Problems
from .credentials_args import RegistryAuthArgs
from .image_args import check_platform, check_platform_list


class PromotedImageArgs(TypedDict):
    repository_url: pulumi.Input[str]
    """`<registry>/<namespace>/<repository>` to push to: a Repository's `repositoryUrl`."""
    tag: str
    """Image tag to push."""
    registry: RegistryAuthArgs
    """Docker login for the push (RegistryCredentials' server, username and password)."""
    source_reference: pulumi.Input[str]
    """The image to copy, by digest: `<registry>/<repository>@sha256:<digest>` (a source stack's `repoDigest`)."""
    platform: NotRequired[str]
    """Platform to pull, e.g. linux/amd64; default the docker host's."""
    platforms: NotRequired[list[str]]
    """The source is a multi-platform image index with these platforms: copy each platform's image by its digest
    (`source_platform_digests`), tagged `<tag>-<os>-<arch>`, and push `<tag>` as an index over the copies; not
    with `platform`. Default: a single-platform source."""
    source_platform_digests: NotRequired[pulumi.Input[dict[str, str]]]
    """For `platforms`: per platform (`linux/arm64`), the `sha256:...` digest of the source's image for it (a source
    stack's `platformDigests`); each must be in `source_reference`'s repository. Required with `platforms`."""


def check_promotion(args: PromotedImageArgs, problems: Problems, path: str = "") -> None:
    problems.check(f"{path}tag", args["tag"], naming.check_tag)
    if args.get("platform"):
        problems.check(f"{path}platform", args.get("platform"), check_platform)
    if "platforms" in args:
        check_platform_list(
            args.get("platforms"), args.get("platform"), args["tag"], problems, path, platform_tags=False
        )
    if isinstance(args["source_reference"], str):
        problems.check(f"{path}source_reference", args["source_reference"], naming.check_digest_reference)
    if args.get("platforms") and "source_platform_digests" not in args:
        problems.add(
            f"{path}source_platform_digests",
            "is required with platforms: the digest of the source's image for each platform (its platformDigests)",
        )
    digests = args.get("source_platform_digests")
    if isinstance(digests, dict):
        for platform, digest in digests.items():
            problems.check(f"{path}source_platform_digests.{platform}", digest, naming.check_digest)
