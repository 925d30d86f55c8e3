"""`fyt audit verify` while the integrator runs: one consistent snapshot, no false problem."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import await_only

from connectors.base.tlog.checkpoint import vkey
from hub.audit.integrator import integrate
from hub.audit.keys import AuditKeys, generate_audit_keys
from hub.audit.verify import verify_log
from hub.db.engine import create_hub_engine, upgrade
from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database
from tests.hub.test_audit_integrity import entry, insert_entries

BACKENDS = [
    "sqlite",
    pytest.param("postgresql", marks=pytest.mark.postgres),
]


@pytest.fixture(params=BACKENDS)
async def live(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[AsyncEngine, AuditKeys, list[str]]]:
    """A log of 30 entries, 21 of them integrated in three checkpoints, on either database."""
    generate_audit_keys(tmp_path / "audit.key", tmp_path / "audit.pem")
    keys = AuditKeys.load(tmp_path / "audit.key", tmp_path / "audit.pem", "test.example/audit")
    dropped = None
    if request.param == "postgresql":
        name, url = await _create_pg_database(os.environ[PG_ENV])
        dropped = name
    else:
        url = f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}"
    engine = create_hub_engine(url)
    try:
        await upgrade(engine)
        await insert_entries(engine, [entry(i) for i in range(30)])
        for _ in range(3):
            await integrate(engine, keys, batch=7)
        yield engine, keys, [vkey(keys.origin, keys.public_key)]
    finally:
        await engine.dispose()
        if dropped is not None:
            await _drop_pg_database(os.environ[PG_ENV], dropped)


def integrate_between_reads(engine: AsyncEngine, keys: AuditKeys) -> list[int]:
    """After every SELECT of the audit tables, record 3 new entries and integrate 5 more.

    This is the integrator's race made deterministic: whatever the verifier reads next was
    committed after what it read before. Returns a list that counts the interleavings.
    """
    done: list[int] = []
    busy = False
    counter = iter(range(10_000, 20_000))

    async def meanwhile() -> None:
        await insert_entries(engine, [entry(next(counter)) for _ in range(3)])
        await integrate(engine, keys, batch=5)

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        nonlocal busy
        if busy or not statement.lstrip().upper().startswith("SELECT"):
            return
        if "audit_" not in statement:
            return
        busy = True
        try:
            await_only(meanwhile())
            done.append(1)
        finally:
            busy = False

    return done


async def test_verify_reads_one_tree_while_entries_are_integrated_between_its_reads(
    live: Any,
) -> None:
    engine, keys, verifier = live
    # given a verifier whose every read is followed by new entries and a new checkpoint
    interleavings = integrate_between_reads(engine, keys)
    for _ in range(10):
        # when it verifies the untouched log
        report = await verify_log(engine, verifier)
        # then it reports no problem: one tree, the latest checkpoint it saw and the leaves
        # up to its size; entries integrated after that checkpoint count as not yet integrated
        assert report.ok, report.problems
        assert report.tree_size > 0
        assert report.entries == report.tree_size + report.unintegrated
    # and integration really happened between the reads
    assert len(interleavings) >= 30


async def test_verify_under_concurrent_integration_and_traffic_reports_no_problem(
    live: Any,
) -> None:
    engine, keys, verifier = live
    # given the integrator running flat out and new entries arriving all the time
    stop = asyncio.Event()

    async def integrator() -> None:
        while not stop.is_set():
            await integrate(engine, keys, batch=4)
            await asyncio.sleep(0)

    async def traffic() -> None:
        i = 50_000
        while not stop.is_set():
            await insert_entries(engine, [entry(i), entry(i + 1)])
            i += 2
            await asyncio.sleep(0)

    tasks = [asyncio.create_task(integrator()), asyncio.create_task(traffic())]
    try:
        # when the log is verified again and again meanwhile
        reports = []
        for _ in range(25):
            reports.append(await verify_log(engine, verifier))
            await asyncio.sleep(0)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
    # then not one verification saw a problem, while the tree grew under them
    assert [r.problems for r in reports if r.problems] == []
    assert reports[-1].tree_size > reports[0].tree_size
