"""Engines for the hub database and migrations to head (Alembic)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hub.errors import AuditUnavailable
from hub.periodic import Periodic
from hub.resources import MIGRATIONS_DIR

# A connection checkpoints the WAL itself only past this many pages (SQLite's default is
# 1,000): a serving hub checkpoints in the background (WalCheckpoints), so a request that
# commits a large audit entry (a batch check: 10,000 subject rows, some 40 MB of index pages)
# does not also copy them into the database file before its answer leaves.
WAL_AUTOCHECKPOINT_PAGES = 25_000
# The advisory lock migrations take on PostgreSQL ("fytm"): replicas starting together each run
# `fyt db upgrade`, one migrates and the others then find the database at head.
MIGRATION_LOCK = 0x6679746D


def create_hub_engine(url: str, *, busy_timeout: float = 30.0, **kwargs: Any) -> AsyncEngine:
    """The hub database's engine. On SQLite ``busy_timeout`` is how long a writer waits for
    another's lock before SQLite itself answers "database is locked": the bound of a write is
    SQLite's, never a cancellation of the driver's thread (a cancelled wait could still take
    the lock afterwards and hold it for good)."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": busy_timeout}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA wal_autocheckpoint={WAL_AUTOCHECKPOINT_PAGES}")
            cur.close()

        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def bounded_engine(engine: AsyncEngine, seconds: float) -> AsyncEngine:
    """A companion of ``engine`` whose statements and lock waits fail after ``seconds``, for a
    writer that must answer within a bound (the audit log's group commit).

    On PostgreSQL the bounds are the connections' own settings (``lock_timeout`` and
    ``statement_timeout`` sent at connect, asyncpg's ``server_settings``), so no transaction
    pays a round trip to set them; the pool is small, as one writer uses it. On SQLite the
    engine's busy timeout is already the bound (:func:`create_hub_engine`): ``engine`` itself.
    """
    if engine.dialect.name != "postgresql":
        return engine
    ms = str(max(1, int(seconds * 1000)))
    return create_hub_engine(
        engine.url.render_as_string(hide_password=False),
        pool_size=2,
        max_overflow=2,
        connect_args={"server_settings": {"lock_timeout": ms, "statement_timeout": ms}},
    )


def alembic_config(url: str | None = None) -> Config:
    """Alembic's configuration, made here: the migrations shipped in the package, no alembic.ini."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _upgrade(sync_conn: Connection, revision: str) -> None:
    cfg = alembic_config()
    cfg.attributes["connection"] = sync_conn
    command.upgrade(cfg, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Migrate the hub database to ``revision`` (works inside a running event loop). On
    PostgreSQL one migration runs at a time (a transaction-scoped advisory lock, held until the
    migration's transaction ends). SQLite, a database of one host, takes no such lock."""
    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
        await conn.run_sync(_upgrade, revision)


def _current(sync_conn: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(sync_conn).get_current_revision()


async def current_revision(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await conn.run_sync(_current)


async def lock_for_write(conn: Any) -> None:
    """Start a read-then-write transaction with the write lock (SQLite).

    SQLite transactions begin deferred: one that reads first and writes later fails at once
    with "database is locked" if another writer committed in between (its snapshot is stale).
    Taking the write lock first makes it wait for other writers (busy timeout) instead.
    PostgreSQL needs nothing here.
    """
    if conn.dialect.name == "sqlite":
        try:
            await conn.exec_driver_sql(
                "UPDATE alembic_version SET version_num = version_num WHERE 0"
            )
        except OperationalError as exc:
            if "locked" not in str(exc).lower():
                raise
            raise AuditUnavailable(
                "the hub database is busy (another writer holds it), so nothing was changed;"
                " try again shortly or tell the operator"
            ) from exc


class WalCheckpoints(Periodic):
    """Checkpoints a SQLite hub database's WAL in the background (PASSIVE: never waits for, nor
    blocks, readers and writers), so that requests committing do not."""

    name = "WAL checkpoint"

    def __init__(self, engine: AsyncEngine, interval: float = 1.0) -> None:
        super().__init__(interval)
        self.engine = engine

    async def tick(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
