"""Real HTTP servers on loopback inside the test's event loop (agency services, the hub)."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import uvicorn


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # leave pytest's signal handlers alone
        yield


class Served:
    """A running server: its URL, and stop/start on the same port (an agency going away)."""

    def __init__(self, app: Any, port: int = 0) -> None:
        self.app = app
        self.port = port
        self._server: _Server | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=1,
        )
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve())
        async with asyncio.timeout(10):
            while not self._server.started:
                if self._task.done():
                    self._task.result()
                await asyncio.sleep(0.01)
        self.port = self._server.servers[0].sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is None or self._task is None:
            return
        self._server.should_exit = True
        self._server.force_exit = True
        await self._task
        self._server = self._task = None


@contextlib.asynccontextmanager
async def serving(app: Any) -> AsyncIterator[Served]:
    served = Served(app)
    await served.start()
    try:
        yield served
    finally:
        await served.stop()


def graphql_ws_scope(app: Any) -> dict[str, Any]:
    """The ASGI scope of a graphql-transport-ws connection to ``app``'s /graphql."""
    return {
        "type": "websocket",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "headers": [(b"sec-websocket-protocol", b"graphql-transport-ws")],
        "subprotocols": ["graphql-transport-ws"],
        "client": ("127.0.0.1", 1),
        "server": ("hub.test", 80),
        "scheme": "ws",
        "root_path": "",
        "app": app,
        "state": {},
    }


class WsClient:
    """A graphql-transport-ws client driving ``app`` over ASGI in the test's event loop.

    ``async with WsClient(app, token) as ws``: connection_init is sent and its answer kept in
    ``ws.ack``; ``await ws.subscribe(id, query, variables)`` sends a subscribe message and
    ``await ws.receive()`` returns the next message the server sent (text frames parsed,
    a close as ``{"type": "close", "code": …, "reason": …}``)."""

    def __init__(self, app: Any, token: str | None) -> None:
        self.app = app
        self.token = token
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.ack: dict[str, Any] | None = None

    async def __aenter__(self) -> WsClient:
        async def receive() -> dict[str, Any]:
            return await self._inbox.get()

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "websocket.send":
                self._outbox.put_nowait(json.loads(message.get("text") or message["bytes"]))
            elif message["type"] == "websocket.close":
                self._outbox.put_nowait(
                    {"type": "close", "code": message.get("code"), "reason": message.get("reason")}
                )
                self._inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})

        self._inbox.put_nowait({"type": "websocket.connect"})
        self._task = asyncio.create_task(self.app(graphql_ws_scope(self.app), receive, send))
        payload = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        await self.send({"type": "connection_init", "payload": payload})
        self.ack = await self.receive()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        self._inbox.put_nowait({"type": "websocket.disconnect", "code": 1000})
        if self._task is not None:
            await asyncio.wait_for(self._task, 10)

    async def send(self, message: dict[str, Any]) -> None:
        self._inbox.put_nowait({"type": "websocket.receive", "text": json.dumps(message)})

    async def subscribe(
        self, id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        await self.send(
            {"id": id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}
        )

    async def receive(self, within: float = 10) -> dict[str, Any]:
        return await asyncio.wait_for(self._outbox.get(), within)

    async def result(self, id: str, within: float = 10) -> dict[str, Any]:
        """The payload of the next ``next`` (or ``error``) message of operation ``id``."""
        while True:
            message = await self.receive(within)
            if message.get("id") == id and message["type"] in ("next", "error"):
                return message
            if message["type"] == "close":
                raise AssertionError(f"closed: {message}")
