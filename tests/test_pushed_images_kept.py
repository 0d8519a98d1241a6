"""No image the stack pushed is deleted by the stack: not by a new tag, not by removing the image from the config,
not by a destroy, for every image kind (built, multi-platform, promoted, promoted multi-platform).

Each case is two successive updates of one stack, stepped through with the engine's rules (tools/engine/steps.py)
and the providers' Delete (tools/engine/rules.py): what a step's Delete would remove from a registry is what the
assertions look at. A repository the stack deletes takes its images with it: that is the repository's rule
(retained in production; a risk line in the plan diff), not an image resource's, and is left out here.
tests/integration/test_deletes_keep_images.py runs the same steps against a real registry.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import NS, TOKEN
from tests.projects import DEV, PROD
from tools.engine import types
from tools.engine.mocks import OcirMocks
from tools.engine.steps import Resource, Step, deploy, resources_of, update
from tools.harness import StackRun, reference_outputs, run_program
from tools.stackfiles import encode_config

BOTH = ["linux/amd64", "linux/arm64"]
IMAGE_TYPES = {types.IMAGE, types.REMOTE_IMAGE, types.TAG, types.REGISTRY_IMAGE, types.INDEX}
SOURCE = f"organization/{NS}/dev"


def _image(**fields: Any) -> dict[str, Any]:
    return {"name": "storefront", "tag": "1.0.0", "context": "app", **fields}


def _dev_outputs(platforms: list[str] | None) -> dict[str, Any]:
    """The source stack, which built both images the promoting stacks copy."""
    extra = {"platforms": platforms} if platforms else {}
    images = [{**DEV[f"{NS}:images"][0], **extra}, {**DEV[f"{NS}:images"][0], "name": "admin", **extra}]
    return reference_outputs(run_program({**DEV, f"{NS}:images": images}, stack="dev", mocks=OcirMocks(token=TOKEN)))


KINDS: dict[str, tuple[dict[str, Any], bool]] = {
    "built": ({}, False),
    "multi-platform": ({"platforms": BOTH}, False),
    "promoted": ({}, True),
    "promoted multi-platform": ({"platforms": BOTH}, True),
}


def evaluate(kind: str, images: list[dict[str, Any]]) -> StackRun:
    fields, promoted = KINDS[kind]
    config = encode_config({**DEV, f"{NS}:images": [{**image, **fields} for image in images]})
    mocks = OcirMocks(token=TOKEN)
    if promoted:
        config[f"{NS}:promoteFrom"] = SOURCE
        mocks.stack_outputs[SOURCE] = _dev_outputs(fields.get("platforms"))
    return run_program(config, stack="dev-copy" if promoted else "dev", mocks=mocks)


def registry_deletes(steps: list[Step]) -> list[str]:
    return [f"{s.type} {s.urn.rsplit('::', 1)[1]}: {s.removes}" for s in steps if s.type in IMAGE_TYPES and s.removes]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_new_tag_keeps_what_the_old_tag_pushed(kind: str) -> None:
    first, second = deploy(evaluate(kind, [_image()]).resources, evaluate(kind, [_image(tag="1.0.1")]).resources)
    assert {s.op for s in first.steps} == {"create"}
    assert second.stopped == []
    assert registry_deletes(second.steps) == []
    if KINDS[kind][0].get("platforms"):
        assert second.one(types.INDEX).op == "replace"  # a new tag is a new Index (index.go Diff)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_removing_an_image_from_the_config_keeps_what_it_pushed(kind: str) -> None:
    both = evaluate(kind, [_image(), _image(name="admin")])
    one = evaluate(kind, [_image()])
    _, second = deploy(both.resources, one.resources)
    assert any(s.op == "delete" and s.type in IMAGE_TYPES for s in second.steps)
    assert registry_deletes(second.steps) == []


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_destroy_keeps_every_pushed_image(kind: str) -> None:
    (first,) = deploy(evaluate(kind, [_image()]).resources)
    destroyed = update(first.state, [])
    assert {s.op for s in destroyed.steps} == {"delete"}
    assert registry_deletes(destroyed.steps) == []


def test_a_stack_upgraded_from_an_index_without_retain_on_delete_keeps_the_old_tag_only_from_the_next_update() -> None:
    # The engine reads retainOnDelete from the state (step.go), which the first update after the upgrade writes.
    run = evaluate("multi-platform", [_image()])
    state = {r.urn: r for r in resources_of(run.resources)}
    index = run.one(types.INDEX)
    state[index.urn] = Resource(**{**vars(state[index.urn]), "retain_on_delete": False})
    retagged = resources_of(evaluate("multi-platform", [_image(tag="1.0.1")]).resources)
    same_update = update(state, retagged)
    (deleted,) = registry_deletes(same_update.steps)
    assert deleted.startswith(f"{types.INDEX} {index.name}: the pushed index manifest")
    upgraded = update(state, resources_of(run.resources))
    assert registry_deletes(update(upgraded.state, retagged).steps) == []


def test_production_keeps_its_repositories_too() -> None:
    prod = encode_config({**PROD, f"{NS}:images": [{**PROD[f"{NS}:images"][0]}]})
    (first,) = deploy(run_program(prod, stack="prod", mocks=OcirMocks(token=TOKEN)).resources)
    destroyed = update(first.state, [])
    repository = destroyed.one(types.REPOSITORY)
    assert repository.removes is None  # retained on delete
    assert repository.stops  # and protected: a destroy stops there
