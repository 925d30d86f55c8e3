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

The stored tiles (``audit_tiles``, what proofs and witnesses are served from) must be the tiles
of the latest checkpoint's tree: they are grown from the stored leaves as these are read and
compared with the stored ones a page at a time; a tile that differs, is missing, is narrower or
wider than the tree, or lies beyond the tree is named by its level, index and width.

Memory does not grow with the log: leaves (with their entries), subject rows and checkpoints
are read in keyed pages (``WHERE key > last ORDER BY key LIMIT page``) inside the snapshot, the
tree is grown with :class:`TreeBuilder` (O(log n)), the tiles keep only the partial last tile of
each level (8 KiB at most a level) and the full tiles of one page, each checkpoint is checked
when the tree reaches its size, and the report keeps the first :data:`MAX_PROBLEMS` problems with a count of
the rest (``omitted``). Nothing of an entry is kept once its page is checked but what the
report counts.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from connectors.base.tlog.checkpoint import Checkpoint, open_checkpoint, split_note
from connectors.base.tlog.cosignature import check_lines, parse_lines
from connectors.base.tlog.merkle import TreeBuilder, leaf_hash
from connectors.base.tlog.tiles import HEIGHT, WIDTH, grow
from hub.audit import tiles
from hub.audit.entries import content_hash, leaf_data, subject_digest
from hub.audit.integrator import latest_checkpoint, state_problem
from hub.audit.models import (
    audit_checkpoints,
    audit_cosignatures,
    audit_entries,
    audit_leaves,
    audit_subjects,
    audit_tiles,
    audit_witnesses,
)
from hub.audit.snapshot import snapshot
from hub.audit.witness import WitnessPolicy
from hub.progress import SILENT, Progress

STEP = 1_000  # leaves checked between two reports of progress
PAGE = 2_000  # leaves (with their entries) or checkpoints read by one statement
SUBJECT_PAGE = 5_000  # subject rows read by one statement
MAX_PROBLEMS = 100  # problems a report keeps; the rest are only counted (Report.omitted)
COSIGNED_KEPT = 16  # the newest cosigned checkpoints a report lists (Report.cosigned)


@dataclass
class Report:
    tree_size: int = 0
    entries: int = 0
    redacted: int = 0
    subjects: int = 0  # subject rows of batch entries
    redacted_subjects: int = 0
    checkpoints: int = 0
    unintegrated: int = 0
    problems: list[str] = field(default_factory=list)  # the first MAX_PROBLEMS, in log order
    omitted: int = 0  # problems found after those
    root: bytes = b""
    quorum: int = 0
    # size -> witness -> time, for the newest COSIGNED_KEPT checkpoints with valid cosignatures
    cosigned: dict[int, dict[str, int]] = field(default_factory=dict)
    witnessed_size: int | None = None  # the newest checkpoint with the quorum of cosignatures
    pending: str | None = None  # the latest checkpoint still waiting for cosignatures

    @property
    def ok(self) -> bool:
        return not self.problems and not self.omitted

    def first(self) -> str:
        return self.problems[0] if self.problems else "the audit log is consistent"

    def problem(self, text: str) -> None:
        """Record a problem: kept while fewer than MAX_PROBLEMS are, otherwise counted."""
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        else:
            self.omitted += 1


@dataclass
class _Subjects:
    """What the subject rows of one entry come to, summed up row by row (none is kept)."""

    rows: int = 0
    in_order: bool = True  # positions 0, 1, 2, … with none missing
    digest: Any = field(default_factory=hashlib.sha256)
    problems: list[str] = field(default_factory=list)  # of single rows (the first MAX_PROBLEMS)
    more: int = 0
    redacted: int = 0

    def add(self, row: Any, where: str) -> None:
        self.in_order = self.in_order and row.position == self.rows
        self.rows += 1
        self.digest.update(subject_digest(row._mapping))
        if row.redacted_at is not None:
            if row.content is not None or row.salt is not None:
                self._problem(
                    f"{where}, subject {row.position}: marked redacted but holds contents"
                )
            self.redacted += 1
        elif (
            row.content is None
            or row.salt is None
            or content_hash(bytes(row.salt), row.content) != bytes(row.content_hash)
        ):
            self._problem(f"{where}, subject {row.position}: its contents were altered")

    def _problem(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)
        else:
            self.more += 1


def _where(entry_id: int, leaf: int) -> str:
    return f"entry {entry_id} (leaf {leaf})"


async def _leaf_pages(conn: AsyncConnection, size: int) -> AsyncIterator[list[Any]]:
    """The leaves below ``size`` in index order, each with its entry's columns (None when the
    entry is missing), a page at a time."""
    last = -1
    while True:
        page = list(
            await conn.execute(
                select(audit_leaves, audit_entries)
                .select_from(
                    audit_leaves.outerjoin(
                        audit_entries, audit_entries.c.id == audit_leaves.c.entry_id
                    )
                )
                .where(audit_leaves.c.leaf_index > last, audit_leaves.c.leaf_index < size)
                .order_by(audit_leaves.c.leaf_index)
                .limit(PAGE)
            )
        )
        if not page:
            return
        yield page
        last = page[-1].leaf_index


async def _subjects_of(conn: AsyncConnection, page: list[Any]) -> dict[int, _Subjects]:
    """The subject rows of the page's entries, summed up per entry, read a page of rows at a
    time in (entry, position) order."""
    leaf_of = {leaf.entry_id: leaf.leaf_index for leaf in page if leaf.id is not None}
    found: dict[int, _Subjects] = {}
    ids = sorted(leaf_of)
    after: tuple[int, int] = (-1, -1)
    while ids:
        rows = list(
            await conn.execute(
                select(audit_subjects)
                .where(
                    audit_subjects.c.entry_id.in_(ids),
                    or_(
                        audit_subjects.c.entry_id > after[0],
                        and_(
                            audit_subjects.c.entry_id == after[0],
                            audit_subjects.c.position > after[1],
                        ),
                    ),
                )
                .order_by(audit_subjects.c.entry_id, audit_subjects.c.position)
                .limit(SUBJECT_PAGE)
            )
        )
        for row in rows:
            summary = found.setdefault(row.entry_id, _Subjects())
            summary.add(row, _where(row.entry_id, leaf_of[row.entry_id]))
        if len(rows) < SUBJECT_PAGE:
            break
        after = (rows[-1].entry_id, rows[-1].position)
    return found


class _Checkpoints:
    """The signed checkpoints up to a size, in size order, read a page at a time."""

    def __init__(self, conn: AsyncConnection, size: int) -> None:
        self.conn = conn
        self.size = size
        self.last = -1
        self.ahead: deque[Any] = deque()
        self.done = False

    async def next(self) -> Any:
        """The next checkpoint, or None after the last."""
        if not self.ahead and not self.done:
            page = list(
                await self.conn.execute(
                    select(audit_checkpoints)
                    .where(
                        audit_checkpoints.c.tree_size > self.last,
                        audit_checkpoints.c.tree_size <= self.size,
                    )
                    .order_by(audit_checkpoints.c.tree_size)
                    .limit(PAGE)
                )
            )
            self.ahead.extend(page)
            self.done = len(page) < PAGE
            if page:
                self.last = page[-1].tree_size
        return self.ahead.popleft() if self.ahead else None


def _log_order(item: tuple[tuple[int, int], bytes]) -> tuple[int, int]:
    """Tiles in the order of the last leaf they cover (then lower levels first)."""
    (level, index), _ = item
    return (index + 1) << (HEIGHT * level), level


class _Tiles:
    """The tiles of the tree of ``size``, grown from the leaves as they are read and compared
    with the stored ones: a page's full tiles when the page is read, the partial last tile of
    each level at the end. Only those partial tiles are kept between pages."""

    def __init__(self, conn: AsyncConnection, size: int) -> None:
        self.conn = conn
        self.size = size
        self.grown = 0  # leaves grown into the tiles
        self.edge: dict[int, bytes] = {}  # level -> the hashes of its partial last tile

    async def extend(self, report: Report, hashes: list[bytes]) -> None:
        """Grow the tiles by the leaf hashes of one page; compare the tiles that filled."""
        full = {}
        for (level, index), grown in grow(self.grown, self.edge, hashes).items():
            if len(grown) == WIDTH * 32:
                self.edge.pop(level, None)
                full[(level, index)] = grown
            else:
                self.edge[level] = grown
        self.grown += len(hashes)
        await self._compare(report, full)

    async def finish(self, report: Report) -> None:
        """Compare the partial tiles (when the leaves reached the tree's size: otherwise the
        missing leaf is the problem), then look for stored tiles beyond the tree."""
        if self.grown == self.size:
            last = {
                (level, (self.size >> (HEIGHT * level)) // WIDTH): hashes
                for level, hashes in self.edge.items()
            }
            await self._compare(report, last)
        await self._beyond(report)

    async def _compare(self, report: Report, grown: dict[tuple[int, int], bytes]) -> None:
        stored = await tiles.read(self.conn, grown)
        for (level, index), hashes in sorted(grown.items(), key=_log_order):
            width = len(hashes) // 32
            name = f"tile {index} of level {level} (width {width})"
            found = stored.get((level, index))
            if found is None:
                report.problem(f"{name} is not stored")
            elif len(found) != len(hashes):
                beyond = (
                    ": the stored tiles reach beyond the tree" if len(found) > len(hashes) else ""
                )
                report.problem(
                    f"{name}: the stored tile holds {len(found) // 32} hashes, the tree of size"
                    f" {self.size} has {width}{beyond}"
                )
            elif found != hashes:
                first = next(
                    k
                    for k in range(width)
                    if found[32 * k : 32 * k + 32] != hashes[32 * k : 32 * k + 32]
                )
                report.problem(
                    f"{name} differs from the tile grown from the stored leaves (from its hash"
                    f" {first})"
                )

    async def _beyond(self, report: Report) -> None:
        """Stored tiles the tree of ``size`` does not have: one problem naming the first."""
        t = audit_tiles
        lasts: list[int] = []  # the index of the last tile of each level of the tree
        while (count := self.size >> (HEIGHT * len(lasts))) > 0:
            lasts.append((count - 1) // WIDTH)
        outside = or_(
            *(and_(t.c.level == level, t.c.tile_index > last) for level, last in enumerate(lasts)),
            t.c.level >= len(lasts),
        )
        count = await _count(self.conn, select(func.count()).select_from(t).where(outside))
        if not count:
            return
        first = (
            await self.conn.execute(
                select(t.c.level, t.c.tile_index, t.c.width)
                .where(outside)
                .order_by(t.c.level, t.c.tile_index)
                .limit(1)
            )
        ).one()
        report.problem(
            f"{count} stored tile(s) lie beyond the tree of size {self.size}, the first tile"
            f" {first.tile_index} of level {first.level} (width {first.width})"
        )


async def _count(conn: AsyncConnection, stmt: Any) -> int:
    return int((await conn.execute(stmt)).scalar() or 0)


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
        report.checkpoints = await _count(
            conn,
            select(func.count())
            .select_from(audit_checkpoints)
            .where(audit_checkpoints.c.tree_size <= size),
        )
        beyond = await _count(
            conn,
            select(func.count()).select_from(audit_leaves).where(audit_leaves.c.leaf_index >= size),
        )
        report.entries = await _count(conn, select(func.count()).select_from(audit_entries))
        report.subjects = await _count(conn, select(func.count()).select_from(audit_subjects))
        records = list(await conn.execute(select(audit_witnesses))) if policy.witnesses else []
        vouched = _vouched(trusted, records, policy)
        builder = TreeBuilder()
        grown = _Tiles(conn, size)
        integrated = 0  # leaves whose entry is stored
        checkpoints = _Checkpoints(conn, size)
        upcoming = await checkpoints.next()
        progress.start("leaves verified", size)
        position = 0
        async for page in _leaf_pages(conn, size):
            subjects = await _subjects_of(conn, page)
            hashes: list[bytes] = []  # the page's leaf hashes, grown into the tiles
            missing = False
            for leaf in page:
                if position % STEP == 0 and position:
                    progress.advance(STEP)  # the STEP leaves before this one
                if leaf.leaf_index != position:
                    report.problem(
                        f"leaf {position} is missing (the next stored leaf is {leaf.leaf_index})"
                    )
                    missing = True
                    break
                if leaf.id is None:
                    report.problem(f"{_where(leaf.entry_id, position)} is missing")
                else:
                    integrated += 1
                    _check_entry(report, leaf, position, subjects.get(leaf.entry_id))
                hashes.append(bytes(leaf.leaf_hash))
                builder.append(hashes[-1])
                while upcoming is not None and upcoming.tree_size <= builder.size:
                    if upcoming.tree_size == builder.size:
                        _check_checkpoint(report, upcoming, builder, verifier_keys)
                    upcoming = await checkpoints.next()
                for root, differs, _ in vouched.get(builder.size, []):
                    if builder.root() != root:
                        report.problem(differs)
                position += 1
            await grown.extend(report, hashes)
            if missing:
                break  # a leaf is missing: the tree cannot be grown past it
        await grown.finish(report)
        progress.advance(builder.size - (builder.size - 1) // STEP * STEP if builder.size else 0)
        report.tree_size = builder.size
        report.root = builder.root()
        report.unintegrated = report.entries - integrated
        if latest is not None and latest.tree_size > builder.size:
            report.problem(
                f"the latest signed checkpoint covers {latest.tree_size} leaves but only"
                f" {builder.size} are stored: the log was truncated"
            )
        if beyond:
            report.problem(
                f"{beyond} stored leaves (from index {size}) are covered by no signed checkpoint"
            )
        for held in sorted(vouched):
            if held > builder.size:
                for _, _, shorter in vouched[held]:
                    report.problem(
                        f"the log holds {builder.size} leaves, " + shorter.format(size=held)
                    )
        if policy.witnesses:
            await _check_cosignatures(report, conn, size, policy, latest, now)
    return report


def _vouched(
    trusted: Checkpoint | None, records: list[Any], policy: WitnessPolicy
) -> dict[int, list[tuple[bytes, str, str]]]:
    """Sizes whose root someone outside the log vouched for: the trusted checkpoint, and what
    each configured witness was last seen to cosign (the hub's own record of it). Each: (root,
    message when the log's root at that size differs, message when it is shorter)."""
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
    return vouched


def _check_entry(report: Report, row: Any, leaf: int, subjects: _Subjects | None) -> None:
    """One stored entry against its leaf, then its subject rows against what it commits to."""
    entry = row._asdict()  # a plain dict: the header is read from it a dozen times
    content, salt = entry["content"], entry["salt"]
    if leaf_hash(leaf_data(entry)) != bytes(entry["leaf_hash"]):
        report.problem(f"{_where(row.entry_id, leaf)} was altered")
    elif entry["redacted_at"] is not None:
        if content is not None or salt is not None:
            report.problem(f"{_where(row.entry_id, leaf)} is marked redacted but holds contents")
        report.redacted += 1
    elif (
        content is None
        or salt is None
        or content_hash(bytes(salt), content) != bytes(entry["content_hash"])
    ):
        report.problem(f"{_where(row.entry_id, leaf)}: its contents were altered")
    committed = entry["subjects_hash"]
    if committed is not None or subjects is not None:
        _check_subjects(report, committed, subjects or _Subjects(), _where(row.entry_id, leaf))


def _check_subjects(report: Report, committed: Any, rows: _Subjects, where: str) -> None:
    """An entry's subject rows against the hash its leaf commits to, then each row's contents."""
    if committed is None:
        if rows.rows:
            report.problem(f"{where} holds {rows.rows} subject rows it does not commit to")
        return
    if not rows.in_order or rows.digest.digest() != bytes(committed):
        report.problem(f"{where}: its subjects were altered (rows changed, added or removed)")
        return
    for text in rows.problems:
        report.problem(text)
    report.omitted += rows.more
    report.redacted_subjects += rows.redacted


async def _check_cosignatures(
    report: Report,
    conn: AsyncConnection,
    size: int,
    policy: WitnessPolicy,
    latest: Any,
    now: datetime | None,
) -> None:
    """Every stored cosignature of a configured witness must verify; the latest checkpoint
    needs the quorum, or to be younger than the grace period with an older one that has it.
    Read in pages of checkpoints (with their cosignatures), after the leaves."""
    keys = policy.keys
    quorum = policy.quorum
    at = (now or datetime.now(UTC)).timestamp()
    last = -1
    while True:
        page = list(
            await conn.execute(
                select(audit_checkpoints.c.tree_size, audit_checkpoints.c.note)
                .where(
                    audit_checkpoints.c.tree_size > last,
                    audit_checkpoints.c.tree_size <= size,
                )
                .order_by(audit_checkpoints.c.tree_size)
                .limit(PAGE)
            )
        )
        if not page:
            break
        last = page[-1].tree_size
        cosignatures: dict[int, list[Any]] = {}
        for r in await conn.execute(
            select(audit_cosignatures).where(
                audit_cosignatures.c.tree_size.in_([row.tree_size for row in page])
            )
        ):
            cosignatures.setdefault(r.tree_size, []).append(r)
        for row in page:
            rows = cosignatures.get(row.tree_size, [])
            if not rows:
                continue
            try:
                body, _ = split_note(row.note)
                lines = [line for r in rows for line in parse_lines(r.line)]
            except ValueError as exc:
                report.problem(f"checkpoint {row.tree_size}: a cosignature is malformed ({exc})")
                continue
            found = check_lines(body, lines, keys, now=at)
            for problem in found.problems:
                report.problem(f"checkpoint {row.tree_size}: {problem}")
            if found.valid:
                report.cosigned[row.tree_size] = found.valid
                if len(report.cosigned) > COSIGNED_KEPT:
                    del report.cosigned[min(report.cosigned)]
                if quorum and len(found.valid) >= quorum:
                    report.witnessed_size = row.tree_size
    if quorum == 0 or latest is None:
        report.witnessed_size = None
        return
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
        report.problem(f"{what}; no checkpoint has them, so nothing in the log is witnessed")
    elif age > policy.grace:
        report.problem(
            f"{what}, {age:.0f} s after it was signed (the newest witnessed checkpoint is"
            f" {report.witnessed_size})"
        )
    else:
        report.pending = (
            f"{what} yet ({age:.0f} s after it was signed); the newest witnessed checkpoint is"
            f" {report.witnessed_size}"
        )


def _check_checkpoint(report: Report, row: Any, builder: TreeBuilder, keys: list[str]) -> None:
    size = row.tree_size
    try:
        signed = open_checkpoint(row.note, keys)
    except ValueError as exc:
        report.problem(f"checkpoint {size}: signature or format does not verify ({exc})")
        return
    if signed.size != size or signed.root != bytes(row.root):
        report.problem(f"checkpoint {size}: stored root or size differs from the signed note")
        return
    if builder.root() != signed.root:
        report.problem(
            f"checkpoint {size}: the leaves no longer hash to its signed root"
            " (a leaf below this size was changed)"
        )
    problem = state_problem(row, signed)
    if problem is not None:
        report.problem(f"{problem}: the integrator refuses to grow the tree from it")
