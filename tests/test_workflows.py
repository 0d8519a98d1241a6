"""The GitHub Actions workflows, checked offline: GitHub's workflow schema, zizmor's security audit,
and the properties the README promises (pinned actions, least permissions, fork-safe posting, the
stack matrices derived from the stack files, deployments only of tested commits).

No test here depends on this repository's example stacks: those that need stack files write their own.
"""

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

from tools.stackfiles import PROJECT_DIR

from .conftest import NS, Completed

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
# How a job's matrix takes the stack list computed by the workflow's `stacks` job (tools.stacks).
FROM_STACKS = re.compile(r"\$\{\{ fromJSON\(needs\.stacks\.outputs\.(\w+)\) \}\}")
STACK_NAME = "${{ vars.PULUMI_ORG }}/${{ matrix.stack }}"


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
    test = (WORKFLOWS / "test.yml").read_text()
    # Every deploy secret, not the five named: zizmor's secrets-inherit.
    weakened["inherit"] = re.sub(r"    secrets:\n(      \w+: .*\n)+", "    secrets: inherit\n", test)
    expected = {
        "unpinned": "unpinned-uses",
        "credentials": "artipacked",
        "injection": "template-injection",
        "inherit": "secrets-inherit",
    }
    for name, text in weakened.items():
        assert text != (test if name == "inherit" else preview), name
        path = tmp_path / name / ("test.yml" if name == "inherit" else "preview.yml")
        path.parent.mkdir()
        path.write_text(text)
        assert expected[name] in {finding["ident"] for finding in zizmor(path)}, name


def _uses(document: dict[str, Any]) -> list[str]:
    return [step["uses"] for job in document["jobs"].values() for step in job.get("steps", []) if "uses" in step]


@pytest.mark.parametrize("path", workflow_files(), ids=lambda path: path.name)
def test_actions_are_pinned_to_full_shas_with_their_version(path: Path) -> None:
    text = path.read_text()
    for line in (line.strip() for line in text.splitlines() if "uses:" in line):
        local = re.fullmatch(r"uses: \./(\.github/workflows/[\w.-]+\.yml)", line)
        if local:  # a reusable workflow of this repository, at the caller's commit
            assert (PROJECT_DIR / local[1]).is_file(), line
            continue
        match = re.fullmatch(r"(?:- )?uses: ([\w.-]+/[\w.-]+)@([0-9a-f]{40}) # (v[\d.]+)", line)
        assert match, f"{path.name}: not pinned to a full SHA with a version comment: {line}"
        assert PINS[match[1]] == (match[2], match[3]), line
    assert _uses(load(path))


@pytest.mark.parametrize("path", workflow_files(), ids=lambda path: path.name)
def test_least_privilege_checkout_and_concurrency(path: Path) -> None:
    document = load(path)
    assert document["permissions"] == {}, "workflow-level permissions must be empty; jobs ask for theirs"
    if list(document["on"]) == ["workflow_call"]:
        # A reusable workflow runs in its caller's run: the calling job holds the concurrency group.
        callers = [
            job for job in load(WORKFLOWS / "test.yml")["jobs"].values() if job.get("uses", "").endswith(path.name)
        ]
        assert callers
        assert all("group" in job["concurrency"] for job in callers)
    else:
        assert "group" in document["concurrency"]
    for name, job in document["jobs"].items():
        assert "permissions" in job, name
        assert set(job["permissions"].values()) <= {"read", "write"}
        if "uses" in job:  # a call of a reusable workflow: its own jobs are checked in its file
            assert "steps" not in job, name
            continue
        assert "timeout-minutes" in job, name
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name


def test_pull_requests_preview_every_stack_file_with_the_policy_pack() -> None:
    document = load(WORKFLOWS / "preview.yml")
    assert document["on"] == {"pull_request": {"branches": ["main"]}}
    preview = document["jobs"]["preview"]
    assert preview["needs"] == "stacks"
    assert preview["strategy"]["matrix"] == {"stack": "${{ fromJSON(needs.stacks.outputs.stacks) }}"}
    assert "needs.stacks.outputs.stacks != '[]'" in preview["if"]  # no stack file: skipped, not failed
    (action,) = [step for step in preview["steps"] if step.get("uses", "").startswith("pulumi/actions@")]
    assert action["with"]["command"] == "preview"
    assert action["with"]["diff"] is True
    assert action["with"]["policyPacks"] == "policy"
    assert action["with"]["comment-on-pr"] is True
    assert action["with"]["stack-name"] == STACK_NAME
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
    assert not any("checkout" in step.get("uses", "") for step in post["steps"])
    # Same-repository only for everything that holds a secret or a write token (and the stack list
    # only the credentialed preview uses).
    same_repository = "github.event.pull_request.head.repo.full_name == github.repository"
    assert same_repository in post["if"]
    assert jobs["stacks"]["if"] == same_repository
    assert jobs["preview"]["if"].startswith(f"{same_repository} && ")


def test_only_a_tested_push_to_main_deploys_one_at_a_time() -> None:
    # deploy.yml has no trigger of its own: test.yml calls it, in the same run and on the same
    # commit, after the job that runs the tests (.ci/run, integration tests included) has passed.
    assert list(load(WORKFLOWS / "deploy.yml")["on"]) == ["workflow_call"]
    test = load(WORKFLOWS / "test.yml")
    assert test["on"] == {"pull_request": None, "push": {"branches": ["main"]}}
    (caller,) = [job for job in test["jobs"].values() if "uses" in job]
    assert caller["uses"] == "./.github/workflows/deploy.yml"
    assert caller["needs"] == "test"
    assert caller["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert caller["permissions"] == {"contents": "read"}
    # One deployment at a time, never cancelled: a newer merge waits.
    assert caller["concurrency"]["cancel-in-progress"] is False
    assert "${{" not in caller["concurrency"]["group"]  # one group for every run


def test_every_non_production_stack_deploys_first_then_production_after_approval() -> None:
    jobs = load(WORKFLOWS / "deploy.yml")["jobs"]
    stacks, first, then = jobs["stacks"], jobs["nonproduction"], jobs["production"]
    assert "environment" not in stacks
    assert "secrets." not in json.dumps(stacks)
    assert first["needs"] == "stacks"
    assert first["strategy"]["matrix"] == {"stack": "${{ fromJSON(needs.stacks.outputs.nonproduction) }}"}
    assert "needs.stacks.outputs.nonproduction != '[]'" in first["if"]
    # Each non-production stack in the environment named after it (its own secrets), never in production's.
    assert first["environment"] == "${{ matrix.stack }}"
    # Production: after the non-production job, which must have succeeded or been skipped (no such stack).
    assert set(then["needs"]) == {"stacks", "nonproduction"}
    assert then["environment"] == "production"
    assert then["strategy"]["matrix"] == {"stack": "${{ fromJSON(needs.stacks.outputs.production) }}"}
    condition = " ".join(then["if"].split())
    assert condition.startswith("${{ !cancelled() && needs.stacks.result == 'success'")
    assert "needs.stacks.outputs.production != '[]'" in condition
    assert "(needs.nonproduction.result == 'success' || needs.nonproduction.result == 'skipped')" in condition
    assert "always()" not in condition
    for job in (first, then):
        assert job["strategy"]["fail-fast"] is False  # never cancel a `pulumi up` under way
        (action,) = [step for step in job["steps"] if step.get("uses", "").startswith("pulumi/actions@")]
        assert action["with"]["command"] == "up"
        assert action["with"]["stack-name"] == STACK_NAME
        assert action["with"]["policyPacks"] == "policy"


@pytest.mark.parametrize("name", ["preview.yml", "deploy.yml"])
def test_no_stack_name_is_written_in_the_preview_and_deploy_workflows(name: str) -> None:
    document = load(WORKFLOWS / name)
    text = (WORKFLOWS / name).read_text()
    # No stack file named (the plan diff's loop globs them: Pulumi.*.yaml, Pulumi.$stack.yaml).
    assert not re.search(r"Pulumi\.[\w.-]+\.yaml", text.replace("Pulumi.*.yaml", ""))
    matrices = 0
    for job_name, job in document["jobs"].items():
        if "matrix" in job.get("strategy", {}):
            matrices += 1
            # Every matrix is a list tools.stacks computed, never a literal one.
            assert list(job["strategy"]["matrix"]) == ["stack"], job_name
            assert FROM_STACKS.fullmatch(job["strategy"]["matrix"]["stack"]), job_name
            assert job["needs"] == "stacks" or "stacks" in job["needs"], job_name
        for step in job.get("steps", []):
            if step.get("uses", "").startswith("pulumi/actions@"):
                assert step["with"]["stack-name"] == STACK_NAME, job_name
                assert "matrix" in job.get("strategy", {}), job_name
    assert matrices


def _project(directory: Path, **stack_configs: dict[str, Any]) -> Path:
    """A project tree holding what the stack listing reads, with the given stack files only."""
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(PROJECT_DIR / "tools", directory / "tools", ignore=ignore)
    shutil.copy(PROJECT_DIR / "Pulumi.yaml", directory)
    for stack, config in stack_configs.items():
        (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    return directory


def _matrices(workflow: str, project: Path) -> dict[str, list[str]]:
    """Each matrix job's stacks, as GitHub would compute them: the workflow's own listing step run in
    ``project`` (its output file parsed), the `stacks` job's outputs mapped, each fromJSON resolved."""
    jobs = load(WORKFLOWS / workflow)["jobs"]
    (step,) = [step for step in jobs["stacks"]["steps"] if step.get("id") == "list"]
    shim = project / "bin" / "python"
    shim.parent.mkdir(exist_ok=True)
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
    shim.chmod(0o755)
    output = project / "github-output"
    output.write_text("previous=step\n")  # GitHub's file is shared: the step must append
    result = subprocess.run(
        ["bash", "-e", "-c", step["run"]], cwd=project, capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": f"{shim.parent}:/usr/bin:/bin", "GITHUB_OUTPUT": str(output)},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    lines = output.read_text().splitlines()
    assert lines[0] == "previous=step"
    step_outputs = dict(line.split("=", 1) for line in lines[1:])
    job_outputs = {}
    for name, expression in jobs["stacks"]["outputs"].items():
        match = re.fullmatch(r"\$\{\{ steps\.list\.outputs\.(\w+) \}\}", expression)
        assert match, expression
        job_outputs[name] = step_outputs[match[1]]
    found: dict[str, list[str]] = {}
    for name, job in jobs.items():
        if "matrix" in job.get("strategy", {}):
            match = FROM_STACKS.fullmatch(job["strategy"]["matrix"]["stack"])
            assert match, name
            found[name] = json.loads(job_outputs[match[1]])
    return found


PRODUCTION = {f"{NS}:production": True}


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_matrices_follow_the_stack_files_whatever_they_are(tmp_path: Path) -> None:
    two = _project(tmp_path / "two", alpha={}, omega=PRODUCTION)
    assert _matrices("preview.yml", two) == {"preview": ["alpha", "omega"]}
    assert _matrices("deploy.yml", two) == {"nonproduction": ["alpha"], "production": ["omega"]}

    # A fork adds a third stack, deletes one and marks another production.
    changed = _project(tmp_path / "changed", beta={}, gamma={f"{NS}:production": False}, omega=PRODUCTION)
    (changed / "Pulumi.beta.yaml").write_text(yaml.safe_dump({"config": PRODUCTION}))
    (changed / "Pulumi.zeta.yaml").write_text(yaml.safe_dump({"config": {f"{NS}:prefix": "p-zeta"}}))
    (changed / "Pulumi.gamma.yaml").unlink()
    assert _matrices("preview.yml", changed) == {"preview": ["beta", "omega", "zeta"]}
    assert _matrices("deploy.yml", changed) == {"nonproduction": ["zeta"], "production": ["beta", "omega"]}

    # Only production stacks: the non-production job gets an empty list (and its `if` skips it).
    only = _project(tmp_path / "only", live=PRODUCTION)
    assert _matrices("deploy.yml", only) == {"nonproduction": [], "production": ["live"]}


def test_the_stack_listing_installs_only_the_pinned_pyyaml() -> None:
    pins = [
        line
        for line in (PROJECT_DIR / "requirements.txt").read_text().splitlines()
        if line.lower().startswith("pyyaml==")
    ]
    assert len(pins) == 1
    for workflow in ("preview.yml", "deploy.yml"):
        steps = load(WORKFLOWS / workflow)["jobs"]["stacks"]["steps"]
        scripts = [step["run"] for step in steps if "run" in step]
        assert any("grep -i '^pyyaml==' requirements.txt" in script for script in scripts), workflow
        assert not any("-r requirements" in script for script in scripts), workflow


def test_ci_runs_the_tests_with_the_ci_script_and_the_integration_tests_required() -> None:
    test = load(WORKFLOWS / "test.yml")
    scripts = [step["run"] for step in test["jobs"]["test"]["steps"] if "run" in step]
    # One definition of CI: the workflow runs .ci/run (as root: it starts dockerd and may apt-get),
    # with PATH kept so the venv uses the Python set up before it.
    assert scripts == ['sudo env "PATH=$PATH" OCIR_REQUIRE_INTEGRATION=1 bash .ci/run']
    ci = (PROJECT_DIR / ".ci" / "run").read_text().splitlines()
    assert "export OCIR_REQUIRE_INTEGRATION=1" in ci
    assert ci.index("export OCIR_REQUIRE_INTEGRATION=1") < ci.index("make test")
    makefile = (PROJECT_DIR / "Makefile").read_text()
    assert re.search(r"^test: lint typecheck unit$", makefile, re.MULTILINE)
    assert re.search(r"^unit: .*\n\t\$\(BIN\)/python -m pytest$", makefile, re.MULTILINE)  # every marker


def test_test_runs_on_main_are_never_cancelled() -> None:
    concurrency = load(WORKFLOWS / "test.yml")["concurrency"]
    # Pull requests: one group per pull request, a newer push cancels the run under way. Pushes to
    # main: a group per run (nothing waits or is cancelled), and cancel-in-progress false.
    assert concurrency == {
        "group": "test-${{ github.event_name == 'pull_request' && github.ref || github.run_id }}",
        "cancel-in-progress": "${{ github.event_name == 'pull_request' }}",
    }


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_the_plan_diff_script_runs_here(plan_diff_script: tuple[Path, Future[Completed]]) -> None:
    # The workflow's own script on two copies of this tree, each with its own stack files: one stack
    # unchanged, one deleted by the pull request, one added by it, one whose plan fails (tests/projects.py).
    tmp_path, run = plan_diff_script
    result = run.result(timeout=300)
    summary = tmp_path / "summary.md"
    assert result.returncode == 0, result.stderr
    comment = (tmp_path / "plan-diff" / "comment.md").read_text()
    assert comment.startswith("<!-- ocir-plan-diff -->\n### ocir plan diff: stack `added`")
    sections = comment.split("### ocir plan diff: stack ")[1:]
    assert [section.split("`")[1] for section in sections] == ["added", "broken", "dropped", "kept"]
    added, broken, dropped, kept = sections
    # A stack whose plan fails says so with its errors, and the job fails after posting the comment.
    assert "**The plan failed on the head side**" in broken
    assert f"{NS}:prefix: must be lower-case" in broken
    assert (tmp_path / "plan-diff" / "failed").read_text() == "1\n"
    assert "_No plan on the base side: the stack is new in this change._" in added
    assert "p-added-api" in added
    assert "_No plan on the head side: this change removes the stack._" in dropped
    assert "No changes." in kept
    assert comment.count("No changes.") == 1
    assert summary.read_text() == comment


def test_a_failed_plan_fails_the_plan_diff_job_after_the_comment_is_uploaded() -> None:
    steps = load(WORKFLOWS / "preview.yml")["jobs"]["plan-diff"]["steps"]
    names = [step.get("name") or step.get("uses", "") for step in steps]
    upload = next(i for i, name in enumerate(names) if "upload-artifact" in name)
    assert names[-1] == "Fail when a plan failed"
    assert upload < len(names) - 1
    assert steps[-1]["run"] == 'test "$(cat plan-diff/failed)" = 0'


# --- new stacks, deploy secrets, comments that say what happened ---------------------------------------


def _pulumi_steps(workflow: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (job_name, step)
        for job_name, job in load(WORKFLOWS / workflow)["jobs"].items()
        for step in job.get("steps", [])
        if step.get("uses", "").startswith("pulumi/actions@")
    ]


@pytest.mark.parametrize("workflow", ["preview.yml", "deploy.yml"])
def test_previews_and_deploys_create_a_stack_that_does_not_exist_yet(workflow: str) -> None:
    # pulumi/actions v7.0.0 src/main.ts: `config.upsert ? createOrSelectStack : selectStack`, and action.yml's
    # `upsert` defaults to 'false': without it a pull request adding Pulumi.<stack>.yaml fails its preview, and
    # on main the failed non-production leg skips every production update.
    steps = _pulumi_steps(workflow)
    assert steps
    for job_name, step in steps:
        assert step["with"]["upsert"] is True, job_name


def _secrets_read(document: dict[str, Any]) -> set[str]:
    return set(re.findall(r"\$\{\{ secrets\.(\w+) \}\}", json.dumps(document["jobs"])))


def test_the_deploy_secrets_are_passed_by_name_and_declared_optional() -> None:
    deploy = load(WORKFLOWS / "deploy.yml")
    declared: dict[str, dict[str, Any]] = deploy["on"]["workflow_call"]["secrets"]
    # Every secret the deploy jobs read is one the call declares (a called workflow's job sees no other) ...
    assert (
        _secrets_read(deploy)
        == set(declared)
        == {
            "PULUMI_ACCESS_TOKEN",
            "OCI_TENANCY_OCID",
            "OCI_USER_OCID",
            "OCI_FINGERPRINT",
            "OCI_PRIVATE_KEY",
        }
    )
    # ... none required: an environment secret is not visible to the calling job, and a required secret it
    # cannot pass fails the call (actions/runner#1413) ...
    assert all(declaration["required"] is False and declaration["description"] for declaration in declared.values())
    # ... and the caller passes each by name, nothing more (no `secrets: inherit`).
    (caller,) = [job for job in load(WORKFLOWS / "test.yml")["jobs"].values() if "uses" in job]
    assert caller["secrets"] == {name: f"${{{{ secrets.{name} }}}}" for name in declared}
    # The jobs that read them run in an environment, whose secrets win over the repository's.
    for name, job in deploy["jobs"].items():
        if _secrets_read({"jobs": {name: job}}):
            assert "environment" in job, name


def test_the_plan_diff_comment_is_posted_when_a_plan_failed() -> None:
    post = load(WORKFLOWS / "preview.yml")["jobs"]["comment-plan-diff"]
    condition = " ".join(post["if"].split())
    # Without a status function GitHub adds success(), which skips the job exactly when the plan-diff job
    # fails (its last step fails after the comment that says which plan failed is uploaded).
    assert condition.startswith("${{ !cancelled() && ")
    assert "(needs.plan-diff.result == 'success' || needs.plan-diff.result == 'failure')" in condition
    assert "always()" not in condition


def test_a_failed_preview_replaces_its_comment_with_one_that_says_so() -> None:
    preview = load(WORKFLOWS / "preview.yml")["jobs"]["preview"]
    names = [step.get("id") or step.get("name") for step in preview["steps"]]
    action = names.index("preview")
    (failed,) = [step for step in preview["steps"] if step.get("if") == "failure()"]
    assert preview["steps"].index(failed) > action
    assert failed["env"]["PROJECT"] == "${{ fromJSON(needs.stacks.outputs.project) }}"
    assert failed["env"]["STACK"] == preview["steps"][action]["with"]["stack-name"]
    assert "${{" not in failed["run"]
    stacks = load(WORKFLOWS / "preview.yml")["jobs"]["stacks"]
    assert stacks["outputs"]["project"] == "${{ steps.list.outputs.project }}"


FAKE_GH = """#!/usr/bin/env python3
import json, os, sys
log = os.environ["GH_LOG"]
with open(log, "a") as calls:
    calls.write(json.dumps(sys.argv[1:]) + "\\n")
if "--method" not in sys.argv:
    print(open(os.environ["GH_COMMENTS"]).read())
"""


def _failed_preview(tmp_path: Path, comments: list[dict[str, Any]]) -> tuple[list[list[str]], str, str]:
    """The workflow's own failure step, run with a stand-in `gh` that answers ``comments`` and logs each call."""
    (step,) = [s for s in load(WORKFLOWS / "preview.yml")["jobs"]["preview"]["steps"] if s.get("if") == "failure()"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "gh").write_text(FAKE_GH)
    (bin_dir / "gh").chmod(0o755)
    (tmp_path / "comments.json").write_text(json.dumps(comments))
    env = {
        "PATH": f"{bin_dir}:/usr/bin:/bin",
        "GH_LOG": str(tmp_path / "gh.log"),
        "GH_COMMENTS": str(tmp_path / "comments.json"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "PR": "7",
        "REPO": "acme/registry",
        "PROJECT": "billing",
        "STACK": "acme/dev",
        "RUN_URL": "https://github.com/acme/registry/actions/runs/42",
    }
    result = subprocess.run(
        ["bash", "-e", "-c", step["run"]],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    calls = [json.loads(line) for line in (tmp_path / "gh.log").read_text().splitlines()]
    return calls, (tmp_path / "preview-failed.md").read_text(), (tmp_path / "summary.md").read_text()


# What pulumi/actions v7.0.0 posts (src/libs/pr.ts): the heading `#### :tropical_drink: \`<command>\` on
# <project>/<stack-name>` and a <details> block whose summary line it looks for when it edits its comment.
ACTION_COMMENT = "#### :tropical_drink: `preview` on billing/acme/dev\n\n<details>\n<summary>Pulumi report</summary>\n"


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("jq") is None, reason="needs bash and jq")
def test_the_failure_step_edits_the_actions_comment_for_the_stack(tmp_path: Path) -> None:
    comments = [
        {"id": 1, "user": {"login": "someone"}, "body": ACTION_COMMENT},
        {"id": 2, "user": {"login": "github-actions[bot]"}, "body": "<!-- ocir-plan-diff -->"},
        {"id": 3, "user": {"login": "github-actions[bot]"}, "body": ACTION_COMMENT.replace("acme/dev", "acme/prod")},
        {"id": 4, "user": {"login": "github-actions[bot]"}, "body": ACTION_COMMENT + "+ 3 to create"},
        {"id": 5, "user": {"login": "github-actions[bot]"}, "body": ACTION_COMMENT + "(a later duplicate)"},
    ]
    calls, body, summary = _failed_preview(tmp_path, comments)
    # The first of the stack's comments, the one pulumi/actions edits (`comments.find`).
    assert calls[-1][:4] == ["api", "--method", "PATCH", "repos/acme/registry/issues/comments/4"]
    assert len(calls) == 2
    # The action finds this comment again next time: same heading, same summary line.
    assert body.startswith("#### :tropical_drink: `preview` on billing/acme/dev\n")
    assert "<summary>Pulumi report</summary>" in body
    assert "**The preview failed**" in body
    assert "https://github.com/acme/registry/actions/runs/42" in body
    assert summary == body


@pytest.mark.skipif(shutil.which("bash") is None or shutil.which("jq") is None, reason="needs bash and jq")
def test_the_failure_step_posts_a_comment_when_the_stack_has_none(tmp_path: Path) -> None:
    other = {"id": 3, "user": {"login": "github-actions[bot]"}, "body": ACTION_COMMENT.replace("acme/dev", "acme/prod")}
    calls, body, _ = _failed_preview(tmp_path, [other])
    assert calls[-1][:4] == ["api", "--method", "POST", "repos/acme/registry/issues/7/comments"]
    assert "**The preview failed**" in body
