"""Per resource type the program declares: which inputs make the provider replace it, and what its Delete removes.

One row per type, each with the provider source it was read from. A bridged provider's schema marks every
Terraform ``ForceNew`` input ``willReplaceOnChanges`` (pulumi-terraform-bridge ``pkg/tfgen/generate_schema.go``,
``WillReplaceOnChanges: prop.forceNew()``) and its Diff replaces on them; the native providers say it in
their own Diff. The engine adds its own reasons to replace (a changed URN, a replacement trigger: see
steps.py and triggers.py); this table is the providers' part.

Sources, as read:
- oracle/terraform-provider-oci 8.23.0 (the provider pulumi-oci bridges; unchanged in 8.28.0),
  ``internal/service/<service>/*_resource.go``;
- kreuzwerker/terraform-provider-docker 4.5.0 (bridged by pulumi-docker 5.x), ``internal/provider/``, and the
  ``willReplaceOnChanges`` marks of pulumi-docker's ``provider/cmd/pulumi-resource-docker/schema.json``;
- pulumi-docker ``provider/provider.go`` (the native ``Image``: Diff reports updates only, Delete returns at once);
- pulumi-docker-build 0.0.22 ``provider/internal/index.go`` (``Diff``, ``Delete``);
- pulumi/pulumi ``sdk/python/lib/pulumi/dynamic/dynamic.py`` (a dynamic provider's diff and delete are ours).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import types


@dataclass(frozen=True)
class Replaces:
    """An input whose change makes the provider replace the resource."""

    path: str
    """Input path as the engine names it (camelCase, dotted): ``userId``, ``registry.address``; a path
    covers everything under it (``build`` covers ``build.context``)."""
    unless_old_empty: bool = False
    """Only when the old value was set: a value given for the first time updates in place."""


@dataclass(frozen=True)
class TypeRules:
    token: str
    source: str
    """The file the row was read from."""
    replaces_on: tuple[Replaces, ...] = ()
    deletes: str | None = None
    """What the provider's Delete removes from the cloud or a registry, in a reviewer's words; None: nothing
    outside the docker host."""
    kept_by: str | None = None
    """A boolean input that, when true, makes Delete leave the remote data (pulumi-docker's keepRemotely)."""
    ignored: tuple[str, ...] = ()
    """Inputs whose change the provider's Diff ignores (no update at all)."""
    compared: tuple[str, ...] | None = None
    """The only inputs the provider's Diff looks at (None: all of them)."""

    def replace_paths(self) -> tuple[str, ...]:
        return tuple(rule.path for rule in self.replaces_on)

    def forces_replace(self, path: str, old: Any) -> Replaces | None:
        """The rule that makes a change of ``path`` (whose old value is ``old``) a replacement, if any."""
        for rule in self.replaces_on:
            if path == rule.path or path.startswith(f"{rule.path}.") or path.startswith(f"{rule.path}["):
                if rule.unless_old_empty and old in (None, ""):
                    continue
                return rule
        return None

    def delete_removes(self, inputs: Mapping[str, Any]) -> str | None:
        """What a Delete of a resource with these inputs removes remotely (None: nothing)."""
        if self.kept_by is not None and inputs.get(self.kept_by) is True:
            return None
        return self.deletes


OCI = "oracle/terraform-provider-oci internal/service"
DOCKER_TF = "kreuzwerker/terraform-provider-docker internal/provider"

RULES: dict[str, TypeRules] = {
    rules.token: rules
    for rules in (
        TypeRules(
            types.AUTH_TOKEN,
            f"{OCI}/identity/identity_auth_token_resource.go (user_id ForceNew; description updated in place)",
            replaces_on=(Replaces("userId"),),
            deletes="the auth token (DeleteAuthToken): every login with it stops working",
        ),
        TypeRules(
            types.POLICY,
            f"{OCI}/identity/identity_policy_resource.go (compartment_id and name ForceNew)",
            replaces_on=(Replaces("compartmentId"), Replaces("name")),
            deletes="the IAM policy (DeletePolicy): its grants end",
        ),
        TypeRules(
            types.REPOSITORY,
            f"{OCI}/artifacts/artifacts_container_repository_resource.go (display_name ForceNew; compartment_id "
            "moved in place by ChangeContainerRepositoryCompartment; is_public, is_immutable updated)",
            replaces_on=(Replaces("displayName"),),
            deletes="the repository (DeleteContainerRepository) and the images in it",
        ),
        TypeRules(
            types.SCAN_RECIPE,
            f"{OCI}/vulnerability_scanning/vulnerability_scanning_container_scan_recipe_resource.go (no ForceNew)",
            deletes="the scan recipe (DeleteContainerScanRecipe)",
        ),
        TypeRules(
            types.SCAN_TARGET,
            f"{OCI}/vulnerability_scanning/vulnerability_scanning_container_scan_target_resource.go (no ForceNew, "
            "target_registry included)",
            deletes="the scan target (DeleteContainerScanTarget): its repositories are no longer scanned",
        ),
        TypeRules(
            types.KMS_SIGN,
            f"{OCI}/kms/kms_sign_resource.go (crypto_endpoint, key_id, key_version_id, message, message_type, "
            "signing_algorithm ForceNew; Create calls Sign once and keeps the signature; Read and Delete do nothing)",
            replaces_on=(
                Replaces("cryptoEndpoint"),
                Replaces("keyId"),
                Replaces("keyVersionId"),
                Replaces("message"),
                Replaces("messageType"),
                Replaces("signingAlgorithm"),
            ),
        ),
        TypeRules(
            types.IMAGE_SIGNATURE,
            f"{OCI}/artifacts/artifacts_container_image_signature_resource.go (compartment_id, image_id, kms_key_id, "
            "kms_key_version_id, message, signature, signing_algorithm ForceNew; freeform and defined tags updated; "
            "Delete: DeleteContainerImageSignature)",
            replaces_on=(
                Replaces("compartmentId"),
                Replaces("imageId"),
                Replaces("kmsKeyId"),
                Replaces("kmsKeyVersionId"),
                Replaces("message"),
                Replaces("signature"),
                Replaces("signingAlgorithm"),
            ),
            deletes="the image's signature (DeleteContainerImageSignature): a cluster that verifies refuses the image",
        ),
        TypeRules(
            types.IMAGE,
            "pulumi/pulumi-docker provider/provider.go (Diff: updates only, registry username and password "
            "ignored; Delete returns without a call)",
            ignored=("registry.username", "registry.password"),
        ),
        TypeRules(
            types.REMOTE_IMAGE,
            f"{DOCKER_TF}/resource_docker_image.go (name, platform, pull_triggers, triggers, build ForceNew); "
            "resource_docker_image_funcs.go (Delete removes the local image unless keep_locally)",
            replaces_on=(
                Replaces("name"),
                Replaces("platform"),
                Replaces("pullTriggers"),
                Replaces("triggers"),
                Replaces("build"),
            ),
        ),
        TypeRules(
            types.TAG,
            f"{DOCKER_TF}/resource_docker_tag.go (source_image, target_image, tag_triggers ForceNew; "
            "Delete removes nothing)",
            replaces_on=(Replaces("sourceImage"), Replaces("targetImage"), Replaces("tagTriggers")),
        ),
        TypeRules(
            types.REGISTRY_IMAGE,
            f"{DOCKER_TF}/resource_docker_registry_image.go (name, triggers ForceNew); "
            "resource_docker_registry_image_funcs.go (Delete: DELETE /v2/<repository>/manifests/<digest> "
            "unless keep_remotely)",
            replaces_on=(Replaces("name"), Replaces("triggers")),
            deletes="the pushed manifest (DELETE /v2/<repository>/manifests/<digest>) and every tag on it",
            kept_by="keepRemotely",
        ),
        TypeRules(
            types.INDEX,
            "pulumi/pulumi-docker-build provider/internal/index.go (Diff: tag UpdateReplace, registry.address "
            "UpdateReplace when it was set, sources and registry.username Update, registry.password ignored; "
            "Delete: ManifestDelete(state.Ref) when pushed)",
            replaces_on=(Replaces("tag"), Replaces("registry.address", unless_old_empty=True)),
            deletes="the pushed index manifest (ManifestDelete of its ref) and every tag on it",
            ignored=("registry.password",),
        ),
        TypeRules(
            types.LOGIN_CHECK,
            "components/registry_login.py (our dynamic provider: diff never replaces; no delete) through "
            "pulumi/pulumi sdk/python/lib/pulumi/dynamic/dynamic.py",
            compared=("server", "username", "tokenId", "insecure"),
        ),
    )
}


def rules_for(token: str) -> TypeRules | None:
    return RULES.get(token)
