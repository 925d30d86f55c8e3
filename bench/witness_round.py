"""The cost of a witness round: one checkpoint sent to W witnesses and their cosignatures kept.

    python bench/witness_round.py [--entries 100000] [--witnesses 3] [--rounds 50] [--batch 200]
                                  [--url postgresql://postgres@127.0.0.1:5432/postgres]

Builds a throw-away hub log of N entries (SQLite in a temporary directory, or a throw-away
PostgreSQL database with --url), starts W witnesses as real HTTP servers on loopback (each its
own uvicorn server and SQLite store, synchronous=FULL), and then:

1. the first round (every witness at old size 0: no consistency proof yet);
2. R steady rounds: B new entries recorded and integrated (one checkpoint), then one round that
   sends it to every witness with a consistency proof from its last size, verifies and stores
   the cosignatures. Reports the round's wall time p50/p95/max, and the witness's own time per
   request (parse, signature, proof, fsync'd update, cosignature).

All on one machine: the witnesses share its cores with the hub.
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

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey  # noqa: E402

from connectors.base.tlog.checkpoint import vkey  # noqa: E402
from connectors.base.witness import Witness, WitnessStore, witness_app  # noqa: E402
from hub.audit.integrator import integrate  # noqa: E402
from hub.audit.keys import AuditKeys, generate_audit_keys  # noqa: E402
from hub.audit.witness import WitnessConfig, WitnessPolicy, WitnessSender  # noqa: E402
from hub.db.engine import create_hub_engine, upgrade  # noqa: E402
from tests.conftest import _create_pg_database, _drop_pg_database  # noqa: E402
from tests.hub.test_audit_integrity import entry, insert_entries  # noqa: E402
from tests.servers import Served  # noqa: E402


def pct(data: list[float], p: float) -> float:
    data = sorted(data)
    return round(data[min(len(data) - 1, int(p / 100 * len(data)))] * 1000, 2)


class Timed:
    """A witness whose add_checkpoint time is recorded."""

    def __init__(self, witness: Witness) -> None:
        self.seconds: list[float] = []
        inner = witness.add_checkpoint

        def timed(raw: bytes) -> Any:
            started = time.perf_counter()
            try:
                return inner(raw)
            finally:
                self.seconds.append(time.perf_counter() - started)

        witness.add_checkpoint = timed  # type: ignore[method-assign]


async def run(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    generate_audit_keys(workdir / "audit.key", workdir / "audit.pem")
    keys = AuditKeys.load(workdir / "audit.key", workdir / "audit.pem", "bench.example/audit")
    dropped = None
    if args.url:
        dropped, url = await _create_pg_database(args.url)
    else:
        url = f"sqlite+aiosqlite:///{workdir / 'hub.sqlite3'}"
    engine = create_hub_engine(url)
    servers: list[Served] = []
    witnesses: list[Witness] = []
    try:
        await upgrade(engine)
        for start in range(0, args.entries, 5000):
            await insert_entries(
                engine, [entry(i) for i in range(start, min(start + 5000, args.entries))]
            )
        while await integrate(engine, keys) != args.entries:
            pass
        timers = []
        configs = []
        for w in range(args.witnesses):
            witness = Witness(
                f"witness{w}.bench.example",
                Ed25519PrivateKey.generate(),
                [vkey(keys.origin, keys.public_key)],
                WitnessStore(workdir / f"witness{w}.sqlite3"),
            )
            timers.append(Timed(witness))
            served = Served(witness_app(witness))
            await served.start()
            servers.append(served)
            witnesses.append(witness)
            configs.append(WitnessConfig(witness.cosigner, served.url))
        sender = WitnessSender(engine, WitnessPolicy(tuple(configs), quorum=len(configs)))
        sender.start()
        try:
            started = time.perf_counter()
            first = await sender.run_round()
            first_round = time.perf_counter() - started
            assert all(o.status == "cosigned" for o in first), first
            rounds = []
            for r in range(args.rounds):
                base = args.entries + r * args.batch
                await insert_entries(engine, [entry(base + i) for i in range(args.batch)])
                await integrate(engine, keys)
                started = time.perf_counter()
                outcomes = await sender.run_round()
                rounds.append(time.perf_counter() - started)
                assert all(o.status == "cosigned" for o in outcomes), outcomes
        finally:
            await sender.stop()
        per_request = [s for t in timers for s in t.seconds[1:]]
        return {
            "database": "postgresql" if args.url else "sqlite",
            "entries": args.entries,
            "witnesses": args.witnesses,
            "batch": args.batch,
            "first_round_ms": round(first_round * 1000, 1),
            "round_p50_ms": pct(rounds, 50),
            "round_p95_ms": pct(rounds, 95),
            "round_max_ms": pct(rounds, 100),
            "witness_request_p50_ms": pct(per_request, 50),
            "witness_request_p95_ms": pct(per_request, 95),
        }
    finally:
        for served in servers:
            await served.stop()
        for witness in witnesses:
            witness.store.close()
        await engine.dispose()
        if dropped is not None:
            await _drop_pg_database(args.url, dropped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--witnesses", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--batch", type=int, default=200, help="entries per checkpoint")
    parser.add_argument("--url", default=os.environ.get("BENCH_DATABASE_URL"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fyt-witness-bench-") as tmp:
        print(json.dumps(asyncio.run(run(args, Path(tmp))), indent=2))


if __name__ == "__main__":
    main()
