"""Stack configuration: every ``ocir:`` key read, checked and turned into typed settings.

``parse_settings`` takes the stack's config exactly as the Pulumi CLI hands it to a program
(full keys such as ``ocir:prefix``, every value a string, structured values as JSON) and either
returns ``Settings`` or raises ``ConfigError`` listing every problem, one line per key, each line
starting with the key. It runs before any resource is declared, so a bad stack declares nothing.
"""

from __future__ import annotations

import difflib
import json
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import naming
from .regions import RegionError, resolve_region
from .statements import check_domain_name, check_group_name
from .tokens import check_rotation

NAMESPACE = "ocir"
DEFAULT_CONTEXT = "app"
MAX_IMAGES = 500  # OCI's limit of repositories per region


@dataclass(frozen=True)
class Key:
    """One project config key, as Pulumi.yaml declares it."""

    name: str
    type: str  # "string", "boolean" or "images"
    description: str
    required: bool = False
    default: Any = None


KEYS: tuple[Key, ...] = (
    Key("prefix", "string", "Project prefix; every repository is named <prefix>-<image name>.", required=True),
    Key("groupName", "string", "IAM group allowed to manage the project's repositories.", required=True),
    Key("identityDomain", "string", "Identity domain of the group; empty for the default domain.", default=""),
    Key(
        "allowListRepositories",
        "boolean",
        "Also let the group list every repository name in the tenancy.",
        default=False,
    ),
    Key("tenancyOcid", "string", "Tenancy OCID; the policy lives in its root compartment.", required=True),
    Key("compartmentOcid", "string", "Compartment for the repositories; empty for the tenancy.", default=""),
    Key("region", "string", "Registry region key or identifier; the registry is <region>.ocir.io.", required=True),
    Key(
        "tenancyNamespace",
        "string",
        "Tenancy Object Storage namespace; empty to look it up.",
        default="",
    ),
    Key("userOcid", "string", "Push user; the stack creates one auth token for it.", required=True),
    Key("userName", "string", "Push user's login name; empty to look it up.", default=""),
    Key(
        "userDomain",
        "string",
        "Login domain segment (oracleidentitycloudservice or an identity domain); empty for none.",
        default="",
    ),
    Key("images", "images", "Images to build and push: name, tag, context, dockerfile, ...", default=[]),
    Key(
        "tokenRotation",
        "string",
        "Rotation label of the auth token; change it to rotate (new token first, then the old one deleted).",
        default="",
    ),
    Key(
        "production",
        "boolean",
        "Production stack: protect the policy and repositories, retain repositories on delete, "
        "immutable repositories and no `latest` tag.",
        default=False,
    ),
    Key(
        "promoteFrom",
        "string",
        "Fully qualified stack (<organization>/<project>/<stack>) whose pushed images this stack copies by "
        "digest instead of building; empty to build.",
        default="",
    ),
)
KEYS_BY_NAME = {key.name: key for key in KEYS}

IMAGE_FIELDS = (
    "name",
    "tag",
    "context",
    "dockerfile",
    "buildArgs",
    "target",
    "platform",
    "public",
    "immutable",
)


@dataclass(frozen=True)
class ImageSpec:
    """One image of the project: its repository and how to build it."""

    name: str
    tag: str
    context: str = DEFAULT_CONTEXT
    dockerfile: str | None = None
    """Relative to the project directory; None means `<context>/Dockerfile`."""
    build_args: Mapping[str, str] = field(default_factory=dict)
    target: str | None = None
    platform: str | None = None
    public: bool = False
    immutable: bool = False
    """True in production stacks unless the image says otherwise (which production refuses)."""

    @property
    def dockerfile_path(self) -> str:
        return self.dockerfile or f"{self.context}/Dockerfile"


@dataclass(frozen=True)
class Settings:
    """A validated stack configuration."""

    prefix: str
    group_name: str
    tenancy_ocid: str
    compartment_ocid: str
    region: str
    region_identifier: str
    user_ocid: str
    identity_domain: str | None = None
    allow_list_repositories: bool = False
    tenancy_namespace: str | None = None
    user_name: str | None = None
    user_domain: str | None = None
    images: tuple[ImageSpec, ...] = ()
    production: bool = False
    token_rotation: str | None = None
    promote_from: str | None = None
    """Fully qualified stack whose images are promoted (copied by digest) instead of built; None builds."""

    @property
    def registry_server(self) -> str:
        return naming.registry_server(self.region)


class ConfigError(ValueError):
    """Bad stack configuration: one ``(key, rule)`` pair per problem."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("\n".join(f"{key}: {rule}" for key, rule in problems))

    @property
    def keys(self) -> list[str]:
        return [key for key, _ in self.problems]


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, key: str, rule: str) -> None:
        self.items.append((key, rule))


def _full(name: str) -> str:
    return f"{NAMESPACE}:{name}"


def _string(raw: Mapping[str, Any], name: str, problems: _Problems) -> str | None:
    """The key's string value; None when unset or empty (its default), or when required and missing."""
    value = raw.get(_full(name))
    key = KEYS_BY_NAME[name]
    if value is not None and not isinstance(value, str):
        problems.add(_full(name), f"must be a string, got {type(value).__name__}")
        return None
    if value is None or value == "":
        if key.required:
            problems.add(_full(name), f"is required ({key.description})")
        return None
    return value


def _checked(key: str, value: str | None, check: Any, problems: _Problems, *args: str) -> str | None:
    if value is None:
        return None
    try:
        result: str = check(value, *args)
        return result
    except ValueError as error:
        problems.add(key, str(error))
        return None


def _boolean(value: Any, key: str, problems: _Problems, *, json_value: bool = False) -> bool:
    # The CLI passes a top-level boolean as the string "true" or "false" (as Config.get_bool
    # reads it); inside the JSON of a structured value it stays a JSON boolean.
    if value is None or (value == "" and not json_value):
        return False
    if value is True or (value == "true" and not json_value):
        return True
    if value is False or (value == "false" and not json_value):
        return False
    kind = "a YAML/JSON boolean, true or false (not a string)" if json_value else "true or false"
    problems.add(key, f"must be {kind}, got {value!r}")
    return False


# Pulumi's stack name rules: organization names are letters, digits, '-' and '_'; project and stack
# names add '.'. The name must be fully qualified so that it means the same stack on every backend.
_STACK_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


def check_stack_reference(value: str) -> str:
    if not _STACK_REFERENCE.match(value) or len(value) > 300:
        raise ValueError(
            "must name a stack fully qualified as <organization>/<project>/<stack> (letters, digits, "
            "'-', '_' and '.'; 'organization' for self-managed backends), e.g. acme/ocir/dev; "
            f"got {value!r}"
        )
    return value


def _relative_path(value: Any, key: str, problems: _Problems) -> str | None:
    if not isinstance(value, str) or not value:
        problems.add(key, f"must be a non-empty path string, got {value!r}")
        return None
    if value.startswith("/") or "\\" in value or ":" in value:
        problems.add(
            key,
            "must be a relative POSIX path inside the project directory (an absolute path "
            f"differs between machines and would show a diff on every preview); got {value!r}",
        )
        return None
    normalised = posixpath.normpath(value)
    if normalised == ".." or normalised.startswith("../"):
        problems.add(key, f"must stay inside the project directory; got {value!r}")
        return None
    return normalised


def _image(
    index: int,
    item: Any,
    project_dir: Path | None,
    problems: _Problems,
    production: bool,
) -> ImageSpec | None:
    where = f"{_full('images')}[{index}]"
    if not isinstance(item, dict):
        problems.add(where, f"must be an object with at least name and tag, got {item!r}")
        return None
    before = len(problems.items)
    for unknown in sorted(set(item) - set(IMAGE_FIELDS)):
        hint = difflib.get_close_matches(unknown, IMAGE_FIELDS, n=1)
        suggestion = f" (did you mean {hint[0]}?)" if hint else ""
        problems.add(f"{where}.{unknown}", f"unknown field{suggestion}; known fields: {', '.join(IMAGE_FIELDS)}")

    def text(name: str, required: bool = False) -> str | None:
        value = item.get(name)
        if value is None:
            if required:
                problems.add(f"{where}.{name}", "is required")
            return None
        if not isinstance(value, str):
            quote = ' (quote it in YAML, e.g. "1.0")' if isinstance(value, (int, float)) else ""
            problems.add(f"{where}.{name}", f"must be a string, got {type(value).__name__} {value!r}{quote}")
            return None
        return value

    name = _checked(f"{where}.name", text("name", required=True), naming.check_image_name, problems)
    tag = _checked(f"{where}.tag", text("tag", required=True), naming.check_tag, problems)

    context = DEFAULT_CONTEXT
    if "context" in item:
        context = _relative_path(item["context"], f"{where}.context", problems) or DEFAULT_CONTEXT
    dockerfile = None
    if "dockerfile" in item:
        dockerfile = _relative_path(item["dockerfile"], f"{where}.dockerfile", problems)
    dockerfile_path = dockerfile or f"{context}/Dockerfile"
    if project_dir is not None:
        if not (project_dir / context).is_dir():
            problems.add(f"{where}.context", f"directory {context!r} does not exist in {project_dir}")
        elif not (project_dir / dockerfile_path).is_file():
            problems.add(
                f"{where}.dockerfile",
                f"file {dockerfile_path!r} does not exist in {project_dir} (paths are relative to the project)",
            )

    build_args: dict[str, str] = {}
    raw_args = item.get("buildArgs", {})
    if not isinstance(raw_args, dict):
        problems.add(f"{where}.buildArgs", f"must be a map of names to strings, got {raw_args!r}")
    else:
        for arg, value in raw_args.items():
            arg_key = f"{where}.buildArgs.{arg}"
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", arg):
                problems.add(arg_key, "build argument names are letters, digits and '_', not starting with a digit")
            elif not isinstance(value, str):
                problems.add(arg_key, f"must be a string, got {type(value).__name__} {value!r} (quote it in YAML)")
            else:
                build_args[arg] = value

    target = text("target")
    if target is not None and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", target):
        problems.add(f"{where}.target", f"must be a Dockerfile stage name, got {target!r}")
    platform = text("platform")
    if platform is not None and not re.fullmatch(r"[a-z0-9]+/[a-z0-9_]+(?:/[a-z0-9]+)?", platform):
        problems.add(
            f"{where}.platform",
            f"must be one platform such as linux/amd64 or linux/arm64/v8, got {platform!r}",
        )
    public = _boolean(item.get("public"), f"{where}.public", problems, json_value=True)
    if "immutable" in item:
        immutable = _boolean(item["immutable"], f"{where}.immutable", problems, json_value=True)
    else:
        immutable = production
    if production:
        # A production tag must name one build forever: an overwritable tag (or `latest`) lets a
        # push silently change what every deployment of that tag runs.
        if item.get("immutable") is False:
            problems.add(
                f"{where}.immutable",
                f"must not be false in a production stack ({_full('production')} is true): "
                "production repositories are immutable",
            )
        if tag == "latest":
            problems.add(
                f"{where}.tag",
                f"must not be 'latest' in a production stack ({_full('production')} is true): "
                "tag each release with its version",
            )

    if len(problems.items) > before or name is None or tag is None:
        return None
    return ImageSpec(
        name=name,
        tag=tag,
        context=context,
        dockerfile=dockerfile,
        build_args=build_args,
        target=target,
        platform=platform,
        public=public,
        immutable=immutable,
    )


def _images(
    raw: Mapping[str, Any], project_dir: Path | None, problems: _Problems, production: bool
) -> tuple[ImageSpec, ...]:
    key = _full("images")
    value = raw.get(key)
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            problems.add(key, f"must be a list of image objects (name, tag, ...), got the string {value!r}")
            return ()
    if not isinstance(value, list):
        problems.add(key, f"must be a list of image objects (name, tag, ...), got {value!r}")
        return ()
    if len(value) > MAX_IMAGES:
        problems.add(key, f"lists {len(value)} images; OCI allows {MAX_IMAGES} repositories per region")
    images = [_image(index, item, project_dir, problems, production) for index, item in enumerate(value)]
    seen: dict[str, int] = {}
    for index, image in enumerate(images):
        if image is None:
            continue
        if image.name in seen:
            problems.add(
                f"{key}[{index}].name",
                f"duplicates images[{seen[image.name]}].name {image.name!r}; image names must be unique",
            )
        seen.setdefault(image.name, index)
    return tuple(image for image in images if image is not None)


def parse_settings(
    raw: Mapping[str, Any],
    *,
    project_dir: Path | None = None,
) -> Settings:
    """Check a stack's config (full keys, CLI string values) and return its settings.

    ``project_dir`` is where image contexts and Dockerfiles must exist; None skips that check.
    Raises ConfigError naming every bad key.
    """
    problems = _Problems()

    known = {_full(key.name) for key in KEYS}
    for key in sorted(k for k in raw if k.startswith(f"{NAMESPACE}:") and k not in known):
        hint = difflib.get_close_matches(key, sorted(known), n=1)
        suggestion = f" (did you mean {hint[0]}?)" if hint else ""
        problems.add(key, f"unknown key{suggestion}; this project reads {', '.join(sorted(known))}")

    prefix = _checked(_full("prefix"), _string(raw, "prefix", problems), naming.check_prefix, problems)
    group = _checked(_full("groupName"), _string(raw, "groupName", problems), check_group_name, problems)
    domain = _checked(_full("identityDomain"), _string(raw, "identityDomain", problems), check_domain_name, problems)
    allow_list = _boolean(raw.get(_full("allowListRepositories")), _full("allowListRepositories"), problems)
    tenancy = _checked(
        _full("tenancyOcid"), _string(raw, "tenancyOcid", problems), naming.check_ocid, problems, "tenancy"
    )
    compartment = _checked(
        _full("compartmentOcid"),
        _string(raw, "compartmentOcid", problems),
        naming.check_ocid,
        problems,
        "compartment",
        "tenancy",
    )
    user = _checked(_full("userOcid"), _string(raw, "userOcid", problems), naming.check_ocid, problems, "user")
    namespace = _checked(
        _full("tenancyNamespace"), _string(raw, "tenancyNamespace", problems), naming.check_namespace, problems
    )
    user_name = _checked(_full("userName"), _string(raw, "userName", problems), naming.check_user_name, problems)
    user_domain = _checked(
        _full("userDomain"), _string(raw, "userDomain", problems), naming.check_user_domain, problems
    )

    rotation = _checked(_full("tokenRotation"), _string(raw, "tokenRotation", problems), check_rotation, problems)

    region = identifier = None
    region_value = _string(raw, "region", problems)
    if region_value is not None:
        try:
            region, identifier = resolve_region(region_value)
        except RegionError as error:
            problems.add(_full("region"), str(error))
    provider_region = raw.get("oci:region")
    if identifier is not None and isinstance(provider_region, str) and provider_region:
        try:
            _, provider_identifier = resolve_region(provider_region)
        except RegionError:
            provider_identifier = provider_region.lower()
        if provider_identifier != identifier:
            problems.add(
                _full("region"),
                f"{region_value} is {identifier} but the oci provider is set to {provider_region} "
                f"(oci:region): repositories would be created in {provider_identifier} while images "
                "are pushed to "
                f"{naming.registry_server(region or identifier)}; set both to the same region",
            )

    production = _boolean(raw.get(_full("production")), _full("production"), problems)
    promote_from = _checked(
        _full("promoteFrom"), _string(raw, "promoteFrom", problems), check_stack_reference, problems
    )
    images = _images(raw, project_dir, problems, production)
    if prefix is not None:
        for index, image in enumerate(images):
            try:
                repository = naming.repository_name(prefix, image.name)
                if region is not None and namespace is not None:
                    naming.image_reference(naming.registry_server(region), namespace, repository, image.tag)
            except ValueError as error:
                problems.add(f"{_full('images')}[{index}].name", str(error))

    if problems.items:
        raise ConfigError(problems.items)
    # Without problems, every required value is set: these only narrow the types.
    assert prefix is not None
    assert group is not None
    assert tenancy is not None
    assert user is not None
    assert region is not None
    assert identifier is not None
    return Settings(
        prefix=prefix,
        group_name=group,
        identity_domain=domain,
        allow_list_repositories=allow_list,
        tenancy_ocid=tenancy,
        compartment_ocid=compartment or tenancy,
        region=region,
        region_identifier=identifier,
        tenancy_namespace=namespace,
        user_ocid=user,
        user_name=user_name,
        user_domain=user_domain,
        images=images,
        production=production,
        token_rotation=rotation,
        promote_from=promote_from,
    )


def read_pulumi_config() -> dict[str, Any]:
    """Every config value the running Pulumi program was given, by full key.

    The Pulumi CLI passes a stack's config to a Python program as the PULUMI_CONFIG environment
    variable; tests and the plan command set it with pulumi.runtime.set_all_config. Reading all of
    it (not just the keys we know) is what lets a typo such as ``ocir:prefx`` be reported.
    """
    from pulumi.runtime import config as runtime_config

    values: dict[str, Any] = dict(runtime_config.get_config_env())
    values.update(runtime_config.CONFIG.get())
    for key in KEYS:
        explicit = runtime_config.get_config(_full(key.name))
        if explicit is not None:
            values[_full(key.name)] = explicit
    return values
