"""`fyt db upgrade` run by several processes at once (one per replica starting), on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import sys

import pytest
from sqlalchemy import text

from hub.db.engine import create_hub_engine
from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database
from tests.hub.test_migrations import HEAD

RUNS = 3


@pytest.mark.postgres
async def test_upgrades_started_together_all_succeed_and_migrate_once() -> None:
    # given an empty PostgreSQL database, and three replicas' init steps starting at once
    base = os.environ[PG_ENV]
    name, url = await _create_pg_database(base)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATABASE_URL"] = url.replace("postgresql+asyncpg://", "postgresql://")
    try:
        # when each runs `fyt db upgrade`
        runs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                *("-m", "hub.cli", "db", "upgrade"),
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.STDOUT,
            )
            for _ in range(RUNS)
        ]
        async with asyncio.timeout(120):
            outputs = [(await run.communicate())[0].decode() for run in runs]
        # then every one succeeds (the later ones find the work done) and the database is at head
        assert [run.returncode for run in runs] == [0] * RUNS, "\n".join(outputs)
        engine = create_hub_engine(url)
        try:
            async with engine.connect() as conn:
                rows = (await conn.execute(text("SELECT version_num FROM alembic_version"))).all()
        finally:
            await engine.dispose()
        assert [r[0] for r in rows] == [HEAD]
    finally:
        await _drop_pg_database(base, name)
