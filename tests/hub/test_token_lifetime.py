"""HUB_MAX_TOKEN_LIFETIME and claim patterns matched whole: refused tokens, CLI and demo tokens."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest

from hub.auth.tokens import TokenVerifier, issue_token, load_private_key, load_public_keys
from hub.config import ConfigError, Settings
from hub.demo.info import demo_info
from tests.conftest import start_app
from tests.hub.test_cli import fyt, ok, refused
from tests.hub.test_console_api import start_app_demo

ME = "{ me { userId } }"


async def status_and_message(client: httpx.AsyncClient, token: str) -> tuple[int, str]:
    response = await client.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    body = response.json()
    return response.status_code, body["errors"][0]["message"] if "errors" in body else ""


def signed(settings: Settings, **claims: Any) -> str:
    key, kid = load_private_key(settings.private_key_path)
    now = int(time.time())
    base = {
        "sub": "judge-zhang",
        "org": "court:370602",
        "roles": ["enforcement_judge"],
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + 600,
    }
    return jwt.encode({**base, **claims}, key, algorithm="EdDSA", headers={"kid": kid})


# --- claim patterns: a trailing newline is not part of a name -----------------------------------


@pytest.mark.parametrize(
    "claims",
    [
        {"org": "court:370602\n"},
        {"org": "agency:real_estate\n"},
        {"roles": ["enforcement_judge\n"]},
        {"roles": ["auditor", "enforcement_judge\n"]},
    ],
)
async def test_a_claim_with_a_trailing_newline_is_refused(
    api: Any, settings: Settings, claims: dict[str, Any]
) -> None:
    # given a correctly signed token whose org or role ends in "\n"
    token = signed(settings, **claims)
    # when it is used, then it is refused, naming the claim
    status, message = await status_and_message(api.client, token)
    assert status == 401
    assert next(iter(claims)) in message


@pytest.mark.parametrize(
    ("org", "roles"),
    [("court:370602\n", ["enforcement_judge"]), ("court:370602", ["enforcement_judge\n"])],
)
def test_issue_token_refuses_a_trailing_newline(
    settings: Settings, org: str, roles: list[str]
) -> None:
    key, kid = load_private_key(settings.private_key_path)
    with pytest.raises(ValueError, match=r"org must|roles must"):
        issue_token(
            private_key=key,
            kid=kid,
            sub="x",
            org=org,
            roles=roles,
            ttl=timedelta(hours=1),
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
        )


def test_token_issue_command_refuses_an_org_with_a_trailing_newline(tmp_path: Path) -> None:
    ok(fyt(tmp_path, "keys", "generate"))
    refused(
        fyt(tmp_path, "token", "issue", "--sub", "x", "--org", "court:370602\n", "--role", "r"),
        "org must look like",
    )


@pytest.mark.parametrize("ttl", ["8h\n", "٣h", "1h ", "1 h", "99999999999d"])
def test_a_ttl_is_ascii_digits_and_a_unit_only(tmp_path: Path, ttl: str) -> None:
    # given a signing key; when a ttl with a newline, Arabic-Indic digits or inner spaces is asked
    ok(fyt(tmp_path, "keys", "generate"))
    result = fyt(
        tmp_path,
        "token",
        "issue",
        "--sub",
        "x",
        "--org",
        "court:370602",
        "--role",
        "r",
        "--ttl",
        ttl,
    )
    # then it is refused as not a duration (a trailing space is only trimmed: "1h " is fine)
    if ttl == "1h ":
        assert result.exit_code == 0, result.output
    else:
        refused(result, "positive duration")


# --- the maximum lifetime ----------------------------------------------------------------------


async def test_a_token_living_longer_than_twelve_hours_is_refused(api: Any, mint: Any) -> None:
    # given tokens of 12 hours and of 12 hours and a minute, signed by the hub's own key
    at_limit = mint(ttl=timedelta(hours=12))
    beyond = mint(ttl=timedelta(hours=12, minutes=1))
    # then the first is accepted and the second refused, saying why and which setting
    assert (await status_and_message(api.client, at_limit))[0] == 200
    status, message = await status_and_message(api.client, beyond)
    assert status == 401
    assert "lifetime" in message and "12h" in message and "HUB_MAX_TOKEN_LIFETIME" in message


async def test_a_thirty_day_token_is_refused(api: Any, mint: Any) -> None:
    status, message = await status_and_message(api.client, mint(ttl=timedelta(days=30)))
    assert status == 401
    assert "30d" in message


@pytest.fixture(scope="module")
async def short_lived_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """A hub whose HUB_MAX_TOKEN_LIFETIME is 30 minutes, with the demo sign-in on."""
    app, lifespan = await start_app_demo(
        settings.replace(max_token_lifetime=timedelta(minutes=30))
    )
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
        ) as client:
            yield client
    finally:
        await lifespan.__aexit__(None, None, None)


async def test_the_maximum_follows_the_setting(
    short_lived_client: httpx.AsyncClient, mint: Any
) -> None:
    # given a hub with a 30-minute maximum: a 1-hour token is refused, a 30-minute one is not
    status, message = await status_and_message(short_lived_client, mint(ttl=timedelta(hours=1)))
    assert status == 401 and "30m" in message
    assert (await status_and_message(short_lived_client, mint(ttl=timedelta(minutes=30))))[0] == 200


async def test_console_demo_sign_in_stays_within_the_maximum(
    short_lived_client: httpx.AsyncClient,
) -> None:
    # when a demo user signs in on a hub whose maximum is 30 minutes
    response = await short_lived_client.post(
        "/console/api/demo-sign-in", json={"userId": "judge-zhang"}
    )
    assert response.status_code == 200
    body = response.json()
    # then the token lives 30 minutes, not 8 hours, and the hub takes it
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 30 * 60
    expires = datetime.fromisoformat(body["expiresAt"])
    assert timedelta(minutes=29) < expires - datetime.now(UTC) <= timedelta(minutes=30)
    assert (await status_and_message(short_lived_client, body["token"]))[0] == 200
    config = (await short_lived_client.get("/console/api/config")).json()
    assert config["demoTokenSeconds"] == 1800


async def test_console_demo_sign_in_tokens_are_accepted_by_the_default_hub(
    settings: Settings,
) -> None:
    # given the default maximum (12 hours)
    app, lifespan = await start_app_demo(settings)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
        ) as client:
            body = (
                await client.post("/console/api/demo-sign-in", json={"userId": "judge-zhang"})
            ).json()
            # then the demo token lives 8 hours and is accepted
            claims = jwt.decode(body["token"], options={"verify_signature": False})
            assert claims["exp"] - claims["iat"] == 8 * 3600
            assert (await status_and_message(client, body["token"]))[0] == 200
    finally:
        await lifespan.__aexit__(None, None, None)


async def test_demo_info_tokens_fit_the_maximum(settings: Settings) -> None:
    # given a hub whose maximum is 2 hours
    short = settings.replace(max_token_lifetime=timedelta(hours=2))
    # when the demo users' tokens are made with the default lifetime
    info = await demo_info(short)
    verifier = TokenVerifier(
        load_public_keys(settings.public_keys_path),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        max_lifetime=timedelta(hours=2),
    )
    # then every one lives 2 hours and verifies against that maximum
    for user in info["users"]:
        claims = jwt.decode(user["token"], options={"verify_signature": False})
        assert claims["exp"] - claims["iat"] == 2 * 3600
        assert verifier.verify(user["token"]).sub == user["id"]
    # and a longer lifetime is refused outright
    with pytest.raises(ValueError, match="HUB_MAX_TOKEN_LIFETIME"):
        await demo_info(short, ttl=timedelta(hours=3))


async def test_an_app_started_from_the_environment_enforces_the_setting(
    settings: Settings, mint: Any
) -> None:
    # given the setting from the environment, as `fyt serve` reads it
    env = {
        "HUB_DATA_DIR": str(settings.data_dir),
        "HUB_DATABASE_URL": settings.database_url,
        "HUB_POLICY_DIR": str(settings.policy_dir),
        "HUB_MAX_TOKEN_LIFETIME": "45m",
    }
    app, lifespan = await start_app(Settings.from_env(env))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://hub.test"
        ) as client:
            # then a 1-hour token is refused and a 45-minute one accepted
            status, message = await status_and_message(client, mint(ttl=timedelta(hours=1)))
            assert status == 401 and "45m" in message
            assert (await status_and_message(client, mint(ttl=timedelta(minutes=45))))[0] == 200
    finally:
        await lifespan.__aexit__(None, None, None)


# --- the setting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (None, timedelta(hours=12)),
        ("12h", timedelta(hours=12)),
        ("30m", timedelta(minutes=30)),
        ("3600", timedelta(hours=1)),
        ("90s", timedelta(seconds=90)),
        ("1d", timedelta(days=1)),
    ],
)
def test_the_setting_reads_a_duration(tmp_path: Path, raw: str | None, expected: timedelta) -> None:
    env = {"HUB_DATA_DIR": str(tmp_path)}
    if raw is not None:
        env["HUB_MAX_TOKEN_LIFETIME"] = raw
    assert Settings.from_env(env).max_token_lifetime == expected


@pytest.mark.parametrize("raw", ["0", "0h", "-1h", "12 hours", "12H", "1w", "12h\n", "abc"])
def test_a_bad_setting_names_the_variable(tmp_path: Path, raw: str) -> None:
    with pytest.raises(ConfigError, match="HUB_MAX_TOKEN_LIFETIME"):
        Settings.from_env({"HUB_DATA_DIR": str(tmp_path), "HUB_MAX_TOKEN_LIFETIME": raw})


# --- the commands ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keyed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("lifetime")
    ok(fyt(data_dir, "keys", "generate"))
    return data_dir


def issue(data_dir: Path, *args: str, **env: str) -> Any:
    return fyt(
        data_dir,
        "token",
        "issue",
        "--sub",
        "x",
        "--org",
        "court:370602",
        "--role",
        "r",
        *args,
        **env,
    )


def lifetime_of(token: str) -> int:
    claims = jwt.decode(token.strip(), options={"verify_signature": False})
    return int(claims["exp"] - claims["iat"])


def test_token_issue_refuses_a_ttl_above_the_maximum(keyed: Path) -> None:
    output = refused(issue(keyed, "--ttl", "13h"), "--ttl", "12h", "HUB_MAX_TOKEN_LIFETIME")
    assert "eyJ" not in output
    refused(issue(keyed, "--ttl", "30d"), "HUB_MAX_TOKEN_LIFETIME")
    assert lifetime_of(ok(issue(keyed, "--ttl", "12h"))) == 12 * 3600


def test_token_issue_follows_a_shorter_maximum(keyed: Path) -> None:
    # given HUB_MAX_TOKEN_LIFETIME=1h: the default ttl (8 hours) shrinks to it, 2h is refused
    assert lifetime_of(ok(issue(keyed, HUB_MAX_TOKEN_LIFETIME="1h"))) == 3600
    refused(
        issue(keyed, "--ttl", "2h", HUB_MAX_TOKEN_LIFETIME="1h"), "1h", "HUB_MAX_TOKEN_LIFETIME"
    )
    # and a longer maximum lets a longer ttl through
    assert lifetime_of(ok(issue(keyed, "--ttl", "1d", HUB_MAX_TOKEN_LIFETIME="2d"))) == 86400


def test_demo_info_refuses_a_ttl_above_the_maximum(keyed: Path) -> None:
    # the old default (30 days) would mint tokens the hub refuses
    refused(fyt(keyed, "demo", "info", "--ttl", "30d"), "--ttl", "HUB_MAX_TOKEN_LIFETIME")
