"""The project's stacks, from its stack files: what the workflows' matrices are built from.

    python -m tools.stacks                  one stack a line, "(production)" after the production ones
    python -m tools.stacks --json           {"stacks": [...], "production": [...], "nonproduction": [...],
                                             "project": "<Pulumi.yaml name>"}
    python -m tools.stacks --github-output  the same as `name=<JSON>` lines, for "$GITHUB_OUTPUT"

A stack is a ``Pulumi.<stack>.yaml`` in the project directory; it is a production stack when its
config (with Pulumi.yaml's defaults, as the CLI gives it to the program) sets ``<project>:production``
to true (``<project>``: Pulumi.yaml's ``name``). Read with tools/stackfiles.py: no Pulumi runtime, no
credentials. Exit status 1, naming the file, when a stack file is not valid YAML, a stack name is not one
Pulumi accepts or ``<project>:production`` is neither true nor false: a stack must never be deployed
without the production approval because its flag was misread.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from .stackfiles import PROJECT_DIR, StackFileError, load_stack_config, project_name, stack_names

# Pulumi's stack names: letters, digits, '-', '_' and '.'.
_STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class Stacks:
    production: tuple[str, ...]
    nonproduction: tuple[str, ...]
    project: str
    """Pulumi.yaml's name: the stacks' config namespace, and the project part of their full names."""

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(sorted(self.production + self.nonproduction))

    def document(self) -> dict[str, list[str] | str]:
        return {
            "stacks": list(self.all),
            "production": list(self.production),
            "nonproduction": list(self.nonproduction),
            "project": self.project,
        }


def is_production(stack: str, project_dir: Path = PROJECT_DIR) -> bool:
    """Whether the stack's config sets <project>:production to true (the program's reading of the flag)."""
    config = load_stack_config(stack, project_dir)
    key = config.key("production")
    value = config.values.get(key)
    # The CLI hands a top-level boolean to the program as "true" or "false" (stackfiles.encode_config).
    if value is None or value in ("", "false"):
        return False
    if value == "true":
        return True
    shown = "a secret" if key in config.secret_keys else repr(value)
    raise StackFileError(f"Pulumi.{stack}.yaml: {key} must be true or false, got {shown}")


def list_stacks(project_dir: Path = PROJECT_DIR) -> Stacks:
    production: list[str] = []
    nonproduction: list[str] = []
    for stack in stack_names(project_dir):
        if not _STACK_NAME.fullmatch(stack):
            raise StackFileError(
                f"Pulumi.{stack}.yaml: {stack!r} is not a Pulumi stack name (letters, digits, '-', '_', '.')"
            )
        (production if is_production(stack, project_dir) else nonproduction).append(stack)
    return Stacks(tuple(production), tuple(nonproduction), project_name(project_dir))


@dataclass(frozen=True)
class PrefixOverlap:
    """Two stack files whose grants reach each other's repositories: ``wider``'s prefix plus ``-`` starts
    ``narrower``'s (or the two prefixes are the same)."""

    wider: str
    wider_prefix: str
    narrower: str
    narrower_prefix: str
    key: str
    """The prefix's config key, in the project's namespace (`<project>:prefix`)."""

    def involves(self, stack: str) -> bool:
        return stack in (self.wider, self.narrower)

    def message(self) -> str:
        if self.wider_prefix == self.narrower_prefix:
            return (
                f"{self.key}: stacks {self.wider} and {self.narrower} both use {self.wider_prefix}: each one's group "
                f"would manage the other's repositories through /{self.wider_prefix}-*/. Give each stack file a "
                "prefix that no other stack's starts with (docs/isolation.md)"
            )
        return (
            f"{self.key}: stack {self.wider} ({self.wider_prefix}) and stack {self.narrower} "
            f"({self.narrower_prefix}): "
            f"{self.narrower}'s repositories ({self.narrower_prefix}-…) start with {self.wider_prefix}-, so "
            f"{self.wider}'s group would manage them through /{self.wider_prefix}-*/. Give each stack file a prefix "
            f"that no other stack's starts with, e.g. {self.wider_prefix}-<stack> for {self.wider} (docs/isolation.md)"
        )


def prefix_overlaps(project_dir: Path = PROJECT_DIR) -> list[PrefixOverlap]:
    """Every pair of stack files where one stack's ``<prefix>-`` starts the other's (OCI's `/<prefix>-*/` is a
    case-insensitive "starts with", so that stack's group manages the other's repositories).

    The program sees only its own stack's config, so it cannot find these; the plan command and a test over the
    stack files do (docs/isolation.md). A stack whose prefix is not a plain string is left to its own plan."""
    key = f"{project_name(project_dir)}:prefix"
    prefixes: dict[str, str] = {}
    for stack in stack_names(project_dir):
        config = load_stack_config(stack, project_dir)
        value = config.values.get(key)
        if isinstance(value, str) and value and key not in config.secret_keys:
            prefixes[stack] = value
    overlaps = []
    stacks = sorted(prefixes)
    for index, first in enumerate(stacks):
        for second in stacks[index + 1 :]:
            a, b = f"{prefixes[first].lower()}-", f"{prefixes[second].lower()}-"
            if b.startswith(a):
                overlaps.append(PrefixOverlap(first, prefixes[first], second, prefixes[second], key))
            elif a.startswith(b):
                overlaps.append(PrefixOverlap(second, prefixes[second], first, prefixes[first], key))
    return overlaps


def render_text(stacks: Stacks) -> str:
    return "".join(f"{stack}{'  (production)' if stack in stacks.production else ''}\n" for stack in stacks.all)


def render_github_output(stacks: Stacks) -> str:
    """`name=value` lines in the format GitHub reads from $GITHUB_OUTPUT (one-line compact JSON)."""
    return "".join(f"{name}={json.dumps(value, separators=(',', ':'))}\n" for name, value in stacks.document().items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.stacks", description=__doc__.split("\n\n")[0])
    output = parser.add_mutually_exclusive_group()
    output.add_argument("--json", action="store_true", help="print the stacks as JSON")
    output.add_argument("--github-output", action="store_true", help="print name=<JSON> lines for $GITHUB_OUTPUT")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="where the stack files are")
    args = parser.parse_args(argv)
    try:
        stacks = list_stacks(args.project_dir)
    except StackFileError as error:
        print(error, file=sys.stderr)  # names the stack file (and, for bad YAML, the line and column)
        return 1
    if not stacks.all:
        print(f"tools.stacks: no Pulumi.<stack>.yaml in {args.project_dir}", file=sys.stderr)
    if args.json:
        print(json.dumps(stacks.document(), indent=2))
    elif args.github_output:
        sys.stdout.write(render_github_output(stacks))
    else:
        sys.stdout.write(render_text(stacks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
