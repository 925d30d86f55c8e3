"""KeyedQuery: batch look-ups whose IN list SQLAlchemy renders through its public API.

The SQL for a number of keys is what SQLAlchemy itself renders for the ``expanding`` parameter
(``render_postcompile``), on every driver the hub meets: positional (SQLite, asyncpg) and named
(psycopg) parameter styles.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import (
    Column,
    Date,
    Engine,
    MetaData,
    Numeric,
    String,
    Table,
    create_engine,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.pool import StaticPool

from connectors.base.source import MAX_IN_PARAMS, KeyedQuery

metadata = MetaData()
things = Table(
    "keyed_things",
    metadata,
    Column("key", String(8), primary_key=True),
    Column("day", Date, nullable=False),
    Column("amount", Numeric(10, 2), nullable=False),
    Column("note", String(8)),
)
QUERY = KeyedQuery(select(things.c.key, things.c.day, things.c.amount), things.c.key)
ROWS = 2_500


def key(i: int) -> str:
    return f"k{i:05d}"


def row(i: int) -> tuple[str, date, Decimal]:
    return (key(i), date(2026, 1, 1 + i % 28), Decimal(f"{i}.25"))


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    engine = create_engine("sqlite://", poolclass=StaticPool)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(
            insert(things),
            [dict(zip(("key", "day", "amount"), row(i), strict=True)) for i in range(ROWS)],
        )
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.mark.parametrize("n", [1, 2, 17, MAX_IN_PARAMS, MAX_IN_PARAMS + 1, ROWS])
def test_every_key_is_answered_once_with_its_types(engine: Engine, n: int) -> None:
    # given n known keys (in reverse order), each asked twice, and an unknown one
    keys = [key(i) for i in reversed(range(n))]
    with engine.connect() as conn:
        # when they are looked up
        got = QUERY.rows(conn, [*keys, *keys, "nobody"])
    # then each known key's row comes once, dates and decimals as such
    assert sorted(got) == [row(i) for i in range(n)]


def test_no_keys_ask_nothing(engine: Engine) -> None:
    with engine.connect() as conn:
        assert QUERY.rows(conn, []) == []


DIALECTS = {
    "sqlite": sqlite.pysqlite.dialect(),
    "asyncpg": postgresql.asyncpg.dialect(),
    "psycopg2": postgresql.psycopg2.dialect(),
    "psycopg": postgresql.psycopg.dialect(),
}


@pytest.mark.parametrize("name", DIALECTS)
@pytest.mark.parametrize("n", [1, 3, 50])
def test_the_sql_is_sqlalchemys_own_rendering(name: str, n: int) -> None:
    # given a driver and a number of keys
    dialect: Dialect = DIALECTS[name]
    # when the query is rendered for them
    sql, names = QUERY._sql(dialect, n)
    # then it is what SQLAlchemy renders for the expanding parameter, bound to n values
    rendered = QUERY.stmt.params(keys=[f"v{i}" for i in range(n)]).compile(
        dialect=dialect, compile_kwargs={"render_postcompile": True}
    )
    assert sql == rendered.string
    assert "POSTCOMPILE" not in sql
    if rendered.positional:
        assert names is None
        assert len(rendered.positiontup or ()) == n
    else:  # named: the keys go by the names in the order the IN list has them
        assert names == re.findall(r"%\((\w+)\)s", sql)
        assert len(names) == n


def test_a_statement_that_binds_more_than_its_keys_is_refused() -> None:
    # given a statement with a bound value of its own besides the keys
    query = KeyedQuery(select(things.c.key).where(things.c.note == "x"), things.c.key)
    # then it cannot be rendered as a keyed query
    with pytest.raises(ValueError, match="may bind only its keys"):
        query._sql(DIALECTS["sqlite"], 2)


class _NamedCursor:
    """A DBAPI cursor of a named-parameter driver, over the rows above."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []
        self._result: list[tuple[Any, ...]] = []

    def execute(self, sql: str, params: Any) -> None:
        assert isinstance(params, dict), params
        assert re.findall(r"%\((\w+)\)s", sql) == list(params), (sql, params)
        self.calls.append((sql, params))
        wanted = set(params.values())
        self._result = [row(i) for i in range(ROWS) if key(i) in wanted]

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._result

    def close(self) -> None:
        pass


def test_a_named_paramstyle_gets_each_key_by_its_name() -> None:
    # given a connection of a driver with named parameters (psycopg)
    cursor = _NamedCursor()
    conn: Any = SimpleNamespace(
        dialect=DIALECTS["psycopg"],
        connection=SimpleNamespace(dbapi_connection=SimpleNamespace(cursor=lambda: cursor)),
    )
    keys = [key(i) for i in (7, 3, 1_000, 5)]
    # when keys are looked up
    got = QUERY.rows(conn, keys)
    # then one statement carried every key under its own name, and their rows came back
    [(_, params)] = cursor.calls
    assert list(params.values()) == keys
    assert sorted(got) == sorted(row(i) for i in (7, 3, 1_000, 5))


@pytest.mark.postgres
async def test_rows_on_postgresql_through_asyncpg() -> None:
    # given a table on PostgreSQL, read the way the court source reads it (asyncpg, run_sync)
    from sqlalchemy.ext.asyncio import create_async_engine

    from hub.config import async_url

    engine = create_async_engine(async_url(os.environ["HUB_TEST_DATABASE_URL"]))
    table = Table(
        f"keyed_things_{uuid.uuid4().hex[:8]}",
        MetaData(),
        *(Column(c.name, c.type, primary_key=c.primary_key) for c in things.columns),
    )
    query = KeyedQuery(select(table.c.key, table.c.day, table.c.amount), table.c.key)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(table.create)
            await conn.execute(
                insert(table),
                [dict(zip(("key", "day", "amount"), row(i), strict=True)) for i in range(ROWS)],
            )
        async with engine.connect() as conn:
            # when more keys than one statement takes are looked up
            keys = [key(i) for i in range(0, ROWS, 2)]
            got = await conn.run_sync(lambda c: query.rows(c, [*keys, "nobody"]))
        # then every row comes back once, typed by the driver
        assert sorted(got) == [row(i) for i in range(0, ROWS, 2)]
    finally:
        async with engine.begin() as conn:
            await conn.run_sync(table.drop)
        await engine.dispose()
