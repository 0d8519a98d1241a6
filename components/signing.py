"""ImageSignatures: every manifest a project pushed into one repository, signed with an OCI Vault key.

Per pushed manifest (by the name of the resource that pushed it): the image's OCID, looked up by repository and
digest (`artifacts.get_container_images`, which waits for the push), OCI's signing message for that digest
(signing_args.signing_message), a `kms.Sign` over it and an `artifacts.ContainerImageSignature` carrying both.
terraform-provider-oci makes every input of both ForceNew (internal/service/kms/kms_sign_resource.go;
internal/service/artifacts/artifacts_container_image_signature_resource.go), so an unchanged digest signs nothing
new and a new digest (or key version) signs again. A signature's Delete removes it from OCIR
(`DeleteContainerImageSignature`): the signatures are retained on delete, so the image a new push replaces, which
stays in the repository, keeps its signature and a deployment pinned to its digest still verifies.
"""

from typing import Any, NotRequired, TypedDict

import pulumi
from pulumi_oci import artifacts, kms

from .regions import region
from .signing_args import SigningArgs, algorithm_of, crypto_endpoint, signing_message


class ImageSignaturesArgs(TypedDict):
    compartment_ocid: pulumi.Input[str]
    """Compartment of the repository (where its images are listed)."""
    repository_name: str
    """The repository's name, without the namespace (`<prefix>-<image>`): what the message names."""
    region: str
    """The project's region (key or identifier): the message carries its identifier."""
    signing: SigningArgs
    pushed: dict[str, pulumi.Input[str]]
    """Per pushing resource's name, the `sha256:...` it pushed."""
    freeform_tags: NotRequired[dict[str, pulumi.Input[str]]]


class ImageSignatures(pulumi.ComponentResource):
    """A `kms.Sign` and an `artifacts.ContainerImageSignature` per pushed manifest, named after the resource that
    pushed it (`<pusher>-sign`, `<pusher>-signature`): the policy pack finds each pushed manifest's signature by
    that name."""

    signatures: pulumi.Output[dict[str, dict[str, str]]]
    """Per pushing resource's name: `digest`, `imageId`, `signatureId`, `message`."""

    def __init__(self, name: str, args: ImageSignaturesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ocir:index:ImageSignatures", name, None, opts)
        signing = args["signing"]
        key, version, algorithm = signing["key_ocid"], signing["key_version_ocid"], algorithm_of(signing)
        endpoint = crypto_endpoint(signing, args["region"])
        repository, region_identifier = args["repository_name"], region(args["region"]).identifier
        tags = dict(args.get("freeform_tags") or {}) or None
        child = pulumi.ResourceOptions(parent=self)
        results: dict[str, pulumi.Output[dict[str, str]]] = {}
        for pusher, digest in args["pushed"].items():
            image_id = image_ocid(args["compartment_ocid"], repository, digest, self)
            message = pulumi.Output.from_input(digest).apply(
                lambda value: signing_message(value, key, version, region_identifier, repository, algorithm)
            )
            signed = kms.Sign(
                f"{pusher}-sign",
                crypto_endpoint=endpoint,
                key_id=key,
                key_version_id=version,
                message=message,
                message_type="RAW",
                signing_algorithm=algorithm,
                opts=child,
            )
            signature = artifacts.ContainerImageSignature(
                f"{pusher}-signature",
                compartment_id=args["compartment_ocid"],
                image_id=image_id,
                kms_key_id=key,
                kms_key_version_id=version,
                message=message,
                signature=signed.signature,
                signing_algorithm=algorithm,
                freeform_tags=tags,
                # The image keeps its signature when a new push replaces it here (see the module's docstring).
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )
            results[pusher] = pulumi.Output.all(
                digest=digest, imageId=image_id, signatureId=signature.id, message=message
            )
        self.signatures = pulumi.Output.all(**results)
        self.register_outputs({"signatures": self.signatures})


def image_ocid(
    compartment_ocid: pulumi.Input[str], repository_name: str, digest: pulumi.Input[str], parent: pulumi.Resource
) -> pulumi.Output[str]:
    """The OCID of the image ``digest`` in ``repository_name``, once it is pushed (the lookup waits for the
    resource that gives the digest). A digest the registry does not list fails the update naming it."""
    listed = artifacts.get_container_images_output(
        compartment_id=compartment_ocid,
        repository_name=repository_name,
        image_digest=digest,
        opts=pulumi.InvokeOutputOptions(parent=parent),
    )
    return pulumi.Output.all(listed.container_image_collections, digest).apply(
        lambda parts: _only_image(parts[0], str(parts[1]), repository_name)
    )


def _only_image(collections: Any, digest: str, repository_name: str) -> str:
    # The output form hands back the collections as plain dicts, the typed results are dicts too: read both so.
    items = [item for collection in collections or [] for item in (dict.get(collection, "items") or [])]
    found = [item for item in items if dict.get(item, "digest") == digest and dict.get(item, "state") != "DELETED"]
    if not found:
        raise pulumi.RunError(
            f"signing: the registry lists no image {digest} in repository {repository_name} to sign (the push "
            "reported it); check that the image was pushed to this repository's compartment"
        )
    return str(dict.get(found[0], "id"))
