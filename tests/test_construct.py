"""The component package as the engine serves it to another language: every component constructed through the
SDK's own provider server code, with inputs as the engine sends them.

A ConstructRequest is built as the engine builds one (pulumi/pulumi sdk/python/lib/pulumi/provider/server.py is
what receives it): inputs in wire form, secrets as secret markers nested inside objects and lists, property
dependencies on other resources, unknowns in a preview. The servicer's own ``_construct_inputs`` turns them into
what the provider gets (Outputs for every secret or dependent input, a secret inside an object making the whole
object secret), the provider constructs the component under Pulumi's mocks, and the servicer's own
``_construct_response`` serializes its outputs as the engine would receive them. Only the gRPC transport and the
monitor connection are not the real ones (the mocks stand in for the engine's monitor).
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.provider.server import ProviderServicer
from pulumi.runtime.proto import provider_pb2

from components import (
    Image,
    ImageScanning,
    OcirProject,
    PromotedImage,
    RegistryCredentials,
    Repository,
    RepositoryAccessPolicy,
)
from components.provider import COMPONENTS, OcirProvider
from tests.conftest import COMPARTMENT, NS, TENANCY, TOKEN, USER
from tools.engine.mocks import OcirMocks
from tools.engine.types import AUTH_TOKEN, INDEX, REGISTRY_IMAGE, REMOTE_IMAGE, TAG
from tools.engine.wire import SECRET_SIG, SECRET_VALUE_SIG, UNKNOWN, mask, reveal
from tools.harness import StackRun, evaluate

STACK_REFERENCE_URN = "urn:pulumi:test::ocir::pulumi:pulumi:StackReference::dev"
"""A resource another language's program read the inputs from (the engine sends its URN as a dependency)."""
REPOSITORY_URN = "urn:pulumi:test::ocir::ocir:index:Repository::api"
SOURCE = f"fra.ocir.io/devns/p-dev-api@sha256:{'d' * 64}"
AMD64, ARM64 = f"sha256:{'a' * 64}", f"sha256:{'b' * 64}"


def secret(value: Any) -> dict[str, Any]:
    return {SECRET_SIG: SECRET_VALUE_SIG, "value": value}


@dataclass
class Constructed:
    run: StackRun
    state: dict[str, Any] = field(default_factory=dict)
    """The component's outputs as the response carries them (wire form: secrets marked)."""
    state_dependencies: dict[str, list[str]] = field(default_factory=dict)


def construct(
    type_: str,
    name: str,
    inputs: dict[str, Any],
    dependencies: dict[str, list[str]] | None = None,
    *,
    preview: bool = False,
    mocks: OcirMocks | None = None,
) -> Constructed:
    """``inputs`` (wire form, camelCase) constructed through the SDK's provider server code under mocks."""
    request = provider_pb2.ConstructRequest(
        type=type_,
        name=name,
        inputs=json_format.ParseDict(inputs, struct_pb2.Struct()),
        inputDependencies={
            key: provider_pb2.ConstructRequest.PropertyDependencies(urns=urns)
            for key, urns in (dependencies or {}).items()
        },
        dryRun=preview,
    )
    servicer = ProviderServicer(OcirProvider(), [], "")
    result: dict[str, Any] = {}

    async def serve() -> None:
        provided = await ProviderServicer._construct_inputs(request.inputs, request.inputDependencies)
        constructed = servicer.provider.construct(
            name=request.name,
            resource_type=request.type,
            inputs=provided,
            options=ProviderServicer._construct_options(request),
        )
        response = await servicer._construct_response(constructed)
        result["state"] = json_format.MessageToDict(response.state)
        result["deps"] = {key: list(value.urns) for key, value in response.stateDependencies.items()}

    def program() -> None:
        # Tracked like any output, so the run waits for the construct and fails with its error.
        pulumi.Output.from_input(asyncio.ensure_future(serve()))  # type: ignore[arg-type]

    run = evaluate(program, mocks=mocks or _mocks(preview), preview=preview, raise_errors=False)
    return Constructed(run, result.get("state", {}), result.get("deps", {}))


def _mocks(preview: bool = False) -> OcirMocks:
    return OcirMocks(token=TOKEN, namespace="shopns", user_name="shop-ci", plan=preview)


def python(program: Any) -> StackRun:
    return evaluate(program, mocks=_mocks())


def declared(run: StackRun) -> list[tuple[str, str, Any, bool, bool]]:
    """What the engine is asked to create, with plain values (secretness is compared on its own)."""
    return sorted(
        (
            r.urn,
            r.parent,
            json.loads(re.sub(r"\.mock\d+", ".mock", json.dumps(reveal(r.inputs)))),
            bool(r.protect),
            bool(r.retain_on_delete),
        )
        for r in run.resources
    )


def plain_secrets(run: StackRun) -> list[str]:
    """Every place the token or a password would leave in plain text."""
    return run.leaks(TOKEN) + run.state_leaks(TOKEN)


def test_every_served_component_has_a_construct_test_here() -> None:
    tested = {component.__name__ for component in COMPONENTS}
    assert tested == {
        "OcirProject",
        "RepositoryAccessPolicy",
        "RegistryCredentials",
        "Repository",
        "Image",
        "PromotedImage",
        "ImageScanning",
    }


# --- OcirProject ------------------------------------------------------------------------------------------

PROJECT_WIRE: dict[str, Any] = {
    "prefix": "p-shop",
    "groupName": "shop-devs",
    "tenancyOcid": TENANCY,
    "region": "fra",
    "userOcid": secret(USER),
    "compartmentOcid": COMPARTMENT,
    "freeformTags": {"team": secret("shop")},
    "images": [
        {"name": "api", "tag": "1.0", "buildArgs": {"TOKEN": secret("build-secret")}},
        {
            "name": "legacy",
            "tag": "0.9",
            "sourceReference": SOURCE,
            "platforms": ["linux/amd64", "linux/arm64"],
            "sourcePlatformDigests": {"linux/amd64": AMD64, "linux/arm64": ARM64},
        },
    ],
}
"""The images depend on a stack reference (the promoted digest was read from it); a build argument, the push
user and a tag value are secrets."""


def test_a_project_with_secret_and_dependent_inputs_declares_what_the_python_class_declares() -> None:
    constructed = construct(
        "ocir:index:OcirProject",
        "p-shop",
        PROJECT_WIRE,
        {"images": [STACK_REFERENCE_URN], "tenancyOcid": [STACK_REFERENCE_URN]},
    )
    assert constructed.run.error is None, constructed.run.error
    same = python(
        lambda: OcirProject(
            "p-shop",
            {
                "prefix": "p-shop",
                "group_name": "shop-devs",
                "tenancy_ocid": TENANCY,
                "region": "fra",
                "user_ocid": USER,
                "compartment_ocid": COMPARTMENT,
                "freeform_tags": {"team": "shop"},
                "images": [
                    {"name": "api", "tag": "1.0", "build_args": {"TOKEN": "build-secret"}},
                    {
                        "name": "legacy",
                        "tag": "0.9",
                        "source_reference": SOURCE,
                        "platforms": ["linux/amd64", "linux/arm64"],
                        "source_platform_digests": {"linux/amd64": AMD64, "linux/arm64": ARM64},
                    },
                ],
            },
        )
    )
    assert declared(constructed.run) == declared(same)
    run = constructed.run
    # What came from the stack reference waits for it: the promoted copies, through their inputs.
    for resource in [*run.of_type(REMOTE_IMAGE), *run.of_type(REGISTRY_IMAGE), *run.of_type(INDEX)]:
        assert STACK_REFERENCE_URN in resource.dependencies, resource.name
    # A secret nested in an object makes the whole value secret on the wire: every Input inside it stays secret.
    assert run.one(AUTH_TOKEN).secret_inputs == ["userId"]
    tagged = [r for r in run.resources if r.custom and "freeformTags" in r.inputs]
    assert tagged
    assert all("freeformTags.team" in r.secret_inputs for r in tagged)
    assert plain_secrets(run) == []
    assert "build-secret" not in json.dumps(mask([r.inputs for r in run.resources]))
    # The outputs the other language reads: the token secret, every URN it depends on reported.
    assert constructed.state["authToken"][SECRET_SIG] == SECRET_VALUE_SIG
    assert TOKEN not in json.dumps(mask(constructed.state))
    # A secret anywhere in the image list (the build argument) made the whole list secret on the wire, so every
    # Input inside it (the tags) and what is derived from them (the images output) stays secret too.
    assert constructed.state["images"][SECRET_SIG] == SECRET_VALUE_SIG
    images = reveal(constructed.state["images"])
    assert set(images["legacy"]) >= {"repoDigest", "sourceRepoDigest", "platformDigests"}
    assert STACK_REFERENCE_URN in constructed.state_dependencies["images"]


def test_in_a_preview_unknown_inputs_are_unknown_outputs_and_plain_ones_must_be_known() -> None:
    unknown_source = {**PROJECT_WIRE, "images": [{**PROJECT_WIRE["images"][1], "sourceReference": UNKNOWN}]}
    constructed = construct(
        "ocir:index:OcirProject", "p-shop", unknown_source, {"images": [STACK_REFERENCE_URN]}, preview=True
    )
    assert constructed.run.error is None, constructed.run.error
    pulls = constructed.run.of_type(REMOTE_IMAGE)
    assert len(pulls) == 2
    assert all(pull.inputs.get("name") in (None, UNKNOWN) for pull in pulls)

    unknown_list = construct(
        "ocir:index:OcirProject", "p-shop", {**PROJECT_WIRE, "images": UNKNOWN}, {"images": [STACK_REFERENCE_URN]}
    )
    assert "images must be known when the component is declared" in str(unknown_list.run.error)
    assert unknown_list.run.resources == []
    unknown_name = {**PROJECT_WIRE, "images": [{**PROJECT_WIRE["images"][0], "name": UNKNOWN}]}
    refused = construct("ocir:index:OcirProject", "p-shop", unknown_name, {"images": [STACK_REFERENCE_URN]})
    assert "images[0].name must be known when the component is declared" in str(refused.run.error)


def test_a_value_that_names_resources_may_not_be_a_secret() -> None:
    refused = construct("ocir:index:OcirProject", "p-shop", {**PROJECT_WIRE, "prefix": secret("p-shop")})
    assert "prefix is a secret, but it names resources" in str(refused.run.error)
    assert refused.run.resources == []


def test_a_bad_input_that_arrives_as_an_output_fails_naming_the_argument() -> None:
    bad = {**PROJECT_WIRE, "tenancyOcid": "ocid1.compartment.oc1..aaaaaaaanotatenancy"}
    refused = construct("ocir:index:OcirProject", "p-shop", bad, {"tenancyOcid": [STACK_REFERENCE_URN]})
    assert str(refused.run.error).startswith("OcirProjectArgs.tenancy_ocid: must be ocid1.tenancy.…")
    bad_tag = {**PROJECT_WIRE, "images": [{**PROJECT_WIRE["images"][0], "tag": "-nope"}]}
    refused = construct("ocir:index:OcirProject", "p-shop", bad_tag, {"images": [STACK_REFERENCE_URN]})
    assert str(refused.run.error).startswith("OcirProjectArgs.images[0].tag: must be 1-128 characters")


# --- the building blocks -----------------------------------------------------------------------------------

LOGIN_WIRE = {"server": "fra.ocir.io", "username": "shopns/shop-ci", "password": secret(TOKEN)}


def test_an_image_with_a_secret_registry_password_and_a_dependent_repository() -> None:
    wire = {
        "repositoryUrl": "fra.ocir.io/shopns/p-shop-api",
        "tag": "1.0",
        "registry": LOGIN_WIRE,
        "platforms": ["linux/amd64", "linux/arm64"],
    }
    constructed = construct("ocir:index:Image", "api", wire, {"repositoryUrl": [REPOSITORY_URN]})
    assert constructed.run.error is None, constructed.run.error
    same = python(
        lambda: Image(
            "api",
            {
                "repository_url": "fra.ocir.io/shopns/p-shop-api",
                "tag": "1.0",
                "registry": {"server": "fra.ocir.io", "username": "shopns/shop-ci", "password": TOKEN},
                "platforms": ["linux/amd64", "linux/arm64"],
            },
        )
    )
    assert declared(constructed.run) == declared(same)
    for push in constructed.run.resources:
        if push.custom:
            assert REPOSITORY_URN in push.dependencies
            assert "registry.password" in push.secret_inputs
    assert plain_secrets(constructed.run) == []


def test_a_promoted_image_reads_its_source_from_another_resource() -> None:
    wire = {
        "repositoryUrl": "fra.ocir.io/shopns/p-shop-api",
        "tag": "2.0",
        "registry": LOGIN_WIRE,
        "sourceReference": SOURCE,
        "platforms": ["linux/amd64", "linux/arm64"],
        "sourcePlatformDigests": {"linux/amd64": AMD64, "linux/arm64": ARM64},
    }
    deps = {"sourceReference": [STACK_REFERENCE_URN], "sourcePlatformDigests": [STACK_REFERENCE_URN]}
    constructed = construct("ocir:index:PromotedImage", "api", wire, deps)
    assert constructed.run.error is None, constructed.run.error
    same = python(
        lambda: PromotedImage(
            "api",
            {
                "repository_url": "fra.ocir.io/shopns/p-shop-api",
                "tag": "2.0",
                "registry": {"server": "fra.ocir.io", "username": "shopns/shop-ci", "password": TOKEN},
                "source_reference": SOURCE,
                "platforms": ["linux/amd64", "linux/arm64"],
                "source_platform_digests": {"linux/amd64": AMD64, "linux/arm64": ARM64},
            },
        )
    )
    assert declared(constructed.run) == declared(same)
    for resource in [*constructed.run.of_type(REMOTE_IMAGE), *constructed.run.of_type(TAG)]:
        assert STACK_REFERENCE_URN in resource.dependencies
    assert plain_secrets(constructed.run) == []
    assert constructed.state["sourceRepoDigest"] == SOURCE


def test_credentials_with_a_secret_user_and_a_namespace_from_a_lookup() -> None:
    wire = {"userOcid": secret(USER), "registryServer": "fra.ocir.io", "namespace": "shopns", "userName": "shop-ci"}
    constructed = construct("ocir:index:RegistryCredentials", "ci", wire, {"namespace": [STACK_REFERENCE_URN]})
    assert constructed.run.error is None, constructed.run.error
    same = python(
        lambda: RegistryCredentials(
            "ci", {"user_ocid": USER, "registry_server": "fra.ocir.io", "namespace": "shopns", "user_name": "shop-ci"}
        )
    )
    assert declared(constructed.run) == declared(same)
    assert constructed.state["password"][SECRET_SIG] == SECRET_VALUE_SIG
    assert constructed.state["username"] == "shopns/shop-ci"
    assert STACK_REFERENCE_URN in constructed.state_dependencies.get("username", [])
    assert plain_secrets(constructed.run) == []


def test_a_repository_and_a_policy_and_scanning_with_dependent_ocids() -> None:
    cases: list[tuple[str, dict[str, Any], dict[str, list[str]], Any]] = [
        (
            "ocir:index:Repository",
            {
                "compartmentOcid": COMPARTMENT,
                "repositoryName": "p-shop-api",
                "registryServer": "fra.ocir.io",
                "namespace": "shopns",
                "freeformTags": {"team": secret("shop")},
            },
            {"compartmentOcid": [STACK_REFERENCE_URN]},
            lambda: Repository(
                "api",
                {
                    "compartment_ocid": COMPARTMENT,
                    "repository_name": "p-shop-api",
                    "registry_server": "fra.ocir.io",
                    "namespace": "shopns",
                    "freeform_tags": {"team": "shop"},
                },
            ),
        ),
        (
            "ocir:index:RepositoryAccessPolicy",
            {"tenancyOcid": TENANCY, "prefix": "p-shop", "groupName": "shop-devs"},
            {"tenancyOcid": [STACK_REFERENCE_URN]},
            lambda: RepositoryAccessPolicy(
                "api", {"tenancy_ocid": TENANCY, "prefix": "p-shop", "group_name": "shop-devs"}
            ),
        ),
        (
            "ocir:index:ImageScanning",
            {
                "tenancyOcid": TENANCY,
                "compartmentOcid": secret(COMPARTMENT),
                "prefix": "p-shop",
                "repositoryNames": ["p-shop-api"],
            },
            {"tenancyOcid": [STACK_REFERENCE_URN], "compartmentOcid": [STACK_REFERENCE_URN]},
            lambda: ImageScanning(
                "api",
                {
                    "tenancy_ocid": TENANCY,
                    "compartment_ocid": COMPARTMENT,
                    "prefix": "p-shop",
                    "repository_names": ["p-shop-api"],
                },
            ),
        ),
    ]
    for token, wire, deps, same in cases:
        constructed = construct(token, "api", wire, deps)
        assert constructed.run.error is None, (token, constructed.run.error)
        assert declared(constructed.run) == declared(python(same)), token
        children = [r for r in constructed.run.resources if r.custom]
        assert all(STACK_REFERENCE_URN in r.dependencies for r in children if "compartmentId" in r.inputs), token
    scanning = construct(cases[2][0], "api", cases[2][1], cases[2][2])
    (target,) = [r for r in scanning.run.resources if r.type.endswith("ContainerScanTarget")]
    assert "compartmentId" in target.secret_inputs


def test_no_served_component_declares_a_dynamic_resource() -> None:
    constructed = construct("ocir:index:OcirProject", "p-shop", PROJECT_WIRE, {"images": [STACK_REFERENCE_URN]})
    assert not [r for r in constructed.run.resources if r.type.startswith("pulumi-python:dynamic")]


def test_errors_name_the_argument_in_the_package_and_the_config_key_in_the_program() -> None:
    from components import ArgumentError, OcirProject
    from tests.conftest import valid_config
    from tests.test_components import project_args
    from tools.harness import run_program

    in_package = evaluate(lambda: OcirProject("p-team", project_args(user_name="acme/jane")), raise_errors=False)
    assert isinstance(in_package.error, ArgumentError)
    assert str(in_package.error).startswith("OcirProjectArgs.user_name: must be the user's login name")
    assert "segment in OcirProjectArgs.user_domain)" in str(in_package.error)
    in_program = run_program(valid_config(userName="acme/jane"), raise_errors=False)
    assert str(in_program.error).startswith(f"{NS}:userName: must be the user's login name")
    assert f"segment in {NS}:userDomain)" in str(in_program.error)
    assert "OcirProjectArgs" not in str(in_program.error)


SIGNING_KEY = f"ocid1.key.oc1.eu-frankfurt-1.bbqehaq3aadfa.{'a' * 60}"
SIGNING_VERSION = f"ocid1.keyversion.oc1.eu-frankfurt-1.0.bbqehaq3aadfa.{'b' * 60}"
VERIFYING_CLUSTER = "ocid1.cluster.oc1.eu-frankfurt-1.aaaaaaaaverifyingcluster"


def test_a_project_that_signs_declares_through_construct_what_the_python_class_declares() -> None:
    signing_wire = {"keyOcid": SIGNING_KEY, "keyVersionOcid": SIGNING_VERSION, "clusters": [VERIFYING_CLUSTER]}
    base = {"prefix": "p-shop", "groupName": "shop-devs", "tenancyOcid": TENANCY, "region": "fra", "userOcid": USER,
            "tenancyNamespace": "shopns", "userName": "shop-ci", "images": [{"name": "api", "tag": "1.0"}]}  # fmt: skip
    constructed = construct("ocir:index:OcirProject", "p-shop", {**base, "signing": signing_wire})
    assert constructed.run.error is None, constructed.run.error
    same = python(
        lambda: OcirProject(
            "p-shop",
            {
                "prefix": "p-shop",
                "group_name": "shop-devs",
                "tenancy_ocid": TENANCY,
                "region": "fra",
                "user_ocid": USER,
                "tenancy_namespace": "shopns",
                "user_name": "shop-ci",
                "images": [{"name": "api", "tag": "1.0"}],
                "signing": {
                    "key_ocid": SIGNING_KEY,
                    "key_version_ocid": SIGNING_VERSION,
                    "clusters": [VERIFYING_CLUSTER],
                },
            },
        )
    )
    assert declared(constructed.run) == declared(same)
    types_declared = {r.type for r in constructed.run.resources}
    assert {"oci:Kms/sign:Sign", "oci:Artifacts/containerImageSignature:ContainerImageSignature"} <= types_declared
    signatures = reveal(constructed.state["images"])["api"]["signatures"]
    assert set(signatures) == {"p-shop-api-image"}
