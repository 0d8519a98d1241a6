"""RegistryCredentials: an auth token for a registry user (the push user, or a pull user) and the docker login it
makes."""

import pulumi
from pulumi_oci import identity

from . import naming
from ._args import ArgumentError, check_args, checks_skipped

# The arguments, the docker login type and their rules, without the provider SDK (importable from here as before).
from .credentials_args import RegistryAuthArgs as RegistryAuthArgs
from .credentials_args import RegistryCredentialsArgs as RegistryCredentialsArgs
from .credentials_args import check_credentials_args as check_credentials_args
from .tokens import check_engine_rotates, rotation_trigger


def check_engine(args_type: str, path: str, rotation: str | None) -> None:
    """ArgumentError naming ``path`` when a rotation label is set and the engine cannot rotate (see
    tokens.check_engine_rotates); not an argument check, so it runs even when those were skipped."""
    try:
        check_engine_rotates(rotation)
    except ValueError as error:
        raise ArgumentError(args_type, [(path, str(error))]) from None


class RegistryCredentials(pulumi.ComponentResource):
    """An `oci.identity.AuthToken` for a registry user (the push user, or a pull-only user), kept secret, and the
    docker login it makes."""

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
