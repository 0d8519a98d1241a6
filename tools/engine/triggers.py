"""Replacement triggers: when the engine replaces a resource because its ``replacement_trigger`` changed.

pulumi/pulumi ``pkg/resource/deploy/step_generator.go``, ``shouldTriggerReplace(new, old)``: secrets and
output wrappers are stripped; an unknown value on either side replaces; a null value on either side is
*no trigger* (nothing replaces); otherwise the resource is replaced when the two values differ. The
value compared is the one the last update wrote to the state: every step that keeps a resource (same,
update, replace) writes the goal's trigger (``step_generator.go``: ``ReplacementTrigger:
goal.ReplacementTrigger`` in the new state), and the Python SDK sends one only when the option is not
None (``sdk/python/lib/pulumi/runtime/resource.py``). An engine without the ``replacementTrigger``
monitor feature (before Pulumi CLI 3.208.0) drops the field.
"""

from __future__ import annotations

from typing import Any

from .wire import UNKNOWN, is_secret


def _plain(value: Any) -> Any:
    if is_secret(value):
        return _plain(value.get("value"))
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def _has_unknown(value: Any) -> bool:
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(_has_unknown(item) for item in value.values())
    if isinstance(value, list):
        return any(_has_unknown(item) for item in value)
    return False


def should_trigger_replace(new: Any, old: Any) -> bool:
    """Whether a trigger going from ``old`` (the state's) to ``new`` (the program's) replaces the resource.

    ``None`` is a null trigger (the option unset, or a state written before it was set); values are in
    wire form (UNKNOWN for a value not known yet, secret markers allowed).
    """
    new, old = _plain(new), _plain(old)
    if _has_unknown(old) or _has_unknown(new):
        return True
    if old is None or new is None:
        return False
    return bool(new != old)
