"""The policy pack imports no provider SDK.

The Pulumi CLI runs the pack from policy/venv, which holds policy/requirements.txt alone (pulumi,
pulumi-policy): pulumi_oci, pulumi_docker and pulumi_docker_build are not there. The pack parses the
stack's config with the program's own parser (stackconfig) and the components' argument rules, so
every module on that path must do without them. These tests import that path in a fresh interpreter
of the development venv (which has the SDKs) with the SDKs made unimportable, as they are in the
pack's venv; tests/integration/test_policy_pack.py runs the pack in a venv built from the file.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import NS, valid_config
from tests.projects import DEV, PROD
from tools.stackfiles import PROJECT_DIR, encode_config

PROVIDER_SDKS = ("pulumi_oci", "pulumi_docker", "pulumi_docker_build")
# What the pack imports (policy/__main__.py: policy.pack), the stackconfig modules it parses the config
# with, and the components' pure modules: their arguments and rules.
PACK_MODULES = (
    "policy.pack",
    "policy.rules",
    "policy.statement",
    "policy.patterns",
    "stackconfig",
    "stackconfig.settings",
    "stackconfig.images",
    "stackconfig.pullers",
    "stackconfig.keys",
    "stackconfig.errors",
    "components",
    "components._args",
    "components.naming",
    "components.limits",
    "components.regions",
    "components.statements",
    "components.tokens",
    "components.project_args",
    "components.access_policy_args",
    "components.credentials_args",
    "components.image_args",
    "components.promotion_args",
    "components.repository_args",
    "components.scanning_args",
)

# In the child interpreter: a meta-path finder ahead of every other makes the provider SDKs fail to import
# as they fail in the pack's venv; then the modules are imported, each config parsed (parse_settings runs
# the components' rules, check_project_args), the lazy exports of the pure names read, and the provider
# modules loaded so far printed.
CHILD = """
import importlib, importlib.abc, json, sys

blocked = set(sys.argv[1].split(","))

class NotInThePacksVenv(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in blocked:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NotInThePacksVenv())
for module in json.loads(sys.argv[2]):
    importlib.import_module(module)

import components
from stackconfig import ConfigError, parse_settings

pure = [getattr(components, name) for name in ("OcirProjectArgs", "ProjectImageArgs", "check_project_args")]
problems = {}
for name, config in json.load(sys.stdin).items():
    try:
        parse_settings(config, sys.argv[3])  # the project's namespace
        problems[name] = []
    except ConfigError as error:
        problems[name] = error.keys
loaded = sorted(name for name in sys.modules if name.partition(".")[0] in blocked)
print(json.dumps({"problems": problems, "loaded": loaded}))
"""

CONFIGS: dict[str, dict[str, Any]] = {
    "minimal": valid_config(),
    "dev": DEV,
    "prod": PROD,
    "every image field": valid_config(
        images=[
            {"name": "api", "tag": "1.0", "platforms": ["linux/amd64", "linux/arm64"], "public": True},
            {"name": "worker", "tag": "1.0", "target": "run", "platform": "linux/arm64", "buildArgs": {"A": "b"}},
        ],
        tokenRotation="2026-01",
        promoteFrom=f"acme/{NS}/dev",
        vulnerabilityScanning=True,
        allowListRepositories=True,
    ),
    "a rule broken": valid_config(images=[{"name": "api", "tag": "-x", "platforms": ["linux/amd64"]}]),
}


def run_child(modules: tuple[str, ...], configs: dict[str, dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    stdin = json.dumps({name: encode_config(config) for name, config in configs.items()})
    return subprocess.run(
        [sys.executable, "-c", CHILD, ",".join(PROVIDER_SDKS), json.dumps(modules), NS],
        cwd=PROJECT_DIR,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_pack_and_the_config_parser_import_no_provider_sdk() -> None:
    result = run_child(PACK_MODULES, CONFIGS)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found["loaded"] == []
    # The rules ran: the clean configs pass, the broken one is refused by the components' own rules.
    assert {name: keys for name, keys in found["problems"].items() if keys} == {
        "a rule broken": [f"{NS}:images[0].tag", f"{NS}:images[0].platforms"]
    }


@pytest.mark.parametrize(
    ("module", "sdk"),
    [
        ("components.project", "pulumi_oci"),
        ("components.image", "pulumi_docker"),
        ("stackconfig.preflight", "pulumi_oci"),
    ],
)
def test_the_child_really_blocks_the_provider_sdks(module: str, sdk: str) -> None:
    """The control: a module that needs a provider SDK (the components, the program's cloud lookups) fails
    in the child as it would in the pack's venv."""
    result = run_child((module,), {})
    assert result.returncode != 0
    assert f"ModuleNotFoundError: No module named '{sdk}" in result.stderr
