"""examples/kubernetes-pull-secret: the Kubernetes Secret it declares from an ocir stack's pullSecret, under mocks.

The ocir stack is this program run under mocks with a pull user; its outputs reach the example through the
(mocked) stack reference as the engine would hand them over (secret outputs wrapped as secrets).
"""

from __future__ import annotations

import json
import re
import runpy
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

from tests.conftest import valid_config
from tools.engine.mocks import OcirMocks
from tools.engine.wire import is_secret, reveal
from tools.harness import StackRun, evaluate, reference_outputs, run_program
from tools.stackfiles import PROJECT_DIR

EXAMPLE = PROJECT_DIR / "examples" / "kubernetes-pull-secret"
PROJECT = yaml.safe_load((EXAMPLE / "Pulumi.yaml").read_text())["name"]
SECRET = "kubernetes:core/v1:Secret"
SOURCE = "acme/ocir/prod"
PULL_USER = "ocid1.user.oc1..aaaaaaaatestpulluser000000000000000000000000000000000000000"
PULL_TOKEN = "k8s-pu11-t0ken-that-must-n3ver-l3ak"


@pytest.fixture(scope="module")
def ocir_stack() -> StackRun:
    config = valid_config(pullers=[{"group": "image-readers"}], pullUserOcid=PULL_USER, pullUserName="reader")
    return run_program(config, mocks=OcirMocks(namespace="prodns", users={PULL_USER: {"token": PULL_TOKEN}}))


def run_example(outputs: dict[str, Any], **config: str) -> StackRun:
    def program() -> None:
        runpy.run_path(str(EXAMPLE / "__main__.py"), run_name="__main__")

    values = {f"{PROJECT}:{key}": value for key, value in {"ocirStack": SOURCE, **config}.items()}
    mocks = OcirMocks(stack_outputs={SOURCE: outputs})
    return evaluate(program, config=values, project=PROJECT, mocks=mocks, raise_errors=False)


def test_the_secret_holds_the_stacks_pull_secret_as_its_dockerconfigjson(ocir_stack: StackRun) -> None:
    result = run_example(reference_outputs(ocir_stack), namespace="shop", secretName="prod-pull")
    assert result.error is None, result.error
    (secret,) = result.of_type(SECRET)
    assert secret.plain["type"] == "kubernetes.io/dockerconfigjson"
    assert secret.plain["metadata"] == {"name": "prod-pull", "namespace": "shop"}
    document = secret.plain["stringData"][".dockerconfigjson"]
    assert document == ocir_stack.outputs["pullSecret"].value
    assert json.loads(document)["auths"]["fra.ocir.io"]["username"] == "prodns/reader"
    assert result.outputs["secretName"].value == "prod-pull"


def test_the_document_stays_secret_in_the_example(ocir_stack: StackRun) -> None:
    result = run_example(reference_outputs(ocir_stack))
    (secret,) = result.of_type(SECRET)
    assert is_secret(secret.inputs["stringData"])
    # pulumi/pulumi-kubernetes sdk/python/pulumi_kubernetes/core/v1/Secret.py: the SDK itself asks the engine to
    # keep data and stringData encrypted (additional_secret_outputs=["data", "stringData"]).
    assert {"data", "stringData"} <= set(secret.additional_secret_outputs)
    assert result.leaks(PULL_TOKEN) == []
    assert result.state_leaks(PULL_TOKEN) == []
    assert reveal(secret.inputs)["metadata"] == {"name": "ocir-pull", "namespace": "default"}  # the defaults


def test_a_stack_without_a_pull_user_stops_the_example_naming_the_output(ocir_stack: StackRun) -> None:
    outputs = {name: value for name, value in reference_outputs(ocir_stack).items() if name != "pullSecret"}
    result = run_example(outputs)
    assert isinstance(result.error, pulumi.RunError)
    # The key is the source project's, named by the stack reference (organization/<project>/stack).
    project = SOURCE.split("/")[1]
    assert str(result.error).startswith(f"ocirStack: stack {SOURCE} exports no pullSecret; set {project}:pullUserOcid")
    assert result.of_type(SECRET) == []


def pins_of(path: Path) -> dict[str, str]:
    """Every requirement of a file, each of which must be pinned exactly."""
    found = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-r "):
            match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9][0-9A-Za-z.+-]*)", line)
            assert match, f"{path.name}: not pinned exactly: {line}"
            found[match[1].lower()] = match[2]
    return found


def test_the_example_pins_what_it_imports_and_the_dev_venv_installs_it() -> None:
    pins = pins_of(EXAMPLE / "requirements.txt")
    assert set(pins) == {"pulumi", "pulumi-kubernetes"}
    assert pins["pulumi"] == pins_of(PROJECT_DIR / "requirements.txt")["pulumi"]  # one Pulumi SDK for both
    development = (PROJECT_DIR / "requirements-dev.txt").read_text().splitlines()
    assert f"-r {EXAMPLE.relative_to(PROJECT_DIR)}/requirements.txt" in development
