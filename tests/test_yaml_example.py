"""examples/yaml, run as a YAML program would run it: its resources in order, each property sent with its
secretness and its dependencies, the package's components constructed through the SDK's provider server code
(tests/yaml_program.py), under Pulumi's mocks. Nothing in it needs the program's own runtime."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pulumi
import pytest
import yaml

from tests.conftest import TENANCY, TOKEN, USER
from tests.projects import DEV
from tests.yaml_program import YamlProgram
from tools.engine.mocks import OcirMocks
from tools.engine.types import IMAGE, REGISTRY_IMAGE, REMOTE_IMAGE, STACK_REFERENCE
from tools.engine.wire import SECRET_SIG, mask
from tools.harness import StackRun, evaluate, reference_outputs, run_program
from tools.stackfiles import PROJECT_DIR

EXAMPLE = PROJECT_DIR / "examples" / "yaml" / "Pulumi.yaml"
NPM_TOKEN = "npm-t0ken-that-must-n3ver-l3ak"
SOURCE_TOKEN = "s0urce-t0ken-that-must-n3ver-l3ak"
PULL_USER = "ocid1.user.oc1..aaaaaaaatestpulluser00000000000000000000000000000000000000"


def run_example(preview: bool = False) -> tuple[StackRun, YamlProgram]:
    source = reference_outputs(run_program(DEV, stack="dev", mocks=OcirMocks(token=SOURCE_TOKEN)))
    program = YamlProgram(
        yaml.safe_load(EXAMPLE.read_text()),
        {"tenancyOcid": TENANCY, "pushUserOcid": USER, "pullUserOcid": PULL_USER, "npmToken": NPM_TOKEN},
        {"organization/ocir/dev": source},
    )

    def main() -> None:
        # Tracked like any output, so the run waits for the whole program and fails with its error.
        pulumi.Output.from_input(asyncio.ensure_future(program.run()))  # type: ignore[arg-type]

    mocks = OcirMocks(token=TOKEN, namespace="shopns", user_name="shop-ci", stack_outputs={}, plan=preview)
    mocks.stack_outputs["organization/ocir/dev"] = source
    return evaluate(main, mocks=mocks, preview=preview, raise_errors=False), program


def test_the_yaml_example_declares_its_project_and_the_promotion() -> None:
    run, program = run_example()
    assert run.error is None, run.error
    assert "registry" in program.components
    types = {r.type for r in run.resources}
    assert {IMAGE, REMOTE_IMAGE, REGISTRY_IMAGE} <= types
    assert not [t for t in types if t.startswith("pulumi-python:dynamic")]
    (reference,) = run.reads
    assert reference.type == STACK_REFERENCE
    # The promoted image is pulled through the provider logged in as the source, and waits for the reference.
    (pull,) = run.of_type(REMOTE_IMAGE)
    provider = next(r for r in run.resources if r.type == "pulumi:providers:docker")
    assert pull.provider.startswith(provider.urn)
    assert reference.urn in pull.dependencies
    assert pull.plain["name"].startswith("fra.ocir.io/shopns/p-shop-dev-storefront@sha256:")


def test_no_secret_of_the_yaml_example_is_in_plain_text() -> None:
    run, program = run_example()
    assert run.error is None, run.error
    for value in (TOKEN, NPM_TOKEN, SOURCE_TOKEN):
        assert run.leaks(value) == []
        assert run.state_leaks(value) == []
    (built,) = run.of_type(IMAGE)
    assert "build.args.NPM_TOKEN" in built.secret_inputs
    outputs = program.outputs()
    assert SECRET_SIG in json.dumps(outputs["authToken"].wire)
    assert SECRET_SIG in json.dumps(outputs["pullSecret"].wire)
    for value in (TOKEN, NPM_TOKEN, SOURCE_TOKEN):
        assert value not in json.dumps(mask({key: output.wire for key, output in outputs.items()}))


def test_the_yaml_example_previews() -> None:
    run, _ = run_example(preview=True)
    assert run.error is None, run.error
    assert run.of_type(IMAGE)


def test_the_reader_refuses_what_it_does_not_know() -> None:
    program: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text())
    program["resources"]["registry"]["properties"]["prefix"] = "${registry.prefix}-x"
    reader = YamlProgram(
        program, {"tenancyOcid": TENANCY, "pushUserOcid": USER, "pullUserOcid": PULL_USER, "npmToken": "x"}, {}
    )
    with pytest.raises(ValueError, match="does not know the expression"):
        reader.resolve(program["resources"]["registry"]["properties"]["prefix"])
