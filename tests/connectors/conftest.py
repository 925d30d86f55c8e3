"""Fixtures of the connector tests: the session's agency databases, raw and through their sources."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine

from connectors import registry
from hub.config import Settings


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
