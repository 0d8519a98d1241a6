"""End to end: a team adopts the project by editing its stack files, and the stack-file tests follow.

Run with the integration tests (it copies the repository and runs pytest in the copy twice).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import NS
from tests.projects import DEV
from tools.stackfiles import PROJECT_DIR


def _tracked_copy(destination: Path) -> Path:
    files = (
        subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_DIR, capture_output=True, check=True, timeout=30)
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, files):
        if (PROJECT_DIR / name).is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_DIR / name, destination / name)
    return destination


def _adopt(config: dict[str, Any], prefix: str) -> dict[str, Any]:
    """A team's own values over an example stack file."""
    config = dict(config)
    config[f"{NS}:prefix"] = prefix
    config[f"{NS}:groupName"] = f"{prefix}-team"
    for key, value in list(config.items()):
        if isinstance(value, str) and value.startswith("ocid1."):
            kind = value.split(".")[1]
            config[key] = f"ocid1.{kind}.oc1..aaaaaaaa7xq3{kind}{prefix.replace('-', '')}".ljust(70, "q")[:70]
    return config


def test_a_team_adopts_it_by_editing_the_stack_files(tmp_path: Path) -> None:
    """New values in every stack file and a third stack, then `tools.urns --update`: the stack-file tests pass."""
    copy = _tracked_copy(tmp_path / "adopted")
    stacks = sorted(path.name for path in copy.glob("Pulumi.*.yaml"))
    for index, name in enumerate(stacks):
        document = yaml.safe_load((copy / name).read_text())
        document["config"] = _adopt(document["config"], f"p-team{index}")
        (copy / name).write_text(yaml.safe_dump(document, sort_keys=False))
    (copy / "Pulumi.staging.yaml").write_text(yaml.safe_dump({"config": _adopt(DEV, "p-team-stg")}, sort_keys=False))

    env = {**os.environ, "PYTHONPATH": str(copy)}
    tests = ["tests/test_urns.py", "tests/test_project_files.py", "tests/test_secrets.py", "tests/test_package.py"]
    pytest_args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-x", *tests]
    before = subprocess.run(pytest_args, cwd=copy, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert before.returncode == 1, before.stdout[-2000:]
    assert "tools.urns --update" in before.stdout or "renamed or moved without an alias" in before.stdout

    update = [sys.executable, "-m", "tools.urns", "--update"]
    subprocess.run(update, cwd=copy, env=env, capture_output=True, text=True, timeout=120, check=True)
    after = subprocess.run(pytest_args, cwd=copy, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert after.returncode == 0, after.stdout[-3000:]
    assert (copy / "tests" / "urns" / "staging.txt").read_text().startswith(f"urn:pulumi:staging::{NS}::")
