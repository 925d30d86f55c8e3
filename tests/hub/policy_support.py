"""Helpers shared by the access-control tests: recording apps, clients per role, error checks."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from hub.config import Settings
from hub.db.engine import create_hub_engine
from hub.federation.court import CourtSource
from tests.conftest import Api, start_app
from tests.fakes import RecordingSource, wrapped_sources

AGENCIES = (
    "public_security",
    "real_estate",
    "market_supervision",
    "social_security",
    "tax",
    "utilities",
)
DEMO_JUDGE = "judge-zhang"

# Product bug (hub/policy/enforce.py + hub/graphql/subjects.py): PolicyField passes the raw record
# to next_(), but strawberry binds a method resolver's ``self`` from the original source before
# field extensions run, so resolvers such as EnterpriseRegistration.legal_representative,
# KeyPerson.person and Shareholder.holder read their key through the masking view and look up
# the *masked* ID number: the referenced person silently resolves to null.


def demo_token(demo: dict[str, Any], role: str) -> str:
    """The token of the demo user holding ``role`` (judge-zhang for enforcement judges)."""
    users = [u for u in demo["users"] if role in u["roles"]]
    assert users, f"no demo user has the role {role}"
    chosen = next((u for u in users if u["id"] == DEMO_JUDGE), users[0])
    return chosen["token"]  # type: ignore[no-any-return]


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]


def errors_by_path(body: dict[str, Any]) -> dict[tuple[str | int, ...], dict[str, Any]]:
    return {tuple(e["path"]): e for e in body.get("errors", []) if e.get("path")}


def calls(sources: dict[str, RecordingSource]) -> dict[str, list[tuple[str, list[str]]]]:
    """Every recorded call by source name (sources without calls included, as [])."""
    return {name: list(source.calls) for name, source in sources.items()}


def forget_calls(sources: dict[str, RecordingSource]) -> None:
    for source in sources.values():
        source.calls.clear()


@asynccontextmanager
async def recorded_app(
    settings: Settings,
) -> AsyncIterator[tuple[Any, dict[str, RecordingSource]]]:
    """An app whose agency sources and court source record every batch call."""
    sources: dict[str, Any] = wrapped_sources(settings)
    court_engine = create_hub_engine(settings.database_url)
    sources["court"] = RecordingSource(CourtSource(court_engine))
    app, lifespan = await start_app(settings, sources)
    try:
        yield app, sources
    finally:
        await lifespan.__aexit__(None, None, None)
        await court_engine.dispose()


@asynccontextmanager
async def client(app: Any, token: str) -> AsyncIterator[Api]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as c:
        yield Api(c, token)
