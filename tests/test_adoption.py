"""A team adopts the project by editing its stack files: the tools follow, and say clearly what is wrong."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from stackconfig.keys import KEYS
from tests.conftest import TENANCY, USER
from tests.projects import DEV, PROD, write_project
from tools import plan, policy_check, urns
from tools.stackfiles import PROJECT_DIR

BROKEN_YAML = "config:\n  ocir:prefix: p-x\n  ocir:images:\n    - name: api\n     tag: '1'\n"


@pytest.mark.parametrize(
    "command",
    [
        lambda project: plan.main(["dev", "--project-dir", str(project)]),
        lambda project: policy_check.main(["--project-dir", str(project)]),
        lambda project: urns.main(["--project-dir", str(project)]),
        lambda project: urns.main(["--update", "--project-dir", str(project)]),
    ],
    ids=["plan", "policy_check", "urns", "urns --update"],
)
def test_a_stack_file_that_is_not_yaml_is_one_line_with_file_line_and_column(
    command: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_project(tmp_path, {"dev": DEV})
    (tmp_path / "Pulumi.dev.yaml").write_text(BROKEN_YAML)
    assert command(tmp_path) == 1
    printed = capsys.readouterr()
    assert (
        printed.err == "Pulumi.dev.yaml:5:6: did not find expected '-' indicator (while parsing a block collection)\n"
    )
    assert not (tmp_path / "tests" / "urns" / "dev.txt").exists()  # nothing recorded from a broken file


def test_a_stack_file_that_is_not_a_mapping_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, {"dev": DEV})
    (tmp_path / "Pulumi.dev.yaml").write_text("- just\n- a list\n")
    assert plan.main(["dev", "--project-dir", str(tmp_path)]) == 1
    assert capsys.readouterr().err == "Pulumi.dev.yaml:1:1: must be a mapping (config: ...), got list\n"


def test_plan_defaults_to_dev_or_else_the_first_stack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, {"staging": {**DEV, "ocir:prefix": "p-shop-stg"}, "live": PROD})
    assert plan.main(["--project-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("Plan for stack ocir/live\n")
    write_project(tmp_path, {"dev": DEV})
    assert plan.main(["--project-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith("Plan for stack ocir/dev\n")


def test_urns_update_records_each_stack_as_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, {"dev": DEV, "prod": PROD})
    assert urns.main(["--update", "--project-dir", str(tmp_path)]) == 0
    first = capsys.readouterr().out
    assert re.search(r"^dev: (\d+) URN\(s\) recorded, \1 added, 0 removed$", first, re.MULTILINE)
    dev_before = urns.recorded("dev", tmp_path)
    assert dev_before == urns.declared("dev", tmp_path)

    # A new prefix renames every resource of that stack; a third stack arrives; prod leaves.
    write_project(tmp_path, {"dev": {**DEV, "ocir:prefix": "p-team-dev"}, "staging": DEV})
    (tmp_path / "Pulumi.prod.yaml").unlink()
    assert urns.main(["--update", "--project-dir", str(tmp_path)]) == 0
    second = capsys.readouterr().out.splitlines()
    count = len(dev_before)
    assert f"dev: {count} URN(s) recorded, {count} added, {count} removed" in second
    assert any(line.startswith("  + ") and "p-team-dev" in line for line in second)
    assert any(line.startswith("  - ") and "p-shop-dev" in line for line in second)
    assert "prod: no stack file Pulumi.prod.yaml any more, its record is forgotten" in second
    assert sorted(path.stem for path in (tmp_path / "tests" / "urns").glob("*.txt")) == ["dev", "staging"]
    assert urns.recorded("dev", tmp_path) == urns.declared("dev", tmp_path)


def test_did_you_mean_only_for_close_matches(run: Any) -> None:
    from tests.conftest import valid_config

    typo = run({**valid_config(), "ocir:prefx": "p"}, raise_errors=False)
    assert "ocir:prefx: unknown key (did you mean ocir:prefix?)" in str(typo.error)
    far = run({**valid_config(), "ocir:x": "p"}, raise_errors=False)
    assert "ocir:x: unknown key; this project reads" in str(far.error)


# --- pulumi new ------------------------------------------------------------------------------------------

PROJECT = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
# Fields every CLI that knows templates accepts for a config prompt (`important` is deprecated).
PROMPT_FIELDS = {"description", "default", "secret"}


def test_pulumi_new_template_prompts_for_every_required_key() -> None:
    template = PROJECT["template"]
    assert set(template) <= {"description", "config", "displayName", "metadata", "quickstart"}
    assert template["description"].strip()
    prompts: dict[str, dict[str, Any]] = template["config"]
    required = {f"ocir:{key.name}" for key in KEYS if key.required}
    assert required <= set(prompts)
    for key, prompt in prompts.items():
        assert set(prompt) <= PROMPT_FIELDS, f"{key}: {set(prompt) - PROMPT_FIELDS}"
        assert prompt["description"].strip(), key
        assert key in {f"ocir:{k.name}" for k in KEYS} | {"oci:region"}, key
        if "default" in prompt:
            assert isinstance(prompt["default"], str), f"{key}: a prompt's default is a string"


def test_the_template_defaults_make_a_valid_stack_with_the_required_answers(run: Any) -> None:
    prompts: dict[str, dict[str, Any]] = PROJECT["template"]["config"]
    answers = {
        "ocir:prefix": "p-new-dev",
        "ocir:groupName": "new-devs",
        "ocir:tenancyOcid": TENANCY,
        "ocir:userOcid": USER,
    }
    config = {key: answers.get(key, prompt.get("default")) for key, prompt in prompts.items()}
    missing = [key for key, value in config.items() if value is None]
    assert missing == [], f"prompts without an answer or a default: {missing}"
    result = run(config)
    assert result.one("oci:Identity/policy:Policy").plain["name"] == "p-new-dev-ocir-policy"
