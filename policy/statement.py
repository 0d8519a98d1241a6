"""The IAM policy statement parser (no Pulumi), apart so it can be read and tested without the pack.

It refuses what it cannot read (StatementError) rather than guess, so no rule judges a misread statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class StatementError(ValueError):
    """A statement the parser does not understand: the pack rejects it rather than guess."""


_TOKEN = re.compile(
    r"""\s*(?:
        (?P<quoted>'[^']*'|"[^"]*")
      | (?P<pattern>/[^/\s'"]*/)
      | (?P<op>!=|=)
      | (?P<punct>[{},/])
      | (?P<word>[A-Za-z0-9_.@:-]+)
    )""",
    re.VERBOSE,
)
VERBS = ("inspect", "read", "use", "manage")


@dataclass(frozen=True)
class Clause:
    variable: str
    operator: str
    value: str
    kind: str  # "quoted", "pattern" or "word"


@dataclass(frozen=True)
class Location:
    """Where a statement applies: ``tenancy``, ``compartment <name>`` or ``compartment id <ocid>``."""

    kind: str  # "tenancy", "compartment" or "compartment id"
    value: str | None = None

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind} {self.value}"


@dataclass(frozen=True)
class Statement:
    domain: str | None
    group: str
    """The group's name, or the service's for a service statement."""
    verb: str
    resource_type: str
    combinator: str | None  # None (one clause), "all" or "any"
    clauses: tuple[Clause, ...]
    subject: str = "group"
    """``group``, ``dynamic-group``, ``service`` or ``any-user`` (whose ``group`` is empty)."""
    location: Location = Location("tenancy")


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise StatementError(f"cannot read the statement from {text[position:]!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


class _Reader:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise StatementError("the statement ends too early")
        self.index += 1
        return token

    def word(self, *expected: str) -> str:
        kind, value = self.take()
        if kind != "word" or (expected and value.lower() not in expected):
            wanted = " or ".join(repr(word) for word in expected) or "a word"
            raise StatementError(f"expected {wanted}, found {value!r}")
        return value.lower()

    def punct(self, expected: str) -> None:
        kind, value = self.take()
        if kind != "punct" or value != expected:
            raise StatementError(f"expected {expected!r}, found {value!r}")


def _name(token: tuple[str, str]) -> str:
    kind, value = token
    if kind == "quoted":
        return value[1:-1]
    if kind == "word":
        return value
    raise StatementError(f"expected a group name, found {value!r}")


def _clause(reader: _Reader) -> Clause:
    variable = reader.word()
    kind, operator = reader.take()
    if kind != "op":
        raise StatementError(f"expected '=' or '!=' after {variable!r}, found {operator!r}")
    kind, value = reader.take()
    if kind not in ("quoted", "pattern", "word"):
        raise StatementError(f"expected a value after {variable} {operator}, found {value!r}")
    return Clause(variable, operator, value[1:-1] if kind in ("quoted", "pattern") else value, kind)


def parse_statement(text: str) -> Statement:
    """Parse ``allow group <G> to <verb> <type> in <location> [where <condition>]``, or the same with
    ``dynamic-group <D>``, ``service <name>`` or ``any-user`` as the subject.

    Keywords are case-insensitive and spacing is free; group and dynamic-group names may be bare or quoted,
    with an identity domain as ``'<domain>'/'<name>'``. Any other subject (``any-group``,
    ``group id``, ``dynamic-group id``, several groups or services), verb, or shape is refused with
    StatementError.
    """
    reader = _Reader(text)
    reader.word("allow")
    subject = reader.word("group", "dynamic-group", "service", "any-user")
    if subject == "service":
        return _service_statement(reader)
    if subject == "any-user":
        # Every principal, narrowed only by the conditions (OKE's image verification: `request.user.id`).
        return _grant(reader, None, "", "any-user")
    first = reader.take()
    if first[0] == "word" and first[1].lower() == "id":
        raise StatementError(f"a {subject} given by OCID ('{subject} id ...') is not one the pack can check")
    domain: str | None = None
    group = _name(first)
    if reader.peek() == ("punct", "/"):
        reader.take()
        domain, group = group, _name(reader.take())
    if reader.peek() == ("punct", ","):
        raise StatementError(f"a statement for several {subject}s is not allowed")
    return _grant(reader, domain, group, subject)


def _service_statement(reader: _Reader) -> Statement:
    service = _name(reader.take()).lower()
    if reader.peek() == ("punct", ","):
        raise StatementError("a statement for several services is not allowed")
    return _grant(reader, None, service, "service")


def _grant(reader: _Reader, domain: str | None, name: str, subject: str) -> Statement:
    """``to <verb> <type> in <location> [where <condition>]``, after the subject."""
    reader.word("to")
    verb = reader.word()
    if verb not in VERBS:
        raise StatementError(f"expected one of the verbs {', '.join(VERBS)}, found {verb!r}")
    resource_type = reader.word()
    location = _location(reader)
    combinator, clauses = _conditions(reader)
    return Statement(domain, name, verb, resource_type.lower(), combinator, clauses, subject, location)


def _location(reader: _Reader) -> Location:
    reader.word("in")
    if reader.word("tenancy", "compartment") == "tenancy":
        return Location("tenancy")
    target = reader.take()
    if target[0] == "word" and target[1].lower() == "id":
        return Location("compartment id", _name(reader.take()))
    return Location("compartment", _name(target))


def _conditions(reader: _Reader) -> tuple[str | None, tuple[Clause, ...]]:
    combinator: str | None = None
    clauses: list[Clause] = []
    if reader.peek() is not None:
        reader.word("where")
        following = reader.peek()
        if following is not None and following[0] == "word" and following[1].lower() in ("all", "any"):
            combinator = reader.word("all", "any")
            reader.punct("{")
            clauses.append(_clause(reader))
            while reader.peek() == ("punct", ","):
                reader.take()
                clauses.append(_clause(reader))
            reader.punct("}")
        else:
            clauses.append(_clause(reader))
    leftover = reader.peek()
    if leftover is not None:
        raise StatementError(f"unexpected {leftover[1]!r} after the statement")
    return combinator, tuple(clauses)
