"""Witnesses end to end: an agency service cosigns the hub's checkpoints over HTTP; a history
rewritten in the hub's database is refused by the witness, and verification with a quorum
names the missing cosignature."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from prometheus_client import CollectorRegistry
from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors import registry
from connectors.base.service import agency_app
from connectors.base.tlog.checkpoint import open_checkpoint, split_note, vkey
from connectors.base.tlog.cosignature import open_cosignatures
from connectors.base.witness import Witness, WitnessStore
from hub.audit.export import export_entries, verify_export, write_jsonl
from hub.audit.integrator import Integrator, integrate
from hub.audit.keys import AuditKeys, generate_audit_keys
from hub.audit.models import audit_cosignatures, audit_entries, audit_witnesses
from hub.audit.queries import checkpoint_at
from hub.audit.verify import verify_log
from hub.audit.witness import WitnessConfig, WitnessPolicy, WitnessSender
from hub.cli import main
from hub.db.engine import create_hub_engine, upgrade
from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database
from tests.hub.test_audit_integrity import entry, insert_entries
from tests.servers import Served

ORIGIN = "test.example/audit"
WITNESS_NAME = "fyt-agency.local/real_estate"
SINCE = entry(0)["occurred_at"].replace(year=2000)
UNTIL = entry(0)["occurred_at"].replace(year=2100)
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


class Recording:
    """Wraps a witness to keep the tree size of every checkpoint it is sent."""

    def __init__(self, witness: Witness) -> None:
        self.witness = witness
        self.sizes: list[int] = []
        self.statuses: list[int] = []
        self._add = witness.add_checkpoint
        witness.add_checkpoint = self.add  # type: ignore[method-assign]

    def add(self, raw: bytes) -> Any:
        _, _, note = raw.decode("utf-8", "replace").partition("\n\n")
        body = note.split("\n\n")[0].split("\n")
        if len(body) > 1 and body[1].isdigit():
            self.sizes.append(int(body[1]))
        answer = self._add(raw)
        self.statuses.append(answer.status)
        return answer


@pytest.fixture(params=BACKENDS)
async def hub(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """A hub audit log (keys, database) and its environment for the CLI."""
    keys_dir = tmp_path / "keys"
    generate_audit_keys(keys_dir / "audit.key", keys_dir / "audit.pem")
    keys = AuditKeys.load(keys_dir / "audit.key", keys_dir / "audit.pem", ORIGIN)
    dropped = None
    if request.param == "postgresql":
        dropped, url = await _create_pg_database(os.environ[PG_ENV])
        plain = "postgresql://" + url.split("://", 1)[1]
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}"
        plain = f"sqlite:///{tmp_path / 'hub.sqlite3'}"
    engine = create_hub_engine(url)
    await upgrade(engine)
    env = {
        "HUB_DATA_DIR": str(tmp_path),
        "HUB_DATABASE_URL": plain,
        "HUB_AUDIT_KEY_FILE": str(keys_dir / "audit.key"),
        "HUB_AUDIT_SIGNING_KEY": str(keys_dir / "audit.pem"),
        "HUB_AUDIT_ORIGIN": ORIGIN,
    }
    try:
        yield {
            "engine": engine,
            "keys": keys,
            "env": env,
            "log_vkey": vkey(ORIGIN, keys.public_key),
        }
    finally:
        await engine.dispose()
        if dropped is not None:
            await _drop_pg_database(os.environ[PG_ENV], dropped)


@pytest.fixture
async def agency(
    hub: dict[str, Any], sources: dict[str, Any], tmp_path: Path
) -> AsyncIterator[tuple[Served, Recording]]:
    """The real-estate agency's service on loopback, witnessing the hub's log."""
    witness = Witness(
        WITNESS_NAME,
        Ed25519PrivateKey.generate(),
        [hub["log_vkey"]],
        WitnessStore(tmp_path / "witness" / "real_estate.sqlite3"),
    )
    recording = Recording(witness)
    served = Served(
        agency_app(registry.get("real_estate"), sources["real_estate"], witness=witness)
    )
    await served.start()
    try:
        yield served, recording
    finally:
        await served.stop()
        witness.store.close()


def policy_of(agency: tuple[Served, Recording], quorum: int = 1) -> WitnessPolicy:
    served, recording = agency
    return WitnessPolicy((WitnessConfig(recording.witness.cosigner, served.url),), quorum)


async def forge_history(engine: AsyncEngine, keys: AuditKeys) -> None:
    """What an attacker with the database does: drop the tree (leaves, tiles, checkpoints, their
    cosignatures, the hub's record of its witnesses), change an entry, and let the hub
    integrate the forged log afresh."""
    if engine.dialect.name == "sqlite":
        async with engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
    tables = (
        "audit_entries",
        "audit_leaves",
        "audit_tiles",
        "audit_checkpoints",
        "audit_cosignatures",
    )
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            for t in tables:
                await conn.execute(text(f"ALTER TABLE {t} DISABLE TRIGGER ALL"))
        else:
            triggers = (
                await conn.execute(text("SELECT name, sql FROM sqlite_master WHERE type='trigger'"))
            ).all()
            for name, _ in triggers:
                await conn.execute(text(f"DROP TRIGGER {name}"))
        for t in (
            "audit_cosignatures",
            "audit_witnesses",
            "audit_leaves",
            "audit_tiles",
            "audit_checkpoints",
        ):
            await conn.execute(text(f"DELETE FROM {t}"))
        await conn.execute(
            update(audit_entries).where(audit_entries.c.id == 3).values(user_id="nobody")
        )
        if conn.dialect.name == "postgresql":
            for t in tables:
                await conn.execute(text(f"ALTER TABLE {t} ENABLE TRIGGER ALL"))
        else:
            for _, sql in triggers:
                await conn.execute(text(sql))
    while await integrate(engine, keys, batch=4) not in (None, await _entries(engine)):
        pass


async def _entries(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return len((await conn.execute(select(audit_entries.c.id))).all())


async def test_the_agency_cosigns_and_a_rewritten_history_is_refused_and_named(
    hub: dict[str, Any], agency: tuple[Served, Recording]
) -> None:
    engine, keys, verifier = hub["engine"], hub["keys"], [hub["log_vkey"]]
    policy = policy_of(agency)
    _, recording = agency
    sender = WitnessSender(engine, policy)
    sender.start()
    try:
        # given a log of 8 entries, cosigned by the agency's witness
        await insert_entries(engine, [entry(i) for i in range(8)])
        assert await integrate(engine, keys) == 8
        [first] = await sender.run_round()
        assert (first.status, first.size) == ("cosigned", 8), first.detail
        # and 5 more, cosigned with a consistency proof from 8
        await insert_entries(engine, [entry(i) for i in range(8, 13)])
        assert await integrate(engine, keys) == 13
        [second] = await sender.run_round()
        assert (second.status, second.size) == ("cosigned", 13), second.detail
        assert recording.sizes == [8, 13] and recording.statuses == [200, 200]
        # then the log verifies with a quorum of 1, the latest checkpoint being witnessed
        report = await verify_log(engine, verifier, witnesses=policy)
        assert report.ok, report.problems
        assert report.witnessed_size == 13
        assert set(report.cosigned) == {8, 13}
        assert set(report.cosigned[13]) == {WITNESS_NAME}
        # and the served checkpoint carries the witness's cosignature after the log's signature
        async with engine.connect() as conn:
            served_note = (await checkpoint_at(conn, None)).note
        assert open_checkpoint(served_note, verifier).size == 13
        assert set(open_cosignatures(served_note, policy.keys).valid) == {WITNESS_NAME}
        assert [name for name, _, _ in split_note(served_note)[1]] == [ORIGIN, WITNESS_NAME]
        # and an export carries it too, verifying offline with the quorum
        note, records = await export_entries(engine, SINCE, UNTIL, policy)
        out = _jsonl(note, records)
        assert verify_export(out, verifier, policy).ok

        # when the history is rewritten in the database and integrated afresh, with 2 entries
        # more (at the same size the witness would answer 409: another tree of the same size)
        await insert_entries(engine, [entry(i) for i in range(13, 15)])
        await forge_history(engine, keys)
        outcomes = await sender.run_round()
        # then the witness refuses to cosign the rewrite: the hub, having forgotten it, sent
        # old 0, learnt 13 from the 409, and the proof from 13 does not verify (422)
        assert [o.status for o in outcomes] == ["refused"]
        assert "HTTP 422" in outcomes[0].detail
        assert recording.statuses[-2:] == [409, 422]
        # and verification with a quorum of 1 fails, naming the missing cosignature
        report = await verify_log(engine, verifier, witnesses=policy)
        assert not report.ok
        assert report.problems == [
            f"checkpoint 15 (the latest) has 0 of the 1 cosignature(s) required: none from"
            f" {WITNESS_NAME}; no checkpoint has them, so nothing in the log is witnessed"
        ]
        # while without witnesses the forged log verifies: only the witness caught it
        assert (await verify_log(engine, verifier)).ok
        # and no export of the forged log can be made with the quorum
        with pytest.raises(ValueError, match="no checkpoint has the 1 cosignature"):
            await export_entries(engine, SINCE, UNTIL, policy)
        # and the export made before still verifies offline
        assert verify_export(out, verifier, policy).ok
    finally:
        await sender.stop()


def _jsonl(note: str, records: list[dict[str, Any]]) -> str:
    import io

    buffer = io.StringIO()
    write_jsonl(buffer, note, records)
    return buffer.getvalue()


async def test_only_the_newest_checkpoint_is_sent_and_the_hub_learns_a_size_from_409(
    hub: dict[str, Any], agency: tuple[Served, Recording]
) -> None:
    engine, keys = hub["engine"], hub["keys"]
    policy = policy_of(agency)
    _, recording = agency
    sender = WitnessSender(engine, policy)
    sender.start()
    try:
        # given three checkpoints signed (4, 8, 12) before any round
        await insert_entries(engine, [entry(i) for i in range(12)])
        for size in (4, 8, 12):
            assert await integrate(engine, keys, batch=4) == size
        # when one round runs
        await sender.run_round()
        # then only the newest was sent, once
        assert recording.sizes == [12]
        # given the hub's record of the witness lost (a restored database), and 3 more entries
        async with engine.begin() as conn:
            await conn.execute(audit_witnesses.delete())
        await insert_entries(engine, [entry(i) for i in range(12, 15)])
        assert await integrate(engine, keys) == 15
        # when a round runs
        [outcome] = await sender.run_round()
        # then the hub sent old 0, learnt 12 from the 409, and retried once with a proof from 12
        assert outcome.status == "cosigned", outcome.detail
        assert recording.sizes == [12, 15, 15] and recording.statuses == [200, 409, 200]
        # and an up-to-date witness is not asked again
        [again] = await sender.run_round()
        assert again.status == "current" and recording.sizes == [12, 15, 15]
    finally:
        await sender.stop()


async def test_the_integrator_wakes_the_sender_once_per_checkpoint(
    hub: dict[str, Any], agency: tuple[Served, Recording]
) -> None:
    engine, keys = hub["engine"], hub["keys"]
    _, recording = agency
    registry_ = CollectorRegistry()
    sender = WitnessSender(engine, policy_of(agency), retry=30.0, registry=registry_)
    integrator = Integrator(engine, keys, on_checkpoint=sender.wake)
    sender.start()
    try:
        # given entries recorded, and the background integrator's tick
        await insert_entries(engine, [entry(i) for i in range(6)])
        await integrator.tick()
        # when the sender runs (woken by the integrator, not by its 30-s retry)
        for _ in range(1000):  # up to 20 s (a loaded machine), still well inside the 30-s retry
            size = registry_.get_sample_value(
                "hub_audit_witness_cosigned_size", {"witness": WITNESS_NAME}
            )
            if size == 6:
                break
            await asyncio.sleep(0.02)
        # then checkpoint 6 is cosigned and stored, after one request
        async with engine.connect() as conn:
            rows = (await conn.execute(select(audit_cosignatures.c.tree_size))).scalars().all()
        assert rows == [6] and recording.sizes == [6]
    finally:
        await sender.stop()


async def test_the_cosigned_gauge_reports_only_what_is_stored(
    hub: dict[str, Any], agency: tuple[Served, Recording], monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, keys = hub["engine"], hub["keys"]
    _, recording = agency
    registry_ = CollectorRegistry()
    sender = WitnessSender(engine, policy_of(agency), registry=registry_)
    sender.client = httpx.AsyncClient()
    await insert_entries(engine, [entry(i) for i in range(4)])
    assert await integrate(engine, keys) == 4

    async def refused(*_: Any) -> None:
        raise OSError("the hub database refuses writes")

    try:
        # given the witness cosigns, but storing its cosignature fails
        monkeypatch.setattr(sender, "_record", refused)
        with pytest.raises(OSError):
            await sender.run_round()
        assert recording.sizes == [4]
        # then the gauge does not claim a cosignature the hub does not hold
        gauge = ("hub_audit_witness_cosigned_size", {"witness": WITNESS_NAME})
        assert registry_.get_sample_value(*gauge) is None
        # and once it is stored, it does
        monkeypatch.undo()
        await sender.run_round()
        assert registry_.get_sample_value(*gauge) == 4
    finally:
        await sender.client.aclose()


async def test_the_cli_lists_witnesses_verifies_with_the_quorum_and_exports_cosigned(
    hub: dict[str, Any], agency: tuple[Served, Recording], tmp_path: Path
) -> None:
    engine, keys = hub["engine"], hub["keys"]
    served, recording = agency
    # given a witness configuration file, a quorum of 1, and a cosigned log
    toml = tmp_path / "witnesses.toml"
    toml.write_text(f'[[witness]]\nurl = "{served.url}"\nvkey = "{recording.witness.vkey}"\n')
    env = {**hub["env"], "HUB_AUDIT_WITNESSES": str(toml), "HUB_AUDIT_WITNESS_QUORUM": "1"}
    await insert_entries(engine, [entry(i) for i in range(5)])
    assert await integrate(engine, keys) == 5

    async def fyt(*args: str, environment: dict[str, str] = env) -> Any:
        return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=environment)

    cosign = await fyt("audit", "cosign")
    assert cosign.exit_code == 0, cosign.output
    assert f"{WITNESS_NAME}: cosigned (holds 5)" in cosign.output
    # when the operator lists the witnesses and verifies
    listing = await fyt("audit", "witnesses")
    verified = await fyt("audit", "verify")
    # then each shows the witness and the size it cosigned
    assert f"{WITNESS_NAME}  {served.url}  cosigned 5 at " in listing.output
    assert verified.exit_code == 0, verified.output
    assert (
        "witnesses: 1 configured, 1 required; the newest witnessed checkpoint is 5"
        in verified.output
    )
    assert f"checkpoint 5 cosigned by {WITNESS_NAME} at " in verified.output
    assert f"asked {WITNESS_NAME}: it holds 5, consistent with the log" in verified.output
    # and an export verifies offline with only the log's key and the witness's key
    out = tmp_path / "export.jsonl"
    assert (
        await fyt("audit", "export", "--from", "2000-01-01", "--to", "2100-01-01", "-o", str(out))
    ).exit_code == 0
    offline = await fyt(
        "audit",
        "verify-export",
        str(out),
        "--public-key",
        hub["log_vkey"],
        "--witness",
        recording.witness.vkey,
        "--quorum",
        "1",
        environment={},
    )
    assert offline.exit_code == 0, offline.output
    assert f"checkpoint 5 cosigned by {WITNESS_NAME} at " in offline.output
    # and the same export asked for 2 cosignatures of that one witness's key fails, naming it
    header = json.loads(out.read_text().splitlines()[0])
    header["note"] = header["note"].rsplit("— " + WITNESS_NAME, 1)[0]
    lines = out.read_text().splitlines()
    lines[0] = json.dumps(header, ensure_ascii=False)
    stripped = tmp_path / "stripped.jsonl"
    stripped.write_text("\n".join(lines) + "\n")
    refused = await fyt(
        "audit",
        "verify-export",
        str(stripped),
        "--public-key",
        hub["log_vkey"],
        "--witness",
        recording.witness.vkey,
        "--quorum",
        "1",
        environment={},
    )
    assert refused.exit_code == 1
    assert f"has 0 of the 1 cosignature(s) required: none from {WITNESS_NAME}" in refused.output
