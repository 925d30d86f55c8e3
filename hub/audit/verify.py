"""Verifying the whole audit log from the database: entries, leaves, tree, signed checkpoints.

The log is read in one consistent snapshot (:func:`hub.audit.snapshot.snapshot`), the latest
checkpoint first and the leaves up to its size, so a verification running while the integrator
appends sees one tree: entries integrated after that checkpoint are counted as not yet
integrated, never as a problem.

The report names the first bad entry (or the range a failing checkpoint covers), reports
redacted entries as redacted (not tampered), and checks a trusted checkpoint kept outside the
hub: the log must still contain it and extend it. An entry's subject rows (a batch sanction
check) are checked against its ``subjects_hash`` and, unless redacted, against their own
contents hashes. Each checkpoint's stored tree state (what the integrator grows the next one
from) must be the tree its note signs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.audit.checkpoint import Checkpoint, open_checkpoint
from hub.audit.entries import content_hash, leaf_data, subjects_hash
from hub.audit.integrator import latest_checkpoint, state_problem
from hub.audit.merkle import TreeBuilder, leaf_hash
from hub.audit.models import audit_checkpoints, audit_entries, audit_leaves, audit_subjects
from hub.audit.snapshot import snapshot


@dataclass
class Report:
    tree_size: int = 0
    entries: int = 0
    redacted: int = 0
    subjects: int = 0  # subject rows of batch entries
    redacted_subjects: int = 0
    checkpoints: int = 0
    unintegrated: int = 0
    problems: list[str] = field(default_factory=list)
    root: bytes = b""

    @property
    def ok(self) -> bool:
        return not self.problems

    def first(self) -> str:
        return self.problems[0] if self.problems else "the audit log is consistent"


async def verify_log(
    engine: AsyncEngine, verifier_keys: list[str], trusted: Checkpoint | None = None
) -> Report:
    report = Report()
    async with snapshot(engine) as conn:
        latest = await latest_checkpoint(conn)
        size = latest.tree_size if latest is not None else 0
        checkpoints = list(
            await conn.execute(
                select(audit_checkpoints)
                .where(audit_checkpoints.c.tree_size <= size)
                .order_by(audit_checkpoints.c.tree_size)
            )
        )
        leaves = list(
            await conn.execute(
                select(audit_leaves)
                .where(audit_leaves.c.leaf_index < size)
                .order_by(audit_leaves.c.leaf_index)
            )
        )
        beyond = (
            await conn.execute(
                select(func.count())
                .select_from(audit_leaves)
                .where(audit_leaves.c.leaf_index >= size)
            )
        ).scalar()
        entries = {r.id: dict(r._mapping) for r in await conn.execute(select(audit_entries))}
        subjects: dict[int, list[dict[str, Any]]] = {}
        for r in await conn.execute(
            select(audit_subjects).order_by(audit_subjects.c.entry_id, audit_subjects.c.position)
        ):
            subjects.setdefault(r.entry_id, []).append(dict(r._mapping))
    report.entries = len(entries)
    report.subjects = sum(len(rows) for rows in subjects.values())
    by_size = {c.tree_size: c for c in checkpoints}
    builder = TreeBuilder()
    seen: set[int] = set()
    for position, leaf in enumerate(leaves):
        if leaf.leaf_index != position:
            report.problems.append(
                f"leaf {position} is missing (the next stored leaf is {leaf.leaf_index})"
            )
            break
        entry: dict[str, Any] | None = entries.get(leaf.entry_id)
        seen.add(leaf.entry_id)
        if entry is None:
            report.problems.append(f"entry {leaf.entry_id} (leaf {position}) is missing")
        else:
            if leaf_hash(leaf_data(entry)) != bytes(leaf.leaf_hash):
                report.problems.append(f"entry {leaf.entry_id} (leaf {position}) was altered")
            elif entry["redacted_at"] is not None:
                if entry["content"] is not None or entry["salt"] is not None:
                    report.problems.append(
                        f"entry {leaf.entry_id} (leaf {position}) is marked redacted but holds contents"
                    )
                report.redacted += 1
            elif (
                entry["content"] is None
                or entry["salt"] is None
                or content_hash(bytes(entry["salt"]), entry["content"])
                != bytes(entry["content_hash"])
            ):
                report.problems.append(
                    f"entry {leaf.entry_id} (leaf {position}): its contents were altered"
                )
            _check_subjects(report, entry, subjects.get(leaf.entry_id, []), position)
        builder.append(bytes(leaf.leaf_hash))
        checkpoint = by_size.get(builder.size)
        if checkpoint is not None:
            _check_checkpoint(report, checkpoint, builder, verifier_keys)
        if trusted is not None and builder.size == trusted.size and builder.root() != trusted.root:
            report.problems.append(
                f"the log does not extend the trusted checkpoint of size {trusted.size}"
                f" (a leaf at index < {trusted.size} differs)"
            )
    report.tree_size = builder.size
    report.root = builder.root()
    report.checkpoints = len(checkpoints)
    report.unintegrated = len(set(entries) - seen)
    if checkpoints and checkpoints[-1].tree_size > builder.size:
        report.problems.append(
            f"the latest signed checkpoint covers {checkpoints[-1].tree_size} leaves but only"
            f" {builder.size} are stored: the log was truncated"
        )
    if beyond:
        report.problems.append(
            f"{beyond} stored leaves (from index {size}) are covered by no signed checkpoint"
        )
    if trusted is not None and trusted.size > builder.size:
        report.problems.append(
            f"the log holds {builder.size} leaves, fewer than the trusted checkpoint's"
            f" {trusted.size}: it was truncated"
        )
    return report


def _check_subjects(
    report: Report, entry: dict[str, Any], rows: list[dict[str, Any]], leaf: int
) -> None:
    """An entry's subject rows against the hash its leaf commits to, then each row's contents."""
    where = f"entry {entry['id']} (leaf {leaf})"
    committed = entry.get("subjects_hash")
    if committed is None:
        if rows:
            report.problems.append(f"{where} holds {len(rows)} subject rows it does not commit to")
        return
    if [r["position"] for r in rows] != list(range(len(rows))) or subjects_hash(rows) != bytes(
        committed
    ):
        report.problems.append(
            f"{where}: its subjects were altered (rows changed, added or removed)"
        )
        return
    for row in rows:
        if row["redacted_at"] is not None:
            if row["content"] is not None or row["salt"] is not None:
                report.problems.append(
                    f"{where}, subject {row['position']}: marked redacted but holds contents"
                )
            report.redacted_subjects += 1
        elif (
            row["content"] is None
            or row["salt"] is None
            or content_hash(bytes(row["salt"]), row["content"]) != bytes(row["content_hash"])
        ):
            report.problems.append(f"{where}, subject {row['position']}: its contents were altered")


def _check_checkpoint(report: Report, row: Any, builder: TreeBuilder, keys: list[str]) -> None:
    size = row.tree_size
    try:
        signed = open_checkpoint(row.note, keys)
    except ValueError as exc:
        report.problems.append(f"checkpoint {size}: signature or format does not verify ({exc})")
        return
    if signed.size != size or signed.root != bytes(row.root):
        report.problems.append(
            f"checkpoint {size}: stored root or size differs from the signed note"
        )
        return
    if builder.root() != signed.root:
        report.problems.append(
            f"checkpoint {size}: the leaves no longer hash to its signed root"
            " (a leaf below this size was changed)"
        )
    problem = state_problem(row, signed)
    if problem is not None:
        report.problems.append(f"{problem}: the integrator refuses to grow the tree from it")
