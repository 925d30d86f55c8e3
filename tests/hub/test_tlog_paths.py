"""The audit log read API has one spelling of each path, and redirects nowhere.

Each test states what the README promises of a path and asks for it.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.hub.test_tlog_api import bearer, viewed  # noqa: F401  (fixture)


@pytest.mark.parametrize(
    "path",
    [
        "/audit/tile/0/000.p/1%0a",  # a tile path with a newline after it
        "/audit/tile/0/000.p/1%0A",
    ],
)
async def test_a_tile_path_has_one_spelling_only(
    api: Api, tokens: dict[str, str], viewed: dict[str, Any], path: str  # noqa: F811
) -> None:
    # README, "Read API": N and W are written as C2SP tlog-tiles writes them; "any other
    # spelling is BAD_USER_INPUT (rule: TILE_PATH, 400)". tiles.parse_tile_path refuses
    # "000.p/1\n", but the route's pattern (`{path:path}`, a regex ending in `$`) drops one
    # newline at the end before the handler sees the path, so the tile is served.
    response = await api.client.get(path, headers=bearer(tokens["auditor-sun"]))
    assert response.status_code == 400, (response.status_code, response.headers)
    error = response.json()["errors"][0]
    assert (error["extensions"]["code"], error["extensions"]["rule"]) == (
        "BAD_USER_INPUT",
        "TILE_PATH",
    )


async def test_the_checkpoint_has_one_path_only(
    api: Api, tokens: dict[str, str], viewed: dict[str, Any]  # noqa: F811
) -> None:
    # README, "Errors": a path the hub does not serve is NOT_FOUND (404).
    # /audit/checkpoint followed by a newline is answered as /audit/checkpoint.
    response = await api.client.get("/audit/checkpoint%0a", headers=bearer(tokens["auditor-sun"]))
    assert response.status_code == 404, (response.status_code, response.text[:80])


async def test_a_trailing_slash_does_not_redirect_to_the_callers_host(api: Api) -> None:
    # A path the hub does not serve is NOT_FOUND (README, "Errors"). /audit/checkpoint/ is
    # answered with 307 and a Location built from the request's Host header, so a link to
    # the hub can send a browser (and the bearer token a client re-sends) elsewhere.
    response = await api.client.get(
        "/audit/checkpoint/", headers={"Host": "evil.example"}, follow_redirects=False
    )
    assert "evil.example" not in response.headers.get("location", ""), response.headers
    assert response.status_code == 404, response.status_code


