"""Reads of the audit log for the auditor's workspace: search, access history, proofs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.audit.integrator import latest_checkpoint
from hub.audit.merkle import consistency_proof, inclusion_proof
from hub.audit.models import audit_checkpoints, audit_entries, audit_leaves


@dataclass(frozen=True)
class EventFilter:
    subject_index: str | None = None
    user_id: str | None = None
    org: str | None = None
    case_number: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    outcome: str | None = None
    flag: str | None = None


async def search(
    conn: AsyncConnection, f: EventFilter, *, first: int, before_id: int | None
) -> list[dict[str, Any]]:
    """Newest first; ``first + 1`` rows so the caller knows whether there is a next page."""
    e = audit_entries
    stmt = (
        select(e, audit_leaves.c.leaf_index)
        .select_from(e.outerjoin(audit_leaves, audit_leaves.c.entry_id == e.c.id))
        .order_by(e.c.id.desc())
        .limit(first + 1)
    )
    if before_id is not None:
        stmt = stmt.where(e.c.id < before_id)
    if f.subject_index is not None:
        stmt = stmt.where(e.c.subject_index == f.subject_index)
    if f.user_id is not None:
        stmt = stmt.where(e.c.user_id == f.user_id)
    if f.org is not None:
        stmt = stmt.where(e.c.org == f.org)
    if f.case_number is not None:
        stmt = stmt.where(e.c.case_number == f.case_number)
    if f.since is not None:
        stmt = stmt.where(e.c.occurred_at >= f.since)
    if f.until is not None:
        stmt = stmt.where(e.c.occurred_at < f.until)
    if f.outcome is not None:
        stmt = stmt.where(e.c.outcome == f.outcome)
    if f.flag is not None:
        stmt = stmt.where((" " + e.c.flags + " ").contains(f" {f.flag} "))
    return [dict(r._mapping) for r in await conn.execute(stmt)]


async def leaf_hashes(conn: AsyncConnection, size: int) -> list[bytes]:
    stmt = (
        select(audit_leaves.c.leaf_hash)
        .where(audit_leaves.c.leaf_index < size)
        .order_by(audit_leaves.c.leaf_index)
    )
    return [bytes(h) for h in (await conn.execute(stmt)).scalars()]


async def checkpoint_at(conn: AsyncConnection, size: int | None) -> Any:
    if size is None:
        return await latest_checkpoint(conn)
    stmt = select(audit_checkpoints).where(audit_checkpoints.c.tree_size == size)
    return (await conn.execute(stmt)).first()


async def leaf_of_entry(conn: AsyncConnection, entry_id: int) -> Any:
    stmt = select(audit_leaves).where(audit_leaves.c.entry_id == entry_id)
    return (await conn.execute(stmt)).first()


def inclusion(leaves: Sequence[bytes], index: int) -> list[bytes]:
    return inclusion_proof(index, leaves)


def consistency(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    return consistency_proof(old_size, leaves)
