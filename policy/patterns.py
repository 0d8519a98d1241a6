"""Repository-name conditions of IAM statements, and which repositories they reach (pure functions, no Pulumi).

Oracle's IAM policy conditions page (https://docs.oracle.com/iaas/Content/Identity/policysyntax/conditions.htm):
a value is a string (`'name'`, an exact match) or a pattern, and the patterns are `/X*/` (starts with X), `/*X/`
(ends with X) and `/*X*/` (contains X); condition matching is case-insensitive. A stack's grant is
`target.repo.name = /<prefix>-*/`: every repository whose name starts with `<prefix>-`, wherever it is in the
tenancy. Here a condition is compared with that set: inside it, covering it, overlapping it, or apart from it.

The comparison treats `*` as "any characters" wherever it stands, so a value in none of Oracle's three forms is
still judged by what it could match, never skipped.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from policy.statement import Clause, Statement

REPO_NAME = "target.repo.name"
# A repository-name condition in statement text, for statements the parser cannot read (another subject, verb or
# condition it does not know): the value is a pattern or a quoted string, as the parser's own tokens are.
_CLAUSE_TEXT = re.compile(
    r"target\.repo\.name\s*(?P<op>!=|=)\s*(?:/(?P<pattern>[^/\s'\"]*)/|'(?P<single>[^']*)'|\"(?P<double>[^\"]*)\")",
    re.IGNORECASE,
)


class Relation(enum.Enum):
    """How the repositories a condition names relate to the repositories named ``<prefix>-…``."""

    SAME = "the same repositories"
    INSIDE = "only repositories inside"
    COVERS = "every repository of, and more than,"
    OVERLAPS = "some repositories of"
    APART = "none of"


@dataclass(frozen=True)
class NamePattern:
    """A repository-name condition's value: ``text`` with ``*`` for any characters (lower-cased), or an exact
    name when ``exact``."""

    text: str
    exact: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", self.text.lower())  # OCI matches conditions case-insensitively

    @classmethod
    def of(cls, clause: Clause) -> NamePattern | None:
        """The name pattern of a ``target.repo.name = …`` clause; None for any other clause (another variable,
        ``!=``, which matches nearly everything, or a bare word, which OCI does not read as a name)."""
        if clause.variable.lower() != REPO_NAME or clause.operator != "=":
            return None
        if clause.kind == "pattern":
            return cls(clause.value)
        if clause.kind == "quoted":
            return cls(clause.value, exact=True)
        return None

    def __str__(self) -> str:
        return f"'{self.text}'" if self.exact else f"/{self.text}/"

    @property
    def _regex(self) -> re.Pattern[str]:
        if self.exact:
            return re.compile(re.escape(self.text))
        return re.compile(".*".join(re.escape(part) for part in self.text.split("*")), re.DOTALL)

    def matches(self, name: str) -> bool:
        return self._regex.fullmatch(name.lower()) is not None

    def relation(self, prefix: str) -> Relation:
        """How the names this pattern matches relate to the names that start with ``prefix`` (e.g. ``p-shop-``).

        Inside: every match starts with ``prefix`` (its text before the first ``*`` does). Covers: every name
        that starts with ``prefix`` matches, which holds when the pattern ends with ``*`` and what comes before
        that last ``*`` matches the start of ``prefix``. Apart: the text before the first ``*`` and ``prefix``
        differ before either ends, so no name can start with both. Anything else matches some of those names.
        """
        prefix = prefix.lower()
        if self.exact:
            return Relation.INSIDE if self.text.startswith(prefix) else Relation.APART
        head = self.text.split("*", 1)[0]
        if "*" not in self.text:
            return Relation.INSIDE if self.text.startswith(prefix) else Relation.APART
        if head.startswith(prefix):
            return Relation.SAME if self.text == f"{prefix}*" else Relation.INSIDE
        if not prefix.startswith(head):
            return Relation.APART
        if self.text.endswith("*"):
            before_last = NamePattern(self.text[:-1])
            if any(before_last.matches(prefix[:end]) for end in range(len(prefix) + 1)):
                return Relation.COVERS
        return Relation.OVERLAPS


def _literal(text: str) -> str:
    """``text`` as a regular expression matching it literally, in Go's RE2 syntax and Python's alike (both read a
    backslash before punctuation as the character itself)."""
    return "".join(char if char.isalnum() else f"\\{char}" for char in text)


def reaching_regex(start: str) -> str:
    """A regular expression that finds every statement with a repository-name condition whose pattern may reach a
    name starting with ``start``: its value starts with ``start``, or with part of it followed by ``*``.

    This is what the provider is asked to filter the tenancy's policies with (the data source's ``filter``, applied
    in the provider: terraform-provider-oci `internal/tfresource/filters.go`, `ApplyFilters`, a Go `MatchString`
    search over each statement), so that only the policies the check needs reach the program. It must find more
    rather than less: anything may stand between ``target.repo.name`` and the value's opening ``/`` or quote
    (``!=`` included, which the judgement then ignores), and case is ignored, as OCI ignores it. Only literal
    characters, one character class and alternatives: the same in RE2 and in Python's ``re``.
    """
    start = start.lower()
    alternatives = [_literal(start)] + [f"{_literal(start[:end])}\\*" for end in range(len(start))]
    return f"(?i)target\\.repo\\.name[^/'\"]*[/'\"](?:{'|'.join(alternatives)})"


def name_regex(start: str) -> str:
    """A regular expression for repository names that start with ``start`` (RE2 and Python alike)."""
    return f"(?i)^{_literal(start.lower())}"


def prefix_pattern(prefix: str) -> NamePattern:
    """The stack's own grant: ``/<prefix>-*/``."""
    return NamePattern(f"{prefix}-*")


def name_patterns(statement: Statement) -> list[NamePattern]:
    """Every ``target.repo.name = …`` value in a parsed statement's condition."""
    return [pattern for clause in statement.clauses if (pattern := NamePattern.of(clause)) is not None]


def name_patterns_in_text(text: str) -> list[NamePattern]:
    """Every ``target.repo.name = …`` value found in statement text the parser could not read."""
    found: list[NamePattern] = []
    for match in _CLAUSE_TEXT.finditer(text):
        if match["op"] != "=":
            continue
        if match["pattern"] is not None:
            found.append(NamePattern(match["pattern"]))
        else:
            found.append(NamePattern(match["single"] or match["double"] or "", exact=True))
    return found


def subject_in_text(text: str) -> str:
    """Who a statement the parser could not read grants to, as written: the words between its verb of policy
    (``allow``, ``endorse``, ``admit``) and `` to ``."""
    words = text.strip().split()
    rest = " ".join(words[1:]) if words else ""
    subject, separator, _ = rest.partition(" to ")
    return subject if separator else rest


def unique(patterns: Iterable[NamePattern]) -> Iterator[NamePattern]:
    seen: set[NamePattern] = set()
    for pattern in patterns:
        if pattern not in seen:
            seen.add(pattern)
            yield pattern
