"""RFC 9162 Merkle tree: CT reference vectors, a naive cross-check, and tamper detection of proofs."""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Iterator

import pytest

from connectors.base.tlog.merkle import (
    EMPTY_ROOT,
    TreeBuilder,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    subtree_root,
    verify_consistency,
    verify_inclusion,
)

# The Certificate Transparency reference data (the C++ log's merkle_tree_test.cc, carried
# over into github.com/transparency-dev/merkle proof/verify_test.go and testonly).
CT_LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]
CT_ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # size 0
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",  # size 8
    )
]
# (0-based leaf index, tree size, audit path), from the same reference tests.
CT_INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        [
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (
        1,
        5,
        [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
]
# (old size, new size, consistency proof), from the same reference tests.
CT_CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        [
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        [
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
]

MAX_SIZE = 64


# --- an independent, deliberately naive implementation of RFC 9162 §2.1 -----------------


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def _k(n: int) -> int:
    """Largest power of two smaller than n, found by counting up."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _naive_mth(hashes: list[bytes]) -> bytes:
    if not hashes:
        return _sha(b"")
    if len(hashes) == 1:
        return hashes[0]
    k = _k(len(hashes))
    return _sha(b"\x01" + _naive_mth(hashes[:k]) + _naive_mth(hashes[k:]))


def _naive_path(m: int, hashes: list[bytes]) -> list[bytes]:
    if len(hashes) == 1:
        return []
    k = _k(len(hashes))
    if m < k:
        return [*_naive_path(m, hashes[:k]), _naive_mth(hashes[k:])]
    return [*_naive_path(m - k, hashes[k:]), _naive_mth(hashes[:k])]


def _naive_subproof(m: int, hashes: list[bytes], b: bool) -> list[bytes]:
    n = len(hashes)
    if m == n:
        return [] if b else [_naive_mth(hashes)]
    k = _k(n)
    if m <= k:
        return [*_naive_subproof(m, hashes[:k], b), _naive_mth(hashes[k:])]
    return [*_naive_subproof(m - k, hashes[k:], False), _naive_mth(hashes[:k])]


def _path_shape(m: int, n: int) -> list[str]:
    """Which side each audit path element sits on: the whole of what a verifier learns from (m, n)."""
    if n == 1:
        return []
    k = _k(n)
    if m < k:
        return [*_path_shape(m, k), "right"]
    return [*_path_shape(m - k, n - k), "left"]


def _subproof_shape(m: int, n: int, b: bool) -> list[str]:
    if m == n:
        return [] if b else ["old"]
    k = _k(n)
    if m <= k:
        return [*_subproof_shape(m, k, b), "right"]
    return [*_subproof_shape(m - k, n - k, False), "left"]


# --- fixtures -----------------------------------------------------------------------------

LEAVES = [_sha(b"\x00" + f"audit record {i}".encode()) for i in range(2 * MAX_SIZE + 80)]
ROOTS = [_naive_mth(LEAVES[:n]) for n in range(2 * MAX_SIZE + 2)]


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def _with(proof: list[bytes], i: int, element: bytes) -> list[bytes]:
    return [*proof[:i], element, *proof[i + 1 :]]


def _tamperings(
    proof: list[bytes], first: bytes, second: bytes, every: bool, rng: random.Random
) -> Iterator[tuple[list[bytes], bytes, bytes]]:
    """``(proof, first, second)`` with one bit flipped somewhere.

    Every bit of every hash when ``every``, else one random bit of each hash.
    """

    def bits() -> range | list[int]:
        return range(256) if every else [rng.randrange(256)]

    for i, element in enumerate(proof):
        for bit in bits():
            yield _with(proof, i, _flip(element, bit)), first, second
    for bit in bits():
        yield proof, _flip(first, bit), second
    for bit in bits():
        yield proof, first, _flip(second, bit)


# --- hashing and roots ----------------------------------------------------------------------


def test_hashes_are_domain_separated_sha256() -> None:
    # given
    data, left, right = b"entry", _sha(b"a"), _sha(b"b")

    # when
    leaf, node = leaf_hash(data), node_hash(left, right)

    # then
    assert leaf == hashlib.sha256(b"\x00entry").digest()
    assert node == hashlib.sha256(b"\x01" + left + right).digest()
    assert EMPTY_ROOT == hashlib.sha256(b"").digest() == CT_ROOTS[0]


@pytest.mark.parametrize("size", range(len(CT_ROOTS)))
def test_ct_reference_roots(size: int) -> None:
    # given
    hashes = [leaf_hash(entry) for entry in CT_LEAVES[:size]]

    # when
    got = root(hashes)

    # then
    assert got == CT_ROOTS[size]
    assert _naive_mth([_sha(b"\x00" + e) for e in CT_LEAVES[:size]]) == CT_ROOTS[size]


def test_root_matches_naive_implementation() -> None:
    # given
    sizes = range(2 * MAX_SIZE + 2)

    # when
    got = [root(LEAVES[:n]) for n in sizes]

    # then
    assert got == ROOTS


def test_subtree_root_is_root_of_the_slice() -> None:
    # given
    start, end = 5, 27

    # when
    got = subtree_root(LEAVES, start, end)

    # then
    assert got == _naive_mth(LEAVES[start:end])
    with pytest.raises(ValueError, match="range"):
        subtree_root(LEAVES[:10], 3, 11)


def test_root_rejects_hashes_of_the_wrong_length() -> None:
    # given
    hashes = [LEAVES[0], b"short"]

    # when / then
    with pytest.raises(ValueError, match="leaf hash 1 is 5 bytes"):
        root(hashes)


# --- inclusion proofs -----------------------------------------------------------------------


@pytest.mark.parametrize(("index", "size", "path"), CT_INCLUSION)
def test_ct_reference_inclusion_proofs(index: int, size: int, path: list[str]) -> None:
    # given
    hashes = [leaf_hash(entry) for entry in CT_LEAVES[:size]]
    expected = [bytes.fromhex(h) for h in path]

    # when
    proof = inclusion_proof(index, hashes)

    # then
    assert proof == expected
    assert verify_inclusion(index, size, hashes[index], expected, CT_ROOTS[size])


def test_inclusion_proofs_match_naive_path_and_verify() -> None:
    # given
    cases = [(i, n) for n in range(1, MAX_SIZE + 1) for i in range(n)]

    # when
    proofs = {(i, n): inclusion_proof(i, LEAVES[:n]) for i, n in cases}

    # then
    for (i, n), proof in proofs.items():
        assert proof == _naive_path(i, LEAVES[:n]), (i, n)
        assert verify_inclusion(i, n, LEAVES[i], proof, ROOTS[n]), (i, n)


@pytest.mark.parametrize("size", [1, 2, 5, 8, 13])
def test_inclusion_every_flipped_bit_fails(size: int) -> None:
    # given
    rng = random.Random(0)
    proofs = [(i, inclusion_proof(i, LEAVES[:size])) for i in range(size)]

    # when
    accepted = [
        (i, bad_proof, bad_leaf, bad_root)
        for i, proof in proofs
        for bad_proof, bad_leaf, bad_root in _tamperings(proof, LEAVES[i], ROOTS[size], True, rng)
        if verify_inclusion(i, size, bad_leaf, bad_proof, bad_root)
    ]

    # then
    assert accepted == []


def test_inclusion_random_flipped_bit_fails_for_every_proof() -> None:
    # given
    rng = random.Random(6962)
    tampered = 0

    # when
    accepted = []
    for n in range(1, MAX_SIZE + 1):
        for i in range(n):
            proof = inclusion_proof(i, LEAVES[:n])
            for bad_proof, bad_leaf, bad_root in _tamperings(
                proof, LEAVES[i], ROOTS[n], False, rng
            ):
                tampered += 1
                if verify_inclusion(i, n, bad_leaf, bad_proof, bad_root):
                    accepted.append((i, n))

    # then
    assert tampered > 3 * MAX_SIZE * (MAX_SIZE + 1) // 2
    assert accepted == []


def test_inclusion_changed_index_fails() -> None:
    # given
    cases = [(i, n) for n in range(1, MAX_SIZE + 1) for i in range(n)]

    # when
    accepted = []
    for i, n in cases:
        proof = inclusion_proof(i, LEAVES[:n])
        accepted += [
            (i, n, other)
            for other in range(-1, n + 2)
            if other != i and verify_inclusion(other, n, LEAVES[i], proof, ROOTS[n])
        ]

    # then
    assert accepted == []


def test_inclusion_changed_size_fails_unless_the_path_is_the_same() -> None:
    # RFC 9162 proofs only bind the tree size through the shape of the audit path: a proof
    # for leaf 0 of a 5-leaf tree is also a valid proof "for size 8" (against the same
    # root). The size is bound by the signed checkpoint, not by the proof.
    # given
    cases = [(i, n) for n in range(1, MAX_SIZE + 1) for i in range(n)]

    # when
    wrong = []
    shape_preserving = 0
    for i, n in cases:
        proof = inclusion_proof(i, LEAVES[:n])
        for other in [0, *range(max(1, n // 2), 2 * n + 2)]:
            if other == n:
                continue
            same_shape = i < other and _path_shape(i, other) == _path_shape(i, n)
            shape_preserving += same_shape
            if verify_inclusion(i, other, LEAVES[i], proof, ROOTS[n]) != same_shape:
                wrong.append((i, n, other))

    # then
    assert wrong == []
    assert shape_preserving > 0
    five = inclusion_proof(0, LEAVES[:5])
    assert verify_inclusion(0, 8, LEAVES[0], five, ROOTS[5])  # same path shape as size 5
    assert not verify_inclusion(0, 9, LEAVES[0], five, ROOTS[5])


def test_inclusion_proof_length_is_checked() -> None:
    # given
    i, n = 5, 13
    proof = inclusion_proof(i, LEAVES[:n])

    # when
    variants = [proof[:-1], [*proof, ROOTS[n]], [ROOTS[n], *proof], [], [*proof[:1], *proof]]

    # then
    assert all(not verify_inclusion(i, n, LEAVES[i], v, ROOTS[n]) for v in variants)


def test_inclusion_verifier_rejects_malformed_input() -> None:
    # given
    proof = inclusion_proof(2, LEAVES[:4])

    # when
    results = [
        verify_inclusion(2, 4, LEAVES[2], proof, ROOTS[4][:31]),
        verify_inclusion(2, 4, LEAVES[2][:31], proof, ROOTS[4]),
        verify_inclusion(2, 4, LEAVES[2], [proof[0] + b"\x00", proof[1]], ROOTS[4]),
        verify_inclusion(0, 0, EMPTY_ROOT, [], EMPTY_ROOT),
        verify_inclusion(-1, 4, LEAVES[2], proof, ROOTS[4]),
    ]

    # then
    assert results == [False] * len(results)
    assert verify_inclusion(2, 4, LEAVES[2], proof, ROOTS[4])


@pytest.mark.parametrize(("index", "size"), [(-1, 3), (3, 3), (0, 0)])
def test_inclusion_proof_index_out_of_range(index: int, size: int) -> None:
    # given
    hashes = LEAVES[:size]

    # when / then
    with pytest.raises(ValueError, match=f"leaf index {index} is out of range"):
        inclusion_proof(index, hashes)


# --- consistency proofs -----------------------------------------------------------------------


@pytest.mark.parametrize(("old", "new", "path"), CT_CONSISTENCY)
def test_ct_reference_consistency_proofs(old: int, new: int, path: list[str]) -> None:
    # given
    hashes = [leaf_hash(entry) for entry in CT_LEAVES[:new]]
    expected = [bytes.fromhex(h) for h in path]

    # when
    proof = consistency_proof(old, hashes)

    # then
    assert proof == expected
    assert verify_consistency(old, new, CT_ROOTS[old], CT_ROOTS[new], expected)


def test_consistency_proofs_match_naive_subproof_and_verify() -> None:
    # given
    pairs = [(m, n) for n in range(1, MAX_SIZE + 1) for m in range(1, n + 1)]

    # when
    proofs = {(m, n): consistency_proof(m, LEAVES[:n]) for m, n in pairs}

    # then
    for (m, n), proof in proofs.items():
        assert proof == _naive_subproof(m, LEAVES[:n], True), (m, n)
        assert verify_consistency(m, n, ROOTS[m], ROOTS[n], proof), (m, n)


@pytest.mark.parametrize(("old", "new"), [(1, 1), (1, 2), (3, 7), (6, 8), (4, 13), (5, 13)])
def test_consistency_every_flipped_bit_fails(old: int, new: int) -> None:
    # given
    proof = consistency_proof(old, LEAVES[:new])
    rng = random.Random(0)

    # when
    accepted = [
        (bad_proof, bad_old, bad_new)
        for bad_proof, bad_old, bad_new in _tamperings(proof, ROOTS[old], ROOTS[new], True, rng)
        if verify_consistency(old, new, bad_old, bad_new, bad_proof)
    ]

    # then
    assert accepted == []


def test_consistency_random_flipped_bit_fails_for_every_pair() -> None:
    # given
    rng = random.Random(9162)
    pairs = [(m, n) for n in range(1, MAX_SIZE + 1) for m in range(1, n + 1)]

    # when
    accepted = [
        (m, n)
        for m, n in pairs
        for bad_proof, bad_old, bad_new in _tamperings(
            consistency_proof(m, LEAVES[:n]), ROOTS[m], ROOTS[n], False, rng
        )
        if verify_consistency(m, n, bad_old, bad_new, bad_proof)
    ]

    # then
    assert accepted == []


def test_consistency_changed_old_size_fails() -> None:
    # given
    pairs = [(m, n) for n in range(1, MAX_SIZE + 1) for m in range(1, n + 1)]

    # when
    accepted = []
    for m, n in pairs:
        proof = consistency_proof(m, LEAVES[:n])
        accepted += [
            (m, n, other)
            for other in range(-1, n + 2)
            if other != m and verify_consistency(other, n, ROOTS[m], ROOTS[n], proof)
        ]

    # then
    assert accepted == []


def test_consistency_changed_new_size_fails_unless_the_proof_is_the_same() -> None:
    # As for inclusion proofs, the new size is bound only through the shape of the proof;
    # the checkpoint signature binds it for real.
    # given
    pairs = [(m, n) for n in range(1, MAX_SIZE + 1) for m in range(1, n + 1)]

    # when
    wrong = []
    shape_preserving = 0
    for m, n in pairs:
        proof = consistency_proof(m, LEAVES[:n])
        for other in [0, *range(max(1, n // 2), 2 * n + 2)]:
            if other == n:
                continue
            if other < m:
                same_shape = False
            elif other == m:
                same_shape = not proof and ROOTS[m] == ROOTS[n]
            else:
                same_shape = bool(proof) and _subproof_shape(m, other, True) == _subproof_shape(
                    m, n, True
                )
            shape_preserving += same_shape
            if verify_consistency(m, other, ROOTS[m], ROOTS[n], proof) != same_shape:
                wrong.append((m, n, other))

    # then
    assert wrong == []
    assert shape_preserving > 0


def test_consistency_proof_variants_fail() -> None:
    # given
    m, n = 6, 13
    proof = consistency_proof(m, LEAVES[:n])

    # when
    variants = [
        proof[:-1],
        [*proof, ROOTS[m]],
        [ROOTS[m], *proof],
        [proof[0], *proof],
        [],
    ]

    # then
    assert all(not verify_consistency(m, n, ROOTS[m], ROOTS[n], v) for v in variants)
    assert not verify_consistency(m, n, ROOTS[n], ROOTS[m], proof)


def test_consistency_edge_sizes() -> None:
    # given
    n = 9

    # when
    from_empty = consistency_proof(0, LEAVES[:n])
    to_itself = consistency_proof(n, LEAVES[:n])

    # then
    assert from_empty == [] and to_itself == []
    assert verify_consistency(0, n, EMPTY_ROOT, ROOTS[n], [])
    assert not verify_consistency(0, n, ROOTS[1], ROOTS[n], [])
    assert not verify_consistency(0, n, EMPTY_ROOT, ROOTS[n], [ROOTS[n]])
    assert verify_consistency(n, n, ROOTS[n], ROOTS[n], [])
    assert not verify_consistency(n, n, ROOTS[n], ROOTS[n - 1], [])
    assert not verify_consistency(n, n, ROOTS[n], ROOTS[n], [ROOTS[n]])
    assert not verify_consistency(n, n - 1, ROOTS[n], ROOTS[n - 1], [])


@pytest.mark.parametrize(("old", "size"), [(-1, 4), (5, 4)])
def test_consistency_proof_size_out_of_range(old: int, size: int) -> None:
    # given
    hashes = LEAVES[:size]

    # when / then
    with pytest.raises(ValueError, match=f"old tree size {old} is out of range"):
        consistency_proof(old, hashes)


# --- the incremental builder ------------------------------------------------------------------


def test_tree_builder_root_matches_root_for_every_size() -> None:
    # given
    leaves = [_sha(b"\x00" + i.to_bytes(2, "big")) for i in range(200)]
    builder = TreeBuilder()

    # when
    roots = [builder.root()]
    for h in leaves:
        builder.append(h)
        roots.append(builder.root())

    # then
    assert builder.size == 200
    assert roots == [root(leaves[:n]) for n in range(201)]


def test_tree_builder_keeps_one_subtree_per_set_bit() -> None:
    # given
    builder = TreeBuilder()

    # when
    indices = [builder.append(h) for h in LEAVES[:13]]
    size, stack = builder.state()

    # then
    assert indices == list(range(13))
    assert size == 13
    assert [height for height, _ in stack] == [3, 2, 0]
    assert [h for _, h in stack] == [
        _naive_mth(LEAVES[0:8]),
        _naive_mth(LEAVES[8:12]),
        LEAVES[12],
    ]


@pytest.mark.parametrize("cut", [0, 1, 2, 3, 7, 8, 31, 64, 100, 150])
def test_tree_builder_resumes_from_state(cut: int) -> None:
    # given
    first = TreeBuilder()
    first.extend(LEAVES[:cut])
    size, stack = first.state()
    persisted = (size, [(height, h.hex()) for height, h in stack])

    # when
    resumed = TreeBuilder.from_state(
        persisted[0], [(height, bytes.fromhex(h)) for height, h in persisted[1]]
    )
    resumed.extend(LEAVES[cut:150])

    # then
    assert first.root() == _naive_mth(LEAVES[:cut])
    assert resumed.size == 150
    assert resumed.root() == _naive_mth(LEAVES[:150])


@pytest.mark.parametrize(
    ("size", "stack", "message"),
    [
        (3, [(1, LEAVES[0])], "heights"),
        (2, [(0, LEAVES[0]), (0, LEAVES[1])], "heights"),
        (1, [(0, LEAVES[0][:31])], "31 bytes"),
        (-1, [], "non-negative"),
        (0, [(0, LEAVES[0])], "heights"),
    ],
)
def test_tree_builder_rejects_inconsistent_state(
    size: int, stack: list[tuple[int, bytes]], message: str
) -> None:
    # given / when / then
    with pytest.raises(ValueError, match=message):
        TreeBuilder.from_state(size, stack)


def test_tree_builder_rejects_a_leaf_of_the_wrong_length() -> None:
    # given
    builder = TreeBuilder()

    # when / then
    with pytest.raises(ValueError, match="33 bytes"):
        builder.append(LEAVES[0] + b"\x00")
    assert builder.size == 0


# --- efficiency -------------------------------------------------------------------------------


def test_proofs_for_a_large_tree_are_linear_time() -> None:
    # given
    n = 1 << 18
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n)]
    index, old = 123_457, 200_001

    # when
    start = time.perf_counter()
    top = root(leaves)
    proof = inclusion_proof(index, leaves)
    consistency = consistency_proof(old, leaves)
    elapsed = time.perf_counter() - start

    # then
    assert verify_inclusion(index, n, leaves[index], proof, top)
    assert verify_consistency(old, n, root(leaves[:old]), top, consistency)
    assert elapsed < 5, f"{elapsed:.1f} s for 3 passes over {n} leaves"
