"""The provider side of a mocked run, apart from the recording side: evaluate takes any Mocks, and
the tests give OcirMocks their own token, namespace, existing tokens or stack outputs.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import itertools
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks

from tools.engine.monitor import Registration
from tools.engine.tenancy import LookupRefusedError, Tenancy
from tools.engine.types import (
    AUTH_TOKEN,
    GET_AUTH_TOKENS,
    GET_CONTAINER_IMAGES,
    GET_CONTAINER_REPOSITORY,
    GET_NAMESPACE,
    GET_USER,
    IMAGE,
    IMAGE_SIGNATURE,
    INDEX,
    KMS_SIGN,
    POLICY,
    REGISTRY_IMAGE,
    REMOTE_IMAGE,
    REPOSITORY,
    STACK_REFERENCE,
)
from tools.engine.wire import UNKNOWN, is_secret, reveal

Signer = Callable[[bytes, str, str, str], bytes]
"""What answers a `kms.Sign`: (the message's bytes, the algorithm, the key OCID, the key version OCID) -> the
signature's bytes. KMS decodes the base64 message it is sent (messageType RAW) and signs those bytes."""

GO_TIME = "%Y-%m-%d %H:%M:%S.%f +0000 UTC"
"""How Go's time.Time.String() writes a UTC time (terraform-provider-oci sets time_created with it)."""


class OcirMocks(pulumi.runtime.Mocks):
    """Provider stand-ins: what OCI and docker would return, made up and deterministic.

    With ``plan=True`` every value only a real cloud could tell (OCIDs, the token, digests) is
    left unknown, as in a preview, and lookups return placeholders that say what they stand for.
    """

    def __init__(
        self,
        *,
        token: str = "mock-auth-token-0123456789",
        namespace: str = "mocktenancyns",
        user_name: str = "mock-push-user",
        existing_tokens: list[dict[str, str]] | None = None,
        existing_repositories: Mapping[str, Mapping[str, Any]] | None = None,
        plan: bool = False,
        stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
        token_created: str | None = None,
        users: Mapping[str, Mapping[str, Any]] | None = None,
        tenancy: Tenancy | None = None,
        signer: Signer | None = None,
        previous: Sequence[Registration] = (),
    ) -> None:
        """``stack_outputs``: what a StackReference to each fully qualified stack name reads, values
        in wire form (a secret output wrapped as the engine sends it; see reference_outputs).

        ``users``: per user OCID, what the test says of that user instead of the defaults: ``name`` (what
        `get_user` answers), ``token`` (the value a new auth token of that user gets) and ``existing_tokens``
        (what `get_auth_tokens` lists for it); a user not listed gets ``user_name``, ``token`` and
        ``existing_tokens``.

        ``existing_repositories``: repositories that exist in OCI before the run, by OCID, each as the test
        states it (``displayName``, ``compartmentId``, ``isPublic``, ``isImmutable``, optional ``state`` and
        ``freeformTags``): what `get_container_repository` reads and what an import of that OCID finds.

        ``tenancy``: the tenancy's compartments, policies and repositories as the list lookups return them
        (tools/engine/tenancy.py); ``existing_repositories`` are added to its repositories. None: a tenancy with
        nothing in it but what ``existing_repositories`` names.

        ``signer``: what answers a `kms.Sign` (a test's own RSA key); None answers with a digest of the message,
        which no key verifies. ``previous``: the resources of the update before this one (its state): a custom
        resource whose inputs are the same as there keeps its ID and outputs, as the engine's same step does
        (pulumi/pulumi pkg/resource/deploy/step.go, `SameStep.Apply`: `s.new.ID = s.old.ID`, `s.new.Outputs =
        s.old.Outputs`), instead of being made again. The mocks also keep what a registry would list: every
        manifest a push reported (``pushed``, what `get_container_images` answers from) and every signature
        uploaded (``signatures``)."""
        self.stack_outputs = dict(stack_outputs or {})
        # When OCI says a token it creates was created: now, written as terraform-provider-oci writes it
        # (`TimeCreated.String()`, Go's time format); a test gives another time for a token made long ago.
        self.token_created = token_created
        self.token = token
        self.existing_tokens = existing_tokens or []
        self.users = {ocid: dict(user) for ocid, user in (users or {}).items()}
        self.tenancy = tenancy if tenancy is not None else Tenancy()
        self.tenancy.repositories.update({ocid: dict(repo) for ocid, repo in (existing_repositories or {}).items()})
        self.signer = signer
        self.previous = {(r.type, r.name): r for r in previous if r.custom}
        self.pushed: list[dict[str, str]] = []
        """Per manifest a push reported: repositoryName (without the namespace), digest, id (the image's OCID)."""
        self.repository_compartments: dict[str, str] = {}
        """Per repository the run created or adopted, by name: its compartment."""
        self.signatures: list[dict[str, Any]] = []
        self.namespace = "<tenancy-namespace>" if plan else namespace
        self.user_name = "<user-name>" if plan else user_name
        self.plan = plan
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def existing_repositories(self) -> dict[str, dict[str, Any]]:
        """The repositories that exist before the run, by OCID: the tenancy's."""
        return self.tenancy.repositories

    def _computed(self, value: Any) -> Any:
        return UNKNOWN if self.plan else value

    def _ocid(self, kind: str) -> str:
        with self._lock:
            number = next(self._ids)
        return "" if self.plan else f"ocid1.{kind}.oc1..mock{number:04d}"

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        prior = self.previous.get((args.typ, args.name))
        ocid: str | None
        if prior is not None and _plain(prior.inputs) == _plain(args.inputs):
            ocid, state = prior.id, {key: reveal(value) for key, value in prior.state.items()}
        else:
            ocid, state = self._create(args)
        # Made now or by an earlier update, it is there: its repository, its pushed manifest.
        self._record(args.typ, state)
        return ocid, state

    def _create(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        state = dict(args.inputs)
        if args.typ == AUTH_TOKEN:
            token = self.users.get(str(reveal(state.get("userId"))), {}).get("token", self.token)
            created = self.token_created or datetime.datetime.now(datetime.UTC).strftime(GO_TIME)
            state.update(
                token=self._computed(token), state=self._computed("ACTIVE"), timeCreated=self._computed(created)
            )
            return self._ocid("credential"), state
        if args.typ == POLICY:
            return self._ocid("policy"), state
        if args.typ == REPOSITORY:
            state.update(namespace=self._computed(self.namespace), state=self._computed("AVAILABLE"))
            if args.resource_id:
                # An import: the engine reads the existing repository, it creates nothing.
                if args.resource_id not in self.existing_repositories:
                    raise ValueError(f"cannot import {args.resource_id}: no such repository")
                return args.resource_id, state
            return self._ocid("containerrepo"), state
        if args.typ == IMAGE:
            image_name = str(reveal(state.get("imageName", "")))
            repository = image_name.rsplit(":", 1)[0]
            digest = hashlib.sha256(image_name.encode()).hexdigest()
            state.update(repoDigest=self._computed(f"{repository}@sha256:{digest}"))
            return self._computed(f"{image_name}-{digest[:12]}"), state
        if args.typ == INDEX:
            # Like a pushed copy, a digest of the mock's own: what a registry answers for an index it was
            # sent is for a real registry to say (tests/integration), and no test may read it from here.
            tag = str(reveal(state.get("tag", "")))
            digest = f"sha256:{hashlib.sha256(f'index:{tag}'.encode()).hexdigest()}"
            state.update(ref=self._computed(f"{tag}@{digest}"))
            return self._computed(tag), state
        if args.typ == STACK_REFERENCE:
            stack = str(state.get("name"))
            if stack not in self.stack_outputs:
                raise ValueError(f"unknown stack {stack!r}: the mocks know {sorted(self.stack_outputs)}")
            outputs = dict(self.stack_outputs[stack])
            secret_names = sorted(name for name, value in outputs.items() if is_secret(value))
            return stack, {"name": stack, "outputs": outputs, "secretOutputNames": secret_names}
        if args.typ == REMOTE_IMAGE:
            reference = str(reveal(state.get("name", "")))
            state.update(repoDigest=reference, imageId=f"sha256:{hashlib.sha256(reference.encode()).hexdigest()}")
            return reference, state
        if args.typ == REGISTRY_IMAGE:
            # A digest of the mock's own making: whether a real registry reports the promoted source's
            # digest for the copy is for a real registry to say, and no test may read it from here.
            pushed = str(reveal(state.get("name", "")))
            digest = f"sha256:{hashlib.sha256(f'pushed:{pushed}'.encode()).hexdigest()}"
            state.update(sha256Digest=self._computed(digest))
            return self._computed(f"{reveal(state.get('name'))}@{digest}"), state
        if args.typ == KMS_SIGN:
            key = str(state.get("keyId", ""))
            if self.plan:
                state.update(signature=UNKNOWN)
                return "", state
            message = base64.b64decode(str(state.get("message", "")))
            algorithm, version = str(state.get("signingAlgorithm", "")), str(state.get("keyVersionId", ""))
            signed = self.signer(message, algorithm, key, version) if self.signer else hashlib.sha256(message).digest()
            state.update(signature=base64.b64encode(signed).decode())
            return key, state  # the provider's ID is the key's (kms_sign_resource.go, ID())
        if args.typ == IMAGE_SIGNATURE:
            ocid = self._ocid("containerimagesignature")
            state.update(state=self._computed("AVAILABLE"))
            self.signatures.append({"id": ocid, **{k: reveal(v) for k, v in state.items()}})
            return ocid, state
        return "" if not args.custom else self._ocid("resource"), state

    def _record(self, typ: str, state: Mapping[str, Any]) -> None:
        """What the registry lists after a resource is made (or kept): a repository's compartment, by name; the
        manifest a push reported, read from the push's outputs."""
        if typ == REPOSITORY:
            self.repository_compartments[str(state.get("displayName"))] = str(reveal(state.get("compartmentId")))
        elif typ == IMAGE:
            repository, _, digest = str(state.get("repoDigest", "")).partition("@")
            self._pushed(repository, digest)
        elif typ == INDEX:
            tag, _, digest = str(state.get("ref", "")).partition("@")
            self._pushed(tag, digest)
        elif typ == REGISTRY_IMAGE:
            self._pushed(str(state.get("name", "")), str(state.get("sha256Digest", "")))

    def _pushed(self, reference: str, digest: str) -> None:
        """A manifest a push reported, as the registry lists it: by repository (the reference without host and
        namespace, tag or digest) and digest."""
        if self.plan:
            return
        path = reference.partition("@")[0].split("/", 2)[-1]
        repository = path.rsplit(":", 1)[0] if ":" in path.rsplit("/", 1)[-1] else path
        # One image per repository and digest, whichever update pushed it: its OCID stays the same.
        ocid = f"ocid1.containerimage.oc1..mock{hashlib.sha256(f'{repository}@{digest}'.encode()).hexdigest()[:32]}"
        with self._lock:
            self.pushed.append({"repositoryName": repository, "digest": digest, "id": ocid})

    def call(self, args: pulumi_mocks.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        if args.token == GET_NAMESPACE:
            return {"namespace": self.namespace, "id": "namespace"}
        if args.token == GET_USER:
            user_id = str(args.args.get("userId"))
            name = "<user-name>" if self.plan else self.users.get(user_id, {}).get("name", self.user_name)
            return {"name": name, "userId": user_id, "id": user_id}
        if args.token == GET_AUTH_TOKENS:
            # Listing tokens never returns their values (OCI shows a value once, at creation).
            user = args.args.get("userId")
            existing = self.users.get(str(user), {}).get("existing_tokens", self.existing_tokens)
            tokens = [
                {
                    "id": token["id"],
                    "description": token.get("description", ""),
                    "state": token.get("state", "ACTIVE"),
                    "inactiveState": "",
                    "timeCreated": "2026-01-01T00:00:00Z",
                    "timeExpires": "",
                    "token": "",
                    "userId": user,
                }
                for token in existing
            ]
            return {"tokens": tokens, "userId": user, "id": "auth-tokens"}
        if args.token == GET_CONTAINER_REPOSITORY:
            ocid = str(args.args.get("repositoryId"))
            if ocid not in self.existing_repositories:
                # What OCI answers for an OCID that names no repository (or one the user cannot see),
                # returned as the provider returns a failed invoke.
                reason = f"404 NotAuthorizedOrNotFound: repository {ocid} not found"
                return {}, [("repositoryId", reason)]  # type: ignore[return-value]
            repository = self.existing_repositories[ocid]
            return {
                "id": ocid,
                "repositoryId": ocid,
                "state": "AVAILABLE",
                "freeformTags": {},
                "definedTags": {},
                "namespace": self.namespace,
                **repository,
            }
        if args.token == GET_CONTAINER_IMAGES:
            return self._container_images(args.args)
        try:
            listed = self.tenancy.answer(args.token, args.args)
        except LookupRefusedError as failure:
            return {}, [(failure.property, failure.reason)]  # type: ignore[return-value]
        if listed is not None:
            return listed
        raise NotImplementedError(f"the program made an invoke the mocks do not know: {args.token}")

    def _container_images(self, query: Mapping[str, Any]) -> dict[str, Any]:
        """`get_container_images` as the data source filters (artifacts_container_images_data_source.go: the
        compartment, an exact repository name, the digest): the manifests the run's pushes reported into the
        repositories it created in that compartment."""
        compartment, repository, digest = (query.get(k) for k in ("compartmentId", "repositoryName", "imageDigest"))
        items = [
            {"id": image["id"], "digest": image["digest"], "repositoryName": image["repositoryName"],
             "compartmentId": compartment, "state": "AVAILABLE",
             "displayName": f"{image['repositoryName']}@{image['digest']}"}
            for image in self.pushed
            if self.repository_compartments.get(image["repositoryName"]) == compartment
            and (repository is None or image["repositoryName"] == repository)
            and (digest is None or image["digest"] == digest)
        ]  # fmt: skip
        return {
            "compartmentId": compartment,
            "repositoryName": repository,
            "imageDigest": digest,
            "containerImageCollections": [{"items": items, "remainingItemsCount": 0}],
            "id": "container-images",
        }


def _plain(inputs: Mapping[str, Any]) -> str:
    """Inputs compared as the engine compares them for a same step: their values, secret or not."""
    return json.dumps(reveal(dict(inputs)), sort_keys=True, default=str)
