"""Full person profile over HTTP, one uvicorn worker: req/s, p50, p99 and the hub's CPU per request.

    python bench/profile_load.py [--persons 100000] [--concurrency 32] [--requests 20000]

Seeds a dataset under bench/.data/ on first use (kept between runs), starts `fyt serve` on a
free loopback port, warms up, then sends the same full-profile query (identifiers as variables)
for persons that are parties of the demo judge's open cases, rotating through them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.loadgen import build_request, run_load  # noqa: E402
from tests.hub.queries import PERSON_FULL  # noqa: E402


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def subjects(env: dict[str, str], limit: int) -> tuple[str, list[tuple[str, str]]]:
    from hub.cases import service
    from hub.config import Settings
    from hub.db.engine import create_hub_engine
    from hub.demo.info import demo_info

    settings = Settings.from_env(env)
    info = await demo_info(settings)
    token = next(u["token"] for u in info["users"] if u["id"] == "judge-zhang")
    engine = create_hub_engine(settings.database_url)
    async with engine.connect() as conn:
        pairs = await service.parties_of_open_cases(
            conn, judge_id="judge-zhang", subject_kind="PERSON", limit=limit
        )
    await engine.dispose()
    return token, [(p.subject_id, case) for case, p in pairs]


def _leaves(value: object) -> int:
    if isinstance(value, dict):
        return sum(_leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(_leaves(v) for v in value)
    return 1


def profile_sizes(port: int, pairs: list[tuple[str, str]], token: str) -> list[tuple[int, int]]:
    """(response bytes, leaf values) of the profiles the benchmark asks for."""
    out = []
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Bearer {token}"}
    ) as c:
        for pid, case in pairs:
            r = c.post(
                "/graphql", json={"query": PERSON_FULL, "variables": {"id": pid, "case": case}}
            )
            out.append((len(r.content), _leaves(r.json()["data"])))
    return out


def sample_stats(sizes: list[tuple[int, int]]) -> dict[str, float]:
    return {
        "response_bytes_mean": round(sum(b for b, _ in sizes) / len(sizes)),
        "values_per_response_mean": round(sum(v for _, v in sizes) / len(sizes), 1),
        "values_per_response_max": max(v for _, v in sizes),
    }


def ensure_data(env: dict[str, str], persons: int) -> None:
    marker = Path(env["HUB_DATA_DIR"]) / "demo.json"
    if marker.exists() and json.loads(marker.read_text())["persons"] == persons:
        from hub.config import Settings
        from hub.demo.seed import ensure_keys

        ensure_keys(Settings.from_env(env))
        return
    print(f"seeding {persons:,} persons into {env['HUB_DATA_DIR']} …", flush=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "hub.cli", "demo", "seed", "--persons", str(persons)],
        env=env,
        check=True,
    )
    print(f"seeded in {time.perf_counter() - started:.1f} s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--requests", type=int, default=20_000)
    ap.add_argument("--warmup", type=int, default=1_000)
    ap.add_argument("--subjects", type=int, default=500)
    ap.add_argument("--data-dir", default=None)
    ap.add_argument("--extra-env", action="append", default=[], help="KEY=VALUE for the server")
    ap.add_argument(
        "--without-audit",
        action="store_true",
        help="measurement only: serve with audit writes replaced by a no-op",
    )
    args = ap.parse_args()

    data_dir = Path(args.data_dir or ROOT / "bench" / ".data" / f"profile-{args.persons}")
    env = {**os.environ, "HUB_DATA_DIR": str(data_dir)}
    env.pop("HUB_DATABASE_URL", None)
    for kv in args.extra_env:
        k, _, v = kv.partition("=")
        env[k] = v
    ensure_data(env, args.persons)
    token, pairs = asyncio.run(subjects(env, args.subjects))
    headers = {"Authorization": f"Bearer {token}"}
    requests = [
        build_request(
            "/graphql",
            json.dumps({"query": PERSON_FULL, "variables": {"id": pid, "case": case}}).encode(),
            headers,
        )
        for pid, case in pairs
    ]
    port = free_port()
    entry = (
        [str(ROOT / "bench" / "serve_without_audit.py")]
        if args.without_audit
        else ["-m", "hub.cli"]
    )
    server = subprocess.Popen(
        [sys.executable, *entry, "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("server did not start")
        port_sizes = profile_sizes(port, pairs[:100], token)
        asyncio.run(
            run_load("127.0.0.1", port, requests, total=args.warmup, concurrency=args.concurrency)
        )
        cpu0 = cpu_seconds(server.pid)
        result = asyncio.run(
            run_load("127.0.0.1", port, requests, total=args.requests, concurrency=args.concurrency)
        )
        cpu = cpu_seconds(server.pid) - cpu0
    finally:
        server.terminate()
        server.wait(timeout=10)
    out = {
        **result.summary(),
        "concurrency": args.concurrency,
        "audit": not args.without_audit,
        "persons": args.persons,
        "distinct_subjects": len(pairs),
        "server_cpu_ms_per_request": round(cpu * 1000 / result.requests, 3),
        **sample_stats(port_sizes),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
    }
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
