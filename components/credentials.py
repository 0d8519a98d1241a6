"""RegistryCredentials: an auth token for a registry user (the push user, or a pull user) and the docker login it
makes."""

import pulumi
from pulumi_oci import identity

from . import naming
from ._args import ArgumentError, check_args, checked, checks_skipped, label

# The arguments, the docker login type and their rules, without the provider SDK (importable from here as before).
from .credentials_args import RegistryAuthArgs as RegistryAuthArgs
from .credentials_args import RegistryCredentialsArgs as RegistryCredentialsArgs
from .credentials_args import check_credentials_args as check_credentials_args
from .registry_login import DEFAULT_TIMEOUT_SECONDS, accepted_password
from .tokens import check_engine_rotates, rotation_trigger

ARGS = "RegistryCredentialsArgs"


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
    """The auth token (secret): the docker login password. On `pulumi up`, while the token is new, it resolves
    once the registry accepts it (`loginTimeoutSeconds`), so every push given it waits for that."""
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
        user_ocid = checked(args["user_ocid"], ARGS, "user_ocid", naming.check_ocid, "user")
        token = identity.AuthToken(
            f"{name}-token",
            user_id=user_ocid,
            description=args.get("description") or "OCIR push token (docker login password), managed by Pulumi",
            opts=pulumi.ResourceOptions(
                parent=self,
                additional_secret_outputs=["token"],
                replacement_trigger=rotation_trigger(args.get("rotation")),
                delete_before_replace=False,
            ),
        )

        user_name: pulumi.Input[str] | None = args.get("user_name")
        if user_name:
            user_name = checked(user_name, ARGS, "user_name", naming.check_user_name, label(ARGS, "user_domain"))
        else:
            user_name = identity.get_user_output(user_id=user_ocid, opts=pulumi.InvokeOutputOptions(parent=self)).name
        domain = args.get("user_domain") or None
        # The namespace is OCI's answer (a lookup) or the caller's checked value: used as it is.
        namespace = args["namespace"]

        self.server = pulumi.Output.from_input(args["registry_server"])
        self.username = pulumi.Output.all(namespace, user_name).apply(
            lambda parts: naming.login_username(parts[0], parts[1], domain)
        )
        # Everything derived from the token is secret: the engine applies additional_secret_outputs to the
        # state, accepted_password keeps it secret in the program too. A new token can take a minute to work:
        # the password resolves once the registry accepts it, so the pushes given it wait (components/
        # registry_login.py; no resource of its own, nothing for the consumer to install).
        self.password = accepted_password(
            self.server,
            self.username,
            token.token,
            token.time_created,
            timeout_seconds=args.get("login_timeout_seconds", DEFAULT_TIMEOUT_SECONDS),
        )
        self.auth_token_id = token.id
        self.register_outputs(
            {
                "server": self.server,
                "username": self.username,
                "password": self.password,
                "authTokenId": self.auth_token_id,
            }
        )
