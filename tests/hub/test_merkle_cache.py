"""The subtree cache: the same roots and consistency proofs as the RFC 9162 definitions, in
O(log² n) hashes once the leaves are in."""

from __future__ import annotations

import hashlib
import time

import pytest

from connectors.base.tlog.merkle import (
    SubtreeCache,
    consistency_proof,
    leaf_hash,
    verify_consistency,
)
from tests.hub.test_merkle import (
    CT_CONSISTENCY,
    CT_LEAVES,
    CT_ROOTS,
    LEAVES,
    MAX_SIZE,
    ROOTS,
    _naive_subproof,
)


@pytest.mark.parametrize(("old", "new", "path"), CT_CONSISTENCY)
def test_ct_reference_consistency_proofs_from_the_cache(
    old: int, new: int, path: list[str]
) -> None:
    # given a cache of the CT reference leaves
    cache = SubtreeCache()
    cache.extend(leaf_hash(entry) for entry in CT_LEAVES)
    # when the proof is made from the cache
    proof = cache.consistency_proof(old, new)
    # then it is the reference proof
    assert proof == [bytes.fromhex(h) for h in path]
    assert cache.root(new) == CT_ROOTS[new]


def test_roots_and_proofs_match_the_naive_definitions_for_every_pair() -> None:
    # given a cache filled in uneven pieces
    cache = SubtreeCache()
    for start in range(0, MAX_SIZE, 5):
        cache.extend(LEAVES[start : min(start + 5, MAX_SIZE)])
    assert cache.size == MAX_SIZE
    for n in range(1, MAX_SIZE + 1):
        # then every root is the naive Merkle Tree Hash
        assert cache.root(n) == ROOTS[n], n
        for m in range(1, n + 1):
            # and every proof is the naive SUBPROOF, and verifies
            proof = cache.consistency_proof(m, n)
            assert proof == _naive_subproof(m, LEAVES[:n], True), (m, n)
            assert verify_consistency(m, n, ROOTS[m], ROOTS[n], proof), (m, n)


def test_sizes_outside_the_cache_are_refused() -> None:
    cache = SubtreeCache()
    cache.extend(LEAVES[:10])
    with pytest.raises(ValueError, match="out of range"):
        cache.consistency_proof(3, 11)
    with pytest.raises(ValueError, match="out of range"):
        cache.consistency_proof(8, 7)
    with pytest.raises(ValueError, match="out of range"):
        cache.root(11)
    with pytest.raises(ValueError, match="expected 32"):
        cache.extend([b"short"])


def test_a_proof_from_a_large_cache_costs_log_squared_not_n() -> None:
    # given a cache of 2^18 leaves (filled once)
    n = 1 << 18
    leaves = [hashlib.sha256(i.to_bytes(4, "big")).digest() for i in range(n)]
    cache = SubtreeCache()
    cache.extend(leaves)
    old = 200_001
    # when 1,000 consistency proofs are made
    start = time.perf_counter()
    for _ in range(1000):
        proof = cache.consistency_proof(old, n)
    elapsed = time.perf_counter() - start
    # then they equal the linear-time proof, and take well under a millisecond each
    assert proof == consistency_proof(old, leaves)
    assert elapsed < 2, f"{elapsed:.2f} s for 1,000 proofs"
