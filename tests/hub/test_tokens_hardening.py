"""Odd token headers and claims, over the HTTP endpoint: always a 401 with a reason, never a 500."""

from __future__ import annotations

import base64
import json
import logging
import time
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hub.auth.tokens import load_private_key
from hub.config import Settings
from tests.conftest import Api
from tests.hub.test_order_events import connection_init

ME = "{ me { userId } }"


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def forge(
    header: Any, claims: Any, key: Ed25519PrivateKey, *, raw_header: bytes | None = None
) -> str:
    """A compact JWS with exactly this header and these claims, correctly signed with ``key``."""
    head = raw_header if raw_header is not None else json.dumps(header).encode()
    body = json.dumps(claims).encode()
    signing_input = f"{b64(head)}.{b64(body)}".encode()
    return f"{signing_input.decode()}.{b64(key.sign(signing_input))}"


@pytest.fixture(scope="module")
def hub_key(settings: Settings) -> tuple[Ed25519PrivateKey, str]:
    key, kid = load_private_key(settings.private_key_path)
    assert kid is not None
    return key, kid


@pytest.fixture
def claims(settings: Settings) -> dict[str, Any]:
    now = int(time.time())
    return {
        "sub": "judge-zhang",
        "org": "court:370602",
        "roles": ["enforcement_judge"],
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + 600,
    }


async def refused(
    api: Api, caplog: pytest.LogCaptureFixture, authorization: str, reason: str = "MALFORMED"
) -> str:
    """POST /graphql with this header: a 401 in the usual shape, nothing logged at ERROR.

    The header goes as the bytes a server would see (Latin-1 where it can, else UTF-8)."""
    try:
        raw = authorization.encode("latin-1")
    except UnicodeEncodeError:
        raw = authorization.encode("utf-8")
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        response = await api.client.post(
            "/graphql", json={"query": ME}, headers={"Authorization": raw}
        )
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert list(body) == ["errors"] and len(body["errors"]) == 1
    error = body["errors"][0]
    assert error["extensions"] == {"code": "UNAUTHENTICATED", "reason": reason}
    assert isinstance(error["message"], str) and error["message"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    return str(error["message"])


# --- the header ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "needle"),
    [
        ({"alg": "EdDSA", "kid": 5}, "kid"),
        ({"alg": "EdDSA", "kid": 1.5}, "kid"),
        ({"alg": "EdDSA", "kid": ["a", "b"]}, "kid"),
        ({"alg": "EdDSA", "kid": {"k": "v"}}, "kid"),
        ({"alg": "EdDSA", "kid": True}, "kid"),
        ({"alg": "EdDSA", "kid": ""}, "kid"),
        ({"alg": "EdDSA", "kid": "k" * 500}, "kid"),
        ({"alg": ["EdDSA"], "kid": "KID"}, "algorithm"),
        ({"alg": None, "kid": "KID"}, "algorithm"),
        ({"alg": {"name": "EdDSA"}, "kid": "KID"}, "algorithm"),
        ({"kid": "KID"}, "algorithm"),
        ({"alg": "none", "kid": "KID"}, "algorithm"),
        ({"alg": "eddsa", "kid": "KID"}, "algorithm"),
        ({"alg": "EdDSA", "kid": "KID", "typ": "JWS"}, "typ"),
        ({"alg": "EdDSA", "kid": "KID", "typ": 1}, "typ"),
        ({"alg": "EdDSA", "kid": "KID", "typ": ["JWT"]}, "typ"),
        ({"alg": "EdDSA", "kid": "KID", "typ": "JWT\n"}, "typ"),
    ],
)
async def test_an_odd_header_member_is_a_401(
    api: Api,
    caplog: pytest.LogCaptureFixture,
    hub_key: tuple[Ed25519PrivateKey, str],
    claims: dict[str, Any],
    header: dict[str, Any],
    needle: str,
) -> None:
    # given a token signed with the hub's own key whose header has one odd member
    key, kid = hub_key
    header = {k: (kid if v == "KID" else v) for k, v in header.items()}
    token = forge(header, claims, key)
    # when it is sent, then it is refused as malformed, naming the member
    message = await refused(api, caplog, f"Bearer {token}")
    assert needle in message


@pytest.mark.parametrize(
    "crit",
    [["exp"], ["b64"], ["http://example.invalid/ext"], [], "exp", 5, None, {"exp": 1}],
)
async def test_a_critical_extension_is_refused(
    api: Api,
    caplog: pytest.LogCaptureFixture,
    hub_key: tuple[Ed25519PrivateKey, str],
    claims: dict[str, Any],
    crit: Any,
) -> None:
    # given a correctly signed token whose header lists critical extensions (RFC 7515 §4.1.11)
    key, kid = hub_key
    header = {"alg": "EdDSA", "kid": kid, "crit": crit}
    if crit == ["b64"]:
        header["b64"] = True
    token = forge(header, claims, key)
    # then the hub, which understands none, refuses it and says why
    message = await refused(api, caplog, f"Bearer {token}")
    assert "crit" in message and "RFC 7515" in message


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        (b"[1, 2]", "JSON object"),
        (b'"EdDSA"', "JSON object"),
        (b"null", "JSON object"),
        (b"{not json", "not JSON"),
        (b"\xff\xfe{}", "not JSON"),
        (b'{"alg": "EdDSA", "alg": "none"}', "repeats"),
        (b'{"alg": "EdDSA", "kid": NaN}', "kid"),
        (b"[" * 5000 + b"]" * 5000, "JSON"),
    ],
)
async def test_a_header_that_is_not_a_json_object_is_a_401(
    api: Api,
    caplog: pytest.LogCaptureFixture,
    hub_key: tuple[Ed25519PrivateKey, str],
    claims: dict[str, Any],
    raw: bytes,
    needle: str,
) -> None:
    # given a signed token whose header bytes are not a plain JSON object
    key, _ = hub_key
    token = forge(None, claims, key, raw_header=raw)
    if len(token) > 8 * 1024:  # the deep nesting does not fit the length bound: the bound refuses
        needle = "too long"
    # then it is refused as malformed
    message = await refused(api, caplog, f"Bearer {token}")
    assert needle in message


# --- the claims ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patch", "needle"),
    [
        ({"exp": "EXP"}, "exp"),
        ({"exp": 10**20}, ""),
        ({"exp": True}, "exp"),
        ({"exp": [1]}, "exp"),
        ({"iat": "IAT"}, "iat"),
        ({"iat": "FUTURE"}, "not valid yet"),
        ({"iat": None}, "iat"),
        ({"nbf": "soon"}, "nbf"),
        ({"exp": "BEFORE_IAT"}, ""),
        ({"sub": 42}, "sub"),
        ({"sub": ""}, "sub"),
        ({"sub": "judge\x00zhang"}, "sub"),
        ({"sub": "judge-zhang\n"}, "sub"),
        ({"sub": " judge-zhang"}, "sub"),
        ({"sub": "x" * 65}, "sub"),
        ({"org": ["court:370602"]}, "org"),
        ({"org": "court:370602\n"}, "org"),
        ({"org": "court:３７０６０２"}, "org"),
        ({"roles": "enforcement_judge"}, "roles"),
        ({"roles": []}, "roles"),
        ({"roles": [["enforcement_judge"]]}, "roles"),
        ({"roles": ["enforcement_judge\n"]}, "roles"),
        ({"roles": ["r"] * 33}, "roles"),
        ({"jti": 7}, ""),
        ({"jti": "j" * 200}, "jti"),
    ],
)
async def test_a_claim_of_the_wrong_type_or_shape_is_a_401(
    api: Api,
    caplog: pytest.LogCaptureFixture,
    hub_key: tuple[Ed25519PrivateKey, str],
    claims: dict[str, Any],
    patch: dict[str, Any],
    needle: str,
) -> None:
    # given a token signed with the hub's key, one claim odd
    key, kid = hub_key
    now = claims["iat"]
    values = {"EXP": str(now + 600), "IAT": str(now), "FUTURE": now + 3600, "BEFORE_IAT": now - 1}
    odd = {k: values.get(v, v) if isinstance(v, str) else v for k, v in patch.items()}
    token = forge({"alg": "EdDSA", "typ": "JWT", "kid": kid}, {**claims, **odd}, key)
    # then it is refused, never accepted and never a 500
    message = await refused(api, caplog, f"Bearer {token}")
    assert needle in message


async def test_huge_roles_are_refused_by_the_length_bound_before_parsing(
    api: Api,
    caplog: pytest.LogCaptureFixture,
    hub_key: tuple[Ed25519PrivateKey, str],
    claims: dict[str, Any],
) -> None:
    # given a correctly signed token carrying 5,000 roles (about 40 KB)
    key, kid = hub_key
    token = forge({"alg": "EdDSA", "kid": kid}, {**claims, "roles": ["r_x_y"] * 5000}, key)
    assert len(token) > 8 * 1024
    # then the length alone refuses it
    assert "at most 8192 characters" in await refused(api, caplog, f"Bearer {token}")


@pytest.mark.parametrize("extra", [8 * 1024 - 50, 1_000_000])
async def test_a_very_long_token_is_refused_by_its_length(
    api: Api, caplog: pytest.LogCaptureFixture, tokens: dict[str, str], extra: int
) -> None:
    # given the judge's valid token with junk appended past 8 KiB
    token = tokens["judge-zhang"] + "A" * extra
    # then the length is named
    assert "at most 8192 characters" in await refused(api, caplog, f"Bearer {token}")


# --- the Authorization header and the token's characters ----------------------------------------


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "bEaReR"])
async def test_the_bearer_scheme_is_case_insensitive(
    api: Api, tokens: dict[str, str], scheme: str
) -> None:
    response = await api.client.post(
        "/graphql",
        json={"query": ME},
        headers={"Authorization": f"{scheme}  {tokens['judge-zhang']}"},
    )
    assert response.status_code == 200
    assert response.json()["data"]["me"]["userId"] == "judge-zhang"


@pytest.mark.parametrize(
    "template",
    [
        "Bearer\t{t}",
        "Bearer {t} extra",
        "Bearer {t}.x",
        "Bearer {t}=",
        "Bearer {t}\x0b",
        "Bearer{t}",
        "Bearer: {t}",
        "Token {t}",
        "Bearer {t}\xa0",
        "Bearer \xa0{t}",
        "Bearer {t}\xe9",
        "Bearer  ",
    ],
)
async def test_whitespace_and_characters_outside_a_jws_are_refused(
    api: Api, caplog: pytest.LogCaptureFixture, tokens: dict[str, str], template: str
) -> None:
    # given a valid token wrapped in a header that is not exactly `Bearer <JWS>`
    header = template.format(t=tokens["judge-zhang"])
    # then it is refused as malformed
    await refused(api, caplog, header)


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t + "\x00",
        lambda t: "\x00" + t,
        lambda t: t.replace(".", "\x00.", 1),
        lambda t: t + "é",
        lambda t: t.replace(".", "．", 1),  # full-width full stop
        lambda t: t + "\u200b",  # zero-width space
        lambda t: t[:10] + "\ufeff" + t[10:],
        lambda t: t.replace("e", "е"),  # Cyrillic е
        lambda t: t + "\n",
    ],
)
async def test_odd_unicode_and_nulls_over_the_websocket_are_refused(
    app: Any, caplog: pytest.LogCaptureFixture, tokens: dict[str, str], mangle: Any
) -> None:
    # given the judge's token with a character no HTTP header could carry, sent in the
    # websocket's connection_init (JSON, so anything goes)
    token = mangle(tokens["judge-zhang"])
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        replies = await connection_init(app, token)
    # then the socket is closed as unauthenticated, and nothing is logged at ERROR
    assert (replies[0]["type"], replies[0]["code"]) == ("websocket.close", 4403)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


async def test_refusals_cost_no_traceback_in_the_log(
    api: Api,
    caplog: pytest.LogCaptureFixture,
    hub_key: tuple[Ed25519PrivateKey, str],
    claims: dict[str, Any],
) -> None:
    # given a hundred unauthenticated requests with a numeric kid and a crit header
    key, _ = hub_key
    odd = [
        forge({"alg": "EdDSA", "kid": 5}, claims, key),
        forge({"alg": "EdDSA", "crit": ["exp"]}, claims, key),
    ]
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        for i in range(100):
            response = await api.client.post(
                "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {odd[i % 2]}"}
            )
            assert response.status_code == 401
    # then no record carries a traceback
    assert not [r for r in caplog.records if r.exc_info], caplog.text


@pytest.mark.parametrize("member", ["jwk", "jku", "x5u"])
async def test_a_key_the_token_brings_along_is_not_trusted(
    api: Api, claims: dict[str, Any], member: str
) -> None:
    # given a token signed with the attacker's own key, which its header carries or points to
    from jwt.algorithms import OKPAlgorithm

    attacker = Ed25519PrivateKey.generate()
    jwk = json.loads(OKPAlgorithm.to_jwk(attacker.public_key()))
    value = jwk if member == "jwk" else "https://attacker.invalid/keys.json"
    for header in ({"alg": "EdDSA", member: value}, {"alg": "EdDSA", "kid": "x", member: value}):
        token = forge(header, claims, attacker)
        # then the hub looks for the key among its own only, and refuses the token
        response = await api.client.post(
            "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401
        assert response.json()["errors"][0]["extensions"]["reason"] == "BAD_SIGNATURE"
