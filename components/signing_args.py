"""Image signing's arguments, their rules and OCI's signature format, without the provider SDKs.

OCIR stores a signature as what oracle/oci-cli's `oci artifacts container image-signature sign-upload` makes
(services/artifacts/src/oci_cli_artifacts/artifacts_cli_extended.py, `sign_and_upload_container_image_signature`):

- the **message** is the JSON object ``{description, imageDigest, kmsKeyId, kmsKeyVersionId, metadata, region,
  repositoryName, signingAlgorithm}``, keys in that order, written with ``separators=(",", ":")`` (and Python's
  default ``ensure_ascii``), then base64-encoded; ``description`` and ``metadata`` default to ``""``, ``region``
  is the region identifier and ``repositoryName`` the repository's name without the namespace;
- KMS signs that base64 string with ``messageType: RAW`` (KMS decodes it and signs the JSON bytes) with one of
  the four RSA-PSS algorithms OCIR accepts for images, at the vault's crypto endpoint;
- the upload carries the same base64 message, KMS's base64 signature, the key, its version and the algorithm.

The crypto endpoint comes from the key's OCID as the CLI derives it (`ocid1.key.<realm>.<region>.<vault>.<60>`,
the vault part; `https://<vault>-crypto.kms.<region>.[oci.]<realm domain>`), with the region identifier of the
stack, as the CLI takes its own configured region. A vault in another region needs `crypto_endpoint`.
"""

import base64
import json
import re
from typing import Any, NotRequired, TypedDict

from . import naming
from ._args import Problems
from .regions import REALM_DOMAINS, RegionError, region

ALGORITHMS = ("SHA_224_RSA_PKCS_PSS", "SHA_256_RSA_PKCS_PSS", "SHA_384_RSA_PKCS_PSS", "SHA_512_RSA_PKCS_PSS")
"""What OCIR accepts for container images: "the only supported signing algorithms for container images"
(oci-cli's sign-upload; the Go SDK's CreateContainerImageSignatureDetailsSigningAlgorithmEnum)."""
DEFAULT_ALGORITHM = "SHA_256_RSA_PKCS_PSS"
MAX_CLUSTERS = 5
"""Clusters named for verification; each adds two statements to the project's policy (OCI: 50 a policy)."""

KEY_OCID = re.compile(r"^ocid1\.key\.(?P<realm>[\w-]+)\.(?P<region>[\w-]+)\.(?P<vault>[\w-]+)\.(?P<unique>\w{60})$")
"""A key's OCID as oci-cli splits it to find the vault (`ocid1\\.key\\.([\\w-]+)\\.([\\w-]+)\\.([\\w-]+)\\.([\\w]){60}`,
the third group); the region part may be a region key (Oracle's examples: `ocid1.key.oc1.phx.…`)."""
KEY_VERSION_OCID = re.compile(r"^ocid1\.keyversion\.(?P<realm>oc[0-9]+)\.(?P<middle>[\w.-]+)\.(?P<unique>\w{8,})$")
"""A key version's OCID (Oracle's example: `ocid1.keyversion.oc1.phx.0.bbqehaq3aadfa.acy6…`)."""
KEY_RULE = "must be a Vault key's OCID, ocid1.key.<realm>.<region>.<vault>.<60 characters>; got {!r}"
CLUSTER_OCID = re.compile(r"^ocid1\.cluster\.(?P<realm>oc[0-9]+)\.(?P<region>[a-z0-9-]*)\.(?P<unique>[a-z0-9]{8,})$")
CRYPTO_ENDPOINT = re.compile(r"^https://[a-z0-9-]+-crypto\.kms\.[a-z0-9-]+(?:\.[a-z0-9-]+)+$")

REGIONS_WITHOUT_OCI = frozenset(
    {
        "us-ashburn-1", "us-phoenix-1", "us-seattle-1", "eu-frankfurt-1", "uk-london-1", "ap-melbourne-1",
        "ap-mumbai-1", "ap-osaka-1", "ap-seoul-1", "ap-sydney-1", "ap-tokyo-1", "eu-amsterdam-1", "eu-zurich-1",
        "ca-montreal-1", "ca-toronto-1", "me-jeddah-1", "sa-saopaulo-1", "us-luke-1", "us-langley-1",
        "us-gov-ashburn-1", "us-gov-chicago-1", "us-gov-phoenix-1", "uk-gov-london-1",
    }
)  # fmt: skip
"""Regions whose crypto endpoints have no `.oci.` label (oci-cli's `regions_without_oci`, same file)."""


class SigningArgs(TypedDict):
    """Sign every image the project pushes with an OCI Vault key, as OCIR stores signatures."""

    key_ocid: str
    """The Vault key (`ocid1.key.…`, an RSA key) to sign with."""
    key_version_ocid: str
    """The key version (`ocid1.keyversion.…`) to sign with; a new version signs every image again."""
    algorithm: NotRequired[str]
    """One of SHA_224/256/384/512_RSA_PKCS_PSS; default SHA_256_RSA_PKCS_PSS."""
    crypto_endpoint: NotRequired[str]
    """The vault's crypto endpoint (`https://<vault>-crypto.kms.<region>.…`); default derived from the key's OCID
    and the project's region (a vault in another region needs it)."""
    clusters: NotRequired[list[str]]
    """OKE clusters (`ocid1.cluster.…`) that verify the images: each may use the key and read the project's
    repositories (two statements in the project's policy); at most 5. Default none."""


def algorithm_of(args: SigningArgs) -> str:
    return args.get("algorithm") or DEFAULT_ALGORITHM


def vault_part(key_ocid: str) -> str:
    """The vault's part of a key's OCID (oci-cli's third group), which names its crypto endpoint."""
    match = KEY_OCID.match(key_ocid)
    if not match:
        raise ValueError(
            f"must be a Vault key's OCID, ocid1.key.<realm>.<region>.<vault>.<60 characters>; got {key_ocid!r}"
        )
    return match["vault"]


def default_crypto_endpoint(key_ocid: str, region_value: str) -> str:
    """`https://<vault>-crypto.kms.<region identifier>.<realm domain>`, with `.oci.` before the domain except in
    the regions oci-cli lists without it. ValueError when the region's realm is not known."""
    found = region(region_value)
    if found.realm is None:
        raise ValueError(
            f"cannot derive the vault's crypto endpoint: the realm of region {region_value!r} is not known here; "
            "give crypto_endpoint"
        )
    domain = REALM_DOMAINS[found.realm]
    oci = "" if found.identifier in REGIONS_WITHOUT_OCI else "oci."
    return f"https://{vault_part(key_ocid)}-crypto.kms.{found.identifier}.{oci}{domain}"


def crypto_endpoint(args: SigningArgs, region_value: str) -> str:
    return args.get("crypto_endpoint") or default_crypto_endpoint(args["key_ocid"], region_value)


def signing_message(
    image_digest: str,
    key_ocid: str,
    key_version_ocid: str,
    region_identifier: str,
    repository_name: str,
    algorithm: str,
    description: str = "",
    metadata: str = "",
) -> str:
    """The base64 message OCIR stores with a signature, byte for byte as oci-cli writes it."""
    message = {
        "description": description,
        "imageDigest": image_digest,
        "kmsKeyId": key_ocid,
        "kmsKeyVersionId": key_version_ocid,
        "metadata": metadata,
        "region": region_identifier,
        "repositoryName": repository_name,
        "signingAlgorithm": algorithm,
    }
    return base64.b64encode(json.dumps(message, separators=(",", ":")).encode()).decode()


def read_message(message: str) -> dict[str, Any]:
    """The JSON object a base64 signing message carries (ValueError if it carries none)."""
    try:
        decoded = json.loads(base64.b64decode(message, validate=True))
    except (ValueError, TypeError) as error:
        raise ValueError(f"is not a base64 JSON signing message: {error}") from None
    if not isinstance(decoded, dict):
        raise ValueError("is not a base64 JSON signing message: not an object")
    return decoded


def key_statement(subject: str, key_ocid: str) -> str:
    """Lets ``subject`` (the project's group) sign with exactly this key, by hand too: `use keys` holds KEY_SIGN and
    KEY_VERIFY (Oracle, "Details for the Vault Service"), `target.key.id` names the key."""
    return f"allow {subject} to use keys in tenancy where target.key.id = '{key_ocid}'"


def cluster_key_statement(cluster_ocid: str, key_ocid: str) -> str:
    """Lets an OKE cluster use the key to verify signatures: Oracle's `Allow any-user to use keys in tenancy where
    request.user.id=<CLUSTER_OCID>` ("Enforcing the Use of Signed Images from Registry"), limited to this key."""
    return (
        f"allow any-user to use keys in tenancy where all {{request.user.id = '{cluster_ocid}', "
        f"target.key.id = '{key_ocid}'}}"
    )


def cluster_read_statement(cluster_ocid: str, prefix: str, location: str) -> str:
    """Lets an OKE cluster read the project's repositories to check signatures: Oracle's `Allow any-user to read
    repos in tenancy where request.user.id=<CLUSTER_OCID>` (same page), limited to `<prefix>-*` where they are."""
    return (
        f"allow any-user to read repos in {location} where all {{request.user.id = '{cluster_ocid}', "
        f"target.repo.name = /{prefix}-*/}}"
    )


def signing_statements(subject: str, prefix: str, location: str, args: SigningArgs | None) -> list[str]:
    """The statements signing adds to the project's policy, after the others: the group's key statement, then two
    per cluster, in their order."""
    if not args:
        return []
    key = args["key_ocid"]
    statements = [key_statement(subject, key)]
    for cluster in args.get("clusters") or []:
        statements += [cluster_key_statement(cluster, key), cluster_read_statement(cluster, prefix, location)]
    return statements


def check_signing(args: Any, region_value: str, tenancy_ocid: Any, problems: Problems, path: str = "signing.") -> None:
    """Every rule on ``signing``; each problem at ``<path><field>``."""
    if not isinstance(args, dict):
        problems.add(path.rstrip("."), f"must be an object {{key_ocid, key_version_ocid, ...}}, got {args!r}")
        return
    key = args.get("key_ocid")
    version = args.get("key_version_ocid")
    key_match = KEY_OCID.match(key) if isinstance(key, str) else None
    if not key_match:
        problems.add(f"{path}key_ocid", KEY_RULE.format(key))
    version_match = KEY_VERSION_OCID.match(version) if isinstance(version, str) else None
    if not version_match:
        problems.add(
            f"{path}key_version_ocid",
            "is required: the key version to sign with, ocid1.keyversion.…"
            if not version
            else f"must be a key version's OCID, ocid1.keyversion.…; got {version!r}",
        )
    if key_match and version_match and key_match["realm"] != version_match["realm"]:
        problems.add(
            f"{path}key_version_ocid",
            f"is in realm {version_match['realm']} but the key is in {key_match['realm']}: use a version of that key",
        )
    if key_match and isinstance(tenancy_ocid, str):
        tenancy = naming.OCID.match(tenancy_ocid)
        if tenancy and tenancy["realm"] != key_match["realm"]:
            problems.add(
                f"{path}key_ocid",
                f"is in realm {key_match['realm']} but the tenancy is in {tenancy['realm']}: OCIR signs with keys of "
                "its own realm",
            )
    algorithm = args.get("algorithm")
    if algorithm is not None and algorithm not in ALGORITHMS:
        problems.add(
            f"{path}algorithm",
            f"must be one of {', '.join(ALGORITHMS)} (the RSA-PSS algorithms OCIR accepts for images); got "
            f"{algorithm!r}",
        )
    endpoint = args.get("crypto_endpoint")
    if endpoint:
        if not isinstance(endpoint, str) or not CRYPTO_ENDPOINT.match(endpoint):
            problems.add(
                f"{path}crypto_endpoint",
                f"must be a vault's crypto endpoint, https://<vault>-crypto.kms.<region>.<domain>; got {endpoint!r}",
            )
    elif key_match:
        try:
            default_crypto_endpoint(key_match.string, region_value)
        except (ValueError, RegionError) as error:
            problems.add(f"{path}crypto_endpoint", str(error))
    clusters = args.get("clusters") or []
    if not isinstance(clusters, list):
        problems.add(f"{path}clusters", f"must be a list of cluster OCIDs (ocid1.cluster.…), got {clusters!r}")
        return
    if len(clusters) > MAX_CLUSTERS:
        problems.add(f"{path}clusters", f"names {len(clusters)} clusters; at most {MAX_CLUSTERS}")
    seen: set[str] = set()
    for index, cluster in enumerate(clusters):
        if not isinstance(cluster, str) or not CLUSTER_OCID.match(cluster):
            problems.add(f"{path}clusters[{index}]", f"must be an OKE cluster's OCID, ocid1.cluster.…; got {cluster!r}")
        elif cluster in seen:
            problems.add(f"{path}clusters[{index}]", f"names {cluster} again")
        else:
            seen.add(cluster)
