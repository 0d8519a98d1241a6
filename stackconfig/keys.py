"""The program's config keys, as Pulumi.yaml declares them, and how component argument paths map back
to them (so an error raised by a component check names the key the user wrote).

Pulumi.yaml declares the keys without a namespace, so the CLI puts them in the project's: a project named
`shop` reads `shop:prefix` (pulumi/pulumi sdk/go/common/workspace/project.go,
`configKeyIsNamespacedByProject`; pkg/workspace/config.go, `parseConfigKey`). The namespace is therefore
the project's name, which the program learns from the engine (`pulumi.get_project()`), never a constant.
"""

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Key:
    """One project config key."""

    name: str
    description: str
    required: bool = False


KEYS: tuple[Key, ...] = (
    Key("prefix", "Project prefix; every repository is named <prefix>-<image name>.", required=True),
    Key("groupName", "IAM group allowed to manage the project's repositories.", required=True),
    Key("identityDomain", "Identity domain of the group; empty for the default domain."),
    Key("allowListRepositories", "Also let the group list every repository name in the tenancy."),
    Key("tenancyOcid", "Tenancy OCID; the policy lives in its root compartment.", required=True),
    Key("compartmentOcid", "Compartment for the repositories; empty for the tenancy."),
    Key(
        "region",
        "Region key or identifier of any OCI realm; the registry is <region>.ocir.io in the commercial realm and "
        "ocir.<region identifier>.oci.<realm domain> elsewhere.",
        required=True,
    ),
    Key("registryHost", "Registry host among those serving the region; empty for the region's default."),
    Key("tenancyNamespace", "Tenancy Object Storage namespace; empty to look it up."),
    Key("userOcid", "Push user; the stack creates one auth token for it.", required=True),
    Key("userName", "Push user's login name; empty to look it up."),
    Key(
        "userDomain",
        "Login domain segment (oracleidentitycloudservice or an identity domain); empty for none.",
    ),
    Key("images", "Images to build and push: name, tag, context, dockerfile, ..."),
    Key(
        "pullers",
        "Groups and dynamic groups that may only pull the project's images: {group: <name>} or "
        "{dynamicGroup: <name>}, names optionally <identity domain>/<name>.",
    ),
    Key(
        "signing",
        "Sign every pushed image with an OCI Vault key: {keyOcid, keyVersionOcid, algorithm?, cryptoEndpoint?, "
        "clusters?}; empty for none.",
    ),
    Key(
        "tokenRotation",
        "Rotation label of the auth token; change it to rotate (new token first, then the old one deleted).",
    ),
    Key(
        "pullUserOcid",
        "Pull-only user (not the push user, a member of a group in pullers); the stack creates an auth token "
        "for it and exports pullSecret. Empty for none.",
    ),
    Key("pullUserName", "Pull user's login name; empty to look it up."),
    Key("pullUserDomain", "Pull user's login domain segment, like userDomain; empty for none."),
    Key("pullTokenRotation", "Rotation label of the pull user's auth token, like tokenRotation."),
    Key(
        "production",
        "Production stack: protect the policy and repositories, retain repositories on delete, "
        "immutable repositories and no `latest` tag.",
    ),
    Key(
        "vulnerabilityScanning",
        "Scan the stack's repositories with OCI's Vulnerability Scanning service: true or false; unset means "
        "true in a production stack and false otherwise.",
    ),
    Key(
        "isolationCheck",
        "Before declaring anything, check the tenancy for policies and repositories of other projects that the "
        "stack's grant would reach: true or false; unset means true. A production stack turns it off only in its "
        "own stack file.",
    ),
    Key(
        "promoteFrom",
        "Fully qualified stack (<organization>/<project>/<stack>) whose pushed images this stack copies by "
        "digest instead of building; empty to build.",
    ),
)
KEYS_BY_NAME = {key.name: key for key in KEYS}
PULLER_FIELDS = ("group", "dynamicGroup")
SIGNING_FIELDS = ("keyOcid", "keyVersionOcid", "algorithm", "cryptoEndpoint", "clusters")
IMAGE_FIELDS = (
    "name",
    "tag",
    "context",
    "dockerfile",
    "buildArgs",
    "target",
    "platform",
    "platforms",
    "public",
    "immutable",
    "repositoryOcid",
)


def full(namespace: str, name: str) -> str:
    """The key the stack file and the CLI use: `<namespace>:<name>`."""
    return f"{namespace}:{name}"


def _camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(word.title() for word in rest)


# OcirProjectArgs fields whose config key is not simply their camelCase name.
_ARG_KEYS = {"token_rotation": "tokenRotation", "protect": "production"}
_LIST_PATH = re.compile(r"^(?P<list>images|pullers)\[(?P<index>\d+)\](?:\.(?P<field>[a-z_]+))?(?P<rest>.*)$")


def key_of(namespace: str, path: str, image_indexes: list[int], puller_indexes: list[int] | None = None) -> str:
    """The config key for an OcirProjectArgs path: `images[1].build_args.X` -> `<namespace>:images[3].buildArgs.X`
    when the second image the args hold is the fourth entry of the images key (and so for `pullers[i]`)."""
    match = _LIST_PATH.match(path)
    if match:
        indexes = image_indexes if match["list"] == "images" else (puller_indexes or [])
        position = int(match["index"])
        index = indexes[position] if position < len(indexes) else position
        field = f".{_camel(match['field'])}" if match["field"] else ""
        return f"{full(namespace, match['list'])}[{index}]{field}{match['rest']}"
    return full(namespace, _ARG_KEYS.get(path, _camel(path)))


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """` (did you mean X?)` for a close match only: a typo, a wrong case, a letter too many or too few.

    Names are compared without the namespace, which every key shares and which would make any short
    key look close to every other.
    """
    bare = {candidate.split(":")[-1].lower(): candidate for candidate in known}
    match = difflib.get_close_matches(name.split(":")[-1].lower(), list(bare), n=1, cutoff=0.8)
    return f" (did you mean {bare[match[0]]}?)" if match else ""
