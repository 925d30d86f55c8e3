"""Prometheus metrics of a hub process (``GET /metrics``).

- ``hub_http_requests_total{path,status}`` and ``hub_http_request_seconds{path}``;
- ``hub_connector_seconds{connector,method}`` — each look-up of an agency, retries included;
- ``hub_connector_errors_total{connector,code}`` — CONNECTOR_TIMEOUT, CONNECTOR_UNAVAILABLE,
  CIRCUIT_OPEN;
- ``hub_connector_breaker_state{connector}`` — 0 closed, 1 half-open, 2 open;
- ``hub_connector_in_flight{connector}`` — look-ups in flight.

Each app has its own registry, so several apps in one process (tests) do not collide.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _GuardCollector(Collector):
    """Breaker states and in-flight counts, read from the guards at scrape time."""

    def __init__(self, guards: Mapping[str, Any]) -> None:
        self._guards = guards

    def collect(self) -> Any:
        state = GaugeMetricFamily(
            "hub_connector_breaker_state",
            "Circuit breaker per connector: 0 closed, 1 half-open, 2 open",
            labels=["connector"],
        )
        in_flight = GaugeMetricFamily(
            "hub_connector_in_flight", "Look-ups in flight per connector", labels=["connector"]
        )
        for name, guard in self._guards.items():
            state.add_metric([name], guard.breaker.state.value)
            in_flight.add_metric([name], guard.in_flight)
        yield state
        yield in_flight


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = Counter(
            "hub_http_requests",
            "HTTP requests served",
            ["path", "status"],
            registry=self.registry,
        )
        self.request_seconds = Histogram(
            "hub_http_request_seconds",
            "HTTP request latency",
            ["path"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.connector_seconds = Histogram(
            "hub_connector_seconds",
            "Agency look-up latency, retries included",
            ["connector", "method"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.connector_errors = Counter(
            "hub_connector_errors",
            "Failed agency look-ups by error code",
            ["connector", "code"],
            registry=self.registry,
        )
        self.leases = Gauge(
            "hub_lease_held",
            "1 while this process holds the lease (runs the singleton job), 0 otherwise",
            ["lease"],
            registry=self.registry,
        )
        self._children: dict[tuple[str, str], Any] = {}

    def lease_changed(self, lease: str, held: bool) -> None:
        self.leases.labels(lease).set(1 if held else 0)

    def watch_guards(self, guards: Mapping[str, Any]) -> None:
        self.registry.register(_GuardCollector(guards))

    def connector_result(self, connector: str) -> Any:
        """The ``on_result`` callback of a connector's guard."""

        def record(method: str, outcome: str, seconds: float) -> None:
            key = (connector, method)
            child = self._children.get(key)
            if child is None:
                child = self._children[key] = self.connector_seconds.labels(connector, method)
            child.observe(seconds)
            if outcome != "OK":
                self.connector_errors.labels(connector, outcome).inc()

        return record

    def render(self) -> bytes:
        return generate_latest(self.registry)


class MetricsMiddleware:
    """Counts and times HTTP requests (pure ASGI: no per-request objects beyond the timer)."""

    def __init__(self, app: Any, metrics: Metrics, paths: frozenset[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.paths = paths

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"] if scope["path"] in self.paths else "other"
        started = time.perf_counter()
        status = 500

        async def send_status(message: Any) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.request_seconds.labels(path).observe(time.perf_counter() - started)
            self.metrics.requests.labels(path, str(status)).inc()
