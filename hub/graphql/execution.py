"""Query execution: a shorter path for fields that only read an attribute and return a leaf.

graphql-core executes every field the same way: it builds a resolve-info object, calls the
resolver strawberry made for the field, and completes the value. For a *plain* field — no
resolver of its own, no field extension (so no policy plan), no arguments, a scalar or enum
type — strawberry's resolver reads the attribute and ignores the info, so the info is not
built: the attribute is read and completed as a leaf directly, with the same null checks and
errors. A list of 10,000 sanction check results has 20,000 and more such fields.

Likewise a list field with no resolver whose only extension is the policy (:class:`PolicyField`)
completes an empty list to ``[]`` at once when the caller's plan for that selection is cached
and refuses nothing: the policy has nothing to view or mask in it (a sanction check that allows
has no entries). Everything else, the first item of a list included (it makes the plan), and
every field while a schema extension resolves fields, takes graphql-core's path.

A plain field that holds a subject's identifier (declared with the ID-number mask: owners,
holders, key personnel, parties) records the value it releases in clear on the operation's
context (``shown``), so that the audit trail can put every subject whose identifier left on
record, not only the one looked up.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    Undefined,
    is_leaf_type,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from hub.policy.enforce import RAW, PolicyField, cached_plan, plan_key
from hub.policy.masking import MASK_METADATA, Mask

_PLAIN = "_fyt_plain"  # cached on the GraphQLField: (leaf type, non-null) or None
_POLICY_LIST = "_fyt_policy_list"  # cached on the GraphQLField: attribute name or None


def _plain(field: GraphQLField) -> tuple[GraphQLLeafType, bool, bool] | None:
    """(leaf type, non-null, holds a subject's identifier) of a plain field, else None."""
    try:
        cached: tuple[GraphQLLeafType, bool, bool] | None = getattr(field, _PLAIN)
        return cached
    except AttributeError:
        pass
    plain: tuple[GraphQLLeafType, bool, bool] | None = None
    field_type = field.type
    non_null = isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if isinstance(field_type, GraphQLNonNull) else field_type
    if (
        getattr(field.resolve, "_is_default", False)  # strawberry: no resolver, no extension
        and not field.args
        and is_leaf_type(inner)
    ):
        definition = field.extensions.get("strawberry-definition")
        metadata = getattr(definition, "metadata", None) or {}
        identifier = metadata.get(MASK_METADATA) is Mask.ID_NUMBER
        plain = (inner, non_null, identifier)
    setattr(field, _PLAIN, plain)
    return plain


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
            if field is not None and self._empty_and_allowed(
                parent_type, field, source, field_details_list
            ):
                return []
            return super().execute_field(
                parent_type, source, field_details_list, path, position_context
            )
        leaf_type, non_null, identifier = plain
        try:
            result = field.resolve(source, None)
            if self.is_awaitable(result):
                info = self.build_resolve_info(
                    field,
                    [d.node for d in field_details_list],
                    parent_type,
                    path,
                )
                return self.complete_awaitable_value(
                    field.type,
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
            if identifier and type(result) is str and "*" not in result:
                # a subject's identifier leaves in clear: the audit trail records it
                shown = getattr(self.context_value, "shown", None)
                if shown is not None:
                    shown.add(result)
            return self.complete_leaf_value(leaf_type, result)
        except Exception as raw_error:
            self.handle_field_error(
                raw_error,
                field.type,
                field_details_list,
                path,
            )
            return None

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
