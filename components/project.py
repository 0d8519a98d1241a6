"""OcirProject: everything one project needs on OCIR, composed from the other components."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_oci import objectstorage

from . import naming
from ._args import checked
from .access_policy import RepositoryAccessPolicy, RepositoryAccessPolicyArgs
from .config import ImageSpec, Settings
from .credentials import RegistryCredentials, RegistryCredentialsArgs
from .image import RepositoryImage, RepositoryImageArgs
from .promotion import PromotedImage, Promotion, image_component
from .regions import resolve_region
from .registry_login import (
    DEFAULT_TIMEOUT_SECONDS,
    RegistryLoginCheck,
    RegistryLoginCheckArgs,
    check_timeout_seconds,
)
from .statements import check_domain_name, check_group_name
from .tokens import check_rotation, token_description


@dataclass
class OcirProjectArgs:
    prefix: str
    """Project prefix; repositories are `<prefix>-<image name>` and the group may manage only those."""
    group_name: str
    """IAM group that manages the project's repositories."""
    tenancy_ocid: str
    """Tenancy OCID; the policy lives in its root compartment."""
    region: str
    """Registry region key or identifier; the registry is `<region>.ocir.io`."""
    user_ocid: pulumi.Input[str]
    """Push user; one auth token is created for it."""
    images: Sequence[ImageSpec] = ()
    """Images to build and push, each into its own repository; default none."""
    identity_domain: str | None = None
    """Identity domain of the group; default the default domain."""
    allow_list_repositories: bool = False
    """Also let the group list every repository name; default False."""
    compartment_ocid: str | None = None
    """Compartment for the repositories; default the tenancy (root compartment)."""
    tenancy_namespace: str | None = None
    """Object Storage namespace; default None looks it up."""
    user_name: str | None = None
    """Push user's login name; default None looks it up."""
    user_domain: str | None = None
    """Login domain segment for federated or identity-domain users; default none."""
    freeform_tags: Mapping[str, str] = field(default_factory=dict)
    """Free-form tags for the policy and the repositories; default none."""
    token_rotation: str | None = None
    """Auth-token rotation label; changing it rotates the token (create before delete); default None."""
    protect: bool = False
    """Protect the policy and the repositories and retain the repositories on delete (production);
    default False."""
    promotion: Promotion | None = None
    """Copy every image by digest from another stack (ocir:promoteFrom) instead of building; default
    None builds."""
    login_timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS
    """How long `pulumi up` waits for the registry to accept a new auth token before the first push;
    default 120."""

    @classmethod
    def from_settings(cls, settings: Settings, freeform_tags: Mapping[str, str] | None = None) -> OcirProjectArgs:
        return cls(
            prefix=settings.prefix,
            group_name=settings.group_name,
            tenancy_ocid=settings.tenancy_ocid,
            region=settings.region,
            user_ocid=settings.user_ocid,
            images=settings.images,
            identity_domain=settings.identity_domain,
            allow_list_repositories=settings.allow_list_repositories,
            compartment_ocid=settings.compartment_ocid,
            tenancy_namespace=settings.tenancy_namespace,
            user_name=settings.user_name,
            user_domain=settings.user_domain,
            freeform_tags=dict(freeform_tags or {}),
            protect=settings.production,
            token_rotation=settings.token_rotation,
        )


class OcirProject(pulumi.ComponentResource):
    """The access policy, the push credentials and every image of one project."""

    registry_server: pulumi.Output[str]
    """Registry host, `<region>.ocir.io`."""
    namespace: pulumi.Output[str]
    """Tenancy Object Storage namespace."""
    login_username: pulumi.Output[str]
    """Docker login user."""
    auth_token: pulumi.Output[str]
    """Docker login password (secret)."""
    policy_id: pulumi.Output[str]
    """OCID of the access policy."""
    policy_statements: list[str]
    """The policy's statements."""
    images: pulumi.Output[dict[str, dict[str, Any]]]
    """Per image name: imageName, repoDigest and repositoryId."""

    def __init__(self, name: str, args: OcirProjectArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        # Every argument is checked before the component registers, so bad arguments declare
        # nothing; the children check the same rules again for callers who use them alone.
        where = "OcirProjectArgs"
        checked(f"{where}.prefix", args.prefix, naming.check_prefix)
        checked(f"{where}.group_name", args.group_name, check_group_name)
        if args.identity_domain:
            checked(f"{where}.identity_domain", args.identity_domain, check_domain_name)
        region, _ = checked(f"{where}.region", args.region, resolve_region)
        if isinstance(args.user_ocid, str):
            checked(f"{where}.user_ocid", args.user_ocid, naming.check_ocid, "user")
        if args.user_name:
            checked(f"{where}.user_name", args.user_name, naming.check_user_name)
        if args.user_domain:
            checked(f"{where}.user_domain", args.user_domain, naming.check_user_domain)
        if args.token_rotation:
            checked(f"{where}.token_rotation", args.token_rotation, check_rotation)
        checked(f"{where}.login_timeout_seconds", args.login_timeout_seconds, check_timeout_seconds)
        for image in args.images:
            checked(f"{where}.images", image.name, naming.check_image_name)
            checked(f"{where}.images", image.tag, naming.check_tag)
        checked(f"{where}.tenancy_ocid", args.tenancy_ocid, naming.check_ocid, "tenancy")
        if args.compartment_ocid:
            checked(f"{where}.compartment_ocid", args.compartment_ocid, naming.check_ocid, "compartment", "tenancy")
        if args.tenancy_namespace:
            checked(f"{where}.tenancy_namespace", args.tenancy_namespace, naming.check_namespace)
        names = [image.name for image in args.images]
        if len(set(names)) != len(names):
            raise ValueError(f"{where}.images: image names must be unique, got {names}")
        repositories = {
            image.name: checked(f"{where}.images", args.prefix, naming.repository_name, image.name)
            for image in args.images
        }
        super().__init__("ocir:index:OcirProject", name, None, opts)

        server = naming.registry_server(region)
        namespace: pulumi.Input[str]
        if args.tenancy_namespace:
            namespace = args.tenancy_namespace
        else:
            namespace = objectstorage.get_namespace_output(
                compartment_id=args.tenancy_ocid, opts=pulumi.InvokeOutputOptions(parent=self)
            ).namespace

        access = RepositoryAccessPolicy(
            f"{name}-access",
            RepositoryAccessPolicyArgs(
                tenancy_ocid=args.tenancy_ocid,
                prefix=args.prefix,
                group_name=args.group_name,
                identity_domain=args.identity_domain,
                allow_list_repositories=args.allow_list_repositories,
                freeform_tags=args.freeform_tags,
                protect=args.protect,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        credentials = RegistryCredentials(
            f"{name}-credentials",
            RegistryCredentialsArgs(
                user_ocid=args.user_ocid,
                registry_server=server,
                namespace=namespace,
                user_name=args.user_name,
                user_domain=args.user_domain,
                description=token_description(args.prefix, args.token_rotation),
                rotation=args.token_rotation,
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )

        push_after: list[pulumi.Resource] = [access]
        if args.images:
            # A new auth token can take a minute to work: the pushes wait until the registry
            # accepts it (again after every rotation) instead of failing with 401.
            push_after.append(
                RegistryLoginCheck(
                    f"{name}-login-check",
                    RegistryLoginCheckArgs(
                        server=server,
                        username=credentials.username,
                        password=credentials.password,
                        token_id=credentials.auth_token_id,
                        timeout_seconds=args.login_timeout_seconds,
                    ),
                    opts=pulumi.ResourceOptions(parent=self),
                )
            )

        built: dict[str, RepositoryImage | PromotedImage] = {}
        for image in args.images:
            built[image.name] = image_component(args.promotion, image.name)(
                f"{name}-{image.name}",
                RepositoryImageArgs(
                    compartment_ocid=args.compartment_ocid or args.tenancy_ocid,
                    repository_name=repositories[image.name],
                    tag=image.tag,
                    registry_server=server,
                    namespace=namespace,
                    username=credentials.username,
                    password=credentials.password,
                    context=image.context,
                    dockerfile=image.dockerfile,
                    build_args=image.build_args,
                    target=image.target,
                    platform=image.platform,
                    public=image.public,
                    immutable=image.immutable,
                    freeform_tags=args.freeform_tags,
                    protect=args.protect,
                    # A push user who is a member of the group gets its rights from the policy,
                    # and the token must be accepted by the registry.
                    push_after=push_after,
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )

        self.registry_server = pulumi.Output.from_input(server)
        self.namespace = pulumi.Output.from_input(namespace)
        self.login_username = credentials.username
        self.auth_token = credentials.password
        self.policy_id = access.policy_id
        self.policy_statements = access.statements
        images: dict[str, dict[str, Any]] = {
            image_name: {
                "imageName": component.image_name,
                "repoDigest": component.repo_digest,
                "repositoryId": component.repository_id,
            }
            for image_name, component in built.items()
        }
        for image_name, component in built.items():
            if isinstance(component, PromotedImage):
                images[image_name]["sourceRepoDigest"] = component.source_repo_digest
        self.images = pulumi.Output.from_input(images)
        self.register_outputs(
            {
                "registryServer": self.registry_server,
                "namespace": self.namespace,
                "loginUsername": self.login_username,
                "authToken": self.auth_token,
                "policyId": self.policy_id,
                "images": self.images,
            }
        )
