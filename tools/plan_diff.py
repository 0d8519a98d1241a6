"""Compare two plans (``python -m tools.plan STACK --json``) and render the difference as Markdown.

    python -m tools.plan diff BASE.json HEAD.json [--title TEXT] [--absent base|head]

Made for a pull-request comment or a job summary: first the risks a reviewer must not miss (one line
each: a protected resource replaced or deleted, a repository deleted or replaced, the auth token
replaced, a repository made public, an IAM statement granted, the policy deleted, vulnerability scanning
stopped or a scan target covering every repository), then per resource
what is added, removed or changed, IAM statements line by line (``-`` removed, ``+`` added, as a
diff block), every other changed input as ``old → new``. It reads only plans, which already mask
secrets (``[secret]``) and spell out values the cloud decides (``(known after apply)``), so nothing
secret can reach the output. A stack that does not exist on one side is said so with ``--absent``;
an empty or missing plan file is otherwise an error, and a plan of a failed run (``errors``) is
printed and fails the diff.

Resources are matched by URN; one that changed its name (a new prefix renames everything) is
matched by type and by its name relative to the project component, and shown as a replacement.
Every value coming from a plan is written inside code spans or blocks whose fences are longer
than any backtick run in the value, so a plan cannot inject Markdown into the comment.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

from policy.patterns import NamePattern, Relation, name_patterns, name_patterns_in_text
from policy.statement import StatementError, parse_statement

from .engine.steps import Resource, flatten, step
from .engine.types import AUTH_TOKEN, INDEX, POLICY, REGISTRY_IMAGE, REPOSITORY, SCAN_TARGET

STATEMENTS = "statements"
# GitHub refuses comments over 65,536 characters; leave room for the caller's own framing.
MAX_MARKDOWN = 60_000


def load_plan(path: Path) -> dict[str, Any]:
    """A plan document from ``--json``: a plan, or the record of a failed run (``errors``)."""
    if not path.is_file():
        raise ValueError(f"{path} does not exist (a stack missing on that side is `--absent base|head`)")
    text = path.read_text()
    if not text.strip():
        raise ValueError(
            f"{path} is empty: the plan command failed before it printed, or the stack does not exist on "
            "that side (say so with `--absent base|head`)"
        )
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{path} is not JSON ({error})") from None
    if not isinstance(document, dict):
        raise ValueError(f"{path} is not a plan from `python -m tools.plan STACK --json`")
    if isinstance(document.get("errors"), list):
        return document
    if not isinstance(document.get("resources"), list):
        raise ValueError(f"{path} is not a plan from `python -m tools.plan STACK --json`")
    return document


# --- Markdown that no value can break out of -------------------------------------------------


def _longest_backticks(text: str) -> int:
    return max((len(run) for run in re.findall(r"`+", text)), default=0)


def code(value: Any) -> str:
    """An inline code span holding ``value`` exactly (newlines shown as ``\\n``)."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    fence = "`" * (_longest_backticks(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") or not text.strip() else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def block(lines: Iterable[str], language: str = "") -> list[str]:
    body = [line.replace("\r", "\\r") for line in lines]
    fence = "`" * max(3, _longest_backticks("\n".join(body)) + 1)
    return [f"{fence}{language}", *body, fence]


# --- comparing -------------------------------------------------------------------------------


def statement_lines(before: list[Any], after: list[Any]) -> list[str]:
    """``- `` removed, ``+ `` added and ``  `` unchanged statements, in order."""
    old = [str(item) for item in before]
    new = [str(item) for item in after]
    lines: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            lines.extend(f"  {line}" for line in old[i1:i2])
        else:
            lines.extend(f"- {line}" for line in old[i1:i2])
            lines.extend(f"+ {line}" for line in new[j1:j2])
    return lines


def _statements(resource: Mapping[str, Any] | None) -> list[Any] | None:
    if resource is None:
        return None
    value = resource.get("inputs", {}).get(STATEMENTS)
    return value if isinstance(value, list) else None


def _comparable(resource: Mapping[str, Any]) -> dict[str, Any]:
    """Everything about a resource that a diff shows besides its statements."""
    inputs = {key: value for key, value in resource.get("inputs", {}).items() if key != STATEMENTS}
    flat = {f"inputs.{key}": value for key, value in flatten(inputs).items()} if inputs else {}
    for key, value in (resource.get("options") or {}).items():
        flat[f"options.{key}"] = value
    flat["dependsOn"] = resource.get("dependsOn", [])
    flat["secretInputs"] = resource.get("secretInputs", [])
    return flat


@dataclass
class ResourceChange:
    kind: str  # "added", "removed", "changed", "replaced"
    type: str
    name: str
    old_name: str | None = None
    statements: list[str] = field(default_factory=list)
    values: list[tuple[str, Any, Any]] = field(default_factory=list)
    cloud: bool = True
    """A resource a provider creates (what the counts count), not a component, provider or check."""
    reasons: list[str] = field(default_factory=list)
    """Why the engine replaces it (tools/engine/steps.py)."""
    may_replace: list[str] = field(default_factory=list)
    """Replace-forcing inputs known only after apply: replaced if they differ."""
    stops: str | None = None
    """Why `pulumi up` stops here (protection)."""
    removes: str | None = None
    """What the provider's Delete removes in this change (a removal, or the old resource of a replacement)."""

    @property
    def statement_counts(self) -> tuple[int, int]:
        return (
            sum(1 for line in self.statements if line.startswith("- ")),
            sum(1 for line in self.statements if line.startswith("+ ")),
        )


def _root_name(document: Mapping[str, Any]) -> str:
    roots = [r["name"] for r in document["resources"] if r.get("depth") == 0]
    return roots[0] if len(roots) == 1 else ""


def _role(resource: Mapping[str, Any], root: str) -> tuple[str, str]:
    name = str(resource["name"])
    return (str(resource["type"]), name[len(root) :] if root and name.startswith(root) else name)


def _compare(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> ResourceChange | None:
    current = new if new is not None else old
    assert current is not None
    old_statements, new_statements = _statements(old), _statements(new)
    statements = (
        statement_lines(old_statements or [], new_statements or [])
        if old_statements is not None or new_statements is not None
        else []
    )
    before = _comparable(old) if old is not None else {}
    after = _comparable(new) if new is not None else {}
    values = [
        (key, before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key) and not (old is None and not after.get(key))
    ]
    reasons: list[str] = []
    may_replace: list[str] = []
    stops = removes = None
    if old is None:
        kind = "added"
    elif new is None:
        kind = "removed"
        values = []  # a removed resource is listed; its statements say what access goes away
        gone = step(Resource.of_plan(old), None)
        stops, removes = gone.stops, gone.removes
    elif old["urn"] != new["urn"]:
        # A new URN with no alias: the engine creates the new resource and deletes the old one.
        kind = "replaced"
        reasons = ["its URN changes (a new name or parent) and no alias keeps the old one"]
        gone = step(Resource.of_plan(old), None)
        stops, removes = gone.stops, gone.removes
    else:
        # The same URN: replaced when the engine's trigger rule or the provider's replace-forcing inputs say so.
        engine = step(Resource.of_plan(old), Resource.of_plan(new))
        kind = "replaced" if engine.replaces else "changed"
        reasons, may_replace = list(engine.reasons), list(engine.may_replace)
        stops, removes = engine.stops, engine.removes
        if kind == "changed" and not values and all(line.startswith("  ") for line in statements):
            return None
    return ResourceChange(
        kind=kind,
        type=str(current["type"]),
        name=str(current["name"]),
        old_name=str(old["name"])
        if kind == "replaced" and old is not None and old["name"] != current["name"]
        else None,
        statements=statements,
        values=values,
        cloud=is_cloud_resource(current),
        reasons=reasons,
        may_replace=may_replace,
        stops=stops,
        removes=removes,
    )


def _pairs(
    base: Mapping[str, Any], head: Mapping[str, Any]
) -> Iterator[tuple[dict[str, Any] | None, dict[str, Any] | None]]:
    old = {r["urn"]: r for r in base["resources"]}
    new = {r["urn"]: r for r in head["resources"]}
    for urn, resource in new.items():
        if urn in old:
            yield old[urn], resource
    removed = [r for urn, r in old.items() if urn not in new]
    added = [r for urn, r in new.items() if urn not in old]
    base_root, head_root = _root_name(base), _root_name(head)
    by_role: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for resource in removed:
        by_role.setdefault(_role(resource, base_root), []).append(resource)
    for resource in added:
        candidates = by_role.get(_role(resource, head_root))
        if candidates and len(candidates) == 1:
            yield candidates.pop(), resource
        else:
            yield None, resource
    for leftover in by_role.values():
        for resource in leftover:
            yield resource, None


def diff_plans(base: Mapping[str, Any] | None, head: Mapping[str, Any] | None) -> list[ResourceChange]:
    empty: dict[str, Any] = {"resources": []}
    changes = [_compare(old, new) for old, new in _pairs(base or empty, head or empty)]
    order = {"removed": 0, "replaced": 1, "changed": 2, "added": 3}
    return sorted((c for c in changes if c is not None), key=lambda c: (order[c.kind], c.type, c.name))


# --- risks ---------------------------------------------------------------------------------------


def _resources(document: Mapping[str, Any] | None) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["type"], r["name"]): r for r in (document or {}).get("resources", [])}


PUSHED_IMAGES = (INDEX, REGISTRY_IMAGE)
"""Types whose Delete can remove pushed images from a registry (tools/engine/rules.py): a risk when it runs."""


def _risk_lines(change: ResourceChange, old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> list[str]:
    lines: list[str] = []
    name = code(change.old_name or change.name)
    gone = change.kind in ("removed", "replaced")
    old_options = (old or {}).get("options") or {}
    old_inputs, new_inputs = (old or {}).get("inputs") or {}, (new or {}).get("inputs") or {}
    if change.stops:
        verb = "replace" if change.kind == "replaced" else "delete"
        why = f" ({'; '.join(change.reasons)})" if change.kind == "replaced" and change.reasons else ""
        lines.append(
            f"**{code(change.type)} {name} is protected: `pulumi up` will stop** rather than {verb} it{why}. "
            "If this is a rename, add an alias so it keeps its identity; to really "
            f"{verb} it, `pulumi state unprotect` it first (docs/production.md)."
        )
    if change.type == REPOSITORY and gone:
        repository = code(old_inputs.get("displayName", change.old_name or change.name))
        if old_options.get("retainOnDelete"):
            lines.append(
                f"Repository {repository} leaves the stack but is **retained in OCI with its images**; declaring it "
                "again fails on the duplicate name until it is imported (`repositoryOcid`)."
            )
        else:
            what = "replaced: the old one is deleted" if change.kind == "replaced" else "deleted"
            lines.append(f"Repository {repository} is **{what} with every image in it**.")
    if change.type == AUTH_TOKEN:
        if change.kind == "replaced":
            lines.append(
                "The **auth token is replaced**: everything that logs in with `authToken` (CI secrets, docker "
                "configs, pull secrets) must read the new one after `pulumi up`."
            )
        elif change.kind == "removed":
            lines.append("The **auth token is deleted**: logins with it stop working.")
    if change.type == POLICY and change.kind == "replaced" and change.old_name is None and not change.stops:
        lines.append(
            f"The IAM policy {name} is **replaced** ({'; '.join(change.reasons)}): the new one is created before the "
            "old one is deleted."
        )
    if gone and change.removes and change.type in PUSHED_IMAGES:
        what = "replaced" if change.kind == "replaced" else "deleted"
        line = f"{code(change.type)} {name} is {what}, and its Delete **removes {change.removes}**."
        if change.type == INDEX:
            line += (
                " The state has no retainOnDelete for it yet (the engine reads the flag from the state): deploy "
                "this version once without changing tags or removing images, then make that change."
            )
        lines.append(line)
    for path in change.may_replace:
        lines.append(
            f"{code(change.type)} {code(change.name)} is **replaced if** {code(path)} differs: its value is known only "
            "after apply, and the provider replaces on it."
        )
    if change.type == REPOSITORY and new_inputs.get("isPublic") is True and old_inputs.get("isPublic") is not True:
        lines.append(
            f"Repository {code(new_inputs.get('displayName', change.name))} **becomes public**: anyone can pull "
            "its images without logging in."
        )
    if change.type == SCAN_TARGET:
        lines += _scan_target_risks(change, old_inputs, new_inputs)
    lines += _widened_grants(change)
    for line in change.statements:
        if line.startswith("+ "):
            lines.append(f"IAM statement **granted**: {code(line[2:])}")
    if change.type == POLICY and change.kind == "removed":
        old_statements = [str(text) for text in old_inputs.get(STATEMENTS) or []]
        subjects = {text.split()[1].lower() for text in old_statements if len(text.split()) > 1}
        who = "the service it names" if subjects == {"service"} else "its group"
        lines.append(f"The IAM policy {name} is **deleted**: {who} loses what the statements below granted.")
    return lines


def _name_patterns(text: str) -> list[NamePattern]:
    """The repository-name patterns a statement grants on (policy/patterns.py)."""
    try:
        return name_patterns(parse_statement(text))
    except StatementError:
        return name_patterns_in_text(text)


def _widened_grants(change: ResourceChange) -> list[str]:
    """A removed grant on ``/X*/`` whose replacement covers more than it: a prefix change such as ``p-shop-dev`` →
    ``p-shop`` makes the group manage every ``p-shop-…`` repository, other projects' (``p-shop-prod-…``) included."""
    removed = [pattern for line in change.statements if line.startswith("- ") for pattern in _name_patterns(line[2:])]
    added = [pattern for line in change.statements if line.startswith("+ ") for pattern in _name_patterns(line[2:])]
    lines: list[str] = []
    for old in removed:
        start = old.text[:-1]
        if old.exact or not old.text.endswith("*") or "*" in start:
            continue
        for new in added:
            if new.relation(start) is not Relation.COVERS:
                continue
            new_start = new.text[:-1]
            pure = not new.exact and new.text.endswith("*") and "*" not in new_start
            reach = f"whose name starts with {code(new_start)}" if pure else f"that {code(str(new))} matches"
            lines.append(
                f"The grant **widens**: {code(str(new))} replaces {code(str(old))}, so the group may now reach "
                f"every repository {reach}, not only those starting with {code(start)}: other projects' too, if "
                "their prefix starts like this one. Check that none does (the stack's `prefix` config key, "
                "docs/isolation.md)."
            )
    return lines


def _scanned(inputs: Mapping[str, Any]) -> Any:
    registry = inputs.get("targetRegistry")
    return registry.get("repositories") if isinstance(registry, Mapping) else None


def _scan_target_risks(change: ResourceChange, old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Scanning that stops, and a target that scans (and claims) every repository of its compartment.

    The service's grants need no line of their own: a statement granted is one already.
    """
    name = code(change.old_name or change.name)
    if change.kind == "removed":
        return [f"Vulnerability scanning **stops** for {code(_scanned(old) or [])}: the scan target {name} is deleted."]
    if not _scanned(new) and (change.kind != "changed" or _scanned(old)):
        return [
            f"Scan target {code(change.name)} names **no repository: OCI scans every repository in its "
            "compartment** and claims them all (a repository can be in one target only)."
        ]
    return []


def risks(base: Mapping[str, Any] | None, head: Mapping[str, Any] | None) -> list[str]:
    """One line per risk in the change, most severe kinds first."""
    old, new = _resources(base), _resources(head)
    found: list[str] = []
    for change in diff_plans(base, head):
        before = old.get((change.type, change.old_name or change.name)) if change.kind != "added" else None
        after = new.get((change.type, change.name)) if change.kind != "removed" else None
        found += _risk_lines(change, before, after)
    return found


def is_cloud_resource(resource: Mapping[str, Any]) -> bool:
    """What the counts count: resources a provider creates, not components, providers or the login check."""
    type_ = str(resource.get("type", ""))
    return bool(resource.get("custom")) and not type_.startswith(("pulumi:", "pulumi-python:dynamic"))


# --- rendering -------------------------------------------------------------------------------

SYMBOL = {"added": "+", "removed": "-", "changed": "~", "replaced": "±"}


def _value(value: Any) -> str:
    return "(absent)" if value is None else code(value)


def render_markdown(base: Mapping[str, Any] | None, head: Mapping[str, Any] | None, title: str | None = None) -> str:
    stack = (head or base or {}).get("stack", "?")
    changes = diff_plans(base, head)
    counts = {kind: sum(1 for c in changes if c.kind == kind and c.cloud) for kind in SYMBOL}
    removed_statements = sum(c.statement_counts[0] for c in changes)
    added_statements = sum(c.statement_counts[1] for c in changes)
    out = [f"### {title or 'Plan diff'}: stack {code(stack)}", ""]
    if base is None:
        out.append("_No plan on the base side: the stack is new in this change._")
    if head is None:
        out.append("_No plan on the head side: this change removes the stack._")
    if base is None or head is None:
        out.append("")
    out.append(
        f"**{counts['added']} to add, {counts['changed']} to change, {counts['replaced']} to replace, "
        f"{counts['removed']} to remove**; IAM statements: **{removed_statements} removed, "
        f"{added_statements} added**."
    )
    found = risks(base, head)
    if found:
        out += ["", "#### Risks", ""]
        out += [f"- {line}" for line in found]
    out.append("")
    out.append(
        "_Evaluated under Pulumi mocks from the code on each side: no cloud credentials; secrets show as "
        "`[secret]`, values only the cloud knows as `(known after apply)`._"
    )
    if not changes:
        out += ["", "No changes."]
    for change in changes:
        heading = f"{SYMBOL[change.kind]} {code(change.type)} {code(change.name)}"
        if change.old_name is not None:
            heading += f" (replaces {code(change.old_name)})"
        else:
            heading += f" ({change.kind})"
        out += ["", f"#### {heading}"]
        if change.kind == "replaced" and change.reasons:
            out += ["", "Replaced because " + "; ".join(code(reason) for reason in change.reasons) + "."]
        if change.statements:
            out += ["", "IAM statements:", ""]
            out += block(change.statements, "diff")
        if change.values:
            out += [""]
            for key, old, new in change.values:
                if change.kind == "added":
                    out.append(f"- {code(key)}: {_value(new)}")
                else:
                    out.append(f"- {code(key)}: {_value(old)} → {_value(new)}")
    outputs = _output_changes(base, head)
    if outputs:
        out += ["", "#### Stack outputs", ""]
        out += [f"- {code(key)}: {_value(old)} → {_value(new)}" for key, old, new in outputs]
    text = "\n".join(out) + "\n"
    if len(text) > MAX_MARKDOWN:
        cut = text[:MAX_MARKDOWN].rsplit("\n", 1)[0]
        # Close a code block left open by the cut.
        fences = re.findall(r"^(`{3,})", cut, flags=re.MULTILINE)
        if len(fences) % 2:
            cut += "\n" + fences[-1]
        text = cut + "\n\n_Diff truncated: run `python -m tools.plan diff` locally for the rest._\n"
    return text


def _output_changes(base: Mapping[str, Any] | None, head: Mapping[str, Any] | None) -> list[tuple[str, Any, Any]]:
    before = flatten((base or {}).get("outputs") or {"": None})
    after = flatten((head or {}).get("outputs") or {"": None})
    keys = sorted((set(before) | set(after)) - {""})
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


def main(argv: list[str]) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(
        prog="python -m tools.plan diff", description="Compare two plans (--json) as Markdown for a PR comment."
    )
    parser.add_argument("base", type=Path, help="plan of the base branch")
    parser.add_argument("head", type=Path, help="plan of the pull request")
    parser.add_argument("--title", default=None, help="heading text (default: Plan diff)")
    parser.add_argument(
        "--absent",
        choices=("base", "head"),
        help="the stack does not exist on that side (new, or removed by the change): its file is not read",
    )
    args = parser.parse_args(argv)
    try:
        base = None if args.absent == "base" else load_plan(args.base)
        head = None if args.absent == "head" else load_plan(args.head)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    failed = [
        (side, document) for side, document in (("base", base), ("head", head)) if document and "errors" in document
    ]
    if failed:
        print(render_failure(failed, args.title), end="")
        return 1
    print(render_markdown(base, head, args.title), end="")
    return 0


def render_failure(failed: Sequence[tuple[str, Mapping[str, Any]]], title: str | None = None) -> str:
    """What a diff says when a side's plan failed: that side's errors, and no diff."""
    stack = failed[0][1].get("stack", "?")
    out = [f"### {title or 'Plan diff'}: stack {code(stack)}", ""]
    for side, document in failed:
        out += [f"**The plan failed on the {side} side**; nothing is compared:", ""]
        out += block([str(line) for line in document["errors"]])
        out.append("")
    return "\n".join(out)
