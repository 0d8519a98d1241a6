"""Names and references: pure functions the components and the config checks share.

Each ``check_*`` function returns its (normalised) value or raises ``ValueError`` whose message
states the rule; the caller prefixes it with the config key or argument that was wrong.
"""

from __future__ import annotations

import base64
import json
import re

from . import regions

# One path component of a repository name, as the OCI distribution spec defines it
# (lower-case letters and digits, separated by `.`, `_`, `__` or one or more `-`).
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
REPOSITORY_NAME = re.compile(rf"^{_COMPONENT}(?:/{_COMPONENT})*$")
# A prefix is a single component: a `/` would end the policy's /<prefix>-*/ pattern early.
PREFIX = re.compile(rf"^{_COMPONENT}$")
TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")
NAMESPACE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62})$")
# OCI user names are e-mail-like; `/` separates the login's domain and `:` would end the
# user part of HTTP basic auth, so neither may appear.
USER_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._@+-]{0,254}$")
USER_DOMAIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
OCID = re.compile(
    r"^ocid1\.(?P<kind>[a-z0-9]+)\.(?P<realm>oc[0-9]+)\.(?P<region>[a-z0-9-]*)"
    r"(?:\.[a-z0-9-]+)?\.(?P<unique>[a-z0-9]{8,})$"
)

# Repository names are at most 255 characters (OCI and the distribution spec agree), and so is
# a whole image name, registry host included (docker's reference parser rejects longer ones).
MAX_REPOSITORY_NAME = 255
MAX_IMAGE_NAME = 255
# OCI policy names are at most 100 characters; the policy is called `<prefix>-ocir-policy`.
POLICY_SUFFIX = "-ocir-policy"
MAX_POLICY_NAME = 100
MAX_PREFIX = MAX_POLICY_NAME - len(POLICY_SUFFIX)


def check_prefix(prefix: str) -> str:
    if not PREFIX.match(prefix):
        raise ValueError(
            "must be lower-case letters and digits, optionally separated by single '.', '_' "
            f"or '-' (e.g. p-oraas), with no '/', '*', quotes or spaces; got {prefix!r}"
        )
    if len(prefix) > MAX_PREFIX:
        raise ValueError(
            f"must be at most {MAX_PREFIX} characters so that the policy name "
            f"'<prefix>{POLICY_SUFFIX}' fits OCI's {MAX_POLICY_NAME}; got {len(prefix)}"
        )
    return prefix


def check_image_name(name: str) -> str:
    if not REPOSITORY_NAME.match(name):
        raise ValueError(
            "must be lower-case letters and digits separated by '.', '_', '__', '-' or '/' "
            f"(a repository name without the prefix, e.g. simple-api); got {name!r}"
        )
    return name


def check_repository_name(name: str) -> str:
    if not REPOSITORY_NAME.match(name) or len(name) > MAX_REPOSITORY_NAME:
        raise ValueError(
            "must be an OCIR repository name: at most 255 lower-case letters and digits "
            f"separated by '.', '_', '__', '-' or '/'; got {name!r}"
        )
    return name


def check_tag(tag: str) -> str:
    if not TAG.match(tag):
        raise ValueError(
            "must be 1-128 characters of letters, digits, '_', '.' and '-', not starting with "
            f"'.' or '-' (docker's tag rule); got {tag!r}"
        )
    return tag


def check_namespace(namespace: str) -> str:
    if not NAMESPACE.match(namespace):
        raise ValueError(
            "must be the tenancy's Object Storage namespace: 1-63 lower-case letters, digits "
            f"and '-' (not the tenancy name or OCID); got {namespace!r}"
        )
    return namespace


def check_user_name(user_name: str, domain_argument: str = "user_domain") -> str:
    """``domain_argument``: where a federation or identity-domain segment goes instead (the caller names it)."""
    if not USER_NAME.match(user_name):
        raise ValueError(
            "must be the user's login name (letters, digits and . _ @ + -, no '/' or ':'; put "
            f"a federation or identity-domain segment in {domain_argument}); got {user_name!r}"
        )
    return user_name


def check_user_domain(domain: str) -> str:
    if not USER_DOMAIN.match(domain):
        raise ValueError(
            "must be the login's domain segment, e.g. oracleidentitycloudservice or an "
            f"identity domain name (letters, digits, '.', '_', '-'); got {domain!r}"
        )
    return domain


def check_ocid(ocid: str, *kinds: str) -> str:
    match = OCID.match(ocid)
    wanted = " or ".join(f"ocid1.{kind}.…" for kind in kinds)
    if not match:
        raise ValueError(f"must be an OCID of the form {wanted}; got {ocid!r}")
    if match["kind"] not in kinds:
        raise ValueError(f"must be {wanted}, but this is an ocid1.{match['kind']} OCID: {ocid!r}")
    return ocid


def repository_name(prefix: str, image_name: str) -> str:
    """The OCIR repository of an image: ``<prefix>-<image name>``."""
    name = f"{prefix}-{image_name}"
    if len(name) > MAX_REPOSITORY_NAME:
        raise ValueError(
            f"makes the repository name {name[:40]}… {len(name)} characters long; OCI allows {MAX_REPOSITORY_NAME}"
        )
    return name


def policy_name(prefix: str) -> str:
    """The IAM policy of a project, named as the original recipe named it."""
    return f"{prefix}{POLICY_SUFFIX}"


# The scanning service's policy, `<prefix>-vss-policy`, fits OCI's 100 characters for every prefix
# check_prefix accepts (its suffix is shorter than POLICY_SUFFIX).
SCANNING_POLICY_SUFFIX = "-vss-policy"


def scanning_policy_name(prefix: str) -> str:
    """The IAM policy that lets the Vulnerability Scanning service read a project's repositories."""
    return f"{prefix}{SCANNING_POLICY_SUFFIX}"


def registry_server(region: str) -> str:
    """The default registry host for a region key or identifier: ``<region>.ocir.io`` in the commercial realm,
    ``ocir.<region identifier>.oci.<realm domain>`` in the others (regions.py)."""
    return regions.default_registry_host(region)


def image_reference(server: str, namespace: str, repository: str, tag: str) -> str:
    """``<registry host>/<namespace>/<repository>:<tag>``, checked against docker's length limit."""
    name = f"{server}/{namespace}/{repository}"
    if len(name) > MAX_IMAGE_NAME:
        raise ValueError(
            f"makes the image name {len(name)} characters long (registry, namespace and "
            f"repository together); docker allows {MAX_IMAGE_NAME}"
        )
    return f"{name}:{tag}"


def login_username(namespace: str, user_name: str, user_domain: str | None = None) -> str:
    """The docker login user: ``<namespace>/<user>``, or ``<namespace>/<domain>/<user>``.

    Federated (IDCS) users log in as ``<namespace>/oracleidentitycloudservice/<user>``, users of
    a non-default identity domain as ``<namespace>/<domain>/<user>``.
    """
    parts = [namespace, user_domain, user_name] if user_domain else [namespace, user_name]
    return "/".join(parts)


DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"
"""The Kubernetes Secret type whose `.dockerconfigjson` key holds a docker config document."""


def docker_config_json(server: str, username: str, password: str) -> str:
    """The docker config document for one registry login, as `kubectl create secret docker-registry` writes it
    and docker reads it (``docker --config <dir>`` reads ``<dir>/config.json``):
    ``{"auths": {"<server>": {"username", "password", "auth": base64("<username>:<password>")}}}``."""
    auth = base64.b64encode(f"{username}:{password}".encode()).decode()
    entry = {"username": username, "password": password, "auth": auth}
    return json.dumps({"auths": {server: entry}}, separators=(",", ":"))


# `<registry>/<path>@sha256:<64 hex>`: a reference that can only ever mean one image.
DIGEST_REFERENCE = re.compile(r"^[a-z0-9.-]+(?::[0-9]+)?/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$")


def check_digest_reference(reference: str) -> str:
    if not DIGEST_REFERENCE.match(reference):
        raise ValueError(f"must be a pushed digest, <registry>/<repository>@sha256:<64 hex digits>; got {reference!r}")
    return reference


DIGEST = re.compile(r"^sha256:[0-9a-f]{64}$")


def check_digest(digest: str) -> str:
    if not DIGEST.match(digest):
        raise ValueError(f"must be an image digest, sha256:<64 hex digits>; got {digest!r}")
    return digest
