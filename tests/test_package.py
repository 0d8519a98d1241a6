"""The component package: its schema, the YAML example, the construct path other languages take, and a
program written against the public API alone."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import pulumi
import pytest
import yaml

import components
from components import OcirProject, OcirProjectArgs
from components.provider import COMPONENTS, OcirProvider, schema
from tests.conftest import NS, TENANCY, TOKEN, USER
from tools import schema as schema_tool
from tools.engine.mocks import OcirMocks
from tools.engine.wire import mask
from tools.harness import StackRun, evaluate, run_stack
from tools.stackfiles import PROJECT_DIR, load_stack_config, stack_names

SCHEMA = schema()
PACKAGE = PROJECT_DIR / "components"


def test_the_schema_matches_the_reviewed_snapshot() -> None:
    committed = (PACKAGE / "schema.json").read_text()
    assert schema_tool.render() == committed, (
        "the package schema changed: review `python -m tools.schema`, then `python -m tools.schema --update`"
    )


def test_the_schema_command_prints_the_served_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert schema_tool.main([]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(OcirProvider().schema or "")


def test_every_component_is_served_under_the_package_token() -> None:
    assert sorted(SCHEMA["resources"]) == sorted(f"ocir:index:{component.__name__}" for component in COMPONENTS)
    assert {"OcirProject", "RepositoryAccessPolicy", "RegistryCredentials", "Repository", "Image"} <= {
        component.__name__ for component in COMPONENTS
    }
    for token, resource in SCHEMA["resources"].items():
        assert resource["isComponent"] is True, token


def _properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for token, resource in schema["resources"].items():
        for kind in ("inputProperties", "properties"):
            found += [(f"{token}.{kind}.{name}", prop) for name, prop in resource.get(kind, {}).items()]
    for token, type_ in schema["types"].items():
        found += [(f"{token}.{name}", prop) for name, prop in type_.get("properties", {}).items()]
    return found


def test_every_component_type_and_property_is_described() -> None:
    for token, resource in SCHEMA["resources"].items():
        assert resource.get("description", "").strip(), token
    missing = [path for path, prop in _properties(SCHEMA) if not prop.get("description", "").strip()]
    assert missing == []
    # Descriptions read as prose in generated SDKs: no docstring indentation left over.
    assert [
        path for path, prop in _properties(SCHEMA) if "  " in prop["description"] or "\n" in prop["description"]
    ] == []


def test_required_inputs_are_what_a_project_cannot_do_without() -> None:
    project = SCHEMA["resources"]["ocir:index:OcirProject"]
    assert sorted(project["requiredInputs"]) == ["groupName", "prefix", "region", "tenancyOcid", "userOcid"]
    image = SCHEMA["types"]["ocir:index:ProjectImageArgs"]
    assert sorted(image["required"]) == ["name", "tag"]
    # What must be known when the project is declared (it names resources, decides how many there are, or
    # makes the statements) is plain: a generated SDK refuses an Output there at compile time.
    inputs = project["inputProperties"]
    for name in ("prefix", "groupName", "region", "images", "identityDomain", "protect", "tokenRotation"):
        assert inputs[name].get("plain") is True, name
    for name in ("name", "platforms", "context", "repositoryOcid"):
        assert image["properties"][name].get("plain") is True, name
    # What may come from another resource, or be a secret, is an Input (checked when it resolves).
    for name in ("tenancyOcid", "userOcid", "compartmentOcid", "tenancyNamespace", "userName"):
        assert inputs[name].get("plain") is None, name
    for name in ("tag", "sourceReference", "sourcePlatformDigests", "promotedFrom"):
        assert image["properties"][name].get("plain") is None, name
    registry = SCHEMA["types"]["ocir:index:RegistryAuthArgs"]["properties"]
    assert [name for name, prop in registry.items() if prop.get("plain")] == []


def test_the_auth_token_is_a_secret_output() -> None:
    assert SCHEMA["resources"]["ocir:index:OcirProject"]["properties"]["authToken"]["secret"] is True
    assert SCHEMA["resources"]["ocir:index:RegistryCredentials"]["properties"]["password"]["secret"] is True
    secret = [path for path, prop in _properties(SCHEMA) if prop.get("secret")]
    assert sorted(secret) == [
        "ocir:index:OcirProject.properties.authToken",
        "ocir:index:OcirProject.properties.pullSecret",
        "ocir:index:RegistryCredentials.properties.password",
    ]


PLUGIN_PROJECT_FIELDS = {"runtime", "packages", "requiredPulumiVersion", "template"}
"""What the CLI reads from PulumiPlugin.yaml (pulumi/pulumi sdk/go/common/workspace/project.go, PluginProject):
anything else is silently ignored, so it must not be written there as if it counted."""


def test_the_package_carries_one_version() -> None:
    plugin = yaml.safe_load((PACKAGE / "PulumiPlugin.yaml").read_text())
    assert plugin["runtime"] == "python"
    assert set(plugin) <= PLUGIN_PROJECT_FIELDS
    # The one version: the provider serves it (schema, GetPluginInfo) and the CHANGELOG names it.
    assert SCHEMA["name"] == "ocir"
    assert SCHEMA["version"] == components.__version__ == OcirProvider().version
    assert f"## {components.__version__}" in (PROJECT_DIR / "CHANGELOG.md").read_text()


def test_the_plugin_installs_what_the_program_pins() -> None:
    def pins(path: Path) -> dict[str, str]:
        lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
        return dict(line.split("==") for line in lines if line)

    program = pins(PROJECT_DIR / "requirements.txt")
    plugin = pins(PACKAGE / "requirements.txt")
    assert plugin == {name: program[name] for name in ("pulumi", "pulumi-oci", "pulumi-docker", "pulumi-docker-build")}


def test_the_package_does_not_import_the_program_or_its_config() -> None:
    for path in PACKAGE.glob("*.py"):
        source = path.read_text()
        assert not re.search(r"^\s*(from|import) (stackconfig|tools|policy)\b", source, re.MULTILINE), path.name


# --- the YAML example ----------------------------------------------------------------------------------


def _type_properties(token: str) -> dict[str, Any]:
    if token in SCHEMA["resources"]:
        return dict(SCHEMA["resources"][token]["inputProperties"])
    return dict(SCHEMA["types"][token]["properties"])


def _check_value(value: Any, prop: dict[str, Any], where: str) -> list[str]:
    """Problems of a YAML value against a schema property (literal values only; ${...} is left to Pulumi)."""
    if isinstance(value, str) and value.startswith("${"):
        return []
    if "$ref" in prop:
        token = prop["$ref"].removeprefix("#/types/")
        return _check_object(value, token, where)
    kind = prop.get("type")
    if kind == "array":
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        return [
            problem for i, item in enumerate(value) for problem in _check_value(item, prop["items"], f"{where}[{i}]")
        ]
    if kind == "object":
        if not isinstance(value, dict):
            return [f"{where}: expected a map"]
        inner = prop["additionalProperties"]
        return [p for key, item in value.items() for p in _check_value(item, inner, f"{where}.{key}")]
    expected: dict[str, Any] = {"string": str, "boolean": bool, "integer": int, "number": (int, float)}
    if not isinstance(kind, str) or kind not in expected:
        return [f"{where}: no type {kind!r} in the schema"]
    return [] if isinstance(value, expected[kind]) else [f"{where}: expected {kind}, got {value!r}"]


def _check_object(value: Any, token: str, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where}: expected an object of {token}"]
    properties = _type_properties(token)
    required = (
        SCHEMA["resources"][token]["requiredInputs"]
        if token in SCHEMA["resources"]
        else SCHEMA["types"][token].get("required", [])
    )
    problems = [f"{where}.{name}: unknown property of {token}" for name in value if name not in properties]
    problems += [f"{where}: {token} requires {name}" for name in required if name not in value]
    for name, item in value.items():
        if name in properties:
            problems += _check_value(item, properties[name], f"{where}.{name}")
    return problems


def _yaml_program() -> dict[str, Any]:
    program: dict[str, Any] = yaml.safe_load((PROJECT_DIR / "examples" / "yaml" / "Pulumi.yaml").read_text())
    return program


def test_the_yaml_example_uses_the_package_by_its_path() -> None:
    program = _yaml_program()
    assert program["runtime"] == "yaml"
    package = (PROJECT_DIR / "examples" / "yaml" / program["packages"]["ocir"]).resolve()
    assert package == PACKAGE


def test_every_type_and_property_the_yaml_example_uses_is_in_the_schema() -> None:
    program = _yaml_program()
    used = [(name, resource) for name, resource in program["resources"].items() if resource["type"].startswith("ocir:")]
    assert used
    problems: list[str] = []
    for name, resource in used:
        token = resource["type"]
        if token not in SCHEMA["resources"]:
            problems.append(f"{name}: no resource {token} in the schema")
            continue
        problems += _check_object(resource.get("properties", {}), token, name)
    # Outputs it reads exist on the component.
    for output, expression in program.get("outputs", {}).items():
        match = re.fullmatch(r"\$\{(\w+)\.(\w+).*\}", expression)
        assert match, output
        token = program["resources"][match[1]]["type"]
        if match[2] not in SCHEMA["resources"][token]["properties"]:
            problems.append(f"outputs.{output}: {token} has no output {match[2]}")
    assert problems == []


def test_the_yaml_checker_catches_a_wrong_property() -> None:
    broken = {"prefix": "p-x", "groupName": "g", "tenancyOcid": "t", "region": "fra", "userOcid": "u"}
    assert _check_object(broken, "ocir:index:OcirProject", "r") == []
    assert _check_object({**broken, "prefx": "p"}, "ocir:index:OcirProject", "r") == [
        "r.prefx: unknown property of ocir:index:OcirProject"
    ]
    assert _check_object({**broken, "images": [{"name": "api"}]}, "ocir:index:OcirProject", "r") == [
        "r.images[0]: ocir:index:ProjectImageArgs requires tag"
    ]


# --- the construct path ---------------------------------------------------------------------------------

ARGS: OcirProjectArgs = {
    "prefix": "p-shop",
    "group_name": "shop devs",
    "identity_domain": "acme",
    "tenancy_ocid": TENANCY,
    "region": "eu-frankfurt-1",
    "user_ocid": USER,
    "allow_list_repositories": True,
    "user_domain": "acme",
    "token_rotation": "2026-11",
    "protect": True,
    "freeform_tags": {"team": "shop"},
    "images": [
        {"name": "api", "tag": "1.0", "platform": "linux/amd64", "build_args": {"MODE": "prod"}, "immutable": True},
        {"name": "web", "tag": "2.0", "public": True},
    ],
}


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word.title() for word in rest)


def _wire(value: Any, key: str = "") -> Any:
    """Args as another language sends them: property names in camelCase (map keys kept as written)."""
    if isinstance(value, dict) and key not in ("freeform_tags", "build_args"):
        return {_camel(name): _wire(item, name) for name, item in value.items()}
    if isinstance(value, list):
        return [_wire(item) for item in value]
    return value


def _declared(run: StackRun) -> list[tuple[str, str, Any, bool, bool, list[str]]]:
    """What the engine would be asked to create, secrets masked (so a failure never prints the token)."""
    return sorted(
        (
            r.urn,
            r.parent,
            _without_pickle(mask(r.inputs)),
            bool(r.protect),
            bool(r.retain_on_delete),
            sorted(r.dependencies),
        )
        for r in run.resources
    )


def _without_pickle(inputs: dict[str, Any]) -> Any:
    # A dynamic resource's provider travels as a dill pickle, whose bytes vary between runs of one code,
    # and the mocks number the IDs they make up in the order they are asked: neither is the program's.
    kept = {key: value for key, value in inputs.items() if key != "__provider"}
    return json.loads(re.sub(r"\.mock\d+", ".mock", json.dumps(kept)))


def _mocks() -> OcirMocks:
    return OcirMocks(token=TOKEN, namespace="shopns", user_name="shop-ci")


def test_construct_declares_what_the_python_component_declares() -> None:
    def python_program() -> None:
        OcirProject("shop", ARGS)

    def construct_program() -> None:
        result = OcirProvider().construct("shop", "ocir:index:OcirProject", _wire(ARGS), pulumi.ResourceOptions())
        pulumi.export("urn", result.urn)

    python = evaluate(python_program, mocks=_mocks())
    constructed = evaluate(construct_program, mocks=_mocks())
    # The project, the policy (2), the credentials (2), per image its repository (2) and image (2).
    assert len(python.resources) == 13
    assert _declared(constructed) == _declared(python)
    assert constructed.leaks(TOKEN) == []


def test_construct_refuses_bad_arguments_naming_them_before_declaring_anything() -> None:
    def program() -> None:
        OcirProvider().construct("shop", "ocir:index:OcirProject", _wire({**ARGS, "prefix": "P*"}), None)

    run = evaluate(program, mocks=_mocks(), raise_errors=False)
    assert run.error is not None
    assert "OcirProjectArgs.prefix: must be lower-case letters and digits" in str(run.error)
    assert run.resources == []


def test_construct_refuses_a_missing_required_input() -> None:
    inputs = _wire(ARGS)
    del inputs["groupName"]

    def program() -> None:
        OcirProvider().construct("shop", "ocir:index:OcirProject", inputs, None)

    run = evaluate(program, mocks=_mocks(), raise_errors=False)
    assert "Missing required input 'groupName' on 'OcirProject'" in str(run.error)
    assert run.resources == []


# --- a program written against the public API -------------------------------------------------------


def _scratch_program(stack: str) -> str:
    """The program a second project would write with the package, with this stack file's values."""
    config = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text())["config"]
    values = {key.removeprefix(f"{NS}:"): value for key, value in config.items() if key.startswith(f"{NS}:")}
    args: dict[str, Any] = {}
    for key, value in values.items():
        if key == "images":
            images = [_snake_keys(image) for image in value]
            for image in images:
                image.setdefault("immutable", bool(values.get("production")))
            args["images"] = images
        elif key == "production":
            args["protect"] = bool(value)
        elif value not in ("", None) and key != "allowListRepositories":
            args[_snake(key)] = value
    args["allow_list_repositories"] = bool(values.get("allowListRepositories"))
    args["freeform_tags"] = {"managed-by": "pulumi", "pulumi-stack": f"{NS}/{stack}"}
    prefix = values["prefix"]
    return f"from components import OcirProject\n\nproject = OcirProject({prefix!r}, {args!r})\n"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", lambda match: "_" + match[1].lower(), name)


def _snake_keys(image: dict[str, Any]) -> dict[str, Any]:
    return {_snake(key): value for key, value in image.items()}


BUILDING_STACKS = [stack for stack in stack_names() if not load_stack_config(stack).values.get(f"{NS}:promoteFrom")]


def test_there_is_a_building_stack_to_compare() -> None:
    assert BUILDING_STACKS, "every stack file promotes: nothing to compare the public API with"


@pytest.mark.parametrize("stack", BUILDING_STACKS)
def test_a_program_using_only_the_public_api_declares_what_the_ocir_program_declares(
    stack: str, tmp_path: Path
) -> None:
    source = _scratch_program(stack)
    namespace: dict[str, Any] = {}

    def program() -> None:
        exec(compile(source, str(tmp_path / "__main__.py"), "exec"), namespace)  # noqa: S102 (the test's own program)

    scratch = evaluate(program, stack=stack, mocks=_mocks())
    ocir = run_stack(stack, mocks=_mocks())
    # The ocir program also reads the user's tokens (an invoke, no resource); resources are the same.
    assert _declared(scratch) == _declared(ocir)


def test_the_plugin_entry_point_serves_the_provider_when_run_as_a_script(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The CLI runs the package folder's __main__.py as a script (no package context); it must reach the
    # provider's own command line, which then asks for the engine's address the CLI would pass.
    import runpy

    monkeypatch.setattr(sys, "argv", [str(PACKAGE / "__main__.py")])
    with pytest.raises(SystemExit) as exited:
        runpy.run_path(str(PACKAGE / "__main__.py"), run_name="__main__")
    assert exited.value.code == 2
    assert "the following arguments are required: engine" in capsys.readouterr().err
