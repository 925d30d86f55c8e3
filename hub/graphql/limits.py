"""Static limits checked while validating a query, before anything runs."""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
)
from graphql.validation import ValidationRule

SUBJECT_TYPE_NAMES = frozenset({"Person", "Enterprise", "Subject"})
_WALK_BUDGET = 20_000


def _too_complex(message: str, node: Any, limit: str) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": "QUERY_TOO_COMPLEX", "limit": limit})


def reference_depth(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
) -> int:
    """How many subjects (Person / Enterprise) deep the operation's selections nest."""
    budget = [_WALK_BUDGET]
    deepest = 0

    def walk(
        selection_set: SelectionSetNode, parent: Any, depth: int, visiting: frozenset[str]
    ) -> None:
        nonlocal deepest
        for sel in selection_set.selections:
            budget[0] -= 1
            if budget[0] < 0:
                raise _too_complex("the query is too large to analyse; simplify it", sel, "SIZE")
            if isinstance(sel, FieldNode):
                if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
                    continue
                field = parent.fields.get(sel.name.value)
                if field is None:
                    continue
                named = get_named_type(field.type)
                d = depth + (1 if named.name in SUBJECT_TYPE_NAMES else 0)
                deepest = max(deepest, d)
                if sel.selection_set is not None:
                    walk(sel.selection_set, named, d, visiting)
            elif isinstance(sel, InlineFragmentNode):
                cond = (
                    schema.get_type(sel.type_condition.name.value) if sel.type_condition else parent
                )
                walk(sel.selection_set, cond, depth, visiting)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                frag = fragments.get(name)
                if frag is None or name in visiting:
                    continue
                walk(
                    frag.selection_set,
                    schema.get_type(frag.type_condition.name.value),
                    depth,
                    visiting | {name},
                )

    root = schema.get_root_type(operation.operation)
    walk(operation.selection_set, root, 0, frozenset())
    return deepest


def reference_depth_rule(max_depth: int) -> type[ValidationRule]:
    class ReferenceDepth(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            doc = self.context.document
            fragments = {
                d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)
            }
            try:
                depth = reference_depth(self.context.schema, node, fragments)
            except GraphQLError as err:
                self.report_error(err)
                return
            if depth > max_depth:
                self.report_error(
                    _too_complex(
                        f"the query nests persons and enterprises {depth} deep through references;"
                        f" at most {max_depth} are allowed — query the referenced subject on its own",
                        node,
                        "REFERENCE_DEPTH",
                    )
                )

    return ReferenceDepth
