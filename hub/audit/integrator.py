"""The integrator: appends recorded entries to the Merkle tree in batches and signs checkpoints.

One integrator works at a time: on PostgreSQL a transaction-scoped advisory lock decides, and
on any database the unique leaf index makes a second writer's batch fail and roll back whole.
Requests never wait on it: they only insert entries; leaves and checkpoints follow within
about a second. A checkpoint is only ever signed for a tree that extends the previous one: the
tree is grown from the previous checkpoint's stored state, and that state (which is not signed)
is first held against the previous checkpoint's signed note, with the stored leaves of its
batch. The tiles of the tree (:mod:`hub.audit.tiles`) a batch grows are written with its leaves
and checkpoint, in the same transaction, after the new root computed from them was found equal
to the one being signed. When they disagree the integrator signs nothing, raises :class:`IntegrationRefused`
and, in a serving hub, keeps refusing and says so (an ERROR in the log, the
``hub_audit_integration_refused`` gauge, and ``fyt audit verify`` names the checkpoint).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import exists, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from connectors.base.tlog.checkpoint import Checkpoint, open_checkpoint, sign_note, vkey
from connectors.base.tlog.merkle import TreeBuilder, leaf_hash
from connectors.base.tlog.tiles import TileTree, grow
from hub.audit import tiles
from hub.audit.entries import leaf_data
from hub.audit.keys import AuditKeys
from hub.audit.models import audit_checkpoints, audit_entries, audit_leaves
from hub.audit.snapshot import snapshot
from hub.db.engine import lock_for_write
from hub.periodic import Periodic

log = logging.getLogger("hub.audit")
LOCK_KEY = 0x66797461  # "fyta"
BATCH = 2_000
# Entries can commit out of id order (PostgreSQL hands ids out before commit): a full pass looks
# this far behind the newest integrated entry for entries committed late.
LOOKBEHIND = 100_000
# A serving hub's integrator makes a full pass this often; its other ticks look back only
# RECENT ids (an index range: an idle tick costs the same however long the log). Entries
# committed a little late (concurrent transactions) are integrated on the next tick; one that
# is more than RECENT ids late, within FULL_PASS_SECONDS.
RECENT = 1_000
FULL_PASS_SECONDS = 30.0


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


class IntegrationRefused(RuntimeError):
    """The stored tree state or leaves contradict the last signed checkpoint: nothing is signed."""


def state_problem(row: Any, signed: Checkpoint) -> str | None:
    """Why checkpoint ``row``'s stored tree state cannot be grown from, or None when it is the
    tree of the ``signed`` note (same size, same root)."""
    try:
        builder = load_state(row.state)
    except (ValueError, KeyError, TypeError, binascii.Error) as exc:
        return f"checkpoint {row.tree_size}: its stored tree state is unreadable ({exc})"
    if builder.size != signed.size or builder.root() != signed.root:
        return (
            f"checkpoint {row.tree_size}: its stored tree state (size {builder.size}, root"
            f" {base64.b64encode(builder.root()).decode()}) does not match its signed note"
            f" (size {signed.size}, root {base64.b64encode(signed.root).decode()})"
        )
    return None


def _signed(row: Any, keys: AuditKeys) -> Checkpoint:
    """The checkpoint ``row``'s note signs, once it verifies and matches the row's columns."""
    try:
        signed = open_checkpoint(row.note, [vkey(keys.origin, keys.public_key)])
    except ValueError as exc:
        raise IntegrationRefused(
            f"checkpoint {row.tree_size}: its note does not verify with the log's key ({exc})"
        ) from None
    if (signed.origin, signed.size, signed.root) != (keys.origin, row.tree_size, bytes(row.root)):
        raise IntegrationRefused(
            f"checkpoint {row.tree_size}: the stored size or root differs from its signed note"
        )
    return signed


async def _check_base(conn: AsyncConnection, last: Any, keys: AuditKeys) -> TreeBuilder:
    """The tree to grow: the latest checkpoint's stored state, once it matches the signed note
    and the stored leaves of the latest batch lead from the previous checkpoint to it."""
    problem = state_problem(last, _signed(last, keys))
    if problem is not None:
        raise IntegrationRefused(problem)
    builder = load_state(last.state)
    size = builder.size
    top = (await conn.execute(select(func.max(audit_leaves.c.leaf_index)))).scalar()
    if (top if top is not None else -1) != size - 1:
        raise IntegrationRefused(
            f"checkpoint {size}: the stored leaves end at index {top}, not {size - 1}"
        )
    previous = (
        await conn.execute(
            select(audit_checkpoints.c.tree_size, audit_checkpoints.c.state)
            .where(audit_checkpoints.c.tree_size < size)
            .order_by(audit_checkpoints.c.tree_size.desc())
            .limit(1)
        )
    ).first()
    if previous is None:
        batch = TreeBuilder()
    else:
        try:
            batch = load_state(previous.state)
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            raise IntegrationRefused(
                f"checkpoint {previous.tree_size}: its stored tree state is unreadable ({exc})"
            ) from None
    rows = (
        await conn.execute(
            select(audit_leaves.c.leaf_index, audit_leaves.c.leaf_hash)
            .where(audit_leaves.c.leaf_index >= batch.size, audit_leaves.c.leaf_index < size)
            .order_by(audit_leaves.c.leaf_index)
        )
    ).all()
    if [r.leaf_index for r in rows] != list(range(batch.size, size)):
        raise IntegrationRefused(
            f"checkpoint {size}: leaves between {batch.size} and {size} are missing"
        )
    batch.extend(bytes(r.leaf_hash) for r in rows)
    if batch.root() != builder.root():
        raise IntegrationRefused(
            f"checkpoint {size}: the stored leaves {batch.size - len(rows)}..{size - 1} do not"
            " hash to its signed root"
        )
    return builder


def _grow(
    builder: TreeBuilder, pending: list[dict[str, Any]], keys: AuditKeys, edge: dict[int, bytes]
) -> tuple[list[dict[str, Any]], dict[str, Any], dict[tuple[int, int], bytes]]:
    """Append the entries' leaves to the tree; the new leaves, the signed checkpoint row and the
    tiles grown from ``edge`` (the partial tiles of the tree grown from)."""
    base = builder.size
    leaves = []
    for entry in pending:
        lh = leaf_hash(leaf_data(entry))
        leaves.append({"leaf_index": builder.size, "entry_id": entry["id"], "leaf_hash": lh})
        builder.append(lh)
    grown = grow(base, edge, [leaf["leaf_hash"] for leaf in leaves])
    tree = TileTree(builder.size, keep=len(edge) + len(grown))
    for level, hashes in edge.items():  # the partial tiles the batch did not reach
        if (level, index := (base >> (8 * level)) // 256) not in grown:
            tree.add(level, index, hashes)
    for (level, index), hashes in grown.items():
        tree.add(level, index, hashes)
    if tree.root() != builder.root():
        raise IntegrationRefused(
            f"checkpoint {base}: its stored tiles do not lead to the tree grown from its state"
        )
    checkpoint = Checkpoint(keys.origin, builder.size, builder.root())
    row = {
        "tree_size": checkpoint.size,
        "root": checkpoint.root,
        "note": sign_note(checkpoint.body(), keys.origin, keys.signing),
        "state": dump_state(builder),
        "created_at": datetime.now(UTC),
    }
    return leaves, row, grown


async def latest_checkpoint(conn: AsyncConnection) -> Any:
    stmt = select(audit_checkpoints).order_by(audit_checkpoints.c.tree_size.desc()).limit(1)
    return (await conn.execute(stmt)).first()


async def _lock(conn: AsyncConnection) -> bool:
    if conn.dialect.name != "postgresql":
        return True
    return bool(
        (await conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY})).scalar()
    )


async def integrate(
    engine: AsyncEngine, keys: AuditKeys, *, batch: int = BATCH, lookbehind: int = LOOKBEHIND
) -> int | None:
    """Integrate pending entries; returns the new tree size, or None if another integrator
    holds the lock or won the race. Pending are the entries without a leaf above the newest
    integrated entry less ``lookbehind`` (0: only those above it). Raises :class:`IntegrationRefused` when the stored state
    contradicts the last signed checkpoint (see the module's docstring).

    The pending entries are read and hashed outside any write transaction: on SQLite the
    write lock is taken only to append the leaves, so request writers never wait for the
    hashing. The append checks that the tree is still the one the batch was built on.
    """
    async with snapshot(engine) as conn:  # the checkpoint and the leaves of one moment
        last = await latest_checkpoint(conn)
        newest = (await conn.execute(select(func.max(audit_leaves.c.entry_id)))).scalar() or 0
        pending_stmt = (
            select(audit_entries)
            .where(
                audit_entries.c.id > max(0, newest - lookbehind),
                ~exists().where(audit_leaves.c.entry_id == audit_entries.c.id),
            )
            .order_by(audit_entries.c.id)
            .limit(batch)
        )
        pending = [dict(r._mapping) for r in await conn.execute(pending_stmt)]
        if not pending:
            return last.tree_size if last else 0
        # Only a tick that will sign checks what it builds on (idle ticks stay cheap): the
        # latest signed note, the state grown from, and the leaves of the latest batch.
        builder = await _check_base(conn, last, keys) if last else TreeBuilder()
        if last is None:
            top = (await conn.execute(select(func.max(audit_leaves.c.leaf_index)))).scalar()
            if top is not None:
                raise IntegrationRefused(
                    f"there is no signed checkpoint, yet {top + 1} or more leaves are stored"
                )
        try:
            edge = await tiles.edge(conn, builder.size)
        except tiles.TilesMissing as exc:
            raise IntegrationRefused(f"checkpoint {builder.size}: {exc}") from None
    base = builder.size
    # Hashing a batch is CPU work: a worker thread keeps the event loop free for requests.
    leaves, row, grown = await asyncio.to_thread(_grow, builder, pending, keys, edge)
    try:
        async with engine.begin() as conn:
            await lock_for_write(conn)
            if not await _lock(conn):
                return None
            current = await latest_checkpoint(conn)
            if (current.tree_size if current else 0) != base:
                return None  # another integrator appended meanwhile; the next tick goes on
            await conn.execute(insert(audit_leaves), leaves)
            await tiles.write(conn, grown, stored=tiles.edge_ids(base).values())
            await conn.execute(insert(audit_checkpoints), row)
            return builder.size
    except IntegrityError:
        return None  # another integrator appended the same leaves first; its batch stands


async def pending_count(engine: AsyncEngine) -> int:
    """How many recorded entries no leaf holds yet (what :func:`integrate` would append)."""
    async with engine.connect() as conn:
        stmt = (
            select(func.count())
            .select_from(audit_entries)
            .where(~exists().where(audit_leaves.c.entry_id == audit_entries.c.id))
        )
        return int((await conn.execute(stmt)).scalar() or 0)


class Integrator(Periodic):
    """Runs :func:`integrate` every ``interval`` seconds in the background of a hub process.

    ``alarm`` holds the reason while integration is refused (logged at ERROR when it is
    raised, then once a minute; the gauge ``hub_audit_integration_refused`` is 1 meanwhile).
    ``on_checkpoint`` is called with the tree size whenever it changes (and on the first tick).
    The first tick and one every ``full_pass_seconds`` look :data:`LOOKBEHIND` ids back for
    entries committed late; the others :data:`RECENT` ids.
    """

    name = "audit integration"
    ALARM_REPEAT = 60.0

    def __init__(
        self,
        engine: AsyncEngine,
        keys: AuditKeys,
        interval: float = 0.2,
        *,
        registry: CollectorRegistry | None = None,
        on_checkpoint: Callable[[int], None] | None = None,
        full_pass_seconds: float = FULL_PASS_SECONDS,
    ) -> None:
        super().__init__(interval)
        self.engine = engine
        self.keys = keys
        self.on_checkpoint = on_checkpoint
        self.full_pass_seconds = full_pass_seconds
        self._full_pass_at: float | None = None  # monotonic time of the last full pass
        self.alarm: str | None = None
        self._alarm_logged = 0.0
        self._size: int | None = None
        self._gauge = Gauge(
            "hub_audit_integration_refused",
            "1 while the integrator refuses to sign: the stored tree state contradicts the"
            " last signed checkpoint",
            registry=registry,
        )

    async def tick(self) -> None:
        now = time.monotonic()
        full = self._full_pass_at is None or now - self._full_pass_at >= self.full_pass_seconds
        try:
            size = await integrate(
                self.engine, self.keys, lookbehind=LOOKBEHIND if full else RECENT
            )
        except IntegrationRefused as exc:
            self._raise_alarm(str(exc))
            return
        if full and size is not None:
            self._full_pass_at = now
        if self.alarm is not None:
            log.warning("audit integration resumed; the refusal was: %s", self.alarm)
            self.alarm = None
            self._gauge.set(0)
        if size is not None and size != self._size:
            self._size = size
            if self.on_checkpoint is not None:
                self.on_checkpoint(size)

    def _raise_alarm(self, reason: str) -> None:
        now = time.monotonic()
        if reason != self.alarm or now - self._alarm_logged >= self.ALARM_REPEAT:
            log.error(
                "AUDIT ALARM: integration refused, no checkpoint will be signed until this is"
                " resolved: %s",
                reason,
            )
            self._alarm_logged = now
        self.alarm = reason
        self._gauge.set(1)
