"""GraphiQL's page over HTTP: everything it loads is the hub's, under a strict policy; not in
production. (The browser test, ``tests/e2e/test_graphiql.py``, runs it with no network.)"""

from __future__ import annotations

import re
from typing import Any

import httpx

from hub.config import Settings
from tests.conftest import Api, start_app

ASSET = re.compile(r'<(?:script|link)\b[^>]*(?:src|href)="([^"]+)"')


async def test_the_page_loads_only_the_hubs_own_files(api: Api) -> None:
    # when a browser asks for /graphql
    page = await api.client.get("/graphql", headers={"Accept": "text/html"})
    # then the page names scripts and styles of the hub only, and may load nothing else
    assert page.status_code == 200
    assets = ASSET.findall(page.text)
    assert len(assets) == 6, assets
    assert all(a.startswith("/graphiql/") for a in assets), assets
    policy = page.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "connect-src 'self';" in policy
    assert "https:" not in policy and "unsafe-eval" not in policy
    # and each of them is served
    for asset in assets:
        response = await api.client.get(asset)
        assert response.status_code == 200, asset
        kind = "text/css" if asset.endswith(".css") else "text/javascript"
        assert response.headers["content-type"].startswith(kind), asset
        assert response.content


async def test_production_serves_no_graphiql_files(settings: Settings) -> None:
    app, lifespan = await start_app(settings.replace(env="production"))
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://hub.test") as client:
            response = await client.get("/graphiql/vendor/react-18.3.1/react.production.min.js")
    finally:
        await lifespan.__aexit__(None, None, None)
    assert response.status_code == 404
    body: dict[str, Any] = response.json()
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
