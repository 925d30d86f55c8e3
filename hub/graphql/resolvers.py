"""strawberry's resolver decorators, typed: a decorated resolver keeps its signature for mypy.

strawberry types its keyword form (``@strawberry.field(description=...)``) as returning Any,
which makes every resolver it decorates untyped to ``mypy --strict``. These take the keywords
the hub uses and pass them on unchanged; their annotation says what a reader expects (the
method is still the method), as strawberry's own bare ``@strawberry.field`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import strawberry
from strawberry.extensions.field_extension import FieldExtension

R = TypeVar("R", bound=Callable[..., Any])


def field(
    *,
    description: str,
    name: str | None = None,
    extensions: list[FieldExtension] | None = None,
    deprecation_reason: str | None = None,
) -> Callable[[R], R]:
    """``@strawberry.field(...)`` on a resolver."""
    decorate: Callable[[R], R] = strawberry.field(
        description=description,
        name=name,
        extensions=extensions,
        deprecation_reason=deprecation_reason,
    )
    return decorate


def mutation(
    *, description: str, name: str | None = None, deprecation_reason: str | None = None
) -> Callable[[R], R]:
    """``@strawberry.mutation(...)`` on a resolver."""
    decorate: Callable[[R], R] = strawberry.mutation(
        description=description, name=name, deprecation_reason=deprecation_reason
    )
    return decorate


def subscription(*, description: str, name: str | None = None) -> Callable[[R], R]:
    """``@strawberry.subscription(...)`` on a resolver."""
    decorate: Callable[[R], R] = strawberry.subscription(description=description, name=name)
    return decorate
