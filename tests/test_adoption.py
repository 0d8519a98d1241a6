"""A team adopts the project by editing its stack files: the tools follow, and say clearly what is wrong."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from stackconfig.keys import KEYS
from tests.conftest import NS, TENANCY, USER
from tests.projects import DEV, PROD, write_project
from tools import plan, policy_check, urns
from tools.engine.mocks import OcirMocks
from tools.harness import run_stack
from tools.stackfiles import PROJECT_DIR, StackFileError, check_declared_config, new_stack_config

BROKEN_YAML = f"config:\n  {NS}:prefix: p-x\n  {NS}:images:\n    - name: api\n     tag: '1'\n"


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
    write_project(tmp_path, {"staging": {**DEV, f"{NS}:prefix": "p-shop-stg"}, "live": PROD})
    assert plan.main(["--project-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith(f"Plan for stack {NS}/live\n")
    write_project(tmp_path, {"dev": DEV})
    assert plan.main(["--project-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.startswith(f"Plan for stack {NS}/dev\n")


def test_urns_update_records_each_stack_as_it_is(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_project(tmp_path, {"dev": DEV, "prod": PROD})
    assert urns.main(["--update", "--project-dir", str(tmp_path)]) == 0
    first = capsys.readouterr().out
    assert re.search(r"^dev: (\d+) URN\(s\) recorded, \1 added, 0 removed$", first, re.MULTILINE)
    dev_before = urns.recorded("dev", tmp_path)
    assert dev_before == urns.declared("dev", tmp_path)

    # A new prefix renames every resource of that stack; a third stack arrives; prod leaves.
    write_project(tmp_path, {"dev": {**DEV, f"{NS}:prefix": "p-team-dev"}, "staging": DEV})
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

    typo = run({**valid_config(), f"{NS}:prefx": "p"}, raise_errors=False)
    assert f"{NS}:prefx: unknown key (did you mean {NS}:prefix?)" in str(typo.error)
    far = run({**valid_config(), f"{NS}:x": "p"}, raise_errors=False)
    assert f"{NS}:x: unknown key; this project reads" in str(far.error)


# --- pulumi new ------------------------------------------------------------------------------------------

PROJECT = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
# Fields every CLI that knows templates accepts for a config prompt (`important` is deprecated).
PROMPT_FIELDS = {"description", "default", "secret"}


def test_pulumi_new_template_prompts_for_every_required_key() -> None:
    template = PROJECT["template"]
    assert set(template) <= {"description", "config", "displayName", "metadata", "quickstart"}
    assert template["description"].strip()
    prompts: dict[str, dict[str, Any]] = template["config"]
    # Without a namespace: the CLI puts each in the namespace of the project the user names.
    assert {key.name for key in KEYS if key.required} <= set(prompts)
    for key, prompt in prompts.items():
        assert set(prompt) <= PROMPT_FIELDS, f"{key}: {set(prompt) - PROMPT_FIELDS}"
        assert prompt["description"].strip(), key
        assert key in {k.name for k in KEYS} | {"oci:region"}, key
        if "default" in prompt:
            assert isinstance(prompt["default"], str), f"{key}: a prompt's default is a string"


ANSWERS = {"prefix": "p-new-dev", "groupName": "new-devs", "tenancyOcid": TENANCY, "userOcid": USER}
"""What a user types at `pulumi new`'s prompts that have no default."""


def _new_project(directory: Path, name: str, stack: str) -> dict[str, str]:
    """What `pulumi new <this repository> --name <name> --stack <stack>` leaves (pkg/cmd/pulumi/project/newcmd/
    new.go): the files copied, Pulumi.yaml saved with the name given and no template section, and the answers
    to the template's prompts in Pulumi.<stack>.yaml. Returns that stack's config."""
    write_project(directory, {})
    project = yaml.safe_load((directory / "Pulumi.yaml").read_text())
    project["name"] = name
    del project["template"]
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    config = new_stack_config(PROJECT_DIR, name, ANSWERS)
    (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    return config


@pytest.mark.parametrize("name", ["shop-platform", NS])
def test_pulumi_new_prompts_land_in_the_namespace_of_the_project_named(tmp_path: Path, name: str) -> None:
    config = _new_project(tmp_path, name, "dev")
    assert config == {
        f"{name}:prefix": "p-new-dev",
        f"{name}:groupName": "new-devs",
        f"{name}:tenancyOcid": TENANCY,
        f"{name}:userOcid": USER,
        f"{name}:region": PROJECT["template"]["config"]["region"]["default"],
        f"{name}:production": "false",
    }
    # The CLI's own check passes (no "Stack 'dev' is missing configuration values …"), and the stack plans.
    check_declared_config("dev", tmp_path)
    result = run_stack("dev", project_dir=tmp_path, mocks=OcirMocks(plan=True), preview=True)
    assert result.project == name
    assert result.one("oci:Identity/policy:Policy").plain["name"] == "p-new-dev-ocir-policy"
    assert all(resource.urn.startswith(f"urn:pulumi:dev::{name}::") for resource in result.resources)


def test_a_template_written_with_a_fixed_namespace_would_miss_the_keys_of_any_other_name(tmp_path: Path) -> None:
    # Why the prompts carry no namespace: one written `ocir:prefix` stays `ocir:prefix` for a project named
    # otherwise, and the CLI then refuses the stack for the keys of the project's own namespace.
    _new_project(tmp_path, "shop-platform", "dev")
    fixed = {f"elsewhere:{key}": value for key, value in ANSWERS.items()}
    (tmp_path / "Pulumi.dev.yaml").write_text(yaml.safe_dump({"config": fixed}))
    with pytest.raises(StackFileError) as refused:
        check_declared_config("dev", tmp_path)
    assert str(refused.value) == (
        "Stack 'dev' is missing configuration values 'groupName', 'prefix', 'region', 'tenancyOcid' and 'userOcid'"
    )


def test_urns_update_keeps_recorded_urns_an_alias_still_covers(tmp_path: Path) -> None:
    """A deployed stack may still hold a resource under a name it had before a rename: its record keeps the
    old URN as long as an alias covers it, so that a later change dropping the alias still fails the tests."""
    write_project(tmp_path, {"dev": DEV})
    assert urns.main(["--update", "--project-dir", str(tmp_path)]) == 0
    record = urns.record_path("dev", tmp_path)
    image = next(
        urn
        for urn in urns.recorded("dev", tmp_path)
        if urn.endswith("$docker:index/image:Image::p-shop-dev-storefront-image")
    )
    # The image's URN as it was before 0.2.0 (its component was RepositoryImage): still aliased today.
    former = image.replace("ocir:index:Image$", "ocir:index:RepositoryImage$")
    gone = image.replace("p-shop-dev-storefront-image", "p-shop-dev-removed-image")
    record.write_text("\n".join([*urns.recorded("dev", tmp_path), former, gone]) + "\n")
    assert urns.main(["--update", "--project-dir", str(tmp_path)]) == 0
    kept = urns.recorded("dev", tmp_path)
    assert former in kept
    assert gone not in kept
