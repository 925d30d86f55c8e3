"""Fixtures of the connector tests: the contract suite's two implementations of every source.

The agency databases, embedded sources and services are in tests/conftest.py (``databases``,
``sources``, ``agency_services``), shared with the interoperability tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from connectors import registry
from tests.servers import Served


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
