"""A tenancy's contents as OCI's list lookups return them through the oci provider: the mocks' answers to
`get_compartments`, `get_policies` and `get_container_repositories`.

What the lookups do, as read from oracle/terraform-provider-oci (what pulumi-oci 5.x bridges):

- **Every page, in one invoke.** Each data source's `Get` calls the List operation, then calls it again with
  `request.Page = response.OpcNextPage` until no next page is left, appending the items
  (`internal/service/identity/identity_policies_data_source.go`, `identity_compartments_data_source.go`,
  `internal/service/artifacts/artifacts_container_repositories_data_source.go`). So one invoke returns every
  item, at the cost of one API call per page; the program makes no page requests of its own and cannot.
  The repositories' collection-level counts (`repositoryCount`, `remainingItemsCount`, …) are set from the
  first response only (`SetData` reads `s.Res`, the first page's response): they do not count the later pages,
  and the program never reads them.
- **Subtree only from the root.** `compartmentIdInSubtree` "can only be set to true when performing
  ListCompartments on the tenancy (root compartment)", and likewise for ListContainerRepositories (the
  arguments' documentation in pulumi-oci's `identity/get_compartments.py` and `artifacts/get_container_repositories.py`,
  from OCI's API reference). ListPolicies lists the policies attached to the one compartment it is given (no
  subtree). The mocks list the compartments below the root; the program adds the root itself, and ignores it
  should OCI list it.
- **Filters run in the provider, after every page was read** (`SetData` calls `tfresource.ApplyFilters`, or
  `ApplyFiltersInCollection` for the repositories' items; `filtered` below): they cut what reaches the program,
  not the API calls.
- **A lookup the credentials may not make** fails the invoke with OCI's 404 `NotAuthorizedOrNotFound` (OCI does not
  say which of the two), as a failed read of `get_container_repository` does (tools/engine/mocks.py).
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tools.engine.types import GET_COMPARTMENTS, GET_CONTAINER_REPOSITORIES, GET_POLICIES

NOT_AUTHORIZED = (
    "404-NotAuthorizedOrNotFound, Authorization failed or requested resource not found.\n"
    "Suggestion: Either the resource has been deleted or service {service} need policy to access this resource. "
    "Policy reference: https://docs.oracle.com/en-us/iaas/Content/Identity/Reference/policyreference.htm\n"
    "Service: {service} \n"
    "OPC request ID: mock-request \n"
)
"""The failure a lookup without permission gets: OCI's 404, in the provider's several lines (terraform-provider-oci
`internal/tfresource/errors.go`, `customError.Error`; `suggestions.go`, `getSuggestionFor404`)."""
SUBTREE_ONLY_FROM_ROOT = (
    "400-InvalidParameter, compartmentIdInSubtree may be true only on the tenancy (root compartment)"
)


_COUNTING = threading.Lock()


class LookupRefusedError(Exception):
    """A lookup the mocked provider answers with a failure: ``(property, reason)``."""

    def __init__(self, property_: str, reason: str) -> None:
        self.property = property_
        self.reason = reason
        super().__init__(f"{reason} ({property_})")


@dataclass
class Tenancy:
    """What exists in the tenancy before the run, in the wire form the provider returns (camelCase keys).

    ``compartments``: ``{id, name, compartmentId (the parent), state}``, every compartment below the root at any
    depth (the root is ``root``). ``policies``: per compartment OCID, ``{id, name, statements, freeformTags,
    state}``. ``repositories``: by OCID, ``{displayName, compartmentId, isPublic, isImmutable, state,
    freeformTags}`` (also what `get_container_repository` reads and an import finds). ``page_size``: items per
    page of every List call; ``denied``: the lookups (function tokens) the stack's credentials may not make;
    ``latency``: how long each API call takes.
    ``calls`` counts the API calls the provider would make: one per page.
    """

    root: str | None = None
    """The tenancy OCID; None accepts any compartment as the root."""
    compartments: list[dict[str, Any]] = field(default_factory=list)
    policies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    repositories: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_size: int = 100
    denied: frozenset[str] = frozenset()
    latency: float = 0.0
    """Seconds each API call (each page) takes, a stand-in for OCI's round trip (0: none)."""
    calls: Counter[str] = field(default_factory=Counter)

    def _is_root(self, compartment: Any) -> bool:
        return self.root is None or compartment == self.root

    def _read_all(self, token: str, items: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
        """What the data source's Get loop returns: each page requested in turn, the items appended."""
        pages = [items[start : start + self.page_size] for start in range(0, len(items), self.page_size)] or [[]]
        collected: list[dict[str, Any]] = []
        for page in pages:
            with _COUNTING:  # the SDK sends invokes to the mocks from its executor threads
                self.calls[token] += 1
            if self.latency:
                time.sleep(self.latency)
            collected.extend(dict(item) for item in page)
        return collected

    def _allowed(self, token: str, service: str) -> None:
        if token in self.denied:
            raise LookupRefusedError("compartmentId", NOT_AUTHORIZED.format(service=service))

    def list_compartments(self, args: Mapping[str, Any]) -> dict[str, Any]:
        self._allowed(GET_COMPARTMENTS, "Identity Compartments")
        parent = args.get("compartmentId")
        subtree = bool(args.get("compartmentIdInSubtree"))
        if subtree and not self._is_root(parent):
            raise LookupRefusedError("compartmentIdInSubtree", SUBTREE_ONLY_FROM_ROOT)
        found = [c for c in self.compartments if subtree or c.get("compartmentId") == parent]
        items = filtered(self._read_all(GET_COMPARTMENTS, found), args.get("filters"))
        return {**_echo(args), "id": f"compartments-{parent}", "compartments": items}

    def list_policies(self, args: Mapping[str, Any]) -> dict[str, Any]:
        self._allowed(GET_POLICIES, "Identity Policies")
        compartment = str(args.get("compartmentId"))
        attached = [{**policy, "compartmentId": compartment} for policy in self.policies.get(compartment, [])]
        items = filtered(self._read_all(GET_POLICIES, attached), args.get("filters"))
        return {**_echo(args), "id": f"policies-{compartment}", "policies": items}

    def list_repositories(self, args: Mapping[str, Any]) -> dict[str, Any]:
        self._allowed(GET_CONTAINER_REPOSITORIES, "Artifacts Container Repositories")
        compartment = args.get("compartmentId")
        subtree = bool(args.get("compartmentIdInSubtree"))
        if subtree and not self._is_root(compartment):
            raise LookupRefusedError("compartmentIdInSubtree", SUBTREE_ONLY_FROM_ROOT)
        found = [
            {"id": ocid, "state": "AVAILABLE", "freeformTags": {}, **repository}
            for ocid, repository in sorted(self.repositories.items())
            if (subtree or repository.get("compartmentId") == compartment)
            and args.get("displayName") in (None, repository.get("displayName"))
        ]
        collection = {"items": filtered(self._read_all(GET_CONTAINER_REPOSITORIES, found), args.get("filters"))}
        return {**_echo(args), "id": f"repositories-{compartment}", "containerRepositoryCollections": [collection]}

    def answer(self, token: str, args: Mapping[str, Any]) -> dict[str, Any] | None:
        """The lookup's result, or None for a token that is not one of these lookups; LookupRefusedError on failure."""
        if token == GET_COMPARTMENTS:
            return self.list_compartments(args)
        if token == GET_POLICIES:
            return self.list_policies(args)
        if token == GET_CONTAINER_REPOSITORIES:
            return self.list_repositories(args)
        return None


def _wire_name(attribute: str) -> str:
    """A Terraform attribute name (``display_name``) as the wire spells it (``displayName``)."""
    head, *rest = attribute.split("_")
    return head + "".join(word.title() for word in rest)


def _matches(value: str, wanted: str, regex: bool) -> bool:
    if not regex:
        return value == wanted
    try:
        return re.search(wanted, value) is not None
    except re.error:
        return False  # filters.go logs a warning and matches nothing


def filtered(items: list[dict[str, Any]], filters: Sequence[Mapping[str, Any]] | None) -> list[dict[str, Any]]:
    """terraform-provider-oci `internal/tfresource/filters.go` (`ApplyFilters`, `ApplyFiltersInCollection`,
    `orComparator`), run by each data source after it read every page: the filters are ANDed; one keeps the items
    whose attribute ``name`` (a string, or any element of a list of strings) equals one of its ``values``, or with
    ``regex`` contains a match of one (Go's `MatchString`); an item without the attribute is dropped, and a regex
    that does not compile matches nothing."""
    for each in filters or ():
        key, values, regex = _wire_name(str(each.get("name"))), list(each.get("values") or []), bool(each.get("regex"))
        kept = []
        for item in items:
            found = item.get(key)
            candidates = found if isinstance(found, list) else [found]
            if any(isinstance(c, str) and _matches(c, str(v), regex) for c in candidates for v in values):
                kept.append(item)
        items = kept
    return items


def _echo(args: Mapping[str, Any]) -> dict[str, Any]:
    """A data source's arguments come back in its result."""
    return {key: value for key, value in args.items() if value is not None}
