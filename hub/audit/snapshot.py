"""One consistent, read-only view of the hub database for reads that must agree with each other."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine


@contextlib.asynccontextmanager
async def snapshot(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    """A connection whose reads all see one consistent state of the database, read-only.

    PostgreSQL: one REPEATABLE READ, READ ONLY transaction (its snapshot is taken at the first
    statement). SQLite: the driver opens transactions only before writes, so every SELECT would
    see the latest commit; an explicit BEGIN makes them one read transaction, and in WAL mode
    its snapshot (taken at the first read) holds while writers commit.
    """
    async with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
            async with conn.begin():
                yield conn
            return
        await conn.exec_driver_sql("BEGIN")
        try:
            yield conn
        finally:
            await conn.rollback()
