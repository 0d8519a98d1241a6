"""Argument checks: every rule runs once, where a value enters the package.

A component checks its arguments before it registers, so bad arguments declare nothing. The
components that OcirProject composes skip the checks OcirProject already ran (``trusted``), and a
program that ran ``check_project_args`` itself (to name its own config keys in errors) says so
with ``already_checked``.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import pulumi

T = TypeVar("T")

_CHECKED: ContextVar[bool] = ContextVar("ocir_args_checked", default=False)
_TRUSTED: ContextVar[bool] = ContextVar("ocir_args_trusted", default=False)
_ARGUMENT: ContextVar[str | None] = ContextVar("ocir_argument", default=None)
_OWNER: ContextVar[tuple[str, str] | None] = ContextVar("ocir_owner", default=None)
_KEYS: ContextVar[Callable[[str], str] | None] = ContextVar("ocir_keys", default=None)


class ArgumentError(ValueError):
    """Bad component arguments: one ``(path, rule)`` per problem, e.g. ``("images[0].tag", "must be …")``."""

    def __init__(self, args_type: str, problems: list[tuple[str, str]]) -> None:
        self.args_type = args_type
        self.problems = problems
        super().__init__("\n".join(f"{args_type}.{path}: {rule}" for path, rule in problems))


class Problems:
    """Collects every broken rule of one args value, so a caller sees them all at once."""

    def __init__(self, args_type: str) -> None:
        self.args_type = args_type
        self.items: list[tuple[str, str]] = []

    def check(self, path: str, value: Any, check: Callable[..., Any], *extra: str) -> Any:
        """``check(value, *extra)``; a ValueError becomes a problem at ``path`` (None is returned)."""
        try:
            return check(value, *extra)
        except ValueError as error:
            self.items.append((path, str(error)))
            return None

    def add(self, path: str, rule: str) -> None:
        self.items.append((path, rule))

    def raise_any(self) -> None:
        if self.items:
            raise ArgumentError(self.args_type, self.items)


def check_args(args_type: str, check: Callable[[Any, Problems], None], args: Any) -> None:
    """A component's checks on its arguments, before it registers; skipped when the caller ran them."""
    if checks_skipped():
        return
    problems = Problems(args_type)
    check(args, problems)
    problems.raise_any()


def checks_skipped() -> bool:
    """True while the arguments being declared were checked by the caller."""
    return _CHECKED.get()


@contextmanager
def already_checked() -> Iterator[None]:
    """Declare components whose arguments the caller has checked (``check_project_args``)."""
    token = _CHECKED.set(True)
    try:
        yield
    finally:
        _CHECKED.reset(token)


@contextmanager
def trusted() -> Iterator[None]:
    """OcirProject declares its children under this: it checked their arguments as its own, the values known
    when declared and (with ``checked``) the others when they resolve."""
    tokens = (_CHECKED.set(True), _TRUSTED.set(True))
    try:
        yield
    finally:
        _TRUSTED.reset(tokens[1])
        _CHECKED.reset(tokens[0])


@contextmanager
def named_as(argument: str) -> Iterator[None]:
    """Components declared inside name ``argument`` (e.g. ``OcirProjectArgs.images[0].repository_ocid``)
    in errors they raise while outputs resolve, instead of their own argument."""
    token = _ARGUMENT.set(argument)
    try:
        yield
    finally:
        _ARGUMENT.reset(token)


def argument_name(own: str) -> str:
    """The argument to name in an error found while outputs resolve: the caller's (named_as) or ``own``."""
    return _ARGUMENT.get() or own


def label(args_type: str, field: str) -> str:
    """How an error names an argument ``field`` of ``args_type``: ``RegistryCredentialsArgs.user_domain``, or the
    argument of the component that declared this one (``OcirProjectArgs.user_domain``, see ``owned_by``), or the
    program's config key for it (``ocir:userDomain``, see ``config_keys``). Errors raised while outputs resolve
    see the labels in force when the component was declared (an Output's callbacks keep their context)."""
    owner, prefix = _OWNER.get() or (args_type, "")
    keys = _KEYS.get()
    if keys is not None:
        return keys(f"{prefix}{field}")
    return f"{owner}.{prefix}{field}"


@contextmanager
def owned_by(args_type: str, prefix: str = "") -> Iterator[None]:
    """Components declared inside name their arguments as ``args_type``'s, at ``prefix`` (OcirProject's children:
    their arguments are OcirProject's of the same name, an image's under ``images[<i>].``). Inside another
    owner, the outer owner stays and ``prefix`` is the path within it."""
    outer = _OWNER.get()
    token = _OWNER.set((outer[0] if outer else args_type, prefix))
    try:
        yield
    finally:
        _OWNER.reset(token)


@contextmanager
def config_keys(key_of: Callable[[str], str]) -> Iterator[None]:
    """Errors name the program's config key ``key_of(field)`` for an OcirProjectArgs field (the program's config
    layer sets this; the package itself knows no config keys)."""
    token = _KEYS.set(key_of)
    try:
        yield
    finally:
        _KEYS.reset(token)


def checked(
    value: pulumi.Input[T], args_type: str, field: str, check: Callable[..., Any], *extra: Any
) -> pulumi.Output[T]:
    """``value`` as an Output that, once it resolves, has passed ``check(value, *extra)`` or failed the update
    with a RunError naming the argument (``<args type>.<field>: <rule>``, one line). For arguments that may come
    from another resource or be secret: a plain value was checked when declared, an Output is checked here."""
    if _TRUSTED.get() or isinstance(value, str):
        # A trusted child's owner checked it (as its own argument); a known string was checked when declared.
        return pulumi.Output.from_input(value)
    name = label(args_type, field)

    def run(resolved: T) -> T:
        try:
            check(resolved, *extra)
        except ValueError as error:
            raise pulumi.RunError(f"{name}: {error}") from None
        return resolved

    return pulumi.Output.from_input(value).apply(run)
