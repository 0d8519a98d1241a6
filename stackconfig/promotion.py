"""promoteFrom: the source stack's pushed digests, read from its `images` output.

The check runs while the StackReference's outputs resolve, after the program has run: it raises
RunError naming the key, whose message the language host logs as an error without a traceback
(docs/engine-rules.md).
"""

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import pulumi

from components import naming
from components.project_args import OcirProjectArgs

from .keys import full
from .settings import Settings


def source_reference(images: Any, image_name: str, stack: str, platforms: Sequence[str] = (), *, namespace: str) -> str:
    """The source stack's ``repoDigest`` for ``image_name``, or RunError naming ``<namespace>:promoteFrom``.

    ``platforms``: this stack's image lists them, so the source must be an image index with each of them
    (its ``platformDigests``); a multi-platform source must be promoted with its platforms listed, since a
    single-platform promotion would copy one platform only.
    """
    key, images_key = full(namespace, "promoteFrom"), full(namespace, "images")
    if not isinstance(images, Mapping):
        raise pulumi.RunError(f"{key}: stack {stack} has no images output to promote from (got {images!r})")
    entry = images.get(image_name)
    if not isinstance(entry, Mapping):
        known = ", ".join(sorted(str(name) for name in images)) or "none"
        raise pulumi.RunError(
            f"{key}: stack {stack} has no image {image_name!r} in its images output (it has: {known}); "
            f"deploy the image to {stack} first, or remove it from this stack's {images_key}"
        )
    reference = entry.get("repoDigest")
    try:
        checked = naming.check_digest_reference(reference if isinstance(reference, str) else "")
    except ValueError:
        raise pulumi.RunError(
            f"{key}: stack {stack}'s image {image_name!r} has no pushed digest (repoDigest {reference!r})"
        ) from None
    source_platforms = entry.get("platformDigests")
    if isinstance(source_platforms, Mapping) and source_platforms and not platforms:
        raise pulumi.RunError(
            f"{key}: stack {stack}'s image {image_name!r} is a multi-platform image index "
            f"({', '.join(sorted(map(str, source_platforms)))}): list its platforms in this stack's "
            f"{images_key} entry (platforms) so that the whole index is copied, not one platform"
        )
    missing = [platform for platform in platforms if platform not in (source_platforms or {})]
    if missing:
        has = ", ".join(sorted(map(str, source_platforms))) if isinstance(source_platforms, Mapping) else "one platform"
        raise pulumi.RunError(
            f"{key}: stack {stack}'s image {image_name!r} has no {', '.join(missing)} image (it has: {has}); "
            "promote the platforms the source built"
        )
    return checked


def source_platform_digests(images: Any, image_name: str, stack: str, *, namespace: str) -> dict[str, str]:
    """The source stack's ``platformDigests`` for a multi-platform ``image_name`` (checked by source_reference
    first), each a ``sha256:...`` digest, or RunError naming ``<namespace>:promoteFrom``."""
    key = full(namespace, "promoteFrom")
    entry = images.get(image_name) if isinstance(images, Mapping) else None
    digests = entry.get("platformDigests") if isinstance(entry, Mapping) else None
    if not isinstance(digests, Mapping):
        raise pulumi.RunError(f"{key}: stack {stack}'s image {image_name!r} reports no platformDigests")
    checked: dict[str, str] = {}
    for platform, digest in digests.items():
        try:
            checked[str(platform)] = naming.check_digest(digest if isinstance(digest, str) else "")
        except ValueError:
            raise pulumi.RunError(
                f"{key}: stack {stack}'s image {image_name!r} has no pushed digest for {platform} ({digest!r})"
            ) from None
    return checked


def source_references(
    images: pulumi.Input[Any],
    names: list[str],
    stack: str,
    platforms: Mapping[str, Sequence[str]] | None = None,
    *,
    namespace: str,
) -> dict[str, pulumi.Output[str]]:
    """Per image name, its checked source reference (an Output that fails naming the key); ``platforms``, per
    image name, the platforms this stack promotes for a multi-platform image."""
    source = pulumi.Output.from_input(images)
    return {
        name: source.apply(
            functools.partial(
                source_reference,
                image_name=name,
                stack=stack,
                platforms=tuple((platforms or {}).get(name, ())),
                namespace=namespace,
            )
        )
        for name in names
    }


def promotion_options(settings: Settings, args: OcirProjectArgs) -> pulumi.ResourceOptions | None:
    """For promoteFrom: each image's source digests in ``args``, and the docker provider that pulls them.

    The source stack's outputs are read with a StackReference and its images pulled with its own login through
    a docker provider, so this stack's policy needs no grant on the source's repositories (docs/rollout.md). A
    multi-platform image is copied one platform at a time the same way (components/promotion.py), then joined
    into an index in this stack's repository with this stack's login only.
    """
    if not settings.promote_from:
        return None
    if settings.promote_from.split("/")[1:] == [pulumi.get_project(), pulumi.get_stack()]:
        raise pulumi.RunError(
            f"{settings.key('promoteFrom')}: {settings.promote_from} is this stack; name the source stack"
        )
    import pulumi_docker as docker

    source = pulumi.StackReference(f"{settings.prefix}-promote-from", stack_name=settings.promote_from)
    server = source.require_output("registryServer")
    username = source.require_output("loginUsername")
    password: pulumi.Output[str] = pulumi.Output.secret(source.require_output("authToken"))
    pull_registry = docker.Provider(
        f"{settings.prefix}-pull-registry",
        registry_auth=[docker.ProviderRegistryAuthArgs(address=server, username=username, password=password)],
    )
    images = args.get("images") or []
    source_images = source.require_output("images")
    references = source_references(
        source_images,
        [image["name"] for image in images],
        settings.promote_from,
        {image["name"]: image.get("platforms") or [] for image in images},
        namespace=settings.namespace,
    )
    for image in images:
        image["source_reference"] = references[image["name"]]
        image["promoted_from"] = settings.promote_from
        if image.get("platforms"):
            # After the reference's checks (it names a missing image or platform first).
            image["source_platform_digests"] = pulumi.Output.all(references[image["name"]], source_images).apply(
                functools.partial(
                    _platform_digests,
                    image_name=image["name"],
                    stack=settings.promote_from,
                    namespace=settings.namespace,
                )
            )
    return pulumi.ResourceOptions(providers={"docker": pull_registry})


def _platform_digests(parts: list[Any], image_name: str, stack: str, namespace: str) -> dict[str, str]:
    return source_platform_digests(parts[1], image_name, stack, namespace=namespace)
