"""Fixtures of the connector tests: the session's agency databases, raw and through their sources."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine

from connectors import registry
from connectors.base.service import agency_app
from hub.config import Settings
from tests.servers import Served


@pytest.fixture(scope="module")
def databases(settings: Settings) -> Iterator[dict[str, Engine]]:
    engines = {name: create_engine(settings.connectors[name].url) for name in registry.names()}
    try:
        yield engines
    finally:
        for engine in engines.values():
            engine.dispose()


@pytest.fixture(scope="module")
async def sources(settings: Settings) -> AsyncIterator[dict[str, Any]]:
    opened = {
        name: registry.get(name).embedded(settings.connectors[name].url)
        for name in registry.names()
    }
    try:
        yield opened
    finally:
        for source in opened.values():
            source.close()


@pytest.fixture(scope="module")
async def agency_services(sources: dict[str, Any]) -> AsyncIterator[dict[str, Served]]:
    """Each agency's service (``fyt agency serve``) on loopback, over the embedded sources."""
    served = {
        name: Served(agency_app(registry.get(name), source)) for name, source in sources.items()
    }
    for server in served.values():
        await server.start()
    try:
        yield served
    finally:
        for server in served.values():
            await server.stop()


@pytest.fixture(scope="module", params=["embedded", "remote"])
async def implementations(
    request: pytest.FixtureRequest, sources: dict[str, Any], agency_services: dict[str, Served]
) -> AsyncIterator[dict[str, Any]]:
    """The sources of the contract tests: embedded, then remote over real HTTP."""
    if request.param == "embedded":
        yield sources
        return
    services = agency_services
    remote = {name: registry.get(name).remote(services[name].url, timeout=30) for name in sources}
    try:
        yield remote
    finally:
        for source in remote.values():
            await source.aclose()
