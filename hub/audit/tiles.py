"""The audit tree's tiles in the hub database: the ones a batch grows, and the ones a proof reads.

The tiles (``audit_tiles``, C2SP tlog-tiles of height 8, see :mod:`connectors.base.tlog.tiles`)
are written by the integrator in the transaction that appends the batch's leaves and signs its
checkpoint, so the stored tiles always describe the latest checkpoint's tree exactly. A proof
reads only the tiles it needs, in one query: O(log n) rows of at most 8 KiB, and at most 255
hashes computed per tile, whatever the length of the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import and_, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from connectors.base.tlog.tiles import (
    HEIGHT,
    WIDTH,
    TileTree,
    consistency_tiles,
    inclusion_tiles,
    root_tiles,
    tile_width,
)
from hub.audit.models import audit_tiles

TileId = tuple[int, int]  # (level, index)


class TilesMissing(RuntimeError):
    """A tile the tree needs is not stored, or is narrower than the tree: the stored tiles do
    not describe the signed tree (``fyt audit verify`` checks the leaves against it)."""


async def read(conn: AsyncConnection, ids: Iterable[TileId]) -> dict[TileId, bytes]:
    """The stored hashes of the tiles ``ids`` (those stored), in one query."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    t = audit_tiles
    stmt = select(t.c.level, t.c.tile_index, t.c.hashes).where(
        or_(*(and_(t.c.level == level, t.c.tile_index == index) for level, index in wanted))
    )
    return {(r.level, r.tile_index): bytes(r.hashes) for r in await conn.execute(stmt)}


def edge_ids(size: int) -> dict[int, TileId]:
    """The partial last tile of each level of a tree of ``size`` (a level whose last tile is
    full has none): what :func:`connectors.base.tlog.tiles.grow` extends."""
    out = {}
    level = 0
    while (count := size >> (HEIGHT * level)) > 0:
        if count % WIDTH:
            out[level] = (level, count // WIDTH)
        level += 1
    return out


async def edge(conn: AsyncConnection, size: int) -> dict[int, bytes]:
    """The stored partial last tile of each level of the tree of ``size``, cut to its width.
    Raises :class:`TilesMissing` when one is not stored or is too narrow."""
    ids = edge_ids(size)
    stored = await read(conn, ids.values())
    out = {}
    for level, tile in ids.items():
        width = tile_width(level, tile[1], size)
        hashes = stored.get(tile, b"")
        if len(hashes) < 32 * width:
            raise TilesMissing(
                f"tile {tile[1]} of level {level} holds {len(hashes) // 32} hashes; the tree of"
                f" size {size} needs {width}"
            )
        out[level] = hashes[: 32 * width]
    return out


async def write(
    conn: AsyncConnection, grown: Mapping[TileId, bytes], stored: Iterable[TileId]
) -> None:
    """Store the tiles a batch grew: ``stored`` are those already in the table (the partial
    tiles the batch extended), updated in place; the others are inserted."""
    existing = set(stored)
    rows = [
        {"level": level, "tile_index": index, "width": len(h) // 32, "hashes": h}
        for (level, index), h in sorted(grown.items())
    ]
    new = [r for r in rows if (r["level"], r["tile_index"]) not in existing]
    if new:
        await conn.execute(insert(audit_tiles), new)
    t = audit_tiles
    for r in rows:
        if (r["level"], r["tile_index"]) in existing:
            await conn.execute(
                update(t)
                .where(t.c.level == r["level"], t.c.tile_index == r["tile_index"])
                .values(width=r["width"], hashes=r["hashes"])
            )


async def load(conn: AsyncConnection, tree: TileTree, needed: Iterable[TileId]) -> None:
    """Read into ``tree`` the tiles of ``needed`` it does not hold yet (one query)."""
    missing = tree.missing(needed)
    stored = await read(conn, missing)
    for level, index in sorted(missing):
        hashes = stored.get((level, index))
        if hashes is None:
            raise TilesMissing(f"tile {index} of level {level} is not stored")
        try:
            tree.add(level, index, hashes)
        except ValueError as exc:
            raise TilesMissing(str(exc)) from None


async def inclusion_proof(conn: AsyncConnection, index: int, size: int) -> list[bytes]:
    """The RFC 9162 audit path of leaf ``index`` in the tree of ``size``, from its tiles."""
    tree = TileTree(size)
    await load(conn, tree, inclusion_tiles(index, size))
    return tree.inclusion_proof(index)


async def consistency_proof(conn: AsyncConnection, old: int, size: int) -> list[bytes]:
    """The RFC 9162 consistency proof from the tree of ``old`` to the tree of ``size``."""
    tree = TileTree(size)
    await load(conn, tree, consistency_tiles(old, size))
    return tree.consistency_proof(old)


async def root(conn: AsyncConnection, size: int) -> bytes:
    """The root of the tree of ``size``, from its tiles (what its checkpoint signs)."""
    tree = TileTree(size)
    await load(conn, tree, root_tiles(size))
    return tree.root()
