"""A large audit log made fast: entries, leaves and signed checkpoints inserted in bulk, as the
integrator would have left them (the log verifies), for the scale benchmark and the tests of
verification that does not grow with the log.

The tree is grown and each batch's checkpoint signed by the integrator's own function
(``hub.audit.integrator._grow``: leaves, signed note, stored tree state), so the rows are the
integrator's; only the inserts are bulk (``COPY`` on PostgreSQL, ``executemany`` on SQLite).
Entry ids run from 1 (after whatever the log already holds is refused: start from an empty log).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from connectors.base.tlog.merkle import TreeBuilder
from hub.audit import tiles
from hub.audit.entries import canonical, content_hash
from hub.audit.integrator import BATCH, _grow
from hub.audit.keys import AuditKeys
from hub.audit.models import audit_checkpoints, audit_entries, audit_leaves

ACTIONS = ("PROFILE_VIEW", "PROFILE_VIEW", "PROFILE_VIEW", "REFERENCE_VIEW", "SANCTION_CHECK")


def synthetic_entry(i: int, when: datetime) -> dict[str, Any]:
    """Entry ``i`` (its id), recorded at ``when``: a judge's look-up of a person, with contents
    shaped like the hub's (the subject encrypted, the fields granted, the connectors called)."""
    salt = hashlib.sha256(b"salt" + i.to_bytes(8, "big")).digest()[:16]
    content = canonical(
        {
            "subject": f"enc-{i:012d}",
            "fields": {"granted": ["Identity.name", "Identity.idNumber", "RealEstate.address"]},
            "connectors": {"public_security": "OK", "real_estate": "OK"},
            "latencyMs": 3.1,
            "client": "10.0.0.7",
        }
    ).decode()
    return {
        "id": i,
        "occurred_at": when,
        "request_id": f"req-{i:012d}",
        "user_id": f"judge-{i % 97}",
        "org": "court:370602",
        "roles": "enforcement_judge",
        "case_number": f"（2026）鲁0602执{i % 5000 + 1}号",
        "action": ACTIONS[i % len(ACTIONS)],
        "subject_kind": "PERSON",
        "subject_index": hashlib.sha256(i.to_bytes(8, "big")).hexdigest(),
        "outcome": "OK",
        "flags": "",
        "content": content,
        "salt": salt,
        "content_hash": content_hash(salt, content),
        "redacted_at": None,
        "subjects_hash": None,
    }


def recorded_at(i: int, n: int, *, last_day: int, end: datetime) -> datetime:
    """When entry ``i`` of ``n`` was recorded: the last ``last_day`` entries on the day before
    ``end`` (an export of that court day holds exactly them), the others one a second before."""
    first_of_day = n - last_day + 1
    day_start = end - timedelta(days=1)
    if i >= first_of_day:
        return day_start + (i - first_of_day) * (timedelta(days=1) / max(last_day, 1))
    return day_start - timedelta(seconds=first_of_day - i)


async def _copy(conn: AsyncConnection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Bulk insert: PostgreSQL's COPY (moments in UTC, as the column type stores them), else
    SQLAlchemy's executemany through the column types."""
    if conn.dialect.name == "postgresql":
        columns = [c.name for c in table.columns]
        raw = await conn.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(  # type: ignore[union-attr]
            table.name, records=[tuple(r[c] for c in columns) for r in rows], columns=columns
        )
        return
    await conn.execute(table.insert(), rows)


async def generate(
    engine: AsyncEngine,
    keys: AuditKeys,
    n: int,
    *,
    batch: int = BATCH,
    last_day: int = 100_000,
    end: datetime | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Insert ``n`` entries with their leaves, a signed checkpoint every ``batch`` (and at the
    end); returns the tree size. ``last_day`` entries are recorded on the court day before
    ``end`` (default: today's start, UTC+8)."""
    async with engine.connect() as conn:
        if (await conn.execute(select(func.count()).select_from(audit_entries))).scalar():
            raise ValueError("the audit log is not empty: generate into a fresh database")
    if end is None:
        now = datetime.now(UTC) + timedelta(hours=8)
        end = datetime(now.year, now.month, now.day, tzinfo=UTC) - timedelta(hours=8)
    last_day = min(last_day, n)
    builder = TreeBuilder()
    done = 0
    while done < n:
        ids = range(done + 1, min(n, done + batch) + 1)
        entries = [synthetic_entry(i, recorded_at(i, n, last_day=last_day, end=end)) for i in ids]
        base = builder.size
        async with engine.begin() as conn:
            # the tiles as the integrator grows them: from the partial tiles of the tree so far
            edge = await tiles.edge(conn, base)
            leaves, checkpoint, grown = _grow(builder, entries, keys, edge)
            await _copy(conn, audit_entries, entries)
            await _copy(conn, audit_leaves, leaves)
            await tiles.write(conn, grown, stored=tiles.edge_ids(base).values())
            await _copy(conn, audit_checkpoints, [checkpoint])
        done += len(entries)
        if progress is not None:
            progress(done)
    if engine.dialect.name == "postgresql":
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "SELECT setval(pg_get_serial_sequence('audit_entries', 'id'),"
                    " (SELECT max(id) FROM audit_entries))"
                )
            )
    return builder.size


def describe(n: int, batch: int) -> str:
    return json.dumps({"entries": n, "checkpoints": -(-n // batch), "batch": batch})
