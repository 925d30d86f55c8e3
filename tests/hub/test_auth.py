"""Bearer tokens: every refusal is HTTP 401 with UNAUTHENTICATED and says which problem."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.conftest import Api

ME = "{ me { userId } }"


async def _refused(api: Api, headers: dict[str, str]) -> dict[str, Any]:
    response = await api.client.post("/graphql", json={"query": ME}, headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    return body["errors"][0]


async def test_missing_token(api: Api) -> None:
    err = await _refused(api, {})
    assert err["extensions"]["reason"] == "MISSING"
    assert "Authorization: Bearer" in err["message"]


async def test_wrong_scheme(api: Api, tokens: dict[str, str]) -> None:
    err = await _refused(api, {"Authorization": f"Basic {tokens['judge-zhang']}"})
    assert err["extensions"]["reason"] == "MALFORMED"


async def test_garbage_token(api: Api) -> None:
    err = await _refused(api, {"Authorization": "Bearer not.a.jwt"})
    assert err["extensions"]["reason"] == "MALFORMED"


async def test_expired_token(api: Api, mint: Any) -> None:
    token = mint(ttl=timedelta(minutes=1), now=datetime.now(UTC) - timedelta(hours=2))
    err = await _refused(api, {"Authorization": f"Bearer {token}"})
    assert err["extensions"]["reason"] == "EXPIRED"
    assert "expired" in err["message"]


async def test_token_signed_by_another_key(api: Api, settings: Any) -> None:
    from hub.auth.tokens import issue_token, load_private_key

    _, kid = load_private_key(settings.private_key_path)
    token = issue_token(
        private_key=Ed25519PrivateKey.generate(),
        kid=kid,
        sub="x",
        org="court:370602",
        roles=["enforcement_judge"],
        ttl=timedelta(hours=1),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    err = await _refused(api, {"Authorization": f"Bearer {token}"})
    assert err["extensions"]["reason"] == "BAD_SIGNATURE"


async def test_unknown_key_id(api: Api, mint: Any, settings: Any) -> None:
    from hub.auth.tokens import issue_token, load_private_key

    key, _ = load_private_key(settings.private_key_path)
    token = issue_token(
        private_key=key,
        kid="nope",
        sub="x",
        org="court:370602",
        roles=["enforcement_judge"],
        ttl=timedelta(hours=1),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
    )
    err = await _refused(api, {"Authorization": f"Bearer {token}"})
    assert err["extensions"]["reason"] == "BAD_SIGNATURE"


async def test_hs256_token_is_refused(api: Api) -> None:
    token = jwt.encode(
        {"sub": "x", "org": "court:370602", "roles": ["enforcement_judge"]},
        "secret" * 6,
        algorithm="HS256",
    )
    err = await _refused(api, {"Authorization": f"Bearer {token}"})
    assert "EdDSA" in err["message"]


@pytest.mark.parametrize("claim", ["org", "roles"])
async def test_missing_claim(api: Api, settings: Any, claim: str) -> None:
    from hub.auth.tokens import load_private_key

    key, kid = load_private_key(settings.private_key_path)
    now = int(datetime.now(UTC).timestamp())
    claims = {
        "sub": "x",
        "org": "court:370602",
        "roles": ["enforcement_judge"],
        "iat": now,
        "exp": now + 600,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
    }
    del claims[claim]
    token = jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": kid})
    err = await _refused(api, {"Authorization": f"Bearer {token}"})
    assert claim in err["message"]


async def test_wrong_audience(api: Api, settings: Any) -> None:
    from hub.auth.tokens import load_private_key

    key, kid = load_private_key(settings.private_key_path)
    now = int(datetime.now(UTC).timestamp())
    token = jwt.encode(
        {
            "sub": "x",
            "org": "court:370602",
            "roles": ["r"],
            "iat": now,
            "exp": now + 600,
            "iss": settings.jwt_issuer,
            "aud": "someone-else",
        },
        key,
        algorithm="EdDSA",
        headers={"kid": kid},
    )
    err = await _refused(api, {"Authorization": f"Bearer {token}"})
    assert "audience" in err["message"]


async def test_valid_token_is_accepted(api: Api) -> None:
    body = await api.query(ME)
    assert body["data"]["me"]["userId"] == "judge-zhang"


async def test_graphiql_page_needs_no_token(api: Api) -> None:
    response = await api.client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


async def test_get_query_needs_a_token(api: Api) -> None:
    response = await api.client.get(
        "/graphql", params={"query": ME}, headers={"Accept": "text/html"}
    )
    assert response.status_code == 401


async def test_the_request_id_is_the_hubs_own(api: Api) -> None:
    # given a caller that is not a trusted proxy sending its own request id twice
    first = await api.post(ME, headers={"X-Request-Id": "abc-123"})
    second = await api.post(ME, headers={"X-Request-Id": "abc-123"})
    # then each response carries a fresh id of the hub's, not the caller's
    ids = {first.headers["x-request-id"], second.headers["x-request-id"]}
    assert "abc-123" not in ids and len(ids) == 2
