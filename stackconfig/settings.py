"""A stack's config (the keys in the project's namespace), read and checked, and turned into OcirProject's
arguments.

``parse_settings`` takes the config exactly as the Pulumi CLI hands it to a program (full keys such
as ``<project>:prefix``, every value a string, structured values as JSON) and the namespace (the
project's name, ``pulumi.get_project()``), and either returns ``Settings``
or raises ``ConfigError`` listing every problem, one line per key, each line starting with the key.
This module checks what only a stack file can get wrong (unknown keys, types, paths, production's
rules, the provider's region); the rules on the values are the components' own
(``check_project_args``), run here once with their paths mapped back to keys.
"""

import contextlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components import naming
from components._args import ArgumentError, config_keys
from components.access_policy_args import PullerArgs, principal_of
from components.limits import MAX_TAG_VALUE, shorten
from components.project_args import OcirProjectArgs, check_project_args
from components.regions import RegionError, resolve_region
from components.signing_args import SigningArgs
from components.statements import Principal

from .errors import ConfigError, Problems
from .images import ImageSpec, boolean, parse_images
from .keys import KEYS, KEYS_BY_NAME, did_you_mean, full, key_of
from .pullers import parse_pullers
from .signing import parse_signing

# Pulumi's stack name rules: organization names are letters, digits, '-' and '_'; project and stack
# names add '.'. The name must be fully qualified so that it means the same stack on every backend.
_STACK_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class Settings:
    """A validated stack configuration."""

    prefix: str
    group_name: str
    tenancy_ocid: str
    compartment_ocid: str
    region: str
    user_ocid: str
    namespace: str
    """The project's config namespace (its name): every key of this stack is `<namespace>:<key>`."""
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
    vulnerability_scanning: bool = False
    """vulnerabilityScanning as the stack means it: unset is true in production, false otherwise."""
    registry_host: str | None = None
    """registryHost, lower-cased; None for the region's default host."""
    pull_user_ocid: str | None = None
    """pullUserOcid: the pull-only user that gets its own auth token and the pullSecret export; None for none."""
    pull_user_name: str | None = None
    pull_user_domain: str | None = None
    pull_token_rotation: str | None = None
    puller_args: tuple[PullerArgs, ...] = ()
    """pullers as OcirProject takes them (``pullers`` has them as statement subjects)."""
    puller_indexes: tuple[int, ...] = ()
    """Each puller's position in the pullers key (errors name it)."""

    @property
    def pullers(self) -> tuple[Principal, ...]:
        return tuple(principal_of(puller) for puller in self.puller_args)

    def key(self, name: str) -> str:
        """The full config key of ``name`` (``prefix`` -> ``<namespace>:prefix``), as messages name it."""
        return full(self.namespace, name)

    def key_of(self, path: str) -> str:
        """The config key for an OcirProjectArgs path (``images[1].tag`` -> the key of that entry's tag)."""
        return key_of(self.namespace, path, [image.index for image in self.images], list(self.puller_indexes))

    isolation_check: bool = True
    """isolationCheck: look for other projects' grants and repositories before declaring (unset: true)."""
    signing: SigningArgs | None = None
    """signing as OcirProject takes it; None: no signing."""

    @property
    def registry_server(self) -> str:
        return self.registry_host or naming.registry_server(self.region)

    def project_args(self, freeform_tags: Mapping[str, str] | None = None) -> OcirProjectArgs:
        """OcirProject's arguments for this stack (promotion sources are added by the program)."""
        args: OcirProjectArgs = {
            "prefix": self.prefix,
            "group_name": self.group_name,
            "tenancy_ocid": self.tenancy_ocid,
            "region": self.region,
            "user_ocid": self.user_ocid,
            "images": [image.args() for image in self.images],
            "allow_list_repositories": self.allow_list_repositories,
            "compartment_ocid": self.compartment_ocid,
            "protect": self.production,
            "vulnerability_scanning": self.vulnerability_scanning,
        }
        if self.puller_args:
            args["pullers"] = [PullerArgs(**puller) for puller in self.puller_args]
        if self.signing:
            args["signing"] = SigningArgs(**self.signing)
        optional = {
            "identity_domain": self.identity_domain,
            "tenancy_namespace": self.tenancy_namespace,
            "user_name": self.user_name,
            "user_domain": self.user_domain,
            "token_rotation": self.token_rotation,
            "registry_host": self.registry_host,
            "pull_user_ocid": self.pull_user_ocid,
            "pull_user_name": self.pull_user_name,
            "pull_user_domain": self.pull_user_domain,
            "pull_token_rotation": self.pull_token_rotation,
        }
        args.update({name: value for name, value in optional.items() if value})  # type: ignore[typeddict-item]
        if freeform_tags:
            args["freeform_tags"] = dict(freeform_tags)
        return args


def check_stack_reference(value: str) -> str:
    if not _STACK_REFERENCE.match(value):
        raise ValueError(
            "must name a stack fully qualified as <organization>/<project>/<stack> (letters, digits, "
            "'-', '_' and '.'; 'organization' for self-managed backends), e.g. acme/shop/dev; "
            f"got {value!r}"
        )
    if len(value) > MAX_TAG_VALUE:
        raise ValueError(
            f"is {len(value)} characters long; it is recorded in each repository's promoted-from tag, and OCI "
            f"allows tag values of at most {MAX_TAG_VALUE}"
        )
    return value


def program_tags(project: str, stack: str) -> dict[str, str]:
    """The free-form tags the program puts on the policy and the repositories. `pulumi-stack` names the
    stack as `<project>/<stack>`, shortened (with an ellipsis) to OCI's 256 characters should it be longer."""
    return {"managed-by": "pulumi", "pulumi-stack": shorten(f"{project}/{stack}", MAX_TAG_VALUE)}


def _string(raw: Mapping[str, Any], namespace: str, name: str, problems: Problems) -> str | None:
    """The key's string value; None when unset or empty (its default), or when required and missing."""
    key = full(namespace, name)
    value = raw.get(key)
    declared = KEYS_BY_NAME[name]
    if value is not None and not isinstance(value, str):
        problems.add(key, f"must be a string, got {type(value).__name__}")
        return None
    if value is None or value == "":
        if declared.required:
            problems.add(key, f"is required ({declared.description})")
        return None
    return value


def _vulnerability_scanning(raw: Mapping[str, Any], namespace: str, production: bool, problems: Problems) -> bool:
    """vulnerabilityScanning: true or false when the stack says so; unset follows production.

    Pulumi.yaml declares the key untyped with the default "": the CLI gives every stack that lacks a key its
    declared default, so a boolean default would make "not set" (scan, in production) arrive as an explicit
    false. Production scans unless its stack file says `false`.
    """
    key = full(namespace, "vulnerabilityScanning")
    value = raw.get(key)
    if value is None or value == "":
        return production
    if not isinstance(value, bool) and value not in ("true", "false"):
        problems.add(
            key,
            f"must be true or false (or unset: true in a production stack, false otherwise), got {value!r}",
        )
        return False
    return value in (True, "true")


def _isolation_check(
    raw: Mapping[str, Any], namespace: str, production: bool, project_dir: Path | None, problems: Problems
) -> bool:
    """isolationCheck: true or false when the stack says so; unset is true, in every stack.

    Declared untyped with the default "" in Pulumi.yaml, like vulnerabilityScanning, so that a stack that does
    not set the key reaches the program as unset (the CLI hands every stack a key's declared default). A production
    stack may turn the check off only explicitly, in its own stack file: the program reads Pulumi.yaml's declaration
    (``project_dir``) and refuses a production `false` while that declares any other default, since the value could
    then be the project's default rather than the stack's own choice. Without a default there (the key undeclared,
    or declared without one, which makes it required), the value can only be the stack's own.
    """
    key = full(namespace, "isolationCheck")
    value = raw.get(key)
    if value is None or value == "":
        return True
    if not isinstance(value, bool) and value not in ("true", "false"):
        problems.add(key, f"must be true or false (or unset: true), got {value!r}")
        return True
    enabled = value in (True, "true")
    if not enabled and production and project_dir is not None:
        # No default at all (the key undeclared, or declared without one) can only mean the stack's own value.
        declared = declared_default(project_dir, "isolationCheck")
        if declared is not None and declared != "":
            problems.add(
                key,
                f"is false in a production stack while Pulumi.yaml declares the default {declared!r}: a production "
                'stack turns the check off only in its own stack file. Declare the key with default: "" in '
                f"Pulumi.yaml and write {key}: false in this stack's file (docs/isolation.md)",
            )
    return enabled


def declared_default(project_dir: Path, name: str) -> Any:
    """The default Pulumi.yaml declares for the project key ``name`` (None when it declares none, or no such key)."""
    import yaml

    try:
        project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        return None
    declaration = (project.get("config") or {}).get(name) if isinstance(project, dict) else None
    return declaration.get("default") if isinstance(declaration, dict) else None


def _provider_region_problem(region: str, provider_region: Any) -> str | None:
    """The region key and oci:region must name one region: repositories are created where the provider is."""
    if not isinstance(provider_region, str) or not provider_region:
        return None
    try:
        registry_region, identifier = resolve_region(region)
    except RegionError:
        return None  # the region's own rule reports it
    try:
        _, provider_identifier = resolve_region(provider_region)
    except RegionError:
        provider_identifier = provider_region.lower()
    if provider_identifier == identifier:
        return None
    return (
        f"{region} is {identifier} but the oci provider is set to {provider_region} (oci:region): repositories "
        f"would be created in {provider_identifier} while images are pushed to "
        f"{naming.registry_server(registry_region)}; set both to the same region"
    )


def parse_settings(raw: Mapping[str, Any], namespace: str, *, project_dir: Path | None = None) -> Settings:
    """Check a stack's config (full keys, CLI string values) and return its settings.

    ``namespace`` is the project's name, the namespace of every key the program reads; an unknown key
    in it is refused, keys of other namespaces (``oci:*``, other providers') are left to their owners.
    ``project_dir`` is where image contexts and Dockerfiles must exist; None skips that check.
    Raises ConfigError naming every bad key.
    """
    problems = Problems()
    known = {full(namespace, key.name) for key in KEYS}
    for unknown in sorted(k for k in raw if k.startswith(f"{namespace}:") and k not in known):
        problems.add(
            unknown, f"unknown key{did_you_mean(unknown, known)}; this project reads {', '.join(sorted(known))}"
        )

    def key(name: str) -> str:
        return full(namespace, name)

    values = {k.name: _string(raw, namespace, k.name, problems) for k in KEYS if k.name not in _NOT_STRINGS}
    allow_list = boolean(raw.get(key("allowListRepositories")), key("allowListRepositories"), problems)
    production = boolean(raw.get(key("production")), key("production"), problems)
    scanning = _vulnerability_scanning(raw, namespace, production, problems)
    isolation = _isolation_check(raw, namespace, production, project_dir, problems)
    promote_from = values["promoteFrom"]
    if promote_from is not None:
        try:
            check_stack_reference(promote_from)
        except ValueError as error:
            problems.add(key("promoteFrom"), str(error))
    images = parse_images(raw.get(key("images")), namespace, project_dir, problems, production)
    pullers, puller_indexes = parse_pullers(raw.get(key("pullers")), namespace, problems)
    signing = parse_signing(raw.get(key("signing")), namespace, problems)
    region = values["region"]
    if region is not None and (mismatch := _provider_region_problem(region, raw.get("oci:region"))):
        problems.add(key("region"), mismatch)
    order = _key_order(namespace)
    if any(values[k.name] is None for k in KEYS if k.required):
        raise ConfigError(sorted(problems.items, key=order))

    region_value = values["region"] or ""
    with contextlib.suppress(RegionError):  # check_project_args names a bad region
        region_value = resolve_region(region_value)[0]
    tenancy = values["tenancyOcid"] or ""
    settings = Settings(
        prefix=values["prefix"] or "",
        group_name=values["groupName"] or "",
        identity_domain=values["identityDomain"],
        allow_list_repositories=allow_list,
        tenancy_ocid=tenancy,
        compartment_ocid=values["compartmentOcid"] or tenancy,
        region=region_value,
        tenancy_namespace=values["tenancyNamespace"],
        user_ocid=values["userOcid"] or "",
        namespace=namespace,
        user_name=values["userName"],
        user_domain=values["userDomain"],
        images=images,
        production=production,
        token_rotation=values["tokenRotation"],
        promote_from=promote_from,
        vulnerability_scanning=scanning,
        registry_host=values["registryHost"].lower() if values["registryHost"] else None,
        puller_args=tuple(pullers),
        puller_indexes=tuple(puller_indexes),
        pull_user_ocid=values["pullUserOcid"],
        pull_user_name=values["pullUserName"],
        pull_user_domain=values["pullUserDomain"],
        pull_token_rotation=values["pullTokenRotation"],
        isolation_check=isolation,
        signing=signing,
    )
    try:
        with config_keys(settings.key_of):
            check_project_args(settings.project_args())
    except ArgumentError as error:
        problems.items.extend((settings.key_of(path), rule) for path, rule in error.problems)
    if problems.items:
        raise ConfigError(sorted(problems.items, key=order))
    return settings


_ORDER = {key.name: position for position, key in enumerate(KEYS)}


def _key_order(namespace: str) -> Callable[[tuple[str, str]], int]:
    """Problems in the order Pulumi.yaml declares the keys (unknown keys first), each key's as found."""

    def position(problem: tuple[str, str]) -> int:
        top = re.split(r"[\[.]", problem[0], maxsplit=1)[0]
        owner, _, name = top.partition(":")
        return _ORDER.get(name, -1) if owner == namespace else -1

    return position


_NOT_STRINGS = frozenset(
    {"allowListRepositories", "production", "images", "pullers", "signing", "vulnerabilityScanning", "isolationCheck"}
)


def read_pulumi_config(namespace: str) -> dict[str, Any]:
    """Every config value the running Pulumi program was given, by full key.

    The Pulumi CLI passes a stack's config to a Python program as the PULUMI_CONFIG environment
    variable; tests and the plan command set it with pulumi.runtime.set_all_config. Reading all of
    it (not just the keys we know) is what lets a typo such as ``<namespace>:prefx`` be reported.
    """
    from pulumi.runtime import config as runtime_config

    values: dict[str, Any] = dict(runtime_config.get_config_env())
    values.update(runtime_config.CONFIG.get())
    for key in KEYS:
        explicit = runtime_config.get_config(full(namespace, key.name))
        if explicit is not None:
            values[full(namespace, key.name)] = explicit
    return values
