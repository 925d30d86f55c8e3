"""HUB_JWT_JWKS_URL: the identity provider's keys fetched, cached, rotated, and outlived.

A JWKS server of the test's own on loopback stands for the court's identity provider; tokens
are signed with keys made here (cryptography and PyJWT alone) and sent to a hub whose only
token keys are that URL's (or the URL's and a file's).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import OKPAlgorithm
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.config import Settings
from tests.conftest import start_app
from tests.servers import Served, WsClient

ME = "{ me { userId org roles } }"


@dataclass
class Provider:
    """An identity provider: its signing keys, the JWKS it serves, and the fetches it saw."""

    keys: dict[str, Ed25519PrivateKey] = field(default_factory=dict)
    published: list[str] = field(default_factory=list)  # key ids in the JWKS now
    fetches: int = 0
    served: Served | None = None

    def add(self, kid: str, *, publish: bool = True) -> None:
        self.keys[kid] = Ed25519PrivateKey.generate()
        if publish:
            self.published.append(kid)

    def jwks(self) -> dict[str, Any]:
        out = []
        for kid in self.published:
            jwk = json.loads(OKPAlgorithm.to_jwk(self.keys[kid].public_key()))
            out.append({**jwk, "kid": kid, "use": "sig", "alg": "EdDSA"})
        # a key of another kind, as real providers publish beside their EdDSA keys
        out.append({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"})
        return {"keys": out}

    def token(self, kid: str, settings: Settings, sub: str = "judge-zhang") -> str:
        now = int(time.time())
        claims = {
            "sub": sub,
            "org": "court:370602",
            "roles": ["enforcement_judge"],
            "iss": settings.jwt_issuer,
            "aud": settings.jwt_audience,
            "iat": now,
            "exp": now + 600,
        }
        return jwt.encode(claims, self.keys[kid], algorithm="EdDSA", headers={"kid": kid})

    @property
    def url(self) -> str:
        assert self.served is not None
        return f"{self.served.url}/jwks.json"


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    idp = Provider()

    async def jwks(_: Request) -> JSONResponse:
        idp.fetches += 1
        return JSONResponse(idp.jwks())

    idp.served = Served(Starlette(routes=[Route("/jwks.json", jwks)]))
    idp.add("idp-2026-a")
    await idp.served.start()
    try:
        yield idp
    finally:
        await idp.served.stop()


@pytest.fixture
async def hub_for(settings: Settings) -> AsyncIterator[Any]:
    """Starts a hub whose token keys are the given provider's (``**changes`` to the settings)."""
    started: list[Any] = []

    async def start(provider: Provider, **changes: Any) -> Any:
        changes = {"jwt_public_keys": None, "jwt_jwks_timeout": 2.0, **changes}
        variant = settings.replace(jwt_jwks_url=provider.url, **changes)
        app, lifespan = await start_app(variant)
        started.append(lifespan)
        return app

    yield start
    for lifespan in started:
        await lifespan.__aexit__(None, None, None)


async def ask(app: Any, token: str, query: str = ME) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        return await client.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {token}"}
        )


async def readyz(app: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
        return await client.get("/readyz")


async def test_a_token_signed_with_the_providers_key_is_accepted(
    provider: Provider, hub_for: Any, settings: Settings
) -> None:
    # given a hub whose only token keys are at the provider's URL
    app = await hub_for(provider)
    # when a token the provider signed is sent
    response = await ask(app, provider.token("idp-2026-a", settings))
    # then it is accepted, and the keys were fetched once, at start
    assert response.status_code == 200, response.text
    assert response.json()["data"]["me"]["userId"] == "judge-zhang"
    assert provider.fetches == 1
    ready = (await readyz(app)).json()
    assert ready["tokenKeys"]["jwksUrl"] == provider.url
    assert ready["tokenKeys"]["keys"] == 1 and ready["tokenKeys"]["error"] is None


async def test_a_key_the_provider_rotates_to_is_picked_up_at_once(
    provider: Provider, hub_for: Any, settings: Settings
) -> None:
    # given a hub that fetched the provider's set with one key
    app = await hub_for(provider)
    assert (await ask(app, provider.token("idp-2026-a", settings))).status_code == 200
    # when the provider publishes a new key and signs a token with it
    provider.add("idp-2026-b")
    response = await ask(app, provider.token("idp-2026-b", settings, sub="judge-zhou"))
    # then that first token is accepted: its unknown key id made the hub fetch the set again
    assert response.status_code == 200, response.text
    assert response.json()["data"]["me"]["userId"] == "judge-zhou"
    assert provider.fetches == 2
    # and the old key still works while the provider publishes it
    assert (await ask(app, provider.token("idp-2026-a", settings))).status_code == 200


async def test_a_key_the_provider_withdraws_stops_working_after_the_cache_lifetime(
    provider: Provider, hub_for: Any, settings: Settings
) -> None:
    # given a hub caching the set for a second, and a token accepted with key a
    app = await hub_for(provider, jwt_jwks_cache_seconds=1.0)
    old = provider.token("idp-2026-a", settings)
    assert (await ask(app, old)).status_code == 200
    keys = app.state.runtime.token_keys
    # when the provider withdraws key a (publishing b instead) just after a fetch
    assert await keys.refresh(force=True)
    fetched = provider.fetches
    provider.add("idp-2026-b")
    provider.published.remove("idp-2026-a")
    # then within the cache lifetime the set is not fetched again, and key a still works
    assert await keys.refresh()
    assert provider.fetches == fetched
    assert (await ask(app, old)).status_code == 200
    # and once it has passed, the next refresh fetches it and the token of key a is refused,
    # though the hub had verified (and remembered) it before
    await asyncio.sleep(1.1)
    assert await keys.refresh()
    assert provider.fetches == fetched + 1
    response = await ask(app, old)
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "BAD_SIGNATURE"}
    assert "idp-2026-a" in error["message"]


async def test_a_token_with_an_unknown_key_id_is_refused_as_unauthenticated(
    provider: Provider, hub_for: Any, settings: Settings
) -> None:
    # given a hub with the provider's keys, and a key the provider never published
    app = await hub_for(provider)
    provider.add("forged", publish=False)
    # when a token names that key id
    response = await ask(app, provider.token("forged", settings))
    # then it is refused with the documented shape, after one more look at the provider
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="fyt"'
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHENTICATED", "reason": "BAD_SIGNATURE"}
    assert body["errors"][0]["message"] == "token key id 'forged' is not among the hub's keys"
    assert provider.fetches == 2
    # and more made-up key ids do not make the hub ask the provider again (rate-limited)
    for n in range(5):
        provider.add(f"made-up-{n}", publish=False)
        assert (await ask(app, provider.token(f"made-up-{n}", settings))).status_code == 401
    await asyncio.sleep(0.05)  # a background fetch, had one been started, would run now
    assert provider.fetches == 2


async def test_an_unreachable_provider_does_not_stop_a_hub_that_holds_its_keys(
    provider: Provider, hub_for: Any, settings: Settings
) -> None:
    # given a hub that fetched the provider's keys
    app = await hub_for(provider, jwt_jwks_cache_seconds=0.2)
    keys = app.state.runtime.token_keys
    assert provider.served is not None
    # when the provider goes away and the cache lifetime passes
    await provider.served.stop()
    await asyncio.sleep(0.3)
    refreshed = await keys.refresh()
    # then the fetch failed, yet tokens signed with the keys held are still accepted
    assert refreshed is False
    response = await ask(app, provider.token("idp-2026-a", settings))
    assert response.status_code == 200, response.text
    # and readiness says so without taking the hub out of service
    ready = await readyz(app)
    assert ready.status_code == 200
    assert ready.json()["status"] == "degraded"
    assert ready.json()["tokenKeys"]["error"].startswith("failing since ")
    # when the provider comes back, the next refresh clears it
    await provider.served.start()
    assert await keys.refresh()
    assert (await readyz(app)).json()["tokenKeys"]["error"] is None


async def test_a_hub_started_while_the_provider_is_down_serves_once_it_answers(
    provider: Provider, hub_for: Any, settings: Settings
) -> None:
    # given the provider down when the hub starts
    assert provider.served is not None
    url = provider.url
    await provider.served.stop()
    app = await hub_for(provider)
    token = provider.token("idp-2026-a", settings)
    # then the hub is up but not ready, and refuses tokens it cannot verify
    ready = await readyz(app)
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable"
    assert (await ask(app, token)).status_code == 401
    # when the provider answers again (same address), the hub's refresh brings the keys
    await provider.served.start()
    assert provider.url == url
    assert await app.state.runtime.token_keys.refresh()
    # then the token is accepted and the hub is ready
    assert (await ask(app, token)).status_code == 200
    assert (await readyz(app)).json()["tokenKeys"]["keys"] == 1


async def test_the_key_files_keep_working_beside_the_url(
    provider: Provider, hub_for: Any, settings: Settings, tokens: dict[str, str]
) -> None:
    # given a hub with the demo's JWKS file and the provider's URL
    app = await hub_for(provider, jwt_public_keys=settings.public_keys_path)
    # when a token of each is sent
    from_file = await ask(app, tokens["judge-zhang"])
    from_provider = await ask(app, provider.token("idp-2026-a", settings, sub="judge-zhou"))
    # then both are accepted
    assert from_file.status_code == 200, from_file.text
    assert from_file.json()["data"]["me"]["userId"] == "judge-zhang"
    assert from_provider.status_code == 200, from_provider.text
    assert from_provider.json()["data"]["me"]["userId"] == "judge-zhou"


async def test_a_websocket_with_a_new_key_id_is_let_in_on_its_next_attempt(
    provider: Provider, hub_for: Any, settings: Settings
) -> None:
    # given a hub with the provider's set, and a key published after it was fetched
    app = await hub_for(provider)
    provider.add("idp-2026-b")
    token = provider.token("idp-2026-b", settings)
    # when a websocket authenticates with it (connection_init cannot wait for a fetch)
    async with WsClient(app, token) as first:
        refused = first.ack
    # then that attempt is refused as unauthenticated, and the fetch it asked for brings the key
    assert refused is not None and refused["type"] == "close" and refused["code"] == 4403
    keys = app.state.runtime.token_keys
    await keys.settled()
    assert provider.fetches == 2 and "idp-2026-b" in keys
    async with WsClient(app, token) as second:
        assert second.ack is not None and second.ack["type"] == "connection_ack"
