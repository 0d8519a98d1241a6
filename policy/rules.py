"""The pack's rules as pure functions: resource inputs and the stack's Settings in, one message per problem out.

No Pulumi here, so the tests and the pack (pack.py) share one implementation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components import naming
from components.signing_args import DEFAULT_ALGORITHM as DEFAULT_SIGNING_ALGORITHM
from components.signing_args import signing_statements
from components.statements import (
    LIST_OPERATIONS,
    SCANNING_RESOURCE_TYPES,
    SCANNING_SERVICE,
    Principal,
    group_subject,
    repositories_location,
    scanning_location,
)
from policy.patterns import NamePattern, prefix_pattern
from policy.statement import Clause, Statement, StatementError, parse_statement
from stackconfig import Settings

POLICY = "oci:Identity/policy:Policy"
REPOSITORY = "oci:Artifacts/containerRepository:ContainerRepository"
SCAN_TARGET = "oci:VulnerabilityScanning/containerScanTarget:ContainerScanTarget"
# The verbs that only read: what the scanning service may be given.
READ_VERBS = ("inspect", "read")
# Docker resources whose inputs name an image reference, and which input holds it.
IMAGE_REFERENCES = {
    "docker:index/image:Image": "imageName",
    "docker:index/registryImage:RegistryImage": "name",
    "docker:index/tag:Tag": "targetImage",
    "docker:index/remoteImage:RemoteImage": "name",
    # A multi-platform image's tag: the index pushed over the per-platform images.
    "docker-build:index:Index": "tag",
}
# References that are pushed into the stack's own registry (the pull source is another stack's).
PUSHED_REFERENCES = {
    key: value for key, value in IMAGE_REFERENCES.items() if key != "docker:index/remoteImage:RemoteImage"
}


# --- IAM statements --------------------------------------------------------------------------


def _is_own_clause(clause: Clause, prefix: str) -> bool:
    """``target.repo.name = /<prefix>-*/``: the stack's own pattern and no other (case-insensitive, as OCI matches).

    A narrower pattern (``/<prefix>-dev-*/``) or an exact name is refused too: the program never writes one, and
    a name inside the prefix may be another project's (stackconfig/isolation.py)."""
    return NamePattern.of(clause) == prefix_pattern(prefix) and clause.kind == "pattern"


def _is_list_clause(clause: Clause) -> bool:
    return (
        clause.variable.lower() == "request.operation"
        and clause.operator == "="
        and clause.kind in ("quoted", "word")
        and clause.value in LIST_OPERATIONS
    )


@dataclass(frozen=True)
class ReadGrant:
    """A principal the stack lets read repositories: ``read repos in <location>`` on ``<prefix>-…`` only."""

    principal: Principal
    location: str
    """``tenancy`` or ``compartment id <ocid>``, as the statement must say it."""
    prefix: str
    """The repositories' name prefix; the statement's condition must stay within ``<prefix>-``."""
    key: str
    """The config key that asks for it, named when the statement does not match."""
    location_key: str = ""
    """The config key that says where the repositories are."""


def read_grants(settings: Settings) -> list[ReadGrant]:
    """Every read statement the stack may hold: one per puller (the pullers key), where its repositories are."""
    location = repositories_location(settings.tenancy_ocid, settings.compartment_ocid)
    return [
        ReadGrant(
            puller, location, settings.prefix, f"{settings.key('pullers')}[{index}]", settings.key("compartmentOcid")
        )
        for index, puller in enumerate(settings.pullers)
    ]


def read_grant_problems(
    text: str, statement: Statement, grants: Sequence[ReadGrant], pullers_key: str = "pullers"
) -> list[str]:
    """A dynamic-group or read statement: allowed only as one of ``grants``, exactly (read only, repos only,
    where the grant says, on the grant's repositories only)."""
    grant = next((g for g in grants if g.principal.same_as(statement.subject, statement.group, statement.domain)), None)
    principal = Principal(statement.subject, statement.group, statement.domain)
    if grant is None:
        listed = ", ".join(str(g.principal) for g in grants) or "none"
        return [
            f"{text!r} grants to {principal}, which the stack does not list as a puller ({pullers_key}: {listed}); "
            "a dynamic group or a read statement is allowed only for a puller"
        ]
    problems = []
    if statement.verb != "read":
        problems.append(f"{text!r} lets puller {principal} {statement.verb}; a puller may only read ({grant.key})")
    if statement.resource_type != "repos":
        problems.append(f"{text!r} grants puller {principal} {statement.resource_type!r}; a puller may only read repos")
    if str(statement.location).lower() != grant.location.lower():
        problems.append(
            f"{text!r} applies in {statement.location}; puller {principal} may read only where the stack's "
            f"repositories are: 'in {grant.location}' ({grant.location_key})"
        )
    clauses = statement.clauses
    if not clauses or statement.combinator == "any" or not all(_is_own_clause(c, grant.prefix) for c in clauses):
        problems.append(
            f"{text!r} is not limited to the stack's repositories: a puller's statement must say "
            f"'where target.repo.name = /{grant.prefix}-*/'"
        )
    return problems


def statement_problems(text: Any, settings: Settings, grants: Sequence[ReadGrant] | None = None) -> list[str]:
    """Why one statement is not allowed for this stack (empty when it is).

    A statement for the stack's group must be its own grant: manage (or less) on exactly ``/<prefix>-*/``, or the
    list statement when asked. A dynamic-group or read statement, or one for a puller, must be one of ``grants``
    (default: what the config asks for, read_grants), exactly. Anything else, another pattern included, is refused.
    """
    if not isinstance(text, str):
        return [f"statement {text!r} is not a string"]
    try:
        statement = parse_statement(text)
    except StatementError as error:
        return [f"cannot parse {text!r}: {error}; the pack refuses statements it cannot read"]
    if statement.subject == "service":
        return service_statement_problems(text, statement, settings)
    if statement.subject == "any-user" or statement.resource_type == "keys":
        return signing_statement_problems(text, statement, settings)
    grants = read_grants(settings) if grants is None else grants
    to_puller = any(grant.principal.same_as(statement.subject, statement.group, statement.domain) for grant in grants)
    if statement.subject == "dynamic-group" or statement.verb == "read" or to_puller:
        return read_grant_problems(text, statement, grants, settings.key("pullers"))
    problems = []
    expected = (settings.identity_domain or "", settings.group_name)
    if ((statement.domain or "").lower(), statement.group.lower()) != (expected[0].lower(), expected[1].lower()):
        wanted = f"'{expected[0]}'/'{expected[1]}'" if expected[0] else expected[1]
        problems.append(f"{text!r} grants to a group other than the stack's {settings.key('groupName')} ({wanted})")
    if statement.resource_type != "repos":
        problems.append(
            f"{text!r} grants on {statement.resource_type!r}; statements may only concern 'repos' "
            "(never another resource type or all-resources)"
        )
        return problems
    clauses = statement.clauses
    is_list = statement.verb == "inspect" and bool(clauses) and all(_is_list_clause(c) for c in clauses)
    if is_list and statement.combinator != "all":
        if not settings.allow_list_repositories:
            problems.append(f"{text!r} is the list statement, but {settings.key('allowListRepositories')} is not true")
        return problems
    scoped = bool(clauses) and (
        all(_is_own_clause(c, settings.prefix) for c in clauses)
        if statement.combinator in (None, "any")
        else any(_is_own_clause(c, settings.prefix) for c in clauses)
        and all(c.operator == "=" and (_is_own_clause(c, settings.prefix) or _is_list_clause(c)) for c in clauses)
    )
    if not scoped:
        problems.append(
            f"{text!r} is not limited to the stack's repositories: it must say "
            f"'where target.repo.name = /{settings.prefix}-*/', that pattern exactly (only the list statement may "
            "differ, and it may only inspect with the list-operation condition)"
        )
    return problems


def _shape(statement: Statement) -> tuple[Any, ...]:
    """What a statement grants, as OCI reads it: keywords and names in any case, conditions in any order (a
    pattern's case too: OCI matches names case-insensitively; OCIDs are lower-case)."""
    clauses = sorted((c.variable.lower(), c.operator, c.value.lower(), c.kind) for c in statement.clauses)
    combinator = statement.combinator if len(clauses) > 1 else None
    return (
        statement.subject,
        (statement.domain or "").lower(),
        statement.group.lower(),
        statement.verb,
        statement.resource_type,
        str(statement.location).lower(),
        combinator,
        tuple(clauses),
    )


def expected_signing_statements(settings: Settings) -> list[str]:
    """The statements the stack's signing asks for, as the program writes them (components/signing_args.py)."""
    location = repositories_location(settings.tenancy_ocid, settings.compartment_ocid)
    subject = group_subject(settings.group_name, settings.identity_domain)
    return signing_statements(subject, settings.prefix, location, settings.signing)


def signing_statement_problems(text: str, statement: Statement, settings: Settings) -> list[str]:
    """A statement on keys, or for any-user: allowed only as one the stack's signing asks for, exactly: the group
    may use the stack's key, each verifying cluster may use it and read the stack's repositories where they are."""
    key = settings.key("signing")
    if not settings.signing:
        return [
            f"{text!r} grants on keys or to any-user, but the stack does not sign ({key} is not set); a statement for "
            "any-user or on keys is allowed only as signing asks for it"
        ]
    allowed = []
    for expected in expected_signing_statements(settings):
        allowed.append(_shape(parse_statement(expected)))
    if _shape(statement) in allowed:
        return []
    return [
        f"{text!r} is not one of the statements {key} asks for: the group may 'use keys in tenancy where "
        f"target.key.id = ' the stack's key, and each cluster of {key}.clusters may use that key and read "
        "the stack's repositories where they are, exactly as the program writes them (docs/signing.md)"
    ]


# --- image signing -----------------------------------------------------------------------------

KMS_SIGN = "oci:Kms/sign:Sign"
IMAGE_SIGNATURE = "oci:Artifacts/containerImageSignature:ContainerImageSignature"
PUSHERS = ("docker:index/image:Image", "docker:index/registryImage:RegistryImage", "docker-build:index:Index")
"""The resources that push a manifest into the stack's registry, each of which signing signs."""
_SIGNING_INPUTS = {
    KMS_SIGN: (("keyId", "key_ocid"), ("keyVersionId", "key_version_ocid"), ("signingAlgorithm", "algorithm")),
    IMAGE_SIGNATURE: (
        ("kmsKeyId", "key_ocid"),
        ("kmsKeyVersionId", "key_version_ocid"),
        ("signingAlgorithm", "algorithm"),
    ),
}


def signature_problems(type_: str, props: Mapping[str, Any], settings: Settings) -> list[str]:
    """A KMS signature or an image signature is made with the stack's key, version and algorithm, and only when the
    stack signs: one made with another key would let an image pass a cluster that trusts that key."""
    key = settings.key("signing")
    if not settings.signing:
        return [f"a {type_.rsplit(':', 1)[-1]} but the stack does not sign ({key} is not set)"]
    wanted = {
        "key_ocid": settings.signing["key_ocid"],
        "key_version_ocid": settings.signing["key_version_ocid"],
        "algorithm": settings.signing.get("algorithm") or DEFAULT_SIGNING_ALGORITHM,
    }
    fields = {"key_ocid": "keyOcid", "key_version_ocid": "keyVersionOcid", "algorithm": "algorithm"}
    problems = []
    for prop, setting in _SIGNING_INPUTS[type_]:
        value = props.get(prop)
        if value != wanted[setting]:
            problems.append(
                f"{prop} is {value!r}, not the stack's {key}.{fields[setting]} ({wanted[setting]}): a signature made "
                "with another key or version is refused"
            )
    return problems


def unsigned_pushes(resources: Sequence[tuple[str, str, str]], settings: Settings) -> list[tuple[str, str]]:
    """``(urn, problem)`` for every push a stack that signs does not sign: ``resources`` are ``(type, name, urn)``.
    Each pushing resource named N is signed by a `kms.Sign` named `N-sign` and an image signature named
    `N-signature` (components/signing.py names them so)."""
    if not settings.signing:
        return []
    present = {(type_, name) for type_, name, _ in resources}
    problems = []
    for type_, name, urn in resources:
        if type_ not in PUSHERS:
            continue
        missing = [
            what
            for what, wanted in (
                ("kms.Sign", (KMS_SIGN, f"{name}-sign")),
                ("image signature", (IMAGE_SIGNATURE, f"{name}-signature")),
            )
            if wanted not in present
        ]
        if missing:
            problems.append(
                (
                    urn,
                    f"{name} pushes an image that nothing signs (no {' and no '.join(missing)} named "
                    f"{name}-sign/{name}-signature): {settings.key('signing')} is set, so every pushed reference "
                    "must be signed",
                )
            )
    return problems


def service_statement_problems(text: str, statement: Statement, settings: Settings) -> list[str]:
    """A service statement: only the scanning service, only reading repos and compartments, only where the
    stack's repositories are, and only when the stack turned scanning on."""
    if statement.group != SCANNING_SERVICE:
        return [
            f"{text!r} grants to the service {statement.group!r}; the only service this stack may grant to is "
            f"{SCANNING_SERVICE} ({settings.key('vulnerabilityScanning')})"
        ]
    problems = []
    if not settings.vulnerability_scanning:
        problems.append(
            f"{text!r} grants the scanning service access, but {settings.key('vulnerabilityScanning')} is not on"
        )
    if statement.verb not in READ_VERBS:
        problems.append(f"{text!r} lets the scanning service {statement.verb}; it may only read (inspect or read)")
    if statement.resource_type not in SCANNING_RESOURCE_TYPES:
        problems.append(
            f"{text!r} grants the scanning service {statement.resource_type!r}; it may only read "
            f"{' and '.join(SCANNING_RESOURCE_TYPES)}"
        )
    expected = scanning_location(settings.tenancy_ocid, settings.compartment_ocid)
    if str(statement.location).lower() != expected.lower():
        problems.append(
            f"{text!r} applies in {statement.location}; the scanning service may read only where the stack's "
            f"repositories are: 'in {expected}' ({settings.key('compartmentOcid')})"
        )
    return problems


def policy_problems(props: Mapping[str, Any], settings: Settings) -> list[str]:
    statements = props.get("statements")
    if not isinstance(statements, Sequence) or isinstance(statements, str) or not statements:
        return [f"statements must be a non-empty list of strings, got {statements!r}"]
    grants = read_grants(settings)
    return [problem for statement in statements for problem in statement_problems(statement, settings, grants)]


# --- repositories and images -----------------------------------------------------------------


def _public_repositories(settings: Settings) -> set[str]:
    return {naming.repository_name(settings.prefix, image.name) for image in settings.images if image.public}


def repository_prefix_problems(props: Mapping[str, Any], settings: Settings) -> list[str]:
    name = props.get("displayName")
    if not isinstance(name, str) or not name.startswith(f"{settings.prefix}-"):
        return [
            f"repository {name!r} is not named '{settings.prefix}-<image name>' "
            f"({settings.key('prefix')} {settings.prefix})"
        ]
    try:
        naming.check_repository_name(name)
    except ValueError as error:
        return [f"repository {name!r}: {error}"]
    return []


def repository_private_problems(props: Mapping[str, Any], settings: Settings) -> list[str]:
    name = props.get("displayName")
    if props.get("isPublic") is True and name not in _public_repositories(settings):
        return [
            f"repository {name!r} is public, but no image of {settings.key('images')} with that name says public: true"
        ]
    return []


def repository_immutable_problems(props: Mapping[str, Any], settings: Settings) -> list[str]:
    if settings.production and props.get("isImmutable") is not True:
        return [f"repository {props.get('displayName')!r} must be immutable: {settings.key('production')} is true"]
    return []


def split_reference(reference: str) -> tuple[str, str | None, str | None]:
    """``(name, tag, digest)`` of a docker image reference (tag and digest None when absent)."""
    name, _, digest = reference.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = None
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    return name, tag, digest or None


def image_tag_problems(type_: str, props: Mapping[str, Any], settings: Settings) -> list[str]:
    key = IMAGE_REFERENCES[type_]
    reference = props.get(key)
    if not isinstance(reference, str) or not reference:
        return [f"{key} must be an image reference, got {reference!r}"]
    if not settings.production:
        return []
    _, tag, digest = split_reference(reference)
    if digest is None and tag is None:
        return [f"{key} {reference!r} has no tag, which means 'latest': {settings.key('production')} is true"]
    if tag == "latest":
        return [f"{key} {reference!r} is tagged 'latest': {settings.key('production')} is true, tag each release"]
    return []


def image_prefix_problems(type_: str, props: Mapping[str, Any], settings: Settings) -> list[str]:
    key = PUSHED_REFERENCES[type_]
    reference = props.get(key)
    if not isinstance(reference, str):
        return [f"{key} must be an image reference, got {reference!r}"]
    name, _, _ = split_reference(reference)
    parts = name.split("/")
    repository = "/".join(parts[2:]) if len(parts) >= 3 else ""
    if not repository.startswith(f"{settings.prefix}-"):
        return [
            f"{key} {reference!r} is not pushed to a repository named '{settings.prefix}-…' ({settings.key('prefix')})"
        ]
    return []


# --- vulnerability scanning ------------------------------------------------------------------


def scan_target_problems(props: Mapping[str, Any], settings: Settings) -> list[str]:
    """A container scan target names repositories of the stack's prefix, in the stack's compartment, and
    exists only when the stack turned scanning on. An empty or missing list is every repository there."""
    problems = []
    if not settings.vulnerability_scanning:
        problems.append(f"a container scan target, but {settings.key('vulnerabilityScanning')} is not on")
    registry = props.get("targetRegistry")
    if not isinstance(registry, Mapping):
        return [*problems, f"targetRegistry must be an object, got {registry!r}"]
    if registry.get("type") != "OCIR":
        problems.append(f"targetRegistry.type is {registry.get('type')!r}; the stack scans its OCIR repositories")
    compartment = registry.get("compartmentId")
    if compartment != settings.compartment_ocid:
        problems.append(
            f"targetRegistry.compartmentId {compartment!r} is not the compartment of the stack's repositories "
            f"({settings.compartment_ocid}, {settings.key('compartmentOcid')})"
        )
    repositories = registry.get("repositories")
    is_list = isinstance(repositories, Sequence) and not isinstance(repositories, str)
    if repositories is None or (is_list and not repositories):
        problems.append(
            f"targetRegistry.repositories is {repositories!r}: OCI then scans every repository in the compartment "
            f"(and claims them for this target); name the repositories '{settings.prefix}-<image name>'"
        )
    elif not is_list:
        problems.append(f"targetRegistry.repositories must be a list of repository names, got {repositories!r}")
    else:
        for name in repositories:
            if not isinstance(name, str) or not name.startswith(f"{settings.prefix}-"):
                problems.append(
                    f"targetRegistry.repositories names {name!r}, which is not one of the stack's repositories "
                    f"('{settings.prefix}-…', {settings.key('prefix')})"
                )
    return problems
