"""Leases of the singleton background jobs (hub.db.coordination), on SQLite and PostgreSQL: one
holder at a time, renewal, takeover once a lease runs out, and a clean stop giving it up."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.coordination import (
    Leadership,
    give_up_leases,
    hub_leases,
    lease_holders,
    record_policy_generation,
    serving_processes,
    take_lease,
)
from hub.db.engine import create_hub_engine, upgrade
from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    if request.param == "sqlite":
        engine = create_hub_engine(f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}")
        await upgrade(engine)
        try:
            yield engine
        finally:
            await engine.dispose()
        return
    base = os.environ[PG_ENV]
    name, url = await _create_pg_database(base)
    engine = create_hub_engine(url)
    try:
        await upgrade(engine)
        yield engine
    finally:
        await engine.dispose()
        await _drop_pg_database(base, name)


async def row(engine: AsyncEngine, name: str) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(select(hub_leases).where(hub_leases.c.name == name))).one()


async def test_one_of_two_contenders_holds_the_lease(engine: AsyncEngine) -> None:
    # when two processes try for the same free lease at once
    a, b = await asyncio.gather(
        take_lease(engine, "audit-integrator", "host-a:1:aa", 6.0),
        take_lease(engine, "audit-integrator", "host-b:2:bb", 6.0),
    )
    # then exactly one has it, and the table names that one
    assert sorted([a, b]) == [False, True]
    winner = "host-a:1:aa" if a else "host-b:2:bb"
    assert await lease_holders(engine) == {"audit-integrator": winner}
    # and the other keeps being refused while it is renewed
    loser = "host-b:2:bb" if a else "host-a:1:aa"
    for _ in range(3):
        assert await take_lease(engine, "audit-integrator", winner, 6.0) is True
        assert await take_lease(engine, "audit-integrator", loser, 6.0) is False


async def test_renewal_moves_the_expiry_and_keeps_the_time_taken(engine: AsyncEngine) -> None:
    assert await take_lease(engine, "order-worker", "h:1:a", 5.0)
    first = await row(engine, "order-worker")
    await asyncio.sleep(0.3)
    assert await take_lease(engine, "order-worker", "h:1:a", 5.0)
    second = await row(engine, "order-worker")
    assert second.holder == "h:1:a"
    assert second.taken_at == first.taken_at
    assert second.expires_at > first.expires_at
    assert 4.0 < second.expires_at - second.taken_at < 6.0


async def test_a_lease_not_renewed_is_taken_over_once_it_runs_out(engine: AsyncEngine) -> None:
    # given a holder that stops renewing (killed) with a lease of 0.5 s
    assert await take_lease(engine, "order-worker", "dead:1:a", 0.5)
    # then another is refused before it runs out ...
    assert await take_lease(engine, "order-worker", "live:2:b", 0.5) is False
    # ... and takes it after
    await asyncio.sleep(0.7)
    assert await take_lease(engine, "order-worker", "live:2:b", 0.5) is True
    assert (await row(engine, "order-worker")).holder == "live:2:b"
    # and the old holder, back, does not get it again while the new one renews
    assert await take_lease(engine, "order-worker", "dead:1:a", 0.5) is False


async def test_a_lease_given_up_is_free_at_once(engine: AsyncEngine) -> None:
    assert await take_lease(engine, "audit-integrator", "a:1:a", 60.0)
    await give_up_leases(engine, ["audit-integrator"], "b:2:b")  # not b's: nothing changes
    assert await take_lease(engine, "audit-integrator", "b:2:b", 60.0) is False
    await give_up_leases(engine, ["audit-integrator"], "a:1:a")
    assert await take_lease(engine, "audit-integrator", "b:2:b", 60.0) is True
    # the row stays, for operators: who held it last
    assert (await row(engine, "audit-integrator")).holder == "b:2:b"


class Job:
    def __init__(self) -> None:
        self.running = False
        self.starts = 0

    def start(self) -> None:
        assert not self.running
        self.running = True
        self.starts += 1

    async def stop(self) -> None:
        self.running = False


async def test_the_job_runs_in_one_process_and_moves_when_its_holder_stops(
    engine: AsyncEngine,
) -> None:
    # given two processes with the same singleton job, renewing every 0.1 s (lease 0.3 s)
    jobs = [Job(), Job()]
    keepers = [
        Leadership(engine, interval=0.1, report=lambda: (None, "d" * 64)),
        Leadership(engine, interval=0.1, report=lambda: (None, "d" * 64)),
    ]
    for keeper, job in zip(keepers, jobs, strict=True):
        keeper.add("order-worker", job)
    await keepers[0].run()
    await keepers[1].run()
    try:
        # then only the first runs it, for as long as it renews
        for _ in range(5):
            await asyncio.sleep(0.1)
            assert [j.running for j in jobs] == [True, False]
        assert len(await serving_processes(engine)) == 2
        # when the first stops (cleanly), the second takes the job over within a renewal
        await keepers[0].stop()
        assert not jobs[0].running
        await asyncio.sleep(0.35)
        assert [j.running for j in jobs] == [False, True]
        assert keepers[1].describe()["leases"] == ["order-worker"]
        assert [p.holder for p in await serving_processes(engine)] == [keepers[1].holder]
    finally:
        await keepers[1].stop()
        await keepers[0].stop()


async def test_a_stalled_holder_loses_its_job_when_another_took_the_lease(
    engine: AsyncEngine,
) -> None:
    # given a process holding the job whose renewals stop (stalled), lease 0.3 s
    job = Job()
    keeper = Leadership(engine, interval=0.1)
    keeper.add("inquiry-worker", job)
    await keeper.tick()
    assert job.running
    # when the lease runs out and another process takes it
    await asyncio.sleep(0.4)
    assert await take_lease(engine, "inquiry-worker", "other:9:z", 5.0)
    # then the stalled process stops its job at its next renewal
    await keeper.tick()
    assert not job.running
    assert keeper.held == set()
    await keeper.stop()


async def test_policy_generations_are_numbered_in_order(engine: AsyncEngine) -> None:
    first, digest1 = await record_policy_generation(engine, {"policy.csv": "a"}, "t")
    second, digest2 = await record_policy_generation(engine, {"policy.csv": "b"}, "t")
    assert second > first
    assert digest1 != digest2 and len(digest1) == 64
