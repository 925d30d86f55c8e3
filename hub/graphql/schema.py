"""The hub's GraphQL schema with its extensions (caches, limits, error masking)."""

from __future__ import annotations

import logging
from typing import Any

import strawberry
from graphql import GraphQLError, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    AddValidationRules,
    MaskErrors,
    MaxTokensLimiter,
    ParserCache,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from hub.errors import HubError
from hub.graphql.execution import HubExecutionContext
from hub.graphql.limits import Limits, QueryCost, query_limits_rule
from hub.graphql.query import Mutation, Query, Subscription
from hub.policy.enforce import attach_policy

log = logging.getLogger("hub.graphql")


def _unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    return original is not None and not isinstance(original, HubError)


class MaskUnexpectedErrors(MaskErrors):
    """Expected failures (HubError) keep their message; anything else leaves as a bare code."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=_unexpected, error_message="internal error")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        return GraphQLError(
            message=f"internal error; quote request id {request_id} to the operator",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


class HubSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Only unexpected errors are logged, by type and path: messages may quote personal data.
        for error in errors:
            if _unexpected(error):
                request_id = getattr(
                    getattr(execution_context, "context", None), "request_id", None
                )
                log.error(
                    "unexpected error at %s (request %s)",
                    error.path,
                    request_id,
                    exc_info=error.original_error,
                )


def _strawberry_types(root: type) -> list[type]:
    """Every strawberry object type reachable from ``root``."""
    from strawberry.types.base import StrawberryList, StrawberryOptional
    from strawberry.types.union import StrawberryUnion

    seen: dict[str, type] = {}
    todo = [root]
    while todo:
        cls = todo.pop()
        definition = cls.__strawberry_definition__
        if definition.name in seen:
            continue
        seen[definition.name] = cls
        for f in definition.fields:
            t: Any = f.type
            while isinstance(t, StrawberryOptional | StrawberryList):
                t = t.of_type
            members = t.types if isinstance(t, StrawberryUnion) else [t]
            todo.extend(m for m in members if hasattr(m, "__strawberry_definition__"))
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
            if t.__strawberry_definition__.name != "Me"
        ],
        skip=frozenset(
            {"Query.me", "Query.person", "Query.persons", "Query.enterprise", "Query.enterprises"}
        ),
    )
    rules: list[Any] = [query_limits_rule(limits)]
    if production:
        rules.append(NoSchemaIntrospectionCustomRule)
    return HubSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        execution_context_class=HubExecutionContext,
        config=StrawberryConfig(
            disable_field_suggestions=production,
            batching_config={"max_operations": limits.max_batch_operations},
        ),
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
            lambda: AddValidationRules(rules),
            lambda: QueryCost(limits.max_cost),
            MaskUnexpectedErrors,
        ],
        **kwargs,
    )


schema = build_schema()
