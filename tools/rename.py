"""Rename the project in one step: Pulumi.yaml's name, every stack file's keys, the URN records.

    python -m tools.rename NEW_NAME                 rename the project Pulumi.yaml names
    python -m tools.rename NEW_NAME --from OLD      rename what is still under OLD (e.g. after `pulumi new`)

The project's name is its config namespace (the CLI puts the keys Pulumi.yaml declares under it) and
part of every stack's full name (`<org>/<project>/<stack>`) and URN (`urn:pulumi:<stack>::<project>::…`).
Renaming it therefore rewrites, in the project directory:

- Pulumi.yaml: `name:`;
- every Pulumi.<stack>.yaml: each `<old>:<key>` key (commented-out ones too) becomes `<new>:<key>`, and a
  `promoteFrom` value `<org>/<old>/<stack>` becomes `<org>/<new>/<stack>`; when a file already sets a
  key under the new name (`pulumi new` writes its answers there), that value is kept and the old one
  dropped;
- tests/urns/<stack>.txt: the project part of every recorded URN.

The files are edited as text, so comments and layout stay; each rewritten stack file is read back and
must hold exactly the renamed config, or nothing is written. Without --from, the old name is Pulumi.yaml's;
when Pulumi.yaml already has the new name (`pulumi new` renamed it), it is the name the URN records were
made under. Deployed stacks keep their state under the old name: move each with
`pulumi stack rename <org>/<new>/<stack> --stack <org>/<old>/<stack>` before the next `pulumi up`
(docs/production.md, "Renaming the project").
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .stackfiles import PROJECT_DIR, StackFileError, project_name, stack_names

# pulumi/pulumi sdk/go/common/tokens/project.go ValidateProjectName (1-100 of letters, digits, '_', '.',
# '-') and pkg/workspace/templates.go ValidateProjectName (not `pulumi`, nor starting with `pulumi.`).
_PROJECT_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")
_RECORD_PROJECT = re.compile(r"^(urn:pulumi:[^:]*)::([^:]+)::")


class RenameError(ValueError):
    """A rename that cannot be done as asked: one line naming the file and what is wrong."""


def check_project_name(name: str) -> str:
    if not _PROJECT_NAME.fullmatch(name):
        raise RenameError(
            f"{name!r} is not a Pulumi project name: 1-100 letters, digits, hyphens, underscores and periods"
        )
    if name.lower() == "pulumi" or name.lower().startswith("pulumi."):
        raise RenameError(f"{name!r} is not a Pulumi project name: it must not be `pulumi` or start with `pulumi.`")
    return name


def _record_paths(project_dir: Path) -> list[Path]:
    return sorted((project_dir / "tests" / "urns").glob("*.txt"))


def recorded_projects(project_dir: Path) -> set[str]:
    """The project names the URN records were made under."""
    found = set()
    for path in _record_paths(project_dir):
        for line in path.read_text().splitlines():
            match = _RECORD_PROJECT.match(line)
            if match:
                found.add(match[2])
    return found


def former_name(project_dir: Path, new: str) -> str:
    """The name to rename from: Pulumi.yaml's, or (when that is already ``new``) the records'."""
    current = project_name(project_dir)
    if current != new:
        return current
    others = recorded_projects(project_dir) - {new}
    if len(others) > 1:
        raise RenameError(f"tests/urns records several projects ({', '.join(sorted(others))}): say which with --from")
    return others.pop() if others else new


def _keys(old: str) -> re.Pattern[str]:
    # `<old>:<key>` where a key or a mention of one starts: not inside a word, a host (fra.ocir.io), a
    # type token (pulumi-python:dynamic/ocir:…) or another key.
    return re.compile(rf"(?<![\w.:/-]){re.escape(old)}:(?=[A-Za-z])")


def _stack_references(old: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w.-])([A-Za-z0-9][A-Za-z0-9_-]*)/{re.escape(old)}/(?=[A-Za-z0-9_.-])")


def _renamed_config(config: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """The stack's config as it must read after the rename (what the text edit is checked against)."""
    renamed: dict[str, Any] = {}
    for key, value in config.items():
        namespace, _, name = key.partition(":")
        if namespace == old and name:
            target = f"{new}:{name}"
            if target in config:
                continue  # the value already under the new name wins
            if name == "promoteFrom" and isinstance(value, str):
                value = _stack_references(old).sub(rf"\1/{new}/", value)
            renamed[target] = value
        else:
            renamed[key] = value
    return renamed


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _drop_entries(lines: list[str], keys: set[str]) -> list[str]:
    """``lines`` without the top-level config entries ``keys`` (each key's line and its block value)."""
    kept: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        name = stripped.split(":", 2)
        if stripped and not stripped.startswith("#") and ":".join(name[:2]) in keys:
            indent = _indent(line)
            index += 1
            while index < len(lines):
                following = lines[index]
                inner = following.strip()
                if inner and _indent(following) <= indent and not (_indent(following) == indent and inner[:2] == "- "):
                    break
                index += 1
            continue
        kept.append(line)
        index += 1
    return kept


@dataclass
class Edit:
    path: Path
    text: str
    what: str


def _stack_file_edit(path: Path, old: str, new: str) -> Edit | None:
    text = path.read_text()
    document = yaml.safe_load(text) or {}
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise RenameError(f"{path.name}: config must be a mapping of keys to values")
    expected = _renamed_config(config, old, new)
    if expected == config and not _keys(old).search(text):
        return None
    shadowed = {key for key in config if key.startswith(f"{old}:") and f"{new}:{key.split(':', 1)[1]}" in config}
    lines = _drop_entries(text.splitlines(keepends=True), shadowed)
    keys, references = _keys(old), _stack_references(old)
    rewritten = []
    for line in lines:
        line = keys.sub(f"{new}:", line)
        if "promoteFrom" in line:
            line = references.sub(rf"\1/{new}/", line)
        rewritten.append(line)
    result = "".join(rewritten)
    if ((yaml.safe_load(result) or {}).get("config") or {}) != expected:
        raise RenameError(f"{path.name}: the renamed file would not hold the renamed config; rename its keys by hand")
    moved = sum(1 for key in config if key.startswith(f"{old}:"))
    kept = f", kept {len(shadowed)} already set under {new}" if shadowed else ""
    return Edit(path, result, f"{path.name}: {moved} key(s) {old}:* -> {new}:*{kept}")


def _project_file_edit(path: Path, old: str, new: str) -> Edit | None:
    """`name:`, and any template prompt written with the old namespace (`<old>:prefix`)."""
    text = path.read_text()
    line = re.compile(rf"^name:[ \t]*(['\"]?){re.escape(old)}\1[ \t]*(#.*)?$", re.MULTILINE)
    current = project_name(path.parent)
    if current != new and not line.search(text):
        raise RenameError(f"{path.name}: no line `name: {old}` to rename (its name is {current!r})")
    result = _keys(old).sub(f"{new}:", line.sub(f"name: {new}", text, count=1))
    if result == text:
        return None
    document = yaml.safe_load(result) or {}
    if document.get("name") != new:
        raise RenameError(f"{path.name}: the renamed file would not be named {new}; rename it by hand")
    return Edit(path, result, f"{path.name}: name {old} -> {new}")


def _record_edit(path: Path, old: str, new: str) -> Edit | None:
    text = path.read_text()
    pattern = re.compile(rf"^(urn:pulumi:[^:]*)::{re.escape(old)}::", re.MULTILINE)
    result, count = pattern.subn(rf"\1::{new}::", text)
    if not count:
        return None
    return Edit(path, result, f"tests/urns/{path.name}: {count} URN(s) now in project {new}")


def rename(project_dir: Path, new: str, old: str | None = None) -> list[str]:
    """Rename the project in ``project_dir`` from ``old`` (default: see former_name) to ``new``; the lines
    say what changed. Nothing is written unless every file can be renamed."""
    check_project_name(new)
    old = old or former_name(project_dir, new)
    if old == new:
        return [f"the project is already named {new}: nothing to rename"]
    edits = [_project_file_edit(project_dir / "Pulumi.yaml", old, new)]
    edits += [_stack_file_edit(project_dir / f"Pulumi.{stack}.yaml", old, new) for stack in stack_names(project_dir)]
    edits += [_record_edit(path, old, new) for path in _record_paths(project_dir)]
    done = [edit for edit in edits if edit is not None]
    for edit in done:
        edit.path.write_text(edit.text)
    return [edit.what for edit in done] or [f"nothing under {old} to rename"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.rename", description=__doc__.split("\n\n")[0])
    parser.add_argument("name", help="the project's new name (its config namespace)")
    parser.add_argument("--from", dest="old", help="the name to rename from (default: Pulumi.yaml's, see above)")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        lines = rename(args.project_dir, args.name, args.old)
    except (RenameError, StackFileError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    print(
        "Next: `make test` (the URN records now name the new project). Stacks already deployed keep their state "
        f"under the old name: `pulumi stack rename <org>/{args.name}/<stack> --stack <org>/<old name>/<stack>` "
        "for each, before the next `pulumi up`."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
