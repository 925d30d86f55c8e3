"""C2SP tlog-tiles: tile coordinates and paths, growing tiles, and hashes and proofs read from tiles."""

# A tree is stored as tiles of height 8 (C2SP tlog-tiles, https://c2sp.org/tlog-tiles). Level 0
# holds the leaf hashes; level L holds the hashes of the complete perfect subtrees of height 8·L
# (each covers 256^L leaves), left to right. Tile N of level L holds that level's hashes
# N·256 ... N·256 + 255; the last tile of a level is partial (width 1..255) until it fills. A tile
# only ever grows at its end, so a narrower tile is a prefix of a wider one of the same
# coordinate: a tree of size s is read from the tiles of any larger tree, cut to width
# ``tile_width(level, index, s)``.
#
# Every hash an RFC 9162 proof needs is the Merkle Tree Hash of a range [lo, hi) that splits
# into aligned perfect subtrees (a range in the recursion always starts at a multiple of the
# largest power of two below its width). A perfect subtree of height h = 8·L + r (r < 8) is the
# tree over 2^r consecutive hashes of level L, all in one tile, so a proof reads one tile per
# level and side, and hashes at most 255 nodes per tile it reads.

from __future__ import annotations

import hashlib
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping, Sequence

__all__ = [
    "HEIGHT",
    "WIDTH",
    "TileTree",
    "consistency_tiles",
    "grow",
    "inclusion_tiles",
    "parse_tile_path",
    "tile_path",
    "tile_width",
    "tiles_of",
]

HEIGHT = 8
"""Tile height: levels of the tree per tile (C2SP tlog-tiles fixes 8)."""
WIDTH = 1 << HEIGHT
"""Hashes in a full tile (256)."""
HASH_SIZE = 32
MAX_LEVEL = 63
"""The highest level a tile path may name (C2SP tlog-tiles)."""

_sha256 = hashlib.sha256
TileId = tuple[int, int]  # (level, index)


def _node(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right).digest()


def tile_width(level: int, index: int, size: int) -> int:
    """How many hashes tile ``index`` of ``level`` holds in a tree of ``size`` leaves (0: none)."""
    count = size >> (HEIGHT * level)  # complete subtrees of height 8·level
    return max(0, min(WIDTH, count - index * WIDTH))


def tiles_of(size: int) -> Iterator[tuple[int, int, int]]:
    """Every tile of a tree of ``size``: ``(level, index, width)``, level by level."""
    level = 0
    while (count := size >> (HEIGHT * level)) > 0:
        for index in range((count + WIDTH - 1) // WIDTH):
            yield level, index, tile_width(level, index, size)
        level += 1


# --- paths ------------------------------------------------------------------------------------

_GROUP = re.compile(r"x[0-9]{3}")
_LAST = re.compile(r"[0-9]{3}")
_LEVEL = re.compile(r"0|[1-9][0-9]?")
_PARTIAL = re.compile(r"[1-9][0-9]{0,2}")
MAX_INDEX = (1 << 63) - 1  # a BIGINT; no tree this hub keeps comes near


def _index_path(index: int) -> str:
    groups = []
    while True:
        groups.append(f"{index % 1000:03d}")
        index //= 1000
        if index == 0:
            break
    groups.reverse()
    return "/".join([*(f"x{g}" for g in groups[:-1]), groups[-1]])


def tile_path(level: int, index: int, width: int = WIDTH) -> str:
    """The path of a tile under a log's prefix: ``tile/<L>/<N>[.p/<W>]``, ``N`` in groups of
    three digits, all but the last prefixed with ``x`` (1234067 is ``x001/x234/067``)."""
    if not 0 <= level <= MAX_LEVEL or not 0 <= index <= MAX_INDEX or not 1 <= width <= WIDTH:
        raise ValueError(f"no tile has level {level}, index {index} and width {width}")
    partial = "" if width == WIDTH else f".p/{width}"
    return f"tile/{level}/{_index_path(index)}{partial}"


def parse_tile_path(path: str) -> tuple[int, int, int]:
    """``(level, index, width)`` of a path written as :func:`tile_path` writes it (without the
    leading ``tile/``, e.g. ``0/x001/x234/067.p/9``); ``ValueError`` for anything else. Exactly
    one spelling is accepted per tile: no leading zeros beyond the three digits of a group, no
    group of index 0 in front, no width 0 or 256 after ``.p``."""
    parts = path.split("/")
    width = WIDTH
    if len(parts) >= 3 and parts[-2].endswith(".p"):
        if _PARTIAL.fullmatch(parts[-1]) is None or int(parts[-1]) >= WIDTH:
            raise ValueError(f"a partial tile's width is 1 to {WIDTH - 1}, written plainly")
        width = int(parts[-1])
        parts = [*parts[:-2], parts[-2].removesuffix(".p")]
    if len(parts) < 2 or _LEVEL.fullmatch(parts[0]) is None or int(parts[0]) > MAX_LEVEL:
        raise ValueError(f"a tile path starts with its level, 0 to {MAX_LEVEL}, written plainly")
    groups = parts[1:]
    if _LAST.fullmatch(groups[-1]) is None or any(_GROUP.fullmatch(g) is None for g in groups[:-1]):
        raise ValueError("a tile index is written in groups of three digits: x001/x234/067")
    if len(groups) > 1 and groups[0] == "x000":
        raise ValueError("a tile index has no leading group of zeros")
    index = int("".join(g.removeprefix("x") for g in groups))
    if index > MAX_INDEX:
        raise ValueError("the tile index is out of range")
    return int(parts[0]), index, width


# --- growing ----------------------------------------------------------------------------------


def _tile_root(hashes: bytes) -> bytes:
    """The root of the perfect tree over a full tile's 256 hashes."""
    level = [hashes[k : k + HASH_SIZE] for k in range(0, len(hashes), HASH_SIZE)]
    while len(level) > 1:
        level = [_node(level[k], level[k + 1]) for k in range(0, len(level), 2)]
    return level[0]


def grow(size: int, edge: Mapping[int, bytes], leaves: Sequence[bytes]) -> dict[TileId, bytes]:
    """The tiles that change when ``leaves`` (leaf hashes) are appended to a tree of ``size``:
    ``{(level, index): hashes}``, each the whole tile as it is after the append.

    ``edge[level]`` holds the hashes of the partial tile at the end of each level of the tree of
    ``size`` (a wider tile is cut to its width; a level whose last tile is full needs none).
    """
    out: dict[TileId, bytes] = {}
    new = b"".join(leaves)
    if len(new) != HASH_SIZE * len(leaves):
        raise ValueError(f"every leaf hash is {HASH_SIZE} bytes")
    level = 0
    tile_bytes = WIDTH * HASH_SIZE
    while new:
        count = size >> (HEIGHT * level)  # hashes of this level before the append
        held = (count % WIDTH) * HASH_SIZE
        prefix = bytes(edge.get(level, b""))[:held]
        if len(prefix) != held:
            raise ValueError(
                f"the partial tile {count // WIDTH} of level {level} holds"
                f" {len(prefix) // HASH_SIZE} hashes; a tree of size {size} needs {held // HASH_SIZE}"
            )
        data = prefix + new
        first = count // WIDTH
        parents = []
        for k in range(0, len(data), tile_bytes):
            tile = data[k : k + tile_bytes]
            out[(level, first + k // tile_bytes)] = tile
            if len(tile) == tile_bytes:
                parents.append(_tile_root(tile))
        new = b"".join(parents)
        level += 1
    return out


# --- reading ----------------------------------------------------------------------------------


def _split(n: int) -> int:
    """The largest power of two strictly less than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def _perfect(lo: int, hi: int) -> Iterator[tuple[int, int]]:
    """The aligned perfect subtrees ``(height, index)`` a proof's range [lo, hi) splits into."""
    width = hi - lo
    if width & (width - 1) == 0:
        height = width.bit_length() - 1
        if lo % width:
            raise ValueError(f"range [{lo}, {hi}) is not an aligned subtree")
        yield height, lo >> height
        return
    k = _split(width)
    yield from _perfect(lo, lo + k)
    yield from _perfect(lo + k, hi)


def _tile_of(height: int, index: int) -> TileId:
    level, r = divmod(height, HEIGHT)
    return level, (index << r) >> HEIGHT


def _inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose hashes make the audit path of leaf ``index`` (RFC 9162 §2.1.3.1 PATH),
    from the leaf's sibling up."""
    if not 0 <= index < size:
        raise ValueError(f"leaf index {index} is out of range for a tree of size {size}")
    ranges = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def _consistency_ranges(old: int, size: int) -> list[tuple[int, int]]:
    """The ranges whose hashes make the proof that the first ``old`` leaves are a prefix of the
    tree of ``size`` (RFC 9162 §2.1.4.1 PROOF), in the proof's order."""
    if not 0 <= old <= size:
        raise ValueError(f"old tree size {old} is out of range for a tree of size {size}")
    if old in (0, size):
        return []
    ranges = []
    lo, hi, complete = 0, size, True  # SUBPROOF(old - lo, D[lo:hi], complete)
    while old - lo != hi - lo:
        k = _split(hi - lo)
        if old - lo <= k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            complete = False
    if not complete:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


def _tiles(ranges: Iterable[tuple[int, int]]) -> set[TileId]:
    return {_tile_of(h, i) for lo, hi in ranges for h, i in _perfect(lo, hi)}


def inclusion_tiles(index: int, size: int) -> set[TileId]:
    """The tiles ``(level, index)`` an inclusion proof of leaf ``index`` in a tree of ``size``
    reads: at most two per level."""
    return _tiles(_inclusion_ranges(index, size))


def consistency_tiles(old: int, size: int) -> set[TileId]:
    """The tiles a consistency proof from ``old`` to ``size`` reads."""
    return _tiles(_consistency_ranges(old, size))


def root_tiles(size: int) -> set[TileId]:
    """The tiles the root of a tree of ``size`` is computed from (the last of each level)."""
    return _tiles([(0, size)]) if size else set()


class TileTree:
    """The hashes of the tree of ``size`` leaves, computed from tiles given with :meth:`add`.

    Tiles wider than the tree needs are cut to its width. The first time a tile is used, the
    subtrees inside it are hashed level by level (at most 255 hashes) and kept with it, at most
    ``keep`` tiles (least recently used dropped first): proofs of neighbouring leaves (an export,
    in leaf order) share their tiles, so proving a run of m leaves costs O(m + log n) hashes,
    not O(m · log n), and one proof at most 255 hashes per tile it reads.
    """

    def __init__(self, size: int, *, keep: int = 256) -> None:
        if size < 0:
            raise ValueError(f"tree size must not be negative, got {size}")
        self.size = size
        self._keep = keep
        # (level, index) -> the tile's hashes level by level inside it: [0] the tile's own
        # hashes, [r] the complete subtrees of 2^r of them
        self._tiles: OrderedDict[TileId, list[list[bytes]]] = OrderedDict()

    def add(self, level: int, index: int, hashes: bytes) -> None:
        """Hold tile ``index`` of ``level``; a tile this tree has no hash of is ignored."""
        width = tile_width(level, index, self.size)
        if width == 0:
            return
        if len(hashes) % HASH_SIZE or len(hashes) < width * HASH_SIZE:
            raise ValueError(
                f"tile {index} of level {level} holds {len(hashes) / HASH_SIZE:g} hashes; a tree"
                f" of size {self.size} needs {width}"
            )
        row = [bytes(hashes[k : k + HASH_SIZE]) for k in range(0, width * HASH_SIZE, HASH_SIZE)]
        self._tiles[(level, index)] = [row]
        self._tiles.move_to_end((level, index))
        while len(self._tiles) > self._keep:
            self._tiles.popitem(last=False)

    def missing(self, needed: Iterable[TileId]) -> set[TileId]:
        """Of the tiles ``needed``, those not held."""
        return {t for t in needed if t not in self._tiles}

    def subtree(self, height: int, index: int) -> bytes:
        """The hash of the complete perfect subtree of ``height`` at ``index`` (it covers leaves
        index·2^height up to, not including, (index + 1)·2^height)."""
        if (index + 1) << height > self.size:
            raise ValueError(
                f"the subtree of height {height} at {index} is not complete in a tree of size"
                f" {self.size}"
            )
        level, r = divmod(height, HEIGHT)
        tile = (index << r) >> HEIGHT
        levels = self._tiles.get((level, tile))
        if levels is None:
            raise KeyError(f"tile {tile} of level {level} is not held")
        self._tiles.move_to_end((level, tile))
        while len(levels) <= r:  # hash the tile's next level up, once
            below = levels[-1]
            pairs = iter(below)
            levels.append(
                [_sha256(b"\x01" + a + b).digest() for a, b in zip(pairs, pairs, strict=False)]
            )
        return levels[r][index - (tile << (HEIGHT - r))]

    def range_hash(self, lo: int, hi: int) -> bytes:
        """The Merkle Tree Hash of leaves [lo, hi), a range of a proof (see the module)."""
        width = hi - lo
        if width & (width - 1) == 0:
            if lo % width:
                raise ValueError(f"range [{lo}, {hi}) is not an aligned subtree")
            height = width.bit_length() - 1
            return self.subtree(height, lo >> height)
        k = _split(width)
        return _node(self.range_hash(lo, lo + k), self.range_hash(lo + k, hi))

    def root(self) -> bytes:
        """The Merkle Tree Hash of the tree (RFC 9162 §2.1.1)."""
        if self.size == 0:
            return _sha256(b"").digest()
        return self.range_hash(0, self.size)

    def inclusion_proof(self, index: int) -> list[bytes]:
        """The audit path of leaf ``index``, from its sibling up (RFC 9162 §2.1.3.1)."""
        return [self.range_hash(lo, hi) for lo, hi in _inclusion_ranges(index, self.size)]

    def consistency_proof(self, old: int) -> list[bytes]:
        """The proof that the tree of ``old`` leaves is a prefix of this one (RFC 9162 §2.1.4.1)."""
        return [self.range_hash(lo, hi) for lo, hi in _consistency_ranges(old, self.size)]
