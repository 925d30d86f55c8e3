"""The HTTP endpoint: bearer-token check (401 before execution), request ids, fast JSON,
GraphQL over HTTP (its media types and statuses), the GraphiQL page."""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Mapping
from functools import cache
from typing import TYPE_CHECKING, Any

import orjson
from cross_web import AsyncHTTPRequestAdapter, HTTPException  # HTTPException: a status
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.http.parse_content_type import parse_content_type
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.types import ExecutionResult, SubscriptionExecutionResult
from strawberry.types.graphql import OperationType

from hub.errors import Unauthenticated, quoted
from hub.graphql.context import HubContext
from hub.graphql.over_http import (
    RequestError,
    decode_body,
    get_parameters,
    is_request_error,
    operations,
    status_of,
)
from hub.proxies import Proxies
from hub.resources import GRAPHIQL_DIR
from hub.responses import (
    GRAPHQL_RESPONSE,
    JSON,
    error,
    error_response,
    header,
    negotiate,
    request_id,
)

if TYPE_CHECKING:
    from hub.runtime import Runtime

_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")  # used with fullmatch

# The GraphiQL page loads only the package's own files (hub/graphiql); GraphiQL sets styles
# from script, so styles may be inline; scripts may not.
GRAPHIQL_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    ),
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cache-control": "no-cache",
}


def graphiql_files() -> Any:
    """The GraphiQL page's files (``/graphiql``), served with the page's own headers: its
    ``index.html`` there too can be neither framed nor sniffed."""
    from starlette.staticfiles import StaticFiles

    files = StaticFiles(directory=GRAPHIQL_DIR)
    extra = [(k.encode(), v.encode()) for k, v in GRAPHIQL_HEADERS.items()]

    async def app(scope: Any, receive: Any, send: Any) -> None:
        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                names = {k for k, _ in extra}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + extra}
            await send(message)

        await files(scope, receive, send_with_headers)

    return app


@cache
def graphiql_page() -> str:
    return (GRAPHIQL_DIR / "index.html").read_text(encoding="utf-8")


def upstream_request_id(scope: Scope, proxies: Proxies) -> str | None:
    """A trusted proxy's ``X-Request-Id`` (recorded beside the hub's own id), else None."""
    if not proxies.trusts(scope):
        return None
    value = header(scope, b"x-request-id")
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

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except RequestError as exc:
            response = error_response(scope, exc.status_code, [exc.error()], headers=exc.headers)
        except HTTPException as exc:  # strawberry's own refusals, should one be left
            response = error_response(
                scope,
                exc.status_code,
                [error(exc.reason, code="BAD_USER_INPUT", rule="HTTP_REQUEST")],
            )
        await response(scope, receive, send)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    async def parse_http_body(
        self, request: AsyncHTTPRequestAdapter
    ) -> GraphQLRequestData | list[GraphQLRequestData]:
        """The operation or batch of a GET (query parameters) or a POST (a JSON body)."""
        if request.method == "GET":
            data: Any = get_parameters(request.query_params)  # type: ignore[arg-type]  # a str mapping for starlette
        else:
            media, _ = parse_content_type(request.content_type or "")
            if media != JSON:
                raise RequestError(
                    400,
                    "send the request body as JSON with Content-Type: application/json"
                    f" (got {quoted(request.content_type or 'no content type')})",
                    rule="CONTENT_TYPE",
                )
            data = decode_body(await request.get_body())
        batching = self.schema.config.batching_config
        return operations(data, batching["max_operations"] if batching is not None else 1)

    async def execute_single(
        self,
        request: Request,
        request_adapter: AsyncHTTPRequestAdapter,
        sub_response: Response,
        context: HubContext,
        root_value: None,
        request_data: GraphQLRequestData,
    ) -> ExecutionResult:
        try:
            return await super().execute_single(
                request, request_adapter, sub_response, context, root_value, request_data
            )
        except HTTPException as exc:
            cause = exc.__cause__
            if isinstance(cause, InvalidOperationTypeError):
                if cause.operation_type == OperationType.SUBSCRIPTION:
                    raise RequestError(
                        400,
                        "a subscription needs a websocket: open /graphql with the"
                        " graphql-transport-ws protocol",
                        rule="OPERATION_TYPE",
                    ) from None
                # GraphQL over HTTP: a mutation over GET is 405 Method Not Allowed
                raise RequestError(
                    405,
                    "a mutation is not run over GET; send it with POST",
                    rule="OPERATION_TYPE",
                    headers={"Allow": "POST"},
                ) from None
            if isinstance(cause, CannotGetOperationTypeError):
                raise RequestError(
                    400,
                    f"{exc.reason} (operationName must name one operation of the document)",
                    rule="OPERATION_NAME",
                    argument="operationName",
                ) from None
            raise

    async def get_sub_response(self, request: Request | WebSocket) -> Response:
        response = await super().get_sub_response(request)
        response.media_type = negotiate(request.headers.get("accept"))
        return response

    def create_response(
        self,
        response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse],
        sub_response: Response,
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        media = sub_response.media_type or JSON
        if media != JSON:
            response.headers["content-type"] = media
            if isinstance(response_data, dict) and "data" not in response_data:
                response.status_code = status_of(response_data.get("errors"))
        return response

    async def render_graphql_ide(self, request: Request) -> Response:
        return HTMLResponse(graphiql_page(), headers=GRAPHIQL_HEADERS)

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
        await context.runtime.policy.grants_off_loop(principal.roles, principal.org)
        context.principal = principal
        return {"userId": principal.sub}

    async def process_result(self, request: Any, result: Any) -> Any:
        data = await super().process_result(request, result)
        for e in data.get("errors") or ():
            if isinstance(e, dict):  # as strawberry formats them (GraphQLError.formatted)
                add_code(e)
        # application/graphql-response+json: an answer where nothing was executed has no data
        if not isinstance(request, WebSocket) and is_request_error(result.errors, result.data):
            if negotiate(request.headers.get("accept")) == GRAPHQL_RESPONSE:
                data.pop("data", None)
        return data

    def decode_json(self, data: str | bytes) -> object:
        return orjson.loads(data)

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> HubContext:
        runtime: Runtime = request.app.state.runtime
        rid = request_id(request.scope)
        websocket = isinstance(request, WebSocket)
        if isinstance(response, Response):
            response.headers["X-Request-Id"] = rid
        proxies = runtime.proxies
        principal = request.scope["state"].get("principal")
        if principal is not None:  # the caller's grants compiled off the event loop (table.py)
            await runtime.policy.grants_off_loop(principal.roles, principal.org)
        return HubContext(
            request=request,
            response=response,
            # absent only for the GraphiQL page itself, and a websocket before connection_init
            principal=principal,
            runtime=runtime,
            request_id=rid,
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
        return "text/html" in (header(scope, b"accept") or "")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.view(scope, receive, send)
            return
        request_id(scope)  # the one made by hub.responses.RequestIds, or a new one
        state: dict[str, Any] = scope["state"]
        if not self._is_ide_page(scope):
            runtime = scope["app"].state.runtime
            try:
                if sum(name == b"authorization" for name, _ in scope.get("headers", ())) > 1:
                    raise Unauthenticated(
                        "send one Authorization header; this request has several",
                        reason="MALFORMED",
                    )
                state["principal"] = runtime.verifier.verify_header(header(scope, b"authorization"))
            except Unauthenticated as exc:
                response = error_response(
                    scope,
                    401,
                    [{"message": exc.message, "extensions": exc.extensions}],
                    headers={"WWW-Authenticate": 'Bearer realm="fyt"'},
                )
                await response(scope, receive, send)
                return
        await self.view(scope, receive, send)
