"""Bulk-loading generated rows: (re)create the tables of a metadata and fill them fast."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, MetaData, Table, create_engine, event

__all__ = ["write_tables"]

# Rows per executemany call: large enough to amortise the call, small enough to bound memory.
_BATCH = 20_000


def write_tables(
    url: str,
    metadata: MetaData,
    rows: Mapping[str, Sequence[Mapping[str, Any]]],
    *,
    on_rows: Callable[[int], None] | None = None,
) -> None:
    """Drop and recreate the tables of ``metadata`` at ``url`` and insert ``rows`` into them.

    ``rows`` maps table names to rows (column name -> value); tables it does not name stay empty.
    The load is one transaction. Secondary indexes are built after the load, which is faster
    than maintaining them row by row. On SQLite the load runs with ``synchronous=OFF`` and the
    file is left in WAL mode. ``on_rows`` is told of each batch of rows inserted (its size).
    """
    unknown = sorted(name for name in rows if name not in metadata.tables)
    if unknown:
        raise ValueError(f"rows for tables not in the metadata: {', '.join(unknown)}")
    engine = create_engine(url)
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("PRAGMA foreign_keys=OFF")
            cur.close()

    try:
        with engine.begin() as conn:
            metadata.drop_all(conn)
            metadata.create_all(conn)
            indexes = [index for table in metadata.sorted_tables for index in table.indexes]
            for index in indexes:  # rebuilt after the load
                index.drop(conn)
            for table in metadata.sorted_tables:
                table_rows = rows.get(table.name)
                if table_rows:
                    _insert(conn, table.name, metadata, table_rows, on_rows)
            for index in indexes:
                index.create(conn)
        if sqlite:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    finally:
        engine.dispose()


def _insert(
    conn: Connection,
    name: str,
    metadata: MetaData,
    table_rows: Sequence[Mapping[str, Any]],
    on_rows: Callable[[int], None] | None,
) -> None:
    table = metadata.tables[name]
    names = [c.name for c in table.columns if c.name in table_rows[0]]
    try:
        tuples = _uniform_tuples(names, table_rows)
    except KeyError:  # rows name different columns: a key a row leaves out is NULL
        names = _column_names(table, table_rows)
        tuples = [tuple(row.get(n) for n in names) for row in table_rows]
    if conn.dialect.name == "sqlite":
        # Positional tuples straight to the driver, bound as SQLAlchemy binds them.
        dialect = conn.dialect
        processors = [
            (i, proc)
            for i, n in enumerate(names)
            if (proc := table.c[n].type.dialect_impl(dialect).bind_processor(dialect)) is not None
        ]
        sql = str(table.insert().compile(dialect=dialect, column_keys=names))
        for start in range(0, len(tuples), _BATCH):
            batch = tuples[start : start + _BATCH]
            if processors:
                batch = [_bind(values, processors) for values in batch]
            conn.exec_driver_sql(sql, batch)
            if on_rows is not None:
                on_rows(len(batch))
        return
    stmt = table.insert()
    for start in range(0, len(tuples), _BATCH):
        params = [dict(zip(names, t, strict=True)) for t in tuples[start : start + _BATCH]]
        conn.execute(stmt, params)
        if on_rows is not None:
            on_rows(len(params))


def _uniform_tuples(
    names: list[str], table_rows: Sequence[Mapping[str, Any]]
) -> list[tuple[Any, ...]]:
    """Rows as tuples in ``names`` order; KeyError unless every row has exactly those keys."""
    if not names:
        raise KeyError("the first row names no column")
    get = itemgetter(*names)
    width = len(names)
    out: list[tuple[Any, ...]] = []
    append = out.append
    for row in table_rows:
        if len(row) != width:
            raise KeyError(width)
        append(get(row) if width > 1 else (get(row),))
    return out


def _column_names(table: Table, table_rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The table's columns that any row names, in table order; ValueError for unknown keys."""
    keys: set[str] = set()
    for row in table_rows:
        keys.update(row)
    unknown = sorted(keys - set(table.c.keys()))
    if unknown:
        raise ValueError(f"rows for {table.name} name unknown columns: {', '.join(unknown)}")
    return [c.name for c in table.columns if c.name in keys]


def _bind(values: tuple[Any, ...], processors: list[tuple[int, Any]]) -> tuple[Any, ...]:
    out = list(values)
    for i, proc in processors:
        value = out[i]
        if value is not None:
            out[i] = proc(value)
    return tuple(out)
