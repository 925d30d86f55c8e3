"""The audit tree's tiles in the hub database: written by the integrator with each batch, built
by the migration from the stored leaves, grow-only, and the source of every proof."""

from __future__ import annotations

import base64
import importlib.util
import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from connectors.base.tlog.merkle import consistency_proof, inclusion_proof, root
from hub.audit import export, queries, tiles
from hub.audit.integrator import IntegrationRefused, integrate
from hub.audit.keys import AuditKeys, generate_audit_keys
from hub.audit.models import audit_checkpoints, audit_leaves, audit_tiles
from hub.db.engine import create_hub_engine, upgrade
from hub.errors import AuditUnavailable
from tests.conftest import PG_ENV, _create_pg_database, _drop_pg_database
from tests.connectors.test_tlog_tiles import naive_tiles
from tests.hub.test_audit_integrity import entry, insert_entries, tamper
from tests.hub.test_migrations import downgrade

MIGRATION = Path(__file__).parents[2] / "hub/migrations/versions/0012_audit_tiles.py"


async def stored_tiles(engine: AsyncEngine) -> dict[tuple[int, int], bytes]:
    async with engine.connect() as conn:
        rows = await conn.execute(select(audit_tiles))
        out = {}
        for r in rows:
            assert len(r.hashes) == 32 * r.width
            out[(r.level, r.tile_index)] = bytes(r.hashes)
        return out


async def stored_leaves(engine: AsyncEngine) -> list[bytes]:
    async with engine.connect() as conn:
        stmt = select(audit_leaves.c.leaf_hash).order_by(audit_leaves.c.leaf_index)
        return [bytes(h) for h in (await conn.execute(stmt)).scalars()]


async def checkpoint_sizes(engine: AsyncEngine) -> list[int]:
    async with engine.connect() as conn:
        stmt = select(audit_checkpoints.c.tree_size).order_by(audit_checkpoints.c.tree_size)
        return list((await conn.execute(stmt)).scalars())


def keys_in(tmp_path: Path) -> AuditKeys:
    generate_audit_keys(tmp_path / "audit.key", tmp_path / "audit.pem")
    return AuditKeys.load(tmp_path / "audit.key", tmp_path / "audit.pem", "test.example/audit")


@pytest.fixture
async def engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_hub_engine(f"sqlite+aiosqlite:///{tmp_path / 'hub.sqlite3'}")
    await upgrade(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


async def grow_log(engine: AsyncEngine, keys: AuditKeys, batches: list[int]) -> None:
    start = 0
    for b in batches:
        await insert_entries(engine, [entry(start + i) for i in range(b)])
        start += b
        assert await integrate(engine, keys, batch=b) == start


async def test_each_batch_stores_the_tiles_of_its_tree(engine: AsyncEngine, tmp_path: Path) -> None:
    keys = keys_in(tmp_path)
    # given batches that fill a partial tile, cross tile boundaries and fill a whole tile
    for size, batch in [(7, 7), (256, 249), (257, 1), (600, 343), (1100, 500)]:
        # when one more batch is integrated
        await insert_entries(engine, [entry(size * 10 + i) for i in range(batch)])
        assert await integrate(engine, keys, batch=batch) == size
        # then the stored tiles are exactly the tiles of the stored leaves, by definition
        leaves = await stored_leaves(engine)
        assert len(leaves) == size
        assert await stored_tiles(engine) == naive_tiles(leaves)


async def test_proofs_from_stored_tiles_are_the_proofs_of_the_leaves(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    # given a log of 700 entries in checkpoints of several sizes
    keys = keys_in(tmp_path)
    await grow_log(engine, keys, [1, 255, 1, 300, 143])
    leaves = await stored_leaves(engine)
    sizes = await checkpoint_sizes(engine)
    assert sizes == [1, 256, 257, 557, 700]
    async with engine.connect() as conn:
        for size in sizes:
            # when proofs are asked of the tree of each checkpoint (older ones read the newer,
            # wider tiles cut to their widths)
            for index in sorted({0, size // 3, size - 1, min(255, size - 1)}):
                got = await tiles.inclusion_proof(conn, index, size)
                # then they are the RFC 9162 proofs of the leaves
                assert got == inclusion_proof(index, leaves[:size])
            for old in sizes:
                if old <= size:
                    got = await tiles.consistency_proof(conn, old, size)
                    assert got == consistency_proof(old, leaves[:size])
            assert await tiles.root(conn, size) == root(leaves[:size])


async def test_the_migration_builds_the_tiles_of_an_existing_log(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    # given a log integrated before tiles were stored (its tiles dropped with the table)
    keys = keys_in(tmp_path)
    await grow_log(engine, keys, [300, 300, 13])
    before = await stored_tiles(engine)
    await downgrade(engine, "0011")
    # when the hub database is upgraded
    await upgrade(engine)
    # then the tiles are back, exactly
    assert await stored_tiles(engine) == before == naive_tiles(await stored_leaves(engine))
    # and integration goes on from them
    await insert_entries(engine, [entry(10_000 + i) for i in range(100)])
    assert await integrate(engine, keys) == 713
    assert await stored_tiles(engine) == naive_tiles(await stored_leaves(engine))


def migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_tiles_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def fake_log(engine: AsyncEngine, leaves: list[bytes], skip: int | None = None) -> None:
    """Leaves and a checkpoint of their size straight into the tables (no tiles)."""
    await insert_entries(engine, [entry(i) for i in range(len(leaves))])
    rows = [
        {"leaf_index": i, "entry_id": i + 1, "leaf_hash": h}
        for i, h in enumerate(leaves)
        if i != skip
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(audit_leaves), rows)
        await conn.execute(
            insert(audit_checkpoints),
            {
                "tree_size": len(leaves),
                "root": root(leaves),
                "note": "-",
                "state": "{}",
                "created_at": entry(0)["occurred_at"],
            },
        )


@pytest.mark.parametrize("chunk", [7, 256, 1000])
async def test_the_backfill_streams_the_leaves_in_chunks(engine: AsyncEngine, chunk: int) -> None:
    # given 1000 stored leaves and no tiles
    leaves = [bytes([i % 251]) * 31 + bytes([i // 251]) for i in range(1000)]
    await fake_log(engine, leaves)
    module = migration()
    module.CHUNK = chunk
    # when the tiles are built reading `chunk` leaves at a time
    async with engine.begin() as conn:
        await conn.run_sync(module.backfill)
    # then they are the tiles of all the leaves
    assert await stored_tiles(engine) == naive_tiles(leaves)


async def test_the_backfill_stops_at_a_missing_leaf(engine: AsyncEngine, tmp_path: Path) -> None:
    # given 600 leaves of which leaf 300 is missing
    leaves = [bytes([i % 251]) * 31 + bytes([i // 251]) for i in range(600)]
    await fake_log(engine, leaves, skip=300)
    module = migration()
    module.CHUNK = 64
    # when the tiles are built
    async with engine.begin() as conn:
        await conn.run_sync(module.backfill)
    # then they are the tiles of the leaves before the gap, and integration refuses to go on
    assert await stored_tiles(engine) == naive_tiles(leaves[:300])
    async with engine.connect() as conn:
        with pytest.raises(tiles.TilesMissing, match="tree of size 600 needs 88"):
            await tiles.edge(conn, 600)


async def check_grow_only(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            insert(audit_tiles), {"level": 0, "tile_index": 0, "width": 2, "hashes": b"a" * 64}
        )
    t = audit_tiles
    where = (t.c.level == 0, t.c.tile_index == 0)
    refused = [
        update(t).where(*where).values(width=1, hashes=b"a" * 32),  # shrinking
        update(t).where(*where).values(width=3, hashes=b"b" * 96),  # rewriting while growing
        update(t).where(*where).values(width=2, hashes=b"b" * 64),  # rewriting in place
        update(t).where(*where).values(tile_index=1),  # moving
        delete(t).where(*where),
    ]
    for statement in refused:
        with pytest.raises(DBAPIError, match="audit_tiles"):
            async with engine.begin() as conn:
                await conn.execute(statement)
    # a tile's width must say how many hashes it holds
    with pytest.raises(DBAPIError):
        async with engine.begin() as conn:
            await conn.execute(update(t).where(*where).values(width=4, hashes=b"a" * 64 + b"c"))
    # growing at the end is what the integrator does
    async with engine.begin() as conn:
        await conn.execute(update(t).where(*where).values(width=3, hashes=b"a" * 64 + b"c" * 32))
    assert await stored_tiles(engine) == {(0, 0): b"a" * 64 + b"c" * 32}


async def test_tiles_only_grow(engine: AsyncEngine) -> None:
    await check_grow_only(engine)


@pytest.mark.postgres
async def test_tiles_only_grow_on_postgresql(tmp_path: Path) -> None:
    base = os.environ[PG_ENV]
    name, url = await _create_pg_database(base)
    engine = create_hub_engine(url)
    try:
        await upgrade(engine)
        await check_grow_only(engine)
        with pytest.raises(DBAPIError, match="append-only"):
            async with engine.begin() as conn:
                await conn.exec_driver_sql("TRUNCATE audit_tiles")
        # and the integrator's in-place growth passes the trigger there too
        await upgrade(engine)
        async with engine.begin() as conn:
            await conn.exec_driver_sql("ALTER TABLE audit_tiles DISABLE TRIGGER ALL")
            await conn.execute(delete(audit_tiles))
            await conn.exec_driver_sql("ALTER TABLE audit_tiles ENABLE TRIGGER ALL")
        keys = keys_in(tmp_path)
        await grow_log(engine, keys, [3, 300, 10])
        assert await stored_tiles(engine) == naive_tiles(await stored_leaves(engine))
    finally:
        await engine.dispose()
        await _drop_pg_database(base, name)


async def test_a_damaged_tile_gives_no_proof_and_stops_integration(
    engine: AsyncEngine, tmp_path: Path
) -> None:
    # given a log of 300 entries whose partial leaf tile was rewritten
    keys = keys_in(tmp_path)
    await grow_log(engine, keys, [300])
    t = audit_tiles
    async with engine.connect() as conn:
        hashes = (
            await conn.execute(select(t.c.hashes).where(t.c.level == 0, t.c.tile_index == 1))
        ).scalar_one()
        leaf = (
            await conn.execute(select(audit_leaves).where(audit_leaves.c.leaf_index == 3))
        ).one()
        checkpoint = await queries.checkpoint_at(conn, 300)
    forged = bytes(hashes[:-1]) + bytes([hashes[-1] ^ 1])
    await tamper(engine, update(t).where(t.c.level == 0, t.c.tile_index == 1).values(hashes=forged))
    # when an inclusion proof is asked whose path runs through it, or a consistency proof
    async with engine.connect() as conn:
        # then the hub says the log is damaged rather than give a proof that does not verify
        with pytest.raises(AuditUnavailable, match="does not match its signed checkpoint"):
            await queries.inclusion(conn, leaf, checkpoint)
        old = SimpleNamespace(tree_size=257, root=root((await stored_leaves(engine))[:257]))
        with pytest.raises(AuditUnavailable, match="does not match its signed checkpoint"):
            await queries.consistency(conn, old, checkpoint)
    # and the integrator signs nothing grown from it
    await insert_entries(engine, [entry(1000 + i) for i in range(5)])
    with pytest.raises(IntegrationRefused, match="stored tiles do not lead"):
        await integrate(engine, keys)
    assert await checkpoint_sizes(engine) == [300]


async def test_a_missing_tile_gives_no_proof(engine: AsyncEngine, tmp_path: Path) -> None:
    keys = keys_in(tmp_path)
    await grow_log(engine, keys, [300])
    await tamper(engine, delete(audit_tiles).where(audit_tiles.c.level == 0))
    async with engine.connect() as conn:
        leaf: Any = (
            await conn.execute(select(audit_leaves).where(audit_leaves.c.leaf_index == 3))
        ).one()
        checkpoint = await queries.checkpoint_at(conn, 300)
        with pytest.raises(AuditUnavailable):
            await queries.inclusion(conn, leaf, checkpoint)
    await insert_entries(engine, [entry(1000)])
    with pytest.raises(IntegrationRefused, match="tile 1 of level 0 holds 0 hashes"):
        await integrate(engine, keys)


async def test_an_export_reads_each_tile_once_and_proves_every_entry(
    engine: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a log of 1100 entries, and the tile reads counted
    keys = keys_in(tmp_path)
    await grow_log(engine, keys, [600, 500])
    reads: list[set[tuple[int, int]]] = []
    real = tiles.read

    async def counted(conn: Any, ids: Any) -> dict[tuple[int, int], bytes]:
        ids = set(ids)
        if ids:
            reads.append(ids)
        return await real(conn, ids)

    monkeypatch.setattr(tiles, "read", counted)
    monkeypatch.setattr(export, "PROOF_CHUNK", 512)
    # when every entry is exported
    _, records = await export.export_entries(
        engine, datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC) + timedelta(days=1)
    )
    # then each carries the RFC 9162 proof of its leaf in the tree of 1100
    leaves = await stored_leaves(engine)
    assert [r["leafIndex"] for r in records] == list(range(1100))
    for r in records:
        proof = [base64.b64decode(h) for h in r["proof"]]
        assert proof == inclusion_proof(r["leafIndex"], leaves), r["leafIndex"]
    # and the tiles were read in at most one query for the root and one per chunk of 512
    # entries (the last chunk's were all read already), none of them twice
    assert reads == [{(0, 4), (1, 0)}, {(0, 0), (0, 1)}, {(0, 2), (0, 3)}]
    every = [tile for ids in reads for tile in ids]
    assert len(every) == len(set(every))


@pytest.mark.parametrize(
    "statement",
    [
        # a tile after the tree's last one
        insert(audit_tiles).values(level=0, tile_index=2, width=1, hashes=b"x" * 32),
        # the last leaf tile wider than the tree (300 leaves: 44 in tile 1)
        update(audit_tiles)
        .where(audit_tiles.c.level == 0, audit_tiles.c.tile_index == 1)
        .values(width=45, hashes=b"x" * 32 * 45),
        # a level the tree does not reach yet
        insert(audit_tiles).values(level=2, tile_index=0, width=1, hashes=b"x" * 32),
    ],
)
async def test_tiles_beyond_the_signed_tree_stop_integration(
    engine: AsyncEngine, tmp_path: Path, statement: Any
) -> None:
    # given a log of 300 entries with a stored tile the signed tree does not have
    keys = keys_in(tmp_path)
    await grow_log(engine, keys, [300])
    await tamper(engine, statement)
    # when entries are pending
    await insert_entries(engine, [entry(1000 + i) for i in range(5)])
    # then integration is refused, with the reason (a tile the signed tree does not have is
    # evidence of a tampered or rolled-back log), rather than run over it or skipped as if
    # another integrator had stored the batch first
    with pytest.raises(IntegrationRefused, match="the stored tiles reach beyond it"):
        await integrate(engine, keys)
    assert await checkpoint_sizes(engine) == [300]
