"""The audit log at scale: a log of N entries generated in bulk, then what an operator and an
auditor meet with it.

    python bench/audit_scale.py --entries 10000000 [--url postgresql://postgres@127.0.0.1:5432/postgres]
                                [--idle-seconds 60] [--proofs 2000] [--export 100000]
                                [--integrate 200000] [--data-dir DIR] [--keep]

Without ``--url`` the hub database is SQLite under the data directory; with it, a throw-away
PostgreSQL database is made on that server (and dropped at the end unless ``--keep``). Steps:

1. a demo of 200 persons seeded (keys, tokens, agencies), then N audit entries with their
   leaves and a signed checkpoint every 2,000 (bench/audit_generate.py: the integrator's own
   function grows the tree and signs; the rows go in by COPY on PostgreSQL). The last
   ``--export`` entries are recorded on yesterday's court day;
2. ``fyt audit verify``: wall time and peak RSS (the process's ru_maxrss);
3. ``fyt serve``: CPU of the idle hub over ``--idle-seconds``; then inclusion proofs of random
   entries and consistency proofs between random signed sizes and the latest, over GraphQL as
   the demo auditor, one at a time, latency p50 / p99, with /healthz asked every 50 ms meanwhile
   (its p50 / p99 / max); then a verification through the API (``auditIntegrityStart``), its
   time and /healthz meanwhile;
4. ``fyt audit export`` of yesterday (the last ``--export`` entries): wall time, peak RSS, bytes;
5. the integrator: ``--integrate`` more entries recorded without leaves, integrated batch by
   batch (``hub.audit.integrator.integrate``): entries/s (meant for PostgreSQL; on SQLite it is
   reported with the database named).

Prints one JSON object. A smoke run: ``--entries 20000 --idle-seconds 5 --proofs 50
--integrate 5000``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.audit_generate import _copy, generate, synthetic_entry  # noqa: E402
from bench.profile_load import cpu_seconds, free_port  # noqa: E402
from hub.audit.integrator import integrate  # noqa: E402
from hub.audit.keys import AuditKeys  # noqa: E402
from hub.audit.models import audit_entries, audit_leaves  # noqa: E402
from hub.config import Settings  # noqa: E402
from hub.db.engine import create_hub_engine  # noqa: E402

INCLUSION = (
    """query P($id: String!) { auditInclusionProof(entryId: $id) { leafIndex treeSize hashes } }"""
)
CONSISTENCY = """query C($a: Int!, $b: Int!) {
  auditConsistencyProof(fromSize: $a, toSize: $b) { fromSize toSize hashes } }"""
CHECKPOINT = "{ auditCheckpoint { treeSize } }"
START = "mutation { auditIntegrityStart { started job { id } } }"
JOB = "query J($id: String) { auditIntegrityJob(id: $id) { state checked total error report { ok } } }"


def pct(values: list[float], p: float) -> float | None:
    """The p-th percentile in milliseconds (nearest rank)."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000, 2)


def timed_command(args: list[str], env: dict[str, str], **kwargs: Any) -> dict[str, Any]:
    """Run ``python -m hub.cli ARGS``: wall seconds, peak RSS (MB) and exit status."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "hub.cli", *args], env=env, **kwargs)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit": proc.returncode,
    }


class Healthz:
    """/healthz asked every ``every`` seconds in the background; its latencies."""

    def __init__(self, client: httpx.AsyncClient, every: float = 0.05) -> None:
        self.client, self.every = client, every
        self.waits: list[float] = []
        self.failures = 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            try:
                ok = (await self.client.get("/healthz", timeout=30)).status_code == 200
            except httpx.HTTPError:
                ok = False
            self.waits.append(time.perf_counter() - started)
            self.failures += not ok
            await asyncio.sleep(self.every)

    def __enter__(self) -> Healthz:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *_: object) -> None:
        if self._task is not None:
            self._task.cancel()

    def summary(self) -> dict[str, Any]:
        return {
            "asked": len(self.waits),
            "failed": self.failures,
            "p50_ms": pct(self.waits, 50),
            "p99_ms": pct(self.waits, 99),
            "max_ms": round(max(self.waits) * 1000, 2) if self.waits else None,
        }


async def gql(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/graphql", json={"query": query, "variables": variables})
    body: dict[str, Any] = response.json()
    if body.get("errors"):
        raise RuntimeError(f"{query.split('{')[0].strip()}: {body['errors'][0]['message']}")
    return body["data"]  # type: ignore[no-any-return]


async def against_server(
    port: int, token: str, pid: int, entries: int, sizes: list[int], args: argparse.Namespace
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=600
    ) as client:
        # the idle hub: its integrator ticks, its witnesses (none here) and its jobs
        cpu0, t0 = cpu_seconds(pid), time.perf_counter()
        await asyncio.sleep(args.idle_seconds)
        idle = cpu_seconds(pid) - cpu0
        out["idle_cpu"] = {
            "seconds": args.idle_seconds,
            "cpu_seconds": round(idle, 3),
            "percent_of_a_core": round(100 * idle / (time.perf_counter() - t0), 2),
        }
        latest = (await gql(client, CHECKPOINT, {}))["auditCheckpoint"]["treeSize"]
        rng = random.Random(7)
        inclusion: list[float] = []
        consistency: list[float] = []
        with Healthz(client) as health:
            for _ in range(args.proofs):
                started = time.perf_counter()
                await gql(client, INCLUSION, {"id": str(rng.randint(1, entries))})
                inclusion.append(time.perf_counter() - started)
                started = time.perf_counter()
                await gql(client, CONSISTENCY, {"a": rng.choice(sizes), "b": latest})
                consistency.append(time.perf_counter() - started)
        out["proofs"] = {
            "tree_size": latest,
            "inclusion": {
                "n": len(inclusion),
                "p50_ms": pct(inclusion, 50),
                "p99_ms": pct(inclusion, 99),
            },
            "consistency": {
                "n": len(consistency),
                "p50_ms": pct(consistency, 50),
                "p99_ms": pct(consistency, 99),
            },
            "healthz_meanwhile": health.summary(),
        }
        # a verification through the API: the work in another process, the server responsive
        with Healthz(client) as health:
            started = time.perf_counter()
            job = (await gql(client, START, {}))["auditIntegrityStart"]["job"]
            answered = time.perf_counter() - started
            while True:
                state = (await gql(client, JOB, {"id": job["id"]}))["auditIntegrityJob"]
                if state["state"] != "RUNNING":
                    break
                await asyncio.sleep(0.5)
            out["api_verification"] = {
                "start_answered_ms": round(answered * 1000, 2),
                "seconds": round(time.perf_counter() - started, 2),
                "state": state["state"],
                "ok": (state["report"] or {}).get("ok"),
                "error": state["error"],
                "healthz_meanwhile": health.summary(),
            }
    return out


async def checkpoint_sizes(url: str) -> list[int]:
    from sqlalchemy import select

    from hub.audit.models import audit_checkpoints

    engine = create_hub_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(select(audit_checkpoints.c.tree_size))
            return [r.tree_size for r in rows]
    finally:
        await engine.dispose()


async def generate_log(settings: Settings, n: int, last_day: int) -> dict[str, Any]:
    keys = AuditKeys.load(
        settings.audit_key_path, settings.audit_signing_path, settings.audit_origin
    )
    engine = create_hub_engine(settings.database_url)

    def progress(done: int) -> None:
        if done % 500_000 == 0:
            print(f"  generated {done:,}", file=sys.stderr, flush=True)

    started = time.perf_counter()
    try:
        size = await generate(engine, keys, n, last_day=last_day, progress=progress)
    finally:
        await engine.dispose()
    seconds = time.perf_counter() - started
    return {"entries": size, "seconds": round(seconds, 1), "entries_per_s": round(size / seconds)}


async def integrator_throughput(settings: Settings, first_id: int, m: int) -> dict[str, Any]:
    """``m`` entries recorded without leaves, then integrated batch by batch: entries/s."""
    from sqlalchemy import func, select, text

    keys = AuditKeys.load(
        settings.audit_key_path, settings.audit_signing_path, settings.audit_origin
    )
    engine = create_hub_engine(settings.database_url)
    try:
        when = datetime.now(UTC) - timedelta(minutes=5)
        for start in range(first_id, first_id + m, 10_000):
            rows = [
                synthetic_entry(i, when) for i in range(start, min(first_id + m, start + 10_000))
            ]
            async with engine.begin() as conn:
                await _copy(conn, audit_entries, rows)
        if engine.dialect.name == "postgresql":
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence('audit_entries', 'id'),"
                        " (SELECT max(id) FROM audit_entries))"
                    )
                )
        async with engine.connect() as conn:
            before = (await conn.execute(select(func.count()).select_from(audit_leaves))).scalar()
        started = time.perf_counter()
        size = before
        while True:
            grown = await integrate(engine, keys)
            if grown is None or grown == size:
                break
            size = grown
        seconds = time.perf_counter() - started
        return {
            "database": engine.dialect.name,
            "entries": (size or 0) - (before or 0),
            "seconds": round(seconds, 2),
            "entries_per_s": round(((size or 0) - (before or 0)) / seconds) if seconds else None,
        }
    finally:
        await engine.dispose()


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--entries", type=int, default=1_000_000)
    ap.add_argument(
        "--url", default=None, help="a PostgreSQL server (a throw-away database is made)"
    )
    ap.add_argument("--idle-seconds", type=float, default=60)
    ap.add_argument(
        "--proofs", type=int, default=2_000, help="inclusion and consistency proofs each"
    )
    ap.add_argument("--export", type=int, default=100_000, help="entries on the exported day")
    ap.add_argument("--integrate", type=int, default=200_000, help="entries for the integrator")
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--keep", action="store_true", help="keep the data (and database) afterwards")
    args = ap.parse_args()

    data_dir = Path(args.data_dir or tempfile.mkdtemp(prefix="audit-scale-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    env["HUB_DATA_DIR"] = str(data_dir)
    pg_name = None
    if args.url:
        from tests.conftest import _create_pg_database

        pg_name, url = asyncio.run(_create_pg_database(args.url))
        env["HUB_DATABASE_URL"] = url
    out: dict[str, Any] = {"entries": args.entries}
    try:
        subprocess.run(
            [sys.executable, "-m", "hub.cli", "demo", "seed", "--persons", "200"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        settings = Settings.from_env(env)
        out["database"] = "postgresql" if args.url else "sqlite"
        out["generate"] = asyncio.run(generate_log(settings, args.entries, args.export))
        print(f"generated: {out['generate']}", file=sys.stderr, flush=True)
        out["fyt_audit_verify"] = timed_command(
            ["audit", "verify"], env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        print(f"verified: {out['fyt_audit_verify']}", file=sys.stderr, flush=True)

        from hub.demo.info import demo_info

        info = asyncio.run(demo_info(settings))
        token = next(u["token"] for u in info["users"] if u["id"] == "auditor-sun")
        sizes = asyncio.run(checkpoint_sizes(settings.database_url))
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hub.cli",
                "serve",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
        )
        try:
            for _ in range(600):
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.1)
            else:
                raise SystemExit("the hub did not start")
            out.update(
                asyncio.run(against_server(port, token, server.pid, args.entries, sizes, args))
            )
        finally:
            server.terminate()
            server.wait(timeout=30)
        print("served", file=sys.stderr, flush=True)

        court_day = (datetime.now(UTC) + timedelta(hours=8)).date() - timedelta(days=1)
        export_file = data_dir / "export.jsonl"
        out["fyt_audit_export"] = {
            "day": court_day.isoformat(),
            "entries_on_the_day": min(args.export, args.entries),
            **timed_command(
                [
                    "audit",
                    "export",
                    "--from",
                    str(court_day),
                    "--to",
                    str(court_day),
                    "-o",
                    str(export_file),
                ],
                env,
                stderr=subprocess.DEVNULL,
            ),
            "bytes": export_file.stat().st_size if export_file.exists() else 0,
        }
        print(f"exported: {out['fyt_audit_export']}", file=sys.stderr, flush=True)
        if args.integrate:
            first = args.entries + 1_000_000  # clear of the ids the served hub used meanwhile
            out["integrator"] = asyncio.run(integrator_throughput(settings, first, args.integrate))
    finally:
        if pg_name is not None and not args.keep:
            from tests.conftest import _drop_pg_database

            asyncio.run(_drop_pg_database(args.url, pg_name))
        if not args.keep and not args.data_dir:
            shutil.rmtree(data_dir, ignore_errors=True)
    out["machine"] = (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    out["bench_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
