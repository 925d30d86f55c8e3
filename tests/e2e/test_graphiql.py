"""GraphiQL on a network without internet: the page and everything it loads come from the hub.

Court networks reach no CDN. The browser here may fetch only from the hub; every other request
is aborted (and recorded), as a network without internet would have it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.e2e.conftest import DESKTOP, WAIT_MS
from tests.hub.test_serve import Server

ME = "{ me { userId } }"


class Offline:
    """A browser tab that reaches only the hub: what it tried elsewhere, what went wrong."""

    def __init__(self, page: Any, base_url: str) -> None:
        self.page = page
        self.base_url = base_url
        self.elsewhere: list[str] = []
        self.errors: list[str] = []
        page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None
            ),
        )

    async def route(self, route: Any) -> None:
        url = route.request.url
        if url == self.base_url or url.startswith(self.base_url + "/"):
            await route.continue_()
        else:
            self.elsewhere.append(url)
            await route.abort("internetdisconnected")


@pytest.fixture
async def offline(browser: Any, hub: Server) -> AsyncIterator[Offline]:
    context = await browser.new_context(viewport=DESKTOP)
    page = await context.new_page()
    tab = Offline(page, hub.base_url)
    await context.route("**/*", tab.route)
    try:
        yield tab
    finally:
        await context.close()


async def test_graphiql_loads_with_no_network_but_the_hub(offline: Offline, hub: Server) -> None:
    # when a browser that can reach only the hub opens GraphiQL
    response = await offline.page.goto(f"{hub.base_url}/graphql")
    # then the page renders GraphiQL's editor, with nothing fetched from anywhere else
    assert response is not None and response.ok
    await offline.page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=WAIT_MS)
    assert "Loading" not in await offline.page.inner_text("body")
    assert offline.elsewhere == []
    # (without a token in its headers, the schema GraphiQL asks for is refused: 401)
    assert [e for e in offline.errors if "401" not in e] == [], offline.errors


async def test_graphiql_runs_a_query_offline(
    offline: Offline, hub: Server, demo: dict[str, Any]
) -> None:
    # given the demo judge's token in GraphiQL's headers (kept in the tab's sessionStorage)
    token = next(u["token"] for u in demo["users"] if u["id"] == "judge-zhang")
    headers = json.dumps({"Authorization": f"Bearer {token}"})
    await offline.page.add_init_script(
        "sessionStorage.setItem('graphiql:headers', " + json.dumps(headers) + ");"
        "sessionStorage.setItem('graphiql:query', " + json.dumps(ME) + ");"
    )
    # when the page is opened and the query run
    await offline.page.goto(f"{hub.base_url}/graphql")
    await offline.page.wait_for_selector(".graphiql-query-editor .CodeMirror", timeout=WAIT_MS)
    await offline.page.click(".graphiql-execute-button", timeout=WAIT_MS)
    # then the hub's answer is shown, and nothing left for anywhere but the hub
    await offline.page.wait_for_function(
        "() => document.querySelector('.graphiql-response')?.innerText.includes('judge-zhang')",
        timeout=WAIT_MS,
    )
    answer = (await offline.page.inner_text(".graphiql-response")).replace("\xa0", " ")
    assert json.loads(answer) == {"data": {"me": {"userId": "judge-zhang"}}}
    assert offline.elsewhere == []
    assert offline.errors == []
