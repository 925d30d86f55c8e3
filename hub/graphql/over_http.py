"""GraphQL over HTTP: a request's parameters read and checked, the status of an answer.

A request that is not a well-formed GraphQL-over-HTTP request (a body that is not JSON, not an
object or a batch of them, without a ``query``, a parameter of the wrong type, another content
type, too many operations) is refused with HTTP 400 and ``BAD_USER_INPUT`` naming the rule it
broke, in the hub's error shape (``hub.responses``), before anything is parsed or run.

An answer in ``application/graphql-response+json`` that has no ``data`` (the document did not
parse or validate, a variable did not fit its type, the document was too large or complex:
nothing was executed) carries no ``data`` entry and an error status — 400 for the caller's
mistakes — as the specification requires; in ``application/json`` it stays 200 with
``"data": null``, as before.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from strawberry.http import GraphQLRequestData

from hub.errors import cut_quotes, quoted

_SHAPE = (
    'send {"query": "…", "variables": {…}, "operationName": "…"} (an object), or an array of'
    " such objects for a batch"
)
# (parameter, the types it may have, how to say it)
_PARAMETERS = (
    ("query", (str,), "a string"),
    ("operationName", (str, type(None)), "a string or null"),
    ("variables", (dict, type(None)), "an object or null"),
    ("extensions", (dict, type(None)), "an object or null"),
)


class RequestError(HTTPException):
    """A malformed request, refused before anything runs: its status and one error."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        rule: str,
        argument: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(status, message)
        self.message = message
        self.extensions: dict[str, Any] = {"code": "BAD_USER_INPUT", "rule": rule}
        if argument is not None:
            self.extensions["argument"] = argument
        self.headers = dict(headers or {})

    def error(self) -> dict[str, Any]:
        return {"message": cut_quotes(self.message), "extensions": self.extensions}


_REQUEST_KEYS = (b'"query"', b'"operationName"', b'"variables"', b'"extensions"')


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise RequestError(
                400,
                f"the request names {quoted(key)} twice: send each parameter once",
                rule="REQUEST_PARAMETER",
                argument=key,
            )
        seen[key] = value
    return seen


def decode_body(body: bytes) -> Any:
    """The JSON of a POST body (UTF-8, as the specification requires). A parameter named twice
    is refused, not settled silently (a proxy reading the first would see another operation)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        what = "empty" if not body.strip() else "not JSON in UTF-8"
        raise RequestError(400, f"the request body is {what}: {_SHAPE}", rule="JSON_BODY") from None
    if any(body.count(key) > 1 for key in _REQUEST_KEYS):  # rare: look at every object's keys
        json.loads(body, object_pairs_hook=_no_duplicates)
    return data


def get_parameters(params: Mapping[str, str]) -> dict[str, Any]:
    """The parameters of a GET request: ``variables`` and ``extensions`` are JSON text."""
    for name in ("query", "operationName", "variables", "extensions"):
        if len(getattr(params, "getlist", lambda _: [])(name)) > 1:
            raise RequestError(
                400,
                f"the request names {quoted(name)} twice: send each parameter once",
                rule="REQUEST_PARAMETER",
                argument=name,
            )
    out: dict[str, Any] = {
        name: params[name] for name in ("query", "operationName") if name in params
    }
    for name in ("variables", "extensions"):
        text = params.get(name)
        if not text:
            continue
        try:
            out[name] = orjson.loads(text)
        except orjson.JSONDecodeError:
            raise RequestError(
                400,
                f"the {name} parameter must be a JSON object (URL-encoded)",
                rule="REQUEST_PARAMETER",
                argument=name,
            ) from None
    return out


def _operation(data: Any, where: str) -> GraphQLRequestData:
    if not isinstance(data, dict):
        raise RequestError(
            400, f"the request{where} is not a JSON object: {_SHAPE}", rule="REQUEST_SHAPE"
        )
    if data.get("query") is None:
        raise RequestError(
            400,
            f"the request{where} has no query: {_SHAPE}",
            rule="QUERY_MISSING",
            argument="query",
        )
    for name, types, said in _PARAMETERS:
        if not isinstance(data.get(name), types):
            raise RequestError(
                400,
                f"the request{where}: {name} must be {said}",
                rule="REQUEST_PARAMETER",
                argument=name,
            )
    return GraphQLRequestData(
        query=data["query"],
        variables=data.get("variables"),
        operation_name=data.get("operationName"),
        extensions=data.get("extensions"),
    )


def operations(data: Any, max_batch: int) -> GraphQLRequestData | list[GraphQLRequestData]:
    """The operation (an object) or the batch (an array) of a request, checked."""
    if not isinstance(data, list):
        return _operation(data, "")
    if not data or len(data) > max_batch:
        raise RequestError(
            400,
            f"a batched request may carry at most {max_batch} operations, got {len(data)}; split it"
            if data
            else "a batched request is an array of at least one operation; it is empty",
            rule="BATCH_OPERATIONS",
        )
    return [_operation(item, f" (operation {i} of the batch)") for i, item in enumerate(data)]


def is_request_error(errors: Sequence[GraphQLError] | None, data: Any) -> bool:
    """Whether an answer has no data because nothing was executed (or its release was
    refused): no data, and no error at a path of the result."""
    return data is None and bool(errors) and all(e.path is None for e in errors or ())


# An answer without data in application/graphql-response+json: its status by the first code
# here among its errors; anything else (the caller's mistakes) is 400.
_STATUS_BY_CODE = {
    "INTERNAL_SERVER_ERROR": 500,
    "AUDIT_UNAVAILABLE": 503,
    "UNAUTHENTICATED": 401,
    "RATE_LIMITED": 429,
    "FORBIDDEN": 403,
}


def status_of(errors: Any) -> int:
    codes = {(e.get("extensions") or {}).get("code") for e in errors or () if isinstance(e, dict)}
    for code, status in _STATUS_BY_CODE.items():
        if code in codes:
            return status
    return 400
