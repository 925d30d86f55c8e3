"""Fixtures of the interoperability tests: the session's agency databases and their services.

The same as the connector tests' (``tests/connectors/conftest.py``), which this folder cannot see.
"""

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
    """Each agency database, raw, to find subjects that have data."""
    engines = {name: create_engine(settings.connectors[name].url) for name in registry.names()}
    try:
        yield engines
    finally:
        for engine in engines.values():
            engine.dispose()


@pytest.fixture(scope="module")
async def sources(settings: Settings) -> AsyncIterator[dict[str, Any]]:
    """Each agency's embedded source: what the agency's data is, the reference of the tests."""
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
    try:
        for server in served.values():
            await server.start()
        yield served
    finally:
        for server in served.values():
            await server.stop()
