"""OCI's limits on what the package sends (pure functions, no Pulumi).

Each ``check_*`` returns its value or raises ``ValueError`` stating the limit, as naming.py does; the
caller names the argument or config key. Values the package generates itself (descriptions, its own
tags) are shortened to fit with ``shorten`` instead of failing.

Sources: Oracle's IAM documentation (policy and auth-token descriptions at most 400 characters,
policy names at most 100), its tagging documentation (a tag key at most 100 characters without
periods or spaces, a tag value at most 256) and its IAM policy limits (statements per policy).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._args import Problems

MAX_DESCRIPTION = 400
"""Policy and auth-token descriptions (OCI IAM)."""
MAX_TAG_KEY = 100
MAX_TAG_VALUE = 256
MAX_POLICY_STATEMENTS = 50
"""Statements in one IAM policy (OCI's per-policy limit; a tenancy also caps the statements along one
compartment path at 500)."""
ELLIPSIS = "…"


def shorten(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis when anything was cut."""
    return text if len(text) <= limit else text[: limit - len(ELLIPSIS)] + ELLIPSIS


def check_description(description: str) -> str:
    if not description.strip():
        raise ValueError("must not be empty (OCI requires a description)")
    if len(description) > MAX_DESCRIPTION:
        raise ValueError(f"is {len(description)} characters long; OCI allows descriptions of at most {MAX_DESCRIPTION}")
    return description


def check_tag_key(key: str) -> str:
    if not 1 <= len(key) <= MAX_TAG_KEY or any(char in key for char in ". \t\r\n"):
        raise ValueError(
            f"must be a tag key of 1-{MAX_TAG_KEY} characters without periods or spaces (OCI's tag key "
            f"rule); got {shorten(key, 60)!r} ({len(key)} characters)"
        )
    return key


def check_tag_value(value: str) -> str:
    if len(value) > MAX_TAG_VALUE:
        raise ValueError(f"is {len(value)} characters long; OCI allows free-form tag values of at most {MAX_TAG_VALUE}")
    return value


def tag_problems(tags: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(key, rule)`` for every tag that breaks OCI's limits; values not known yet are skipped.

    The key is reported as the path segment (``freeform_tags.<key>``) so a caller can name it.
    """
    problems: list[tuple[str, str]] = []
    for key, value in tags.items():
        if not isinstance(key, str):
            problems.append((str(key), "tag keys must be strings"))
            continue
        try:
            check_tag_key(key)
        except ValueError as error:
            problems.append((key, str(error)))
            continue
        if isinstance(value, str):
            try:
                check_tag_value(value)
            except ValueError as error:
                problems.append((key, str(error)))
        elif value is None or isinstance(value, (int, float, bool, dict, list)):
            problems.append((key, f"tag values must be strings, got {value!r}"))
    return problems


def check_tags(tags: Mapping[str, Any], problems: Problems, path: str) -> None:
    """OCI's limits on free-form tags, each problem at ``<path>.<key>``."""
    for key, rule in tag_problems(tags):
        problems.add(f"{path}.{key}", rule)


def check_statement_count(statements: list[str]) -> list[str]:
    if len(statements) > MAX_POLICY_STATEMENTS:
        raise ValueError(f"makes {len(statements)} policy statements; OCI allows {MAX_POLICY_STATEMENTS} in one policy")
    return statements
