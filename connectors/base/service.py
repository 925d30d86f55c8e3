"""An agency's own service: its federation subgraph over its own database, on HTTP.

``fyt agency serve NAME`` runs this. Routes:

- ``POST /graphql`` — the subgraph (``_service { sdl }``, ``_entities``), Apollo Federation v2;
- ``POST /annotations`` — a court order's annotation to register (sent by the hub's worker);
- ``POST /measures`` — the agency's register of courts' measures on the assets named
  (``{"assets": [...]}``), which the hub reads to place an order in the waiting line;
- ``POST /<kind>/<what>`` — the connector's own calls (``Connector.calls``): a bank's register
  (``/bank/serve``, ``/bank/transfer``, ``/bank/accounts``, ``/bank/freezes``,
  ``/bank/transfers``, :mod:`connectors.banks.service`);
- ``GET /healthz`` — liveness, with the connector's name;
- ``GET /metrics`` — Prometheus text: ``agency_http_requests_total{route,status}``, every request
  the service answered by route (``/graphql``, ``/annotations``, ``/measures``,
  ``/{kind}/{what}``, …) and HTTP status, so an operator (or a benchmark) counts the calls the
  agency received; the bearer token, when set, is required here too;
- ``POST /add-checkpoint`` — when the service is also a witness of the hub's audit log (C2SP
  tlog-witness, :mod:`connectors.base.witness`): no bearer token and no fault injection, as the
  protocol authenticates by the checkpoint's signature.

Fault injection (tests and demonstrations) applies to ``/graphql``, ``/annotations``,
``/measures`` and the connector's calls: an added latency, a share of requests answered HTTP 503,
or every request left hanging. A bearer token, when set, is required on all of them.

The register is the agency's: with ``lapse_every`` the service runs the register's lapse job
(:func:`connectors.base.annotations.settle`) on its own database every so many seconds, on the
courts' calendar (Asia/Shanghai), so measures whose term ended lapse without the hub.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import math
import random
import re
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cross_web import HTTPException
from prometheus_client import CollectorRegistry, Counter, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.schema.base import BaseSchema

from connectors.base.annotations import REGISTER_TZ, Annotation
from connectors.base.subgraph import SubgraphLoaders
from connectors.base.witness import Witness, witness_routes

log = logging.getLogger("connectors.service")
MAX_ASSETS = 500  # per register look-up


@dataclass
class Faults:
    """What the service does wrong on purpose; mutable while it serves."""

    latency_ms: float = 0.0
    error_rate: float = 0.0
    hang: bool = False
    fail_next: int = 0  # answer the next N requests with HTTP 503 (tests: a passing glitch)

    def __post_init__(self) -> None:
        if self.latency_ms < 0:
            raise ValueError("latency must not be negative")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("error rate must be between 0 and 1")

    @classmethod
    def from_env(cls, env: Mapping[str, str], **flags: Any) -> Faults:
        """Flags win over ``AGENCY_LATENCY_MS``, ``AGENCY_ERROR_RATE`` and ``AGENCY_HANG``."""

        def pick(flag: str, var: str, convert: Any, default: Any) -> Any:
            if flags.get(flag) is not None:
                return flags[flag]
            raw = env.get(var)
            if raw in (None, ""):
                return default
            try:
                return convert(raw)
            except ValueError:
                kind = "1/0, true/false or yes/no" if var == "AGENCY_HANG" else "a number"
                raise ValueError(f"{var} must be {kind}, got {raw!r}") from None

        def boolean(raw: str) -> bool:
            value = raw.strip().lower()
            if value in ("1", "true", "yes", "on"):
                return True
            if value in ("0", "false", "no", "off"):
                return False
            raise ValueError

        latency = pick("latency_ms", "AGENCY_LATENCY_MS", float, 0.0)
        rate = pick("error_rate", "AGENCY_ERROR_RATE", float, 0.0)
        hang = pick("hang", "AGENCY_HANG", boolean, False)
        if not (math.isfinite(latency) and latency >= 0):
            raise ValueError(
                f"AGENCY_LATENCY_MS must be a number of milliseconds ≥ 0, got {latency}"
            )
        if not 0.0 <= rate <= 1.0:
            raise ValueError(f"AGENCY_ERROR_RATE must be between 0 and 1, got {rate}")
        return cls(latency_ms=latency, error_rate=rate, hang=hang)

    @property
    def active(self) -> bool:
        return bool(self.latency_ms or self.error_rate or self.hang or self.fail_next)

    async def apply(self) -> Response | None:
        """Sleep, hang or fail as configured; a response to send instead, or None."""
        if self.hang:
            await asyncio.Event().wait()  # until the client gives up and the server cancels
        if self.latency_ms:
            await asyncio.sleep(self.latency_ms / 1000)
        if self.fail_next > 0:
            self.fail_next -= 1
            return JSONResponse({"error": "injected failure"}, status_code=503)
        if self.error_rate and random.random() < self.error_rate:
            return JSONResponse({"error": "injected failure"}, status_code=503)
        return None


_FIXED_ROUTES = frozenset(
    {"/graphql", "/annotations", "/measures", "/healthz", "/metrics", "/add-checkpoint"}
)
_CALL = re.compile(r"/[a-z_]{1,32}/[a-z_]{1,32}")


def route_of(path: str) -> str:
    """The route a path is counted under: a fixed route, ``/{kind}/{what}`` for the
    connector's own calls, or ``other`` (so the label's values stay few whatever is asked)."""
    if path in _FIXED_ROUTES:
        return path
    return "/{kind}/{what}" if _CALL.fullmatch(path) else "other"


class RequestCounter:
    """ASGI middleware: ``agency_http_requests_total{route,status}`` of every HTTP request."""

    def __init__(self, app: ASGIApp, counter: Counter) -> None:
        self.app = app
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            self.counter.labels(route_of(scope.get("path", "")), str(status)).inc()


class _Subgraph(GraphQL[dict[str, Any], None]):
    def __init__(self, schema: BaseSchema, source: Any, many: frozenset[str]) -> None:
        super().__init__(schema, graphql_ide=None, allow_queries_via_get=False)
        self._source = source
        self._many = many

    async def get_context(
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> dict[str, Any]:
        return {"loaders": SubgraphLoaders(self._source, self._many), "request": request}


def agency_app(
    connector: Any,
    source: Any,
    *,
    faults: Faults | None = None,
    token: str | None = None,
    witness: Witness | None = None,
    lapse_every: float | None = None,
) -> Starlette:
    """The agency service of ``connector`` over ``source`` (and a witness, when given);
    ``lapse_every`` seconds, the register's lapse job (agencies that keep a register)."""
    schema = connector.subgraph(source)
    many = frozenset(lk.method for lk in schema.fyt_lookups if lk.many)
    graphql = _Subgraph(schema, source, many)
    app_faults = faults or Faults()

    def refused(request: Request) -> Response | None:
        if token is None:
            return None
        given = request.headers.get("authorization", "")
        if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return None
        return JSONResponse({"error": "a valid bearer token is required"}, status_code=401)

    async def graphql_route(request: Request) -> Response:
        failed = refused(request) or (await app_faults.apply() if app_faults.active else None)
        if failed is not None:
            return failed
        try:
            return await graphql.run(request)
        except HTTPException as exc:
            return PlainTextResponse(exc.reason, status_code=exc.status_code)

    async def annotations(request: Request) -> Response:
        failed = refused(request) or (await app_faults.apply() if app_faults.active else None)
        if failed is not None:
            return failed
        try:
            annotation = Annotation.from_json(await request.json())
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            return JSONResponse({"error": f"malformed annotation: {exc}"}, status_code=400)
        try:
            await source.annotate(annotation)
        except LookupError as exc:
            return JSONResponse({"error": str(exc).strip("'\"")}, status_code=404)
        return JSONResponse({"ok": True, "orderId": annotation.order_id})

    async def measures(request: Request) -> Response:
        failed = refused(request) or (await app_faults.apply() if app_faults.active else None)
        if failed is not None:
            return failed
        if not connector.register:
            return JSONResponse({"error": f"{connector.name} keeps no register"}, status_code=404)
        try:
            body = await request.json()
            assets = body["assets"]
            if not (
                isinstance(assets, list)
                and len(assets) <= MAX_ASSETS
                and all(isinstance(a, str) and 0 < len(a) <= 64 for a in assets)
            ):
                raise ValueError
        except (ValueError, TypeError, KeyError):
            return JSONResponse(
                {"error": f'send {{"assets": [...]}}: at most {MAX_ASSETS} asset ids'},
                status_code=400,
            )
        found = await source.measures(assets)
        return JSONResponse(
            {"measures": {a: [m.to_json() for m in rows] for a, rows in found.items()}}
        )

    async def calls(request: Request) -> Response:
        """The connector's own calls (``/<kind>/<what>``: a bank's register, ``/bank/serve`` …),
        each answered by the connector's handler (``Connector.calls``)."""
        failed = refused(request) or (await app_faults.apply() if app_faults.active else None)
        if failed is not None:
            return failed
        what = request.path_params["what"]
        if connector.calls is None or request.path_params["kind"] != connector.sdl_name:
            return JSONResponse({"error": f"{connector.name} has no call {what}"}, status_code=404)
        try:
            body = await request.json()
        except ValueError:
            return JSONResponse({"error": "send a JSON body"}, status_code=400)
        status, answer = await connector.calls()(source, what, body)
        return JSONResponse(answer, status_code=status)

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok", "connector": connector.name})

    registry = CollectorRegistry(auto_describe=False)
    requests = Counter(
        "agency_http_requests",
        "HTTP requests the agency's service answered, by route and status",
        ["route", "status"],
        registry=registry,
    )

    async def metrics(request: Request) -> Response:
        failed = refused(request)
        if failed is not None:
            return failed
        return Response(
            generate_latest(registry), media_type="text/plain; version=0.0.4; charset=utf-8"
        )

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        task = None
        # agencies with a register, and banks, whose source lapses the courts' freezes
        if lapse_every is not None and getattr(source, "lapse", None) is not None:
            task = asyncio.create_task(_lapse_loop(connector.name, source, lapse_every))
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    app = Starlette(
        routes=[
            Route("/graphql", graphql_route, methods=["POST"]),
            Route("/annotations", annotations, methods=["POST"]),
            Route("/measures", measures, methods=["POST"]),
            Route("/{kind}/{what}", calls, methods=["POST"]),
            Route("/healthz", healthz),
            Route("/metrics", metrics),
            *(witness_routes(witness) if witness is not None else []),
        ],
        lifespan=lifespan,
    )
    app.add_middleware(RequestCounter, counter=requests)
    app.state.faults = app_faults
    app.state.source = source
    app.state.witness = witness
    return app


async def _lapse_loop(name: str, source: Any, every: float) -> None:
    """The register's lapse job, on the courts' calendar, until cancelled."""
    while True:
        try:
            lapsed = await source.lapse(datetime.now(REGISTER_TZ).date())
            if lapsed:
                log.info("%s: measures lapsed on %d assets", name, len(lapsed))
        except Exception as exc:  # the next round tries again
            log.warning("%s: lapse job failed: %s", name, type(exc).__name__)
        await asyncio.sleep(every)
