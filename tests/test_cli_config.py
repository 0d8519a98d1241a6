"""What the Pulumi CLI does with the project's config before the program runs, as tools/stackfiles.py and
tools/plan.py mirror it: declared keys in the project's namespace, required keys and types checked first
(pulumi/pulumi pkg/workspace/config.go), `pulumi new`'s prompts, and the default providers' names.

Every test writes a project of its own under tmp_path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import NS
from tests.projects import DEV, write_project
from tools import plan
from tools.plan import default_provider_name
from tools.stackfiles import StackFileError, check_declared_config, load_stack_config, new_stack_config, project_name

NAME = "billing"


def _project(directory: Path, config: dict[str, Any], **stacks: dict[str, Any]) -> Path:
    document = {"name": NAME, "runtime": "python", "config": config}
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(document))
    for stack, values in stacks.items():
        (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": values}))
    return directory


def _refusal(directory: Path, stack: str = "dev") -> str:
    with pytest.raises(StackFileError) as refused:
        check_declared_config(stack, directory)
    return str(refused.value)


def test_declared_keys_are_the_projects_and_take_their_defaults(tmp_path: Path) -> None:
    declared = {"prefix": {"type": "string"}, "production": {"type": "boolean", "default": False}}
    project = _project(tmp_path, declared, dev={f"{NAME}:prefix": "p-dev", "oci:region": "fra"})
    check_declared_config("dev", project)
    config = load_stack_config("dev", project)
    assert config.project == project_name(project) == NAME
    assert config.values == {f"{NAME}:prefix": "p-dev", f"{NAME}:production": "false", "oci:region": "fra"}


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        (["prefix"], "Stack 'dev' is missing configuration value 'prefix'"),
        (["prefix", "groupName"], "Stack 'dev' is missing configuration values 'groupName' and 'prefix'"),
        (
            ["prefix", "groupName", "region"],
            "Stack 'dev' is missing configuration values 'groupName', 'prefix' and 'region'",
        ),
    ],
)
def test_a_required_key_missing_is_refused_with_the_clis_line(tmp_path: Path, missing: list[str], message: str) -> None:
    # pkg/workspace/config.go, missingStackConfigurationKeysError: the keys as Pulumi.yaml writes them, sorted.
    declared = {name: {"type": "string"} for name in ("prefix", "groupName", "region", "userOcid")}
    values = {f"{NAME}:{name}": "x" for name in declared if name not in missing}
    assert _refusal(_project(tmp_path, declared, dev=values)) == message


def test_a_key_set_under_another_namespace_does_not_count(tmp_path: Path) -> None:
    project = _project(tmp_path, {"prefix": {"type": "string"}}, dev={"elsewhere:prefix": "p-dev"})
    assert _refusal(project) == "Stack 'dev' is missing configuration value 'prefix'"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ([], True),
        ([{"name": "api", "tag": "1.0"}, {"name": "web"}], True),
        ("api", False),
        ({"name": "api"}, False),
        ([{"name": "api"}, "web"], False),
        ([["api"]], False),
    ],
)
def test_images_must_be_an_array_of_objects(tmp_path: Path, value: Any, valid: bool) -> None:
    # sdk/go/common/workspace/project.go, ValidateConfigValue with items of type object (CLI 3.187.0).
    declared = {"images": {"type": "array", "items": {"type": "object"}, "default": []}}
    project = _project(tmp_path, declared, dev={f"{NAME}:images": value})
    if valid:
        check_declared_config("dev", project)
    else:
        assert _refusal(project) == "Stack 'dev' with configuration key 'images' must be of type 'array<object>'"


@pytest.mark.parametrize(
    ("type_", "value", "valid"),
    [
        ("boolean", True, True),
        ("boolean", "false", True),
        ("boolean", "yes", False),
        ("string", "p-dev", True),
        ("string", 12, True),  # the CLI keeps a scalar as its text: a number is a string
        ("string", ["a"], False),
        ("integer", 3, True),
        ("integer", "3", True),
        ("integer", "three", False),
    ],
)
def test_scalar_types_as_the_cli_reads_them(tmp_path: Path, type_: str, value: Any, valid: bool) -> None:
    project = _project(tmp_path, {"key": {"type": type_}}, dev={f"{NAME}:key": value})
    if valid:
        check_declared_config("dev", project)
    else:
        assert _refusal(project) == f"Stack 'dev' with configuration key 'key' must be of type '{type_}'"


def test_a_secret_key_must_be_set_secure(tmp_path: Path) -> None:
    declared = {"password": {"type": "string", "secret": True}}
    assert _refusal(_project(tmp_path, declared, dev={f"{NAME}:password": "plain"})) == (
        "Stack 'dev' with configuration key 'password' must be encrypted as it's secret"
    )
    check_declared_config("dev", _project(tmp_path, declared, dev={f"{NAME}:password": {"secure": "AAAB"}}))


def test_an_untyped_key_is_not_checked(tmp_path: Path) -> None:
    check_declared_config("dev", _project(tmp_path, {"loose": {"default": ""}}, dev={f"{NAME}:loose": [1, "a"]}))


def test_a_pulumi_yaml_without_a_name_is_refused(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("runtime: python\n")
    with pytest.raises(StackFileError, match="project is missing a 'name' attribute"):
        project_name(tmp_path)


def test_pulumi_new_writes_bare_prompts_under_the_project_it_names_and_skips_empty_answers(tmp_path: Path) -> None:
    # pkg/cmd/pulumi/project/newcmd/config.go: resolveTemplateConfig prefixes a key without ':' with the project
    # the user named; a key with one keeps it; encryptTemplateConfig saves no empty value; every value a string.
    template = {
        "prefix": {"description": "p"},
        "production": {"description": "p", "default": "false"},
        "userName": {"description": "u"},
        "oci:region": {"description": "r", "default": "eu-frankfurt-1"},
    }
    (tmp_path / "Pulumi.yaml").write_text(yaml.safe_dump({"name": "template", "template": {"config": template}}))
    assert new_stack_config(tmp_path, "web-shop", {"prefix": "p-shop", "userName": ""}) == {
        "web-shop:prefix": "p-shop",
        "web-shop:production": "false",
        "oci:region": "eu-frankfurt-1",
    }


def test_the_plan_of_a_stack_the_cli_would_refuse_prints_the_clis_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # `make plan` says what `pulumi preview` would, not the program's line: the CLI stops before the program.
    dev = {key: value for key, value in DEV.items() if key != f"{NS}:prefix"}
    write_project(tmp_path, {"dev": dev})
    assert plan.main(["dev", "--json", "--project-dir", str(tmp_path)]) == 1
    printed = capsys.readouterr()
    assert printed.err == "Stack 'dev' is missing configuration value 'prefix'\n"
    assert json.loads(printed.out) == {
        "project": NS,
        "stack": "dev",
        "errors": ["Stack 'dev' is missing configuration value 'prefix'"],
    }


@pytest.mark.parametrize(
    ("version", "name"),
    [
        (None, "default"),
        ("5.5.0", "default_5_5_0"),
        ("0.0.22", "default_0_0_22"),
        ("3.1.0-alpha.1", "default_3_1_0_alpha_1"),
        ("1.2.3-rc.4+build.7", "default_1_2_3_rc_4_build_7"),
    ],
)
def test_default_providers_are_named_after_the_version_asked_for(version: str | None, name: str) -> None:
    # pkg/resource/deploy/providers/provider.go, ProviderRequest.DefaultName.
    assert default_provider_name(version) == name


def test_a_version_that_is_not_semver_is_refused() -> None:
    with pytest.raises(ValueError, match="not a semantic version"):
        default_provider_name("5.5")
