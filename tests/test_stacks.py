"""tools.stacks: the workflows' stack lists, computed from whatever stack files a project has.

Every test writes its own project (Pulumi.yaml and stack files) under tmp_path: nothing here reads
this repository's example stacks.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tools import stacks
from tools.stackfiles import PROJECT_DIR

# A project of the tests' own, named unlike this repository's: the lists follow whatever name Pulumi.yaml gives.
NAME = "team-app"
PROJECT = {"name": NAME, "runtime": {"name": "python"}}


def write_project(directory: Path, project: dict[str, Any] | None = None, **stack_configs: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(project or PROJECT))
    for name, config in stack_configs.items():
        write_stack(directory, name, config)
    return directory


def write_stack(directory: Path, name: str, config: dict[str, Any]) -> None:
    config = {f"{NAME}:prefix": f"p-{name}", **config}
    (directory / f"Pulumi.{name}.yaml").write_text(yaml.safe_dump({"config": config}))


def run(capsys: pytest.CaptureFixture[str], directory: Path, *flags: str) -> tuple[int, str, str]:
    status = stacks.main([*flags, "--project-dir", str(directory)])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def as_json(capsys: pytest.CaptureFixture[str], directory: Path) -> dict[str, list[str] | str]:
    status, out, err = run(capsys, directory, "--json")
    assert status == 0, err
    document: dict[str, list[str] | str] = json.loads(out)
    return document


def test_the_lists_follow_the_stack_files_as_they_are_added_deleted_and_marked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    production = f"{NAME}:production"
    project = write_project(tmp_path / "p", alpha={production: False}, beta={}, live={production: True})
    assert as_json(capsys, project) == {
        "stacks": ["alpha", "beta", "live"],
        "production": ["live"],
        "nonproduction": ["alpha", "beta"],
        "project": NAME,
    }

    # A team adds a third non-production stack and a second production one ...
    write_stack(project, "staging", {})
    write_stack(project, "live-eu", {f"{NAME}:production": True})
    # ... deletes one, and marks another production.
    (project / "Pulumi.alpha.yaml").unlink()
    write_stack(project, "beta", {f"{NAME}:production": True})
    assert as_json(capsys, project) == {
        "stacks": ["beta", "live", "live-eu", "staging"],
        "production": ["beta", "live", "live-eu"],
        "nonproduction": ["staging"],
        "project": NAME,
    }

    status, out, _ = run(capsys, project)
    assert status == 0
    assert out == "beta  (production)\nlive  (production)\nlive-eu  (production)\nstaging\n"


def test_github_output_lines_are_one_compact_json_list_each(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(tmp_path / "p", one={}, two={f"{NAME}:production": True}, three={})
    status, out, _ = run(capsys, project, "--github-output")
    assert status == 0
    lines = out.splitlines()
    assert [line.split("=", 1)[0] for line in lines] == ["stacks", "production", "nonproduction", "project"]
    outputs = {name: json.loads(value) for name, value in (line.split("=", 1) for line in lines)}
    assert outputs == {
        "stacks": ["one", "three", "two"],
        "production": ["two"],
        "nonproduction": ["one", "three"],
        "project": NAME,
    }
    assert " " not in out  # GitHub reads each value up to the end of its line


def test_the_production_flag_is_read_as_the_cli_hands_it_to_the_program(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "p",
        unset={},
        native={f"{NAME}:production": True},
        string={f"{NAME}:production": "true"},
        off={f"{NAME}:production": "false"},
        empty={f"{NAME}:production": ""},
    )
    found = stacks.list_stacks(project)
    assert found.production == ("native", "string")
    assert found.nonproduction == ("empty", "off", "unset")


def test_a_default_in_pulumi_yaml_applies_to_stacks_that_do_not_set_the_flag(tmp_path: Path) -> None:
    project_file = {**PROJECT, "config": {"production": {"type": "boolean", "default": True}}}
    project = write_project(tmp_path / "p", project_file, implicit={}, explicit={f"{NAME}:production": False})
    found = stacks.list_stacks(project)
    assert (found.production, found.nonproduction) == (("implicit",), ("explicit",))


@pytest.mark.parametrize(
    ("value", "shown"), [("yes", "'yes'"), ("True", "'True'"), (1, "'1'"), ({"secure": "AAAB"}, "a secret")]
)
def test_a_production_flag_that_is_not_true_or_false_fails_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: Any, shown: str
) -> None:
    # Never guess: a stack read as non-production would deploy without the production approval.
    project = write_project(tmp_path / "p", fine={}, odd={f"{NAME}:production": value})
    status, out, err = run(capsys, project, "--github-output")
    assert (status, out) == (1, "")
    assert err == f"Pulumi.odd.yaml: {NAME}:production must be true or false, got {shown}\n"


def test_a_stack_file_whose_name_is_not_a_stack_name_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(tmp_path / "p", fine={})
    write_stack(project, "two words", {})
    status, out, err = run(capsys, project, "--json")
    assert (status, out) == (1, "")
    assert "Pulumi.two words.yaml: 'two words' is not a Pulumi stack name" in err


def test_a_stack_file_that_is_not_yaml_fails_naming_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = write_project(tmp_path / "p", fine={})
    (project / "Pulumi.broken.yaml").write_text(f"config:\n  {NAME}:production: [true\n")
    status, out, err = run(capsys, project, "--json")
    assert (status, out) == (1, "")
    assert err.startswith("Pulumi.broken.yaml:3:1: ")
    assert len(err.splitlines()) == 1


def test_no_stack_files_gives_empty_lists(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = write_project(tmp_path / "p")
    status, out, err = run(capsys, project, "--github-output")
    assert status == 0
    assert out == f'stacks=[]\nproduction=[]\nnonproduction=[]\nproject="{NAME}"\n'
    assert "no Pulumi.<stack>.yaml" in err


def test_the_command_runs_without_pulumi(tmp_path: Path) -> None:
    # The workflows run it with only PyYAML installed: it must not import the Pulumi SDK.
    project = write_project(tmp_path / "p", solo={f"{NAME}:production": True})
    script = (
        "import runpy, sys\n"
        "sys.modules['pulumi'] = None  # any import of pulumi now raises ImportError\n"
        f"sys.argv = ['tools.stacks', '--json', '--project-dir', {str(project)!r}]\n"
        "runpy.run_module('tools.stacks', run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["production"] == ["solo"]
