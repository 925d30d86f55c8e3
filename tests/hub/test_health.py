"""Liveness, readiness and metrics of a hub process (embedded connectors)."""

from __future__ import annotations

import dataclasses
import socket
from types import SimpleNamespace
from typing import Any

import httpx

from connectors import registry
from hub.app import readiness
from hub.db.engine import create_hub_engine
from tests.conftest import Api
from tests.hub.queries import PERSON_FULL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def get(app: Any, path: str) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        return await client.get(path)


async def test_healthz_needs_no_token(app: Any) -> None:
    response = await get(app, "/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_readyz_reports_the_database_and_every_connector(app: Any) -> None:
    response = await get(app, "/readyz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ready"
    assert body["database"] == "ok"
    assert set(body["connectors"]) == {
        "public_security",
        "real_estate",
        "market_supervision",
        "social_security",
        "tax",
        "utilities",
        # every bank is a connector of its own (docs/banks.md)
        *(f"bank:{c}" for c in ("102", "103", "104", "105", "301", "403", "308", "313")),
    }
    for entry in body["connectors"].values():
        assert (entry["mode"], entry["ok"], entry["breaker"]) == ("embedded", True, "CLOSED")
        assert entry["latencyMs"] >= 0


async def test_readyz_is_unavailable_without_the_hub_database(app: Any, tmp_path: Any) -> None:
    # given a runtime whose hub database does not answer (nothing listens on the port)
    runtime = app.state.runtime
    broken = create_hub_engine(f"postgresql+asyncpg://hub@127.0.0.1:{free_port()}/hub")
    try:
        fake = dataclasses.replace(runtime, engine=broken)
        # when readiness is asked
        report = await readiness(fake)
    finally:
        await broken.dispose()
    # then the hub is unavailable, while the agencies still answer
    assert report["status"] == "unavailable"
    assert report["database"] == "unreachable"
    assert all(c["ok"] for c in report["connectors"].values())


async def test_readyz_is_degraded_when_an_agency_database_is_gone(app: Any, tmp_path: Any) -> None:
    from connectors import registry

    runtime = app.state.runtime
    gone = registry.get("social_security").embedded(f"sqlite:///{tmp_path / 'gone.sqlite3'}")
    try:
        fake = dataclasses.replace(runtime, sources={**runtime.sources, "social_security": gone})
        report = await readiness(fake)
    finally:
        gone.close()
    assert report["status"] == "degraded"
    assert report["connectors"]["social_security"]["ok"] is False
    assert report["connectors"]["social_security"]["error"]
    assert report["connectors"]["public_security"]["ok"] is True


async def test_metrics_count_requests_and_look_ups(
    app: Any, api: Api, demo: dict[str, Any]
) -> None:
    # given a profile request
    sample = demo["samples"]["persons"][0]
    before = (await get(app, "/metrics")).text
    await api.query(PERSON_FULL, {"id": sample["idNumber"], "case": sample["caseNumber"]})
    # when the metrics are scraped
    response = await get(app, "/metrics")
    text = response.text
    # then requests and look-ups are counted and timed, and every breaker is reported closed
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")

    def value(page: str, prefix: str) -> float:
        lines = [line for line in page.splitlines() if line.startswith(prefix)]
        return float(lines[0].rsplit(" ", 1)[1]) if lines else 0.0

    requests = 'hub_http_requests_total{path="/graphql",status="200"}'
    assert value(text, requests) >= value(before, requests) + 1
    lookups = 'hub_connector_seconds_count{connector="public_security",method="identities"}'
    assert value(text, lookups) >= value(before, lookups) + 1
    for name in registry.names():
        assert f'hub_connector_breaker_state{{connector="{name}"}} 0.0' in text


def test_metrics_of_two_apps_do_not_collide(settings: Any) -> None:
    # each app has its own registry: building a second one in the same process is fine
    from hub.app import create_app

    first = create_app(settings.replace())
    second = create_app(settings.replace())
    assert first is not second


async def test_readyz_is_degraded_while_audit_integration_is_refused(app: Any) -> None:
    # given a hub whose integrator refuses to grow the tree (its state contradicts the note)
    runtime = app.state.runtime
    fake = dataclasses.replace(
        runtime,
        integrator=SimpleNamespace(alarm="the stored tree state does not match checkpoint 12"),
    )
    # when readiness is asked
    report = await readiness(fake)
    # then the hub is degraded and says why
    assert report["status"] == "degraded"
    assert report["auditIntegration"].startswith("refused: the stored tree state")
