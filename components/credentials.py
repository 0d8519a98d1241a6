"""RegistryCredentials: an auth token for the push user and the docker login it makes."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_oci import identity

from . import naming
from ._args import checked


@dataclass
class RegistryCredentialsArgs:
    user_ocid: pulumi.Input[str]
    """OCID of the push user; the component creates one auth token for it (OCI allows two)."""
    registry_server: pulumi.Input[str]
    """Registry host, e.g. fra.ocir.io."""
    namespace: pulumi.Input[str]
    """Tenancy Object Storage namespace, the first segment of the login and of image paths."""
    user_name: pulumi.Input[str] | None = None
    """The user's login name; default None looks it up with oci.identity.get_user_output."""
    user_domain: str | None = None
    """Login domain segment (oracleidentitycloudservice, or an identity domain); default none."""
    description: pulumi.Input[str] | None = None
    """Auth token description; default says what the token is for."""
    rotation: str | None = None
    """Rotation label: changing it replaces the token, the new one created before the old one is
    deleted; default None (never rotate)."""


class RegistryCredentials(pulumi.ComponentResource):
    """An `oci.identity.AuthToken` kept secret, with the server, username and password to log in."""

    server: pulumi.Output[str]
    """Registry host to log in to."""
    username: pulumi.Output[str]
    """Docker login user: `<namespace>/<user>` or `<namespace>/<domain>/<user>`."""
    password: pulumi.Output[str]
    """The auth token (secret): the docker login password."""
    auth_token_id: pulumi.Output[str]
    """OCID of the auth token."""

    def __init__(
        self,
        name: str,
        args: RegistryCredentialsArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        where = "RegistryCredentialsArgs"
        if isinstance(args.user_ocid, str):
            checked(f"{where}.user_ocid", args.user_ocid, naming.check_ocid, "user")
        if isinstance(args.user_name, str):
            checked(f"{where}.user_name", args.user_name, naming.check_user_name)
        if args.user_domain:
            checked(f"{where}.user_domain", args.user_domain, naming.check_user_domain)
        super().__init__("ocir:index:RegistryCredentials", name, None, opts)

        # OCI returns the token only once, in the create response, and pulumi-oci does not mark
        # it secret: additional_secret_outputs keeps it encrypted in the state. A new rotation
        # label replaces the token; creating the new one before deleting the old one keeps
        # pushes working throughout (the user briefly holds both, which OCI's limit of two allows
        # only if the stack checked for a free slot first: see components/tokens.py).
        token = identity.AuthToken(
            f"{name}-token",
            user_id=args.user_ocid,
            description=args.description or "OCIR push token (docker login password), managed by Pulumi",
            opts=pulumi.ResourceOptions(
                parent=self,
                additional_secret_outputs=["token"],
                replacement_trigger=args.rotation,
                delete_before_replace=False,
            ),
        )

        user_name: pulumi.Input[str]
        if args.user_name is None:
            user_name = identity.get_user_output(
                user_id=args.user_ocid, opts=pulumi.InvokeOutputOptions(parent=self)
            ).name
        else:
            user_name = args.user_name
        domain = args.user_domain

        self.server = pulumi.Output.from_input(args.registry_server)
        self.username = pulumi.Output.all(args.namespace, user_name).apply(
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
