"""The embedded source seam: SQL straight to an agency database, one thread hop per batch look-up.

A look-up is a plain function ``fn(conn, keys)`` run on a worker thread with a pooled
connection; the event loop never blocks on the database. Every batch look-up answers all its
keys in one call, so a request for N subjects costs one query per look-up, not N.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, Select, Table, create_engine, event, select
from sqlalchemy.exc import SQLAlchemyError

from connectors.base.errors import ConnectorUnavailable

T = TypeVar("T")
R = TypeVar("R")

# SQLite caps the number of bound parameters; stay well below it.
MAX_IN_PARAMS = 900


def make_engine(url: str) -> Engine:
    """A synchronous engine for an agency database; SQLite files get WAL and a busy timeout."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

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


class DatabaseSource:
    """Base of every embedded source: owns the engine and the worker threads."""

    connector: str = "agency"

    def __init__(self, url: str, *, max_workers: int = 4) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._executor = ThreadPoolExecutor(max_workers, thread_name_prefix=f"{self.connector}-db")

    async def run(self, fn: Callable[..., R], *args: Any) -> R:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._call, fn, args)

    def _call(self, fn: Callable[..., R], args: tuple[Any, ...]) -> R:
        try:
            with self.engine.connect() as conn:
                return fn(conn, *args)
        except SQLAlchemyError as exc:
            raise ConnectorUnavailable(
                self.connector, f"{self.connector}: agency database error ({type(exc).__name__})"
            ) from exc

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()


def select_in(conn: Connection, stmt: Select[Any], column: Any, keys: Sequence[Any]) -> list[Any]:
    """Run ``stmt WHERE column IN keys`` in parameter-safe chunks."""
    rows: list[Any] = []
    for part in chunks(list(keys)):
        rows.extend(conn.execute(stmt.where(column.in_(part))).all())
    return rows
