"""The pulumi-policy glue: the pack's policies over the rules, fed the stack's config as the engine passes it.

The engine hands a policy pack the stack's config in PULUMI_CONFIG (the JSON the program receives)
and the project's name in PULUMI_PROJECT (pulumi/pulumi pkg/resource/plugin/analyzer_plugin.go,
``constructEnv``), which is the namespace of the program's keys; parsing the config with the program's
own parse_settings keeps the stack file the one source of truth. A config the pack cannot read is
itself a violation (fail closed).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pulumi.runtime import get_config_env
from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from policy.rules import (
    IMAGE_REFERENCES,
    IMAGE_SIGNATURE,
    KMS_SIGN,
    POLICY,
    PUSHED_REFERENCES,
    REPOSITORY,
    SCAN_TARGET,
    image_prefix_problems,
    image_tag_problems,
    policy_problems,
    repository_immutable_problems,
    repository_prefix_problems,
    repository_private_problems,
    scan_target_problems,
    signature_problems,
    unsigned_pushes,
)
from stackconfig import ConfigError, Settings, parse_settings


def stack_settings(raw: Mapping[str, Any], project: str) -> Settings:
    """The stack's settings from its config as the engine passes it (full keys, string values)."""
    if not project:
        raise ConfigError([("PULUMI_PROJECT", "the engine did not name the project (the config's namespace)")])
    if not any(key.startswith(f"{project}:") for key in raw):
        raise ConfigError([(f"{project}:*", f"no {project} config reached the policy pack (is PULUMI_CONFIG set?)")])
    return parse_settings(raw, project, project_dir=None)


def engine_config() -> dict[str, Any]:
    """The stack config the engine passed to this policy pack process (PULUMI_CONFIG)."""
    return dict(get_config_env())


def engine_project() -> str:
    """The project's name, as the engine passed it to this policy pack process (PULUMI_PROJECT)."""
    return os.environ.get("PULUMI_PROJECT", "")


Check = Callable[[str, Mapping[str, Any], Settings], list[str]]


def _validate(types: Iterable[str], check: Check) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    wanted = frozenset(types)

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type not in wanted:
            return
        try:
            settings = stack_settings(engine_config(), engine_project())
        except ConfigError as error:
            report_violation(f"cannot read the stack's facts from its config:\n{error}", args.urn)
            return
        for problem in check(args.resource_type, args.props, settings):
            report_violation(problem, args.urn)

    return validate


def _policy(name: str, description: str, types: Iterable[str], check: Check) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=name,
        description=description,
        enforcement_level=EnforcementLevel.MANDATORY,
        validate=_validate(types, check),
    )


POLICIES: list[ResourceValidationPolicy] = [
    _policy(
        "ocir-iam-statements-scoped",
        "IAM statements grant the stack's group rights on repos named <prefix>-* only (and, when asked, "
        "the inspect-only list statement); nothing on other resource types or all-resources. A dynamic-group or "
        "read statement may only let one of the stack's pullers (the pullers key) read repos <prefix>-* where the "
        "stack's repositories are. A service "
        "statement may only let vulnerability-scanning-service read repos and compartments where the stack's "
        "repositories are, and only when the stack's vulnerabilityScanning is on.",
        [POLICY],
        lambda _type, props, settings: policy_problems(props, settings),
    ),
    _policy(
        "ocir-repository-private",
        "Repositories are private unless the stack's images ask for a public one.",
        [REPOSITORY],
        lambda _type, props, settings: repository_private_problems(props, settings),
    ),
    _policy(
        "ocir-production-immutable",
        "In a production stack (production: true) every repository is immutable.",
        [REPOSITORY],
        lambda _type, props, settings: repository_immutable_problems(props, settings),
    ),
    _policy(
        "ocir-production-no-latest",
        "In a production stack (production: true) no image is tagged 'latest' or left untagged.",
        IMAGE_REFERENCES,
        image_tag_problems,
    ),
    _policy(
        "ocir-scan-target-scoped",
        "A container scan target exists only when the stack's vulnerabilityScanning is on and names repositories "
        "<prefix>-* in the stack's compartment: never none (OCI would scan every repository there).",
        [SCAN_TARGET],
        lambda _type, props, settings: scan_target_problems(props, settings),
    ),
    _policy(
        "ocir-repository-prefix",
        "Repositories, and the images pushed to them, are named <prefix>-<image name>.",
        [REPOSITORY, *PUSHED_REFERENCES],
        lambda type_, props, settings: (
            repository_prefix_problems(props, settings)
            if type_ == REPOSITORY
            else image_prefix_problems(type_, props, settings)
        ),
    ),
    _policy(
        "ocir-signatures-stack-key",
        "A KMS signature or an image signature is made with the stack's signing key, key version and algorithm, "
        "and only when the stack's signing key is set.",
        [KMS_SIGN, IMAGE_SIGNATURE],
        signature_problems,
    ),
]


def _every_push_signed(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    try:
        settings = stack_settings(engine_config(), engine_project())
    except ConfigError as error:
        report_violation(f"cannot read the stack's facts from its config:\n{error}", None)
        return
    resources = [(resource.resource_type, resource.name, resource.urn) for resource in args.resources]
    for urn, problem in unsigned_pushes(resources, settings):
        report_violation(problem, urn)


STACK_POLICIES: list[StackValidationPolicy] = [
    StackValidationPolicy(
        name="ocir-every-push-signed",
        description="A stack whose signing key is set signs every reference it pushes (each built image, each "
        "platform's image and each index, each promoted copy): a kms.Sign and an image signature per push.",
        enforcement_level=EnforcementLevel.MANDATORY,
        validate=_every_push_signed,
    ),
]
