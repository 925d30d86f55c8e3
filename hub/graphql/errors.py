"""How errors leave the hub: unexpected ones masked and logged without their message, variable
mistakes as ``BAD_USER_INPUT`` without the value sent, no name suggestions in production."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Sequence
from typing import Any

from graphql import GraphQLError, OperationDefinitionNode, print_ast
from strawberry.extensions import MaskErrors, SchemaExtension

from hub.errors import BadUserInput, HubError

log = logging.getLogger("hub.graphql")

_VARIABLE = re.compile(r"Variable '\$([_A-Za-z][_0-9A-Za-z]*)'")
_SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def _variable_error(error: GraphQLError) -> str | None:
    """The variable a coercion error is about (graphql-core reports them without a path)."""
    if error.path is not None:
        return None
    found = _VARIABLE.match(error.message)
    return found.group(1) if found else None


def unexpected(error: GraphQLError) -> bool:
    original = error.original_error
    if original is None or isinstance(original, HubError):
        return False
    return _variable_error(error) is None


def log_unexpected(errors: Sequence[GraphQLError], execution_context: Any) -> None:
    """Only unexpected errors are logged, by type and path: messages may quote personal data."""
    for error in errors:
        if unexpected(error):
            request_id = getattr(getattr(execution_context, "context", None), "request_id", None)
            log.error(
                "unexpected error at %s (request %s)",
                error.path,
                request_id,
                exc_info=error.original_error,
            )


class MaskUnexpectedErrors(MaskErrors):
    """Expected failures (HubError) keep their message; anything else leaves as a bare code."""

    def __init__(self) -> None:
        super().__init__(should_mask_error=unexpected, error_message="internal error")

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        context = self.execution_context.context
        request_id = getattr(context, "request_id", None)
        return GraphQLError(
            message=f"internal error; quote request id {request_id} to the operator",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
        )


def _scalar_rule(error: GraphQLError) -> BadUserInput | None:
    """The hub's own rule a scalar refused a value by (``DATETIME_OFFSET``), found under
    graphql-core's wrapping; its message never quotes the value."""
    cause: BaseException | None = error.original_error
    while cause is not None and not isinstance(cause, BadUserInput):
        cause = getattr(cause, "original_error", None)
    return cause


def _variable_types(document: Any) -> dict[str, str]:
    out: dict[str, str] = {}
    for definition in getattr(document, "definitions", ()):
        if isinstance(definition, OperationDefinitionNode):
            for v in definition.variable_definitions or ():
                out.setdefault(v.variable.name.value, print_ast(v.type))
    return out


class InputErrors(SchemaExtension):
    """A variable whose value does not fit its type is the caller's mistake: BAD_USER_INPUT
    naming the variable and the type, never quoting the value (it may be an ID number)."""

    def on_execute(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = result.errors if result is not None else None
        if result is None or not errors or not any(_variable_error(e) for e in errors):
            return
        types = _variable_types(self.execution_context.graphql_document)
        rewritten = []
        for error in errors:
            name = _variable_error(error)
            if name is None:
                rewritten.append(error)
                continue
            expected = types.get(name, "its declared type")
            if "was not provided" in error.message and f"'${name}' of" in error.message:
                problem = BadUserInput(
                    f"variable ${name} ({expected}) is required but was not sent",
                    argument=f"${name}",
                    rule="VARIABLE_REQUIRED",
                )
            elif (own := _scalar_rule(error)) is not None:
                problem = BadUserInput(
                    f"variable ${name} ({expected}): {own.message}",
                    argument=f"${name}",
                    rule=own.extra.get("rule"),
                )
            else:
                problem = BadUserInput(
                    f"variable ${name} must be a {expected}; the value sent cannot be read as"
                    " one (check its fields, formats and enum values)",
                    argument=f"${name}",
                    rule="VARIABLE_TYPE",
                )
            rewritten.append(
                GraphQLError(
                    problem.message,
                    nodes=error.nodes,
                    original_error=problem,
                    extensions=problem.extensions,
                )
            )
        result.errors = rewritten


def _scrub(errors: Sequence[GraphQLError] | None) -> list[GraphQLError] | None:
    if not errors:
        return None
    out = []
    for error in errors:
        message = _SUGGESTION.sub("", error.message)
        if message == error.message:
            out.append(error)
            continue
        out.append(
            GraphQLError(
                message,
                nodes=error.nodes,
                path=error.path,
                original_error=error.original_error,
                extensions=error.extensions,
            )
        )
    return out


class NoSuggestions(SchemaExtension):
    """Production: no "Did you mean …?" naming fields, arguments, types or enum values."""

    def on_validate(self) -> Iterator[None]:
        yield
        ec = self.execution_context
        if ec.pre_execution_errors:
            ec.pre_execution_errors = _scrub(ec.pre_execution_errors)

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and getattr(result, "errors", None):
            result.errors = _scrub(result.errors)
