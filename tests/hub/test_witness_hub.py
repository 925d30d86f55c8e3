"""The hub's side of witnessing: the settings, the grace a new checkpoint has to be cosigned,
altered cosignatures, and the hub's record of what each witness cosigned."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, select, update

from connectors.base.tlog.checkpoint import vkey
from connectors.base.tlog.cosignature import CosignerKey, cosign
from connectors.base.witness import Witness, WitnessStore, witness_app
from hub.audit.integrator import integrate
from hub.audit.keys import AuditKeys, generate_audit_keys
from hub.audit.models import (
    audit_checkpoints,
    audit_cosignatures,
    audit_entries,
    audit_leaves,
    audit_tiles,
    audit_witnesses,
)
from hub.audit.verify import verify_log
from hub.audit.witness import (
    WitnessConfig,
    WitnessConfigError,
    WitnessPolicy,
    WitnessSender,
    ask_witnesses,
    load_witnesses,
)
from hub.db.engine import create_hub_engine, upgrade
from tests.hub.test_audit_integrity import entry, insert_entries, tamper
from tests.hub.test_witness_e2e import forge_history

ORIGIN = "test.example/audit"
NAME = "witness.example/w1"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64)))
VKEY = CosignerKey.of(NAME, KEY.public_key()).vkey


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """A log of 8 entries cosigned by an in-process witness, and 5 entries integrated after."""
    generate_audit_keys(tmp_path / "audit.key", tmp_path / "audit.pem")
    keys = AuditKeys.load(tmp_path / "audit.key", tmp_path / "audit.pem", ORIGIN)
    engine = create_hub_engine(f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}")
    await upgrade(engine)
    witness = Witness(NAME, KEY, [vkey(ORIGIN, keys.public_key)], WitnessStore(tmp_path / "w.db"))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=witness_app(witness)))
    policy = WitnessPolicy((WitnessConfig(witness.cosigner, "http://witness.test"),), quorum=1)
    sender = WitnessSender(engine, policy, client=client)
    await insert_entries(engine, [entry(i) for i in range(8)])
    assert await integrate(engine, keys) == 8
    assert [o.status for o in await sender.run_round()] == ["cosigned"]
    await insert_entries(engine, [entry(i) for i in range(8, 13)])
    assert await integrate(engine, keys) == 13
    try:
        yield {
            "engine": engine,
            "keys": keys,
            "policy": policy,
            "sender": sender,
            "verifier": [vkey(ORIGIN, keys.public_key)],
        }
    finally:
        await client.aclose()
        await engine.dispose()
        witness.store.close()


async def created_at(engine: Any, size: int) -> datetime:
    async with engine.connect() as conn:
        value = (
            await conn.execute(
                select(audit_checkpoints.c.created_at).where(audit_checkpoints.c.tree_size == size)
            )
        ).scalar()
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def test_a_new_checkpoint_may_wait_for_its_cosignatures_within_the_grace(log: Any) -> None:
    # given checkpoint 8 cosigned and checkpoint 13 not yet
    signed = await created_at(log["engine"], 13)
    # when the log is verified 10 s after 13 was signed (grace 60 s)
    report = await verify_log(
        log["engine"], log["verifier"], witnesses=log["policy"], now=signed + timedelta(seconds=10)
    )
    # then it is consistent: 8 stands in for it, and 13 is reported as waiting
    assert report.ok, report.problems
    assert report.witnessed_size == 8
    assert (
        report.pending is not None and "checkpoint 13 (the latest) has 0 of the 1" in report.pending
    )


async def test_a_checkpoint_left_uncosigned_past_the_grace_is_a_problem(log: Any) -> None:
    signed = await created_at(log["engine"], 13)
    report = await verify_log(
        log["engine"], log["verifier"], witnesses=log["policy"], now=signed + timedelta(seconds=61)
    )
    assert report.problems == [
        f"checkpoint 13 (the latest) has 0 of the 1 cosignature(s) required: none from {NAME},"
        " 61 s after it was signed (the newest witnessed checkpoint is 8)"
    ]


async def test_an_altered_cosignature_is_named(log: Any) -> None:
    engine = log["engine"]
    # given the stored cosignature of checkpoint 8 replaced by one over another body
    forged = cosign(f"{ORIGIN}\n8\n{'A' * 43}=\n", NAME, KEY, 1_700_000_000)
    await tamper(
        engine,
        update(audit_cosignatures).where(audit_cosignatures.c.tree_size == 8).values(line=forged),
    )
    # when verified
    report = await verify_log(engine, log["verifier"], witnesses=log["policy"])
    # then the line is named, and counts for nothing
    assert report.problems[0] == (
        f"checkpoint 8: the cosignature of {NAME} does not verify (the signature does not verify)"
    )
    assert report.witnessed_size is None


async def test_the_hubs_record_of_a_witness_catches_a_rewrite_below_its_size(log: Any) -> None:
    engine, keys = log["engine"], log["keys"]
    # given a history rewritten and integrated afresh, the record of the witness left alone
    async with engine.connect() as conn:
        saved = (await conn.execute(select(audit_witnesses))).mappings().all()
    await forge_history(engine, keys)
    async with engine.begin() as conn:
        await conn.execute(audit_witnesses.insert(), [dict(r) for r in saved])
    # when verified with the witnesses configured
    report = await verify_log(engine, log["verifier"], witnesses=log["policy"])
    # then the size the witness cosigned no longer has its root
    assert (
        f"witness {NAME} cosigned size 8 with another root: the log was rewritten below size 8"
        in report.problems
    )


# --- settings --------------------------------------------------------------------------------


def test_witnesses_are_read_from_a_toml_file(tmp_path: Path) -> None:
    path = tmp_path / "witnesses.toml"
    path.write_text(f'[[witness]]\nurl = "http://127.0.0.1:7101/"\nvkey = "{VKEY}"\ntimeout = 2\n')
    policy = WitnessPolicy.from_env(
        {"HUB_AUDIT_WITNESSES": str(path), "HUB_AUDIT_WITNESS_QUORUM": "1"}
    )
    assert policy.quorum == 1 and policy.grace == 60.0
    [w] = policy.witnesses
    assert (w.name, w.url, w.timeout, w.key.vkey) == (NAME, "http://127.0.0.1:7101", 2.0, VKEY)


def test_no_witnesses_by_default() -> None:
    policy = WitnessPolicy.from_env({})
    assert (policy.witnesses, policy.quorum) == ((), 0)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[[witness]]\nurl = 'ftp://x'\nvkey = 'v'\n", "url must be an http"),
        ("[[witness]]\nurl = 'http://x'\n", "vkey (the witness's verifier key) is required"),
        ("[[witness]]\nurl = 'http://x'\nvkey = 'nonsense'\n", "vkey is not a cosigner key"),
        ("[[witness]]\nurl = 'http://x'\nvkey = '@'\ncolour = 1\n", "unknown key 'colour'"),
        ("[witnesses]\n", "unknown key 'witnesses'"),
        ("[[witness]\n", "HUB_AUDIT_WITNESSES"),
        (f"[[witness]]\nurl = 'http://x'\nvkey = '{VKEY}'\ntimeout = 0\n", "timeout must be"),
    ],
)
def test_malformed_witness_files_are_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "witnesses.toml"
    path.write_text(content)
    with pytest.raises(WitnessConfigError, match=re.escape(message)):
        load_witnesses(path)


def test_a_log_key_is_not_a_witness_key(tmp_path: Path) -> None:
    path = tmp_path / "witnesses.toml"
    log_key = vkey(ORIGIN, KEY.public_key())  # type 0x01
    path.write_text(f"[[witness]]\nurl = 'http://x'\nvkey = '{log_key}'\n")
    with pytest.raises(WitnessConfigError, match="not 0x04"):
        load_witnesses(path)


def test_a_quorum_above_the_witnesses_is_refused(tmp_path: Path) -> None:
    with pytest.raises(WitnessConfigError, match="QUORUM is 1, but 0 witness"):
        WitnessPolicy.from_env({"HUB_AUDIT_WITNESS_QUORUM": "1"})
    with pytest.raises(WitnessConfigError, match="HUB_AUDIT_WITNESS_QUORUM must be an integer"):
        WitnessPolicy.from_env({"HUB_AUDIT_WITNESS_QUORUM": "one"})


# --- asking the witnesses --------------------------------------------------------------------


async def test_asking_the_witness_catches_a_rewrite_the_database_alone_hides(log: Any) -> None:
    engine, keys, policy, sender = log["engine"], log["keys"], log["policy"], log["sender"]
    # given checkpoint 13 cosigned too: the witness holds 13
    assert [o.status for o in await sender.run_round()] == ["cosigned"]
    assert [o.status for o in await ask_witnesses(engine, policy, client=sender.client)] == [
        "cosigned"
    ]
    # when an attacker with the database rewrites entry 10 (above the witnessed 8, below the
    # 13 the witness holds), drops what shows 13 was cosigned (the leaves and tiles of the tree
    # past 8 too), and re-integrates with 2 more
    async with engine.connect() as conn:
        tile = bytes((await conn.execute(select(audit_tiles.c.hashes))).scalar_one())
    for statement in (
        delete(audit_cosignatures).where(audit_cosignatures.c.tree_size > 8),
        delete(audit_leaves).where(audit_leaves.c.leaf_index >= 8),
        update(audit_tiles).values(width=8, hashes=tile[: 8 * 32]),
        delete(audit_checkpoints).where(audit_checkpoints.c.tree_size > 8),
        update(audit_entries).where(audit_entries.c.id == 10).values(user_id="nobody"),
    ):
        await tamper(engine, statement)
    async with engine.begin() as conn:
        await conn.execute(
            update(audit_witnesses).values(cosigned_size=8, cosigned_root=await root_at(engine, 8))
        )
    await insert_entries(engine, [entry(i) for i in range(13, 15)])
    assert await integrate(engine, keys) == 15
    # then the hub's own records cannot tell, while the new checkpoint is young
    signed = await created_at(engine, 15)
    report = await verify_log(
        engine, log["verifier"], witnesses=policy, now=signed + timedelta(seconds=5)
    )
    assert report.ok and report.witnessed_size == 8
    # but the witness, asked, refuses: the log does not extend the 13 it holds
    [answer] = await ask_witnesses(engine, policy, client=sender.client)
    assert answer.status == "refused"
    assert answer.size == 13 and "HTTP 422" in answer.detail


async def root_at(engine: Any, size: int) -> bytes:
    async with engine.connect() as conn:
        return bytes(
            (
                await conn.execute(
                    select(audit_checkpoints.c.root).where(audit_checkpoints.c.tree_size == size)
                )
            ).scalar()
        )


async def test_asking_a_witness_ahead_of_the_log_is_refused(log: Any) -> None:
    engine, policy, sender = log["engine"], log["policy"], log["sender"]
    # given the witness at 13, then the log truncated back to 8 (leaves and checkpoints)
    assert [o.status for o in await sender.run_round()] == ["cosigned"]
    for statement in (
        delete(audit_cosignatures).where(audit_cosignatures.c.tree_size > 8),
        delete(audit_leaves).where(audit_leaves.c.leaf_index >= 8),
        delete(audit_checkpoints).where(audit_checkpoints.c.tree_size > 8),
    ):
        await tamper(engine, statement)
    # when the witness is asked
    [answer] = await ask_witnesses(engine, policy, client=sender.client)
    # then it holds more than the log: refused, naming both sizes
    assert answer.status == "refused"
    assert answer.detail == "it has cosigned size 13, more than the log's 8"


async def test_a_witness_that_floods_or_stalls_is_cut_off(log: Any) -> None:
    from starlette.applications import Starlette
    from starlette.responses import Response, StreamingResponse
    from starlette.routing import Route

    async def flood(_: Any) -> Response:
        async def body() -> AsyncIterator[bytes]:
            for _ in range(1000):
                yield b"x" * 65536

        return StreamingResponse(body(), media_type="text/plain")

    async def stall(_: Any) -> Response:
        import asyncio

        await asyncio.sleep(30)
        return Response("late")

    engine = log["engine"]
    for handler, expected in ((flood, "answer over 65536 bytes"), (stall, "unreachable")):
        # given a witness answering with 64 MB, or not before 30 s (its timeout 0.5 s)
        app = Starlette(routes=[Route("/add-checkpoint", handler, methods=["POST"])])
        config = WitnessConfig(CosignerKey.parse(VKEY), "http://bad.test", timeout=0.5)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
            sender = WitnessSender(engine, WitnessPolicy((config,)), client=client)
            # when a round runs
            [outcome] = await sender.run_round()
        # then the answer is cut off, and the round ends
        assert outcome.status == "failed"
        assert outcome.detail.startswith(expected), outcome.detail


# --- the round reads tiles, not leaves -------------------------------------------------------


async def test_a_round_reads_no_leaf_whatever_the_length_of_the_log(tmp_path: Path) -> None:
    from sqlalchemy import event

    from bench.audit_generate import generate

    # given a log of 3,000 entries (a checkpoint every 500) and a witness that cosigned it
    generate_audit_keys(tmp_path / "big.key", tmp_path / "big.pem")
    keys = AuditKeys.load(tmp_path / "big.key", tmp_path / "big.pem", ORIGIN)
    engine = create_hub_engine(f"sqlite+aiosqlite:///{tmp_path / 'big.sqlite3'}")
    await upgrade(engine)
    await generate(engine, keys, 3_000, batch=500)
    witness = Witness(NAME, KEY, [vkey(ORIGIN, keys.public_key)], WitnessStore(tmp_path / "b.db"))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=witness_app(witness)))
    policy = WitnessPolicy((WitnessConfig(witness.cosigner, "http://witness.test"),), quorum=1)
    statements: list[str] = []
    counting = [False]  # only the rounds' statements, not the integrator's

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if counting[0]:
            statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        # when a new sender (a new hub process) sends checkpoint 3,000, then 3,013 with a
        # consistency proof from 3,000, and the witness is asked as `fyt audit verify` asks
        sender = WitnessSender(engine, policy, client=client)
        counting[0] = True
        first = await sender.run_round()
        counting[0] = False
        await insert_entries(engine, [entry(i) for i in range(3_001, 3_014)])
        assert await integrate(engine, keys) == 3_013
        counting[0] = True
        second = await sender.run_round()
        asked = await ask_witnesses(engine, policy, client=client)
        counting[0] = False
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
        await client.aclose()
        await engine.dispose()
        witness.store.close()
    # then the witness cosigned each (the proof verified at the witness)
    assert [o.status for o in first + second + asked] == ["cosigned"] * 3
    assert (first[0].size, second[0].size) == (3_000, 3_013)
    # and no statement of the rounds touched a leaf: the proofs came from the tiles
    assert any("audit_tiles" in s for s in statements)
    assert [s for s in statements if "audit_leaves" in s] == []


async def test_damaged_tiles_are_the_hubs_problem_not_sent_to_the_witness(log: Any) -> None:
    engine, sender = log["engine"], log["sender"]
    # given the tile of the tree of 13 with its leaf 9 changed (the witness holds 8)
    async with engine.connect() as conn:
        tile = bytes((await conn.execute(select(audit_tiles.c.hashes))).scalar_one())
    damaged = tile[: 9 * 32] + bytes(32) + tile[10 * 32 :]
    await tamper(engine, update(audit_tiles).values(hashes=damaged))
    # when a round runs
    [outcome] = await sender.run_round()
    # then nothing is sent: the round names the tiles, and the witness's record stays at 8
    assert outcome.status == "failed"
    assert outcome.detail == (
        "the stored tiles do not give checkpoint 13's signed root: no consistency proof can be"
        " made (see `fyt audit verify`)"
    )
    async with engine.connect() as conn:
        assert (await conn.execute(select(audit_witnesses.c.cosigned_size))).scalar() == 8
