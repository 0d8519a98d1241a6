"""Argument checks: every rule runs once, where a value enters the package.

A component checks its arguments before it registers, so bad arguments declare nothing. The
components that OcirProject composes skip the checks OcirProject already ran (``trusted``), and a
program that ran ``check_project_args`` itself (to name its own config keys in errors) says so
with ``already_checked``.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_CHECKED: ContextVar[bool] = ContextVar("ocir_args_checked", default=False)
_ARGUMENT: ContextVar[str | None] = ContextVar("ocir_argument", default=None)


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


trusted = already_checked
"""OcirProject declares its children under this: it checked their arguments as its own."""


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
