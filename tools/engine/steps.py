"""The step the engine takes for each resource of an update: same, update, replace, create or delete.

pulumi/pulumi ``pkg/resource/deploy/step_generator.go`` and ``step.go``, as far as this program needs them:

- a goal is matched to the state by URN, or by one of its aliases; a state entry no goal matches is deleted,
  a goal nothing in the state matches is created (``GenerateSteps``, ``inheritedChildAlias``);
- a matched resource is replaced when its replacement trigger says so (triggers.py), or when the provider's
  Diff replaces (rules.py: the inputs that force it); it is updated when anything else the provider compares
  changed, and left as it is (same) otherwise;
- a replacement creates the new resource before it deletes the old one, unless ``deleteBeforeReplace``
  (``continueStepsFromDiff``);
- a protected resource cannot be replaced (``unable to replace resource ... marked for protection``, when the
  state and the goal are both protected) nor deleted (``step.go``, ``deleteProtectedError``): ``pulumi up``
  stops;
- a Delete of a resource whose *state* says ``retainOnDelete`` does not call the provider (``step.go``,
  ``DeleteStep.Apply``): what the provider's Delete would remove stays. The flag read is the old state's, so
  retainOnDelete protects a resource only from the update after the one that first declares it;
- every step that keeps a resource writes the goal's inputs and options (its trigger, protect,
  retainOnDelete) to the state (``step_generator.go``, the new state built from the goal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .rules import rules_for
from .triggers import should_trigger_replace
from .urns import alias_urns
from .wire import UNKNOWN, reveal

if TYPE_CHECKING:
    from .monitor import Registration

COMPUTED = "(known after apply)"
"""How a plan document writes a value only the cloud knows (tools/plan.py); read back as UNKNOWN."""
DYNAMIC_PROVIDER = "__provider"


@dataclass(frozen=True)
class Resource:
    """A resource as the engine compares it: the goal a program registers, or the state an update wrote."""

    type: str
    urn: str
    inputs: Mapping[str, Any]
    """Wire form: UNKNOWN for a value not known yet; secrets may be markers or ``[secret]``."""
    custom: bool = True
    replacement_trigger: Any = None
    protect: bool = False
    retain_on_delete: bool = False
    delete_before_replace: bool | None = None
    aliases: frozenset[str] = frozenset()
    """URNs this resource had before (its aliases, resolved as the engine resolves them)."""

    @classmethod
    def of_registration(cls, registration: Registration, aliases: Iterable[str] = ()) -> Resource:
        return cls(
            type=registration.type,
            urn=registration.urn,
            inputs=dict(registration.inputs),
            custom=registration.custom,
            replacement_trigger=registration.replacement_trigger,
            protect=bool(registration.protect),
            retain_on_delete=bool(registration.retain_on_delete),
            delete_before_replace=registration.delete_before_replace,
            aliases=frozenset(aliases),
        )

    @classmethod
    def of_plan(cls, entry: Mapping[str, Any]) -> Resource:
        """A resource of a plan document (tools/plan.py): values only the cloud knows become UNKNOWN."""
        options = entry.get("options") or {}
        return cls(
            type=str(entry["type"]),
            urn=str(entry["urn"]),
            inputs=_from_plan(dict(entry.get("inputs") or {})),
            custom=bool(entry.get("custom", True)),
            replacement_trigger=_from_plan(options.get("replacementTrigger")),
            protect=bool(options.get("protect")),
            retain_on_delete=bool(options.get("retainOnDelete")),
            delete_before_replace=options.get("deleteBeforeReplace"),
        )


def resources_of(registrations: Sequence[Registration]) -> list[Resource]:
    """A run's registrations as goals, each with the URNs its aliases resolve to."""
    return [Resource.of_registration(r, alias_urns(registrations, r)) for r in registrations]


def _from_plan(value: Any) -> Any:
    if value == COMPUTED:
        return UNKNOWN
    if isinstance(value, dict):
        return {key: _from_plan(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_plan(item) for item in value]
    return value


def flatten(value: Any, path: str = "") -> dict[str, Any]:
    """Dotted paths to scalar values (lists by index); an empty dict or list is one value."""
    if isinstance(value, dict) and value:
        items: Iterable[tuple[str, Any]] = (
            (f"{path}.{key}" if path else str(key), item) for key, item in value.items()
        )
    elif isinstance(value, list) and value:
        items = ((f"{path}[{index}]", item) for index, item in enumerate(value))
    else:
        return {path: value}
    flat: dict[str, Any] = {}
    for sub_path, item in items:
        flat.update(flatten(item, sub_path))
    return flat


@dataclass(frozen=True)
class Step:
    op: str
    """``same``, ``update``, ``replace``, ``create`` or ``delete``."""
    type: str
    urn: str
    changed: tuple[str, ...] = ()
    """Inputs the provider compares whose known values differ."""
    unknown: tuple[str, ...] = ()
    """Inputs the provider compares that are known only after apply on one side (they may differ)."""
    reasons: tuple[str, ...] = ()
    """Why the resource is replaced."""
    may_replace: tuple[str, ...] = ()
    """Inputs that force a replacement and are known only after apply: replaced if their value differs."""
    stops: str | None = None
    """Why ``pulumi up`` stops at this step (protection), if it does."""
    removes: str | None = None
    """What the provider's Delete removes in this step (a delete, or the old resource of a replacement), if
    anything: None when the Delete removes nothing remote or the state retains the resource."""
    create_first: bool = True
    """A replacement creates the new resource before deleting the old one."""

    @property
    def replaces(self) -> bool:
        return self.op == "replace"


def _compared(resource: Resource) -> dict[str, Any]:
    """The inputs the provider's Diff looks at, flattened, secrets unwrapped."""
    rules = rules_for(resource.type)
    inputs = {key: value for key, value in resource.inputs.items() if key != DYNAMIC_PROVIDER}
    flat = flatten(reveal(inputs))
    if rules is None:
        return flat
    if rules.compared is not None:
        flat = {path: value for path, value in flat.items() if path.split(".")[0].split("[")[0] in rules.compared}
    return {
        path: value
        for path, value in flat.items()
        if not any(path == ignored or path.startswith(f"{ignored}.") for ignored in rules.ignored)
    }


def _removes(old: Resource) -> str | None:
    """What deleting ``old`` removes remotely: nothing when its state retains it."""
    if old.retain_on_delete or not old.custom:
        return None
    rules = rules_for(old.type)
    return rules.delete_removes(reveal(dict(old.inputs))) if rules is not None else None


def step(old: Resource | None, new: Resource | None) -> Step:
    """The engine's step for a resource whose state is ``old`` (None: not in the state) and whose goal is
    ``new`` (None: the program no longer declares it)."""
    if old is None and new is None:
        raise ValueError("a step needs a state or a goal")
    if old is None:
        assert new is not None
        return Step("create", new.type, new.urn)
    if new is None:
        stops = "it is protected (pulumi up refuses to delete it)" if old.protect else None
        return Step("delete", old.type, old.urn, stops=stops, removes=_removes(old))
    before, after = _compared(old), _compared(new)
    changed, unknown, reasons, may_replace = [], [], [], []
    rules = rules_for(new.type)
    for path in sorted(set(before) | set(after)):
        was, now = before.get(path), after.get(path)
        if was == now == UNKNOWN:
            continue  # two previews: neither side knows it, nothing to compare
        if UNKNOWN in (was, now):
            unknown.append(path)
            if rules is not None and rules.forces_replace(path, was) is not None:
                may_replace.append(path)
            continue
        if was == now:
            continue
        changed.append(path)
        if rules is not None and rules.forces_replace(path, was) is not None:
            reasons.append(f"{path} changed and the provider replaces on it ({rules.source.split(' (')[0]})")
    if should_trigger_replace(new.replacement_trigger, old.replacement_trigger):
        reasons.insert(
            0,
            f"its replacement trigger changed ({_shown(old.replacement_trigger)} → {_shown(new.replacement_trigger)})",
        )
    if reasons:
        stops = "it is protected (pulumi up refuses to replace it)" if new.protect and old.protect else None
        return Step(
            "replace",
            new.type,
            new.urn,
            tuple(changed),
            tuple(unknown),
            tuple(reasons),
            tuple(may_replace),
            stops=stops,
            removes=_removes(old),
            create_first=not new.delete_before_replace,
        )
    op = "update" if changed else "same"
    return Step(op, new.type, new.urn, tuple(changed), tuple(unknown), (), tuple(may_replace))


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if value == UNKNOWN:
        return COMPUTED
    return repr(reveal(value))


@dataclass
class Update:
    """One ``pulumi up``: the steps, and the state it leaves when nothing stopped it."""

    steps: list[Step] = field(default_factory=list)
    state: dict[str, Resource] = field(default_factory=dict)

    @property
    def stopped(self) -> list[Step]:
        return [s for s in self.steps if s.stops]

    def of_type(self, type_: str) -> list[Step]:
        return [s for s in self.steps if s.type == type_]

    def one(self, type_: str) -> Step:
        found = self.of_type(type_)
        if len(found) != 1:
            raise AssertionError(f"expected one {type_} step, found {len(found)}: {found}")
        return found[0]


def update(state: Mapping[str, Resource], goals: Sequence[Resource]) -> Update:
    """The steps of an update from ``state`` (by URN) to ``goals``, and the state written after it."""
    result = Update()
    matched: set[str] = set()
    for goal in goals:
        old_urn = goal.urn if goal.urn in state else next((urn for urn in sorted(goal.aliases) if urn in state), None)
        old = state.get(old_urn) if old_urn is not None else None
        if old_urn is not None:
            matched.add(old_urn)
        result.steps.append(step(old, goal))
    for urn, old in state.items():
        if urn not in matched:
            result.steps.append(step(old, None))
    stopped = any(s.stops for s in result.steps)
    result.state = dict(state) if stopped else {goal.urn: goal for goal in goals}
    return result


def deploy(*runs: Sequence[Registration]) -> list[Update]:
    """Successive updates of one stack, one per run (the first from an empty state)."""
    state: dict[str, Resource] = {}
    updates = []
    for registrations in runs:
        done = update(state, resources_of(registrations))
        updates.append(done)
        state = done.state
    return updates
