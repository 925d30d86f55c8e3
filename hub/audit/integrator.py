"""The integrator: appends recorded entries to the Merkle tree in batches and signs checkpoints.

One integrator works at a time: on PostgreSQL a transaction-scoped advisory lock decides, and
on any database the unique leaf index makes a second writer's batch fail and roll back whole.
Requests never wait on it: they only insert entries; leaves and checkpoints follow within
about a second. A checkpoint is only ever signed for a tree that extends the previous one (the
tree is grown from the previous checkpoint's stored state), so no two checkpoints disagree.
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import exists, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from hub.audit.checkpoint import Checkpoint, sign_note
from hub.audit.entries import leaf_data
from hub.audit.keys import AuditKeys
from hub.audit.merkle import TreeBuilder, leaf_hash
from hub.audit.models import audit_checkpoints, audit_entries, audit_leaves
from hub.db.engine import lock_for_write
from hub.periodic import Periodic

log = logging.getLogger("hub.audit")
LOCK_KEY = 0x66797461  # "fyta"
BATCH = 2_000
# Entries can commit out of id order; look this far behind the newest integrated entry.
LOOKBEHIND = 100_000


def dump_state(builder: TreeBuilder) -> str:
    size, stack = builder.state()
    return json.dumps(
        {"size": size, "stack": [[h, base64.b64encode(d).decode()] for h, d in stack]}
    )


def load_state(raw: str) -> TreeBuilder:
    data = json.loads(raw)
    return TreeBuilder.from_state(
        data["size"], [(h, base64.b64decode(d)) for h, d in data["stack"]]
    )


def _grow(
    builder: TreeBuilder, pending: list[dict[str, Any]], keys: AuditKeys
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Append the entries' leaves to the tree; the new leaves and the signed checkpoint row."""
    leaves = []
    for entry in pending:
        lh = leaf_hash(leaf_data(entry))
        leaves.append({"leaf_index": builder.size, "entry_id": entry["id"], "leaf_hash": lh})
        builder.append(lh)
    checkpoint = Checkpoint(keys.origin, builder.size, builder.root())
    row = {
        "tree_size": checkpoint.size,
        "root": checkpoint.root,
        "note": sign_note(checkpoint.body(), keys.origin, keys.signing),
        "state": dump_state(builder),
        "created_at": datetime.now(UTC),
    }
    return leaves, row


async def latest_checkpoint(conn: AsyncConnection) -> Any:
    stmt = select(audit_checkpoints).order_by(audit_checkpoints.c.tree_size.desc()).limit(1)
    return (await conn.execute(stmt)).first()


async def _lock(conn: AsyncConnection) -> bool:
    if conn.dialect.name != "postgresql":
        return True
    return bool(
        (await conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY})).scalar()
    )


async def integrate(engine: AsyncEngine, keys: AuditKeys, *, batch: int = BATCH) -> int | None:
    """Integrate pending entries; returns the new tree size, or None if another integrator
    holds the lock or won the race.

    The pending entries are read and hashed outside any write transaction: on SQLite the
    write lock is taken only to append the leaves, so request writers never wait for the
    hashing. The append checks that the tree is still the one the batch was built on.
    """
    async with engine.connect() as conn:
        last = await latest_checkpoint(conn)
        builder = load_state(last.state) if last else TreeBuilder()
        newest = (await conn.execute(select(func.max(audit_leaves.c.entry_id)))).scalar() or 0
        pending_stmt = (
            select(audit_entries)
            .where(
                audit_entries.c.id > max(0, newest - LOOKBEHIND),
                ~exists().where(audit_leaves.c.entry_id == audit_entries.c.id),
            )
            .order_by(audit_entries.c.id)
            .limit(batch)
        )
        pending = [dict(r._mapping) for r in await conn.execute(pending_stmt)]
    if not pending:
        return builder.size
    base = builder.size
    # Hashing a batch is CPU work: a worker thread keeps the event loop free for requests.
    leaves, row = await asyncio.to_thread(_grow, builder, pending, keys)
    try:
        async with engine.begin() as conn:
            await lock_for_write(conn)
            if not await _lock(conn):
                return None
            current = await latest_checkpoint(conn)
            if (current.tree_size if current else 0) != base:
                return None  # another integrator appended meanwhile; the next tick goes on
            await conn.execute(insert(audit_leaves), leaves)
            await conn.execute(insert(audit_checkpoints), row)
            return builder.size
    except IntegrityError:
        return None  # another integrator appended the same leaves first; its batch stands


class Integrator(Periodic):
    """Runs :func:`integrate` every ``interval`` seconds in the background of a hub process."""

    name = "audit integration"

    def __init__(self, engine: AsyncEngine, keys: AuditKeys, interval: float = 0.2) -> None:
        super().__init__(interval)
        self.engine = engine
        self.keys = keys

    async def tick(self) -> None:
        await integrate(self.engine, self.keys)
