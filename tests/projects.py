"""Projects the tests write themselves: a copy of the program with stack files of the tests' own.

Tests that need particular stack values (a dev-like stack, a production one) use these, never the
repository's Pulumi.<stack>.yaml: those belong to whoever adopts the project and may say anything.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import COMPARTMENT, NS, TENANCY, USER
from tools.stackfiles import PROJECT_DIR

DEV: dict[str, Any] = {
    "oci:region": "eu-frankfurt-1",
    f"{NS}:prefix": "p-shop-dev",
    f"{NS}:groupName": "shop-developers",
    f"{NS}:allowListRepositories": True,
    f"{NS}:tenancyOcid": TENANCY,
    f"{NS}:compartmentOcid": COMPARTMENT,
    f"{NS}:region": "fra",
    f"{NS}:tenancyNamespace": "shopns",
    f"{NS}:userOcid": USER,
    f"{NS}:userName": "shop-dev-ci",
    f"{NS}:production": False,
    f"{NS}:images": [{"name": "storefront", "tag": "1.0", "context": "app"}],
}
"""Development: mutable tags, may list every repository, namespace and user name given."""

PROD: dict[str, Any] = {
    "oci:region": "eu-frankfurt-1",
    f"{NS}:prefix": "p-shop-prd",
    f"{NS}:groupName": "shop-release",
    f"{NS}:identityDomain": "shop-domain",
    f"{NS}:tenancyOcid": TENANCY,
    f"{NS}:compartmentOcid": COMPARTMENT,
    f"{NS}:region": "eu-frankfurt-1",
    f"{NS}:userOcid": USER,
    f"{NS}:userDomain": "shop-domain",
    f"{NS}:production": True,
    f"{NS}:images": [{"name": "storefront", "tag": "1.0.0", "context": "app", "platform": "linux/amd64"}],
}
"""Production: protected, immutable, identity-domain group and user, namespace and user looked up."""


def write_project(directory: Path, stacks: dict[str, dict[str, Any]]) -> Path:
    """The program in ``directory`` with one Pulumi.<name>.yaml per entry of ``stacks``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(PROJECT_DIR / name, directory / name)
    if not (directory / "app").exists():
        shutil.copytree(PROJECT_DIR / "app", directory / "app")
    for stack, config in stacks.items():
        (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}, sort_keys=False))
    return directory


def run_plan_diff_script(directory: Path) -> subprocess.CompletedProcess[str]:
    """The preview workflow's own plan-diff script, on two copies of this tree with stack files of the
    tests' own: one stack unchanged, one deleted by the pull request, one added, one whose plan fails."""
    from tests.conftest import valid_config

    workflow = yaml.safe_load((PROJECT_DIR / ".github" / "workflows" / "preview.yml").read_text())
    steps = workflow["jobs"]["plan-diff"]["steps"]
    script = next(step["run"] for step in steps if "tools.plan diff" in step.get("run", ""))
    ignore = shutil.ignore_patterns(
        "venv", ".git", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache", "Pulumi.*.yaml"
    )
    stacks = {
        "base": {
            "kept": valid_config(prefix="p-kept"),
            "dropped": valid_config(prefix="p-dropped"),
            "broken": valid_config(prefix="p-broken"),
        },
        "head": {
            "kept": valid_config(prefix="p-kept"),
            "added": valid_config(prefix="p-added", production=True),
            "broken": valid_config(prefix="P*"),
        },
    }
    for side, configs in stacks.items():
        shutil.copytree(PROJECT_DIR, directory / side, ignore=ignore)
        for stack, config in configs.items():
            (directory / side / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
        python = directory / f"{side}-venv" / "bin" / "python"
        python.parent.mkdir(parents=True)
        python.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
        python.chmod(0o755)
    return subprocess.run(
        ["bash", "-c", script], cwd=directory,
        env={"PATH": "/usr/bin:/bin", "GITHUB_STEP_SUMMARY": str(directory / "summary.md")},
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
