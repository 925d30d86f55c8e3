"""C2SP tlog-tiles: paths as the spec writes them, tiles grown batch by batch against a naive
definition, and proofs from tiles against the RFC 9162 proofs of merkle.py and its verifiers."""

from __future__ import annotations

import hashlib
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.base.tlog.merkle import (
    consistency_proof,
    inclusion_proof,
    root,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)
from connectors.base.tlog.tiles import (
    TileTree,
    consistency_tiles,
    grow,
    inclusion_tiles,
    parse_tile_path,
    root_tiles,
    tile_path,
    tile_width,
    tiles_of,
)


def synthetic(n: int) -> list[bytes]:
    """n made-up leaf hashes (any 32 bytes will do: the tree never looks inside)."""
    return [hashlib.sha256(b"leaf %d" % i).digest() for i in range(n)]


def naive_tiles(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every tile straight from the definition: level L, tile N, position j holds the Merkle Tree
    Hash of leaves [(256N + j)·256^L, (256N + j + 1)·256^L), for each such complete range."""
    out: dict[tuple[int, int], bytes] = {}
    level = 0
    span = 1
    while span <= len(leaves):
        complete = len(leaves) // span
        hashes = [subtree_root(leaves, i * span, (i + 1) * span) for i in range(complete)]
        for n in range(0, complete, 256):
            out[(level, n // 256)] = b"".join(hashes[n : n + 256])
        level += 1
        span *= 256
    return out


def grown(leaves: list[bytes], batches: list[int]) -> dict[tuple[int, int], bytes]:
    """The tiles as an integrator would store them, appending the leaves in those batch sizes."""
    stored: dict[tuple[int, int], bytes] = {}
    size = 0
    for b in [*batches, len(leaves)]:
        batch = leaves[size : min(len(leaves), size + b)]
        if not batch:
            continue
        edge = {}
        for (level, index), hashes in stored.items():
            if (
                tile_width(level, index, size) not in (0, 256)
                and (size >> (8 * level)) // 256 == index
            ):
                edge[level] = hashes
        for tile, hashes in grow(size, edge, batch).items():
            if tile in stored:  # a tile only grows at its end
                assert hashes.startswith(stored[tile])
            stored[tile] = hashes
        size += len(batch)
    return stored


def tree_of(leaves: list[bytes], tiles: dict[tuple[int, int], bytes]) -> TileTree:
    tree = TileTree(len(leaves), keep=len(tiles))
    for (level, index), hashes in tiles.items():
        tree.add(level, index, hashes)
    return tree


# --- paths ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "index", "width", "path"),
    [
        # the spec's example: N = 1234067 is written x001/x234/067
        (0, 1234067, 256, "tile/0/x001/x234/067"),
        (1, 0, 256, "tile/1/000"),
        (0, 999, 256, "tile/0/999"),
        (0, 1000, 256, "tile/0/x001/000"),
        (2, 5, 7, "tile/2/005.p/7"),
        (0, 1234067, 255, "tile/0/x001/x234/067.p/255"),
        (63, 0, 1, "tile/63/000.p/1"),
    ],
)
def test_tile_paths_as_the_spec_writes_them(level: int, index: int, width: int, path: str) -> None:
    assert tile_path(level, index, width) == path
    assert parse_tile_path(path.removeprefix("tile/")) == (level, index, width)


@pytest.mark.parametrize(
    "path",
    [
        "",
        "0",
        "0/",
        "00/000",  # a level with a leading zero
        "64/000",  # levels end at 63
        "-1/000",
        "0/00",  # groups are three digits
        "0/0000",
        "0/1",
        "0/x000/001",  # no leading group of zeros: 1 is 001
        "0/001/x234",  # only groups before the last carry x
        "0/x001",  # the last group carries no x
        "0/X001/000",
        "0/000.p/0",  # widths are 1 to 255
        "0/000.p/256",
        "0/000.p/007",  # no leading zeros in a width
        "0/000.p/",
        "0/000.p",
        "0/000.p/1/2",
        "0/000/.p/5",
        "0/ 001",
        "0/+01",
        "0/x1000/000",
        "0/x009/x223/x372/x036/x854/x775/808",  # 2^63: past a BIGINT
        "0/０００",  # full-width digits are not digits here
        "entries/000",  # entry bundles are not hash tiles
    ],
)
def test_tile_paths_that_are_refused(path: str) -> None:
    with pytest.raises(ValueError):
        parse_tile_path(path)


def test_tile_widths() -> None:
    # a tree of 70000 leaves: 273 full leaf tiles and one of 112; 273 hashes of level 1 (one
    # full tile and one of 17); 70000 >> 16 = 1 hash of level 2
    assert tile_width(0, 273, 70000) == 70000 - 273 * 256 == 112
    assert tile_width(0, 272, 70000) == 256
    assert tile_width(0, 274, 70000) == 0
    assert tile_width(1, 0, 70000) == 256
    assert tile_width(1, 1, 70000) == 273 - 256 == 17
    assert tile_width(2, 0, 70000) == 1
    assert tile_width(3, 0, 70000) == 0
    assert list(tiles_of(0)) == []
    assert list(tiles_of(1)) == [(0, 0, 1)]
    assert list(tiles_of(256)) == [(0, 0, 256), (1, 0, 1)]


# --- growing ----------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 2, 255, 256, 257, 511, 512, 513, 65535, 65536, 65537])
def test_tiles_grown_in_batches_are_the_definition(size: int) -> None:
    # given
    leaves = synthetic(size)
    rng = random.Random(size)
    batches = [rng.choice([1, 3, 200, 256, 257, 2000]) for _ in range(60)]
    # when
    stored = grown(leaves, batches)
    # then
    assert stored == naive_tiles(leaves)
    assert {(level, index) for level, index, _ in tiles_of(size)} == set(stored)


def test_growing_refuses_an_edge_of_the_wrong_width() -> None:
    leaves = synthetic(300)
    tiles = grow(0, {}, leaves)
    with pytest.raises(ValueError, match="holds 44 hashes; a tree of size 301 needs 45"):
        grow(301, {0: tiles[(0, 1)]}, synthetic(1))
    with pytest.raises(ValueError, match="32 bytes"):
        grow(300, {0: tiles[(0, 1)]}, [b"short"])


# --- proofs -----------------------------------------------------------------------------------

EDGE_SIZES = [1, 2, 3, 4, 5, 7, 8, 255, 256, 257, 511, 512, 513, 4096, 65535, 65536, 65537]


@pytest.mark.parametrize("size", EDGE_SIZES)
def test_inclusion_proofs_from_tiles_are_rfc_9162_proofs(size: int) -> None:
    # given
    leaves = synthetic(size)
    tree = tree_of(leaves, grown(leaves, [1000]))
    rng = random.Random(size)
    indexes = {0, size - 1, size // 2, (size - 1) & ~255, min(size - 1, 256), min(size - 1, 255)}
    indexes |= {rng.randrange(size) for _ in range(3)}
    expected_root = root(leaves)
    # when / then
    assert tree.root() == expected_root
    for index in sorted(indexes):
        proof = tree.inclusion_proof(index)
        assert proof == inclusion_proof(index, leaves), index
        assert verify_inclusion(index, size, leaves[index], proof, expected_root)


@pytest.mark.parametrize("size", EDGE_SIZES)
def test_consistency_proofs_from_tiles_are_rfc_9162_proofs(size: int) -> None:
    # given
    leaves = synthetic(size)
    tree = tree_of(leaves, grown(leaves, [777]))
    rng = random.Random(size)
    olds = {0, 1, size, size - 1, size // 2, min(size, 256), min(size, 255), min(size, 257)}
    olds |= {rng.randrange(size + 1) for _ in range(3)}
    new_root = root(leaves)
    # when / then
    for old in sorted(olds):
        proof = tree.consistency_proof(old)
        assert proof == consistency_proof(old, leaves), old
        assert verify_consistency(old, size, root(leaves[:old]), new_root, proof)


def test_a_smaller_tree_reads_the_tiles_of_a_larger_one() -> None:
    # given the tiles of 1000 leaves: an older tree of 300 cuts them to its widths
    leaves = synthetic(1000)
    stored = grown(leaves, [1000])
    old = TileTree(300)
    for (level, index), hashes in stored.items():
        old.add(level, index, hashes)
    # then
    assert old.root() == root(leaves[:300])
    assert old.inclusion_proof(299) == inclusion_proof(299, leaves[:300])


def test_a_proof_names_the_tiles_it_reads_and_needs_no_others() -> None:
    # given a tree of 65537 leaves
    leaves = synthetic(65537)
    stored = grown(leaves, [65537])
    for index, old in [(0, 1), (65536, 256), (300, 65536), (12345, 4097)]:
        needed = inclusion_tiles(index, 65537) | consistency_tiles(old, 65537) | root_tiles(65537)
        # at most two tiles per level and kind: the reads are O(log n)
        assert len(needed) <= 12
        tree = TileTree(65537)
        for tile in needed:
            tree.add(*tile, stored[tile])
        # when / then: those tiles alone are enough
        assert tree.inclusion_proof(index) == inclusion_proof(index, leaves)
        assert tree.consistency_proof(old) == consistency_proof(old, leaves)
        assert tree.root() == root(leaves)
    # and a tile left out is missed, not guessed
    tree = TileTree(65537)
    with pytest.raises(KeyError, match="tile 0 of level 0 is not held"):
        tree.inclusion_proof(3)


def test_a_tile_too_narrow_for_the_tree_is_refused() -> None:
    tree = TileTree(300)
    with pytest.raises(ValueError, match="needs 44"):
        tree.add(0, 1, synthetic(1)[0] * 10)


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(min_value=1, max_value=2000),
    data=st.data(),
)
def test_tiles_and_proofs_hold_for_any_tree(size: int, data: st.DataObject) -> None:
    # given a tree grown in arbitrary batches
    leaves = synthetic(size)
    batches = data.draw(st.lists(st.integers(min_value=1, max_value=600), max_size=8))
    stored = grown(leaves, batches)
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    old = data.draw(st.integers(min_value=0, max_value=size))
    tree = tree_of(leaves, stored)
    # then
    assert stored == naive_tiles(leaves)
    proof = tree.inclusion_proof(index)
    assert proof == inclusion_proof(index, leaves)
    assert verify_inclusion(index, size, leaves[index], proof, root(leaves))
    cproof = tree.consistency_proof(old)
    assert cproof == consistency_proof(old, leaves)
    assert verify_consistency(old, size, root(leaves[:old]), root(leaves), cproof)
