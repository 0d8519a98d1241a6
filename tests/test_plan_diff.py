"""The plan diff: what a reviewer without cloud credentials sees of a change, statement by statement."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TOKEN, Completed, valid_config
from tools import plan
from tools.harness import run_program
from tools.mocks import OcirMocks
from tools.plan_diff import code, diff_plans, render_markdown
from tools.stackfiles import PROJECT_DIR


def document(mocks: OcirMocks | None = None, **overrides: Any) -> dict[str, Any]:
    run = run_program(valid_config(**overrides), mocks=mocks or OcirMocks(plan=True), preview=True)
    return plan.plan_document(run)


def diff_block(markdown: str) -> list[str]:
    """The lines of every ```diff block, in order."""
    lines: list[str] = []
    for body in re.findall(r"^```diff\n(.*?)\n```$", markdown, flags=re.MULTILINE | re.DOTALL):
        lines.extend(body.splitlines())
    return lines


MANAGE = "allow group test-devs to manage repos in tenancy where target.repo.name = /{prefix}-*/"
LIST = (
    "allow group test-devs to inspect repos in tenancy where any "
    "{request.operation='ListDockerRepositories', request.operation='ListContainerRepositories'}"
)


def test_turning_the_list_statement_on_and_off_shows_exactly_that_statement() -> None:
    without, with_list = document(), document(allowListRepositories=True)
    added = render_markdown(without, with_list)
    assert diff_block(added) == [f"  {MANAGE.format(prefix='p-test')}", f"+ {LIST}"]
    assert "IAM statements: **0 removed, 1 added**" in added
    removed = render_markdown(with_list, without)
    assert diff_block(removed) == [f"  {MANAGE.format(prefix='p-test')}", f"- {LIST}"]
    assert "IAM statements: **1 removed, 0 added**" in removed


def test_a_new_prefix_shows_the_old_statement_removed_and_the_new_one_added() -> None:
    markdown = render_markdown(document(prefix="p-old"), document(prefix="p-new"))
    assert diff_block(markdown) == [f"- {MANAGE.format(prefix='p-old')}", f"+ {MANAGE.format(prefix='p-new')}"]
    # Every resource is renamed, so each is a replacement of its old self, named in the diff.
    assert "(replaces `p-old-access-policy`)" in markdown
    assert "- `inputs.name`: `p-old-ocir-policy` → `p-new-ocir-policy`" in markdown
    assert "- `inputs.displayName`: `p-old-api` → `p-new-api`" in markdown
    assert "0 to add" in markdown
    assert "0 to remove" in markdown


def test_added_and_removed_resources_and_changed_inputs() -> None:
    one = document()
    two = document(images=[{"name": "api", "tag": "1.1"}, {"name": "web", "tag": "2.0"}])
    changes = {(c.kind, c.type, c.name) for c in diff_plans(one, two)}
    assert ("added", "oci:Artifacts/containerRepository:ContainerRepository", "p-test-web-repository") in changes
    assert ("added", "docker:index/image:Image", "p-test-web-image") in changes
    assert ("added", "ocir:index:Repository", "p-test-web") in changes
    assert ("added", "ocir:index:Image", "p-test-web") in changes
    assert ("changed", "docker:index/image:Image", "p-test-api-image") in changes
    markdown = render_markdown(one, two)
    assert "- `inputs.imageName`: `fra.ocir.io/<tenancy-namespace>/p-test-api:1.0` → " in markdown
    assert "`fra.ocir.io/<tenancy-namespace>/p-test-api:1.1`" in markdown
    assert "**4 to add, " in markdown
    back = {(c.kind, c.name) for c in diff_plans(two, one)}
    assert {("removed", "p-test-web"), ("removed", "p-test-web-repository"), ("removed", "p-test-web-image")} <= back


def test_option_changes_are_shown() -> None:
    markdown = render_markdown(document(), document(production=True))
    assert "- `options.protect`: `false` → `true`" in markdown
    assert "- `options.retainOnDelete`: `false` → `true`" in markdown
    assert "- `inputs.isImmutable`: `false` → `true`" in markdown


def test_no_changes() -> None:
    markdown = render_markdown(document(), document())
    assert "No changes." in markdown
    assert "**0 to add, 0 to change, 0 to replace, 0 to remove**" in markdown


def test_a_new_stack_has_no_base_plan() -> None:
    markdown = render_markdown(None, document(allowListRepositories=True))
    assert "the stack is new" in markdown
    assert diff_block(markdown) == [f"+ {MANAGE.format(prefix='p-test')}", f"+ {LIST}"]


def test_secrets_stay_masked_even_when_the_token_is_known() -> None:
    # Mocks outside preview know the token; the plan masks it and the diff only ever sees the plan.
    base, head = document(mocks=OcirMocks(token=TOKEN)), document(mocks=OcirMocks(token=TOKEN), prefix="p-other")
    for markdown in (render_markdown(base, head), render_markdown(None, head)):
        assert TOKEN not in markdown
    new_stack = render_markdown(None, head)
    assert "- `inputs.registry.password`: `[secret]`" in new_stack
    assert "- `authToken`: (absent) → `[secret]`" in new_stack


def test_values_cannot_break_out_of_their_code_spans() -> None:
    assert code("a`b") == "``a`b``"
    assert code("`x`") == "`` `x` ``"
    assert code("line\nbreak") == "`line\\nbreak`"
    base = document()
    head = json.loads(json.dumps(base))
    policy = next(r for r in head["resources"] if r["type"] == "oci:Identity/policy:Policy")
    policy["inputs"]["statements"].append("```\n@everyone <img src=x> ``` ")
    markdown = render_markdown(base, head)
    fences = re.findall(r"^`{3,}.*$", markdown, flags=re.MULTILINE)
    assert fences == ["````diff", "````"]


def test_diff_command_reads_two_json_plans(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, head, empty = tmp_path / "base.json", tmp_path / "head.json", tmp_path / "empty.json"
    base.write_text(json.dumps(document()))
    head.write_text(json.dumps(document(allowListRepositories=True)))
    empty.write_text("")
    assert plan.main(["diff", str(base), str(head), "--title", "ocir plan diff"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("### ocir plan diff: stack `test`")
    assert f"+ {LIST}" in out
    assert plan.main(["diff", str(empty), str(head)]) == 0
    assert plan.main(["diff", str(empty), str(empty)]) == 2
    (tmp_path / "bad.json").write_text('{"not": "a plan"}')
    assert plan.main(["diff", str(tmp_path / "bad.json"), str(head)]) == 2


def test_diff_of_the_plans_the_json_command_prints(tmp_path: Path, printed_plans: dict[str, Future[Completed]]) -> None:
    # End to end, as the workflow runs it: two `--json` plans from the command line (tests/conftest.py:
    # started with the session, in the background), then `diff`.
    for stack in ("dev", "prod"):
        printed = printed_plans[stack].result()
        assert printed.returncode == 0, printed.stderr
        (tmp_path / f"{stack}.json").write_text(printed.stdout)
    result = subprocess.run(
        [sys.executable, "-m", "tools.plan", "diff", "dev.json", "prod.json"], cwd=tmp_path,
        env={"PYTHONPATH": str(PROJECT_DIR), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    lines = diff_block(result.stdout)
    assert "- allow group oraas-developers to manage repos in tenancy where target.repo.name = /p-oraas-dev-*/" in lines
    assert (
        "+ allow group 'acme-prod'/'oraas-release' to manage repos in tenancy where target.repo.name = /p-oraas-prd-*/"
        in lines
    )
