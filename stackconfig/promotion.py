"""ocir:promoteFrom: the source stack's pushed digests, read from its `images` output.

The check runs while the StackReference's outputs resolve, after the program has run: it raises
RunError, which the Pulumi engine reports as one line (no traceback), naming the key.
"""

import functools
from collections.abc import Mapping
from typing import Any

import pulumi

from components import naming
from components.project import OcirProjectArgs

from .keys import full
from .settings import Settings

KEY = full("promoteFrom")


def source_reference(images: Any, image_name: str, stack: str) -> str:
    """The source stack's ``repoDigest`` for ``image_name``, or RunError naming ocir:promoteFrom."""
    if not isinstance(images, Mapping):
        raise pulumi.RunError(f"{KEY}: stack {stack} has no images output to promote from (got {images!r})")
    entry = images.get(image_name)
    if not isinstance(entry, Mapping):
        known = ", ".join(sorted(str(name) for name in images)) or "none"
        raise pulumi.RunError(
            f"{KEY}: stack {stack} has no image {image_name!r} in its images output (it has: {known}); "
            f"deploy the image to {stack} first, or remove it from this stack's ocir:images"
        )
    reference = entry.get("repoDigest")
    try:
        return naming.check_digest_reference(reference if isinstance(reference, str) else "")
    except ValueError:
        raise pulumi.RunError(
            f"{KEY}: stack {stack}'s image {image_name!r} has no pushed digest (repoDigest {reference!r})"
        ) from None


def source_references(images: pulumi.Input[Any], names: list[str], stack: str) -> dict[str, pulumi.Output[str]]:
    """Per image name, its checked source reference (an Output that fails naming the key)."""
    source = pulumi.Output.from_input(images)
    return {name: source.apply(functools.partial(source_reference, image_name=name, stack=stack)) for name in names}


def promotion_options(settings: Settings, args: OcirProjectArgs) -> pulumi.ResourceOptions | None:
    """For ocir:promoteFrom: each image's source digest in ``args``, and the provider that pulls them.

    The source stack's outputs are read with a StackReference and pulled with its own credentials through
    a docker provider, so this stack's policy needs no grant on the source's repositories (docs/rollout.md).
    """
    if not settings.promote_from:
        return None
    if settings.promote_from.split("/")[1:] == [pulumi.get_project(), pulumi.get_stack()]:
        raise pulumi.RunError(f"{KEY}: {settings.promote_from} is this stack; name the source stack")
    import pulumi_docker as docker

    source = pulumi.StackReference(f"{settings.prefix}-promote-from", stack_name=settings.promote_from)
    pull_registry = docker.Provider(
        f"{settings.prefix}-pull-registry",
        registry_auth=[
            docker.ProviderRegistryAuthArgs(
                address=source.require_output("registryServer"),
                username=source.require_output("loginUsername"),
                password=pulumi.Output.secret(source.require_output("authToken")),
            )
        ],
    )
    images = args.get("images") or []
    references = source_references(
        source.require_output("images"), [image["name"] for image in images], settings.promote_from
    )
    for image in images:
        image["source_reference"] = references[image["name"]]
        image["promoted_from"] = settings.promote_from
    return pulumi.ResourceOptions(providers={"docker": pull_registry})
