"""tools.rename: a fork renames its project in one step, and the program, the plan, the URN records and the
policy pack follow the new name (its config namespace).

Every test renames a project of its own (tests/projects.py) under tmp_path, never this repository.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.conftest import NS
from tests.projects import DEV, PROD, write_project
from tools import plan, policy_check, rename, urns
from tools.harness import run_program, run_stack
from tools.stackfiles import StackFileError, check_declared_config, load_stack_config, project_name

# A name unlike the project's, whatever a fork has named it.
NEW = "acme-registry" if NS != "acme-registry" else "acme-registry-next"


def _forked(directory: Path) -> Path:
    """A project under this repository's name with a dev stack, a prod stack promoted from dev, a commented-out
    key, and URN records of both."""
    promoted = {**PROD, f"{NS}:promoteFrom": f"organization/{NS}/dev"}
    write_project(directory, {"dev": DEV, "prod": promoted})
    with (directory / "Pulumi.dev.yaml").open("a") as stack_file:
        stack_file.write(f"  # Rollout by digest: {NS}:promoteFrom: organization/{NS}/dev\n")
    urns.update(directory)
    return directory


def test_a_renamed_project_plans_records_and_passes_the_policy_pack_under_its_new_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _forked(tmp_path)
    assert rename.main([NEW, "--project-dir", str(project)]) == 0
    printed = capsys.readouterr().out
    assert f"Pulumi.yaml: name {NS} -> {NEW}" in printed
    assert f"Pulumi.prod.yaml: {len(PROD)} key(s) {NS}:* -> {NEW}:*" in printed  # oci:region stays, promoteFrom
    assert "pulumi stack rename" in printed

    assert project_name(project) == NEW
    for stack in ("dev", "prod"):
        config = yaml.safe_load((project / f"Pulumi.{stack}.yaml").read_text())["config"]
        assert {key.split(":")[0] for key in config} == {NEW, "oci"}, stack  # oci:* is the provider's: untouched
        assert config["oci:region"] == "eu-frankfurt-1"
    prod = yaml.safe_load((project / "Pulumi.prod.yaml").read_text())["config"]
    assert prod[f"{NEW}:promoteFrom"] == f"organization/{NEW}/dev"
    # Comments stay, renamed with the keys they mention.
    assert (
        f"  # Rollout by digest: {NEW}:promoteFrom: organization/{NEW}/dev\n"
        in (project / "Pulumi.dev.yaml").read_text()
    )

    # The URN records follow: what each stack declares now is exactly what is recorded.
    for stack in ("dev", "prod"):
        assert urns.recorded(stack, project) == urns.declared(stack, project)
        assert all(urn.startswith(f"urn:pulumi:{stack}::{NEW}::") for urn in urns.recorded(stack, project))

    # The plan is under the new name, and the promoted stack reads its renamed source stack.
    assert plan.main(["prod", "--json", "--project-dir", str(project)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["project"], document["stack"]) == (NEW, "prod")
    assert {lookup["args"]["name"] for lookup in document["lookups"] if "(read)" in lookup["function"]} == {
        f"organization/{NEW}/dev"
    }
    assert all(f"::{NEW}::" in resource["urn"] for resource in document["resources"])

    # The policy pack reads the config under the project's name (PULUMI_PROJECT) and finds nothing wrong.
    assert policy_check.main(["--project-dir", str(project)]) == 0
    assert "stack prod: every mandatory policy passes" in capsys.readouterr().out


def test_after_the_rename_keys_under_the_old_name_are_not_read(tmp_path: Path) -> None:
    project = _forked(tmp_path)
    rename.rename(project, NEW)
    # A stack file someone forgot: the CLI refuses it for the keys of the project's namespace ...
    (project / "Pulumi.stale.yaml").write_text(yaml.safe_dump({"config": DEV}))
    with pytest.raises(StackFileError, match=r"^Stack 'stale' is missing configuration values 'groupName', "):
        check_declared_config("stale", project)
    # ... and the program, run without the CLI's check, reads only the new namespace's keys.
    stale = run_program(load_stack_config("stale", project).values, project_dir=project, raise_errors=False)
    assert str(stale.error).startswith(f"{NEW}:prefix: is required")
    assert run_stack("dev", project_dir=project, raise_errors=False).error is None


def test_an_unknown_key_in_the_new_namespace_is_still_refused(tmp_path: Path) -> None:
    project = _forked(tmp_path)
    rename.rename(project, NEW)
    dev = yaml.safe_load((project / "Pulumi.dev.yaml").read_text())["config"]
    (project / "Pulumi.typo.yaml").write_text(yaml.safe_dump({"config": {**dev, f"{NEW}:prefx": "p"}}))
    run = run_stack("typo", project_dir=project, raise_errors=False)
    assert f"{NEW}:prefx: unknown key (did you mean {NEW}:prefix?)" in str(run.error)


def test_after_pulumi_new_the_copied_stack_files_and_records_are_renamed_from_the_records_name(
    tmp_path: Path,
) -> None:
    # `pulumi new` names the project (Pulumi.yaml) and writes its answers under that name into the stack it
    # creates, next to the example stack files and records it copied, which are still under the old name.
    project = _forked(tmp_path)
    document = yaml.safe_load((project / "Pulumi.yaml").read_text())
    (project / "Pulumi.yaml").write_text(yaml.safe_dump({**document, "name": NEW}, sort_keys=False))
    with (project / "Pulumi.dev.yaml").open("a") as stack_file:
        stack_file.write(f"  {NEW}:prefix: p-answered\n  {NEW}:images:\n  - name: web\n    tag: '2.0'\n")

    assert rename.rename(project, NEW) == [
        f"Pulumi.dev.yaml: {len(DEV) - 1} key(s) {NS}:* -> {NEW}:*, kept 2 already set under {NEW}",
        f"Pulumi.prod.yaml: {len(PROD)} key(s) {NS}:* -> {NEW}:*",
        f"tests/urns/dev.txt: {len(urns.recorded('dev', project))} URN(s) now in project {NEW}",
        f"tests/urns/prod.txt: {len(urns.recorded('prod', project))} URN(s) now in project {NEW}",
    ]
    dev = yaml.safe_load((project / "Pulumi.dev.yaml").read_text())["config"]
    assert dev[f"{NEW}:prefix"] == "p-answered"  # the answer, not the example's value
    assert dev[f"{NEW}:images"] == [{"name": "web", "tag": "2.0"}]
    assert dev[f"{NEW}:groupName"] == DEV[f"{NS}:groupName"]
    assert not any(key.startswith(f"{NS}:") for key in dev)
    assert rename.rename(project, NEW) == [f"the project is already named {NEW}: nothing to rename"]


@pytest.mark.parametrize("name", ["", "pulumi", "Pulumi.shop", "two words", "a:b", "x" * 101])
def test_a_name_pulumi_would_refuse_is_refused_and_nothing_changes(tmp_path: Path, name: str) -> None:
    project = _forked(tmp_path)
    before = {path: path.read_text() for path in project.rglob("*.yaml")}
    with pytest.raises(rename.RenameError, match="is not a Pulumi project name"):
        rename.rename(project, name)
    assert {path: path.read_text() for path in project.rglob("*.yaml")} == before


def test_a_file_the_text_edit_cannot_rename_exactly_stops_the_rename_before_anything_is_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _forked(tmp_path)
    # A value that happens to spell the old namespace: the text edit would change it too.
    with (project / "Pulumi.prod.yaml").open("a") as stack_file:
        stack_file.write(f"  {NS}:tokenRotation: '{NS}:next'\n")
    before = {path: path.read_text() for path in project.rglob("*") if path.is_file()}
    assert rename.main([NEW, "--project-dir", str(project)]) == 1
    assert capsys.readouterr().err == (
        "error: Pulumi.prod.yaml: the renamed file would not hold the renamed config; rename its keys by hand\n"
    )
    assert {path: path.read_text() for path in project.rglob("*") if path.is_file()} == before
