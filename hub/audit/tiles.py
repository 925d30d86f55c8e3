"""The audit tree's tiles in the hub database: the ones a batch grows, and the ones a proof reads.

The tiles (``audit_tiles``, C2SP tlog-tiles of height 8, see :mod:`connectors.base.tlog.tiles`)
are written by the integrator in the transaction that appends the batch's leaves and signs its
checkpoint, so the stored tiles always describe the latest checkpoint's tree exactly. A proof
reads only the tiles it needs, in one query: O(log n) rows of at most 8 KiB, and at most 255
hashes computed per tile, whatever the length of the log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import and_, func, insert, or_, select, update
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

    Raises :class:`TilesMissing` when one is not stored or is too narrow, and when a stored
    tile holds hashes the tree of ``size`` does not have (tiles beyond the signed tree: a batch
    grown from ``size`` could not be stored over them)."""
    t = audit_tiles
    levels: list[TileId] = []  # per level of the tree, its last tile
    while (count := size >> (HEIGHT * len(levels))) > 0:
        levels.append((len(levels), (count - 1) // WIDTH))
    # the last stored tile of each level, and the highest level stored: index look-ups
    probes = [
        select(func.max(t.c.tile_index)).where(t.c.level == level).scalar_subquery()
        for level in range(len(levels) + 1)
    ]
    *last, top = (
        await conn.execute(select(*probes, select(func.max(t.c.level)).scalar_subquery()))
    ).one()
    for level, stored_last in enumerate(last):
        mine = levels[level][1] if level < len(levels) else None
        if stored_last is not None and (mine is None or stored_last > mine):
            raise TilesMissing(
                f"tile {stored_last} of level {level} is stored, beyond the tree of size {size}:"
                " the stored tiles reach beyond it"
            )
    if top is not None and top > len(levels):
        raise TilesMissing(
            f"a tile of level {top} is stored, beyond the tree of size {size}: the stored"
            " tiles reach beyond it"
        )
    stored = await read(conn, levels)
    out = {}
    for level, index in levels:
        width = tile_width(level, index, size)
        hashes = stored.get((level, index), b"")
        if len(hashes) != 32 * width:
            more = len(hashes) > 32 * width
            raise TilesMissing(
                f"tile {index} of level {level} holds {len(hashes) // 32} hashes; the tree of"
                f" size {size} {'has' if more else 'needs'} {width}"
                + (": the stored tiles reach beyond it" if more else "")
            )
        if width < WIDTH:
            out[level] = hashes
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
