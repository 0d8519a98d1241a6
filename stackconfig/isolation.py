"""Projects kept apart in one tenancy: what already exists there, judged against this stack's grant (pure, no Pulumi).

The stack's group gets `manage repos in tenancy where target.repo.name = /<prefix>-*/`: a case-insensitive
"starts with" over every repository of the tenancy (policy/patterns.py). So before it declares anything the
program looks at the tenancy (stackconfig/preflight.py) and this module says what is wrong with it:

- a policy that is not this stack's grants on repositories inside `/<prefix>-*/` (another project's
  `/<prefix>-dev-*/`, or the same pattern again): the stack's group would manage that project's repositories;
- a repository named `<prefix>-…` that is not this stack's: the stack's group would gain it.

A policy is this stack's when it has one of the names the stack gives its policies and the stack's tags; a
repository when it has the stack's tags (created, or retained, by the stack) or is adopted (`repositoryOcid`).
A grant that covers `/<prefix>-*/` (another group's `/p-*/`) or matches part of it (`/*-api/`) is a warning:
that group reaches this stack's repositories, which the stack cannot change. Grants without a repository-name
condition (administrators) and grants on other prefixes (`p-finch`, `p-shopx`) are not this stack's business.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from components import naming
from components.statements import group_subject, principal_subject
from policy.patterns import (
    REPO_NAME,
    NamePattern,
    Relation,
    name_patterns,
    name_patterns_in_text,
    subject_in_text,
    unique,
)
from policy.statement import StatementError, parse_statement

from .keys import full

GONE = ("DELETING", "DELETED")
"""Lifecycle states of what no longer grants or holds anything (policies, compartments, repositories)."""
MAX_LINES = 20
"""Findings shown in one refusal; the rest are counted."""


@dataclass(frozen=True)
class TenancyPolicy:
    """A policy as `oci.identity.get_policies` lists it."""

    id: str
    name: str
    compartment_id: str
    statements: tuple[str, ...]
    freeform_tags: Mapping[str, str] = field(default_factory=dict)
    state: str = "ACTIVE"


@dataclass(frozen=True)
class TenancyRepository:
    """A repository as `oci.artifacts.get_container_repositories` lists it."""

    id: str
    name: str
    compartment_id: str
    freeform_tags: Mapping[str, str] = field(default_factory=dict)
    state: str = "AVAILABLE"


@dataclass(frozen=True)
class Stack:
    """What makes a policy or a repository this stack's, and what its grant is."""

    prefix: str
    group_name: str
    identity_domain: str | None
    tags: Mapping[str, str]
    """The free-form tags the program puts on its policies and repositories (stackconfig.program_tags)."""
    namespace: str
    """The project's config namespace: findings name `<namespace>:prefix` (stackconfig/keys.py)."""
    declared: Mapping[str, int] = field(default_factory=dict)
    """Repository names the stack declares, each with its ocir:images index."""
    adopted: frozenset[str] = frozenset()
    """Repository OCIDs the stack adopts (ocir:images[*].repositoryOcid)."""

    def key(self, name: str) -> str:
        return full(self.namespace, name)

    @property
    def start(self) -> str:
        """What every name the grant reaches starts with."""
        return f"{self.prefix.lower()}-"

    @property
    def pattern(self) -> str:
        return f"/{self.prefix}-*/"

    @property
    def policy_names(self) -> frozenset[str]:
        return frozenset({naming.policy_name(self.prefix), naming.scanning_policy_name(self.prefix)})

    @property
    def stack_tag(self) -> str:
        return self.tags.get("pulumi-stack", "")

    def tagged(self, tags: Mapping[str, str]) -> bool:
        return all(tags.get(key) == value for key, value in self.tags.items())

    def owns_policy(self, policy: TenancyPolicy) -> bool:
        return policy.name in self.policy_names and self.tagged(policy.freeform_tags)

    def owns_repository(self, repository: TenancyRepository) -> bool:
        return repository.id in self.adopted or self.tagged(repository.freeform_tags)

    def is_group(self, statement_group: str, statement_domain: str | None) -> bool:
        return (statement_group.lower(), (statement_domain or "").lower()) == (
            self.group_name.lower(),
            (self.identity_domain or "").lower(),
        )


@dataclass
class Judgement:
    errors: list[str] = field(default_factory=list)
    """Each a reason to refuse the stack, one line, without the config key."""
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Grant:
    subject: str
    """Who the statement grants to, as a policy writes it (`group 'D'/'G'`, `dynamic-group ci`)."""
    patterns: tuple[NamePattern, ...]
    ours: bool
    """Granted to this stack's own group."""
    read: bool
    """Read by the statement parser; False when only its repository-name conditions could be found."""


def _grant(text: str, stack: Stack) -> _Grant | None:
    """The repository-name conditions of one statement, and who it grants to; None without any.

    A statement the parser cannot read (`endorse`, several groups, a condition it does not know) is another
    project's statement, not one to refuse the stack over, nor one to skip: another project may grant
    `/<their prefix>-*/` in a form the parser does not know. Its repository-name
    conditions have one simple syntax wherever they stand, so they are found in the text and judged like any
    other.
    """
    if REPO_NAME not in text.lower():
        return None  # most of a tenancy's statements: nothing to parse
    found = tuple(unique(name_patterns_in_text(text)))
    if all(pattern.relation(stack.start) is Relation.APART for pattern in found):
        return None  # other prefixes' grants (p-finch, p-shopx): no need to know who they are for
    try:
        statement = parse_statement(text)
    except StatementError:
        return _Grant(subject_in_text(text), found, ours=False, read=False)
    patterns = tuple(unique(name_patterns(statement)))
    if not patterns:
        return None
    if statement.subject == "service":
        return _Grant(f"service {statement.group}", patterns, ours=False, read=True)
    if statement.subject == "any-user":
        return _Grant("any-user", patterns, ours=False, read=True)
    # A group or a dynamic group (another project's pullers, e.g. its cluster's nodes); only a group can be ours.
    subject = principal_subject(statement.subject, statement.group, statement.domain)
    ours = statement.subject == "group" and stack.is_group(statement.group, statement.domain)
    return _Grant(subject, patterns, ours=ours, read=True)


def _whose(tags: Mapping[str, str], stack: Stack) -> str:
    """Why something is not this stack's, by its tags (a policy with the stack's tags has another name)."""
    other = tags.get("pulumi-stack")
    if other and other != stack.stack_tag:
        return f"tagged pulumi-stack: {other}, not {stack.stack_tag}"
    if stack.tagged(tags):
        return f"tagged as this stack's but not named {' or '.join(sorted(stack.policy_names))}"
    return f"not tagged {', '.join(f'{key}: {value}' for key, value in stack.tags.items())}"


def judge_policies(policies: Iterable[TenancyPolicy], stack: Stack) -> Judgement:
    judgement = Judgement()
    for policy in sorted(policies, key=lambda p: (p.name, p.id)):
        if policy.state in GONE or stack.owns_policy(policy):
            continue
        where = f"policy {policy.name} ({policy.id}, compartment {policy.compartment_id})"
        for text in policy.statements:
            grant = _grant(text, stack) if isinstance(text, str) else None
            if grant is None:
                continue
            for pattern in grant.patterns:
                relation = pattern.relation(stack.start)
                if relation in (Relation.SAME, Relation.INSIDE):
                    if grant.ours:
                        # The stack's own group holds these already (e.g. this stack's policy from before a prefix
                        # change, which the update replaces): no other project's repositories are gained.
                        continue
                    judgement.errors.append(_inside_message(where, policy, grant, pattern, relation, stack))
                elif relation in (Relation.COVERS, Relation.OVERLAPS):
                    judgement.warnings.append(_covering_message(where, grant, pattern, relation, stack))
    return judgement


def _inside_message(
    where: str, policy: TenancyPolicy, grant: _Grant, pattern: NamePattern, relation: Relation, stack: Stack
) -> str:
    read = "" if grant.read else " (a statement read only for its repository names)"
    if relation is Relation.SAME:
        what = f"the same repositories as this stack's {stack.pattern}"
        advice = (
            "another stack or a hand-written policy already uses this prefix; each project needs a prefix of its own: "
            f"choose another {stack.key('prefix')}, or delete that policy if it is this project's old one "
            "(the recipe's)"
        )
    else:
        what = f"repositories {pattern}, inside this stack's {stack.pattern}"
        advice = (
            f"another project's prefix starts with {stack.start}; choose a {stack.key('prefix')} that no other "
            "project's prefix starts with (and that starts no other's)"
        )
    return (
        f"{where} is not this stack's ({_whose(policy.freeform_tags, stack)}) and grants {grant.subject} "
        f"{what}{read}: this stack's {group_subject(stack.group_name, stack.identity_domain)} would manage them "
        f"too. {advice[0].upper()}{advice[1:]} (docs/isolation.md)"
    )


def _covering_message(where: str, grant: _Grant, pattern: NamePattern, relation: Relation, stack: Stack) -> str:
    reach = (
        f"every repository this stack's {stack.pattern} names"
        if relation is Relation.COVERS
        else f"those of this stack's repositories whose names also match {pattern}"
    )
    return (
        f"{where} grants {grant.subject} repositories {pattern}, which covers {reach}: {grant.subject} can reach "
        "them as well as this stack's group. Narrow that grant if it should not (docs/isolation.md)"
    )


def judge_repositories(repositories: Iterable[TenancyRepository], stack: Stack) -> Judgement:
    judgement = Judgement()
    for repository in sorted(repositories, key=lambda r: (r.name, r.id)):
        if repository.state in GONE or not repository.name.lower().startswith(stack.start):
            continue
        if stack.owns_repository(repository):
            continue
        index = stack.declared.get(repository.name)
        other = repository.freeform_tags.get("pulumi-stack")
        if index is not None:
            advice = (
                f"if it is the one this stack declares (a first push made it, or an earlier stack retained it), adopt "
                f"it: {stack.key('images')}[{index}].repositoryOcid: {repository.id} (docs/adopting-repositories.md); "
                f"otherwise delete it or choose another {stack.key('prefix')}"
            )
        elif other and other != stack.stack_tag:
            advice = (
                f"stack {other} created it, so that stack's prefix starts with {stack.start} (or is this one): choose "
                f"a {stack.key('prefix')} that no other stack's prefix starts with"
            )
        else:
            advice = (
                f"delete or rename it if nobody uses it, or choose a {stack.key('prefix')} that no existing "
                "repository's name starts with"
            )
        judgement.errors.append(
            f"repository {repository.name} ({repository.id}, compartment {repository.compartment_id}) starts with "
            f"{stack.start} but is not this stack's ({_whose(repository.freeform_tags, stack)}, not adopted): this "
            f"stack's group would manage it through {stack.pattern}. {advice[0].upper()}{advice[1:]} "
            "(docs/isolation.md)"
        )
    return judgement


def judge(policies: Iterable[TenancyPolicy], repositories: Iterable[TenancyRepository], stack: Stack) -> Judgement:
    """Every reason the tenancy gives to refuse the stack, and every warning, in a stable order."""
    on_policies = judge_policies(policies, stack)
    on_repositories = judge_repositories(repositories, stack)
    return Judgement(on_policies.errors + on_repositories.errors, on_policies.warnings)


def shown(lines: Sequence[str], limit: int = MAX_LINES) -> list[str]:
    """At most ``limit`` lines, the rest counted on one more."""
    if len(lines) <= limit:
        return list(lines)
    return [*lines[:limit], f"… and {len(lines) - limit} more like these"]
