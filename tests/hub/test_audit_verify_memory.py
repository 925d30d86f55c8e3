"""Verification reads the log in pages: the memory it needs does not grow with the log.

Measured with tracemalloc (what Python allocates, not the process's RSS, which the allocator
may keep), on logs of 400 and 4,000 entries read in pages of 100 rows (the pages are smaller
than the hub's so that the test is quick and the larger log spans many of them). Reading the
whole log at once, as verification used to, took about 2 KB per entry: some 8 MB more for the
larger log.
"""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from bench.audit_generate import generate
from connectors.base.tlog.checkpoint import vkey
from hub.audit import verify
from hub.audit.keys import AuditKeys, generate_audit_keys
from hub.audit.verify import Report, verify_log
from hub.db.engine import create_hub_engine, upgrade

BOUND = 1024 * 1024  # an eighth of what holding the 3,600 more entries would take


async def peak_of_verifying(tmp_path: Path, n: int) -> tuple[int, Report]:
    """The peak of memory allocated while a log of ``n`` entries is verified, and the report."""
    key, pem = tmp_path / f"audit-{n}.key", tmp_path / f"audit-{n}.pem"
    generate_audit_keys(key, pem)
    keys = AuditKeys.load(key, pem, "test.example/audit")
    engine = create_hub_engine(f"sqlite+aiosqlite:///{tmp_path / f'hub-{n}.sqlite3'}")
    try:
        await upgrade(engine)
        await generate(engine, keys, n, batch=100)  # a checkpoint every 100 leaves
        verifier = [vkey(keys.origin, keys.public_key)]
        await verify_log(engine, verifier)  # statements compiled and cached, connection open
        tracemalloc.start()
        try:
            report = await verify_log(engine, verifier)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        return peak, report
    finally:
        await engine.dispose()


async def test_memory_does_not_grow_with_the_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(verify, "PAGE", 100)
    monkeypatch.setattr(verify, "SUBJECT_PAGE", 100)
    # given two sound logs, one ten times the other
    small_peak, small = await peak_of_verifying(tmp_path, 400)
    large_peak, large = await peak_of_verifying(tmp_path, 4_000)
    # then both verify whole, every checkpoint checked
    assert small.ok and large.ok, (small.problems, large.problems)
    assert (small.tree_size, large.tree_size, large.entries) == (400, 4_000, 4_000)
    assert (small.checkpoints, large.checkpoints) == (4, 40)
    # and the larger needs no more memory than the smaller, within a bound far below what
    # keeping its 3,600 more entries would take
    assert large_peak - small_peak < BOUND, (small_peak, large_peak)
