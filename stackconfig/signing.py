"""The signing key: its shape and types. The rules on the values (the key's OCID, its version, the algorithm, the
crypto endpoint, the clusters) are the components' (components.signing_args)."""

import json
from typing import Any, cast

from components.signing_args import SigningArgs

from .errors import Problems
from .keys import SIGNING_FIELDS, did_you_mean, full

SHAPE = "{keyOcid: ocid1.key…, keyVersionOcid: ocid1.keyversion…, algorithm?, cryptoEndpoint?, clusters?}"
_ARGS = {"keyOcid": "key_ocid", "keyVersionOcid": "key_version_ocid", "algorithm": "algorithm",
         "cryptoEndpoint": "crypto_endpoint", "clusters": "clusters"}  # fmt: skip


def parse_signing(value: Any, namespace: str, problems: Problems) -> SigningArgs | None:
    """The signing key as the CLI passes it (a JSON string) or as a YAML object: SigningArgs when its shape and
    types are right (its values are checked with the project's arguments), None when unset or wrong."""
    key = full(namespace, "signing")
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            problems.add(key, f"must be an object, {SHAPE}; got the string {value!r}")
            return None
    if not isinstance(value, dict):
        problems.add(key, f"must be an object, {SHAPE}; got {value!r}")
        return None
    before = len(problems.items)
    for field in sorted(set(value) - set(SIGNING_FIELDS)):
        problems.add(f"{key}.{field}", f"unknown field{did_you_mean(field, SIGNING_FIELDS)}; signing is {SHAPE}")
    for field in ("keyOcid", "keyVersionOcid"):
        if field not in value or value[field] in (None, ""):
            problems.add(f"{key}.{field}", f"is required; signing is {SHAPE}")
    for field, item in value.items():
        if field in SIGNING_FIELDS and field != "clusters" and item not in (None, "") and not isinstance(item, str):
            problems.add(f"{key}.{field}", f"must be a string, got {type(item).__name__} {item!r}")
    clusters = value.get("clusters")
    if clusters is not None and not (isinstance(clusters, list) and all(isinstance(c, str) for c in clusters)):
        problems.add(f"{key}.clusters", f"must be a list of cluster OCIDs (ocid1.cluster…), got {clusters!r}")
    if len(problems.items) != before:
        return None
    args = cast(SigningArgs, {_ARGS[field]: item for field, item in value.items() if item not in (None, "", [])})
    return args
