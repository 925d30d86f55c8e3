"""Audit writer throughput and write latency on PostgreSQL (group commit).

    python bench/audit_writer.py [--url postgresql://postgres@127.0.0.1:5432/postgres]
                                 [--writers 64] [--seconds 10] [--rate 2000]

Creates a throw-away database, then (1) open loop: entries arriving at a fixed rate (default
2,000/s), each request waiting for its commit; (2) closed loop: W concurrent requests each
appending one entry and waiting for its commit, as fast as they can. Reports entries/s and the write
latency (append → durable) p50/p99. The integrator runs alongside, as in the hub.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hub.audit.flags import FlagTracker  # noqa: E402
from hub.audit.integrator import Integrator  # noqa: E402
from hub.audit.keys import AuditKeys, generate_audit_keys  # noqa: E402
from hub.audit.writer import AuditLog  # noqa: E402
from hub.db.engine import create_hub_engine, upgrade  # noqa: E402
from tests.conftest import _create_pg_database, _drop_pg_database  # noqa: E402
from tests.hub.test_audit_integrity import entry  # noqa: E402


def pct(data: list[float], p: float) -> float:
    data = sorted(data)
    return round(data[min(len(data) - 1, int(p / 100 * len(data)))] * 1000, 2)


async def closed_loop(log: AuditLog, writers: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds

    async def writer(w: int) -> None:
        i = 0
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            await log.append([entry(w * 1_000_000 + i)])
            latencies.append(time.perf_counter() - started)
            i += 1

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(writers)))
    elapsed = time.perf_counter() - started
    return {
        "entries": len(latencies),
        "entries_per_s": round(len(latencies) / elapsed),
        "p50_ms": pct(latencies, 50),
        "p99_ms": pct(latencies, 99),
    }


async def open_loop(log: AuditLog, rate: int, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    tasks = []

    async def one(i: int) -> None:
        started = time.perf_counter()
        await log.append([entry(9_000_000 + i)])
        latencies.append(time.perf_counter() - started)

    started = time.perf_counter()
    total = int(rate * seconds)
    for i in range(total):
        target = started + i / rate
        delay = target - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    return {
        "rate_asked": rate,
        "entries": total,
        "entries_per_s": round(total / elapsed),
        "p50_ms": pct(latencies, 50),
        "p99_ms": pct(latencies, 99),
    }


async def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--url",
        default=os.environ.get(
            "HUB_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    ap.add_argument("--writers", type=int, default=64)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--rate", type=int, default=2000)
    args = ap.parse_args()
    name, url = await _create_pg_database(args.url)
    keys_dir = Path(tempfile.mkdtemp())
    generate_audit_keys(keys_dir / "audit.key", keys_dir / "audit.pem")
    keys = AuditKeys.load(keys_dir / "audit.key", keys_dir / "audit.pem", "bench.example/audit")
    engine = create_hub_engine(url)
    try:
        await upgrade(engine)
        from datetime import time as clock

        log = AuditLog(
            engine,
            keys,
            FlagTracker(
                working_hours=(clock(8, 30), clock(17, 30)), bulk_subjects=200, denied_burst=5
            ),
        )
        integrator = Integrator(engine, keys)
        if not os.environ.get("BENCH_NO_INTEGRATOR"):
            integrator.start()
        opened = await open_loop(log, args.rate, args.seconds)
        closed = await closed_loop(log, args.writers, args.seconds)
        await integrator.stop()
        await log.close()
        print(
            json.dumps(
                {"closed_loop": {"writers": args.writers, **closed}, "open_loop": opened}, indent=2
            )
        )
    finally:
        await engine.dispose()
        await _drop_pg_database(args.url, name)


if __name__ == "__main__":
    asyncio.run(main())
