"""RegistryCredentials: an auth token for the push user and the docker login it makes."""

from typing import NotRequired, TypedDict

import pulumi
from pulumi_oci import identity

from . import naming
from ._args import ArgumentError, Problems, check_args, checks_skipped
from .limits import check_description
from .tokens import check_engine_rotates, check_rotation, rotation_trigger


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
    """OCID of the push user; the component creates one auth token for it (OCI allows two per user)."""
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


def check_credentials_args(args: RegistryCredentialsArgs, problems: Problems, path: str = "") -> None:
    """The credentials' rules on the values known when they are declared."""
    user_ocid, user_name = args["user_ocid"], args.get("user_name")
    if isinstance(user_ocid, str):
        problems.check(f"{path}user_ocid", user_ocid, naming.check_ocid, "user")
    if isinstance(user_name, str) and user_name:
        problems.check(f"{path}user_name", user_name, naming.check_user_name)
    if args.get("user_domain"):
        problems.check(f"{path}user_domain", args.get("user_domain"), naming.check_user_domain)
    if args.get("rotation"):
        problems.check(f"{path}rotation", args.get("rotation"), check_rotation)
    if "description" in args:
        problems.check(f"{path}description", args["description"], check_description)


def check_engine(args_type: str, path: str, rotation: str | None) -> None:
    """ArgumentError naming ``path`` when a rotation label is set and the engine cannot rotate (see
    tokens.check_engine_rotates); not an argument check, so it runs even when those were skipped."""
    try:
        check_engine_rotates(rotation)
    except ValueError as error:
        raise ArgumentError(args_type, [(path, str(error))]) from None


class RegistryCredentials(pulumi.ComponentResource):
    """An `oci.identity.AuthToken` for the push user, kept secret, and the docker login it makes."""

    server: pulumi.Output[str]
    """Registry host to log in to."""
    username: pulumi.Output[str]
    """Docker login user: `<namespace>/<user>` or `<namespace>/<domain>/<user>`."""
    password: pulumi.Output[str]
    """The auth token (secret): the docker login password."""
    auth_token_id: pulumi.Output[str]
    """OCID of the auth token."""

    def __init__(self, name: str, args: RegistryCredentialsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        check_args("RegistryCredentialsArgs", check_credentials_args, args)
        if not checks_skipped():  # OcirProject checks the engine itself, naming its own argument
            check_engine("RegistryCredentialsArgs", "rotation", args.get("rotation") or None)
        super().__init__("ocir:index:RegistryCredentials", name, None, opts)

        # OCI returns the token only once, in the create response, and pulumi-oci does not mark
        # it secret: additional_secret_outputs keeps it encrypted in the state. A new rotation
        # label replaces the token; creating the new one before deleting the old one keeps
        # pushes working throughout (the user briefly holds both, which OCI's limit of two allows
        # only if the stack checked for a free slot first: see components/tokens.py).
        token = identity.AuthToken(
            f"{name}-token",
            user_id=args["user_ocid"],
            description=args.get("description") or "OCIR push token (docker login password), managed by Pulumi",
            opts=pulumi.ResourceOptions(
                parent=self,
                additional_secret_outputs=["token"],
                replacement_trigger=rotation_trigger(args.get("rotation")),
                delete_before_replace=False,
            ),
        )

        user_name = args.get("user_name")
        if not user_name:
            user_name = identity.get_user_output(
                user_id=args["user_ocid"], opts=pulumi.InvokeOutputOptions(parent=self)
            ).name
        domain = args.get("user_domain") or None

        self.server = pulumi.Output.from_input(args["registry_server"])
        self.username = pulumi.Output.all(args["namespace"], user_name).apply(
            lambda parts: naming.login_username(parts[0], parts[1], domain)
        )
        # Everything derived from the token is wrapped again: the engine applies
        # additional_secret_outputs to the state, this keeps it secret in the program too.
        self.password = pulumi.Output.secret(token.token)
        self.auth_token_id = token.id
        self.register_outputs(
            {
                "server": self.server,
                "username": self.username,
                "password": self.password,
                "authTokenId": self.auth_token_id,
            }
        )
