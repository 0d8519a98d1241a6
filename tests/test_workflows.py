"""The GitHub Actions workflows, checked offline: GitHub's workflow schema, zizmor's security audit,
and the properties the README promises (pinned actions, least permissions, fork-safe posting)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import Completed
from tools.stackfiles import PROJECT_DIR, stack_names

WORKFLOWS = PROJECT_DIR / ".github" / "workflows"
ZIZMOR_CONFIG = PROJECT_DIR / ".github" / "zizmor.yml"
BIN = Path(sys.executable).parent
# The commit each action is pinned to, and the release it is (README, "CI workflows", says where
# each SHA was found).
PINS = {
    "actions/checkout": ("08c6903cd8c0fde910a37f88322edcfb5dd907a8", "v5.0.0"),
    "actions/setup-python": ("e797f83bcb11b83ae66e0230d6156d7c80228e7c", "v6.0.0"),
    "actions/upload-artifact": ("330a01c490aca151604b8cf639adc76d48f6c5d4", "v5.0.0"),
    "actions/download-artifact": ("634f93cb2916e3fdff6788551b99b062d0335ce0", "v5.0.0"),
    "pulumi/actions": ("8e5e406f4007fca908480587cb9893c07090f58d", "v7.0.0"),
}
SEVERITIES = ("Unknown", "Informational", "Low", "Medium", "High")


def workflow_files() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


def load(path: Path) -> dict[Any, Any]:
    document: dict[Any, Any] = yaml.safe_load(path.read_text())
    # PyYAML reads the `on:` key as the boolean True (YAML 1.1).
    if True in document:
        document["on"] = document.pop(True)
    return document


def schema_check(*paths: Path) -> subprocess.CompletedProcess[str]:
    command = [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", *map(str, paths)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def zizmor(*paths: Path) -> list[dict[str, Any]]:
    """zizmor's findings of medium severity or more, offline, with this repository's settings."""
    command = [
        str(BIN / "zizmor"), "--offline", "--config", str(ZIZMOR_CONFIG), "--persona", "pedantic",
        "--format", "json", "--min-severity", "medium", *map(str, paths),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.stdout.strip().startswith("["), result.stderr
    findings: list[dict[str, Any]] = json.loads(result.stdout)
    assert (result.returncode == 0) is (not findings), (result.returncode, findings)
    return findings


def test_there_are_workflows_for_previews_deploys_and_tests() -> None:
    assert [path.name for path in workflow_files()] == ["deploy.yml", "preview.yml", "test.yml"]


def test_every_workflow_matches_githubs_schema() -> None:
    result = schema_check(*workflow_files())
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_of_medium_severity_or_more() -> None:
    assert zizmor(*workflow_files()) == []


BAD_WORKFLOW = """\
name: Bad
on:
  pull_request_target:
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          ref: ${{ github.event.pull_request.head.sha }}
      - run: echo "${{ github.event.pull_request.title }}"
"""


def test_the_checks_fail_on_a_bad_workflow(tmp_path: Path) -> None:
    # Proof that the two tests above can fail: the same checks on deliberately bad workflows.
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text(BAD_WORKFLOW)
    found = {(f["ident"], f["determinations"]["severity"]) for f in zizmor(bad)}
    assert {("template-injection", "High"), ("unpinned-uses", "High"), ("dangerous-triggers", "High")} <= found
    assert ("artipacked", "Medium") in found
    assert all(SEVERITIES.index(severity) >= SEVERITIES.index("Medium") for _, severity in found)

    invalid = tmp_path / "invalid.yml"
    invalid.write_text("name: x\non: push\njobs:\n  a:\n    steps: []\n")
    result = schema_check(invalid)
    assert result.returncode != 0
    assert "'runs-on' is a required property" in result.stdout


def test_a_copy_of_our_workflow_with_one_weakness_is_caught(tmp_path: Path) -> None:
    # Each property our workflows keep is one zizmor really checks: undo one, and it reports it.
    preview = (WORKFLOWS / "preview.yml").read_text()
    weakened = {
        "unpinned": preview.replace(f"actions/checkout@{PINS['actions/checkout'][0]}", "actions/checkout@v5", 1),
        "credentials": preview.replace("          persist-credentials: false\n", "", 1),
        "injection": preview.replace('"$PR"', '"${{ github.event.pull_request.title }}"', 1).replace(
            'repos/$REPO/issues/$PR/comments" \\', 'repos/$REPO/issues/${{ github.head_ref }}/comments" \\', 1
        ),
    }
    expected = {"unpinned": "unpinned-uses", "credentials": "artipacked", "injection": "template-injection"}
    for name, text in weakened.items():
        assert text != preview, name
        path = tmp_path / name / "preview.yml"
        path.parent.mkdir()
        path.write_text(text)
        assert expected[name] in {finding["ident"] for finding in zizmor(path)}, name


def _uses(document: dict[str, Any]) -> list[str]:
    return [step["uses"] for job in document["jobs"].values() for step in job.get("steps", []) if "uses" in step]


@pytest.mark.parametrize("path", workflow_files(), ids=lambda path: path.name)
def test_actions_are_pinned_to_full_shas_with_their_version(path: Path) -> None:
    text = path.read_text()
    for line in (line.strip() for line in text.splitlines() if "uses:" in line):
        match = re.fullmatch(r"(?:- )?uses: ([\w.-]+/[\w.-]+)@([0-9a-f]{40}) # (v[\d.]+)", line)
        assert match, f"{path.name}: not pinned to a full SHA with a version comment: {line}"
        assert PINS[match[1]] == (match[2], match[3]), line
    assert _uses(load(path))


@pytest.mark.parametrize("path", workflow_files(), ids=lambda path: path.name)
def test_least_privilege_checkout_and_concurrency(path: Path) -> None:
    document = load(path)
    assert document["permissions"] == {}, "workflow-level permissions must be empty; jobs ask for theirs"
    assert "group" in document["concurrency"]
    for name, job in document["jobs"].items():
        assert "permissions" in job, name
        assert set(job["permissions"].values()) <= {"read", "write"}
        assert "timeout-minutes" in job, name
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name


def test_pull_requests_preview_every_stack_file_with_the_policy_pack() -> None:
    document = load(WORKFLOWS / "preview.yml")
    assert document["on"] == {"pull_request": {"branches": ["main"]}}
    preview = document["jobs"]["preview"]
    assert preview["strategy"]["matrix"]["stack"] == stack_names()
    (action,) = [step for step in preview["steps"] if step.get("uses", "").startswith("pulumi/actions@")]
    assert action["with"]["command"] == "preview"
    assert action["with"]["diff"] is True
    assert action["with"]["policyPacks"] == "policy"
    assert action["with"]["comment-on-pr"] is True
    assert action["with"]["stack-name"].endswith("/${{ matrix.stack }}")
    # OCI credentials reach the provider as its TF_VAR_* variables, from the environment's secrets.
    for variable in ("TF_VAR_tenancy_ocid", "TF_VAR_user_ocid", "TF_VAR_fingerprint", "TF_VAR_private_key"):
        assert action["env"][variable].startswith("${{ secrets.")
    assert preview["environment"] == "preview"
    assert preview["permissions"] == {"contents": "read", "pull-requests": "write"}


def test_the_plan_diff_runs_without_secrets_and_is_posted_without_running_pr_code() -> None:
    jobs = load(WORKFLOWS / "preview.yml")["jobs"]
    diff, post = jobs["plan-diff"], jobs["comment-plan-diff"]
    assert diff["permissions"] == {"contents": "read"}
    assert "environment" not in diff  # no secrets ...
    assert "if" not in diff  # ... so forks included
    assert "secrets." not in json.dumps(diff)
    assert any("GITHUB_STEP_SUMMARY" in step.get("run", "") for step in diff["steps"])
    assert any("tools.plan diff" in step.get("run", "") for step in diff["steps"])
    assert post["needs"] == "plan-diff"
    assert post["permissions"] == {"pull-requests": "write"}
    assert post["if"] == "github.event.pull_request.head.repo.full_name == github.repository"
    assert not any("checkout" in step.get("uses", "") for step in post["steps"])
    # Same-repository only for everything that holds a secret or a write token.
    assert jobs["preview"]["if"] == post["if"]


def test_merges_deploy_dev_then_prod_after_approval() -> None:
    document = load(WORKFLOWS / "deploy.yml")
    assert document["on"] == {"push": {"branches": ["main"]}}
    assert document["concurrency"]["cancel-in-progress"] is False
    dev, prod = document["jobs"]["dev"], document["jobs"]["prod"]
    assert (dev["environment"], prod["environment"]) == ("dev", "production")
    assert prod["needs"] == "dev"
    for job, stack in ((dev, "dev"), (prod, "prod")):
        (action,) = [step for step in job["steps"] if step.get("uses", "").startswith("pulumi/actions@")]
        assert action["with"]["command"] == "up"
        assert action["with"]["stack-name"].endswith(f"/{stack}")
        assert action["with"]["policyPacks"] == "policy"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_plan_diff_script_runs_here(plan_diff_script: tuple[Path, Future[Completed]]) -> None:
    # Run the workflow's own script, with a copy of this tree as both sides, to show it works
    # (tests/conftest.py, run_plan_diff_script: started with the session, in the background).
    tmp_path, run = plan_diff_script
    summary = tmp_path / "summary.md"
    result = run.result()
    assert result.returncode == 0, result.stderr
    comment = (tmp_path / "plan-diff" / "comment.md").read_text()
    assert comment.startswith("<!-- ocir-plan-diff -->\n### ocir plan diff: stack `dev`")
    assert "### ocir plan diff: stack `prod`" in comment
    assert comment.count("No changes.") == 2
    assert summary.read_text() == comment
