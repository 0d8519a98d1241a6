"""Run the policy pack over what a stack declares, without the Pulumi CLI: the program under mocks.

    python -m tools.policy_check [STACK ...]

Evaluates each stack (default: every Pulumi.<stack>.yaml) under Pulumi's mocks, then calls every
policy of policy/pack.py on every recorded registration, as the engine's analyzer would: the
inputs deserialized by pulumi-policy's own deserializer (secrets unwrapped, unknowns guarded), the
stack's config in PULUMI_CONFIG and the project's name in PULUMI_PROJECT (pulumi/pulumi
pkg/resource/plugin/analyzer_plugin.go, constructEnv). Prints each violation and exits 1 if there is any.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pulumi_policy import ResourceValidationArgs, ResourceValidationPolicy, StackValidationArgs
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import PolicyCustomTimeouts, PolicyResource, PolicyResourceOptions
from pulumi_policy.proxy import unknown_checking_proxy

from policy.pack import POLICIES, STACK_POLICIES

from .engine.monitor import Registration
from .harness import StackRun, run_stack
from .stackfiles import PROJECT_DIR, StackFileError, load_stack_config, project_name, stack_names


@dataclass(frozen=True)
class Violation:
    policy: str
    urn: str
    message: str

    def __str__(self) -> str:
        return f"[{self.policy}] {self.urn}: {self.message}"


@contextmanager
def engine_config(config: Mapping[str, str], project: str) -> Iterator[None]:
    """PULUMI_CONFIG and PULUMI_PROJECT set as the engine sets them for a policy pack process (restored
    afterwards)."""
    values = {"PULUMI_CONFIG": json.dumps(dict(config)), "PULUMI_PROJECT": project}
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def validation_args(type_: str, inputs: Mapping[str, Any], urn: str = "urn:test", name: str = "test") -> Any:
    """ResourceValidationArgs for wire-form inputs, built the way the analyzer builds them."""
    props = unknown_checking_proxy(deserialize_properties(dict(inputs)))
    options = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
    return ResourceValidationArgs(type_, props, urn, name, options, None)


def check_resource(
    type_: str,
    inputs: Mapping[str, Any],
    config: Mapping[str, str],
    *,
    urn: str = "urn:test",
    policies: list[ResourceValidationPolicy] | None = None,
    project: str | None = None,
) -> list[Violation]:
    """Every violation the pack reports for one resource's wire-form inputs, under ``config``, in the project
    ``project`` (default: this repository's Pulumi.yaml name)."""
    found: list[Violation] = []
    args = validation_args(type_, inputs, urn, urn.rsplit("::", 1)[-1])
    with engine_config(config, project or project_name()):
        for policy in policies if policies is not None else POLICIES:

            def report(message: str, at: str | None = None, name: str = policy.name) -> None:
                found.append(Violation(name, at or urn, message))

            result = policy.validate(args, report)
            assert result is None, "the ocir policies are synchronous"
    return found


def check_registrations(
    resources: list[Registration], config: Mapping[str, str], project: str | None = None
) -> list[Violation]:
    return [
        violation
        for resource in resources
        if resource.custom
        for violation in check_resource(resource.type, resource.inputs, config, urn=resource.urn, project=project)
    ]


def check_stack_policies(
    resources: list[Registration], config: Mapping[str, str], project: str | None = None
) -> list[Violation]:
    """Every violation the pack's stack policies report over every custom resource, as the analyzer hands them the
    stack's resources once all are registered (`AnalyzeStack`)."""
    options = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)
    policy_resources = [
        PolicyResource(
            resource.type,
            unknown_checking_proxy(deserialize_properties(dict(resource.inputs))),
            resource.urn,
            resource.urn.rsplit("::", 1)[-1],
            options,
            None,
            None,
            [],
            {},
        )
        for resource in resources
        if resource.custom
    ]
    found: list[Violation] = []
    with engine_config(config, project or project_name()):
        for policy in STACK_POLICIES:

            def report(message: str, at: str | None = None, name: str = policy.name) -> None:
                found.append(Violation(name, at or "stack", message))

            result = policy.validate(StackValidationArgs(policy_resources), report)
            assert result is None, "the ocir policies are synchronous"
    return found


def check_run(run: StackRun, config: Mapping[str, str]) -> list[Violation]:
    return check_registrations(run.resources, config, run.project) + check_stack_policies(
        run.resources, config, run.project
    )


def check_stack(stack: str, project_dir: Path = PROJECT_DIR) -> list[Violation]:
    config = load_stack_config(stack, project_dir)
    return check_run(run_stack(stack, project_dir=project_dir), config.values)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.policy_check", description=__doc__.splitlines()[0])
    parser.add_argument("stacks", nargs="*", help="stacks to check (default: every Pulumi.<stack>.yaml)")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        return _check(args.stacks or stack_names(args.project_dir), args.project_dir)
    except StackFileError as error:
        print(error, file=sys.stderr)  # `<file>:<line>:<column>: <what>`, as compilers say it
        return 1


def _check(stacks: list[str], project_dir: Path) -> int:
    failed = False
    for stack in stacks:
        violations = check_stack(stack, project_dir)
        if violations:
            failed = True
            print(f"stack {stack}: {len(violations)} policy violation(s)")
            for violation in violations:
                print(f"  {violation}")
        else:
            print(f"stack {stack}: every mandatory policy passes ({len(POLICIES) + len(STACK_POLICIES)} policies)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
