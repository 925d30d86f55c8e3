"""The HTTP endpoint: bearer-token check (401 before execution), request ids, fast JSON."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException  # HTTPException: a status
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.types import ExecutionResult, SubscriptionExecutionResult

from hub.errors import Unauthenticated
from hub.graphql.context import HubContext
from hub.proxies import Proxies

if TYPE_CHECKING:
    from hub.runtime import Runtime

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # used with fullmatch


def new_request_id() -> str:
    """The hub's own id of a request: unique, whatever the caller sends."""
    return uuid.uuid4().hex


def _header(scope: Scope, wanted: bytes) -> str | None:
    headers: Iterable[tuple[bytes, bytes]] = scope.get("headers", ())
    for name, value in headers:
        if name == wanted:
            return value.decode("latin-1")
    return None


def upstream_request_id(scope: Scope, proxies: Proxies) -> str | None:
    """A trusted proxy's ``X-Request-Id`` (recorded beside the hub's own id), else None."""
    if not proxies.trusts(scope):
        return None
    value = _header(scope, b"x-request-id")
    return value if value is not None and _REQUEST_ID.fullmatch(value) else None


def add_code(error: dict[str, Any]) -> None:
    """Every error leaves with ``extensions.code``; refused documents get GraphQL's usual ones."""
    extensions = error.setdefault("extensions", {})
    if "code" in extensions:
        return
    message = str(error.get("message", ""))
    if message.startswith("Syntax Error") and "tokens" in message:
        extensions.update(code="QUERY_TOO_COMPLEX", limit="TOKENS")
    elif message.startswith("Syntax Error"):
        extensions["code"] = "GRAPHQL_PARSE_FAILED"
    elif "path" in error:
        extensions["code"] = "INTERNAL_SERVER_ERROR"
    else:
        extensions["code"] = "GRAPHQL_VALIDATION_FAILED"


class _TextFrames(ASGIWebSocketAdapter):
    """graphql-transport-ws messages are JSON text frames; browsers' clients parse nothing else
    (a binary frame reaches them as a Blob)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        try:
            await self.ws.send_text(orjson.dumps(message).decode())
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class _ExpiringConnection(BaseGraphQLTransportWSHandler[HubContext, None]):
    """A graphql-transport-ws connection ends when the token it was opened with expires
    (close code 4401); until then every operation is checked again as it starts."""

    _expiry: asyncio.Task[None] | None = None

    async def handle_connection_init(self, message: Any) -> None:
        await super().handle_connection_init(message)
        principal = self.context.principal
        if self.connection_acknowledged and principal is not None and self._expiry is None:
            self._expiry = asyncio.create_task(self._close_at(principal.expires_at.timestamp()))

    async def _close_at(self, expires: float) -> None:
        await asyncio.sleep(max(0.0, expires - time.time()))
        with contextlib.suppress(Exception):
            await self.websocket.close(code=4401, reason="token expired; sign in again")

    async def shutdown(self) -> None:
        if self._expiry is not None:
            self._expiry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._expiry
        await super().shutdown()


class HubGraphQLView(GraphQL[HubContext, None]):
    websocket_adapter_class = _TextFrames
    graphql_transport_ws_handler_class = _ExpiringConnection

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def execute_operation(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: HubContext,
        root_value: None,
        sub_response: Response,
    ) -> ExecutionResult | list[ExecutionResult] | SubscriptionExecutionResult:
        if isinstance(request_data, list):
            context.numbered = True  # each operation of a batch gets its own request id
            context.budget = context.runtime.settings.max_query_cost  # shared by the batch
        return await super().execute_operation(
            request=request,
            request_adapter=request_adapter,
            request_data=request_data,
            context=context,
            root_value=root_value,
            sub_response=sub_response,
        )

    async def on_ws_connect(self, context: HubContext) -> dict[str, object]:
        """Websockets authenticate in connection_init: {"Authorization": "Bearer <JWT>"}."""
        params = context.connection_params or {}
        header = params.get("Authorization") or params.get("authorization")
        try:
            principal = context.runtime.verifier.verify_header(
                header if isinstance(header, str) else None
            )
        except Unauthenticated as exc:
            raise ConnectionRejectionError(
                {"message": exc.message, "extensions": exc.extensions}
            ) from None
        context.principal = principal
        return {"userId": principal.sub}

    async def process_result(self, request: Any, result: Any) -> Any:
        data = await super().process_result(request, result)
        for error in data.get("errors") or ():
            if isinstance(error, dict):  # as strawberry formats them (GraphQLError.formatted)
                add_code(error)
        return data

    def _validate_batch_request(self, request_data: list[Any], protocol: Any) -> None:
        batching = self.schema.config.batching_config
        if batching is None:  # hub.graphql.schema.build_schema always sets one
            raise HTTPException(400, "batched requests are not served")
        limit = batching["max_operations"]
        if len(request_data) > limit:
            raise HTTPException(
                400,
                f"a batched request may carry at most {limit} operations, got {len(request_data)};"
                " split it",
            )
        super()._validate_batch_request(request_data, protocol)

    def decode_json(self, data: str | bytes) -> object:
        # orjson refuses invalid UTF-8 with a JSONDecodeError, which strawberry answers with 400.
        return orjson.loads(data)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> HubContext:
        runtime: Runtime = request.app.state.runtime
        state = request.scope.setdefault("state", {})
        state.setdefault("request_id", new_request_id())
        websocket = isinstance(request, WebSocket)
        if isinstance(response, Response):
            response.headers["X-Request-Id"] = state["request_id"]
        proxies = runtime.proxies
        return HubContext(
            request=request,
            response=response,
            # absent only for the GraphiQL page itself, and a websocket before connection_init
            principal=state.get("principal"),
            runtime=runtime,
            request_id=state["request_id"],
            client=proxies.client(request.scope),
            upstream_request_id=upstream_request_id(request.scope, proxies),
            numbered=websocket,  # every operation on a connection gets its own request id
        )


class GraphQLEndpoint:
    """Authenticates every GraphQL request; only the GraphiQL page itself is public."""

    def __init__(self, view: HubGraphQLView) -> None:
        self.view = view

    def _is_ide_page(self, scope: Scope) -> bool:
        if scope["method"] != "GET" or self.view.graphql_ide is None:
            return False
        if b"query=" in scope.get("query_string", b""):
            return False
        return "text/html" in (_header(scope, b"accept") or "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.view(scope, receive, send)
            return
        request_id = new_request_id()
        state: dict[str, Any] = scope.setdefault("state", {})
        state["request_id"] = request_id
        if not self._is_ide_page(scope):
            runtime = scope["app"].state.runtime
            try:
                if sum(name == b"authorization" for name, _ in scope.get("headers", ())) > 1:
                    raise Unauthenticated(
                        "send one Authorization header; this request has several",
                        reason="MALFORMED",
                    )
                state["principal"] = runtime.verifier.verify_header(
                    _header(scope, b"authorization")
                )
            except Unauthenticated as exc:
                body = {"errors": [{"message": exc.message, "extensions": exc.extensions}]}
                response = JSONResponse(
                    body,
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="fyt"', "X-Request-Id": request_id},
                )
                await response(scope, receive, send)
                return
        await self.view(scope, receive, send)
