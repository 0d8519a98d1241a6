"""Run the ocir Pulumi program in-process under Pulumi's mocks and return what it declared.

No Pulumi CLI, provider plugin, credential or network: the mocks (tools/engine/mocks.py) answer for the
providers and a recording monitor (tools/engine/monitor.py) keeps what the engine would receive. Used by
the plan command, the policy check, the URN record, the tests and the benchmarks.
"""

from __future__ import annotations

import asyncio
import json
import logging
import runpy
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.output import Unknown
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from tools.engine.mocks import OcirMocks
from tools.engine.monitor import Invocation, RecordingMonitor, Registration
from tools.engine.tenancy import Tenancy
from tools.engine.wire import SECRET_SIG, SECRET_VALUE_SIG, UNKNOWN, mask
from tools.stackfiles import PROJECT_DIR, check_declared_config, encode_config, load_stack_config, project_name


@dataclass
class OutputValue:
    value: Any
    """The resolved value; parts not known yet (in a preview) are the UNKNOWN marker."""
    secret: bool


@dataclass
class StackRun:
    """What one evaluation of the program declared."""

    stack: str
    resources: list[Registration]
    invokes: list[Invocation]
    outputs: dict[str, OutputValue]
    logs: list[str]
    error: BaseException | None
    reads: list[Registration]
    """Resources read rather than managed (stack references), as the engine would receive them."""
    logins: list[Login] = field(default_factory=list)
    """The registry logins the program made while it waited for a new token (AcceptingRegistry)."""
    project: str = ""
    """The project the program ran as (`pulumi.get_project()`, the config namespace)."""

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str) -> Registration:
        found = self.of_type(type_)
        if len(found) != 1:
            raise AssertionError(f"expected one {type_}, found {len(found)}")
        return found[0]

    def leaks(self, value: str) -> list[str]:
        """Every place ``value`` appears outside a secret: inputs, outputs, invokes and log lines."""
        found = [f"input of {r.type} {r.name}" for r in self.resources if value in json.dumps(mask(r.inputs))]
        found += [f"invoke {i.token}" for i in self.invokes if value in json.dumps(mask(i.args))]
        found += [f"output {name}" for name, o in self.outputs.items() if not o.secret and value in json.dumps(o.value)]
        found += [f"log line {line!r}" for line in self.logs if value in line]
        return found

    def state_leaks(self, value: str) -> list[str]:
        """Every resource output that would be written to the state with ``value`` in plain text."""
        return [
            f"state of {r.type} {r.name}: {key}"
            for r in self.resources
            for key, item in r.state.items()
            if key not in r.state_secret_keys and value in json.dumps(mask(item))
        ]

    def walk(self) -> Iterator[tuple[int, Registration]]:
        """Resources in tree order (parents first, siblings by name), with their depth."""
        children: dict[str, list[Registration]] = {}
        urns = {r.urn for r in self.resources}
        for resource in self.resources:
            parent = resource.parent if resource.parent in urns else ""
            children.setdefault(parent, []).append(resource)

        def visit(parent: str, depth: int) -> Iterator[tuple[int, Registration]]:
            for resource in sorted(children.get(parent, []), key=lambda r: (r.name, r.type)):
                yield depth, resource
                yield from visit(resource.urn, depth + 1)

        return visit("", 0)


class _ListHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _unknowns_marked(value: Any) -> Any:
    """A resolved output value with every part not known yet replaced by the UNKNOWN marker."""
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {key: _unknowns_marked(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_unknowns_marked(item) for item in value]
    return value


_ABANDONED = ("Future exception was never retrieved", "Task exception was never retrieved")


def _quiet_abandoned_outputs() -> None:
    """Keep a failed run's abandoned outputs from printing tracebacks when they are collected.

    When the program stops with an error (a run the caller inspects through ``StackRun.error``),
    every output that depended on the failing one holds the same exception, never awaited; asyncio
    reports each as "Future exception was never retrieved" at garbage collection, long after the
    test. The error itself is already in ``StackRun.error``; anything else still goes to asyncio.
    """
    loop = asyncio.get_event_loop()
    default = loop.get_exception_handler()

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        # A RunError too (an adopted repository that differs fails inside an apply). Formatting these
        # costs more than noise: Python 3.11 parses source lines with `ast` to place a traceback's
        # carets, and when the collection happens in the middle of another `ast.parse` (the schema's
        # docstrings) that nested parse makes the outer one fail with "AST constructor recursion
        # depth mismatch".
        if context.get("message") in _ABANDONED and isinstance(context.get("exception"), (ValueError, pulumi.RunError)):
            return
        if default is not None:
            default(loop, context)
        else:
            loop.default_exception_handler(context)

    if getattr(default, "__name__", "") != "handler":
        loop.set_exception_handler(handler)


@dataclass(frozen=True)
class Login:
    """One login to a registry that the program made (never its password)."""

    server: str
    username: str
    timeout_seconds: float


class AcceptingRegistry:
    """The registry stand-in for evaluations under mocks: every login the program makes while it waits for a
    new auth token (components/registry_login.py) is recorded and accepted at once. No network: a real
    registry's answers are tests/integration/test_login_check.py's."""

    def __init__(self) -> None:
        self.logins: list[Login] = []

    def __call__(self, server: str, username: str, password: str, **options: Any) -> dict[str, Any]:
        self.logins.append(Login(server, username, float(options.get("timeout_seconds", 0))))
        return {"flow": "mock", "attempts": 1, "waitedSeconds": 0.0}


@contextmanager
def _registry(stand_in: Callable[..., dict[str, Any]]) -> Iterator[None]:
    """The program's logins go to ``stand_in`` while it runs here, instead of to the network."""
    from components import registry_login

    original = registry_login.wait_for_login
    registry_login.wait_for_login = stand_in
    try:
        yield
    finally:
        registry_login.wait_for_login = original


def evaluate(
    program: Callable[[], None],
    *,
    config: Mapping[str, Any] | None = None,
    stack: str = "test",
    mocks: pulumi.runtime.Mocks | None = None,
    preview: bool = False,
    secret_keys: list[str] | None = None,
    raise_errors: bool = True,
    withhold_features: Iterable[int] = (),
    registry: Callable[..., dict[str, Any]] | None = None,
    project: str | None = None,
) -> StackRun:
    """Run ``program`` (any Pulumi code) once under mocks and return what it declared.

    ``config`` takes full keys; values may be native (encoded as the CLI would) or strings.
    ``project``: the project name the engine reports (default: this repository's Pulumi.yaml name).
    ``withhold_features``: engine features the mocked engine does not advertise (an older CLI's engine).
    ``registry``: what answers the program's registry logins (default an AcceptingRegistry, in ``logins``).
    """
    mocks = mocks or OcirMocks()
    monitor = RecordingMonitor(mocks, withhold_features=withhold_features)
    handler = _ListHandler()
    logger = logging.getLogger(f"ocir.harness.{id(handler)}")
    logger.propagate = False
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)

    project = project or project_name()
    pulumi_settings.reset_options(project=project, stack=stack, preview=preview)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor, logger=logger)
    pulumi.runtime.set_all_config(encode_config(config or {}), secret_keys or [])

    error: BaseException | None = None
    _quiet_abandoned_outputs()
    registry = registry or AcceptingRegistry()
    try:
        with _registry(registry):
            _sync_await(run_pulumi_func(program))
    except Exception as exc:  # noqa: BLE001 (handed back to the caller below)
        error = exc

    outputs: dict[str, OutputValue] = {}
    root = pulumi_settings.get_root_resource()
    if error is None and root is not None:
        for name, value in getattr(root, "outputs", {}).items():
            output = pulumi.Output.from_input(value)
            outputs[name] = OutputValue(
                value=_unknowns_marked(_sync_await(output.future(with_unknowns=True))),
                secret=bool(_sync_await(output.is_secret())),
            )
    logger.removeHandler(handler)
    run = StackRun(
        stack=stack,
        resources=list(monitor.registrations),
        invokes=list(monitor.invocations),
        outputs=outputs,
        logs=handler.lines,
        error=error,
        reads=list(monitor.reads),
        logins=list(getattr(registry, "logins", [])),
        project=project,
    )
    if error is not None and raise_errors:
        raise error
    return run


def run_program(config: Mapping[str, Any], *, project_dir: Path = PROJECT_DIR, **kwargs: Any) -> StackRun:
    """Evaluate the project's __main__.py with ``config`` (see evaluate for the options), as the project
    Pulumi.yaml names."""
    main = str(project_dir / "__main__.py")
    kwargs.setdefault("project", project_name(project_dir))

    def program() -> None:
        runpy.run_path(main, run_name="__main__")

    return evaluate(program, config=config, **kwargs)


def reference_outputs(run: StackRun) -> dict[str, Any]:
    """A run's stack outputs as a StackReference to it reads them: secret ones wrapped as secrets."""
    return {
        name: {SECRET_SIG: SECRET_VALUE_SIG, "value": output.value} if output.secret else output.value
        for name, output in run.outputs.items()
    }


def declared_tenancy(values: Mapping[str, Any], project: str, stack: str) -> Tenancy:
    """The tenancy as the stack file's own declarations would leave it, and nothing else: the root and the stack's
    compartment, the stack's policies (its statements, names and tags) and its repositories (tagged as the stack
    tags them; an adopted one untagged, as a first push leaves it, with the settings the stack declares).

    What the plan's lookups are answered from: an offline plan cannot know what else the tenancy holds, so it
    shows the stack finding its own and nothing of anyone else's. A config that does not parse gives an empty
    tenancy (the program reports the config's errors before it looks anything up).
    """
    from components import naming
    from components.signing_args import signing_statements
    from components.statements import group_subject, policy_statements, repositories_location, scanning_statements
    from stackconfig import ConfigError, parse_settings, program_tags

    try:
        settings = parse_settings(values, project, project_dir=None)
    except ConfigError:
        return Tenancy()
    root, compartment = settings.tenancy_ocid, settings.compartment_ocid
    tags = program_tags(project, stack)

    def policy(kind: str, name: str, statements: list[str]) -> dict[str, Any]:
        return {"id": f"ocid1.policy.oc1..declared{kind}", "name": name, "statements": statements,
                "freeformTags": dict(tags), "state": "ACTIVE"}  # fmt: skip

    compartments = []
    if compartment != root:
        compartments.append({"id": compartment, "name": "compartmentOcid", "compartmentId": root, "state": "ACTIVE"})
    statements = policy_statements(
        settings.prefix,
        settings.group_name,
        settings.identity_domain,
        settings.allow_list_repositories,
        settings.pullers,
        repositories_location(root, compartment),
    ) + signing_statements(
        group_subject(settings.group_name, settings.identity_domain),
        settings.prefix,
        repositories_location(root, compartment),
        settings.signing,
    )
    policies = [policy("access", naming.policy_name(settings.prefix), statements)]
    if settings.vulnerability_scanning and settings.images:
        scanning = scanning_statements(root, compartment)
        policies.append(policy("scanning", naming.scanning_policy_name(settings.prefix), scanning))
    repositories = {
        spec.repository_ocid or f"ocid1.containerrepo.oc1..declared{spec.index:04d}": {
            "displayName": naming.repository_name(settings.prefix, spec.name),
            "compartmentId": compartment,
            "isPublic": spec.public,
            "isImmutable": spec.immutable,
            "state": "AVAILABLE",
            "freeformTags": {} if spec.repository_ocid else dict(tags),
        }
        for spec in settings.images
    }
    return Tenancy(root=root, compartments=compartments, policies={root: policies}, repositories=repositories)


def run_stack(stack: str, *, project_dir: Path = PROJECT_DIR, **kwargs: Any) -> StackRun:
    """Evaluate the program with the config of ``Pulumi.<stack>.yaml``.

    A stack promoted from another stack file of this project (``<project>:promoteFrom``
    ``<org>/<project>/<stack>``) reads that stack's outputs from an evaluation of it under mocks (a
    deployed source: digests known), unless the mocks already answer for it.
    """
    # As `pulumi preview` does: refuse a stack whose declared config is missing or mistyped before the program runs.
    check_declared_config(stack, project_dir)
    config = load_stack_config(stack, project_dir)
    kwargs.setdefault("secret_keys", config.secret_keys)
    source = config.values.get(config.key("promoteFrom"), "").split("/")
    mocks = kwargs.setdefault("mocks", OcirMocks())
    if isinstance(mocks, OcirMocks) and mocks.plan and mocks.tenancy == Tenancy():
        # A plan's lookups are answered from the stack file's own declarations (declared_tenancy).
        mocks.tenancy = declared_tenancy(config.values, config.project, stack)
    if (
        len(source) == 3
        and source[1] == config.project
        and source[2] != stack
        and (project_dir / f"Pulumi.{source[2]}.yaml").is_file()
        and isinstance(mocks, OcirMocks)
        and "/".join(source) not in mocks.stack_outputs
    ):
        # In a plan the source stack's digests are as unknown as this one's: only the deployed source knows them.
        source_run = run_stack(source[2], project_dir=project_dir, mocks=OcirMocks(token=mocks.token, plan=mocks.plan))
        mocks.stack_outputs["/".join(source)] = reference_outputs(source_run)
    return run_program(config.values, stack=stack, project_dir=project_dir, **kwargs)
