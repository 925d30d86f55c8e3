"""Token times against the hub's clock: a token is refused from its `exp` on, over HTTP with a
401 (it was accepted for 30 s more, then refused inside the answer); `iat`/`nbf` may be 30 s
ahead (an identity provider whose clock runs ahead)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import Api

ME = "{ me { userId } }"


async def test_a_token_expired_seconds_ago_is_refused_with_401(api: Api, mint: Any) -> None:
    # given a token whose exp passed 5 s ago
    issued = datetime.now(UTC) - timedelta(minutes=5, seconds=5)
    token = mint(ttl=timedelta(minutes=5), now=issued)
    # when it is used
    response = await api.post(ME, token=token)
    # then it is refused before anything runs, as any expired token
    assert response.status_code == 401
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": "EXPIRED"}


@pytest.mark.parametrize(("ahead", "status"), [(20, 200), (40, 401)])
async def test_a_token_issued_ahead_of_the_hubs_clock(
    api: Api, mint: Any, ahead: int, status: int
) -> None:
    # given a token whose iat (and nbf) is `ahead` seconds in the hub's future
    token = mint(ttl=timedelta(minutes=5), now=datetime.now(UTC) + timedelta(seconds=ahead))
    # when it is used
    response = await api.post(ME, token=token)
    # then up to 30 s ahead it is accepted, beyond that refused as not valid yet
    assert response.status_code == status, response.text
    if status == 200:
        assert response.json()["data"]["me"]["userId"] == "judge-zhang"
    else:
        assert "not valid yet" in response.json()["errors"][0]["message"]
