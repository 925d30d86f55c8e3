"""Query execution: a shorter path for fields that only read an attribute and return a leaf.

graphql-core executes every field the same way: it builds a resolve-info object, calls the
resolver strawberry made for the field, and completes the value. For a *plain* field — no
resolver of its own, no field extension (so no policy plan), no arguments, a scalar or enum
type — strawberry's resolver reads the attribute and ignores the info, so the info is not
built: the attribute is read and completed as a leaf directly, with the same null checks and
errors. A list of 10,000 sanction check results has 20,000 and more such fields. Everything
else (and every field while a schema extension resolves fields) takes graphql-core's path.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_PLAIN = "_fyt_plain"  # cached on the GraphQLField: (leaf type, non-null) or None


def _plain(field: GraphQLField) -> tuple[GraphQLLeafType, bool] | None:
    try:
        return getattr(field, _PLAIN)  # type: ignore[no-any-return]
    except AttributeError:
        pass
    plain: tuple[GraphQLLeafType, bool] | None = None
    field_type = field.type
    non_null = isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if non_null else field_type
    if (
        getattr(field.resolve, "_is_default", False)  # strawberry: no resolver, no extension
        and not field.args
        and is_leaf_type(inner)
    ):
        plain = (inner, non_null)  # type: ignore[assignment]
    setattr(field, _PLAIN, plain)
    return plain


class HubExecutionContext(StrawberryGraphQLCoreExecutionContext):
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
        middleware = self.middleware_manager
        plain = (
            _plain(field)
            if field is not None and (middleware is None or not middleware.middlewares)
            else None
        )
        if plain is None:
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        leaf_type, non_null = plain
        try:
            result = field.resolve(source, None)  # type: ignore[misc, union-attr]
            if self.is_awaitable(result):
                info = self.build_resolve_info(
                    field,  # type: ignore[arg-type]
                    [d.node for d in field_details_list],
                    parent_type,
                    path,
                )
                return self.complete_awaitable_value(
                    field.type,  # type: ignore[union-attr]
                    field_details_list,
                    info,
                    path,
                    result,
                    position_context,
                )
            if isinstance(result, Exception):
                raise result
            if result is None or result is Undefined:
                if non_null:
                    raise TypeError(
                        "Cannot return null for non-nullable field"
                        f" {parent_type.name}.{node.name.value}."
                    )
                return None
            return self.complete_leaf_value(leaf_type, result)
        except Exception as raw_error:
            self.handle_field_error(
                raw_error,
                field.type,  # type: ignore[union-attr]
                field_details_list,
                path,
            )
            return None
