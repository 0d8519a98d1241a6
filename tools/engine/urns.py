"""URNs as the Pulumi engine builds them and follows aliases, so that tests can tell, without a
deployment, which recorded URNs a change keeps and which it would delete.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tools.engine.monitor import Registration


def make_urn(stack: str, project: str, parent_urn: str, type_: str, name: str) -> str:
    """A resource's URN: children carry their parents' type chain, except under the root stack."""
    chain = type_
    if parent_urn:
        parent_chain = parent_urn.split("::")[2]
        if parent_chain != "pulumi:pulumi:Stack":
            chain = f"{parent_chain}${type_}"
    return f"urn:pulumi:{stack}::{project}::{chain}::{name}"


def alias_urns(resources: Sequence[Registration], resource: Registration) -> set[str]:
    """The URNs the engine would take as ``resource``'s former identities.

    Mirrors the engine: its own aliases (URNs, or specs completed from the resource itself),
    plus one alias per alias of its parent, in which a child name that starts with the
    parent's name takes the parent alias's name instead (the `f"{name}-<role>"` convention).
    """
    stack, project = resource.urn.split("::")[0].rsplit(":", 1)[1], resource.urn.split("::")[1]
    identities = [(resource.name, resource.type)]
    found: set[str] = set()
    for alias in resource.aliases:
        if "urn" in alias:
            found.add(alias["urn"])
            continue
        spec = alias.get("spec", {})
        parent_urn = "" if spec.get("noParent") else spec.get("parentUrn") or resource.parent
        name, type_ = spec.get("name") or resource.name, spec.get("type") or resource.type
        found.add(make_urn(spec.get("stack") or stack, spec.get("project") or project, parent_urn, type_, name))
        identities.append((name, type_))
    parent = next((r for r in resources if r.urn == resource.parent), None)
    if parent is not None:
        for parent_alias in alias_urns(resources, parent):
            alias_name = parent_alias.rsplit("::", 1)[1]
            for name, type_ in identities:
                if name.startswith(parent.name):
                    name = alias_name + name[len(parent.name) :]
                found.add(make_urn(stack, project, parent_alias, type_, name))
    return found


def kept_urns(resources: Sequence[Registration]) -> set[str]:
    """Every URN ``resources`` declare or alias: state under any of them keeps its resource."""
    kept = {r.urn for r in resources}
    for resource in resources:
        kept |= alias_urns(resources, resource)
    return kept
