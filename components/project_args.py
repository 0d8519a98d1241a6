"""OcirProject's arguments and every rule on them, without the provider SDKs.

The rules of the components OcirProject composes live beside their argument types in the other
``*_args`` modules, none of which imports pulumi_oci, pulumi_docker or pulumi_docker_build: the
program's config parser (stackconfig) runs ``check_project_args``, and the policy pack, which the
Pulumi CLI runs in a virtualenv holding only policy/requirements.txt (pulumi, pulumi-policy), parses
the stack's config with that parser. The component classes import their rules from here.
"""

from typing import Any, NotRequired, TypedDict, cast

import pulumi

from . import naming
from ._args import Problems, owned_by
from .access_policy_args import PullerArgs, RepositoryAccessPolicyArgs, check_access_policy_args
from .credentials_args import RegistryAuthArgs, check_credentials_args
from .image_args import ImageArgs, check_build
from .limits import check_tag_value, check_tags
from .promotion_args import PromotedImageArgs, check_promotion
from .regions import RegionError, check_registry_host, realm_problem, registry_host, resolve_region
from .registry_login import check_timeout_seconds  # pulumi alone (a dynamic resource), no provider SDK
from .signing_args import SigningArgs, check_signing
from .tokens import check_rotation

MAX_IMAGES = 500
"""OCI's limit of repositories per region."""
DEFAULT_CONTEXT = "app"


class ProjectImageArgs(TypedDict):
    """One image of the project: its repository `<prefix>-<name>` and how to build (or promote) it."""

    name: str
    """Image name; the repository is `<prefix>-<name>`."""
    tag: pulumi.Input[str]
    """Image tag to push (checked when it resolves if it is not known when declared)."""
    context: NotRequired[str]
    """Build context, relative to the program's directory; default `app`."""
    dockerfile: NotRequired[str]
    """Dockerfile path relative to the program's directory; default `<context>/Dockerfile`."""
    build_args: NotRequired[dict[str, pulumi.Input[str]]]
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
    promoted_from: NotRequired[pulumi.Input[str]]
    """Where the promoted image comes from (e.g. the source stack), recorded in the repository's
    `promoted-from` free-form tag (at most 256 characters); default none."""
    repository_ocid: NotRequired[str]
    """OCID (`ocid1.containerrepo.…`) of the existing repository `<prefix>-<name>` to adopt (import) instead of
    creating it, e.g. one retained on delete or created by a first push; its compartment, visibility and
    immutability must be the declared ones. Default: create the repository."""


class OcirProjectArgs(TypedDict):
    prefix: str
    """Project prefix; repositories are `<prefix>-<image name>` and the group may manage only those."""
    group_name: str
    """IAM group that manages the project's repositories."""
    tenancy_ocid: pulumi.Input[str]
    """Tenancy OCID; the policy lives in its root compartment."""
    region: str
    """Region key or identifier of any OCI realm (fra, eu-frankfurt-1, us-langley-1); the registry is
    `<region>.ocir.io` in the commercial realm (oc1) and `ocir.<region identifier>.oci.<realm domain>` elsewhere,
    unless `registry_host` chooses."""
    user_ocid: pulumi.Input[str]
    """Push user; one auth token is created for it."""
    images: NotRequired[list[ProjectImageArgs]]
    """Images to build (or promote) and push, each into its own repository; default none."""
    identity_domain: NotRequired[str]
    """Identity domain of the group; default the default domain."""
    allow_list_repositories: NotRequired[bool]
    """Also let the group list every repository name; default false."""
    pullers: NotRequired[list[PullerArgs]]
    """Groups (`group`) and dynamic groups (`dynamic_group`, e.g. an OKE cluster's nodes) that may only pull the
    project's images: `read repos` on `<prefix>-*` where the repositories are. Default none."""
    compartment_ocid: NotRequired[pulumi.Input[str]]
    """Compartment for the repositories; default the tenancy (root compartment)."""
    registry_host: NotRequired[str]
    """Registry host, one the region is served at: in the commercial realm `<region key>.ocir.io`,
    `<region identifier>.ocir.io` or `ocir.<region identifier>.oci.oraclecloud.com`; elsewhere only
    `ocir.<region identifier>.oci.<realm domain>`. Default `<region>.ocir.io` in the commercial realm and the
    `ocir.` host elsewhere. Every push, login and image reference uses it."""
    tenancy_namespace: NotRequired[pulumi.Input[str]]
    """Object Storage namespace; default looks it up."""
    user_name: NotRequired[pulumi.Input[str]]
    """Push user's login name; default looks it up."""
    user_domain: NotRequired[str]
    """Login domain segment for federated or identity-domain users; default none."""
    freeform_tags: NotRequired[dict[str, pulumi.Input[str]]]
    """Free-form tags for the policy and the repositories (keys 1-100 characters without periods or spaces,
    values at most 256); default none."""
    token_rotation: NotRequired[str]
    """Auth-token rotation label; setting, changing or removing it rotates the token (create before delete; needs
    Pulumi CLI 3.208.0 or later); default none."""
    pull_user_ocid: NotRequired[pulumi.Input[str]]
    """A pull-only user (not the push user): the project creates an auth token for it and exports `pullSecret`, the
    `kubernetes.io/dockerconfigjson` document of its login. It can pull only as a member of a group in `pullers`,
    which the project cannot check. Default none (no pull token)."""
    pull_user_name: NotRequired[pulumi.Input[str]]
    """The pull user's login name; default looks it up with oci.identity.getUser."""
    pull_user_domain: NotRequired[str]
    """Login domain segment of the pull user (oracleidentitycloudservice, or an identity domain); default none."""
    pull_token_rotation: NotRequired[str]
    """Rotation label of the pull user's auth token, like `token_rotation` (each token rotates on its own label);
    default none."""
    protect: NotRequired[bool]
    """Protect the policy and the repositories and retain the repositories on delete (production);
    default false."""
    login_timeout_seconds: NotRequired[int]
    """How long `pulumi up` waits for the registry to accept a new auth token before the first push (0: no wait);
    default 120."""
    signing: NotRequired[SigningArgs]
    """Sign every image the project pushes (built or promoted; a multi-platform image's index and each platform's
    image) with this OCI Vault key, as OCIR stores signatures, by the pushed digest; the group may use the key and
    each of `clusters` may use it and read the repositories to verify. Default: no signing."""
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
        build = {"repository_url": "", "tag": image["tag"], "registry": _NO_LOGIN, **build_fields(image)}
        check_build(cast(ImageArgs, build), problems, path)
    if isinstance(image.get("promoted_from"), str):
        problems.check(f"{path}promoted_from", image.get("promoted_from"), check_tag_value)
    if "repository_ocid" in image:
        problems.check(f"{path}repository_ocid", image["repository_ocid"], naming.check_ocid, "containerrepo")
    repository = problems.check(f"{path}name", args["prefix"], naming.repository_name, image["name"])
    namespace, server, tag = args.get("tenancy_namespace"), server_of(args), image["tag"]
    # Known values only: one another resource gives is checked when it resolves.
    if repository and isinstance(namespace, str) and namespace and server and isinstance(tag, str):
        problems.check(f"{path}name", server, naming.image_reference, namespace, repository, tag)


def check_project_args(args: OcirProjectArgs) -> None:
    """Every rule on an OcirProject's arguments, or ArgumentError listing each broken one by its path
    (`prefix`, `images[0].tag`, ...). OcirProject runs it before it registers anything."""
    problems = Problems("OcirProjectArgs")
    access: RepositoryAccessPolicyArgs = {
        "tenancy_ocid": args["tenancy_ocid"],
        "prefix": args["prefix"],
        "group_name": args["group_name"],
        "identity_domain": args.get("identity_domain") or "",
        "allow_list_repositories": bool(args.get("allow_list_repositories")),
        "pullers": args.get("pullers") or [],
        "compartment_ocid": args.get("compartment_ocid") or "",
    }
    signing = args.get("signing")
    if signing is not None:
        before = len(problems.items)
        check_signing(signing, args["region"], args["tenancy_ocid"], problems)
        if len(problems.items) == before:
            access["signing"] = signing
    check_access_policy_args(access, problems)
    check_tags(args.get("freeform_tags") or {}, problems, "freeform_tags")
    region = problems.check("region", args["region"], resolve_region)
    if region and args.get("registry_host"):
        problems.check("registry_host", args.get("registry_host"), check_registry_host, args["region"])
    server = server_of(args) if region else None
    tenancy = args["tenancy_ocid"]
    if server and isinstance(tenancy, str) and (mismatch := realm_problem(tenancy, args["region"], server)):
        problems.add(*mismatch)
    with owned_by("OcirProjectArgs"):  # its messages name OcirProject's arguments
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
    _check_pull_user(args, problems)
    if "login_timeout_seconds" in args:
        problems.check("login_timeout_seconds", args["login_timeout_seconds"], check_timeout_seconds)
    # compartment_ocid is checked with the access policy's arguments (the pullers' statements say where it is).
    namespace = args.get("tenancy_namespace")
    if isinstance(namespace, str) and namespace:
        problems.check("tenancy_namespace", namespace, naming.check_namespace)
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


def _check_pull_user(args: OcirProjectArgs, problems: Problems) -> None:
    pull_user = args.get("pull_user_ocid")
    if not pull_user:
        for field in ("pull_user_name", "pull_user_domain", "pull_token_rotation"):
            if args.get(field):
                problems.add(field, "is set, but there is no pull user (pullUserOcid) to create a token for")
        return
    with owned_by("OcirProjectArgs", "pull_"):  # its messages name the pull user's arguments
        check_credentials_args(
            {
                "user_ocid": pull_user,
                "registry_server": "",
                "namespace": "",
                "user_name": args.get("pull_user_name") or "",
                "user_domain": args.get("pull_user_domain") or "",
            },
            problems,
            "pull_",
        )
    if args.get("pull_token_rotation"):
        problems.check("pull_token_rotation", args.get("pull_token_rotation"), check_rotation)
    if isinstance(pull_user, str) and pull_user == args["user_ocid"]:
        problems.add(
            "pull_user_ocid",
            f"is the push user ({pull_user}): a pull secret must not be able to push or delete, so give the pull "
            "token to another user, one in a group of pullers",
        )
    pullers = args.get("pullers") or []
    if not any(isinstance(puller, dict) and puller.get("group") for puller in pullers):
        problems.add(
            "pull_user_ocid",
            "needs a group among the pullers ({group: <the pull user's group>}): the pull user can read "
            "the repositories only as a member of a group that may; the stack cannot check which groups the user "
            "is in, so list the one it is a member of",
        )


_NO_LOGIN: RegistryAuthArgs = {"server": "", "username": "", "password": ""}
_BUILD_FIELDS = ("context", "dockerfile", "build_args", "target", "platform", "platforms")


def build_fields(image: ProjectImageArgs) -> dict[str, Any]:
    """The image's build arguments that are set, as Image takes them."""
    return {field: image[field] for field in _BUILD_FIELDS if image.get(field) is not None}  # type: ignore[literal-required]


def region_key(args: OcirProjectArgs) -> str | None:
    """The region as written, lower-cased (`fra`), for the args' region; None when it is not an OCI region."""
    try:
        return resolve_region(args["region"])[0]
    except RegionError:
        return None


def server_of(args: OcirProjectArgs) -> str | None:
    """The registry host the args make: ``registry_host`` when it is one of the region's, else the region's
    default; None when the region or the chosen host is not valid."""
    try:
        return registry_host(args["region"], args.get("registry_host") or None)
    except ValueError:  # RegionError included
        return None
