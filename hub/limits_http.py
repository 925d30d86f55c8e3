"""Request bodies over the limit are refused before the hub reads them (413, JSON error shape).

A declared ``Content-Length`` over the limit is answered at once; a body without one (chunked)
is counted as it arrives and refused the moment it passes the limit, so nothing larger than
the limit is ever held in memory or handed to the GraphQL layer.
"""

from __future__ import annotations

from typing import Any

import orjson

from hub.responses import error, header, negotiate, request_id

_CODE = "PAYLOAD_TOO_LARGE"


class _TooLarge(Exception):
    pass


def _body(limit: int) -> bytes:
    return orjson.dumps(
        {
            "errors": [
                error(
                    f"the request body is larger than {limit:,} bytes; send fewer"
                    " operations or subjects per request",
                    code="BAD_USER_INPUT",
                    rule=_CODE,
                    limit=limit,
                )
            ]
        }
    )


class BodyLimit:
    """Pure ASGI middleware for the paths that take request bodies."""

    def __init__(self, app: Any, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def _refuse(self, scope: Any, send: Any) -> None:
        body = _body(self.limit)
        media = negotiate(header(scope, b"accept"))
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", media.encode()),
                    (b"content-length", str(len(body)).encode()),
                    (b"x-request-id", request_id(scope).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("method") in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = self.limit + 1
                if declared > self.limit:
                    await self._refuse(scope, send)
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
                await self._refuse(scope, send)
