"""OcirProject: everything one project needs on OCIR, composed from the other components."""

from typing import Any, NotRequired, TypedDict, cast

import pulumi
from pulumi_oci import objectstorage

from . import naming
from ._args import ArgumentError, Problems, checks_skipped, named_as, trusted
from .access_policy import RepositoryAccessPolicy, RepositoryAccessPolicyArgs, check_access_policy_args
from .credentials import RegistryAuthArgs, RegistryCredentials, check_credentials_args, check_engine
from .image import Image, ImageArgs, check_build
from .limits import check_tag_value, check_tags
from .promotion import PromotedImage, PromotedImageArgs, check_promotion
from .regions import RegionError, resolve_region
from .registry_login import DEFAULT_TIMEOUT_SECONDS, RegistryLoginCheck, RegistryLoginCheckArgs, check_timeout_seconds
from .repository import Repository, RepositoryArgs
from .scanning import ImageScanning
from .tokens import check_rotation, token_description

MAX_IMAGES = 500
"""OCI's limit of repositories per region."""
DEFAULT_CONTEXT = "app"


class ProjectImageArgs(TypedDict):
    """One image of the project: its repository `<prefix>-<name>` and how to build (or promote) it."""

    name: str
    """Image name; the repository is `<prefix>-<name>`."""
    tag: str
    """Image tag to push."""
    context: NotRequired[str]
    """Build context, relative to the program's directory; default `app`."""
    dockerfile: NotRequired[str]
    """Dockerfile path relative to the program's directory; default `<context>/Dockerfile`."""
    build_args: NotRequired[dict[str, str]]
    """Docker build arguments; default none."""
    target: NotRequired[str]
    """Dockerfile stage to build; default the last stage."""
    platform: NotRequired[str]
    """Platform to build for (or pull, when promoted), e.g. linux/arm64; default the docker host's."""
    platforms: NotRequired[list[str]]
    """Platforms to build for, e.g. [linux/amd64, linux/arm64]: `<tag>` is pushed as an image index (manifest list)
    over one image per platform, each also tagged `<tag>-<os>-<arch>`; when promoted, each platform's image is
    copied by digest (`source_platform_digests`) and the index pushed over the copies. Not with `platform`.
    Default: one platform."""
    public: NotRequired[bool]
    """Let anyone pull without logging in; default false (private)."""
    immutable: NotRequired[bool]
    """Refuse to overwrite or delete a pushed tag; default false."""
    source_reference: NotRequired[pulumi.Input[str]]
    """Copy this image by digest (`<registry>/<repository>@sha256:<digest>`, e.g. another stack's `repoDigest`)
    instead of building; the docker provider in `providers` must be able to pull it. Default: build."""
    source_platform_digests: NotRequired[pulumi.Input[dict[str, str]]]
    """With `source_reference` and `platforms`: per platform, the `sha256:...` of the source's image (e.g. another
    stack's `platformDigests`). Required then; default none."""
    promoted_from: NotRequired[str]
    """Where the promoted image comes from (e.g. the source stack), recorded in the repository's
    `promoted-from` free-form tag (at most 256 characters); default none."""
    repository_ocid: NotRequired[str]
    """OCID (`ocid1.containerrepo.…`) of the existing repository `<prefix>-<name>` to adopt (import) instead of
    creating it, e.g. one retained on delete or created by a first push; its compartment, visibility and
    immutability must be the declared ones. Default: create the repository."""


class ProjectImageOutputs(TypedDict):
    """What a project pushed for one image. Keys are the stack output's, which promoted stacks read."""

    imageName: pulumi.Output[str]
    """Pushed reference, `<region>.ocir.io/<namespace>/<prefix>-<name>:<tag>`."""
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


class OcirProjectArgs(TypedDict):
    prefix: str
    """Project prefix; repositories are `<prefix>-<image name>` and the group may manage only those."""
    group_name: str
    """IAM group that manages the project's repositories."""
    tenancy_ocid: str
    """Tenancy OCID; the policy lives in its root compartment."""
    region: str
    """Registry region key or identifier (fra, eu-frankfurt-1); the registry is `<region>.ocir.io`."""
    user_ocid: pulumi.Input[str]
    """Push user; one auth token is created for it."""
    images: NotRequired[list[ProjectImageArgs]]
    """Images to build (or promote) and push, each into its own repository; default none."""
    identity_domain: NotRequired[str]
    """Identity domain of the group; default the default domain."""
    allow_list_repositories: NotRequired[bool]
    """Also let the group list every repository name; default false."""
    compartment_ocid: NotRequired[str]
    """Compartment for the repositories; default the tenancy (root compartment)."""
    tenancy_namespace: NotRequired[str]
    """Object Storage namespace; default looks it up."""
    user_name: NotRequired[str]
    """Push user's login name; default looks it up."""
    user_domain: NotRequired[str]
    """Login domain segment for federated or identity-domain users; default none."""
    freeform_tags: NotRequired[dict[str, str]]
    """Free-form tags for the policy and the repositories (keys 1-100 characters without periods or spaces,
    values at most 256); default none."""
    token_rotation: NotRequired[str]
    """Auth-token rotation label; changing it rotates the token (create before delete; needs Pulumi CLI 3.208.0
    or later); default none."""
    protect: NotRequired[bool]
    """Protect the policy and the repositories and retain the repositories on delete (production);
    default false."""
    login_timeout_seconds: NotRequired[int]
    """How long `pulumi up` waits for the registry to accept a new auth token before the first push;
    default 120."""
    vulnerability_scanning: NotRequired[bool]
    """Scan the project's repositories with OCI's Vulnerability Scanning service (a recipe, a target naming
    exactly the repositories, and a policy letting the service read them in their compartment); nothing
    is declared without images. Default false: turning it on grants the service access, so it is asked for."""


def _check_image(args: OcirProjectArgs, index: int, image: ProjectImageArgs, problems: Problems) -> None:
    path = f"images[{index}]."
    problems.check(f"{path}name", image["name"], naming.check_image_name)
    source = image.get("source_reference")
    if source is not None:
        promotion: PromotedImageArgs = {
            "repository_url": "",
            "tag": image["tag"],
            "registry": _NO_LOGIN,
            "source_reference": source,
        }
        if image.get("platform"):
            promotion["platform"] = image.get("platform") or ""
        if "platforms" in image:
            promotion["platforms"] = image["platforms"]
        if "source_platform_digests" in image:
            promotion["source_platform_digests"] = image["source_platform_digests"]
        check_promotion(promotion, problems, path)
    else:
        build = {"repository_url": "", "tag": image["tag"], "registry": _NO_LOGIN, **_build_fields(image)}
        check_build(cast(ImageArgs, build), problems, path)
    if "promoted_from" in image:
        problems.check(f"{path}promoted_from", image["promoted_from"], check_tag_value)
    if "repository_ocid" in image:
        problems.check(f"{path}repository_ocid", image["repository_ocid"], naming.check_ocid, "containerrepo")
    repository = problems.check(f"{path}name", args["prefix"], naming.repository_name, image["name"])
    namespace, region = args.get("tenancy_namespace"), _region(args)
    if repository and namespace and region:
        problems.check(
            f"{path}name", naming.registry_server(region), naming.image_reference, namespace, repository, image["tag"]
        )


def check_project_args(args: OcirProjectArgs) -> None:
    """Every rule on an OcirProject's arguments, or ArgumentError listing each broken one by its path
    (`prefix`, `images[0].tag`, ...). OcirProject runs it before it registers anything."""
    problems = Problems("OcirProjectArgs")
    access: RepositoryAccessPolicyArgs = {
        "tenancy_ocid": args["tenancy_ocid"],
        "prefix": args["prefix"],
        "group_name": args["group_name"],
        "identity_domain": args.get("identity_domain") or "",
    }
    check_access_policy_args(access, problems)
    check_tags(args.get("freeform_tags") or {}, problems, "freeform_tags")
    problems.check("region", args["region"], resolve_region)
    check_credentials_args(
        {
            "user_ocid": args["user_ocid"],
            "registry_server": "",
            "namespace": "",
            "user_name": args.get("user_name") or "",
            "user_domain": args.get("user_domain") or "",
        },
        problems,
    )
    if args.get("token_rotation"):
        problems.check("token_rotation", args.get("token_rotation"), check_rotation)
    if "login_timeout_seconds" in args:
        problems.check("login_timeout_seconds", args["login_timeout_seconds"], check_timeout_seconds)
    if args.get("compartment_ocid"):
        problems.check("compartment_ocid", args.get("compartment_ocid"), naming.check_ocid, "compartment", "tenancy")
    if args.get("tenancy_namespace"):
        problems.check("tenancy_namespace", args.get("tenancy_namespace"), naming.check_namespace)
    images = args.get("images") or []
    if len(images) > MAX_IMAGES:
        problems.add("images", f"lists {len(images)} images; OCI allows {MAX_IMAGES} repositories per region")
    seen: dict[str, int] = {}
    for index, image in enumerate(images):
        _check_image(args, index, image, problems)
        if image["name"] in seen:
            problems.add(
                f"images[{index}].name",
                f"{image['name']!r} is the name of an earlier image too; image names must be unique",
            )
        seen.setdefault(image["name"], index)
    problems.raise_any()


_NO_LOGIN: RegistryAuthArgs = {"server": "", "username": "", "password": ""}
_PROMOTION_FIELDS = ("platform", "platforms", "source_platform_digests")
_BUILD_FIELDS = ("context", "dockerfile", "build_args", "target", "platform", "platforms")


def _build_fields(image: ProjectImageArgs) -> dict[str, Any]:
    return {field: image[field] for field in _BUILD_FIELDS if image.get(field) is not None}  # type: ignore[literal-required]


def _region(args: OcirProjectArgs) -> str | None:
    try:
        return resolve_region(args["region"])[0]
    except RegionError:
        return None


class OcirProject(pulumi.ComponentResource):
    """Everything one project needs on OCIR: the IAM policy scoping its group to `<prefix>-*`, an auth token
    for its push user, and per image a repository and the image built (or promoted) and pushed into it."""

    registry_server: pulumi.Output[str]
    """Registry host, `<region>.ocir.io`."""
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

    def __init__(self, name: str, args: OcirProjectArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        if not checks_skipped():
            check_project_args(args)
        # Not an argument rule: whether the engine running this can rotate (checked whoever declares us).
        check_engine("OcirProjectArgs", "token_rotation", args.get("token_rotation") or None)
        super().__init__("ocir:index:OcirProject", name, None, opts)
        # Every argument was checked above, as OcirProject's own: the children do not check again.
        with trusted():
            self._declare(name, args)

    def _declare(self, name: str, args: OcirProjectArgs) -> None:
        prefix = args["prefix"]
        region = _region(args)
        if region is None:  # only when a caller skipped the checks
            raise ArgumentError("OcirProjectArgs", [("region", f"is not an OCI region: {args['region']!r}")])
        server = naming.registry_server(region)
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
                "freeform_tags": tags,
                "protect": protect,
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
            },
            child,
        )
        login: RegistryAuthArgs = {
            "server": server,
            "username": credentials.username,
            "password": credentials.password,
        }

        images = args.get("images") or []
        push_after: list[pulumi.Resource] = [access]
        if images:
            # A new auth token can take a minute to work: the pushes wait until the registry
            # accepts it (again after every rotation) instead of failing with 401.
            push_after.append(
                RegistryLoginCheck(
                    f"{name}-login-check",
                    RegistryLoginCheckArgs(
                        registry=login,
                        token_id=credentials.auth_token_id,
                        timeout_seconds=args.get("login_timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
                    ),
                    child,
                )
            )

        outputs: dict[str, dict[str, Any]] = {}
        repositories: list[pulumi.Resource] = []
        for index, image in enumerate(images):
            image_name = f"{name}-{image['name']}"
            source = image.get("source_reference")
            repository_tags: dict[str, pulumi.Input[str]] = dict(tags)
            if source is not None and image.get("promoted_from"):
                # The tag (checked: at most 256 characters) waits for the source reference: if the source
                # lacks the image, this repository is never declared (rather than created empty).
                label = image.get("promoted_from") or ""
                repository_tags["promoted-from"] = pulumi.Output.all(source, label).apply(lambda parts: str(parts[1]))
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
            # A push user who is a member of the group gets its rights from the policy, and the token must
            # be accepted by the registry: the push waits for both.
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
                build = {"context": DEFAULT_CONTEXT, **_build_fields(image)}
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
            }
        )
