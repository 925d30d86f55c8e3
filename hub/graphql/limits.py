"""Query limits: what a single request may ask for, checked before anything runs.

An exchange holding every citizen's data is a target; a query is refused with
``QUERY_TOO_COMPLEX`` and ``extensions.limit`` naming the limit when it

- nests fields deeper than ``max_depth`` (``DEPTH``),
- nests persons and enterprises through references deeper than ``max_reference_depth``
  (``REFERENCE_DEPTH``),
- uses more than ``max_aliases`` aliases (``ALIASES``),
- has more than ``max_tokens`` tokens (``TOKENS``, enforced by the parser),
- would cost more than ``max_cost`` (``COST``): every object field costs 1 per parent item; a
  field that names subjects (``persons``, ``enterprises``, ``sanctionChecks``) costs 1 per
  subject named and its list counts its actual length, any other list is assumed to hold 10
  items.

Fragments are followed wherever they are spread (a fragment or operation *named* like an
introspection field is just a name), so nesting cannot hide in them. The static limits are a
validation rule (cached with the document); the cost needs the variables and is checked when
the operation executes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    ListValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
)
from graphql.validation import ValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult

from hub.config import Settings
from hub.graphql.context import AuthedContext

SUBJECT_TYPE_NAMES = frozenset({"Person", "Enterprise", "Subject"})
SUBJECT_LIST_ARGUMENTS = frozenset({"idNumbers", "usccs", "subjects"})
LIST_FANOUT = 10
_WALK_BUDGET = 20_000


# Limits field -> the setting it comes from (HUB_MAX_*), whose default is the only one stated.
SETTINGS = {
    "max_depth": "max_query_depth",
    "max_reference_depth": "max_reference_depth",
    "max_aliases": "max_aliases",
    "max_tokens": "max_tokens",
    "max_cost": "max_query_cost",
    "max_batch_operations": "max_batch_operations",
    "max_document_bytes": "max_document_bytes",
}


@dataclass(frozen=True, slots=True)
class Limits:
    """The query limits a schema enforces; without arguments, the settings' defaults."""

    max_depth: int = Settings.default_of(SETTINGS["max_depth"])
    max_reference_depth: int = Settings.default_of(SETTINGS["max_reference_depth"])
    max_aliases: int = Settings.default_of(SETTINGS["max_aliases"])
    max_tokens: int = Settings.default_of(SETTINGS["max_tokens"])
    max_cost: int = Settings.default_of(SETTINGS["max_cost"])
    max_batch_operations: int = Settings.default_of(SETTINGS["max_batch_operations"])
    max_document_bytes: int = Settings.default_of(SETTINGS["max_document_bytes"])


DEFAULT_LIMITS = Limits()


def limits_of(settings: Settings) -> Limits:
    """The query limits a hub's settings choose."""
    return Limits(**{name: getattr(settings, setting) for name, setting in SETTINGS.items()})


def too_complex(message: str, limit: str, node: Any = None) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": "QUERY_TOO_COMPLEX", "limit": limit})


@dataclass
class Shape:
    depth: int = 0
    reference_depth: int = 0
    aliases: int = 0


def _is_list(t: Any) -> bool:
    while isinstance(t, GraphQLNonNull):
        t = t.of_type
    return isinstance(t, GraphQLList)


class _Walker:
    """Walks an operation's selections with types, following fragment spreads."""

    def __init__(self, schema: GraphQLSchema, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.schema = schema
        self.fragments = fragments
        self.budget = _WALK_BUDGET

    def fields(
        self, selection_set: SelectionSetNode, parent: Any, visiting: frozenset[str] = frozenset()
    ) -> Iterator[tuple[FieldNode, Any, Any]]:
        """(field node, field definition or None, its parent type) for every selected field."""
        for sel in selection_set.selections:
            self.budget -= 1
            if self.budget < 0:
                raise too_complex("the query is too large to analyse; simplify it", "SIZE", sel)
            if isinstance(sel, FieldNode):
                definition = None
                if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
                    definition = parent.fields.get(sel.name.value)
                yield sel, definition, parent
            elif isinstance(sel, InlineFragmentNode):
                cond = (
                    self.schema.get_type(sel.type_condition.name.value)
                    if sel.type_condition
                    else parent
                )
                yield from self.fields(sel.selection_set, cond, visiting)
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                frag = self.fragments.get(name)
                if frag is None or name in visiting:
                    continue
                cond = self.schema.get_type(frag.type_condition.name.value)
                yield from self.fields(frag.selection_set, cond, visiting | {name})

    def shape(
        self,
        selection_set: SelectionSetNode,
        parent: Any,
        depth: int,
        refs: int,
        out: Shape,
        visiting: frozenset[str] = frozenset(),
    ) -> None:
        for node, definition, _ in self.fields(selection_set, parent, visiting):
            if node.alias is not None:
                out.aliases += 1
            if definition is None:
                continue
            named = get_named_type(definition.type)
            d = depth + 1
            r = refs + (1 if named.name in SUBJECT_TYPE_NAMES else 0)
            out.depth = max(out.depth, d)
            out.reference_depth = max(out.reference_depth, r)
            if node.selection_set is not None:
                self.shape(node.selection_set, named, d, r, out)

    def cost(
        self,
        selection_set: SelectionSetNode,
        parent: Any,
        multiplier: int,
        variables: dict[str, Any],
    ) -> int:
        total = 0
        for node, definition, _ in self.fields(selection_set, parent):
            if definition is None or is_leaf_type(get_named_type(definition.type)):
                continue
            total += multiplier
            fanout = 1
            named = _subject_list_length(node, variables)
            if named:
                total += multiplier * named  # each subject named is a look-up or a check
            if _is_list(definition.type):
                fanout = named or LIST_FANOUT
            if node.selection_set is not None:
                total += self.cost(
                    node.selection_set,
                    get_named_type(definition.type),
                    multiplier * fanout,
                    variables,
                )
        return total


def _subject_list_length(node: FieldNode, variables: dict[str, Any]) -> int | None:
    """How many subjects a field's list arguments name together: a literal list by its
    length, a variable by the value sent or, when none is sent, by its default value in the
    operation (None when the field takes no subject list)."""
    total: int | None = None
    for arg in node.arguments or ():
        if arg.name.value not in SUBJECT_LIST_ARGUMENTS:
            continue
        value: ValueNode | None = arg.value
        count = 1
        if isinstance(value, VariableNode):
            name = value.name.value
            if name in variables:
                v = variables[name]
                count = len(v) if isinstance(v, list) else int(v is not None)
                total = (total or 0) + count
                continue
            value = variables.get(_DEFAULT, {}).get(name)
        if isinstance(value, ListValueNode):
            count = len(value.values)
        elif value is None:
            count = 0
        total = (total or 0) + count
    return total


_DEFAULT = "\x00defaults"  # where operation_cost puts the operation's default values


def _defaults(operation: OperationDefinitionNode) -> dict[str, Any]:
    return {
        v.variable.name.value: v.default_value
        for v in operation.variable_definitions or ()
        if v.default_value is not None
    }


def _fragments(document: Any) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}


def query_limits_rule(limits: Limits) -> type[ValidationRule]:
    class QueryLimits(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            walker = _Walker(self.context.schema, _fragments(self.context.document))
            shape = Shape()
            try:
                walker.shape(
                    node.selection_set,
                    self.context.schema.get_root_type(node.operation),
                    0,
                    0,
                    shape,
                )
            except GraphQLError as err:
                self.report_error(err)
                return
            if shape.depth > limits.max_depth:
                self.report_error(
                    too_complex(
                        f"the query nests fields {shape.depth} deep; at most {limits.max_depth}",
                        "DEPTH",
                        node,
                    )
                )
            if shape.reference_depth > limits.max_reference_depth:
                self.report_error(
                    too_complex(
                        f"the query nests persons and enterprises {shape.reference_depth} deep through"
                        f" references; at most {limits.max_reference_depth} are allowed — query the"
                        " referenced subject on its own",
                        "REFERENCE_DEPTH",
                        node,
                    )
                )
            if shape.aliases > limits.max_aliases:
                self.report_error(
                    too_complex(
                        f"the query uses {shape.aliases} aliases; at most {limits.max_aliases}",
                        "ALIASES",
                        node,
                    )
                )

    return QueryLimits


def operation_cost(
    schema: GraphQLSchema, document: Any, operation_name: str | None, variables: dict[str, Any]
) -> int:
    walker = _Walker(schema, _fragments(document))
    total = 0
    for d in document.definitions:
        if isinstance(d, OperationDefinitionNode) and (
            operation_name is None or (d.name and d.name.value == operation_name)
        ):
            seen = {**variables, _DEFAULT: _defaults(d)}
            total += walker.cost(d.selection_set, schema.get_root_type(d.operation), 1, seen)
    return total


_COSTS: dict[tuple[int, str | None, tuple[tuple[str, int], ...]], tuple[Any, int]] = {}


def cached_cost(
    schema: GraphQLSchema, document: Any, operation_name: str | None, variables: dict[str, Any]
) -> int:
    """The cost depends on the document and on which variables are sent, with the lengths
    of the lists among them (an absent variable costs its default value)."""
    lengths = tuple(
        sorted((k, len(v) if isinstance(v, list) else -1) for k, v in variables.items())
    )
    key = (id(document), operation_name, lengths)
    hit = _COSTS.get(key)
    if hit is not None and hit[0] is document:
        return hit[1]
    cost = operation_cost(schema, document, operation_name, variables)
    if document.loc is not None and document.loc.end > CACHED_DOCUMENT_CHARS:
        return cost  # large documents stay out of the shared caches
    if len(_COSTS) >= 4096:
        _COSTS.clear()
    _COSTS[key] = (document, cost)  # the entry keeps the document alive: its id stays unique
    return cost


CACHED_DOCUMENT_CHARS = 8_192  # longer documents are parsed, validated, costed and planned each time


class QueryCost(SchemaExtension):
    """Refuses an operation whose estimated cost exceeds the limit (needs the variables).

    The operations of one batched request share one budget of ``max_cost``: each takes its
    cost from what the earlier ones left, so ten operations cost what one may."""

    def __init__(self, limit: int = DEFAULT_LIMITS.max_cost) -> None:
        super().__init__()
        self.limit = limit

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        document = ec.graphql_document
        if document is not None and not ec.result:
            try:
                cost = cached_cost(
                    ec.schema._schema, document, ec.operation_name, ec.variables or {}
                )
            except GraphQLError as err:
                ec.result = ExecutionResult(data=None, errors=[err])
            else:
                # the batch's budget, kept on the request's context (None outside a batch)
                base = ec.context.parent if isinstance(ec.context, AuthedContext) else None
                budget = base.budget if base is not None else None
                if cost > self.limit:
                    ec.result = ExecutionResult(
                        data=None,
                        errors=[
                            too_complex(
                                f"the query would cost {cost:,} (each object field per item; subject lists by"
                                f" their length, other lists counted as {LIST_FANOUT}); at most"
                                f" {self.limit:,} — ask for fewer subjects or fewer nested lists",
                                "COST",
                            )
                        ],
                    )
                elif budget is not None and cost > budget:
                    ec.result = ExecutionResult(
                        data=None,
                        errors=[
                            too_complex(
                                f"this operation would cost {cost:,}, and the batch it came in has"
                                f" {budget:,} of its {self.limit:,} left — a batch costs what one"
                                " operation may; split it over several requests",
                                "COST",
                            )
                        ],
                    )
                elif base is not None and budget is not None:
                    base.budget = budget - cost
        yield
