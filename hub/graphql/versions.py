"""The strawberry and graphql-core versions the GraphQL layer is built for, checked at import.

The hub leans on internals of both libraries, which may change in any release:

- ``hub.graphql.execution.HubExecutionContext`` subclasses strawberry's
  ``StrawberryGraphQLCoreExecutionContext`` and overrides graphql-core's ``Executor.execute_field``
  (marked private by graphql-core), calling its ``build_resolve_info``,
  ``complete_awaitable_value``, ``complete_leaf_value``, ``handle_field_error`` and
  ``middleware_manager``; it reads strawberry's field definition from a GraphQL field's
  ``extensions["strawberry-definition"]`` (``base_resolver``, ``extensions``, ``python_name``,
  ``get_result``).
- ``hub.policy`` and ``hub.graphql`` read graphql-core's resolve info through strawberry's
  private ``Info._raw_info`` (fragments, field nodes, parent type, path).

So the versions are pinned in ``pyproject.toml`` to the ranges below (``tests/hub/
test_execution.py`` keeps the two the same; ``tests/hub/test_execution_differential.py`` runs
the real schema through the hub's executor and graphql-core's own), and importing ``hub.graphql`` with a version outside them fails
with :class:`UnsupportedLibrary` naming the range, before anything is served. To move to a new
release: widen the range here and in ``pyproject.toml`` together, and run the tests.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from importlib.metadata import PackageNotFoundError, version

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

# distribution -> the versions the internals above were checked against (as in pyproject.toml)
SUPPORTED: Mapping[str, str] = {
    "strawberry-graphql": ">=0.341,<0.342",
    "graphql-core": ">=3.3.2,<3.4",
}

# graphql-core's Executor.execute_field, as HubExecutionContext overrides it
EXECUTE_FIELD_PARAMETERS = (
    "self",
    "parent_type",
    "source",
    "field_details_list",
    "path",
    "position_context",
)


class UnsupportedLibrary(ImportError):
    """A library the GraphQL layer relies on is at a version it was not built for."""


def _installed(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def problems(installed: Callable[[str], str | None] = _installed) -> list[str]:
    """What is wrong with the installed versions, one line per library (empty: nothing)."""
    out = []
    for name, spec in SUPPORTED.items():
        found = installed(name)
        if found is None:
            out.append(f"{name} is not installed; the hub needs {name}{spec}")
            continue
        try:
            ok = SpecifierSet(spec).contains(Version(found), prereleases=True)
        except InvalidVersion:
            ok = False
        if not ok:
            out.append(f"{name} {found} is installed; the hub supports {name}{spec}")
    return out


def _shape_problems() -> list[str]:
    """The internals' shape, for a library patched within its range."""
    from graphql.execution import Executor
    from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
    from strawberry.types.field import StrawberryField
    from strawberry.types.info import Info

    out = []
    parameters = tuple(inspect.signature(Executor.execute_field).parameters)
    if parameters != EXECUTE_FIELD_PARAMETERS:
        out.append(f"graphql-core's Executor.execute_field takes {parameters}")
    if not issubclass(StrawberryGraphQLCoreExecutionContext, Executor):
        out.append("strawberry's execution context is not a graphql-core Executor")
    if "_raw_info" not in getattr(Info, "__dataclass_fields__", {}):
        out.append("strawberry's Info has no _raw_info")
    given = set(inspect.signature(StrawberryField.__init__).parameters)
    for name in ("base_resolver", "extensions", "python_name"):
        if name not in given:
            out.append(f"strawberry's StrawberryField takes no {name}")
    if not callable(getattr(StrawberryField, "get_result", None)):
        out.append("strawberry's StrawberryField has no get_result")
    return out


def require_supported(installed: Callable[[str], str | None] = _installed) -> None:
    """Raise :class:`UnsupportedLibrary` unless every library is within its supported range."""
    found = problems(installed) or _shape_problems()
    if found:
        raise UnsupportedLibrary(
            "the hub's GraphQL execution relies on internals of strawberry-graphql and"
            " graphql-core and supports only the versions it was built for: "
            + "; ".join(found)
            + ". Install the supported versions (pip install -e . installs them), or move the"
            " hub to the new release (hub/graphql/versions.py says how)."
        )
