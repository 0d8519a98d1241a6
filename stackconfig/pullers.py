"""The pullers key: each entry's shape and types. The rules on the names (quoting, policy words, identity
domains, duplicates, the project's own group) are the components' (components.access_policy_args)."""

import json
from typing import Any

from components.access_policy_args import PullerArgs

from .errors import Problems
from .keys import PULLER_FIELDS, did_you_mean, full

SHAPE = "{group: <name>} or {dynamicGroup: <name>} (a name, or <identity domain>/<name>)"


def _puller(key: str, index: int, item: Any, problems: Problems) -> PullerArgs | None:
    where = f"{key}[{index}]"
    if not isinstance(item, dict):
        problems.add(where, f"must be an object, {SHAPE}; got {item!r}")
        return None
    unknown = sorted(set(item) - set(PULLER_FIELDS))
    for field in unknown:
        problems.add(f"{where}.{field}", f"unknown field{did_you_mean(field, PULLER_FIELDS)}; an entry is {SHAPE}")
    kinds = [field for field in PULLER_FIELDS if field in item]
    if unknown:
        return None
    if len(kinds) != 1:
        what = "both group and dynamicGroup" if kinds else "neither group nor dynamicGroup"
        problems.add(where, f"names {what}; each entry names one puller, {SHAPE}")
        return None
    value = item[kinds[0]]
    if not isinstance(value, str):
        problems.add(f"{where}.{kinds[0]}", f"must be a name string, got {type(value).__name__} {value!r}")
        return None
    return {"group": value} if kinds[0] == "group" else {"dynamic_group": value}


def parse_pullers(value: Any, namespace: str, problems: Problems) -> tuple[list[PullerArgs], list[int]]:
    """The pullers key as the CLI passes it (a JSON string) or as a YAML list: the entries of the right shape, and
    each one's position in the key (errors name it)."""
    key = full(namespace, "pullers")
    if value is None or value == "":
        return [], []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            problems.add(key, f"must be a list of {SHAPE}, got the string {value!r}")
            return [], []
    if not isinstance(value, list):
        problems.add(key, f"must be a list of {SHAPE}, got {value!r}")
        return [], []
    pullers: list[PullerArgs] = []
    indexes: list[int] = []
    for index, item in enumerate(value):
        puller = _puller(key, index, item, problems)
        if puller is not None:
            pullers.append(puller)
            indexes.append(index)
    return pullers, indexes
