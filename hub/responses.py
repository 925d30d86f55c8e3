"""The shape of every HTTP answer: the hub's request id on it, errors as JSON with a code.

An error the hub answers over HTTP, wherever it arises (the GraphQL endpoint, a malformed
request, an unknown path, an unexpected failure), is

    {"errors": [{"message": "what was wrong and how to fix it",
                 "extensions": {"code": "BAD_USER_INPUT", "rule": "JSON_BODY", ...}}]}

with the header ``X-Request-Id`` naming the hub's own id of the request (README, "Errors").
GraphQL answers use ``application/json``, or ``application/graphql-response+json`` when the
client's ``Accept`` prefers it (GraphQL over HTTP); so do these errors.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from typing import Any

import orjson
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.errors import cut_quotes

log = logging.getLogger("hub")

JSON = "application/json"
GRAPHQL_RESPONSE = "application/graphql-response+json"  # GraphQL over HTTP's own media type


def new_request_id() -> str:
    """The hub's own id of a request: unique, whatever the caller sends."""
    return uuid.uuid4().hex


def request_id(scope: Scope) -> str:
    """The request's id, made once per request and kept in its scope."""
    state: dict[str, Any] = scope.setdefault("state", {})
    if "request_id" not in state:
        state["request_id"] = new_request_id()
    return str(state["request_id"])


def header(scope: Scope, wanted: bytes) -> str | None:
    """The first value of the (lower-case) header ``wanted``, or None."""
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", ())
    for name, value in headers:
        if name == wanted:
            return value.decode("latin-1")
    return None


def _ranges(accept: str) -> list[tuple[str, float]]:
    """The media ranges of an Accept header (RFC 9110 §12.5.1), lower case, with their weight;
    a range with an unreadable weight counts as not acceptable."""
    out = []
    for item in accept.split(","):
        kind, *params = (part.strip() for part in item.split(";"))
        if not kind:
            continue
        weight = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = min(max(float(value.strip()), 0.0), 1.0)
                except ValueError:
                    weight = 0.0
        out.append((kind.lower(), weight))
    return out


@lru_cache(maxsize=256)  # clients send the same few Accept headers, request after request
def negotiate(accept: str | None) -> str:
    """The media type of a GraphQL answer for this ``Accept`` header.

    ``application/graphql-response+json`` when the client names it with a weight no lower than
    ``application/json``'s; ``application/json`` otherwise: with no Accept header, with
    ``*/*`` or ``application/*``, and when the client accepts neither (GraphQL over HTTP lets
    a server answer in application/json then).
    """
    if not accept:
        return JSON

    def weight(media: str) -> tuple[float, int]:
        best: tuple[float, int] = (0.0, -1)  # (weight, specificity) of the most specific range
        for kind, q in _ranges(accept):
            if kind == media:
                specificity = 2
            elif kind == "application/*":
                specificity = 1
            elif kind == "*/*":
                specificity = 0
            else:
                continue
            if specificity > best[1]:
                best = (q, specificity)
        return best

    graphql, plain = weight(GRAPHQL_RESPONSE), weight(JSON)
    if graphql[1] == 2 and graphql[0] > 0 and graphql[0] >= plain[0]:
        return GRAPHQL_RESPONSE
    return JSON


def error(message: str, *, code: str, **extensions: Any) -> dict[str, Any]:
    """One error of the documented shape (a long quote in the message cut: hub.errors)."""
    return {"message": cut_quotes(message), "extensions": {"code": code, **extensions}}


def error_response(
    scope: Scope,
    status: int,
    errors: list[dict[str, Any]],
    *,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """``{"errors": [...]}`` in the media type the request negotiates, with its request id."""
    media = negotiate(header(scope, b"accept"))
    return Response(
        orjson.dumps({"errors": errors}),
        status_code=status,
        media_type=media,
        headers={**(headers or {}), "X-Request-Id": request_id(scope)},
    )


class RequestIds:
    """Gives every HTTP request the hub's own id (``scope["state"]["request_id"]``) before
    anything else runs, and every response that has none the ``X-Request-Id`` header."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope).encode()

        async def stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(name.lower() == b"x-request-id" for name, _ in headers):
                    headers.append((b"x-request-id", rid))
                    message["headers"] = headers
            await send(message)

        await self.app(scope, receive, stamped)


def _refusal(request: Request, exc: HTTPException) -> dict[str, Any]:
    """Starlette's own refusals (no such path, a method the route does not take) as an error of
    the hub's shape."""
    path = request.url.path
    if exc.status_code == 404:
        return error(f"there is nothing at {path}", code="NOT_FOUND")
    if exc.status_code == 405:
        return error(
            f"{path} does not take {request.method} requests",
            code="BAD_USER_INPUT",
            rule="HTTP_METHOD",
        )
    if exc.status_code < 500:
        return error(str(exc.detail), code="BAD_USER_INPUT", rule="HTTP_REQUEST")
    return error(str(exc.detail), code="INTERNAL_SERVER_ERROR")


async def _http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error_response(
        request.scope, exc.status_code, [_refusal(request, exc)], headers=exc.headers
    )


async def _unexpected(request: Request, exc: Exception) -> Response:
    rid = request_id(request.scope)  # the traceback is logged by the server, with this id
    log.error("unexpected error in request %s: %s", rid, type(exc).__name__)
    return error_response(
        request.scope,
        500,
        [
            error(
                f"internal error; quote request id {rid} to the operator",
                code="INTERNAL_SERVER_ERROR",
                requestId=rid,
            )
        ],
    )


def exception_handlers() -> dict[Any, Callable[[Request, Exception], Any]]:
    """Starlette's exception handlers that answer in the hub's error shape."""
    return {HTTPException: _http_exception, Exception: _unexpected}
