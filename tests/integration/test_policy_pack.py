"""The policy pack as `pulumi preview --policy-pack policy` runs it, without the CLI.

The pack runs in a virtualenv built by `make policy-venv` from policy/requirements.txt alone (here in a
temporary directory), started with the command, working directory and environment the Pulumi CLI's
Python language host uses, and spoken to over the analyzer gRPC protocol the way the engine does.
A dependency the pack needs but policy/requirements.txt lacks fails here (`ModuleNotFoundError`), as it
would under the CLI; the development venv, which the other policy tests use, has every SDK.

How the CLI starts a Python pack (pulumi/pulumi):
- pkg/resource/plugin/analyzer_plugin.go, NewPolicyAnalyzer: a pack directory whose PulumiPolicy.yaml
  runtime has a language plugin (python ships with the CLI) is launched through it, with one argument,
  the engine's address (plugin.go ExecPlugin, kind analyzer, RunPlugin; buildPluginArguments adds
  logging flags only when asked).
- sdk/python/cmd/pulumi-language-python/main.go, RunPlugin: for an analyzer, the toolchain's python
  (PulumiPolicy.yaml: pip, `virtualenv: venv` relative to the pack, sdk/python/toolchain/pip.go) runs
  `-u -m pulumi.policy <engine address> <pack directory>` in the pack directory, its environment
  activated (toolchain.go ActivateVirtualEnv: `<venv>/bin` first on PATH, VIRTUAL_ENV set, PYTHONHOME
  dropped). It answers the engine's ConfigureStack itself first (sdk/policy_proxy.go) and starts the pack
  with the stack in PULUMI_CONFIG (the config as JSON, every value a string), PULUMI_PROJECT,
  PULUMI_STACK, PULUMI_ORGANIZATION and PULUMI_DRY_RUN; it reads the pack's port from the first line of
  its stdout, forwards ConfigureStack to it and proxies every other call.
- pkg/resource/deploy/step_generator.go: per resource, Remediate and then Analyze with its inputs (after
  the provider's Check); AnalyzeStack with every resource at the end (pkg/resource/plugin
  analyzer_plugin.go marshals properties keeping secrets and unknowns).
The pack's server is pulumi-policy's (pulumi/pulumi-policy sdk/python/lib/pulumi_policy/policy.py,
PolicyPack and _PolicyAnalyzerServicer), run from the venv, not from here.
"""

from __future__ import annotations

import json
import os
import selectors
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from policy.pack import POLICIES, STACK_POLICIES
from tests.conftest import NS, valid_config
from tests.integration.conftest import unavailable
from tests.projects import DEV, PROD
from tools.engine.monitor import Registration
from tools.engine.types import IMAGE, IMAGE_SIGNATURE, INDEX, KMS_SIGN, POLICY, REPOSITORY, SCAN_TARGET
from tools.engine.wire import UNKNOWN
from tools.harness import StackRun, run_program
from tools.stackfiles import PROJECT_DIR, encode_config

POLICY_DIR = PROJECT_DIR / "policy"
PROVIDER_SDKS = ("pulumi_oci", "pulumi_docker", "pulumi_docker_build")
ORGANIZATION = "organization"
PROJECT = NS  # the engine passes the project's name, the config's namespace (PULUMI_PROJECT)
STARTUP_SECONDS = 60
"""How long the pack may take to print its port (it imports pulumi, pulumi-policy and grpc)."""
CALL_SECONDS = 30
MANDATORY = analyzer_pb2.EnforcementLevel.MANDATORY
ADVISORY = analyzer_pb2.EnforcementLevel.ADVISORY


@pytest.fixture(scope="session")
def pack_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv made by `make policy-venv` from policy/requirements.txt alone, in a temporary directory."""
    if shutil.which("make") is None:
        unavailable("make is not installed (apt-get install make)")
    venv = tmp_path_factory.mktemp("policy-pack") / "venv"
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(PROJECT_DIR),
            "policy-venv",
            f"POLICY_VENV={venv}",
            f"PYTHON={sys.executable}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        # pip needs PyPI (reachable in CI, where a failure here fails the run).
        unavailable(f"make policy-venv failed (pip needs PyPI):\n{result.stdout}\n{result.stderr}")
    return venv


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def activated(environ: Mapping[str, str], venv: Path) -> dict[str, str]:
    """sdk/python/toolchain/toolchain.go ActivateVirtualEnv: PYTHONHOME and VIRTUAL_ENV dropped, the venv's
    bin first on PATH, VIRTUAL_ENV the venv. PYTHONPATH is dropped too: the CLI passes its own environment
    on, and this test's must not lend the pack the development venv."""
    env = {key: value for key, value in environ.items() if key not in ("PYTHONHOME", "VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{environ.get('PATH', '')}"
    env["VIRTUAL_ENV"] = str(venv)
    return env


def free_address() -> str:
    """An address nothing listens on: the engine's, which pulumi.policy parses and does not dial."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{sock.getsockname()[1]}"


@dataclass
class Pack:
    process: subprocess.Popen[bytes]
    channel: Any
    stub: analyzer_pb2_grpc.AnalyzerStub
    stderr: Path

    def errors(self) -> str:
        return self.stderr.read_text(errors="replace")


def start_pack(venv: Path, config: Mapping[str, str] | None, stack: str, log: Path) -> Pack:
    """The pack started as the language host starts it; None leaves PULUMI_CONFIG out (no stack config)."""
    env = activated(os.environ, venv)
    env.pop("PULUMI_CONFIG", None)
    env.update(
        {
            "PULUMI_ORGANIZATION": ORGANIZATION,
            "PULUMI_PROJECT": PROJECT,
            "PULUMI_STACK": stack,
            "PULUMI_DRY_RUN": "true",
        }
    )
    if config is not None:
        env["PULUMI_CONFIG"] = json.dumps(dict(config))
    command = [str(venv_python(venv)), "-u", "-m", "pulumi.policy", free_address(), str(POLICY_DIR)]
    with log.open("wb") as stderr:
        process = subprocess.Popen(command, cwd=POLICY_DIR, env=env, stdout=subprocess.PIPE, stderr=stderr)
    try:
        return _attach(process, log)
    except BaseException:
        process.kill()
        process.wait(timeout=10)
        raise


def _attach(process: subprocess.Popen[bytes], log: Path) -> Pack:
    """sdk/policy_proxy.go Attach: the first line of the pack's stdout is its port ("%d\n"); dial it."""
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        ready = selector.select(timeout=STARTUP_SECONDS)
    line = process.stdout.readline() if ready else b""
    if not line.strip().isdigit():
        process.kill()
        process.wait(timeout=10)
        pytest.fail(
            f"the pack did not print its port (exit code {process.returncode}, stdout {line!r}); stderr:\n"
            + log.read_text(errors="replace"),
            pytrace=False,
        )
    channel = grpc.insecure_channel(f"127.0.0.1:{int(line)}")
    grpc.channel_ready_future(channel).result(timeout=CALL_SECONDS)
    return Pack(process, channel, analyzer_pb2_grpc.AnalyzerStub(channel), log)


@pytest.fixture
def started() -> Iterator[list[Pack]]:
    """Packs started by the test, stopped after it (each one the test's own process)."""
    packs: list[Pack] = []
    yield packs
    for pack in packs:
        pack.channel.close()
        pack.process.terminate()
        try:
            pack.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pack.process.kill()
            pack.process.wait(timeout=10)


def configured_pack(
    venv: Path, packs: list[Pack], directory: Path, config: Mapping[str, str] | None, stack: str
) -> Pack:
    pack = start_pack(venv, config, stack, directory / f"pack-{len(packs)}.stderr")
    packs.append(pack)
    # What the proxy forwards once it is attached (sdk/policy_proxy.go Attach).
    pack.stub.ConfigureStack(
        analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=stack, project=PROJECT, organization=ORGANIZATION, dry_run=True, config=dict(config or {})
        ),
        timeout=CALL_SECONDS,
    )
    return pack


def properties(inputs: Mapping[str, Any]) -> struct_pb2.Struct:
    """The inputs as a protobuf Struct: the wire form the program sent (secrets keep their marker, as the
    engine's MarshalProperties with KeepSecrets passes them to an analyzer)."""
    return json_format.ParseDict(dict(inputs), struct_pb2.Struct())


def analyze(pack: Pack, registration: Registration, inputs: Mapping[str, Any] | None = None) -> list[Any]:
    """Remediate, then Analyze, one resource as the step generator does; the diagnostics Analyze returned."""
    request = analyzer_pb2.AnalyzeRequest(
        type=registration.type,
        properties=properties(registration.inputs if inputs is None else inputs),
        urn=registration.urn,
        name=registration.name,
        options=analyzer_pb2.AnalyzerResourceOptions(protect=bool(registration.protect), parent=registration.parent),
    )
    remediated = pack.stub.Remediate(request, timeout=CALL_SECONDS)
    assert list(remediated.remediations) == [], "the pack remediates nothing"
    response = pack.stub.Analyze(request, timeout=CALL_SECONDS)
    return list(response.diagnostics)


def analyze_stack(pack: Pack, run: StackRun) -> list[Any]:
    request = analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type=registration.type,
                properties=properties(registration.inputs),
                urn=registration.urn,
                name=registration.name,
                parent=registration.parent,
                dependencies=registration.dependencies,
            )
            for registration in run.resources
        ]
    )
    return list(pack.stub.AnalyzeStack(request, timeout=CALL_SECONDS).diagnostics)


def described(diagnostics: list[Any]) -> list[str]:
    return [f"[{d.policyName}] {d.urn}: {d.message}" for d in diagnostics]


STACKS: dict[str, tuple[dict[str, Any], set[str]]] = {
    "minimal": (valid_config(), {POLICY, REPOSITORY, IMAGE}),
    "dev": (DEV, {POLICY, REPOSITORY, IMAGE}),
    "prod": (PROD, {POLICY, REPOSITORY, IMAGE, SCAN_TARGET}),
    "multi-platform": (
        valid_config(
            images=[{"name": "api", "tag": "1.0", "platforms": ["linux/amd64", "linux/arm64"]}], production=True
        ),
        {POLICY, REPOSITORY, IMAGE, INDEX, SCAN_TARGET},
    ),
}
"""Each stack's config, and the checked resource types it declares (what the pack is shown)."""
SIGNING = {
    "keyOcid": f"ocid1.key.oc1.eu-frankfurt-1.bbqehaq3aadfa.{'a' * 60}",
    "keyVersionOcid": f"ocid1.keyversion.oc1.eu-frankfurt-1.0.bbqehaq3aadfa.{'b' * 60}",
    "clusters": ["ocid1.cluster.oc1.eu-frankfurt-1.aaaaaaaaverifyingcluster"],
}
STACKS["signing"] = (
    valid_config(
        images=[{"name": "api", "tag": "1.0", "platforms": ["linux/amd64", "linux/arm64"]}],
        production=True,
        signing=SIGNING,
    ),
    {POLICY, REPOSITORY, IMAGE, INDEX, SCAN_TARGET, KMS_SIGN, IMAGE_SIGNATURE},
)


def test_the_venv_has_only_the_packs_requirements(pack_venv: Path) -> None:
    """What makes the tests below meaningful: no provider SDK in the pack's venv."""
    for sdk in PROVIDER_SDKS:
        result = subprocess.run(
            [str(venv_python(pack_venv)), "-c", f"import {sdk}"],
            cwd=POLICY_DIR,
            env=activated(os.environ, pack_venv),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode != 0, f"{sdk} is importable in the pack's venv"
        assert f"No module named '{sdk}'" in result.stderr


def test_the_pack_starts_and_describes_its_mandatory_policies(
    pack_venv: Path, started: list[Pack], tmp_path: Path
) -> None:
    pack = configured_pack(pack_venv, started, tmp_path, encode_config(valid_config()), "dev")
    info = pack.stub.GetAnalyzerInfo(empty_pb2.Empty(), timeout=CALL_SECONDS)
    assert info.name == "ocir-guardrails"
    assert {policy.name: policy.enforcementLevel for policy in info.policies} == {
        policy.name: MANDATORY for policy in [*POLICIES, *STACK_POLICIES]
    }


@pytest.mark.parametrize("stack", list(STACKS))
def test_a_clean_stack_has_no_violation(stack: str, pack_venv: Path, started: list[Pack], tmp_path: Path) -> None:
    config, checked = STACKS[stack]
    run = run_program(config, stack=stack)
    assert run.error is None, run.error
    assert checked <= {registration.type for registration in run.resources}
    pack = configured_pack(pack_venv, started, tmp_path, encode_config(config), stack)
    found = [diagnostic for registration in run.resources for diagnostic in analyze(pack, registration)]
    assert described(found) == [], pack.errors()
    assert described(analyze_stack(pack, run)) == []


def test_a_widened_statement_is_a_mandatory_violation(pack_venv: Path, started: list[Pack], tmp_path: Path) -> None:
    run = run_program(DEV, stack="dev")
    assert run.error is None, run.error
    policy = run.one(POLICY)
    prefix = DEV[f"{NS}:prefix"]
    statements = policy.inputs["statements"]
    assert f"/{prefix}-*/" in statements[0]
    widened = {**policy.inputs, "statements": [statements[0].replace(f"/{prefix}-*/", f"/{prefix}*/"), *statements[1:]]}
    pack = configured_pack(pack_venv, started, tmp_path, encode_config(DEV), "dev")

    assert analyze(pack, policy) == []  # the control: the statements as the program declares them
    (violation,) = analyze(pack, policy, widened)
    assert violation.policyName == "ocir-iam-statements-scoped"
    assert violation.policyPackName == "ocir-guardrails"
    assert violation.enforcementLevel == MANDATORY
    assert violation.urn == policy.urn
    assert f"/{prefix}*/" in violation.message
    assert "is not limited to the stack's repositories" in violation.message


def test_an_unsigned_push_of_a_stack_that_signs_is_a_mandatory_stack_violation(
    pack_venv: Path, started: list[Pack], tmp_path: Path
) -> None:
    config = STACKS["signing"][0]
    run = run_program(config, stack="prod")
    assert run.error is None, run.error
    index = run.one(INDEX)
    unsigned = [r for r in run.resources if r.name not in (f"{index.name}-sign", f"{index.name}-signature")]
    pack = configured_pack(pack_venv, started, tmp_path, encode_config(config), "prod")
    (violation,) = analyze_stack(pack, replace(run, resources=unsigned))
    assert violation.policyName == "ocir-every-push-signed"
    assert violation.enforcementLevel == MANDATORY
    assert violation.urn == index.urn
    assert "pushes an image that nothing signs" in violation.message


def test_without_the_stack_config_every_checked_resource_is_a_violation(
    pack_venv: Path, started: list[Pack], tmp_path: Path
) -> None:
    """Fail closed: a pack that got no PULUMI_CONFIG cannot tell a scoped statement from a widened one."""
    run = run_program(DEV, stack="dev")
    pack = configured_pack(pack_venv, started, tmp_path, None, "dev")
    policy = run.one(POLICY)
    (violation,) = analyze(pack, policy)
    assert violation.enforcementLevel == MANDATORY
    assert f"no {NS} config reached the policy pack" in violation.message


def test_an_input_unknown_during_a_preview_is_an_advisory_not_a_pass(
    pack_venv: Path, started: list[Pack], tmp_path: Path
) -> None:
    """In a first preview a new repository's URL, and so the image name pushed to it, is not known yet: the
    engine passes it as the unknown value (KeepUnknowns), pulumi-policy's proxy refuses to read it, and its
    server reports "can't run policy ... during preview" as advisory (policy.py, UnknownValueError). The rule
    runs on `pulumi up`, when the value is known."""
    run = run_program(DEV, stack="dev")
    image = run.one(IMAGE)
    pack = configured_pack(pack_venv, started, tmp_path, encode_config(DEV), "dev")
    found = analyze(pack, image, {**image.inputs, "imageName": UNKNOWN})
    assert {d.policyName for d in found} == {"ocir-production-no-latest", "ocir-repository-prefix"}
    assert {d.enforcementLevel for d in found} == {ADVISORY}
    assert all("during preview" in d.message for d in found)
