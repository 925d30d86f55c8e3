"""Query execution: a shorter path for fields that only read an attribute and return a leaf.

graphql-core executes every field the same way: it builds a resolve-info object, calls the
resolver strawberry made for the field, and completes the value. For a *plain* field — no
resolver of its own, no field extension (so no policy plan), no arguments, a scalar or enum
type — strawberry's resolver only reads the attribute (``StrawberryField.get_result`` without
an info), so the info is not built: the attribute is read and completed as a leaf directly,
with the same null checks and errors. A list of 10,000 sanction check results has 20,000 and
more such fields. Whether a field is plain is decided from strawberry's definition of it
(``base_resolver``, ``extensions``), never from the resolver strawberry built: that one is
marked ``_is_default`` also when the field has extensions, which would then run without an
info.

Likewise a list field with no resolver whose only extension is the policy (:class:`PolicyField`)
completes an empty list to ``[]`` at once when the caller's plan for that selection is cached
and refuses nothing: the policy has nothing to view or mask in it (a sanction check that allows
has no entries). Everything else, the first item of a list included (it makes the plan), and
every field while a schema extension resolves fields, takes graphql-core's path.

A field that holds a subject's identifier (declared with the ID-number mask: owners, holders,
key personnel, parties) records the value it releases in clear on the operation's context
(``shown``), so that the audit trail can put every subject whose identifier left on record, not
only the one looked up. That is done on either path, so the record does not depend on the
shortcut being taken.

The executor also breaks a reference cycle of graphql-core's: its resolve-info helpers hold
bound methods of the executor, which holds the helpers, so every request's executor — and the
fields, records, loaders and futures it reaches — was left to the cyclic garbage collector
(about 400 objects a request, a fifth of the process's CPU in collections under load). The
helpers here call the executor through weak references instead.

This relies on internals of graphql-core and strawberry: :mod:`hub.graphql.versions` pins the
versions, and ``tests/hub/test_execution_differential.py`` runs the real schema through this
executor and through graphql-core's own and compares the answers.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfoHelpers,
    Undefined,
    is_leaf_type,
)
from graphql.execution.executor import CollectedErrors
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from hub.policy.enforce import RAW, PolicyField, cached_plan, plan_key
from hub.policy.masking import MASK_METADATA, Mask

_SHAPE = "_fyt_shape"  # cached on the GraphQLField: its _Shape
_POLICY_LIST = "_fyt_policy_list"  # cached on the GraphQLField: attribute name or None
_NO_ARGS: list[Any] = []


@dataclass(frozen=True, slots=True)
class _Shape:
    """What the executor needs to know of a field, decided once per GraphQL field."""

    # a plain field's value, read as strawberry's own resolver reads it (None: not plain)
    read: Callable[[Any, None, list[Any], dict[str, Any]], Any] | None
    leaf_type: GraphQLLeafType | None
    non_null: bool
    identifier: bool  # holds a subject's identifier (ID-number mask)


def _shape(field: GraphQLField) -> _Shape:
    try:
        cached: _Shape = getattr(field, _SHAPE)
        return cached
    except AttributeError:
        pass
    definition = field.extensions.get("strawberry-definition")
    field_type = field.type
    non_null = isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    leaf_type: GraphQLLeafType | None = inner if is_leaf_type(inner) else None
    metadata = getattr(definition, "metadata", None) or {}
    # plain: decided from strawberry's definition, not from the resolver it built (the resolver
    # of a field without a resolver of its own is marked ``_is_default`` even when the field
    # has extensions)
    read = (
        definition.get_result
        if definition is not None
        and leaf_type is not None
        and definition.base_resolver is None
        and not definition.extensions
        and not field.args
        else None
    )
    shape = _Shape(
        read=read,
        leaf_type=leaf_type,
        non_null=non_null,
        identifier=leaf_type is not None and metadata.get(MASK_METADATA) is Mask.ID_NUMBER,
    )
    setattr(field, _SHAPE, shape)
    return shape


def _policy_list(field: GraphQLField) -> str | None:
    try:
        cached: str | None = getattr(field, _POLICY_LIST)
        return cached
    except AttributeError:
        pass
    name = None
    definition = field.extensions.get("strawberry-definition")
    field_type = field.type
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if (
        definition is not None
        and isinstance(inner, GraphQLList)
        and getattr(definition, "base_resolver", True) is None
        and not field.args
        and definition.extensions
        and all(isinstance(e, PolicyField) for e in definition.extensions)
    ):
        name = definition.python_name
    setattr(field, _POLICY_LIST, name)
    return name


def _weak_helpers(executor: Any) -> GraphQLResolveInfoHelpers:
    """The executor's ``gather`` and ``track`` without a strong reference back to it. A
    resolver using them runs inside the executor's work, which keeps it alive; should one
    outlive it, ``gather`` still gathers and ``track`` has nothing left to track for."""
    gather = weakref.WeakMethod(executor.gather_async_work)
    track = weakref.WeakMethod(executor.track_async_work)

    def gather_async_work(values: Sequence[Awaitable[Any]]) -> Awaitable[list[Any]]:
        method = gather()
        return method(values) if method is not None else asyncio.gather(*values)

    def track_async_work(values: Sequence[Any]) -> None:
        method = track()
        if method is not None:
            method(values)

    return GraphQLResolveInfoHelpers(gather=gather_async_work, track=track_async_work)


class HubExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.async_helpers = _weak_helpers(self)

    def build_response(self, data: dict[str, Any] | None) -> Any:
        response = super().build_response(data)
        # The response holds the errors; the executor keeps none. Each error's traceback
        # holds the executor's frames, and through them the executor: another cycle.
        self.collected_errors = CollectedErrors()
        return response

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        field = parent_type.fields.get(node.name.value)
        if field is None:  # __typename and introspection
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        shape = _shape(field)
        middleware = self.middleware_manager
        if shape.read is None or (middleware is not None and middleware.middlewares):
            if self._empty_and_allowed(parent_type, field, source, field_details_list):
                return []
            completed = super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
            return self._shown(completed) if shape.identifier else completed
        try:
            result = shape.read(source, None, _NO_ARGS, {})
            if self.is_awaitable(result):
                info = self.build_resolve_info(
                    field,
                    [d.node for d in field_details_list],
                    parent_type,
                    path,
                )
                completed = self.complete_awaitable_value(
                    field.type,
                    field_details_list,
                    info,
                    path,
                    result,
                    position_context,
                )
                return self._shown(completed) if shape.identifier else completed
            if isinstance(result, Exception):
                raise result
            if result is None or result is Undefined:
                if shape.non_null:
                    raise TypeError(
                        "Cannot return null for non-nullable field"
                        f" {parent_type.name}.{node.name.value}."
                    )
                return None
            if shape.identifier:
                self._shown(result)
            assert shape.leaf_type is not None  # a plain field is a leaf
            return self.complete_leaf_value(shape.leaf_type, result)
        except Exception as raw_error:
            self.handle_field_error(raw_error, field.type, field_details_list, path)
            return None

    def _shown(self, value: Any) -> Any:
        """Put a subject's identifier that leaves in clear on the operation's record (the audit
        trail writes it); masked values (with ``*``) and nulls are not identifiers."""
        if type(value) is str:
            if "*" not in value:
                shown = getattr(self.context_value, "shown", None)
                if shown is not None:
                    shown.add(value)
            return value
        if self.is_awaitable(value):

            async def recorded() -> Any:
                return self._shown(await value)

            return recorded()
        return value

    def _empty_and_allowed(
        self,
        parent_type: GraphQLObjectType,
        field: GraphQLField,
        source: Any,
        field_details_list: Any,
    ) -> bool:
        """An empty list under a policy-only list field whose cached plan refuses nothing."""
        name = _policy_list(field)
        middleware = self.middleware_manager
        if name is None or (middleware is not None and middleware.middlewares):
            return False
        value = getattr(getattr(source, RAW, source), name, None)
        if not isinstance(value, list) or value:
            return False
        grants = getattr(self.context_value, "grants", None)
        if grants is None:
            return False
        plan = cached_plan(grants, plan_key(parent_type.name, [d.node for d in field_details_list]))
        return plan is not None and plan.refusal is None
