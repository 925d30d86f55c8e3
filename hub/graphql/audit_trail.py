"""Every operation's own context, and its audit entries durable before anything is released.

Two schema extensions, so they run on every transport strawberry serves the schema on — single
HTTP requests, batched JSON arrays, graphql-transport-ws (queries and mutations as well as
subscriptions) and in-process ``schema.execute`` — the same way:

- :class:`OperationScope` gives each operation a fresh :class:`AuthedContext` (its own request
  id, loaders, cited cases, audit records and the policy in force when it starts) and refuses
  an operation with no caller, or whose token has expired (a websocket outlives its token's
  check at connect).
- :class:`AuditTrail` writes what the operation touched — subjects looked up or referenced,
  lists of subjects served, refusals of whole fields — after execution and before the result
  leaves; for a subscription, before each event leaves. If the audit store cannot take the
  entries the result is replaced by ``AUDIT_UNAVAILABLE`` with no data (fail closed).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    get_operation_ast,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.execution import ExecutionResult
from strawberry.types.graphql import OperationType

from hub.audit.entries import AccessRecord, BatchRecord
from hub.errors import (
    AuditUnavailable,
    Forbidden,
    HubError,
    PurposeRequired,
    RateLimited,
    Unauthenticated,
)
from hub.graphql.context import AuthedContext, HubContext
from hub.identifiers import subject_kind

log = logging.getLogger("hub.audit")

REFUSED = "ACCESS_REFUSED"  # a whole field refused to the caller (no subject reached)


class OperationScope(SchemaExtension):
    """One context per operation; an expired token runs nothing."""

    def on_operation(self) -> Iterator[None]:
        ec = self.execution_context
        if isinstance(ec.context, HubContext) and ec.context.principal is not None:
            ec.context = ec.context.for_operation()
        yield

    def on_execute(self) -> Iterator[None]:
        ec = self.execution_context
        context = ec.context
        error: Unauthenticated | RateLimited | None = None
        if isinstance(context, HubContext):  # no caller: the endpoint lets no such request in
            error = Unauthenticated("sign in: send Authorization: Bearer <JWT>", reason="MISSING")
        elif (
            isinstance(context, AuthedContext)
            and context.principal.expires_at.timestamp() <= time.time()
        ):
            error = Unauthenticated(
                "token expired; sign in again (a websocket ends when its token expires)",
                reason="EXPIRED",
            )
        elif isinstance(context, AuthedContext) and context.principal.enterprise is not None:
            error = _party_limit(context, _party_attempts(ec, context))
        if error is not None and not ec.result:
            refusal = GraphQLError(error.message, original_error=error, extensions=error.extensions)
            if ec.operation_type is OperationType.SUBSCRIPTION:
                # strawberry subscribes whatever the result says; what a hook raises is the
                # stream's one answer instead
                raise refusal
            ec.result = ExecutionResult(data=None, errors=[refusal])
        yield


def _party_attempts(ec: Any, context: AuthedContext) -> int:
    """The attempts an enterprise party's operation may make, counted before it runs
    (probing.py): its root fields — every alias, inside fragments, whatever their directives
    say — that take arguments. Those the policy refuses are attempts; a granted one (a request
    filed) is one if it is refused (a case not its own), which is known only once it ran: the
    count is given back for those that were not."""
    schema = ec.schema._schema
    root = {
        OperationType.QUERY: schema.query_type,
        OperationType.MUTATION: schema.mutation_type,
        OperationType.SUBSCRIPTION: schema.subscription_type,
    }.get(ec.operation_type)
    if root is None:
        return 0
    attempts = 0
    for node in _root_fields(ec):
        field = root.fields.get(node.name.value)
        if field is not None and field.args:
            attempts += 1
    return attempts


def _party_limit(context: AuthedContext, attempts: int) -> RateLimited | None:
    """An enterprise party who was refused too often this hour, or whose operation would pass
    the limit, runs nothing (probing.py); the refusal is on record like any other."""
    try:
        context.runtime.probes.admit_party(context.principal.sub, attempts)
        context.party_counted = attempts
    except RateLimited as exc:
        context.audit_subjects.append(
            AccessRecord(
                action=REFUSED,
                subject_kind=None,
                subject_id=None,
                case_number=None,
                path=(),
                outcome="RATE_LIMITED",
                reason=str(exc.extra.get("reason")),
            )
        )
        return exc
    return None


def _refusals(
    context: AuthedContext, errors: Sequence[GraphQLError], root: str | None = None
) -> list[AccessRecord]:
    """Whole root fields refused to the caller (a role calling what it may not): attempts are
    what auditors look for, so each is an entry without a subject. Fields that recorded their
    own subjects (a refused look-up names them) are not recorded twice. ``root`` is a
    subscription's one root field: its refusal comes without a path (the error is raised by
    the event stream, not at a field)."""
    recorded = {a.path[:1] for a in context.audit_subjects}
    recorded |= {b.path[:1] for b in context.audit_batches}
    out = []
    for error in errors:
        original = error.original_error
        path = tuple(error.path or ()) or ((root,) if root is not None else ())
        if len(path) != 1 or not isinstance(original, Forbidden | PurposeRequired):
            continue
        if path in recorded:
            continue
        recorded.add(path)
        out.append(
            AccessRecord(
                action=REFUSED,
                subject_kind=None,
                subject_id=None,
                case_number=None,
                path=path,
                outcome="PURPOSE_REQUIRED" if original.code == "PURPOSE_REQUIRED" else "DENIED",
                reason=str(original.extra.get("reason") or original.code),
                detail={"field": original.extra.get("coordinate") or str(path[0])},
            )
        )
    return out


def _probing(access: AccessRecord, schema: GraphQLSchema | None) -> bool:
    """A refused attempt that could name someone, as the party limit counts it (probing.py): a
    refused look-up (it names its subjects) or a refused field that takes arguments. A refused
    field without any (the court table, the caller's console asking it at sign-in) names
    nothing and is not counted."""
    if access.outcome not in ("DENIED", "PURPOSE_REQUIRED"):
        return False
    if access.action != REFUSED:
        return True
    type_name, _, field_name = str(access.detail.get("field", "")).partition(".")
    owner = schema.get_type(type_name) if schema is not None else None
    field = owner.fields.get(field_name) if isinstance(owner, GraphQLObjectType) else None
    return field is None or bool(field.args)


def _shown(context: AuthedContext, fresh: list[AccessRecord]) -> None:
    """Identifiers released in clear that no entry of this operation names yet (co-owners,
    shareholders, key personnel, parties of a case list), so that a person's access history
    finds every answer that showed their identifier: subject rows (outcome SHOWN) of the
    operation's first entry, or one SUBJECTS_SHOWN entry when it writes no other."""
    named = {a.subject_id for a in context.audit_subjects} | context.named
    named.update(s for b in context.audit_batches for _, s in b.subjects)
    others = [(subject_kind(s), s) for s in sorted(context.shown - named)]
    context.shown = set()
    if not others:
        return
    if fresh:
        fresh[0].shown = others
        return
    context.audit_batches.append(BatchRecord(action="SUBJECTS_SHOWN", path=(), subjects=others))


async def _settle(writes: Sequence[Any]) -> BaseException | None:
    """Wait for every write; the first failure, if any (the others are still awaited)."""
    if len(writes) == 1:  # the common case: no task for gather to make
        try:
            await writes[0]
        except Exception as exc:  # reported to the caller, as gather would
            return exc
        return None
    outcomes = await asyncio.gather(*writes, return_exceptions=True)
    return next((o for o in outcomes if isinstance(o, BaseException)), None)


async def record(
    context: AuthedContext,
    result: Any,
    schema: GraphQLSchema | None = None,
    root: str | None = None,
) -> None:
    """Write what the operation touched since the last call; on failure, withhold ``result``
    (``root``: a subscription's root field, see :func:`_refusals`)."""
    try:
        await _record(context, result, schema, root)
    finally:
        settled, context.after_audit = context.after_audit, []
        for callback in settled:
            callback()


async def _record(
    context: AuthedContext, result: Any, schema: GraphQLSchema | None, root: str | None
) -> None:
    errors = list(getattr(result, "errors", None) or ())
    fresh = context.audit_subjects[context.audit_recorded :]
    fresh += _refusals(context, errors, root)
    if context.principal.enterprise is not None:  # an enterprise party's attempts are counted
        attempts = sum(_probing(a, schema) for a in fresh)
        counted, context.party_counted = context.party_counted, 0  # when it was let in
        if attempts > counted:
            context.runtime.probes.note_party_refusals(context.principal.sub, attempts - counted)
        elif counted > attempts:
            context.runtime.probes.refund_party(context.principal.sub, counted - attempts)
    context.audit_recorded = len(context.audit_subjects)
    if context.shown and getattr(result, "data", None) is not None:
        _shown(context, fresh)
    batches, context.audit_batches = context.audit_batches, []
    started, context.audit_writes = context.audit_writes, []
    if not (fresh or batches or started):
        return
    audit = context.runtime.audit
    failure: BaseException | None
    try:
        writes = [*started]
        if fresh or batches:
            rows, hosts = audit.entries(context, fresh, result.data, errors)
            writes.append(
                audit.append(rows, batches=hosts + [audit.batch_entry(context, b) for b in batches])
            )
        failure = await _settle(writes)
    except Exception as exc:  # building the entries failed: nothing may leave unrecorded
        failure = exc
    if failure is None:
        return
    if not isinstance(failure, AuditUnavailable):
        log.error(
            "audit entries of request %s could not be built or written: %s",
            context.request_id,
            type(failure).__name__,
        )
        failure = AuditUnavailable(
            "the audit log cannot be written, so no data is released; try again later or tell"
            " the operator"
        )
    assert isinstance(failure, HubError)
    result.data = None
    result.errors = [
        GraphQLError(failure.message, original_error=failure, extensions=failure.extensions)
    ]


class AuditTrail(SchemaExtension):
    """Durable audit entries before release, on every transport (see the module docstring)."""

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        ec = self.execution_context
        if isinstance(ec.context, AuthedContext) and ec.result is not None:
            await record(ec.context, ec.result, ec.schema._schema)

    async def on_stream_result(self, result: Any) -> AsyncIterator[None]:
        ec = self.execution_context
        if (
            isinstance(ec.context, AuthedContext)
            and ec.operation_type is OperationType.SUBSCRIPTION
            and isinstance(result, ExecutionResult)
        ):
            await record(ec.context, result, ec.schema._schema, _root_field(ec))
        yield


def _root_field(ec: Any) -> str | None:
    """The response key of a subscription's root field (a subscription has exactly one, maybe
    inside fragments)."""
    node = next(iter(_root_fields(ec)), None)
    return (node.alias or node.name).value if node is not None else None


def _root_fields(ec: Any) -> list[FieldNode]:
    """The operation's root fields, in order, fragments (inline and named, each as often as it
    is spread) expanded."""
    document = ec.graphql_document
    operation = get_operation_ast(document, ec.operation_name) if document else None
    fragments = {
        d.name.value: d
        for d in getattr(document, "definitions", ())
        if isinstance(d, FragmentDefinitionNode)
    }
    selections = list(operation.selection_set.selections) if operation is not None else []
    out: list[FieldNode] = []
    expanded = 0
    while selections and expanded < 10_000:  # validated documents have no cycles; a bound anyway
        node = selections.pop(0)
        if isinstance(node, FieldNode):
            out.append(node)
        elif isinstance(node, InlineFragmentNode):
            selections[:0] = node.selection_set.selections
            expanded += 1
        elif isinstance(node, FragmentSpreadNode) and node.name.value in fragments:
            selections[:0] = fragments[node.name.value].selection_set.selections
            expanded += 1
    return out
