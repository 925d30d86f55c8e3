"""`fyt agency serve --witness-…` and `fyt witness serve`: a witness in its own process, its key
created on first run, its verifier key printed by `fyt witness public-key`."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from connectors.base.tlog.checkpoint import Checkpoint, sign_note, vkey
from connectors.base.tlog.cosignature import CosignerKey, open_cosignatures
from connectors.base.tlog.merkle import root
from hub.cli import main
from hub.config import Settings
from tests.connectors.test_agency_service import AGENCY_ENV, ROOT, free_port

ORIGIN = "hub.example/audit"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
LEAVES = [hashlib.sha256(f"leaf {i}".encode()).digest() for i in range(9)]
WITNESS_ENV = (
    "AGENCY_WITNESS_KEY",
    "AGENCY_WITNESS_LOG",
    "AGENCY_WITNESS_NAME",
    "AGENCY_WITNESS_STATE",
)


def checkpoint_request(size: int) -> bytes:
    note = sign_note(Checkpoint(ORIGIN, size, root(LEAVES[:size])).body(), ORIGIN, LOG_KEY)
    return f"old 0\n\n{note}".encode()


async def run_until_cosigned(args: list[str], port: int) -> tuple[httpx.Response | None, str]:
    """Start ``fyt *args`` as its own process, send it one checkpoint, stop it."""
    env = {k: v for k, v in os.environ.items() if k not in (*AGENCY_ENV, *WITNESS_ENV, "HUB_ENV")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "hub.cli",
        *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        cwd=ROOT,
        env=env,
    )
    response = None
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            for _ in range(200):
                if proc.returncode is not None:
                    break
                try:
                    response = await client.post("/add-checkpoint", content=checkpoint_request(9))
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
    finally:
        if proc.returncode is None:
            proc.terminate()
        try:
            out, err = await asyncio.wait_for(proc.communicate(), 15)
        except TimeoutError:
            proc.kill()
            out, err = await proc.communicate()
    return response, out.decode() + err.decode()


def public_key(name: str, key: Path) -> str:
    result = CliRunner().invoke(main, ["witness", "public-key", "--name", name, "--key", str(key)])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def cosigners(response: httpx.Response, witness_vkey: str) -> dict[str, int]:
    note = sign_note(Checkpoint(ORIGIN, 9, root(LEAVES)).body(), ORIGIN, LOG_KEY)
    return open_cosignatures(note + response.text, [CosignerKey.parse(witness_vkey)]).valid


async def test_an_agency_service_witnesses_with_a_key_made_on_first_run(
    settings: Settings, tmp_path: Path
) -> None:
    # given no witness key yet, and the log's verifier key in a file
    key, state = tmp_path / "witness.pem", tmp_path / "state" / "real_estate.sqlite3"
    (tmp_path / "log.vkey").write_text(vkey(ORIGIN, LOG_KEY.public_key()) + "\n")
    port = free_port()
    # when the agency service is started with a witness and sent a checkpoint
    response, output = await run_until_cosigned(
        [
            "agency",
            "serve",
            "real_estate",
            "--port",
            str(port),
            "--database-url",
            settings.connectors["real_estate"].url,
            "--witness-key",
            str(key),
            "--witness-log",
            str(tmp_path / "log.vkey"),
            "--witness-state",
            str(state),
        ],
        port,
    )
    # then it cosigned with the key it created (0600), whose vkey it printed
    assert response is not None and response.status_code == 200, output
    assert key.stat().st_mode & 0o777 == 0o600 and state.exists()
    witness_vkey = public_key("fyt-agency.local/real_estate", key)
    assert f"its verifier key (for the hub's HUB_AUDIT_WITNESSES): {witness_vkey}" in output
    assert list(cosigners(response, witness_vkey)) == ["fyt-agency.local/real_estate"]


async def test_a_standalone_witness_serves_add_checkpoint(tmp_path: Path) -> None:
    key, state = tmp_path / "w1.pem", tmp_path / "w1.sqlite3"
    port = free_port()
    response, output = await run_until_cosigned(
        [
            "witness",
            "serve",
            "--name",
            "witness.example.org/w1",
            "--key",
            str(key),
            "--log",
            vkey(ORIGIN, LOG_KEY.public_key()),
            "--state",
            str(state),
            "--port",
            str(port),
        ],
        port,
    )
    assert response is not None and response.status_code == 200, output
    witness_vkey = public_key("witness.example.org/w1", key)
    assert list(cosigners(response, witness_vkey)) == ["witness.example.org/w1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--witness-key", "k.pem"], "a witness needs both its key"),
        (["--witness-log", "log+00000000+AAAA"], "a witness needs both its key"),
    ],
)
def test_a_half_configured_witness_is_refused(
    settings: Settings, tmp_path: Path, args: list[str], message: str
) -> None:
    env: dict[str, Any] = {k: None for k in (*AGENCY_ENV, *WITNESS_ENV)}
    result = CliRunner().invoke(
        main,
        [
            "agency",
            "serve",
            "real_estate",
            "--database-url",
            settings.connectors["real_estate"].url,
            *args,
        ],
        env=env,
    )
    assert result.exit_code == 1, result.output
    assert message in result.output


def test_a_bad_log_key_is_refused(settings: Settings, tmp_path: Path) -> None:
    env: dict[str, Any] = {k: None for k in (*AGENCY_ENV, *WITNESS_ENV)}
    result = CliRunner().invoke(
        main,
        [
            "agency",
            "serve",
            "real_estate",
            "--database-url",
            settings.connectors["real_estate"].url,
            "--witness-key",
            str(tmp_path / "k.pem"),
            "--witness-log",
            "not-a-vkey",
        ],
        env=env,
    )
    assert result.exit_code == 1
    assert "witness: verifier key must have the form" in result.output


def test_in_production_the_witness_key_must_exist(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "witness",
            "serve",
            "--name",
            "w",
            "--key",
            str(tmp_path / "missing.pem"),
            "--log",
            vkey(ORIGIN, LOG_KEY.public_key()),
            "--state",
            str(tmp_path / "s.db"),
        ],
        env={"HUB_ENV": "production"},
    )
    assert result.exit_code == 1
    assert "no witness key at" in result.output
