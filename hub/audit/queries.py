"""Reads of the audit log for the auditor's workspace: search, access history, proofs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from connectors.base.tlog.merkle import verify_consistency, verify_inclusion
from hub.audit import tiles
from hub.audit.integrator import latest_checkpoint
from hub.audit.models import audit_checkpoints, audit_entries, audit_leaves, audit_subjects
from hub.audit.witness import cosigned_note
from hub.errors import AuditUnavailable


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
    exclude_action: str | None = None  # e.g. the auditors' own searches (AUDIT_QUERY)


async def search(
    conn: AsyncConnection,
    f: EventFilter,
    *,
    first: int,
    before: tuple[int, int | None] | None,
) -> list[dict[str, Any]]:
    """Newest first; ``first + 1`` rows so the caller knows whether there is a next page.

    Filtered by subject, an entry for many subjects (a batch sanction check) counts once per
    row of that subject, with the row's kind, outcome, contents and ``position`` (newest
    first, then by position from the end); other rows have ``position`` None. ``before`` is
    the (entry id, position) of the last row of the previous page.
    """
    e = audit_entries
    stmt = (
        select(e, audit_leaves.c.leaf_index)
        .select_from(e.outerjoin(audit_leaves, audit_leaves.c.entry_id == e.c.id))
        .order_by(e.c.id.desc())
        .limit(first + 1)
    )
    if before is not None:
        stmt = stmt.where(e.c.id < before[0])
    stmt = _narrowed(stmt, f, e.c.subject_index, e.c.outcome)
    rows = [{**r._mapping, "position": None} for r in await conn.execute(stmt)]
    if f.subject_index is None:
        return rows
    s = audit_subjects
    batch = (
        select(
            e,
            audit_leaves.c.leaf_index,
            s.c.position,
            s.c.subject_kind.label("s_kind"),
            s.c.subject_index.label("s_index"),
            s.c.outcome.label("s_outcome"),
            s.c.content.label("s_content"),
            s.c.redacted_at.label("s_redacted_at"),
        )
        .select_from(
            s.join(e, e.c.id == s.c.entry_id).outerjoin(
                audit_leaves, audit_leaves.c.entry_id == e.c.id
            )
        )
        .order_by(e.c.id.desc(), s.c.position.desc())
        .limit(first + 1)
    )
    if before is not None:
        last_id, last_position = before
        stmt_before = e.c.id < last_id
        if last_position is not None:
            stmt_before = or_(stmt_before, and_(e.c.id == last_id, s.c.position < last_position))
        batch = batch.where(stmt_before)
    batch = _narrowed(batch, f, s.c.subject_index, s.c.outcome)
    for r in await conn.execute(batch):
        row = dict(r._mapping)
        row["entry_content"] = row["content"]
        row["subject_kind"] = row.pop("s_kind")
        row["subject_index"] = row.pop("s_index")
        row["outcome"] = row.pop("s_outcome")
        row["content"] = row.pop("s_content")
        row["redacted_at"] = row.pop("s_redacted_at")
        rows.append(row)
    rows.sort(key=lambda r: (r["id"], -1 if r["position"] is None else r["position"]), reverse=True)
    return rows[: first + 1]


async def count(conn: AsyncConnection, f: EventFilter) -> int:
    """How many rows :func:`search` finds on all its pages: entries, and filtered by subject
    also the subject rows of entries for many subjects (each counts once per row)."""
    e, s = audit_entries, audit_subjects
    entries = _narrowed(select(func.count()).select_from(e), f, e.c.subject_index, e.c.outcome)
    total = int((await conn.execute(entries)).scalar_one())
    if f.subject_index is None:
        return total
    rows = _narrowed(
        select(func.count()).select_from(s.join(e, e.c.id == s.c.entry_id)),
        f,
        s.c.subject_index,
        s.c.outcome,
    )
    return total + int((await conn.execute(rows)).scalar_one())


def _narrowed(stmt: Any, f: EventFilter, subject_index: Any, outcome: Any) -> Any:
    e = audit_entries
    if f.exclude_action is not None:
        stmt = stmt.where(e.c.action != f.exclude_action)
    if f.subject_index is not None:
        stmt = stmt.where(subject_index == f.subject_index)
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
        stmt = stmt.where(outcome == f.outcome)
    if f.flag is not None:
        stmt = stmt.where((" " + e.c.flags + " ").contains(f" {f.flag} "))
    return stmt


async def subject_in_log(conn: AsyncConnection, subject_index: str) -> bool:
    """Whether any entry (other than an auditor's own search) or subject row is about this
    subject: the indexed look-up behind an empty subject search."""
    e, s = audit_entries, audit_subjects
    found = (
        await conn.execute(
            select(e.c.id)
            .where(e.c.subject_index == subject_index, e.c.action != "AUDIT_QUERY")
            .limit(1)
        )
    ).first()
    if found is not None:
        return True
    row = (
        await conn.execute(select(s.c.entry_id).where(s.c.subject_index == subject_index).limit(1))
    ).first()
    return row is not None


async def checkpoint_at(conn: AsyncConnection, size: int | None) -> Any:
    """The checkpoint of ``size`` (the latest for None), its note carrying the witnesses'
    cosignatures stored so far; None when there is none."""
    if size is None:
        row = await latest_checkpoint(conn)
    else:
        stmt = select(audit_checkpoints).where(audit_checkpoints.c.tree_size == size)
        row = (await conn.execute(stmt)).first()
    if row is None:
        return None
    return SimpleNamespace(**{**row._mapping, "note": await cosigned_note(conn, row)})


async def leaf_of_entry(conn: AsyncConnection, entry_id: int) -> Any:
    stmt = select(audit_leaves).where(audit_leaves.c.entry_id == entry_id)
    return (await conn.execute(stmt)).first()


DAMAGED = (
    "the audit log's stored tree does not match its signed checkpoint, so no proof is given;"
    " tell the operator (`fyt audit verify` names what is wrong)"
)


async def inclusion(conn: AsyncConnection, leaf: Any, checkpoint: Any) -> list[bytes]:
    """The inclusion proof of ``leaf`` (an ``audit_leaves`` row) in the tree of ``checkpoint``,
    read from the O(log n) tiles it needs and checked against the signed root before it is
    given: damaged tiles give :class:`AuditUnavailable`, never a proof that does not verify."""
    index, size = leaf.leaf_index, checkpoint.tree_size
    try:
        proof = await tiles.inclusion_proof(conn, index, size)
    except tiles.TilesMissing:
        raise AuditUnavailable(DAMAGED) from None
    if not verify_inclusion(index, size, bytes(leaf.leaf_hash), proof, bytes(checkpoint.root)):
        raise AuditUnavailable(DAMAGED)
    return proof


async def consistency(conn: AsyncConnection, old: Any, new: Any) -> list[bytes]:
    """The consistency proof between the trees of checkpoints ``old`` and ``new``, from tiles,
    checked against both signed roots before it is given."""
    try:
        proof = await tiles.consistency_proof(conn, old.tree_size, new.tree_size)
    except tiles.TilesMissing:
        raise AuditUnavailable(DAMAGED) from None
    if not verify_consistency(
        old.tree_size, new.tree_size, bytes(old.root), bytes(new.root), proof
    ):
        raise AuditUnavailable(DAMAGED)
    return proof
