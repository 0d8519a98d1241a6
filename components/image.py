"""Image: a docker image built from a context and pushed into a repository it is given."""

import re
from typing import NotRequired, TypedDict

import pulumi
import pulumi_docker as docker

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
    if not PLATFORM.match(platform):
        raise ValueError(f"must be one platform such as linux/amd64 or linux/arm64/v8, got {platform!r}")
    return platform


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


def check_build(args: ImageArgs, problems: Problems, path: str = "") -> None:
    """The rules on what is built and the tag it is pushed as."""
    problems.check(f"{path}tag", args["tag"], naming.check_tag)
    if args.get("target"):
        problems.check(f"{path}target", args.get("target"), check_target)
    if args.get("platform"):
        problems.check(f"{path}platform", args.get("platform"), check_platform)
    for arg in args.get("build_args") or {}:
        problems.check(f"{path}build_args.{arg}", arg, check_build_arg_name)


def registry_args(registry: RegistryAuthArgs) -> docker.RegistryArgs:
    return docker.RegistryArgs(
        server=registry["server"], username=registry["username"], password=pulumi.Output.secret(registry["password"])
    )


def tagged(repository_url: pulumi.Input[str], tag: str) -> pulumi.Output[str]:
    """`<repository url>:<tag>`, the reference an image is pushed to."""
    return pulumi.Output.from_input(repository_url).apply(lambda url: f"{url}:{tag}")


class Image(pulumi.ComponentResource):
    """A `docker.Image` built from a context and pushed to `<repositoryUrl>:<tag>`. The push waits for the
    repository and for everything this component depends on (its `dependsOn`)."""

    image_name: pulumi.Output[str]
    """Pushed reference, `<region>.ocir.io/<namespace>/<repository>:<tag>`."""
    repo_digest: pulumi.Output[str]
    """`<repository>@sha256:...` of the pushed image: pin deployments to it."""

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
        context = args.get("context") or "app"
        image = docker.Image(
            f"{name}-image",
            image_name=tagged(args["repository_url"], args["tag"]),
            build=docker.DockerBuildArgs(
                context=context,
                # pulumi-docker resolves a relative dockerfile against the working directory (the
                # project), not the context, so the path is always given in full.
                dockerfile=args.get("dockerfile") or f"{context}/Dockerfile",
                args=dict(args.get("build_args") or {}) or None,
                target=args.get("target"),
                platform=args.get("platform"),
            ),
            registry=registry_args(args["registry"]),
            # Pull-request previews run without a docker engine: build only on `pulumi up`.
            build_on_preview=False,
            skip_push=False,
            # A component's dependsOn does not reach its children by itself: the push must wait for
            # what the caller said it depends on (the policy granting push rights, the login check).
            opts=pulumi.ResourceOptions(parent=self, depends_on=opts.depends_on if opts else None),
        )
        self.image_name = image.image_name
        self.repo_digest = image.repo_digest
        self.register_outputs({"imageName": self.image_name, "repoDigest": self.repo_digest})
