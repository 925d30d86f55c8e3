"""Bulk-loading generated rows: (re)create the tables of a metadata and fill them fast."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, MetaData, create_engine, event

__all__ = ["write_tables"]

# Rows per executemany call: large enough to amortise the call, small enough to bound memory.
_BATCH = 20_000


def write_tables(
    url: str, metadata: MetaData, rows: Mapping[str, Sequence[Mapping[str, Any]]]
) -> None:
    """Drop and recreate the tables of ``metadata`` at ``url`` and insert ``rows`` into them.

    ``rows`` maps table names to rows (column name -> value); tables it does not name stay empty.
    The load is one transaction. Secondary indexes are built after the load, which is faster
    than maintaining them row by row. On SQLite the load runs with ``synchronous=OFF`` and the
    file is left in WAL mode.
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
                    _insert(conn, table.name, metadata, table_rows)
            for index in indexes:
                index.create(conn)
        if sqlite:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    finally:
        engine.dispose()


def _insert(
    conn: Connection, name: str, metadata: MetaData, table_rows: Sequence[Mapping[str, Any]]
) -> None:
    stmt = metadata.tables[name].insert()
    for start in range(0, len(table_rows), _BATCH):
        conn.execute(stmt, list(table_rows[start : start + _BATCH]))
