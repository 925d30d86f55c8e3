"""The witness (C2SP tlog-witness add-checkpoint): it cosigns extensions only, refuses every
other request with the status the spec names, and keeps its state across restarts."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from connectors import registry
from connectors.base.service import agency_app
from connectors.base.tlog.checkpoint import Checkpoint, sign_note, vkey
from connectors.base.tlog.merkle import consistency_proof, root
from connectors.base.witness import MAX_BODY, Witness, WitnessStore, witness_app
from tests.hub.test_cosignature import _independent_verify

ORIGIN = "hub.example/audit"
LOG_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(64, 96)))
WITNESS_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
NAME = "fyt-agency.local/real_estate"
LEAVES = [hashlib.sha256(f"leaf {i}".encode()).digest() for i in range(64)]
FORK = [*LEAVES[:5], hashlib.sha256(b"forged").digest(), *LEAVES[6:]]
NOW = 1_800_000_000


def note(
    size: int, leaves: list[bytes] = LEAVES, key: Ed25519PrivateKey = LOG_KEY, origin: str = ORIGIN
) -> str:
    body = Checkpoint(origin, size, root(leaves[:size])).body()
    return sign_note(body, origin, key)


def request(old: int, size: int, leaves: list[bytes] = LEAVES, **kw: Any) -> bytes:
    proof = consistency_proof(old, leaves[:size]) if old else []
    lines = "".join(base64.b64encode(h).decode() + "\n" for h in proof)
    return f"old {old}\n{lines}\n{note(size, leaves, **kw)}".encode()


@pytest.fixture
async def witness(tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Witness]]:
    w = Witness(
        NAME,
        WITNESS_KEY,
        [vkey(ORIGIN, LOG_KEY.public_key())],
        WitnessStore(tmp_path / "witness.sqlite3"),
        clock=lambda: NOW,
    )
    transport = httpx.ASGITransport(app=witness_app(w))
    async with httpx.AsyncClient(transport=transport, base_url="http://witness.test") as client:
        yield client, w
    w.store.close()


async def add(client: httpx.AsyncClient, body: bytes) -> httpx.Response:
    return await client.post("/add-checkpoint", content=body)


async def test_it_cosigns_the_first_checkpoint_and_then_each_extension(witness: Any) -> None:
    client, w = witness
    # when the log sends its first checkpoint (old 0, no proof), then an extension with a proof
    first = await add(client, request(0, 5))
    second = await add(client, request(5, 13))
    # then both are cosigned: one line each, a tlog-cosignature/v1 of the witness's key, at NOW
    assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
    public = WITNESS_KEY.public_key().public_bytes_raw()
    body13 = Checkpoint(ORIGIN, 13, root(LEAVES[:13])).body()
    assert _independent_verify(body13, second.text, NAME, public) == NOW
    assert second.text.count("\n") == 1
    # and the witness holds size 13
    assert [(o, s) for o, s, _ in w.store.logs()] == [(ORIGIN, 13)]


async def test_a_wrong_old_size_is_a_conflict_naming_the_size_held(witness: Any) -> None:
    client, _ = witness
    assert (await add(client, request(0, 5))).status_code == 200
    # when the log claims another old size (a replay from 0, or one never cosigned)
    for old in (0, 3):
        response = await add(client, request(old, 9))
        # then 409 with the size held, as text/x.tlog.size
        assert response.status_code == 409
        assert response.text == "5\n"
        assert response.headers["content-type"] == "text/x.tlog.size"


async def test_a_rewritten_history_fails_the_proof(witness: Any) -> None:
    client, w = witness
    assert (await add(client, request(0, 5))).status_code == 200
    assert (await add(client, request(5, 8))).status_code == 200
    # when a log whose leaf 5 was changed asks to go from 8 to 20 with a proof of its own tree
    response = await add(client, request(8, 20, FORK))
    # then the proof does not verify against the root the witness holds: 422, nothing moves
    assert response.status_code == 422
    assert [(o, s) for o, s, _ in w.store.logs()] == [(ORIGIN, 8)]


async def test_a_fork_at_the_size_held_is_a_conflict(witness: Any) -> None:
    client, _ = witness
    assert (await add(client, request(0, 8))).status_code == 200
    # when another tree of the same size is presented (old = size, no proof)
    response = await add(client, request(8, 8, FORK))
    # then 409: same size, another root
    assert (response.status_code, response.text) == (409, "8\n")
    # while the same tree again is cosigned again
    assert (await add(client, request(8, 8))).status_code == 200


async def test_an_old_checkpoint_replayed_is_refused(witness: Any) -> None:
    client, _ = witness
    assert (await add(client, request(0, 12))).status_code == 200
    # when checkpoint 7 comes back, with the old size the witness holds
    response = await add(client, b"old 12\n\n" + note(7).encode())
    # then the old size above the checkpoint's is a bad request
    assert response.status_code == 400
    assert "above the checkpoint" in response.text


async def test_a_checkpoint_signed_by_another_key_is_forbidden(witness: Any) -> None:
    client, w = witness
    response = await add(client, request(0, 5, key=OTHER_KEY))
    assert response.status_code == 403
    assert w.store.logs() == []


async def test_an_unknown_origin_is_not_found(witness: Any) -> None:
    client, _ = witness
    response = await add(client, request(0, 5, origin="elsewhere.example/log"))
    assert response.status_code == 404


async def test_a_changed_proof_hash_is_unprocessable(witness: Any) -> None:
    client, _ = witness
    assert (await add(client, request(0, 6))).status_code == 200
    body = request(6, 17).decode()
    lines = body.split("\n")
    lines[1] = base64.b64encode(bytes(32)).decode()
    response = await add(client, "\n".join(lines).encode())
    assert response.status_code == 422
    # and the unchanged proof still goes through
    assert (await add(client, request(6, 17))).status_code == 200


async def test_a_proof_with_old_zero_is_unprocessable(tmp_path: Path) -> None:
    w = Witness(
        NAME, WITNESS_KEY, [vkey(ORIGIN, LOG_KEY.public_key())], WitnessStore(tmp_path / "w.db")
    )
    proof = base64.b64encode(LEAVES[0]).decode()
    answer = w.add_checkpoint(f"old 0\n{proof}\n\n{note(5)}".encode())
    assert answer.status == 422


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"old 0\n" + b"no blank line",
        b"old 00\n\n" + note(5).encode(),
        b"old -1\n\n" + note(5).encode(),
        b"old 18446744073709551616\n\n" + note(5).encode(),
        b"Old 0\n\n" + note(5).encode(),
        b"old 0\nnot base64!\n\n" + note(5).encode(),
        b"old 0\nAAAA\n\n" + note(5).encode(),  # base64, but not 32 bytes
        b"old 3\n"
        + b"".join([base64.b64encode(LEAVES[0]) + b"\n"] * 64)
        + b"\n"
        + note(5).encode(),
        b"old 0\n\n" + note(5).encode().replace(b"\n5\n", b"\n05\n"),
        b"old 0\n\nnot a checkpoint\n",
        b"old 0\n\n" + note(5).encode()[:-1],  # no final newline
        b"old 0\n\n\xff\xfe\n",
        b"old 0\n\n" + note(5).encode().replace(b"\n\n", b"\n\x01\n\n"),
    ],
)
async def test_malformed_bodies_are_bad_requests(witness: Any, body: bytes) -> None:
    client, w = witness
    response = await add(client, body)
    assert response.status_code == 400, response.text
    assert w.store.logs() == []


async def test_a_body_over_the_limit_is_refused_unread(witness: Any) -> None:
    client, _ = witness
    huge = b"old 0\n\n" + b"x" * MAX_BODY
    # declared length over the limit
    assert (await add(client, huge)).status_code == 413

    # and streamed without a length
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(100):
            yield b"y" * 4096

    response = await client.post("/add-checkpoint", content=chunks())
    assert response.status_code == 413


async def test_only_post_is_allowed(witness: Any) -> None:
    client, _ = witness
    assert (await client.get("/add-checkpoint")).status_code == 405


async def test_concurrent_requests_move_the_state_once(witness: Any) -> None:
    client, w = witness
    assert (await add(client, request(0, 4))).status_code == 200
    # when ten extensions from 4 race
    responses = await asyncio.gather(*(add(client, request(4, 10 + i)) for i in range(10)))
    # then exactly one is cosigned; the others learn its size
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 9
    winner = next(10 + i for i, r in enumerate(responses) if r.status_code == 200)
    assert {r.text for r in responses if r.status_code == 409} == {f"{winner}\n"}
    assert w.store.logs()[0][1] == winner


async def test_the_state_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "witness.sqlite3"
    keys = [vkey(ORIGIN, LOG_KEY.public_key())]
    first = Witness(NAME, WITNESS_KEY, keys, WitnessStore(path))
    assert first.add_checkpoint(request(0, 9)).status == 200
    first.store.close()
    # when a new process opens the same store
    again = Witness(NAME, WITNESS_KEY, keys, WitnessStore(path))
    # then it still holds 9 and refuses a restart from 0
    answer = again.add_checkpoint(request(0, 12))
    assert (answer.status, answer.text) == (409, "9\n")
    assert again.add_checkpoint(request(9, 12)).status == 200
    again.store.close()


async def test_an_agency_service_serves_the_witness_without_its_bearer_token(
    sources: dict[str, Any], tmp_path: Path
) -> None:
    w = Witness(
        NAME, WITNESS_KEY, [vkey(ORIGIN, LOG_KEY.public_key())], WitnessStore(tmp_path / "w.db")
    )
    app = agency_app(registry.get("real_estate"), sources["real_estate"], token="secret", witness=w)
    plain = agency_app(registry.get("real_estate"), sources["real_estate"], token="secret")
    for application, expected in ((app, 200), (plain, 404)):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://agency.test") as client:
            assert (await add(client, request(0, 3))).status_code == expected
            # the subgraph still needs the token
            assert (await client.post("/graphql", json={"query": "{ ok }"})).status_code == 401
    w.store.close()
