"""Applying the compiled policy while a query executes, without a check per leaf field.

Every field that returns objects carries :class:`PolicyField` (attached when the schema is
built, see :func:`attach_policy`). For the caller's grants and the field's selection it builds
once (then caches, per merged selection: see :func:`plan_key`) a :class:`Plan`:

- the field's own decision: DENY raises ``FORBIDDEN`` before the resolver runs, so its
  look-up is never made; so does a selection whose every requested leaf is denied;
- per returned type, a *view* class when some requested leaf is masked or denied: the view
  masks (rule declared on the field) or refuses that leaf, and passes everything else through.
  When everything requested is readable no view is made and records leave as they are.

Resolvers always receive the raw record, never the view, so references and keys stay intact;
only what graphql-core reads for the response goes through the view.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLUnionType,
    InlineFragmentNode,
    get_named_type,
    is_leaf_type,
)
from strawberry.extensions.field_extension import FieldExtension
from strawberry.types import Info

from hub.errors import Forbidden
from hub.policy.masking import apply_mask
from hub.policy.table import Decision, FieldInfo, Grants, PlanKey

RAW = "_fyt_raw"
_PLAN_CACHE_LIMIT = 4096


def raw(obj: Any) -> Any:
    """The record behind a view (or the object itself)."""
    return getattr(obj, RAW, obj)


def forbidden(grants: Grants, coordinate: str) -> Forbidden:
    return Forbidden(
        f"{grants.describe} may not see {coordinate}", coordinate=coordinate, reason="POLICY"
    )


@dataclass
class Plan:
    own: Decision
    refused_below: bool  # every requested leaf below is denied
    views: dict[str, type | None] = field(default_factory=dict)  # concrete type -> view class
    denied_leaves: list[str] = field(default_factory=list)
    # per concrete type: the requested fields that will resolve (not refused)
    live: dict[str, frozenset[str]] = field(default_factory=dict)
    # every coordinate requested in the subtree, by decision (for the audit log)
    granted: list[str] = field(default_factory=list)
    masked: list[str] = field(default_factory=list)
    denied: list[str] = field(default_factory=list)
    refusal: Callable[[], Forbidden] | None = None  # makes the error when the field is refused
    passthrough: bool = True  # nothing to mask or refuse in what this field returns

    def seal(self, grants: Grants, coordinate: str) -> Plan:
        self.passthrough = not any(self.views.values())
        if self.own == Decision.DENY:
            self.refusal = lambda: forbidden(grants, coordinate)
        elif self.refused_below:
            self.refusal = lambda: Forbidden(
                f"{grants.describe} may see none of the fields requested under {coordinate}",
                coordinate=coordinate,
                reason="POLICY",
            )
        return self

    def apply(self, value: Any) -> Any:
        if value is None or self.passthrough:
            return value
        if isinstance(value, list):
            return [self._wrap(v) for v in value]
        return self._wrap(value)

    def _wrap(self, value: Any) -> Any:
        if value is None or isinstance(value, BaseException):
            return value
        if len(self.views) == 1:
            view = next(iter(self.views.values()))
        else:
            definition = getattr(value, "__strawberry_definition__", None)
            view = self.views.get(definition.name if definition else "")
        return view(value) if view is not None else value


# --- building plans -------------------------------------------------------------------------


def _requested(
    nodes: list[FieldNode], type_name: str, info: Info[Any, Any], schema: Any
) -> dict[str, list[FieldNode]]:
    """Response fields requested on ``type_name`` by these nodes' selection sets."""
    out: dict[str, list[FieldNode]] = {}
    fragments = info._raw_info.fragments

    def visit(selection_set: Any) -> None:
        if selection_set is None:
            return
        for sel in selection_set.selections:
            if isinstance(sel, FieldNode):
                out.setdefault(sel.name.value, []).append(sel)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition.name.value if sel.type_condition else None
                if cond is None or _applies(cond, type_name, schema):
                    visit(sel.selection_set)
            elif isinstance(sel, FragmentSpreadNode):
                frag = fragments.get(sel.name.value)
                if frag is not None and _applies(frag.type_condition.name.value, type_name, schema):
                    visit(frag.selection_set)

    for node in nodes:
        visit(node.selection_set)
    return out


def _applies(condition: str, type_name: str, schema: Any) -> bool:
    if condition == type_name:
        return True
    cond_type = schema.get_type(condition)
    return isinstance(cond_type, GraphQLUnionType) and any(
        t.name == type_name for t in cond_type.types
    )


def _concrete(named: Any) -> list[GraphQLObjectType]:
    if isinstance(named, GraphQLUnionType):
        return list(named.types)
    if isinstance(named, GraphQLObjectType):
        return [named]
    return []


class PlanBuilder:
    def __init__(self, grants: Grants, fields: dict[str, FieldInfo], info: Info[Any, Any]) -> None:
        self.grants = grants
        self.fields = fields
        self.info = info
        self.schema = info._raw_info.schema

    def decision(self, coordinate: str) -> Decision:
        if coordinate not in self.fields:  # not governed (the caller's own account)
            return Decision.READ
        return self.grants.decision(coordinate)

    def all_denied(self, nodes: list[FieldNode], named: Any, depth: int = 0) -> bool:
        if depth > 32:
            return False
        saw_any = False
        for obj_type in _concrete(named):
            for name, subnodes in _requested(nodes, obj_type.name, self.info, self.schema).items():
                if name.startswith("__"):
                    continue
                saw_any = True
                gql_field = obj_type.fields.get(name)
                if gql_field is None:
                    continue
                d = self.decision(f"{obj_type.name}.{name}")
                if d == Decision.DENY:
                    continue
                sub_named = get_named_type(gql_field.type)
                if is_leaf_type(sub_named) or not self.all_denied(subnodes, sub_named, depth + 1):
                    return False
        return saw_any

    def coordinates(
        self, nodes: list[FieldNode], named: Any, out: dict[str, Decision], depth: int = 0
    ) -> None:
        """Every coordinate requested below these nodes with its decision (refused subtrees
        are recorded as refused, not walked)."""
        if depth > 32:
            return
        for obj_type in _concrete(named):
            for name, subnodes in _requested(nodes, obj_type.name, self.info, self.schema).items():
                gql_field = obj_type.fields.get(name)
                if gql_field is None or name.startswith("__"):
                    continue
                coord = f"{obj_type.name}.{name}"
                d = self.decision(coord)
                out[coord] = min(out.get(coord, d), d)
                sub_named = get_named_type(gql_field.type)
                if d != Decision.DENY and not is_leaf_type(sub_named):
                    self.coordinates(subnodes, sub_named, out, depth + 1)

    def build(self, coordinate: str, nodes: list[FieldNode], return_type: Any) -> Plan:
        named = get_named_type(return_type)
        plan = Plan(own=self.decision(coordinate), refused_below=False)
        if plan.own == Decision.DENY:
            return plan
        plan.refused_below = self.all_denied(nodes, named)
        requested: dict[str, Decision] = {}
        self.coordinates(nodes, named, requested)
        for coord, d in sorted(requested.items()):
            if d == Decision.READ:
                plan.granted.append(coord)
            elif d == Decision.MASK:
                plan.masked.append(coord)
            else:
                plan.denied.append(coord)
        for obj_type in _concrete(named):
            special: dict[str, tuple[Decision, FieldInfo]] = {}
            selected = _requested(nodes, obj_type.name, self.info, self.schema)
            live = set()
            for name, subnodes in selected.items():
                gql_field = obj_type.fields.get(name)
                if gql_field is None or self.decision(f"{obj_type.name}.{name}") == Decision.DENY:
                    continue
                sub_named = get_named_type(gql_field.type)
                if is_leaf_type(sub_named) or not self.all_denied(subnodes, sub_named):
                    live.add(name)
            plan.live[obj_type.name] = frozenset(live)
            for name in selected:
                gql_field = obj_type.fields.get(name)
                if gql_field is None or not is_leaf_type(get_named_type(gql_field.type)):
                    continue
                coord = f"{obj_type.name}.{name}"
                info = self.fields.get(coord)
                if info is None:
                    continue
                d = self.grants.decision(coord)
                if d != Decision.READ:
                    special[coord] = (d, info)
                    if d == Decision.DENY:
                        plan.denied_leaves.append(coord)
            plan.views[obj_type.name] = (
                make_view(obj_type.name, special, self.grants) if special else None
            )
        return plan


def make_view(
    type_name: str, special: dict[str, tuple[Decision, FieldInfo]], grants: Grants
) -> type:
    namespace: dict[str, Any] = {"__slots__": (RAW,)}

    def init(self: Any, record: Any) -> None:
        object.__setattr__(self, RAW, record)

    def forward(self: Any, name: str) -> Any:
        return getattr(object.__getattribute__(self, RAW), name)

    namespace["__init__"] = init
    namespace["__getattr__"] = forward
    for coordinate, (decision, info) in special.items():
        namespace[info.python_name] = _property(coordinate, decision, info, grants)
    view = type(f"{type_name}View", (), namespace)
    return view


# Kinds of record whose value a mask leaves as it is: enterprise names and USCCs are public
# register data; a staff user id (judge-zhang) is no one's personal data.
UNMASKED_KINDS = frozenset({"ENTERPRISE", "STAFF"})


def _property(coordinate: str, decision: Decision, info: FieldInfo, grants: Grants) -> property:
    py = info.python_name
    rule = info.mask
    # A field with no mask to apply is withheld (PolicyTable.grants never masks one).
    if decision == Decision.DENY or rule is None:

        def denied(self: Any) -> Any:
            raise forbidden(grants, coordinate)

        return property(denied)
    kind_attr = info.kind_attr

    def masked(self: Any) -> Any:
        record = object.__getattribute__(self, RAW)
        value = getattr(record, py)
        if kind_attr is not None:
            kind = getattr(record, kind_attr, None)
            if getattr(kind, "value", kind) in UNMASKED_KINDS:  # a string or an enum member
                return value
        return apply_mask(rule, value)

    return property(masked)


def plan_key(parent_type: str, nodes: Sequence[FieldNode]) -> PlanKey:
    """What a plan stands for: the parent type and *every* field node merged into the field.

    The same node (a field inside a named fragment) can be merged with different siblings in
    different places of one document, so no single node identifies the selection. The cache
    entry keeps the nodes alive, so their ids cannot be reused while it exists."""
    return (parent_type, *map(id, nodes))


def cached_plan(grants: Grants, key: PlanKey) -> Plan | None:
    hit = grants.plans.get(key)
    return hit[1] if hit is not None else None


def plan_for(grants: Grants, fields: dict[str, FieldInfo], info: Info[Any, Any]) -> Plan:
    raw_info = info._raw_info
    nodes = raw_info.field_nodes
    key = plan_key(raw_info.parent_type.name, nodes)
    hit = grants.plans.get(key)
    if hit is not None:
        return hit[1]
    coordinate = f"{raw_info.parent_type.name}.{raw_info.field_name}"
    plan = PlanBuilder(grants, fields, info).build(coordinate, list(nodes), raw_info.return_type)
    plan.seal(grants, coordinate)
    if not getattr(raw_info.context, "cache_plans", True):
        return plan  # a document too large for the shared caches
    if len(grants.plans) >= _PLAN_CACHE_LIMIT:
        grants.plans.clear()
    grants.plans[key] = (tuple(nodes), plan)
    return plan


def policy_in_force(info: Info[Any, Any]) -> None:
    """Refuses to go on with an operation whose grants are of a policy no longer in force.

    A subscription runs for as long as its caller stays connected, with the grants of the policy
    in force when it started: after ``fyt policy reload`` (or a policy generation another
    process recorded) it would go on releasing what the new policy may no longer grant. So the
    subscription decorator (hub.graphql.resolvers.subscription) calls this before each event
    leaves, and a subscription that records its events before yielding them (police, sanction
    feed) calls it before it records; the subscription ends with ``FORBIDDEN`` (reason
    ``POLICY_CHANGED``): subscribed again, it runs under the new policy."""
    context = info._raw_info.context
    if context.runtime.policy is not context.policy:
        raise Forbidden(
            "the access policy changed while this subscription ran; subscribe again to follow"
            " under the policy in force",
            reason="POLICY_CHANGED",
        )


def policy_plan(info: Info[Any, Any]) -> Plan:
    """The caller's plan for this field, refused as the policy says: for fields that cannot
    carry :class:`PolicyField` (subscriptions apply it to each event themselves)."""
    context = info._raw_info.context
    plan = plan_for(context.grants, context.runtime.policy_fields, info)
    if plan.refusal is not None:
        raise plan.refusal()
    return plan


# --- the field extension ----------------------------------------------------------------------


def _then(awaitable: Awaitable[Any], fn: Callable[[Any], Any]) -> Any:
    """``fn`` applied to the awaitable's result, without creating a task for plain futures."""
    if asyncio.isfuture(awaitable):
        loop = awaitable.get_loop()
        out = loop.create_future()

        def done(f: asyncio.Future[Any]) -> None:
            if out.done():
                return
            if f.cancelled():
                out.cancel()
            elif (exc := f.exception()) is not None:
                out.set_exception(exc)
            else:
                try:
                    out.set_result(fn(f.result()))
                except Exception as err:
                    out.set_exception(err)

        awaitable.add_done_callback(done)
        return out

    async def chained() -> Any:
        return fn(await awaitable)

    return chained()


class PolicyField(FieldExtension):
    """Enforces the caller's grants on one object-returning field (see module docstring)."""

    @staticmethod
    def _plan(info: Info[Any, Any]) -> Plan:
        context = info._raw_info.context
        plan = plan_for(context.grants, context.runtime.policy_fields, info)
        if plan.refusal is not None:
            raise plan.refusal()
        return plan

    def resolve(
        self, next_: Callable[..., Any], source: Any, info: Info[Any, Any], **kwargs: Any
    ) -> Any:
        plan = self._plan(info)
        result = next_(getattr(source, RAW, source), info, **kwargs)
        if plan.passthrough:
            return result
        if inspect.isawaitable(result):
            return _then(result, plan.apply)
        return plan.apply(result)

    async def resolve_async(
        self, next_: Callable[..., Any], source: Any, info: Info[Any, Any], **kwargs: Any
    ) -> Any:
        plan = self._plan(info)
        result = next_(getattr(source, RAW, source), info, **kwargs)
        if inspect.isawaitable(result):
            result = await result
        return plan.apply(result)


def attach_policy(types: list[type], *, skip: frozenset[str]) -> None:
    """Add :class:`PolicyField` to every object-returning field of these strawberry types."""
    from strawberry.types.base import StrawberryList, StrawberryOptional, get_object_definition
    from strawberry.types.union import StrawberryUnion

    def is_object(t: Any) -> bool:
        while isinstance(t, StrawberryOptional | StrawberryList):
            t = t.of_type
        return (
            hasattr(t, "__strawberry_definition__")
            or hasattr(t, "__strawberry_union__")
            or isinstance(t, StrawberryUnion)
        )

    for cls in types:
        definition = get_object_definition(cls, strict=True)
        for f in definition.fields:
            if f"{definition.name}.{f.python_name}" in skip or any(
                isinstance(e, PolicyField) for e in f.extensions
            ):
                continue
            if is_object(f.type):
                f.extensions.append(PolicyField())
