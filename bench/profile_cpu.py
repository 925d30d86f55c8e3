"""CPU per full-profile request inside one process: the ASGI app called directly, no server.

    python bench/profile_cpu.py --data-dir DIR [--requests 2000] [--warmup 500] [--concurrency 16]

No uvicorn, no sockets, no load generator sharing the cores: the figure is the process's CPU
time (user + system, all threads) per request of the app itself — routing, authentication,
GraphQL, policy, look-ups, the audit write. The data directory must hold a seeded demo
(``fyt demo seed``). Prints one JSON line. bench/compare_revisions.py --in-process runs it for
two source trees alternately.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, os.getcwd())  # the tree this runs for (its hub package)

from hub.app import create_app
from hub.config import Settings


async def call(app: Any, body: bytes, token: str, answer: list[bytes] | None = None) -> int:
    """POST ``body`` to the app's /graphql as ``token``; the status (the answer's body into
    ``answer`` when given)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"hub.bench"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
            (b"authorization", f"Bearer {token}".encode()),
        ],
        "client": ("127.0.0.1", 40000),
        "server": ("127.0.0.1", 8000),
        "app": app,
    }
    sent = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif answer is not None and message["type"] == "http.response.body":
            answer.append(message.get("body", b""))

    await app(scope, receive, send)
    return status


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from tests.hub.queries import PERSON_FULL

    env = {**os.environ, "HUB_DATA_DIR": args.data_dir}
    env.pop("HUB_DATABASE_URL", None)
    settings = Settings.from_env(env)
    pairs = json.loads(Path(args.subjects).read_bytes())  # noqa: ASYNC240 (before serving)
    token = pairs["token"]
    bodies = [
        orjson.dumps({"query": PERSON_FULL, "variables": {"id": p, "case": c}})
        for p, c in pairs["pairs"]
    ]
    app = create_app(settings)
    lifespan = app.router.lifespan_context(app)
    await lifespan.__aenter__()
    try:
        sem = asyncio.Semaphore(args.concurrency)

        async def one(k: int) -> int:
            async with sem:
                return await call(app, bodies[k % len(bodies)], token)

        await asyncio.gather(*(one(k) for k in range(args.warmup)))
        started = time.process_time()
        wall = time.perf_counter()
        statuses = await asyncio.gather(*(one(k) for k in range(args.requests)))
        cpu = time.process_time() - started
        wall = time.perf_counter() - wall
    finally:
        await lifespan.__aexit__(None, None, None)
    return {
        "requests": args.requests,
        "not_200": sum(s != 200 for s in statuses),
        "cpu_ms": round(cpu * 1000 / args.requests, 3),
        "wall_ms": round(wall * 1000 / args.requests, 3),
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--subjects", required=True, help="JSON file: token and (id, case) pairs")
    ap.add_argument("--requests", type=int, default=2_000)
    ap.add_argument("--warmup", type=int, default=500)
    ap.add_argument("--concurrency", type=int, default=16)
    args = ap.parse_args()
    print(json.dumps(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
