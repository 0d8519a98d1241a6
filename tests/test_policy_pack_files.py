"""The policy pack learns the config's namespace as the engine tells it: the project's name in PULUMI_PROJECT,
beside the config in PULUMI_CONFIG (what the pack imports and its virtualenv: tests/test_pack_imports.py,
tests/integration/test_policy_pack.py)."""

from __future__ import annotations

import json
import os

import pytest

from policy.pack import engine_project, stack_settings
from stackconfig import ConfigError
from tests.conftest import NS
from tools.policy_check import engine_config

OTHER = f"{NS}-other"


def test_the_pack_reads_the_project_name_the_engine_passes() -> None:
    # pulumi/pulumi pkg/resource/plugin/analyzer_plugin.go, constructEnv: PULUMI_CONFIG and PULUMI_PROJECT.
    with engine_config({f"{OTHER}:prefix": "p"}, OTHER):
        assert engine_project() == OTHER
        assert json.loads(os.environ["PULUMI_CONFIG"]) == {f"{OTHER}:prefix": "p"}
    assert os.environ.get("PULUMI_PROJECT") != OTHER  # restored


@pytest.mark.parametrize(
    ("project", "first_line"),
    [
        ("", "PULUMI_PROJECT: the engine did not name the project"),
        (OTHER, f"{OTHER}:*: no {OTHER} config reached the policy pack"),
    ],
)
def test_the_pack_fails_closed_without_the_project_or_keys_in_its_namespace(project: str, first_line: str) -> None:
    with pytest.raises(ConfigError) as refused:
        stack_settings({f"{NS}:prefix": "p"}, project)
    assert str(refused.value).startswith(first_line)
