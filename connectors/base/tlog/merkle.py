"""RFC 9162 §2.1 Merkle tree hashing: tree roots, an incremental builder, inclusion and consistency proofs, a subtree cache."""

# Every function here works on LEAF HASHES (``leaf_hash(entry)``), never on raw entries,
# so the caller hashes each audit record once and stores the 32-byte result.
#
# Proof generation follows the recursive definitions of RFC 9162 §2.1.3.1 (PATH) and
# §2.1.4.1 (PROOF/SUBPROOF) literally, walking down from the root. Each step needs the
# Merkle Tree Hash of the sibling range it does not descend into; those ranges are
# disjoint, so a proof costs at most n - 1 node hashes and O(log n) extra memory.
# Verification follows the algorithms of §2.1.3.2 and §2.1.4.2 step by step.
#
# Verifiers never raise on bad input: anything that does not check out (wrong sizes,
# hashes of the wrong length, an index past the end) is simply ``False``. Generators
# raise ``ValueError`` for an index or size outside the tree, which is a caller bug.

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Sequence

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "SubtreeCache",
    "TreeBuilder",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "root",
    "subtree_root",
    "verify_consistency",
    "verify_inclusion",
]

HASH_SIZE = 32
"""Length in bytes of every hash in the tree (SHA-256)."""

_sha256 = hashlib.sha256

EMPTY_ROOT: bytes = _sha256(b"").digest()
"""Merkle Tree Hash of the empty list, ``SHA-256()`` (RFC 9162 §2.1.1)."""


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 ‖ data)``: the hash of one log entry."""
    return _sha256(b"\x00" + bytes(data)).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 ‖ left ‖ right)``: the hash of an interior node."""
    return _sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly less than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def _check_leaves(leaves: Sequence[bytes]) -> None:
    if set(map(len, leaves)) <= {HASH_SIZE}:
        return
    for i, h in enumerate(leaves):
        if len(h) != HASH_SIZE:
            raise ValueError(f"leaf hash {i} is {len(h)} bytes, expected {HASH_SIZE}")


def _mth(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    """Merkle Tree Hash of ``leaves[start:end]``, computed level by level.

    Pairing neighbours left to right and carrying an odd last node up unchanged builds
    exactly the RFC 9162 tree, whose left subtree is always the largest perfect one.
    """
    if end <= start:
        return EMPTY_ROOT
    level = leaves[start:end]
    while len(level) > 1:
        pairs = iter(level)
        paired = [
            _sha256(b"\x01" + left + right).digest()
            for left, right in zip(pairs, pairs, strict=False)
        ]
        if len(level) & 1:
            paired.append(level[-1])
        level = paired
    return bytes(level[0])


def root(leaves: Sequence[bytes]) -> bytes:
    """Merkle Tree Hash (RFC 9162 §2.1.1) of a list of leaf hashes; ``EMPTY_ROOT`` when empty."""
    _check_leaves(leaves)
    return _mth(leaves, 0, len(leaves))


def subtree_root(leaves: Sequence[bytes], start: int, end: int) -> bytes:
    """Merkle Tree Hash of the leaf hashes ``leaves[start:end]``."""
    if not 0 <= start <= end <= len(leaves):
        raise ValueError(f"range [{start}, {end}) is not within a tree of size {len(leaves)}")
    _check_leaves(leaves[start:end])
    return _mth(leaves, start, end)


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The audit path (RFC 9162 §2.1.3.1 PATH) of leaf ``index`` in the tree of ``leaves``.

    The list runs from the leaf's sibling up to the child of the root.
    """
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError(f"leaf index {index} is out of range for a tree of size {n}")
    _check_leaves(leaves)
    top_down: list[bytes] = []
    lo, hi = 0, n
    while hi - lo > 1:
        mid = lo + _split(hi - lo)
        if index < mid:  # PATH(m, D[0:k]) : MTH(D[k:n])
            top_down.append(_mth(leaves, mid, hi))
            hi = mid
        else:  # PATH(m - k, D[k:n]) : MTH(D[0:k])
            top_down.append(_mth(leaves, lo, mid))
            lo = mid
    top_down.reverse()
    return top_down


def consistency_proof(old_size: int, leaves: Sequence[bytes]) -> list[bytes]:
    """The proof (RFC 9162 §2.1.4.1 PROOF) that the first ``old_size`` leaves are a prefix of ``leaves``.

    Empty when ``old_size`` is 0 or ``len(leaves)``: those are consistent by definition.
    """
    n = len(leaves)
    if not 0 <= old_size <= n:
        raise ValueError(f"old tree size {old_size} is out of range for a tree of size {n}")
    _check_leaves(leaves)
    return _consistency(lambda lo, hi: _mth(leaves, lo, hi), old_size, n)


def _consistency(mth: Callable[[int, int], bytes], old_size: int, n: int) -> list[bytes]:
    """PROOF(old_size, D[0:n]) with ``mth(lo, hi)`` the Merkle Tree Hash of ``D[lo:hi]``."""
    if old_size in (0, n):
        return []
    top_down: list[bytes] = []
    lo, hi, m, b = 0, n, old_size, True  # SUBPROOF(m, D[lo:hi], b)
    while m != hi - lo:
        mid = lo + _split(hi - lo)
        if m <= mid - lo:  # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
            top_down.append(mth(mid, hi))
            hi = mid
        else:  # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
            top_down.append(mth(lo, mid))
            m -= mid - lo
            lo = mid
            b = False
    if not b:  # SUBPROOF(m, D[m], false) = {MTH(D[m])}
        top_down.append(mth(lo, hi))
    top_down.reverse()
    return top_down


def _is_hash(value: object) -> bool:
    return isinstance(value, bytes | bytearray | memoryview) and len(value) == HASH_SIZE


def _is_size(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def verify_inclusion(
    index: int, size: int, leaf_hash: bytes, proof: Sequence[bytes], root: bytes
) -> bool:
    """Whether ``proof`` shows leaf ``index`` with hash ``leaf_hash`` is in the tree of ``size`` with ``root``.

    The algorithm of RFC 9162 §2.1.3.2.
    """
    if not (_is_size(index) and _is_size(size) and index < size):
        return False
    if not (_is_hash(leaf_hash) and _is_hash(root) and all(_is_hash(p) for p in proof)):
        return False
    fn, sn = index, size - 1
    r = bytes(leaf_hash)
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(bytes(p), r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, bytes(p))
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(r, bytes(root))


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether ``proof`` shows the tree (``old_size``, ``old_root``) is a prefix of (``new_size``, ``new_root``).

    The algorithm of RFC 9162 §2.1.4.2. Equal sizes need an empty proof and equal roots;
    an old size of 0 needs an empty proof and ``old_root == EMPTY_ROOT``.
    """
    if not (_is_size(old_size) and _is_size(new_size) and old_size <= new_size):
        return False
    if not (_is_hash(old_root) and _is_hash(new_root) and all(_is_hash(p) for p in proof)):
        return False
    old_root, new_root = bytes(old_root), bytes(new_root)
    if old_size == new_size:
        return len(proof) == 0 and hmac.compare_digest(old_root, new_root)
    if old_size == 0:
        return len(proof) == 0 and hmac.compare_digest(old_root, EMPTY_ROOT)
    if len(proof) == 0:
        return False
    path = [bytes(p) for p in proof]
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(fr, old_root) and hmac.compare_digest(sr, new_root)


class TreeBuilder:
    """An append-only Merkle tree kept as the stack of its perfect subtrees (a compact range).

    A tree of size n is the concatenation of perfect subtrees whose heights are the set
    bits of n, largest first; the builder keeps one ``(height, hash)`` per subtree, so it
    needs O(log n) memory and amortised O(1) hashes per append. ``state()`` and
    ``from_state()`` let an integrator persist it and resume.
    """

    __slots__ = ("_size", "_stack")

    def __init__(self) -> None:
        self._size = 0
        self._stack: list[tuple[int, bytes]] = []

    @classmethod
    def from_state(cls, size: int, stack: Iterable[tuple[int, bytes]]) -> TreeBuilder:
        """Resume from ``state()``: ``stack`` is ``(height, hash)`` of the perfect subtrees, left to right."""
        if not _is_size(size):
            raise ValueError(f"tree size must be a non-negative integer, got {size!r}")
        entries = [(height, bytes(h)) for height, h in stack]
        expected = [b for b in range(size.bit_length() - 1, -1, -1) if size >> b & 1]
        heights = [height for height, _ in entries]
        if heights != expected:
            raise ValueError(
                f"a tree of size {size} has perfect subtrees of heights {expected}, got {heights}"
            )
        for height, h in entries:
            if len(h) != HASH_SIZE:
                raise ValueError(
                    f"subtree hash at height {height} is {len(h)} bytes, expected {HASH_SIZE}"
                )
        builder = cls()
        builder._size = size
        builder._stack = entries
        return builder

    def state(self) -> tuple[int, list[tuple[int, bytes]]]:
        """``(size, [(height, hash), ...])``, the input of ``from_state``."""
        return self._size, list(self._stack)

    @property
    def size(self) -> int:
        """The number of leaves appended so far."""
        return self._size

    def append(self, leaf_hash: bytes) -> int:
        """Append one leaf hash; returns its index."""
        if len(leaf_hash) != HASH_SIZE:
            raise ValueError(f"leaf hash is {len(leaf_hash)} bytes, expected {HASH_SIZE}")
        node, height = bytes(leaf_hash), 0
        stack = self._stack
        while stack and stack[-1][0] == height:
            node = node_hash(stack.pop()[1], node)
            height += 1
        stack.append((height, node))
        index = self._size
        self._size += 1
        return index

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append several leaf hashes in order."""
        for h in leaf_hashes:
            self.append(h)

    def root(self) -> bytes:
        """The Merkle Tree Hash of the leaves appended so far."""
        if not self._stack:
            return EMPTY_ROOT
        r = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            r = node_hash(left, r)
        return r

    def __repr__(self) -> str:
        return f"TreeBuilder(size={self._size}, root={self.root().hex()})"


class SubtreeCache:
    """Every complete perfect subtree's hash, level by level, so that any tree size's root and
    any consistency proof cost O(log² n) hashes instead of O(n).

    Level ``h`` holds ``MTH(leaves[i·2^h : (i+1)·2^h])`` for each ``i`` whose subtree is complete,
    32 bytes each in one ``bytearray``: about 64 bytes per leaf in all. ``extend`` appends leaf
    hashes and fills the levels above; every range an RFC 9162 proof needs splits into such
    aligned perfect subtrees (a range ``[lo, hi)`` of the tree always starts at a multiple of
    the largest power of two below ``hi - lo``).
    """

    __slots__ = ("_levels",)

    def __init__(self) -> None:
        self._levels: list[bytearray] = [bytearray()]

    @property
    def size(self) -> int:
        """The number of leaves held."""
        return len(self._levels[0]) // HASH_SIZE

    def extend(self, leaf_hashes: Iterable[bytes]) -> None:
        """Append leaf hashes in order, and the parents they complete."""
        levels = self._levels
        for h in leaf_hashes:
            if len(h) != HASH_SIZE:
                raise ValueError(f"leaf hash is {len(h)} bytes, expected {HASH_SIZE}")
            node = bytes(h)
            height = 0
            while True:
                if height == len(levels):
                    levels.append(bytearray())
                level = levels[height]
                level += node
                count = len(level) // HASH_SIZE
                if count & 1:
                    break
                node = _sha256(b"\x01" + level[-2 * HASH_SIZE :]).digest()
                height += 1

    def _node(self, height: int, index: int) -> bytes:
        return bytes(self._levels[height][index * HASH_SIZE : (index + 1) * HASH_SIZE])

    def _mth(self, lo: int, hi: int) -> bytes:
        width = hi - lo
        if width <= 0:
            return EMPTY_ROOT
        if width & (width - 1) == 0:  # a perfect subtree, aligned
            height = width.bit_length() - 1
            return self._node(height, lo >> height)
        k = _split(width)
        return node_hash(self._mth(lo, lo + k), self._mth(lo + k, hi))

    def root(self, size: int) -> bytes:
        """The Merkle Tree Hash of the first ``size`` leaves."""
        if not 0 <= size <= self.size:
            raise ValueError(f"tree size {size} is out of range for a cache of {self.size} leaves")
        return self._mth(0, size)

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """The same proof as :func:`consistency_proof` for the first ``new_size`` leaves."""
        if not 0 <= new_size <= self.size:
            raise ValueError(
                f"tree size {new_size} is out of range for a cache of {self.size} leaves"
            )
        if not 0 <= old_size <= new_size:
            raise ValueError(
                f"old tree size {old_size} is out of range for a tree of size {new_size}"
            )
        return _consistency(self._mth, old_size, new_size)
