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

from tests.conftest import NS, TOKEN, Completed, valid_config
from tools import plan
from tools.engine.mocks import OcirMocks
from tools.harness import run_program
from tools.plan_diff import code, diff_plans, render_markdown
from tools.stackfiles import PROJECT_DIR, encode_config


def document(mocks: OcirMocks | None = None, **overrides: Any) -> dict[str, Any]:
    config = valid_config(**overrides)
    run = run_program(config, mocks=mocks or OcirMocks(plan=True), preview=True)
    return plan.plan_document(run, encode_config(config))


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
    assert "**2 to add, " in markdown
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
    # An empty or missing file is a failed plan command, never "no stack": only --absent says that.
    assert plan.main(["diff", str(empty), str(head)]) == 2
    assert "is empty" in capsys.readouterr().err
    assert plan.main(["diff", str(tmp_path / "missing.json"), str(head)]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert plan.main(["diff", str(tmp_path / "missing.json"), str(head), "--absent", "base"]) == 0
    assert "the stack is new" in capsys.readouterr().out
    assert plan.main(["diff", str(base), str(empty), "--absent", "head"]) == 0
    assert "this change removes the stack" in capsys.readouterr().out
    (tmp_path / "bad.json").write_text('{"not": "a plan"}')
    assert plan.main(["diff", str(tmp_path / "bad.json"), str(head)]) == 2


def test_a_plan_of_a_failed_run_fails_the_diff_with_its_errors(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.projects import DEV, write_project

    broken = write_project(tmp_path / "broken", {"dev": {**DEV, f"{NS}:prefix": "P*"}})
    assert plan.main(["dev", "--json", "--project-dir", str(broken)]) == 1
    printed = capsys.readouterr()
    failed = json.loads(printed.out)
    assert failed["errors"][0].startswith(f"{NS}:prefix: must be lower-case")
    (tmp_path / "head.json").write_text(printed.out)
    assert plan.main(["dev", "--json", "--project-dir", str(project)]) == 0
    (tmp_path / "base.json").write_text(capsys.readouterr().out)
    assert plan.main(["diff", str(tmp_path / "base.json"), str(tmp_path / "head.json")]) == 1
    out = capsys.readouterr().out
    assert "**The plan failed on the head side**; nothing is compared:" in out
    assert f"{NS}:prefix: must be lower-case" in out
    assert "to remove" not in out


def test_diff_of_the_plans_the_json_command_prints(printed_plans: dict[str, Future[Completed]], tmp_path: Path) -> None:
    # End to end, as the workflow runs it: two `--json` plans from the command line, then `diff`.
    env = {"PYTHONPATH": str(PROJECT_DIR), "PATH": "/usr/bin:/bin"}
    for stack, run in printed_plans.items():
        (tmp_path / f"{stack}.json").write_text(run.result(timeout=120).stdout)
    result = subprocess.run(
        [sys.executable, "-m", "tools.plan", "diff", "dev.json", "prod.json"], cwd=tmp_path, env=env,
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    lines = diff_block(result.stdout)
    assert "- allow group shop-developers to manage repos in tenancy where target.repo.name = /p-shop-dev-*/" in lines
    assert (
        "+ allow group 'shop-domain'/'shop-release' to manage repos in tenancy where target.repo.name = /p-shop-prd-*/"
        in lines
    )


# --- risks: each plan pair carries exactly the risks it has ----------------------------------------------


def _risks(base: dict[str, Any] | None, head: dict[str, Any] | None) -> list[str]:
    from tools.plan_diff import risks

    return risks(base, head)


def test_an_unchanged_stack_has_no_risks_and_no_heading() -> None:
    assert _risks(document(production=True), document(production=True)) == []
    assert "Risks" not in render_markdown(document(), document())


def test_a_prefix_change_in_production_names_the_protected_resources_the_update_stops_on() -> None:
    found = _risks(document(production=True), document(production=True, prefix="p-new"))
    protected = [line for line in found if "is protected: `pulumi up` will stop**" in line]
    assert {line.split("`")[3] for line in protected} == {
        "p-test-access-policy",
        "p-test-scanning-policy",
        "p-test-api-repository",
    }
    assert "Repository `p-test-api` leaves the stack but is **retained in OCI with its images**" in "\n".join(found)
    assert any("The **auth token is replaced**" in line for line in found)
    assert any(line.startswith("IAM statement **granted**: `allow group test-devs") for line in found)
    assert len(found) == 6  # three protected, the retained repository, the token, the new statement
    markdown = render_markdown(document(production=True), document(production=True, prefix="p-new"))
    assert markdown.index("#### Risks") < markdown.index("####", markdown.index("#### Risks") + 5)
    assert "(replaces `p-test-access-policy`)" in markdown
    assert "(replaced)" not in markdown  # said once, by "replaces"


def test_an_image_removed_in_dev_deletes_its_repository_and_images() -> None:
    two = document(images=[{"name": "api", "tag": "1.0"}, {"name": "web", "tag": "1.0"}])
    found = _risks(two, document())
    assert found == ["Repository `p-test-web` is **deleted with every image in it**."]


def test_a_rotation_replaces_the_token_and_nothing_else() -> None:
    found = _risks(document(tokenRotation="2026-10"), document(tokenRotation="2026-11"))
    assert len(found) == 1
    assert found[0].startswith("The **auth token is replaced**: everything that logs in with `authToken`")


def test_a_repository_made_public_is_a_risk() -> None:
    private = document(images=[{"name": "api", "tag": "1.0"}])
    public = document(images=[{"name": "api", "tag": "1.0", "public": True}])
    found = _risks(private, public)
    assert found == ["Repository `p-test-api` **becomes public**: anyone can pull its images without logging in."]
    assert _risks(public, private) == []  # back to private is not a risk


def test_a_widened_statement_is_a_risk() -> None:
    base = document()
    head = json.loads(json.dumps(base))
    policy = next(r for r in head["resources"] if r["type"] == "oci:Identity/policy:Policy")
    policy["inputs"]["statements"] = [MANAGE.format(prefix="p-test").replace("-*/", "*/")]
    found = _risks(base, head)
    assert found == [
        "The grant **widens**: `/p-test*/` replaces `/p-test-*/`, so the group may now reach every repository whose "
        "name starts with `p-test`, not only those starting with `p-test-`: other projects' too, if their prefix "
        "starts like this one. Check that none does (the stack's `prefix` config key, docs/isolation.md).",
        f"IAM statement **granted**: `{MANAGE.format(prefix='p-test').replace('-*/', '*/')}`",
    ]


def test_a_prefix_change_that_widens_the_grant_is_a_risk() -> None:
    widened = _risks(document(prefix="p-shop-dev"), document(prefix="p-shop"))
    assert (
        "The grant **widens**: `/p-shop-*/` replaces `/p-shop-dev-*/`, so the group may now reach every repository "
        "whose name starts with `p-shop-`, not only those starting with `p-shop-dev-`: other projects' too, if their "
        "prefix starts like this one. Check that none does (the stack's `prefix` config key, docs/isolation.md)."
    ) in widened
    markdown = render_markdown(document(prefix="p-shop-dev"), document(prefix="p-shop"))
    assert "- The grant **widens**: `/p-shop-*/` replaces `/p-shop-dev-*/`" in markdown.split("#### Risks", 1)[1]
    # Narrowing, or moving to an unrelated prefix, widens nothing.
    for base, head in (("p-shop", "p-shop-dev"), ("p-shop-dev", "p-finch"), ("p-shop", "p-shopx")):
        assert not any("widens" in line for line in _risks(document(prefix=base), document(prefix=head))), head


def test_deleting_the_policy_is_a_risk() -> None:
    found = _risks(document(), None)
    assert any(line.startswith("The IAM policy `p-test-access-policy` is **deleted**") for line in found)
    assert any("is **deleted with every image in it**" in line for line in found)
    assert any("The **auth token is deleted**" in line for line in found)


def test_counts_cover_cloud_resources_only() -> None:
    markdown = render_markdown(None, document())
    # policy, token, repository, image: not the components, nor the login check.
    assert "**4 to add, 0 to change, 0 to replace, 0 to remove**" in markdown


def test_aliases_read_as_text() -> None:
    resources = document()["resources"]
    image = next(r for r in resources if r["type"] == "ocir:index:Image")
    assert image["options"]["aliases"] == ["was of type ocir:index:RepositoryImage"]
    repository = next(r for r in resources if r["type"].endswith("ContainerRepository"))
    assert repository["options"]["aliases"][0].startswith(
        f"was urn:pulumi:test::{NS}::ocir:index:OcirProject$ocir:index:RepositoryImage$"
    )


def test_the_plan_shows_the_default_providers_and_their_region() -> None:
    region: dict[str, Any] = {"oci:region": "eu-frankfurt-1"}
    providers = {p["type"]: p for p in document(None, **region)["providers"]}
    assert set(providers) == {"pulumi:providers:oci", "pulumi:providers:docker"}
    assert providers["pulumi:providers:oci"]["config"] == {"region": "eu-frankfurt-1"}
    assert providers["pulumi:providers:oci"]["version"] == "5.5.0"
    # The engine's name for it (pkg/resource/deploy/providers/provider.go, DefaultName): not "default".
    assert providers["pulumi:providers:oci"]["name"] == "default_5_5_0"
    unset = {p["type"]: p for p in document()["providers"]}
    assert unset["pulumi:providers:oci"]["config"]["region"].startswith("(from the OCI config file")


# --- replacements that keep the URN: the engine's trigger rule and the providers' replace-forcing inputs ------

OTHER_USER = "ocid1.user.oc1..aaaaaaaaanotherpushuser0000000000000000000000000000000000000"
OTHER_TENANCY = "ocid1.tenancy.oc1..aaaaaaaaanothertenancy0000000000000000000000000000000000"


def _change(base: dict[str, Any], head: dict[str, Any], type_: str) -> Any:
    (change,) = [c for c in diff_plans(base, head) if c.type == type_]
    return change


def test_a_new_push_user_replaces_the_auth_token() -> None:
    base, head = document(), document(userOcid=OTHER_USER)
    change = _change(base, head, "oci:Identity/authToken:AuthToken")
    assert change.kind == "replaced"
    assert change.old_name is None  # the same URN
    assert change.reasons[0].startswith("userId changed and the provider replaces on it (oracle/terraform-provider-oci")
    assert any(line.startswith("The **auth token is replaced**") for line in _risks(base, head))
    markdown = render_markdown(base, head)
    assert "1 to replace" in markdown
    assert "Replaced because `userId changed and the provider replaces on it" in markdown


def test_a_new_tenancy_replaces_the_protected_production_policies_and_the_update_stops() -> None:
    base, head = document(production=True), document(production=True, tenancyOcid=OTHER_TENANCY)
    found = _risks(base, head)
    stopped = [line for line in found if "is protected: `pulumi up` will stop** rather than replace it" in line]
    assert {line.split("`")[3] for line in stopped} == {"p-test-access-policy", "p-test-scanning-policy"}
    assert all("compartmentId changed and the provider replaces on it" in line for line in stopped)


def test_a_new_tenancy_outside_production_replaces_the_policy_creating_the_new_one_first() -> None:
    found = _risks(document(), document(tenancyOcid=OTHER_TENANCY))
    assert any(
        line.startswith("The IAM policy `p-test-access-policy` is **replaced** (compartmentId") for line in found
    )


def test_upgrading_from_a_plan_without_a_token_trigger_replaces_nothing() -> None:
    head = document()
    base = json.loads(json.dumps(head))
    (token,) = [r for r in base["resources"] if r["type"] == "oci:Identity/authToken:AuthToken"]
    del token["options"]["replacementTrigger"]  # what the previous version's plan shows: no trigger at all
    assert [c for c in diff_plans(base, head) if c.kind == "replaced"] == []
    # ... and from there the first label replaces the token.
    rotated = _change(head, document(tokenRotation="2026-12"), "oci:Identity/authToken:AuthToken")
    assert rotated.kind == "replaced"
    assert rotated.reasons[0] == "its replacement trigger changed ('' → '2026-12')"


def test_removing_the_rotation_label_replaces_the_token() -> None:
    change = _change(document(tokenRotation="2026-12"), document(), "oci:Identity/authToken:AuthToken")
    assert (change.kind, change.reasons[0]) == ("replaced", "its replacement trigger changed ('2026-12' → '')")


MULTI_IMAGE = {"name": "api", "tag": "1.0", "platforms": ["linux/amd64", "linux/arm64"]}


def test_a_new_index_tag_replaces_the_index_and_keeps_the_old_manifest() -> None:
    base, head = document(images=[MULTI_IMAGE]), document(images=[{**MULTI_IMAGE, "tag": "1.1"}])
    change = _change(base, head, "docker-build:index:Index")
    assert change.kind == "replaced"
    assert change.reasons[0].startswith("tag changed and the provider replaces on it (pulumi/pulumi-docker-build")
    assert change.removes is None  # retained on delete
    assert not any("docker-build:index:Index" in line for line in _risks(base, head))


def test_a_new_index_tag_from_a_state_without_retain_on_delete_deletes_the_manifest() -> None:
    base, head = document(images=[MULTI_IMAGE]), document(images=[{**MULTI_IMAGE, "tag": "1.1"}])
    (index,) = [r for r in base["resources"] if r["type"] == "docker-build:index:Index"]
    del index["options"]["retainOnDelete"]  # the plan of the previous version
    (line,) = [line for line in _risks(base, head) if "docker-build:index:Index" in line]
    assert "is replaced, and its Delete **removes the pushed index manifest" in line
    assert "deploy this version once without changing tags" in line


def test_a_new_region_replaces_the_index_on_its_registry_address() -> None:
    base, head = document(images=[MULTI_IMAGE]), document(images=[MULTI_IMAGE], region="iad")
    change = _change(base, head, "docker-build:index:Index")
    assert change.kind == "replaced"
    assert any(reason.startswith("registry.address changed") for reason in change.reasons)


def test_the_text_plan_marks_the_inputs_that_replace() -> None:
    run = run_program(valid_config(images=[MULTI_IMAGE]), mocks=OcirMocks(plan=True), preview=True)
    text = plan.render_text(plan.plan_document(run))
    assert "userId (replaces): " in text
    assert "compartmentId (replaces): " in text
    assert "tag (replaces): " in text
    assert "address (replaces): fra.ocir.io" in text
    assert "description (replaces)" not in text
