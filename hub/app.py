"""The ASGI application: routes, lifespan (opens the runtime), production switches."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import hmac
import logging
import signal
from collections.abc import AsyncIterator, Mapping
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from hub import __version__
from hub.audit.integrator import Integrator
from hub.audit.witness import WitnessPolicy, WitnessSender
from hub.auth.jwks import FreshKeys, KeyRefresh, ProviderKeys
from hub.config import Settings
from hub.console import console_routes
from hub.db.coordination import Leadership
from hub.db.engine import WalCheckpoints
from hub.errors import PolicyError
from hub.graphql.limits import limits_of
from hub.graphql.schema import build_schema
from hub.graphql.view import GraphQLEndpoint, HubGraphQLView, graphiql_files
from hub.inquiries.worker import InquiryWorker
from hub.limits_http import BodyLimit
from hub.metrics import Metrics, MetricsMiddleware
from hub.orders.events import EventFeed
from hub.orders.worker import OrderWorker
from hub.orders.workflow import record_transitions
from hub.police.worker import PoliceWorker
from hub.responses import RequestIds, error, error_response, exception_handlers
from hub.runtime import PolicyFollower, Runtime
from hub.sanctions.rules import WorkingCalendar
from hub.sanctions.worker import SanctionExpiry
from hub.tlog_api import tlog_routes

log = logging.getLogger("hub")


def reload_policy(runtime: Runtime) -> bool:
    """Swap in the policy files as they are now; a bad file is refused and logged."""
    try:
        table = runtime.reload_policy()
    except PolicyError as exc:
        log.error("policy reload refused, the previous policy keeps serving: %s", exc)
        return False
    log.warning("policy reloaded from %s (%d lines)", table.source, len(table.lines))
    return True


async def reload_policy_off_loop(runtime: Runtime) -> bool:
    """:func:`reload_policy` for SIGHUP while serving: loaded and compiled in a worker thread,
    the event loop serving meanwhile."""
    try:
        table = await runtime.reload_policy_off_loop()
    except PolicyError as exc:
        log.error("policy reload refused, the previous policy keeps serving: %s", exc)
        return False
    log.warning("policy reloaded from %s (%d lines)", table.source, len(table.lines))
    return True


def _on_sighup(runtime: Runtime, pending: set[asyncio.Task[bool]]) -> None:
    task = asyncio.get_running_loop().create_task(reload_policy_off_loop(runtime))
    pending.add(task)  # held until done (the loop keeps only a weak reference)
    task.add_done_callback(pending.discard)


def create_app(
    settings: Settings,
    *,
    sources: Mapping[str, Any] | None = None,
    reload_on_sighup: bool = False,
    run_worker: bool = False,
    demo: bool = False,
) -> Starlette:
    """Build the hub; ``sources`` replaces named connector sources (tests, fault injection).

    With ``reload_on_sighup`` (``fyt serve``), SIGHUP reloads the policy files while serving.
    ``demo`` (``fyt serve --demo``) lets the console sign in as a demo user.
    """
    schema = build_schema(limits=limits_of(settings), production=settings.production)
    metrics = Metrics()
    view = HubGraphQLView(
        schema,
        graphql_ide=None if settings.production else "graphiql",
        allow_queries_via_get=True,
        # graphql-transport-ws only: the legacy graphql-ws protocol is not served
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        max_subscriptions_per_connection=20,
    )

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        runtime = Runtime.open(settings, schema, sources=sources, metrics=metrics)
        app.state.runtime = runtime
        # Long-lived objects (schema, engines, modules, caches) leave the collector's view, so
        # its full collections stop rescanning them under load (measured: +25 % req/s, p99 -35 %).
        gc.collect()
        gc.freeze()
        # The identity provider's keys (HUB_JWT_JWKS_URL): fetched before the first request, then
        # kept fresh; a provider that does not answer yet leaves /readyz unavailable, not a crash.
        key_refresh = None
        if runtime.token_keys is not None:
            await runtime.token_keys.refresh()
            key_refresh = KeyRefresh(runtime.token_keys)
            key_refresh.start()
        # Witnesses (HUB_AUDIT_WITNESSES): each new checkpoint goes to them, one round at a time.
        policy = await asyncio.to_thread(WitnessPolicy.from_settings, settings)
        runtime.witnesses = policy
        sender = (
            WitnessSender(runtime.engine, policy, registry=metrics.registry)
            if policy.witnesses
            else None
        )
        integrator = Integrator(
            runtime.engine,
            runtime.audit.keys,
            registry=metrics.registry,
            on_checkpoint=sender.wake if sender is not None else None,
        )
        runtime.integrator = integrator
        # Jobs that run once for the whole hub, however many processes serve its database: each
        # in the process holding its lease (hub.db.coordination); the others stand by.
        leadership = Leadership(
            runtime.engine,
            report=runtime.policy_state,
            on_change=metrics.lease_changed,
            on_processes=runtime.audit.flags.serving,
        )
        runtime.leadership = leadership
        if sender is not None:
            leadership.add("audit-integrator", integrator, sender)
        else:
            leadership.add("audit-integrator", integrator)
        feed = EventFeed(runtime.engine, runtime.order_events)
        feed.start()
        if runtime.engine.dialect.name == "sqlite":
            leadership.add("wal-checkpoints", WalCheckpoints(runtime.engine))
        if run_worker:
            leadership.add(
                "order-worker",
                OrderWorker(
                    runtime.engine,
                    on_transitions=record_transitions(runtime.engine, runtime.audit),
                    sources=runtime.sources,
                    keys=runtime.order_keys,
                ),
            )
            calendar = WorkingCalendar.load(settings.holiday_calendar)
            leadership.add(
                "sanction-expiry", SanctionExpiry(runtime.engine, runtime.audit, calendar)
            )
            leadership.add(
                "inquiry-worker",
                InquiryWorker(
                    runtime.engine,
                    runtime.audit,
                    runtime.round_sources or runtime.sources,
                    runtime.guards,
                    call_timeout=settings.inquiry_call_timeout,
                ),
            )
            leadership.add(
                "police-worker",
                PoliceWorker(
                    runtime.engine,
                    runtime.audit,
                    demo_sightings=settings.police_demo_sightings,
                    source=runtime.sources.get("public_security"),
                ),
            )
        # Policy generations recorded by `fyt policy reload`, followed by every process.
        follower = PolicyFollower(runtime)
        try:
            await follower.begin()
        except Exception:
            log.exception("could not read the policy generations; following them from now")
        follower.start()
        await leadership.run()
        loop = asyncio.get_running_loop()
        if reload_on_sighup:
            reloads: set[asyncio.Task[bool]] = set()
            loop.add_signal_handler(signal.SIGHUP, _on_sighup, runtime, reloads)
        try:
            yield
        finally:
            if reload_on_sighup:
                loop.remove_signal_handler(signal.SIGHUP)
            if key_refresh is not None:
                await key_refresh.stop()
            await follower.stop()
            await leadership.stop()  # the singleton jobs stop, their leases are given up
            await feed.stop()
            await runtime.close()

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok", "version": __version__})

    async def readyz(request: Request) -> Response:
        if (refused := ops_refusal(request, settings)) is not None:
            return refused
        report = await readiness(request.app.state.runtime)
        return JSONResponse(report, status_code=200 if report["status"] != "unavailable" else 503)

    async def metrics_page(request: Request) -> Response:
        if (refused := ops_refusal(request, settings)) is not None:
            return refused
        return Response(
            request.app.state.runtime.metrics.render(),
            media_type="text/plain; version=0.0.4; charset=utf-8",
        )

    async def index(_: Request) -> RedirectResponse:
        return RedirectResponse("/console/")

    # GraphiQL's page (GET /graphql from a browser) loads GraphiQL and React from here
    graphiql = [] if settings.production else [Mount("/graphiql", graphiql_files())]
    app = Starlette(
        routes=[
            Route("/", index),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            Route("/metrics", metrics_page),
            Route("/graphql", GraphQLEndpoint(view), methods=["GET", "POST"]),
            WebSocketRoute("/graphql", GraphQLEndpoint(view)),
            *graphiql,
            *console_routes(demo=demo),
            *tlog_routes(),  # the audit log's C2SP tlog-tiles read API (auditors)
        ],
        lifespan=lifespan,
        exception_handlers=exception_handlers(),
        middleware=[
            Middleware(RequestIds),
            Middleware(
                MetricsMiddleware,
                metrics=metrics,
                paths=frozenset({"/graphql", "/healthz", "/readyz", "/metrics"}),
            ),
            Middleware(BodyLimit, limit=settings.max_body_bytes),
            Middleware(FreshKeys, keys_of=_token_keys),
        ],
    )
    app.state.settings = settings
    # A path the hub does not serve is a 404: no redirect to the slashed or unslashed twin,
    # which Starlette would address to whatever Host the caller sent
    app.router.redirect_slashes = False
    return app


def _token_keys(scope: Any) -> ProviderKeys | None:
    runtime = getattr(scope["app"].state, "runtime", None)
    return runtime.token_keys if runtime is not None else None


_LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})


def ops_refusal(request: Request, settings: Settings) -> Response | None:
    """/metrics and /readyz describe the hub's insides (connectors, their addresses, error
    rates): with ``HUB_OPS_TOKEN_FILE`` they need that bearer token; without it, production
    answers loopback callers only (a probe or scraper on the same host) and development
    answers anyone."""
    token = settings.ops_token
    if token is not None:
        scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip(), token):
            return None
        return error_response(
            request.scope,
            401,
            [
                error(
                    "this endpoint needs the operator token"
                    " (Authorization: Bearer <token of HUB_OPS_TOKEN_FILE>)",
                    code="UNAUTHENTICATED",
                    reason="OPS_TOKEN",
                )
            ],
            headers={"WWW-Authenticate": 'Bearer realm="fyt-ops"'},
        )
    client = request.client.host if request.client else None
    if settings.production and client not in _LOOPBACK:
        return error_response(
            request.scope,
            403,
            [
                error(
                    "this endpoint answers only on this host in production;"
                    " set HUB_OPS_TOKEN_FILE to reach it from elsewhere",
                    code="FORBIDDEN",
                    reason="OPS_ONLY",
                )
            ],
        )
    return None


async def readiness(runtime: Runtime, probe_seconds: float = 1.0) -> dict[str, Any]:
    """The hub database and every connector, probed at once: ``ready`` when all answer,
    ``degraded`` when some agency does not (the hub serves the others) or the identity
    provider's keys cannot be refreshed (the ones held still serve), ``unavailable`` when the
    hub's own database does not answer or no token key was ever fetched (nobody can sign in)."""

    async def probe(name: str, source: Any) -> tuple[str, dict[str, Any]]:
        guard = runtime.guards.get(name)
        conf = runtime.settings.connectors.get(name)
        entry: dict[str, Any] = {
            "mode": conf.mode if conf else "embedded",
            **(guard.describe() if guard else {}),
        }
        if conf is not None and conf.mode == "remote":
            entry["url"] = conf.service_url
        started = asyncio.get_running_loop().time()
        try:
            async with asyncio.timeout(probe_seconds):
                ping = getattr(source, "ping", None)
                if ping is not None:
                    await ping()
            entry["ok"] = True
        except Exception as exc:  # reported, not raised: this is the report
            entry["ok"] = False
            entry["error"] = str(exc) or type(exc).__name__
        entry["latencyMs"] = round((asyncio.get_running_loop().time() - started) * 1000, 1)
        return name, entry

    async def database() -> bool:
        try:
            async with asyncio.timeout(probe_seconds), runtime.engine.connect() as conn:
                await conn.exec_driver_sql("SELECT 1")
            return True
        except Exception:
            return False

    names = [n for n in runtime.sources if n != "court"]
    results = await asyncio.gather(database(), *(probe(n, runtime.sources[n]) for n in names))
    db_ok, connectors = results[0], dict(results[1:])
    alarm = runtime.integrator.alarm if runtime.integrator is not None else None
    audit = runtime.audit
    failing = audit.failing_since
    keys = runtime.token_keys
    if not db_ok or (keys is not None and not keys.ready):
        status = "unavailable"
    elif (
        alarm is None
        and failing is None
        and (keys is None or keys.failing_since is None)
        and all(c["ok"] and c.get("breaker") == "CLOSED" for c in connectors.values())
    ):
        status = "ready"
    else:
        status = "degraded"
    report: dict[str, Any] = {
        "status": status,
        # no subject data can be answered while audit writes fail
        "auditWrites": "ok"
        if failing is None
        else f"failing since {failing.isoformat()} ({audit.last_failure})",
        # the integrator refuses to grow the tree from a state the last checkpoint contradicts
        "auditIntegration": "ok" if alarm is None else f"refused: {alarm}",
        "database": "ok" if db_ok else "unreachable",
        "connectors": connectors,
    }
    if keys is not None:
        report["tokenKeys"] = keys.describe()
    # which process answered, the singleton jobs it runs (their leases) and the policy it serves
    report["process"] = {
        **(runtime.leadership.describe() if runtime.leadership is not None else {}),
        "policyGeneration": runtime.policy_generation,
        "policyDigest": runtime.policy_digest,
    }
    return report
