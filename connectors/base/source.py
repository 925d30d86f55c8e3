"""The embedded source seam: SQL straight to an agency database, off the event loop.

A look-up is a plain function ``fn(conn, keys)``. Look-ups that a request dispatches together
(the batch loaders of one request fire in the same few event-loop ticks) are coalesced into one
job on a worker thread with one pooled connection, so a full profile costs one thread hop per
agency, not one per look-up. Every batch look-up answers all its keys in one query.

Queries are SQLAlchemy Core statements compiled once per dialect and key count
(:class:`KeyedQuery`); rows get the column types' result processing (dates, decimals).
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Dialect,
    Engine,
    Select,
    Table,
    bindparam,
    create_engine,
    event,
    make_url,
    select,
)
from sqlalchemy.exc import SQLAlchemyError

from connectors.base.errors import ConnectorUnavailable

T = TypeVar("T")
R = TypeVar("R")

Job = tuple[Callable[..., Any], tuple[Any, ...], "asyncio.Future[Any]"]
Outcome = tuple["asyncio.Future[Any]", Any, BaseException | None]

# SQLite caps the number of bound parameters; stay well below it.
MAX_IN_PARAMS = 900
# How many event-loop ticks a source waits to collect look-ups into one job.
COALESCE_TICKS = 3


def make_engine(url: str) -> Engine:
    """A synchronous engine for an agency database; SQLite files get WAL and a busy timeout."""
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:" and not path.startswith("file:"):
            # Open read-write but never create: a missing agency database is an error, not an
            # empty agency.
            url = f"sqlite:///file:{path}?mode=rw&uri=true"
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=8,
            max_overflow=8,
        )

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def record_select(record: type, table: Table) -> Select[Any]:
    """SELECT the columns of ``table`` named by the fields of dataclass ``record``, in order."""
    return select(*(table.c[f.name] for f in dataclasses.fields(record)))


def chunks(keys: Sequence[T], size: int = MAX_IN_PARAMS) -> Iterable[Sequence[T]]:
    for i in range(0, len(keys), size):
        yield keys[i : i + size]


def group_rows(
    rows: Iterable[Any], key: Callable[[Any], Any], make: Callable[[Any], R]
) -> dict[Any, list[R]]:
    out: dict[Any, list[R]] = defaultdict(list)
    for row in rows:
        out[key(row)].append(make(row))
    return out


def _placeholders(paramstyle: str, n: int) -> str:
    if paramstyle == "qmark":
        return ", ".join("?" * n)
    if paramstyle in ("format", "pyformat"):
        return ", ".join(["%s"] * n)
    if paramstyle == "numeric":
        return ", ".join(f":{i}" for i in range(1, n + 1))
    if paramstyle == "numeric_dollar":
        return ", ".join(f"${i}" for i in range(1, n + 1))
    raise ValueError(f"unsupported DBAPI paramstyle {paramstyle!r}")


class KeyedQuery:
    """``stmt WHERE key IN (:keys)``, compiled once per dialect and number of keys.

    SQLAlchemy's per-execution overhead (cache keys, result metadata) costs about four times
    the query itself on an indexed SQLite look-up; this keeps the SQL and the column types from
    Core and runs the compiled string through ``exec_driver_sql``.
    """

    _MARK = "__[POSTCOMPILE___keys]"

    def __init__(self, stmt: Select[Any], key: Any) -> None:
        self.base = stmt  # without the key condition
        self.key = key
        self.stmt = stmt.where(key.in_(bindparam("__keys", expanding=True)))
        self._compiled: dict[tuple[str, int], str] = {}
        self._processors: dict[str, list[Any] | None] = {}

    def _sql(self, dialect: Dialect, n: int) -> str:
        cache_key = (dialect.name, n)
        sql = self._compiled.get(cache_key)
        if sql is None:
            compiled = self.stmt.compile(dialect=dialect)
            if list(compiled.positiontup or compiled.binds) != ["__keys"]:
                raise ValueError("a KeyedQuery statement may bind only its keys")
            sql = compiled.string.replace(self._MARK, _placeholders(dialect.paramstyle, n))
            self._compiled[cache_key] = sql
        return sql

    def _row_processors(self, dialect: Dialect) -> list[Any] | None:
        """Result conversions of the column types. Only SQLite needs them (dates come back as
        text, decimals as floats); PostgreSQL drivers return ``date`` and ``Decimal`` already."""
        if dialect.name != "sqlite":
            return None
        if dialect.name not in self._processors:
            procs = [
                c.type.dialect_impl(dialect).result_processor(dialect, None)
                for c in self.stmt.selected_columns
            ]
            self._processors[dialect.name] = procs if any(procs) else None
        return self._processors[dialect.name]

    def rows(self, conn: Connection, keys: Sequence[Any]) -> list[tuple[Any, ...]]:
        if not keys:
            return []
        dialect = conn.dialect
        raw: list[Any] = []
        # The DBAPI cursor of the pooled connection: no per-execution statement bookkeeping.
        dbapi = conn.connection.dbapi_connection
        if dbapi is None:  # only after the pool invalidated it; a fresh checkout has one
            raise RuntimeError("the pooled connection has no DBAPI connection")
        cursor = dbapi.cursor()
        try:
            for part in chunks(list(dict.fromkeys(keys))):
                cursor.execute(self._sql(dialect, len(part)), tuple(part))
                raw.extend(cursor.fetchall())
        finally:
            cursor.close()
        procs = self._row_processors(dialect)
        if procs is None:
            return [tuple(r) for r in raw]
        return [
            tuple(v if p is None or v is None else p(v) for p, v in zip(procs, r, strict=True))
            for r in raw
        ]


class DatabaseSource:
    """Base of every embedded source: owns the engine, one worker thread and job coalescing.

    At most one job per source is in flight; look-ups that arrive meanwhile wait and leave
    together in the next job, so under load a source makes far fewer thread hops than look-ups.
    """

    connector: str = "agency"

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._executor = ThreadPoolExecutor(1, thread_name_prefix=f"{self.connector}-db")
        self._pending: list[Job] = []
        self._busy = False

    async def run(self, fn: Callable[..., R], *args: Any) -> R:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._pending.append((fn, args, future))
        if len(self._pending) == 1 and not self._busy:
            self._flush_after(loop, COALESCE_TICKS)
        return await future

    async def ping(self) -> None:
        """Raise unless the agency database answers."""
        await self.run(_ping)

    async def write(self, fn: Callable[..., R], *args: Any) -> R:
        """Run ``fn(conn, *args)`` in a transaction of its own, committed when it returns."""
        return await self.run(_in_transaction, fn, *args)

    def _flush_after(self, loop: asyncio.AbstractEventLoop, ticks: int) -> None:
        if ticks > 0:
            loop.call_soon(self._flush_after, loop, ticks - 1)
            return
        if self._busy or not self._pending:
            return
        jobs, self._pending = self._pending, []
        self._busy = True
        loop.run_in_executor(self._executor, self._run_jobs, loop, jobs)

    def _run_jobs(self, loop: asyncio.AbstractEventLoop, jobs: list[Job]) -> None:
        outcomes: list[Outcome] = []
        database_errors = (SQLAlchemyError, self.engine.dialect.loaded_dbapi.Error)
        try:
            with self.engine.connect() as conn:
                for fn, args, future in jobs:
                    try:
                        outcomes.append((future, fn(conn, *args), None))
                    except database_errors as exc:
                        outcomes.append((future, None, self._failure(exc)))
                    except Exception as exc:
                        outcomes.append((future, None, exc))
        except database_errors as exc:  # no connection at all
            failure = self._failure(exc)
            done = {id(f) for f, _, _ in outcomes}
            outcomes += [(f, None, failure) for _, _, f in jobs if id(f) not in done]
        except BaseException as exc:  # never leave callers waiting
            done = {id(f) for f, _, _ in outcomes}
            outcomes += [(f, None, exc) for _, _, f in jobs if id(f) not in done]
        loop.call_soon_threadsafe(self._deliver, loop, outcomes)

    def _deliver(self, loop: asyncio.AbstractEventLoop, outcomes: list[Outcome]) -> None:
        self._busy = False
        _deliver(outcomes)
        if self._pending:
            self._flush_after(loop, 0)

    def _failure(self, exc: BaseException) -> ConnectorUnavailable:
        error = ConnectorUnavailable(
            self.connector, f"{self.connector}: agency database error ({type(exc).__name__})"
        )
        error.__cause__ = exc
        return error

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()


def _ping(conn: Connection) -> None:
    conn.exec_driver_sql("SELECT 1").close()


def _in_transaction(conn: Connection, fn: Callable[..., R], *args: Any) -> R:
    conn.commit()  # end the read transaction earlier jobs of this batch began
    try:
        result = fn(conn, *args)
        conn.commit()
    except BaseException:
        conn.rollback()
        raise
    return result


def _deliver(outcomes: list[Outcome]) -> None:
    for future, result, error in outcomes:
        if future.done():  # the caller gave up (timeout, cancellation)
            continue
        if error is None:
            future.set_result(result)
        else:
            future.set_exception(error)
