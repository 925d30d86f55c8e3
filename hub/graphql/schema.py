"""The hub's GraphQL schema with its extensions (caches, limits, error masking)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import strawberry
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.base import get_object_definition
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from hub.errors import cut_quotes
from hub.graphql.audit_trail import AuditTrail, OperationScope
from hub.graphql.context import AuthedContext
from hub.graphql.errors import (
    InputErrors,
    MaskUnexpectedErrors,
    NoSuggestions,
    log_unexpected,
)
from hub.graphql.execution import HubExecutionContext
from hub.graphql.limits import (
    CACHED_DOCUMENT_CHARS,
    DEFAULT_LIMITS,
    Limits,
    QueryCost,
    query_limits_rule,
    too_complex,
)
from hub.graphql.query import Mutation, Query, Subscription
from hub.graphql.scalars import SCALAR_OVERRIDES
from hub.policy.enforce import attach_policy

log = logging.getLogger("hub.graphql")


def document_too_large(query: Any, limit: int) -> GraphQLError | None:
    """A document over the size limit is refused before the lexer sees it (a huge comment or
    string literal is not a token, so the token limit alone does not bound the work)."""
    if not isinstance(query, str) or len(query) * 4 <= limit:
        return None
    size = len(query.encode("utf-8", "surrogatepass"))
    if size <= limit:
        return None
    return too_complex(
        f"the GraphQL document is {size:,} bytes; at most {limit:,} — pass identifiers as"
        " variables and split the query",
        "DOCUMENT_SIZE",
    )


class BoundedParserCache(ParserCache):
    """Parses through the shared cache only documents of at most CACHED_DOCUMENT_CHARS, and
    never raises: a document that does not parse is left to strawberry, which reports the
    syntax error the same way on every transport."""

    def on_parse(self) -> Iterator[None]:
        ec = self.execution_context
        query = ec.query
        if query is not None and len(query) <= CACHED_DOCUMENT_CHARS:
            try:
                ec.graphql_document = self.cached_parse_document(query, **ec.parse_options)
            except GraphQLError:
                pass
        elif isinstance(ec.context, AuthedContext):
            ec.context.cache_plans = False
        yield


class BoundedValidationCache(ValidationCache):
    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        if ec.query is not None and len(ec.query) > CACHED_DOCUMENT_CHARS:
            yield  # validated by strawberry itself, uncached
            return
        yield from super().on_validate()


class HubSchema(strawberry.Schema):
    max_document_bytes: int = DEFAULT_LIMITS.max_document_bytes

    async def execute(self, query: str | None, *args: Any, **kwargs: Any) -> ExecutionResult:
        refused = document_too_large(query, self.max_document_bytes)
        if refused is not None:
            return ExecutionResult(data=None, errors=[refused])
        # A subscription needs a stream (graphql-transport-ws); executed once it has no answer.
        allowed = kwargs.get("allowed_operation_types")
        kwargs["allowed_operation_types"] = frozenset(
            allowed if allowed is not None else DEFAULT_ALLOWED_OPERATION_TYPES
        ) - {OperationType.SUBSCRIPTION}
        return await super().execute(query, *args, **kwargs)

    def execute_sync(self, query: str | None, *args: Any, **kwargs: Any) -> ExecutionResult:
        refused = document_too_large(query, self.max_document_bytes)
        if refused is not None:
            return ExecutionResult(data=None, errors=[refused])
        return super().execute_sync(query, *args, **kwargs)

    async def stream(self, query: str | None, *args: Any, **kwargs: Any) -> Any:
        refused = document_too_large(query, self.max_document_bytes)
        if refused is None:
            return await super().stream(query, *args, **kwargs)

        async def refusal() -> AsyncIterator[Any]:
            yield PreExecutionError(data=None, errors=[refused])

        return refusal()

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        log_unexpected(errors, execution_context)
        for error in errors:  # graphql-core's own messages quote the document: cut long quotes
            error.message = cut_quotes(error.message)


def _strawberry_types(root: type) -> list[type]:
    """Every strawberry object type reachable from ``root``."""
    from strawberry.types.base import StrawberryList, StrawberryOptional, has_object_definition
    from strawberry.types.union import StrawberryUnion

    seen: dict[str, type] = {}
    todo = [root]
    while todo:
        cls = todo.pop()
        definition = get_object_definition(cls, strict=True)
        if definition.name in seen:
            continue
        seen[definition.name] = cls
        for f in definition.fields:
            t: Any = f.type
            while isinstance(t, StrawberryOptional | StrawberryList):
                t = t.of_type
            members = t.types if isinstance(t, StrawberryUnion) else [t]
            todo.extend(m for m in members if has_object_definition(m))
    return list(seen.values())


def build_schema(
    *, limits: Limits | None = None, production: bool = False, **kwargs: Any
) -> HubSchema:
    """The hub's schema. ``production`` turns introspection and field suggestions off."""
    limits = limits or Limits()
    # Policy enforcement is declared on every object-returning field of subject data (the
    # caller's own account excepted) before strawberry converts the types.
    attach_policy(
        [
            t
            for root in (Query, Mutation)
            for t in _strawberry_types(root)
            if get_object_definition(t, strict=True).name != "Me"
        ],
        skip=frozenset(
            {"Query.me", "Query.person", "Query.persons", "Query.enterprise", "Query.enterprises"}
        ),
    )
    rules: list[Any] = [query_limits_rule(limits)]
    if production:
        rules.append(NoSchemaIntrospectionCustomRule)
    built = HubSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=HubExecutionContext,
        scalar_overrides=SCALAR_OVERRIDES,
        config=StrawberryConfig(
            disable_field_suggestions=production,
            batching_config={"max_operations": limits.max_batch_operations},
        ),
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            OperationScope,
            lambda: BoundedParserCache(maxsize=512),
            lambda: BoundedValidationCache(maxsize=512),
            lambda: AddValidationRules(rules),
            lambda: QueryCost(limits.max_cost),
            AuditTrail,
            InputErrors,
            MaskUnexpectedErrors,
            *([NoSuggestions] if production else []),
        ],
        **kwargs,
    )
    built.max_document_bytes = limits.max_document_bytes
    return built


schema = build_schema()
