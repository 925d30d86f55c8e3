"""`fyt health`: the probe containers run, against hubs served over real HTTP on loopback."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from hub.config import Settings
from tests.conftest import start_app
from tests.servers import Served, serving

OPS_TOKEN = "ops-token-for-the-probe-0123"


async def fyt_health(*args: str, **env: str) -> tuple[int, str]:
    """`fyt health ARGS` in a process of its own, with only ``env``'s HUB_* variables."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *("-m", "hub.cli", "health", *args),
        env={**environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    async with asyncio.timeout(60):
        out, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode()


@pytest.fixture
async def production_hub(settings: Settings, tmp_path: Path) -> AsyncIterator[Served]:
    """A production hub over HTTP whose /readyz needs the operator token."""
    token_file = tmp_path / "ops.token"
    token_file.write_text(OPS_TOKEN + "\n", encoding="utf-8")
    variant = settings.replace(env="production", ops_token_file=token_file, ops_token=OPS_TOKEN)
    app, lifespan = await start_app(variant)
    try:
        async with serving(app) as served:
            yield served
    finally:
        await lifespan.__aexit__(None, None, None)


async def test_a_live_hub_passes(app: Any) -> None:
    # given the hub served over HTTP
    async with serving(app) as served:
        # when the liveness probe runs
        code, out = await fyt_health("--url", served.url)
    # then it passes
    assert (code, out.strip()) == (0, "ok")


async def test_readiness_sends_the_operator_token(production_hub: Served, tmp_path: Path) -> None:
    # given a production hub whose /readyz needs the operator token
    token_file = tmp_path / "probe.token"
    token_file.write_text(OPS_TOKEN, encoding="utf-8")
    # when the readiness probe runs with the same HUB_OPS_TOKEN_FILE as the hub
    code, out = await fyt_health(
        "--ready", "--url", production_hub.url, HUB_OPS_TOKEN_FILE=str(token_file)
    )
    # then it passes
    assert (code, out.strip()) == (0, "ready")
    # and without the token it fails, saying why
    code, out = await fyt_health("--ready", "--url", production_hub.url)
    assert code == 1
    assert "/readyz answered 401" in out


async def test_a_hub_that_cannot_serve_fails_readiness(settings: Settings) -> None:
    # given a hub whose identity provider has never answered (nothing listens at its URL)
    variant = settings.replace(jwt_jwks_url="http://127.0.0.1:9/jwks.json", jwt_jwks_timeout=0.5)
    app, lifespan = await start_app(variant)
    try:
        async with serving(app) as served:
            # when the readiness probe runs
            code, out = await fyt_health("--ready", "--url", served.url)
            live, _ = await fyt_health("--url", served.url)
    finally:
        await lifespan.__aexit__(None, None, None)
    # then readiness fails with the hub's status, while liveness passes
    assert code == 1 and "/readyz answered 503: unavailable" in out
    assert live == 0


async def test_nothing_listening_fails() -> None:
    code, out = await fyt_health("--url", "http://127.0.0.1:9", "--timeout", "1")
    assert code == 1
    assert "cannot reach http://127.0.0.1:9/healthz" in out
