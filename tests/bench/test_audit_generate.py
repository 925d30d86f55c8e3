"""The scale benchmark's generator makes the log the integrator would have: it verifies, its
checkpoints fall every batch, its last entries are on the day before, and the hub goes on."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bench.audit_generate import generate
from connectors.base.tlog.checkpoint import vkey
from hub.audit.integrator import integrate
from hub.audit.keys import AuditKeys, generate_audit_keys
from hub.audit.models import audit_checkpoints, audit_entries
from hub.audit.verify import verify_log
from hub.db.engine import create_hub_engine, upgrade
from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database
from tests.hub.test_audit_integrity import entry, insert_entries

END = datetime(2026, 11, 2, 16, 0, tzinfo=UTC)  # 3 November 00:00 in Asia/Shanghai


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def database(request: Any, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}"
        return
    base = os.environ[PG_ENV]
    name, url = await _create_pg_database(base)
    try:
        yield url
    finally:
        await _drop_pg_database(base, name)


async def test_a_generated_log_verifies_and_grows_on(database: str, tmp_path: Path) -> None:
    generate_audit_keys(tmp_path / "audit.key", tmp_path / "audit.pem")
    keys = AuditKeys.load(tmp_path / "audit.key", tmp_path / "audit.pem", "test.example/audit")
    engine = create_hub_engine(database)
    try:
        await upgrade(engine)
        # when 250 entries are generated, a checkpoint every 100, the last 40 on 2 November
        assert await generate(engine, keys, 250, batch=100, last_day=40, end=END) == 250
        # then the log verifies, with checkpoints at 100, 200 and 250
        verifier = [vkey(keys.origin, keys.public_key)]
        report = await verify_log(engine, verifier)
        assert report.ok, report.problems
        async with engine.connect() as conn:
            sizes = (await conn.execute(select(audit_checkpoints.c.tree_size))).scalars().all()
            day = (
                await conn.execute(
                    select(func.count())
                    .select_from(audit_entries)
                    .where(audit_entries.c.occurred_at >= END - timedelta(days=1))
                )
            ).scalar()
        assert sorted(sizes) == [100, 200, 250]
        assert day == 40
        # and a generated log is not generated into again
        with pytest.raises(ValueError, match="not empty"):
            await generate(engine, keys, 1)
        # and the hub records and integrates after it as after its own
        await insert_entries(engine, [entry(i) for i in range(3)])
        assert await integrate(engine, keys) == 253
        assert (await verify_log(engine, verifier)).ok
    finally:
        await engine.dispose()
