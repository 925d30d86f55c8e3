"""Verifying the whole audit log from the database: entries, leaves, tree, checkpoints, cosignatures.

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

With a witness policy (``HUB_AUDIT_WITNESSES``, ``HUB_AUDIT_WITNESS_QUORUM``) every stored
cosignature from a configured witness must verify, the latest checkpoint must carry the quorum
(a checkpoint younger than the grace period may still wait for it, the newest witnessed one
standing in), and the size and root each witness was last seen to cosign must still be the log's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.base.tlog.checkpoint import Checkpoint, open_checkpoint, split_note
from connectors.base.tlog.cosignature import check_lines, parse_lines
from connectors.base.tlog.merkle import TreeBuilder, leaf_hash
from hub.audit.entries import content_hash, leaf_data, subjects_hash
from hub.audit.integrator import latest_checkpoint, state_problem
from hub.audit.models import (
    audit_checkpoints,
    audit_cosignatures,
    audit_entries,
    audit_leaves,
    audit_subjects,
    audit_witnesses,
)
from hub.audit.snapshot import snapshot
from hub.audit.witness import WitnessPolicy
from hub.progress import SILENT, Progress

STEP = 1_000  # leaves checked between two reports of progress


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
    quorum: int = 0
    cosigned: dict[int, dict[str, int]] = field(default_factory=dict)  # size -> witness -> time
    witnessed_size: int | None = None  # the newest checkpoint with the quorum of cosignatures
    pending: str | None = None  # the latest checkpoint still waiting for cosignatures

    @property
    def ok(self) -> bool:
        return not self.problems

    def first(self) -> str:
        return self.problems[0] if self.problems else "the audit log is consistent"


async def verify_log(
    engine: AsyncEngine,
    verifier_keys: list[str],
    trusted: Checkpoint | None = None,
    witnesses: WitnessPolicy | None = None,
    *,
    now: datetime | None = None,
    progress: Progress = SILENT,
) -> Report:
    """Verify the log (see the module's docstring); ``progress`` is told of the leaves checked."""
    report = Report()
    policy = witnesses or WitnessPolicy()
    report.quorum = policy.quorum
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
        cosignatures: dict[int, list[Any]] = {}
        records: list[Any] = []
        if policy.witnesses:
            for r in await conn.execute(
                select(audit_cosignatures).where(audit_cosignatures.c.tree_size <= size)
            ):
                cosignatures.setdefault(r.tree_size, []).append(r)
            records = list(await conn.execute(select(audit_witnesses)))
    report.entries = len(entries)
    report.subjects = sum(len(rows) for rows in subjects.values())
    by_size = {c.tree_size: c for c in checkpoints}
    # Sizes whose root someone outside the log vouched for: the trusted checkpoint, and what
    # each configured witness was last seen to cosign (the hub's own record of it).
    # Each: (root, message when the log's root at that size differs, message when it is shorter).
    vouched: dict[int, list[tuple[bytes, str, str]]] = {}
    if trusted is not None:
        vouched.setdefault(trusted.size, []).append(
            (
                trusted.root,
                f"the log does not extend the trusted checkpoint of size {trusted.size}"
                f" (a leaf at index < {trusted.size} differs)",
                "fewer than the trusted checkpoint's {size}: it was truncated",
            )
        )
    configured = {w.name: w for w in policy.witnesses}
    for record in records:
        witness = configured.get(record.name)
        if witness is None or record.vkey != witness.key.vkey or record.cosigned_size is None:
            continue
        if record.cosigned_root is not None:
            held = record.cosigned_size
            vouched.setdefault(held, []).append(
                (
                    bytes(record.cosigned_root),
                    f"witness {record.name} cosigned size {held} with another root: the log was"
                    f" rewritten below size {held}",
                    f"fewer than the {{size}} witness {record.name} cosigned: it was truncated",
                )
            )
    builder = TreeBuilder()
    seen: set[int] = set()
    progress.start("leaves verified", len(leaves))
    for position, leaf in enumerate(leaves):
        if position % STEP == 0 and position:
            progress.advance(STEP)  # the STEP leaves before this one
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
        for root, differs, _ in vouched.get(builder.size, []):
            if builder.root() != root:
                report.problems.append(differs)
    progress.advance(builder.size - (builder.size - 1) // STEP * STEP if builder.size else 0)
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
    for held in sorted(vouched):
        if held > builder.size:
            for _, _, shorter in vouched[held]:
                report.problems.append(
                    f"the log holds {builder.size} leaves, " + shorter.format(size=held)
                )
    if policy.witnesses:
        _check_cosignatures(report, checkpoints, cosignatures, policy, latest, now)
    return report


def _check_cosignatures(
    report: Report,
    checkpoints: list[Any],
    cosignatures: dict[int, list[Any]],
    policy: WitnessPolicy,
    latest: Any,
    now: datetime | None,
) -> None:
    """Every stored cosignature of a configured witness must verify; the latest checkpoint
    needs the quorum, or to be younger than the grace period with an older one that has it."""
    keys = policy.keys
    for row in checkpoints:
        rows = cosignatures.get(row.tree_size, [])
        if not rows:
            continue
        try:
            body, _ = split_note(row.note)
            lines = [line for r in rows for line in parse_lines(r.line)]
        except ValueError as exc:
            report.problems.append(
                f"checkpoint {row.tree_size}: a cosignature is malformed ({exc})"
            )
            continue
        found = check_lines(body, lines, keys, now=(now or datetime.now(UTC)).timestamp())
        for problem in found.problems:
            report.problems.append(f"checkpoint {row.tree_size}: {problem}")
        if found.valid:
            report.cosigned[row.tree_size] = found.valid
    quorum = policy.quorum
    if quorum == 0 or latest is None:
        return
    witnessed = [s for s, valid in report.cosigned.items() if len(valid) >= quorum]
    report.witnessed_size = max(witnessed) if witnessed else None
    if report.witnessed_size == latest.tree_size:
        return
    have = report.cosigned.get(latest.tree_size, {})
    missing = ", ".join(w.name for w in policy.witnesses if w.name not in have)
    created = latest.created_at
    created = created.astimezone(UTC) if created.tzinfo else created.replace(tzinfo=UTC)
    age = ((now or datetime.now(UTC)) - created).total_seconds()
    what = (
        f"checkpoint {latest.tree_size} (the latest) has {len(have)} of the {quorum}"
        f" cosignature(s) required: none from {missing}"
    )
    if report.witnessed_size is None:
        report.problems.append(
            f"{what}; no checkpoint has them, so nothing in the log is witnessed"
        )
    elif age > policy.grace:
        report.problems.append(
            f"{what}, {age:.0f} s after it was signed (the newest witnessed checkpoint is"
            f" {report.witnessed_size})"
        )
    else:
        report.pending = (
            f"{what} yet ({age:.0f} s after it was signed); the newest witnessed checkpoint is"
            f" {report.witnessed_size}"
        )


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
