"""Check an image's OCIR signatures against a Vault key's public key, offline.

    oci artifacts container image-signature list --compartment-id <compartment> --all \\
        --repository-name <prefix>-<image> --image-digest sha256:<digest> > signatures.json
    oci kms management key-version get --key-id <key> --key-version-id <version> \\
        --endpoint <vault management endpoint> --query 'data."public-key"' --raw-output > key.pem
    python -m tools.verify <registry>/<namespace>/<repository>@sha256:<digest> \\
        --signatures signatures.json --public-key key.pem [--region <region>]

Each signature is checked as a cluster that trusts the key would need it to be: its message decodes to OCI's
signing message (components/signing_args.py) byte for byte, names this image's digest and repository (and the
region, when given) and the key and version the signature says it was made with, and its RSA-PSS signature over
the message's bytes verifies with the public key (any salt length: KMS's is not documented). Prints one line per
signature; exits 0 when at least one is valid, 1 otherwise. `oci artifacts container image-signature get-verify`
asks KMS instead (docs/signing.md).
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from components.signing_args import ALGORITHMS, read_message, signing_message

HASHES: dict[str, Callable[[], hashes.HashAlgorithm]] = {
    "SHA_224_RSA_PKCS_PSS": hashes.SHA224,
    "SHA_256_RSA_PKCS_PSS": hashes.SHA256,
    "SHA_384_RSA_PKCS_PSS": hashes.SHA384,
    "SHA_512_RSA_PKCS_PSS": hashes.SHA512,
}


@dataclass(frozen=True)
class Verdict:
    signature_id: str
    valid: bool
    reason: str

    def __str__(self) -> str:
        return f"{'valid' if self.valid else 'INVALID'}: signature {self.signature_id}: {self.reason}"


def _field(item: Mapping[str, Any], name: str) -> Any:
    """A signature's field as the OCI CLI (`kms-key-id`), the SDKs (`kms_key_id`) or the API (`kmsKeyId`) write it."""
    camel = name.split("_")[0] + "".join(part.title() for part in name.split("_")[1:])
    for spelling in (name.replace("_", "-"), name, camel):
        if spelling in item:
            return item[spelling]
    return None


def split_reference(reference: str) -> tuple[str, str]:
    """``(repository, digest)`` of ``<registry>/<namespace>/<repository>@sha256:<digest>``."""
    name, at, digest = reference.partition("@")
    parts = name.split("/")
    if not at or not digest.startswith("sha256:") or len(parts) < 3:
        raise ValueError(
            "must be <registry>/<namespace>/<repository>@sha256:<digest> (signatures are per digest), "
            f"got {reference!r}"
        )
    return "/".join(parts[2:]), digest


def verify(
    item: Mapping[str, Any], public_key: rsa.RSAPublicKey, repository: str, digest: str, region: str | None = None
) -> Verdict:
    """One signature (a ContainerImageSignature as listed) of ``repository@digest``."""
    signature_id = str(_field(item, "id") or "?")
    algorithm = _field(item, "signing_algorithm")
    if algorithm not in ALGORITHMS:
        return Verdict(
            signature_id, False, f"algorithm {algorithm!r} is not one OCIR accepts ({', '.join(ALGORITHMS)})"
        )
    message = _field(item, "message")
    try:
        fields = read_message(str(message))
    except ValueError as error:
        return Verdict(signature_id, False, f"the message {error}")
    key, version = _field(item, "kms_key_id"), _field(item, "kms_key_version_id")
    expected = signing_message(
        str(fields.get("imageDigest")),
        str(key),
        str(version),
        str(fields.get("region")),
        str(fields.get("repositoryName")),
        str(algorithm),
        str(fields.get("description", "")),
        str(fields.get("metadata", "")),
    )
    if message != expected:
        return Verdict(
            signature_id, False, "the message is not OCI's signing message for its key, version and algorithm"
        )
    wrong = [
        f"{name} {fields.get(name)!r}, not {wanted!r}"
        for name, wanted in (("imageDigest", digest), ("repositoryName", repository), ("region", region))
        if wanted is not None and fields.get(name) != wanted
    ]
    if wrong:
        return Verdict(signature_id, False, f"the message names {'; '.join(wrong)}")
    try:
        public_key.verify(
            base64.b64decode(str(_field(item, "signature"))),
            base64.b64decode(str(message)),
            padding.PSS(mgf=padding.MGF1(HASHES[str(algorithm)]()), salt_length=padding.PSS.AUTO),
            HASHES[str(algorithm)](),
        )
    except (InvalidSignature, ValueError):
        return Verdict(signature_id, False, "the signature does not verify with this public key")
    return Verdict(
        signature_id,
        True,
        f"{repository}@{digest} signed with key {key} version {version} ({algorithm}, region {fields.get('region')})",
    )


def signature_items(document: Any) -> list[Mapping[str, Any]]:
    """The signatures of `oci ... image-signature list` output (`{"data": {"items": [...]}}`), or a plain list."""
    if isinstance(document, Mapping):
        document = document.get("data", document)
        if isinstance(document, Mapping):
            document = document.get("items", [])
    if not isinstance(document, list):
        raise ValueError("expected the output of `oci artifacts container image-signature list`, or a list")
    return [item for item in document if isinstance(item, Mapping)]


def verify_all(
    items: Iterable[Mapping[str, Any]], public_key_pem: bytes, reference: str, region: str | None = None
) -> list[Verdict]:
    repository, digest = split_reference(reference)
    key = serialization.load_pem_public_key(public_key_pem)
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the public key is not an RSA key (OCIR signs images with RSA keys only)")
    return [verify(item, key, repository, digest, region) for item in items]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.verify", description=__doc__.splitlines()[0])
    parser.add_argument("reference", help="<registry>/<namespace>/<repository>@sha256:<digest>")
    parser.add_argument("--signatures", type=Path, required=True, help="`oci ... image-signature list` output (JSON)")
    parser.add_argument("--public-key", type=Path, required=True, help="the key version's public key (PEM)")
    parser.add_argument("--region", help="the region identifier the messages must name (e.g. eu-frankfurt-1)")
    args = parser.parse_args(argv)
    try:
        items = signature_items(json.loads(args.signatures.read_text()))
        verdicts = verify_all(items, args.public_key.read_bytes(), args.reference, args.region)
    except (OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for verdict in verdicts:
        print(verdict)
    valid = sum(verdict.valid for verdict in verdicts)
    print(f"{valid} of {len(verdicts)} signature(s) valid for {args.reference}")
    return 0 if valid else 1


if __name__ == "__main__":
    sys.exit(main())
