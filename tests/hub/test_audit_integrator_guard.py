"""The integrator signs nothing that contradicts the last signed checkpoint: its stored state
and the leaves of its batch are checked first, and a refusal raises an alarm."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from prometheus_client import CollectorRegistry
from sqlalchemy import event, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.base.tlog.checkpoint import open_checkpoint, vkey
from connectors.base.tlog.merkle import TreeBuilder, leaf_hash, verify_consistency
from hub.audit.integrator import RECENT, Integrator, dump_state, integrate
from hub.audit.keys import AuditKeys, generate_audit_keys
from hub.audit.models import audit_checkpoints, audit_leaves
from hub.audit.verify import verify_log
from hub.cli import main
from hub.db.engine import create_hub_engine, upgrade
from tests.hub.test_audit_integrity import entry, insert_entries, tamper


@pytest.fixture
async def log(tmp_path: Path) -> AsyncIterator[tuple[AsyncEngine, AuditKeys, list[str]]]:
    """14 entries in two signed checkpoints (7 and 14), and 6 entries waiting."""
    generate_audit_keys(tmp_path / "audit.key", tmp_path / "audit.pem")
    keys = AuditKeys.load(tmp_path / "audit.key", tmp_path / "audit.pem", "test.example/audit")
    engine = create_hub_engine(f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}")
    await upgrade(engine)
    await insert_entries(engine, [entry(i) for i in range(14)])
    assert await integrate(engine, keys, batch=7) == 7
    assert await integrate(engine, keys, batch=7) == 14
    await insert_entries(engine, [entry(100 + i) for i in range(6)])
    try:
        yield engine, keys, [vkey(keys.origin, keys.public_key)]
    finally:
        await engine.dispose()


async def notes(engine: AsyncEngine) -> dict[int, str]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(audit_checkpoints.c.tree_size, audit_checkpoints.c.note))
        return {r.tree_size: r.note for r in rows}


def forged_state(size: int) -> str:
    """A well-formed tree state of ``size`` leaves that are not the log's."""
    builder = TreeBuilder()
    builder.extend(leaf_hash(f"forged {i}".encode()) for i in range(size))
    return dump_state(builder)


async def test_no_checkpoint_inconsistent_with_the_last_is_signed_after_the_state_is_edited(
    log: Any,
) -> None:
    engine, keys, _ = log
    # given the latest checkpoint's stored tree state replaced by another tree of the same size
    await tamper(
        engine,
        update(audit_checkpoints)
        .where(audit_checkpoints.c.tree_size == 14)
        .values(state=forged_state(14)),
    )
    # when integration runs with entries pending (whatever it raises)
    with contextlib.suppress(Exception):
        await integrate(engine, keys)
    # then nothing new is signed (the old code signed a checkpoint 20 grown from the forged
    # tree, which checkpoint 14 is not a prefix of)
    signed = await notes(engine)
    assert sorted(signed) == [7, 14]


async def test_an_edited_state_column_is_refused_and_raises_the_alarm(
    log: Any, caplog: pytest.LogCaptureFixture
) -> None:
    engine, keys, verifier = log
    # given the latest checkpoint's stored tree state replaced by another tree of the same size
    await tamper(
        engine,
        update(audit_checkpoints)
        .where(audit_checkpoints.c.tree_size == 14)
        .values(state=forged_state(14)),
    )
    before = await notes(engine)
    registry = CollectorRegistry()
    integrator = Integrator(engine, keys, registry=registry)
    # when the background integrator runs with entries pending
    with caplog.at_level(logging.ERROR, logger="hub.audit"):
        await integrator.tick()
        await integrator.tick()
    # then nothing new is signed
    assert await notes(engine) == before
    # and the alarm is raised: an ERROR in the log (once), the reason, the gauge
    alarms = [
        r for r in caplog.records if r.levelno == logging.ERROR and "AUDIT ALARM" in r.message
    ]
    assert len(alarms) == 1
    assert "checkpoint 14: its stored tree state" in alarms[0].message
    assert integrator.alarm is not None and "does not match its signed note" in integrator.alarm
    assert registry.get_sample_value("hub_audit_integration_refused") == 1.0
    # and the integrity report names the checkpoint
    report = await verify_log(engine, verifier)
    assert report.problems == [
        next(p for p in report.problems if p.startswith("checkpoint 14: its stored tree state"))
    ]
    assert report.problems[0].endswith("the integrator refuses to grow the tree from it")


async def test_the_cli_refuses_to_integrate_from_an_edited_state(log: Any, tmp_path: Path) -> None:
    engine, _, _ = log
    # given an edited state column (the state of checkpoint 7 put under checkpoint 14)
    async with engine.connect() as conn:
        state7 = (
            await conn.execute(
                select(audit_checkpoints.c.state).where(audit_checkpoints.c.tree_size == 7)
            )
        ).scalar()
    await tamper(
        engine,
        update(audit_checkpoints).where(audit_checkpoints.c.tree_size == 14).values(state=state7),
    )
    env = {
        "HUB_DATA_DIR": str(tmp_path),
        "HUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.sqlite3'}",
        "HUB_AUDIT_KEY_FILE": str(tmp_path / "audit.key"),
        "HUB_AUDIT_SIGNING_KEY": str(tmp_path / "audit.pem"),
        "HUB_AUDIT_ORIGIN": "test.example/audit",
    }
    # when `fyt audit integrate` runs (in a thread: it runs its own event loop)
    result = await asyncio.to_thread(CliRunner().invoke, main, ["audit", "integrate"], env=env)
    # then it exits 1, says why, and signs nothing
    assert result.exit_code == 1, result.output
    assert "integration refused, nothing was signed: checkpoint 14" in result.output
    assert set(await notes(engine)) == {7, 14}


async def test_a_changed_leaf_of_the_last_batch_is_refused(log: Any) -> None:
    engine, keys, _ = log
    # given a leaf of the latest batch (7..13) rewritten in the database
    await tamper(
        engine,
        update(audit_leaves)
        .where(audit_leaves.c.leaf_index == 10)
        .values(leaf_hash=leaf_hash(b"something else")),
    )
    integrator = Integrator(engine, keys)
    # when the integrator runs
    await integrator.tick()
    # then it refuses and names the batch
    assert (
        integrator.alarm == "checkpoint 14: the stored leaves 7..13 do not hash to its signed root"
    )
    assert set(await notes(engine)) == {7, 14}


async def test_a_replaced_note_is_refused(log: Any) -> None:
    engine, keys, _ = log
    # given the latest note replaced by the earlier one (a note the hub did sign, another size)
    old = (await notes(engine))[7]
    await tamper(
        engine,
        update(audit_checkpoints).where(audit_checkpoints.c.tree_size == 14).values(note=old),
    )
    integrator = Integrator(engine, keys)
    # when the integrator runs
    await integrator.tick()
    # then it refuses: the stored size no longer matches the signed note
    assert integrator.alarm == (
        "checkpoint 14: the stored size or root differs from its signed note"
    )
    assert set(await notes(engine)) == {7, 14}


async def test_a_sound_log_grows_consistently_and_the_alarm_clears(log: Any) -> None:
    engine, keys, verifier = log
    # given an integrator that refused once (the state was edited), then the edit undone
    async with engine.connect() as conn:
        good = (
            await conn.execute(
                select(audit_checkpoints.c.state).where(audit_checkpoints.c.tree_size == 14)
            )
        ).scalar()
    await tamper(
        engine,
        update(audit_checkpoints)
        .where(audit_checkpoints.c.tree_size == 14)
        .values(state=forged_state(14)),
    )
    registry = CollectorRegistry()
    integrator = Integrator(engine, keys, registry=registry)
    await integrator.tick()
    assert integrator.alarm is not None
    await tamper(
        engine,
        update(audit_checkpoints).where(audit_checkpoints.c.tree_size == 14).values(state=good),
    )
    # when it runs again
    await integrator.tick()
    # then it signs checkpoint 20, consistent with 14 (a proof from the leaves verifies), and
    # the alarm is cleared
    signed = await notes(engine)
    assert set(signed) == {7, 14, 20}
    assert integrator.alarm is None
    assert registry.get_sample_value("hub_audit_integration_refused") == 0.0
    old, new = open_checkpoint(signed[14], verifier), open_checkpoint(signed[20], verifier)
    async with engine.connect() as conn:
        leaves = [
            bytes(h)
            for h in (
                await conn.execute(
                    select(audit_leaves.c.leaf_hash).order_by(audit_leaves.c.leaf_index)
                )
            ).scalars()
        ]
    from connectors.base.tlog.merkle import consistency_proof

    assert verify_consistency(14, 20, old.root, new.root, consistency_proof(14, leaves))
    assert (await verify_log(engine, verifier)).ok


async def _leaves_of(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        stmt = select(audit_leaves.c.entry_id).order_by(audit_leaves.c.leaf_index)
        return list((await conn.execute(stmt)).scalars())


async def test_a_very_late_entry_waits_for_the_full_pass_and_ticks_read_a_short_window(
    tmp_path: Path,
) -> None:
    generate_audit_keys(tmp_path / "audit.key", tmp_path / "audit.pem")
    keys = AuditKeys.load(tmp_path / "audit.key", tmp_path / "audit.pem", "test.example/audit")
    engine = create_hub_engine(f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}")
    await upgrade(engine)
    pending_reads: list[Any] = []  # the parameters of each read of pending entries

    def listen(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if "NOT (EXISTS" in statement and "FROM audit_entries" in statement:
            pending_reads.append(parameters)

    try:
        # given entries 5000..5004 integrated by the integrator's first (full) pass
        newest = 5004
        await insert_entries(engine, [{**entry(i), "id": i} for i in range(5000, newest + 1)])
        integrator = Integrator(engine, keys, full_pass_seconds=3600)
        await integrator.tick()
        assert await _leaves_of(engine) == [5000, 5001, 5002, 5003, 5004]
        # when entries committed late arrive — one a little (4500), one a lot (5) — and a new
        # one (5005), and the next tick runs
        late = [{**entry(i), "id": i} for i in (5, 4500, 5005)]
        await insert_entries(engine, late)
        event.listen(engine.sync_engine, "before_cursor_execute", listen)
        await integrator.tick()
        # then the new one and the slightly late one are integrated, reading RECENT ids back
        assert await _leaves_of(engine) == [5000, 5001, 5002, 5003, 5004, 4500, 5005]
        assert len(pending_reads) == 1, pending_reads
        assert newest - RECENT in tuple(pending_reads[0]), pending_reads
        event.remove(engine.sync_engine, "before_cursor_execute", listen)
        # and the very late one at the next full pass, not before
        await integrator.tick()
        assert (await _leaves_of(engine))[-1] == 5005
        integrator.full_pass_seconds = 0
        await integrator.tick()
        assert (await _leaves_of(engine))[-2:] == [5005, 5]
        report = await verify_log(engine, [vkey(keys.origin, keys.public_key)])
        assert report.ok, report.problems
    finally:
        await engine.dispose()
