"""Print what a stack declares, without a cloud account: the ocir program run under Pulumi's mocks.

    python -m tools.plan [STACK] [--json]
    python -m tools.plan diff BASE.json HEAD.json     (see tools/plan_diff.py)

Reads Pulumi.yaml and Pulumi.<STACK>.yaml the way the Pulumi CLI would, evaluates __main__.py
in-process under mocks as a preview, and prints every resource it declares (type, name, the
inputs that matter, the exact policy statements, the image references), the lookups it would
make and the stack outputs. Secrets are masked; values only the cloud can know are shown as
"(known after apply)". Exit status 1 with the config errors (one line per key) when the stack's
config is invalid, 2 when the stack file does not exist.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import plan_diff
from .engine.mocks import OcirMocks
from .engine.rules import rules_for
from .engine.wire import UNKNOWN, is_secret, secret_paths
from .harness import StackRun, run_stack
from .plan_diff import is_cloud_resource
from .stackfiles import PROJECT_DIR, StackFileError, load_stack_config, project_name, stack_names
from .stacks import prefix_overlaps

SECRET = "[secret]"
COMPUTED = "(known after apply)"


def _shown(value: Any) -> Any:
    """Secrets masked and unknowns spelled out: the only form in which values leave this module."""
    if is_secret(value):
        return SECRET
    if value == UNKNOWN:
        return COMPUTED
    if isinstance(value, dict):
        return {key: _shown(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [_shown(item) for item in value]
    return value


def alias_text(alias: dict[str, Any], resource: Any) -> str:
    """An alias as a reviewer reads it: the identity the resource had before."""
    if "urn" in alias:
        return f"was {alias['urn']}"
    spec = alias.get("spec", {})
    parts = []
    if spec.get("name") and spec["name"] != resource.name:
        parts.append(f"named {spec['name']}")
    if spec.get("type") and spec["type"] != resource.type:
        parts.append(f"of type {spec['type']}")
    if spec.get("noParent"):
        parts.append("without a parent")
    elif spec.get("parentUrn"):
        parts.append(f"under {spec['parentUrn']}")
    if spec.get("stack") or spec.get("project"):
        project = spec.get("project") or resource.urn.split("::")[1]
        parts.append(f"in {project}/{spec.get('stack') or run_stack_name(resource)}")
    return "was " + (", ".join(parts) if parts else "the same resource")


def run_stack_name(resource: Any) -> str:
    return str(resource.urn.split("::")[0].rsplit(":", 1)[1])


def _package_version(package: str) -> str | None:
    """The version the package's SDK asks the engine for: every resource's `version` option is its
    `_utilities.get_version()`, the package's version in semver (pulumi_oci/_utilities.py,
    get_resource_opts_defaults)."""
    try:
        utilities = importlib.import_module(f"pulumi_{package.replace('-', '_')}._utilities")
    except ImportError:
        return None
    version = utilities.get_version()
    return str(version) if version else None


_SEMVER = re.compile(r"(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?")


def default_provider_name(version: str | None) -> str:
    """The name the engine gives the default provider of a package the program asks for at ``version``.

    pulumi/pulumi pkg/resource/deploy/providers/provider.go, ``ProviderRequest.DefaultName``: "default",
    then, when a version is requested, ``_<major>_<minor>_<patch>`` and ``_<identifier>`` for each
    pre-release and build identifier (QNames may not hold dashes or dots). A plugin download URL would
    be appended too; none of the packages the program uses sets one.
    """
    if not version:
        return "default"
    match = _SEMVER.fullmatch(version)
    if not match:
        raise ValueError(f"not a semantic version: {version!r}")
    major, minor, patch, pre, build = match.groups()
    parts = ["default", str(int(major)), str(int(minor)), str(int(patch))]
    parts += pre.split(".") if pre else []
    parts += build.split(".") if build else []
    return "_".join(parts)


def default_providers(run: StackRun, config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The providers the engine creates for resources that name none, with the stack's config for them.

    Under mocks the SDK never registers these (the engine would), so the plan reads them off the
    resources: every package a resource uses without an explicit provider.
    """
    packages = sorted(
        {
            r.type.split(":", 1)[0]
            for r in run.resources
            if r.custom and not r.provider and not r.type.startswith(("pulumi:", "pulumi-python:"))
        }
    )
    providers = []
    for package in packages:
        settings = {
            key.split(":", 1)[1]: SECRET if key in _secret_keys(config) else value
            for key, value in sorted(config.items())
            if key.startswith(f"{package}:")
        }
        if package == "oci" and "region" not in settings:
            settings["region"] = "(from the OCI config file, or TF_VAR_region)"
        version = _package_version(package)
        providers.append(
            {
                "type": f"pulumi:providers:{package}",
                "name": default_provider_name(version),
                "version": version,
                "config": settings,
            }
        )
    return providers


def _secret_keys(config: Mapping[str, Any]) -> set[str]:
    return {key for key, value in config.items() if value == "[secret]"}


def plan_document(run: StackRun, config: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The plan as plain data (what --json prints)."""
    names = {resource.urn: resource.name for resource in run.resources}
    resources = []
    for depth, resource in run.walk():
        options: dict[str, Any] = {}
        if resource.additional_secret_outputs:
            options["additionalSecretOutputs"] = sorted(resource.additional_secret_outputs)
        if resource.protect is not None:
            options["protect"] = resource.protect
        if resource.retain_on_delete is not None:
            options["retainOnDelete"] = resource.retain_on_delete
        if resource.delete_before_replace is not None:
            # false: a replacement creates the new resource before deleting the old one
            options["deleteBeforeReplace"] = resource.delete_before_replace
        if resource.replacement_trigger is not None:
            options["replacementTrigger"] = resource.replacement_trigger
        if resource.import_id:
            # adopted: the engine imports this existing resource instead of creating one
            options["import"] = resource.import_id
        if resource.aliases:
            options["aliases"] = [alias_text(alias, resource) for alias in resource.aliases]
        rules = rules_for(resource.type)
        resources.append(
            {
                "type": resource.type,
                "name": resource.name,
                "urn": resource.urn,
                "parent": names.get(resource.parent),
                "depth": depth,
                "custom": resource.custom,
                "inputs": _shown(resource.inputs),
                "secretInputs": secret_paths(resource.inputs),
                "dependsOn": sorted(names.get(urn, urn) for urn in resource.dependencies),
                "options": options,
                # The inputs whose change makes the provider replace the resource (tools/engine/rules.py).
                "replaceOn": [
                    path for path in (rules.replace_paths() if rules else ()) if _has_path(resource.inputs, path)
                ],
            }
        )
    outputs = {}
    for name, output in sorted(run.outputs.items()):
        outputs[name] = SECRET if output.secret else _shown(output.value)
    return {
        "project": run.project,
        "stack": run.stack,
        "evaluatedWith": "pulumi mocks (preview): no cloud calls, no credentials",
        "providers": default_providers(run, config or {}),
        "resources": resources,
        "lookups": [{"function": invoke.token, "args": _shown(invoke.args)} for invoke in run.invokes]
        + [{"function": f"{read.type} (read)", "args": _shown(read.inputs)} for read in run.reads],
        "outputs": outputs,
    }


def _has_path(inputs: Mapping[str, Any], path: str) -> bool:
    node: Any = inputs
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return False
        node = node[part]
    return True


REPLACES = " (replaces)"
"""Marks an input whose change makes the provider replace the resource, in the text plan."""


def _marked(inputs: Mapping[str, Any], paths: list[str]) -> dict[str, Any]:
    """``inputs`` with each replace-forcing input's key marked ``(replaces)``."""
    marked: dict[str, Any] = {}
    for key, value in inputs.items():
        nested = [path.partition(".")[2] for path in paths if path.startswith(f"{key}.")]
        if key in paths:
            marked[f"{key}{REPLACES}"] = value
        elif nested and isinstance(value, Mapping):
            marked[key] = _marked(value, nested)
        else:
            marked[key] = value
    return marked


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value or '""'
    return json.dumps(value)


def _lines(value: Any, indent: int) -> list[str]:
    """YAML-like lines: `key: value` for maps, `- value` for lists, nested values indented."""
    pad = " " * indent
    if not isinstance(value, (dict, list)):
        return [f"{pad}{_scalar(value)}"]
    entries = (
        [(f"{key}:", item) for key, item in value.items()]
        if isinstance(value, dict)
        else [("-", item) for item in value]
    )
    lines = []
    for label, item in entries:
        if isinstance(item, (dict, list)) and item:
            lines.append(f"{pad}{label}")
            lines.extend(_lines(item, indent + 2))
        else:
            lines.append(f"{pad}{label} {_scalar(item)}")
    return lines


def render_text(document: dict[str, Any]) -> str:
    out = [
        f"Plan for stack {document['project']}/{document['stack']}",
        f"(evaluated with {document['evaluatedWith']})",
        "",
        f"Resources: {sum(1 for r in document['resources'] if is_cloud_resource(r))} cloud resources to create "
        f"(and {sum(1 for r in document['resources'] if not is_cloud_resource(r))} components, providers and checks)",
    ]
    if document.get("providers"):
        out.append("")
        out.append("Default providers (the engine creates them for resources that name none):")
        for provider in document["providers"]:
            version = f" ({provider['version']})" if provider.get("version") else ""
            out.append(f"  {provider['type']}  {provider['name']}{version}")
            out.extend(_lines(provider["config"], 4))
    out.append("")
    out.append("Resources:")
    for resource in document["resources"]:
        pad = "  " * (resource["depth"] + 1)
        out.append(f"{pad}+ {resource['type']}  {resource['name']}")
        details = _marked(resource["inputs"], resource.get("replaceOn", []))
        if resource["dependsOn"]:
            details["(depends on)"] = resource["dependsOn"]
        for option, value in resource["options"].items():
            details[f"({option})"] = value
        out.extend(_lines(details, len(pad) + 4))
    out.append("")
    if document["lookups"]:
        out.append("Looked up at deploy time (placeholders above stand for their results):")
        for lookup in document["lookups"]:
            args = ", ".join(f"{key}={_scalar(value)}" for key, value in lookup["args"].items())
            out.append(f"  {lookup['function']}({args})")
        out.append("")
    out.append("Outputs:")
    out.extend(_lines(document["outputs"], 2))
    return "\n".join(out) + "\n"


def _failed(stack: str, project_dir: Path, errors: list[str]) -> dict[str, Any]:
    """The plan of a failed run says so, so that a diff of it fails instead of reading "no resources"."""
    try:
        project = project_name(project_dir)
    except StackFileError:
        project = ""
    return {"project": project, "stack": stack, "errors": errors}


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["diff"]:
        return plan_diff.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m tools.plan", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "stack", nargs="?", help="stack name: reads Pulumi.<stack>.yaml (default dev, or the first stack file)"
    )
    parser.add_argument("--json", action="store_true", help="print the plan as JSON")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    stacks = stack_names(args.project_dir)
    if args.stack is None:
        args.stack = "dev" if "dev" in stacks or not stacks else stacks[0]
    if not (args.project_dir / f"Pulumi.{args.stack}.yaml").is_file():
        known = ", ".join(stack_names(args.project_dir)) or "none"
        print(f"error: no stack file Pulumi.{args.stack}.yaml (stacks here: {known})", file=sys.stderr)
        return 2
    try:
        # The program sees only its own stack: whether another stack file's prefix overlaps is checked here.
        overlaps = [overlap.message() for overlap in prefix_overlaps(args.project_dir) if overlap.involves(args.stack)]
        run = run_stack(
            args.stack, project_dir=args.project_dir, mocks=OcirMocks(plan=True), preview=True, raise_errors=False
        )
    except StackFileError as error:
        # `<file>:<line>:<column>: <what>`, as compilers say it, or the CLI's line for config it refuses.
        print(error, file=sys.stderr)
        if args.json:
            print(json.dumps(_failed(args.stack, args.project_dir, str(error).splitlines()), indent=2))
        return 1
    errors = overlaps + (str(run.error).splitlines() if run.error is not None else [])
    if errors:
        print(f"error: stack {args.stack} is not valid:", *errors, sep="\n", file=sys.stderr)
        if args.json:
            print(json.dumps(_failed(args.stack, args.project_dir, errors), indent=2))
        return 1
    document = plan_document(run, load_stack_config(args.stack, args.project_dir).values)
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        print(render_text(document), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
