"""Argument checks shared by the components (library users get the argument's name in errors)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

R = TypeVar("R")


def checked(where: str, value: Any, check: Callable[..., R], *extra: str) -> R:
    """Run ``check(value, *extra)``; re-raise its ValueError prefixed with ``where``."""
    try:
        return check(value, *extra)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
