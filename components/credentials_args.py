"""RegistryCredentials' arguments, the docker login type the push components share, and their rules.

No provider SDK here (RegistryCredentials, in credentials.py, declares the auth token): the program's
config checks and the policy pack, which runs with pulumi and pulumi-policy alone, import these.
"""

from typing import NotRequired, TypedDict

import pulumi

from . import naming
from ._args import Problems, label
from .limits import check_description
from .registry_login import check_timeout_seconds
from .tokens import check_rotation


class RegistryAuthArgs(TypedDict):
    """A docker login: what a push needs to authenticate to the registry."""

    server: pulumi.Input[str]
    """Registry host, e.g. fra.ocir.io."""
    username: pulumi.Input[str]
    """Docker login user, `<namespace>/<user>` or `<namespace>/<domain>/<user>` for OCIR."""
    password: pulumi.Input[str]
    """Docker login password (the auth token); always passed on as a secret."""


class RegistryCredentialsArgs(TypedDict):
    user_ocid: pulumi.Input[str]
    """OCID of the user (the push user, or a pull user); the component creates one auth token for it (OCI allows two
    per user)."""
    registry_server: pulumi.Input[str]
    """Registry host, e.g. fra.ocir.io."""
    namespace: pulumi.Input[str]
    """Tenancy Object Storage namespace, the first segment of the login and of image paths."""
    user_name: NotRequired[pulumi.Input[str]]
    """The user's login name; default looks it up with oci.identity.getUser."""
    user_domain: NotRequired[str]
    """Login domain segment (oracleidentitycloudservice, or an identity domain); default none."""
    description: NotRequired[str]
    """Auth token description (at most 400 characters); default says what the token is for."""
    rotation: NotRequired[str]
    """Rotation label: setting, changing or removing it replaces the token, the new one created before the old
    one is deleted (needs Pulumi CLI 3.208.0 or later, which honours replacement triggers); default none."""
    login_timeout_seconds: NotRequired[int]
    """How long `pulumi up` waits, while the token is new, for the registry to accept it before `password`
    resolves (so every push given it waits too); 0 never waits. Default 120."""


def check_credentials_args(args: RegistryCredentialsArgs, problems: Problems, path: str = "") -> None:
    """The credentials' rules on the values known when they are declared."""
    user_ocid, user_name = args["user_ocid"], args.get("user_name")
    if isinstance(user_ocid, str):
        problems.check(f"{path}user_ocid", user_ocid, naming.check_ocid, "user")
    if isinstance(user_name, str) and user_name:
        problems.check(
            f"{path}user_name", user_name, naming.check_user_name, label("RegistryCredentialsArgs", "user_domain")
        )
    if args.get("user_domain"):
        problems.check(f"{path}user_domain", args.get("user_domain"), naming.check_user_domain)
    if args.get("rotation"):
        problems.check(f"{path}rotation", args.get("rotation"), check_rotation)
    if "description" in args:
        problems.check(f"{path}description", args["description"], check_description)
    if "login_timeout_seconds" in args:
        problems.check(f"{path}login_timeout_seconds", args["login_timeout_seconds"], check_timeout_seconds)
