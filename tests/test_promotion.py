"""Promotion dev -> prod: prod copies the exact digest dev pushed, through a (mocked) StackReference."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest

from stackconfig import ConfigError, parse_settings
from stackconfig.promotion import source_reference
from tests.conftest import NS, TOKEN, valid_config
from tests.projects import DEV, PROD, write_project
from tools import plan
from tools.engine.mocks import OcirMocks
from tools.engine.monitor import Registration
from tools.engine.types import IMAGE, REGISTRY_IMAGE, REMOTE_IMAGE, REPOSITORY, STACK_REFERENCE, TAG
from tools.engine.urns import kept_urns
from tools.harness import StackRun, reference_outputs, run_program, run_stack
from tools.policy_check import check_run
from tools.stackfiles import encode_config

SOURCE = f"organization/{NS}/dev"
PROD_TOKEN = "pr0d-t0ken-that-must-n3ver-l3ak"
DIGEST = "sha256:" + "d" * 64


def dev_run() -> StackRun:
    return run_program(DEV, stack="dev", mocks=OcirMocks(token=TOKEN))


def promoted_prod(
    source_outputs: dict[str, Any] | None = None,
    raise_errors: bool = True,
    registry: Callable[..., dict[str, Any]] | None = None,
    **overrides: Any,
) -> StackRun:
    """The tests' production stack with promoteFrom set, dev's outputs behind a mocked StackReference."""
    values = encode_config(PROD)
    values[f"{NS}:promoteFrom"] = SOURCE
    values.update(encode_config({f"{NS}:{key}": value for key, value in overrides.items()}))
    outputs = source_outputs if source_outputs is not None else reference_outputs(dev_run())
    mocks = OcirMocks(token=PROD_TOKEN, stack_outputs={SOURCE: outputs})
    return run_program(values, stack="prod", mocks=mocks, raise_errors=raise_errors, registry=registry)


def one(run: StackRun, type_: str) -> Registration:
    return run.one(type_)


def test_a_promoted_prod_builds_nothing_and_copies_devs_exact_digest() -> None:
    dev = dev_run()
    dev_digest = dev.outputs["images"].value["storefront"]["repoDigest"]
    assert dev_digest.startswith("fra.ocir.io/shopns/p-shop-dev-storefront@sha256:")
    prod = promoted_prod(reference_outputs(dev))

    assert prod.of_type(IMAGE) == []  # no docker build anywhere
    (reference,) = prod.reads
    assert (reference.type, reference.inputs) == (STACK_REFERENCE, {"name": SOURCE})

    pulled = one(prod, REMOTE_IMAGE)
    assert pulled.plain["name"] == dev_digest  # pulled by digest, never by tag
    target = "eu-frankfurt-1.ocir.io/mocktenancyns/p-shop-prd-storefront:1.0.0"
    tagged = one(prod, TAG)
    assert (tagged.plain["sourceImage"], tagged.plain["targetImage"]) == (dev_digest, target)
    assert pulled.urn in tagged.dependencies
    pushed = one(prod, REGISTRY_IMAGE)
    assert pushed.plain["name"] == target
    assert pushed.plain["triggers"] == {"sourceRepoDigest": dev_digest}
    assert pushed.plain["keepRemotely"] is True
    repository = one(prod, REPOSITORY)
    (access,) = [p for p in prod.of_type("oci:Identity/policy:Policy") if p.plain["name"].endswith("-ocir-policy")]
    assert {tagged.urn, access.urn} <= set(pushed.dependencies)
    assert repository.urn in tagged.dependencies  # the tag names the repository: it waits for it
    assert repository.plain["displayName"] == "p-shop-prd-storefront"
    assert repository.plain["isImmutable"] is True
    assert repository.plain["freeformTags"]["promoted-from"] == SOURCE

    exported = prod.outputs["images"].value["storefront"]
    assert exported["sourceRepoDigest"] == dev_digest
    assert exported["imageName"] == target
    # What the registry reported for prod's push, in prod's repository (the mock's digest is its own:
    # whether a real registry keeps dev's digest is for docs/rollout.md and a real registry to say).
    reported = pushed.state["sha256Digest"]
    assert reported != dev_digest.rsplit("@", 1)[1]
    assert exported["repoDigest"] == f"{target.rsplit(':', 1)[0]}@{reported}"


def test_the_pull_uses_devs_credentials_and_the_push_prods_and_both_stay_secret() -> None:
    prod = promoted_prod()
    (provider,) = prod.of_type("pulumi:providers:docker")
    assert provider.name == "p-shop-prd-pull-registry"
    assert provider.secret_inputs == ["registryAuth"]
    pulled, pushed = one(prod, REMOTE_IMAGE), one(prod, REGISTRY_IMAGE)
    assert pulled.provider.startswith(provider.urn)  # the pull goes through dev's login ...
    # ... the push carries prod's own credentials (auth_config overrides the provider's login)
    assert TOKEN in provider.plain["registryAuth"]
    assert '"username": "shopns/shop-dev-ci"' in provider.plain["registryAuth"]
    assert pushed.plain["authConfig"] == {
        "address": "eu-frankfurt-1.ocir.io",
        "username": "mocktenancyns/shop-domain/mock-push-user",
        "password": PROD_TOKEN,
    }
    assert pushed.secret_inputs == ["authConfig.password"]
    assert prod.leaks(TOKEN) == []
    assert prod.leaks(PROD_TOKEN) == []
    assert prod.outputs["authToken"].secret


def test_switching_between_building_and_promoting_keeps_the_repository_both_ways() -> None:
    built = run_program(PROD, stack="prod")
    promoted = promoted_prod()
    # The repository is its own component, the same in both: only the image component changes.
    assert one(built, REPOSITORY).urn == one(promoted, REPOSITORY).urn
    assert one(built, REPOSITORY).parent == one(promoted, REPOSITORY).parent
    assert one(built, REPOSITORY).inputs == {
        **one(promoted, REPOSITORY).inputs,
        "freeformTags": built.one(REPOSITORY).inputs["freeformTags"],
    }
    assert {r.type for r in built.resources} - {r.type for r in promoted.resources} == {"ocir:index:Image", IMAGE}
    # Back and forth, every URN the other mode held for the repository is kept.
    assert one(built, REPOSITORY).urn in kept_urns(promoted.resources)
    assert one(promoted, REPOSITORY).urn in kept_urns(built.resources)


def test_an_image_missing_from_the_source_stack_is_a_clear_error() -> None:
    outputs = reference_outputs(dev_run())
    outputs["images"] = {"other": outputs["images"]["storefront"]}
    run = promoted_prod(outputs, raise_errors=False)
    assert run.error is not None
    message = str(run.error)
    assert f"{NS}:promoteFrom: stack organization/{NS}/dev has no image 'storefront'" in message
    assert "(it has: other)" in message
    # Nothing is copied, and the repository waits for the check, so it is never declared.
    assert run.of_type(REPOSITORY) == run.of_type(REMOTE_IMAGE) == run.of_type(REGISTRY_IMAGE) == []


def test_a_source_image_without_a_pushed_digest_is_refused() -> None:
    outputs = reference_outputs(dev_run())
    outputs["images"]["storefront"]["repoDigest"] = "fra.ocir.io/ns/p-shop-dev-storefront:1.0"
    run = promoted_prod(outputs, raise_errors=False)
    assert f"{NS}:promoteFrom: stack organization/{NS}/dev's image 'storefront' has no pushed digest" in str(run.error)


def test_source_reference_rules() -> None:
    good = f"fra.ocir.io/ns/p-x-api@{DIGEST}"
    assert source_reference({"api": {"repoDigest": good}}, "api", SOURCE, namespace=NS) == good
    cases: list[Any] = [None, [], {"web": {"repoDigest": good}}, {"api": {"repoDigest": "x@sha256:short"}}]
    for images in cases:
        with pytest.raises(pulumi.RunError) as caught:
            source_reference(images, "api", SOURCE, namespace=NS)
        assert str(caught.value).startswith(f"{NS}:promoteFrom: stack organization/{NS}/dev")
        assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "value", ["dev", f"{NS}/dev", f"acme/{NS}/dev/extra", f"acme/{NS}/", f"a b/{NS}/dev", f"/{NS}/dev"]
)
def test_promote_from_must_name_a_fully_qualified_stack(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(encode_config(valid_config(promoteFrom=value)), NS)
    assert caught.value.keys == [f"{NS}:promoteFrom"]
    assert "<organization>/<project>/<stack>" in str(caught.value)


def test_promote_from_default_builds() -> None:
    assert parse_settings(encode_config(valid_config()), NS).promote_from is None
    assert (
        parse_settings(encode_config(valid_config(promoteFrom=f"acme/{NS}/dev")), NS).promote_from == f"acme/{NS}/dev"
    )


def test_a_stack_cannot_promote_from_itself() -> None:
    config = valid_config(promoteFrom=f"organization/{NS}/test")
    run = run_program(config, mocks=OcirMocks(stack_outputs={}), raise_errors=False)
    assert f"{NS}:promoteFrom: organization/{NS}/test is this stack" in str(run.error)
    assert run.resources == []


def test_the_policy_pack_passes_a_promoted_prod_and_catches_a_latest_tag() -> None:
    values = encode_config({**PROD, f"{NS}:promoteFrom": SOURCE})
    assert check_run(promoted_prod(), values) == []
    broken = promoted_prod()
    for resource in broken.resources:
        if resource.type == REGISTRY_IMAGE:
            resource.inputs["name"] = resource.inputs["name"].rsplit(":", 1)[0] + ":latest"
    assert {v.policy for v in check_run(broken, values)} == {"ocir-production-no-latest"}


def test_a_stack_file_that_promotes_from_another_stack_file_plans_under_mocks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # As `make plan STACK=release` would for a stack file that promotes from dev: the harness
    # evaluates dev (as deployed) to answer the StackReference.
    write_project(tmp_path, {"dev": DEV, "release": {**PROD, f"{NS}:promoteFrom": SOURCE}})

    run = run_stack("release", project_dir=tmp_path)
    dev_digest = run_stack("dev", project_dir=tmp_path).outputs["images"].value["storefront"]["repoDigest"]
    assert one(run, REMOTE_IMAGE).plain["name"] == dev_digest
    assert plan.main(["release", "--project-dir", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "+ docker:index/remoteImage:RemoteImage  p-shop-prd-storefront-pull" in printed
    assert f"pulumi:pulumi:StackReference (read)(name={SOURCE})" in printed
    assert "docker:index/image:Image" not in printed
    assert "registryAuth: [secret]" in printed
    assert TOKEN not in printed


def test_a_promotion_to_a_chosen_host_pushes_and_logs_in_there() -> None:
    host = "ocir.eu-frankfurt-1.oci.oraclecloud.com"
    prod = promoted_prod(registryHost=host)
    pushed = one(prod, REGISTRY_IMAGE)
    assert pushed.plain["name"] == f"{host}/mocktenancyns/p-shop-prd-storefront:1.0.0"
    assert pushed.plain["authConfig"]["address"] == host
    assert one(prod, TAG).plain["targetImage"].startswith(f"{host}/")
    # The source is read where the source stack says it is (its registryServer), with its own login.
    assert one(prod, REMOTE_IMAGE).plain["name"].startswith("fra.ocir.io/")
