"""Request bodies over the limit are refused before the hub reads them (413, JSON error shape).

A declared ``Content-Length`` over the limit is answered at once; a body without one (chunked)
is counted as it arrives and refused the moment it passes the limit, so nothing larger than
the limit is ever held in memory or handed to the GraphQL layer.
"""

from __future__ import annotations

import uuid
from typing import Any

import orjson

_CODE = "PAYLOAD_TOO_LARGE"


class _TooLarge(Exception):
    pass


def _body(limit: int) -> bytes:
    return orjson.dumps(
        {
            "errors": [
                {
                    "message": f"the request body is larger than {limit:,} bytes; send fewer"
                    " operations or subjects per request",
                    "extensions": {"code": "BAD_USER_INPUT", "rule": _CODE, "limit": limit},
                }
            ]
        }
    )


class BodyLimit:
    """Pure ASGI middleware for the paths that take request bodies."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def _refuse(self, send: Any, request_id: str) -> None:
        body = _body(self.limit)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-request-id", request_id.encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = self.limit + 1
                if declared > self.limit:
                    await self._refuse(send, request_id)
                    return
        seen = 0
        started = False

        async def counted() -> Any:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge
            return message

        async def watched(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _TooLarge:
            if not started:
                await self._refuse(send, request_id)
