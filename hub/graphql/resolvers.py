"""strawberry's resolver decorators, typed: a decorated resolver keeps its signature for mypy.

strawberry types its keyword form (``@strawberry.field(description=...)``) as returning Any,
which makes every resolver it decorates untyped to ``mypy --strict``. These take the keywords
the hub uses and pass them on unchanged; their annotation says what a reader expects (the
method is still the method), as strawberry's own bare ``@strawberry.field`` does.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncGenerator, Callable
from typing import Any, TypeVar

import strawberry
from strawberry.extensions.field_extension import FieldExtension

from hub.policy.enforce import policy_in_force

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
    """``@strawberry.subscription(...)`` on a resolver (an async generator taking ``info``),
    which stops before an event leaves once the policy its grants are of is no longer in force
    (:func:`hub.policy.enforce.policy_in_force`; one that records its events before yielding
    them also checks before it records)."""

    def decorate(fn: R) -> R:
        @functools.wraps(fn)
        async def under_the_policy(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, None]:
            info = kwargs["info"]
            async for event in fn(*args, **kwargs):
                policy_in_force(info)
                yield event

        wrapped: R = strawberry.subscription(description=description, name=name)(
            under_the_policy
        )
        return wrapped

    return decorate
