"""IAM policy statements for a project's repositories (pure functions, no Pulumi).

Nothing taken from config may change what a statement means: the prefix is limited to
repository-name characters without '/' or '*' (see naming.check_prefix), and group and domain
names may not contain quotes, so quoting them keeps any spaces or keywords inside the name.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Names OCI accepts unquoted after `group` in the default identity domain.
_PLAIN_GROUP = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]*$")
# Group and identity-domain display names: letters, digits, spaces and . _ - @ (no quotes,
# commas, slashes, braces or operators, which would end the quoted name or the subject).
_GROUP = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9 ._@-]{0,98}[A-Za-z0-9_.-])?$")
# `group id <ocid>` is OCI's syntax for a group by OCID: a group literally called "id" must be
# quoted so that it stays a name.
_SUBJECT_KEYWORDS = frozenset({"id"})
# Words of the policy grammar. Quoting already keeps them inside the name, but a multi-word name
# made of them reads like a second grant to anyone reviewing the policy, so it is refused.
POLICY_WORDS = frozenset(
    {
        "allow", "endorse", "admit", "define", "to", "manage", "use", "read", "inspect", "in", "where",
        "tenancy", "compartment", "all-resources", "any-user", "any-group", "group", "dynamic-group",
    }
)  # fmt: skip

# The recipe's list condition, kept verbatim, widened with the operation name that Oracle's
# current Container Registry policy reference lists for listing repositories.
LIST_OPERATIONS = ("ListDockerRepositories", "ListContainerRepositories")


def _check_name(name: str, what: str) -> str:
    """Group and identity-domain names: no character that ends a quoted name, no policy phrase."""
    if not _GROUP.match(name) or "  " in name:
        raise ValueError(
            f"must be {what}: 1-100 letters, digits, single spaces and . _ - @, starting and ending "
            f"with a letter, digit or . _ - (no quotes, '/', '*' or ','); got {name!r}"
        )
    words = name.lower().split(" ")
    if len(words) > 1 and (found := [word for word in words if word in POLICY_WORDS]):
        raise ValueError(
            f"must not be a phrase with policy words ({', '.join(found)}) in it: it would read as part "
            f"of the statement; got {name!r}"
        )
    return name


def check_group_name(name: str) -> str:
    return _check_name(name, "an IAM group name")


def check_domain_name(name: str) -> str:
    return _check_name(name, "an identity domain name")


def check_dynamic_group_name(name: str) -> str:
    return _check_name(name, "a dynamic group name")


def principal_subject(kind: str, name: str, identity_domain: str | None = None) -> str:
    """The policy subject for a ``group`` or a ``dynamic-group``: ``<kind> N``, ``<kind> 'N M'`` or
    ``<kind> 'D'/'N'``. The names must have passed the name checks (the callers' argument checks)."""
    if identity_domain:
        return f"{kind} '{identity_domain}'/'{name}'"
    if _PLAIN_GROUP.match(name) and name.lower() not in _SUBJECT_KEYWORDS:
        return f"{kind} {name}"
    return f"{kind} '{name}'"


def group_subject(group_name: str, identity_domain: str | None = None) -> str:
    """The policy subject for a group: ``group G``, ``group 'G H'`` or ``group 'D'/'G'``.

    The names must have passed check_group_name and check_domain_name (the callers' argument checks).
    """
    return principal_subject("group", group_name, identity_domain)


PULLER_KINDS = {"group": "group", "dynamic_group": "dynamic-group"}
"""A puller's argument field -> the policy subject keyword: a group of users (CI, deploy jobs, the pull user),
or a dynamic group of instances (an OKE cluster's worker nodes, which then pull without a secret)."""


@dataclass(frozen=True)
class Principal:
    """Who a statement grants to: a ``group`` or a ``dynamic-group``, of the default identity domain or one."""

    kind: str
    name: str
    domain: str | None = None

    @property
    def subject(self) -> str:
        return principal_subject(self.kind, self.name, self.domain)

    def same_as(self, kind: str, name: str, domain: str | None) -> bool:
        """The same principal (names compared case-insensitively, as OCI resolves them)."""
        mine = (self.kind, self.name.lower(), (self.domain or "").lower())
        return mine == (kind, name.lower(), (domain or "").lower())

    def __str__(self) -> str:
        return f"{self.kind} {self.domain}/{self.name}" if self.domain else f"{self.kind} {self.name}"


def split_domain(value: str) -> tuple[str | None, str]:
    """``Domain/name`` -> ``("Domain", "name")``; ``name`` -> ``(None, "name")``."""
    domain, slash, name = value.partition("/")
    return (domain, name) if slash else (None, value)


def check_principal_name(value: str, kind: str) -> str:
    """A puller's name: ``name`` or ``Domain/name``, each part a name as ``ocir:groupName`` and
    ``ocir:identityDomain`` take it (quoted in the statement, so spaces and keywords stay inside)."""
    if value.count("/") > 1:
        raise ValueError(f"must be a name or <identity domain>/<name>, with one '/' at most; got {value!r}")
    domain, name = split_domain(value)
    if domain is not None:
        check_domain_name(domain)
    return check_dynamic_group_name(name) if kind == "dynamic-group" else check_group_name(name)


def manage_statement(subject: str, prefix: str) -> str:
    """Lets the group manage only the repositories whose names start with ``<prefix>-``.

    The prefix must have passed naming.check_prefix: no '/', '*' or quote can end the pattern early.
    """
    return f"allow {subject} to manage repos in tenancy where target.repo.name = /{prefix}-*/"


def read_statement(subject: str, prefix: str, location: str) -> str:
    """Lets a puller pull (``read``: list, get and pull images) only the repositories named ``<prefix>-*``, only
    where the repositories are. ``location`` is ``repositories_location``; the prefix passed naming.check_prefix."""
    return f"allow {subject} to read repos in {location} where target.repo.name = /{prefix}-*/"


def list_statement(subject: str) -> str:
    """Lets the group list every repository name (``inspect`` grants nothing more)."""
    condition = ", ".join(f"request.operation='{operation}'" for operation in LIST_OPERATIONS)
    return f"allow {subject} to inspect repos in tenancy where any {{{condition}}}"


def policy_statements(
    prefix: str,
    group_name: str,
    identity_domain: str | None = None,
    allow_list_repositories: bool = False,
    pullers: Sequence[Principal] = (),
    pull_location: str = "tenancy",
) -> list[str]:
    """The project's statements: manage on ``<prefix>-*``, when asked list all, then one read statement per
    puller, in ``pull_location`` (``repositories_location``).

    The manage statement comes first, so turning the list statement on or off, or adding a puller, leaves the
    first one untouched in a diff; pullers keep their order, a new one at the end adds the last statement.
    """
    subject = group_subject(group_name, identity_domain)
    statements = [manage_statement(subject, prefix)]
    if allow_list_repositories:
        statements.append(list_statement(subject))
    statements += [read_statement(puller.subject, prefix, pull_location) for puller in pullers]
    return statements


def repositories_location(tenancy_ocid: str, compartment_ocid: str) -> str:
    """Where the stack's repositories are, as a statement names it: ``compartment id <ocid>``, or ``tenancy``
    when they are in the root compartment (the only way OCI names the root in a statement).

    ``compartment id <ocid>`` rather than ``compartment <name>``: a name is resolved relative to the
    compartment the policy is attached to, and the stack knows the OCID, never the name. Oracle's "Policies to
    Control Repository Access" sets repository policies "at the tenancy and at the compartment level" (e.g.
    ``Allow group acme-pullers to read repos in compartment acme-compartment``); a statement in the root
    compartment's policy may name any compartment. The OCIDs must have passed naming.check_ocid.
    """
    if compartment_ocid == tenancy_ocid:
        return "tenancy"
    return f"compartment id {compartment_ocid}"


# --- the Vulnerability Scanning service ------------------------------------------------------

SCANNING_SERVICE = "vulnerability-scanning-service"
"""The service principal Oracle's documentation names for container image scanning."""
SCANNING_RESOURCE_TYPES = ("repos", "compartments")
"""What the service reads, in the order the statements grant it: the repositories to pull their images,
and the compartment that holds them (Oracle documents both as required for image scanning)."""


def scanning_location(tenancy_ocid: str, compartment_ocid: str) -> str:
    """Where the service may read: where the repositories are (``repositories_location``)."""
    return repositories_location(tenancy_ocid, compartment_ocid)


def scanning_statements(tenancy_ocid: str, compartment_ocid: str) -> list[str]:
    """Oracle's two statements for image scanning, scoped to the repositories' compartment.

    ``read`` is the least verb that lets the service pull images. There is no condition on
    ``target.repo.name``: the service also lists the compartment's repositories, and a request that
    carries no repository name would fail such a condition (see docs/scanning.md). The OCIDs must have
    passed naming.check_ocid: neither can end the statement early.
    """
    location = scanning_location(tenancy_ocid, compartment_ocid)
    return [f"allow service {SCANNING_SERVICE} to read {kind} in {location}" for kind in SCANNING_RESOURCE_TYPES]
