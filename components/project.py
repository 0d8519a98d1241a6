"""OcirProject: everything one project needs on OCIR, composed from the other components.

Its arguments and their rules are in project_args.py, which imports no provider SDK (the program's
config checks and the policy pack use them); they are importable from here as before.
"""

from typing import Any, NotRequired, TypedDict, cast

import pulumi
from pulumi_oci import objectstorage

from . import naming
from ._args import ArgumentError, checked, checks_skipped, label, named_as, owned_by, trusted
from .access_policy import RepositoryAccessPolicy
from .credentials import RegistryCredentials, check_engine
from .credentials_args import RegistryAuthArgs
from .image import Image
from .image_args import check_pushed_tag
from .limits import check_tag_value
from .project_args import DEFAULT_CONTEXT as DEFAULT_CONTEXT
from .project_args import MAX_IMAGES as MAX_IMAGES
from .project_args import OcirProjectArgs as OcirProjectArgs
from .project_args import ProjectImageArgs as ProjectImageArgs
from .project_args import build_fields, server_of
from .project_args import check_project_args as check_project_args
from .promotion import PromotedImage, PromotedImageArgs
from .registry_login import DEFAULT_TIMEOUT_SECONDS
from .repository import Repository, RepositoryArgs
from .scanning import ImageScanning
from .signing import ImageSignatures
from .tokens import PULL, token_description

_PROMOTION_FIELDS = ("platform", "platforms", "source_platform_digests")


class ProjectImageOutputs(TypedDict):
    """What a project pushed for one image. Keys are the stack output's, which promoted stacks read."""

    imageName: pulumi.Output[str]
    """Pushed reference, `<registry host>/<namespace>/<prefix>-<name>:<tag>`."""
    repoDigest: pulumi.Output[str]
    """`<repository>@sha256:...` of the pushed image: pin deployments to it."""
    repositoryId: pulumi.Output[str]
    """OCID of the repository."""
    sourceRepoDigest: NotRequired[pulumi.Output[str]]
    """For a promoted image, the source's `<repository>@sha256:...`."""
    indexDigest: NotRequired[pulumi.Output[str | None]]
    """For a multi-platform image, `sha256:...` of its image index (`repoDigest`'s digest)."""
    platformDigests: NotRequired[pulumi.Output[dict[str, str] | None]]
    """For a multi-platform image, per platform (`linux/arm64`) the `sha256:...` of its image as pushed (built or
    copied): a stack promoting from this one copies each by it."""
    signatures: NotRequired[pulumi.Output[dict[str, dict[str, str]]]]
    """With `signing`: per pushing resource, the `digest` signed, the image's `imageId`, the `signatureId` and the
    base64 `message` OCIR stores (its JSON names the digest, repository, region and key)."""


def _checked_outputs(args: OcirProjectArgs) -> OcirProjectArgs:
    """``args`` with every value that may be an Output wrapped so that it fails, naming its argument, if it
    resolves to a value its rule refuses (a known value was checked before; it passes through unchanged)."""
    project = "OcirProjectArgs"
    checked_args = cast(OcirProjectArgs, dict(args))
    checked_args["tenancy_ocid"] = checked(args["tenancy_ocid"], project, "tenancy_ocid", naming.check_ocid, "tenancy")
    checked_args["user_ocid"] = checked(args["user_ocid"], project, "user_ocid", naming.check_ocid, "user")
    if args.get("compartment_ocid"):
        checked_args["compartment_ocid"] = checked(
            args.get("compartment_ocid") or "", project, "compartment_ocid", naming.check_ocid, "compartment", "tenancy"
        )
    if args.get("tenancy_namespace"):
        checked_args["tenancy_namespace"] = checked(
            args.get("tenancy_namespace") or "", project, "tenancy_namespace", naming.check_namespace
        )
    if args.get("user_name"):
        checked_args["user_name"] = checked(
            args.get("user_name") or "", project, "user_name", naming.check_user_name, label(project, "user_domain")
        )
    images = []
    for index, image in enumerate(args.get("images") or []):
        path = f"images[{index}]."
        image = cast(ProjectImageArgs, dict(image))
        image["tag"] = checked(image["tag"], project, f"{path}tag", check_pushed_tag, image.get("platforms") or [])
        if image.get("source_reference") is not None:
            image["source_reference"] = checked(
                image["source_reference"], project, f"{path}source_reference", naming.check_digest_reference
            )
        if image.get("promoted_from") is not None:
            image["promoted_from"] = checked(image["promoted_from"], project, f"{path}promoted_from", check_tag_value)
        images.append(image)
    if "images" in args:
        checked_args["images"] = images
    return checked_args


class OcirProject(pulumi.ComponentResource):
    """Everything one project needs on OCIR: the IAM policy scoping its group to `<prefix>-*`, an auth token
    for its push user, and per image a repository and the image built (or promoted) and pushed into it."""

    registry_server: pulumi.Output[str]
    """Registry host: `<region>.ocir.io` in the commercial realm, `ocir.<region identifier>.oci.<realm domain>`
    elsewhere, or the chosen `registry_host`."""
    namespace: pulumi.Output[str]
    """Tenancy Object Storage namespace."""
    login_username: pulumi.Output[str]
    """Docker login user."""
    auth_token: pulumi.Output[str]
    """Docker login password, the auth token (secret)."""
    policy_id: pulumi.Output[str]
    """OCID of the access policy."""
    policy_statements: pulumi.Output[list[str]]
    """The access policy's statements."""
    images: pulumi.Output[dict[str, ProjectImageOutputs]]
    """Per image name: imageName, repoDigest, repositoryId (and sourceRepoDigest when promoted; indexDigest and
    platformDigests for a multi-platform image)."""
    scan_target_id: pulumi.Output[str] | None
    """OCID of the container scan target; absent unless `vulnerabilityScanning` is true and there are images."""
    pull_login_username: pulumi.Output[str] | None
    """The pull user's docker login user; absent without `pullUserOcid`."""
    pull_secret: pulumi.Output[str] | None
    """The pull user's login as a `kubernetes.io/dockerconfigjson` document (secret): `{"auths": {"<registry host>":
    {"username", "password", "auth"}}}`, the `.dockerconfigjson` of a Kubernetes pull secret and the `config.json`
    of `docker --config`; absent without `pullUserOcid`."""

    def __init__(self, name: str, args: OcirProjectArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if not checks_skipped():
            check_project_args(args)
        # Not an argument rule: whether the engine running this can rotate (checked whoever declares us).
        check_engine("OcirProjectArgs", "token_rotation", args.get("token_rotation") or None)
        check_engine("OcirProjectArgs", "pull_token_rotation", args.get("pull_token_rotation") or None)
        super().__init__("ocir:index:OcirProject", name, None, opts)
        # Every argument was checked above, as OcirProject's own: the children do not check again.
        # Values another resource gives (or a caller passes as secrets) are checked when they resolve, named as
        # OcirProject's arguments; its children then trust them like the values checked above.
        args = _checked_outputs(args)
        with trusted(), owned_by("OcirProjectArgs"):
            self._declare(name, args)

    def _declare(self, name: str, args: OcirProjectArgs) -> None:
        prefix = args["prefix"]
        # The chosen host as given once checked (a caller that skipped the checks vouches for it), else the region's.
        server = (args.get("registry_host") or "").lower() or server_of(args)
        if server is None:  # only when a caller skipped the checks
            raise ArgumentError("OcirProjectArgs", [("region", f"is not an OCI region: {args['region']!r}")])
        namespace: pulumi.Input[str] = (
            args.get("tenancy_namespace")
            or objectstorage.get_namespace_output(
                compartment_id=args["tenancy_ocid"], opts=pulumi.InvokeOutputOptions(parent=self)
            ).namespace
        )
        tags = dict(args.get("freeform_tags") or {})
        protect = bool(args.get("protect"))
        child = pulumi.ResourceOptions(parent=self)

        access = RepositoryAccessPolicy(
            f"{name}-access",
            {
                "tenancy_ocid": args["tenancy_ocid"],
                "prefix": prefix,
                "group_name": args["group_name"],
                "identity_domain": args.get("identity_domain") or "",
                "allow_list_repositories": bool(args.get("allow_list_repositories")),
                "pullers": list(args.get("pullers") or []),
                "compartment_ocid": args.get("compartment_ocid") or args["tenancy_ocid"],
                "freeform_tags": tags,
                "protect": protect,
                **({"signing": args["signing"]} if args.get("signing") else {}),  # type: ignore[typeddict-item]
            },
            child,
        )
        credentials = RegistryCredentials(
            f"{name}-credentials",
            {
                "user_ocid": args["user_ocid"],
                "registry_server": server,
                "namespace": namespace,
                "user_name": args.get("user_name") or "",
                "user_domain": args.get("user_domain") or "",
                "description": token_description(prefix, args.get("token_rotation")),
                "rotation": args.get("token_rotation") or "",
                "login_timeout_seconds": args.get("login_timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
            },
            child,
        )
        login: RegistryAuthArgs = {
            "server": server,
            "username": credentials.username,
            "password": credentials.password,
        }
        pull = self._pull_credentials(name, args, server, namespace, child)

        images = args.get("images") or []
        # A push user who is a member of the group gets its rights from the policy. A new auth token can take a
        # minute to work: the password the pushes get resolves only once the registry accepts it (again after
        # every rotation), so they wait for that too instead of failing with 401.
        push_after: list[pulumi.Resource] = [access]

        outputs: dict[str, dict[str, Any]] = {}
        repositories: list[pulumi.Resource] = []
        for index, image in enumerate(images):
            image_name = f"{name}-{image['name']}"
            source = image.get("source_reference")
            repository_tags: dict[str, pulumi.Input[str]] = dict(tags)
            if source is not None and image.get("promoted_from"):
                # The tag (checked: at most 256 characters) waits for the source reference: if the source
                # lacks the image, this repository is never declared (rather than created empty).
                promoted_from = image.get("promoted_from") or ""
                repository_tags["promoted-from"] = pulumi.Output.all(source, promoted_from).apply(
                    lambda parts: str(parts[1])
                )
            repository_args: RepositoryArgs = {
                "compartment_ocid": args.get("compartment_ocid") or args["tenancy_ocid"],
                "repository_name": naming.repository_name(prefix, image["name"]),
                "registry_server": server,
                "namespace": namespace,
                "public": bool(image.get("public")),
                "immutable": bool(image.get("immutable")),
                "freeform_tags": repository_tags,
                "protect": protect,
            }
            if image.get("repository_ocid"):
                repository_args["import_ocid"] = image.get("repository_ocid") or ""
            with named_as(f"OcirProjectArgs.images[{index}].repository_ocid"):
                repository = Repository(image_name, repository_args, child)
            repositories.append(repository)
            pushing = pulumi.ResourceOptions(parent=self, depends_on=push_after)
            pushed: Image | PromotedImage
            if source is not None:
                promotion: PromotedImageArgs = {
                    "repository_url": repository.repository_url,
                    "tag": image["tag"],
                    "registry": login,
                    "source_reference": source,
                }
                for field in _PROMOTION_FIELDS:
                    if image.get(field):
                        promotion[field] = image[field]  # type: ignore[literal-required]
                pushed = PromotedImage(image_name, promotion, pushing)
            else:
                build = {"context": DEFAULT_CONTEXT, **build_fields(image)}
                pushed = Image(
                    image_name,
                    {"repository_url": repository.repository_url, "tag": image["tag"], "registry": login, **build},  # type: ignore[typeddict-item]
                    pushing,
                )
            outputs[image["name"]] = {
                "imageName": pushed.image_name,
                "repoDigest": pushed.repo_digest,
                "repositoryId": repository.repository_id,
            }
            if isinstance(pushed, PromotedImage):
                outputs[image["name"]]["sourceRepoDigest"] = pushed.source_repo_digest
            if image.get("platforms"):
                # Only for multi-platform images: a single-platform image's output stays as it was.
                outputs[image["name"]]["indexDigest"] = pushed.index_digest
                outputs[image["name"]]["platformDigests"] = pushed.platform_digests
            signing = args.get("signing")
            if signing:
                # After the push, by the pushed digests: the signing children wait for the pushes they sign.
                signatures = ImageSignatures(
                    f"{image_name}-signing",
                    {
                        "compartment_ocid": args.get("compartment_ocid") or args["tenancy_ocid"],
                        "repository_name": naming.repository_name(prefix, image["name"]),
                        "region": args["region"],
                        "signing": signing,
                        "pushed": dict(pushed.pushed),
                        "freeform_tags": tags,
                    },
                    child,
                )
                outputs[image["name"]]["signatures"] = signatures.signatures

        scanning = None
        if args.get("vulnerability_scanning") and images:
            # Exactly this project's repositories, by name (an empty list would mean every repository in the
            # compartment), created before the target.
            scanning = ImageScanning(
                f"{name}-scanning",
                {
                    "tenancy_ocid": args["tenancy_ocid"],
                    "compartment_ocid": args.get("compartment_ocid") or args["tenancy_ocid"],
                    "prefix": prefix,
                    "repository_names": [naming.repository_name(prefix, image["name"]) for image in images],
                    "freeform_tags": tags,
                    "protect": protect,
                },
                pulumi.ResourceOptions(parent=self, depends_on=repositories),
            )

        self.registry_server = pulumi.Output.from_input(server)
        self.namespace = pulumi.Output.from_input(namespace)
        self.login_username = credentials.username
        self.auth_token = credentials.password
        self.policy_id = access.policy_id
        self.policy_statements = access.statements
        self.images = pulumi.Output.from_input(outputs)  # type: ignore[arg-type]
        self.scan_target_id = scanning.target_id if scanning is not None else None
        self.pull_login_username = pull.username if pull is not None else None
        self.pull_secret = None
        if pull is not None:
            # Built from the secret token, and wrapped again: the document is the pull user's password.
            self.pull_secret = pulumi.Output.secret(
                pulumi.Output.all(server, pull.username, pull.password).apply(
                    lambda parts: naming.docker_config_json(parts[0], parts[1], parts[2])
                )
            )
        self.register_outputs(
            {
                "registryServer": self.registry_server,
                "namespace": self.namespace,
                "loginUsername": self.login_username,
                "authToken": self.auth_token,
                "policyId": self.policy_id,
                "policyStatements": self.policy_statements,
                "images": self.images,
                "scanTargetId": self.scan_target_id,
                "pullLoginUsername": self.pull_login_username,
                "pullSecret": self.pull_secret,
            }
        )

    def _pull_credentials(
        self,
        name: str,
        args: OcirProjectArgs,
        server: str,
        namespace: pulumi.Input[str],
        child: pulumi.ResourceOptions,
    ) -> RegistryCredentials | None:
        """The pull user's own auth token (its own two-token limit and rotation label) and login, or None."""
        pull_user = args.get("pull_user_ocid")
        if not pull_user:
            return None
        rotation = args.get("pull_token_rotation") or ""
        return RegistryCredentials(
            f"{name}-pull-credentials",
            {
                "user_ocid": pull_user,
                "registry_server": server,
                "namespace": namespace,
                "user_name": args.get("pull_user_name") or "",
                "user_domain": args.get("pull_user_domain") or "",
                "description": token_description(args["prefix"], rotation or None, PULL),
                "rotation": rotation,
            },
            child,
        )
